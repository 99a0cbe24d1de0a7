namespace Engine.Domain.Strategies.Indicators;

/// <summary>A moving average of prices. <see cref="Value"/> is meaningful once <see cref="IsReady"/>.</summary>
public interface IMovingAverage
{
    int Period { get; }
    bool IsReady { get; }
    double Value { get; }
    void Add(decimal value);
}

/// <summary>
/// Arithmetic mean of the last <see cref="Period"/> values; before the window is full, the mean of
/// those seen. O(Period) per update: recomputing from the window never drifts, which a running sum
/// of doubles does over millions of bars.
/// </summary>
public sealed class SimpleMovingAverage : IMovingAverage
{
    private readonly RollingWindow<double> _window;

    public SimpleMovingAverage(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        _window = new RollingWindow<double>(period);
    }

    public int Period => _window.Size;
    public bool IsReady => _window.IsFull;
    public double Value { get; private set; }

    public void Add(decimal value)
    {
        _window.Add((double)value);
        Value = Stats.Mean(_window.Values, _window[0]);
    }
}

/// <summary>
/// Exponential moving average with alpha = 2/(Period+1), seeded with the simple mean of the first
/// Period values (before that, <see cref="Value"/> is the mean so far). O(1) per update.
/// </summary>
public sealed class ExponentialMovingAverage : IMovingAverage
{
    private readonly double _alpha;
    private int _count;
    private double _seedShift;
    private double _seedShiftedSum;

    public ExponentialMovingAverage(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        Period = period;
        _alpha = 2.0 / (period + 1);
    }

    public int Period { get; }
    public bool IsReady => _count >= Period;
    public double Value { get; private set; }

    public void Add(decimal value)
    {
        var x = (double)value;
        if (_count >= Period)
        {
            Value += _alpha * (x - Value);
            return;
        }
        // Summing offsets from the first value keeps the seed exact for a flat series.
        if (_count == 0) _seedShift = x;
        _count++;
        _seedShiftedSum += x - _seedShift;
        Value = _seedShift + _seedShiftedSum / _count;
    }
}

/// <summary>
/// Mean and standard deviation of the last <see cref="Period"/> values. Recomputed in two passes over
/// the window (O(Period) per update), shifted by the newest value: numerically stable, and exactly zero
/// deviation for a flat window, which callers rely on to detect "no dispersion".
/// </summary>
public sealed class RollingStatistics
{
    private readonly RollingWindow<double> _window;
    private double _sumOfSquares;

    public RollingStatistics(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        _window = new RollingWindow<double>(period);
    }

    public int Period => _window.Size;
    public bool IsReady => _window.IsFull;
    public int Count => _window.Count;
    public double Mean { get; private set; }

    /// <summary>Population variance: squared deviations divided by the number of values.</summary>
    public double PopulationVariance => _window.Count == 0 ? 0 : _sumOfSquares / _window.Count;

    /// <summary>Population standard deviation (divides by N): the window is the whole population a z-score compares with.</summary>
    public double PopulationStandardDeviation => Math.Sqrt(PopulationVariance);

    /// <summary>Sample standard deviation (divides by N - 1); 0 until two values are held.</summary>
    public double SampleStandardDeviation => _window.Count < 2 ? 0 : Math.Sqrt(_sumOfSquares / (_window.Count - 1));

    public void Add(decimal value)
    {
        _window.Add((double)value);
        var values = _window.Values;
        Mean = Stats.Mean(values, _window[0]);
        var sum = 0.0;
        foreach (var v in values)
        {
            var d = v - Mean;
            sum += d * d;
        }
        _sumOfSquares = sum;
    }
}

/// <summary>
/// Highest high and lowest low of the <see cref="Period"/> bars BEFORE the latest one: after
/// <see cref="Add(decimal, decimal)"/> for a bar, <see cref="Upper"/> and <see cref="Lower"/> describe
/// the channel that bar is judged against, so the bar can never break out of a channel it made itself.
/// Exact: prices stay decimal, so a close equal to a prior high is not a breakout.
/// </summary>
public sealed class DonchianChannel
{
    private readonly RollingWindow<decimal> _highs;
    private readonly RollingWindow<decimal> _lows;

    public DonchianChannel(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        _highs = new RollingWindow<decimal>(period);
        _lows = new RollingWindow<decimal>(period);
    }

    public int Period => _highs.Size;

    /// <summary>True once Period bars preceded the latest one.</summary>
    public bool IsReady { get; private set; }

    public decimal Upper { get; private set; }
    public decimal Lower { get; private set; }

    public void Add(decimal high, decimal low)
    {
        IsReady = _highs.IsFull;
        if (IsReady)
        {
            Upper = Max(_highs.Values);
            Lower = Min(_lows.Values);
        }
        _highs.Add(high);
        _lows.Add(low);
    }

    private static decimal Max(ReadOnlySpan<decimal> values)
    {
        var m = values[0];
        foreach (var v in values) if (v > m) m = v;
        return m;
    }

    private static decimal Min(ReadOnlySpan<decimal> values)
    {
        var m = values[0];
        foreach (var v in values) if (v < m) m = v;
        return m;
    }
}

internal static class Stats
{
    /// <summary>Mean as shift + mean of offsets: exact when every value equals the shift.</summary>
    public static double Mean(ReadOnlySpan<double> values, double shift)
    {
        var sum = 0.0;
        foreach (var v in values) sum += v - shift;
        return shift + sum / values.Length;
    }
}

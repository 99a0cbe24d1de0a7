namespace Engine.Domain.Strategies.Indicators;

public interface IMovingAverage
{
    bool IsReady { get; }
    double Value { get; }
    void Add(double value);
}

/// <summary>Arithmetic mean of the last N values; recomputed from the window to avoid drift.</summary>
public sealed class SimpleMovingAverage(int period) : IMovingAverage
{
    private readonly RollingWindow _window = new(period);

    public bool IsReady => _window.IsFull;
    public double Value { get; private set; }

    public void Add(double value)
    {
        _window.Add(value);
        Value = _window.Sum() / _window.Count;
    }
}

/// <summary>EMA with alpha = 2/(N+1), seeded with the SMA of the first N values.</summary>
public sealed class ExponentialMovingAverage : IMovingAverage
{
    private readonly int _period;
    private readonly double _alpha;
    private int _count;
    private double _seedSum;

    public ExponentialMovingAverage(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        _period = period;
        _alpha = 2.0 / (period + 1);
    }

    public bool IsReady => _count >= _period;
    public double Value { get; private set; }

    public void Add(double value)
    {
        _count++;
        if (_count < _period)
        {
            _seedSum += value;
            Value = _seedSum / _count;
        }
        else if (_count == _period)
        {
            _seedSum += value;
            Value = _seedSum / _period;
        }
        else
        {
            Value += _alpha * (value - Value);
        }
    }
}

/// <summary>Mean and population standard deviation of the last N values (two-pass, numerically stable).</summary>
public sealed class RollingStatistics(int period)
{
    private readonly RollingWindow _window = new(period);

    public bool IsReady => _window.IsFull;
    public double Mean { get; private set; }
    public double StandardDeviation { get; private set; }

    public void Add(double value)
    {
        _window.Add(value);
        Mean = _window.Sum() / _window.Count;
        StandardDeviation = Math.Sqrt(_window.SumOfSquaredDeviations(Mean) / _window.Count);
    }
}

/// <summary>Highest high and lowest low of the previous N bars: the current bar is not included.</summary>
public sealed class DonchianChannel(int period)
{
    private readonly RollingWindow _highs = new(period);
    private readonly RollingWindow _lows = new(period);

    public bool IsReady => _highs.IsFull;
    public double Upper => _highs.Max();
    public double Lower => _lows.Min();

    /// <summary>Call after reading Upper/Lower for the current bar.</summary>
    public void Add(double high, double low)
    {
        _highs.Add(high);
        _lows.Add(low);
    }
}

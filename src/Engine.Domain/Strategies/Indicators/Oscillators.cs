namespace Engine.Domain.Strategies.Indicators;

/// <summary>
/// MACD as LEAN computes it: the fast EMA minus the slow EMA of closes (the MACD line), and the
/// signal line, an EMA of the MACD line fed only once both averages are ready (so gaps between
/// half-seeded averages never enter it). Ready after Slow + Signal - 1 values.
/// </summary>
public sealed class MovingAverageConvergenceDivergence
{
    private readonly ExponentialMovingAverage _fast;
    private readonly ExponentialMovingAverage _slow;
    private readonly ExponentialMovingAverage _signal;

    public MovingAverageConvergenceDivergence(int fast, int slow, int signal)
    {
        _fast = new ExponentialMovingAverage(fast);
        _slow = new ExponentialMovingAverage(slow);
        _signal = new ExponentialMovingAverage(signal);
    }

    public bool IsReady => _signal.IsReady;

    /// <summary>The fast average, which LEAN's MACD sample divides the MACD-signal gap by.</summary>
    public double Fast => _fast.Value;

    public double Slow => _slow.Value;

    /// <summary>Fast minus slow.</summary>
    public double Macd { get; private set; }

    public double Signal => _signal.Value;

    public double Histogram => Macd - Signal;

    public void Add(decimal close)
    {
        _fast.Add(close);
        _slow.Add(close);
        Macd = _fast.Value - _slow.Value;
        if (_fast.IsReady && _slow.IsReady) _signal.Add((decimal)Macd);
    }
}

/// <summary>
/// Wilder's relative strength index of closes: the first average gain and loss are the simple means
/// of the first Period close-to-close changes, then each is smoothed as (previous * (Period - 1) +
/// change) / Period. RSI = 100 - 100 / (1 + gain / loss); 100 when there were no losses, 50 when
/// there was no change at all (neither side has strength). Ready after Period + 1 closes.
/// </summary>
public sealed class RelativeStrengthIndex
{
    private decimal? _previous;
    private int _changes;
    private double _gain;
    private double _loss;

    public RelativeStrengthIndex(int period)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "period must be positive");
        Period = period;
    }

    public int Period { get; }
    public bool IsReady => _changes >= Period;
    public double AverageGain => _gain;
    public double AverageLoss => _loss;

    /// <summary>Meaningful once <see cref="IsReady"/>.</summary>
    public double Value { get; private set; }

    public void Add(decimal close)
    {
        if (_previous is not { } previous)
        {
            _previous = close;
            return;
        }
        _previous = close;
        // The change is taken in decimal so equal closes are exactly no change.
        var change = (double)(close - previous);
        var up = change > 0 ? change : 0;
        var down = change < 0 ? -change : 0;
        _changes++;
        if (_changes <= Period)
        {
            // Running means of the first Period changes: the seed Wilder uses.
            _gain += (up - _gain) / _changes;
            _loss += (down - _loss) / _changes;
        }
        else
        {
            _gain = (_gain * (Period - 1) + up) / Period;
            _loss = (_loss * (Period - 1) + down) / Period;
        }
        Value = _loss == 0 ? (_gain == 0 ? 50 : 100) : 100 - 100 / (1 + _gain / _loss);
    }
}

using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

public enum MovingAverageKind { Sma, Ema }

public sealed record MovingAverageCrossoverParameters(int Fast, int Slow, MovingAverageKind Kind)
{
    public void Validate()
    {
        if (Fast <= 0 || Slow <= 0 || Fast >= Slow)
            throw new ArgumentException($"fast and slow must be positive integers with fast < slow (fast={Fast}, slow={Slow})");
    }
}

/// <summary>Long when the fast average crosses above the slow one, short when it crosses below.</summary>
public sealed class MovingAverageCrossover : IStrategy
{
    private readonly IMovingAverage _fast;
    private readonly IMovingAverage _slow;
    private int _lastSide;

    public MovingAverageCrossover(MovingAverageCrossoverParameters p)
    {
        p.Validate();
        _fast = p.Kind == MovingAverageKind.Ema ? new ExponentialMovingAverage(p.Fast) : new SimpleMovingAverage(p.Fast);
        _slow = p.Kind == MovingAverageKind.Ema ? new ExponentialMovingAverage(p.Slow) : new SimpleMovingAverage(p.Slow);
    }

    public decimal? OnBar(TradeBar bar)
    {
        var close = (double)bar.Close;
        _fast.Add(close);
        _slow.Add(close);
        if (!_slow.IsReady) return null;
        var side = Math.Sign(_fast.Value - _slow.Value);
        if (side == 0 || side == _lastSide) return null;
        var first = _lastSide == 0;
        _lastSide = side;
        // The first comparison only establishes which side we are on; a cross is a change of side.
        return first ? null : side;
    }
}

public sealed record MeanReversionParameters(int Lookback, double EntryZ, double ExitZ)
{
    public void Validate()
    {
        if (Lookback < 2) throw new ArgumentException($"lookback must be an integer of at least 2 (lookback={Lookback})");
        if (!(EntryZ > 0) || !(ExitZ >= 0) || ExitZ >= EntryZ)
            throw new ArgumentException($"entry-z must be positive and exit-z in [0, entry-z) (entry-z={EntryZ}, exit-z={ExitZ})");
    }
}

/// <summary>Fades stretches: long below -EntryZ, short above EntryZ, flat once |z| falls under ExitZ.</summary>
public sealed class MeanReversion : IStrategy
{
    private readonly MeanReversionParameters _p;
    private readonly RollingStatistics _stats;
    private decimal _target;

    public MeanReversion(MeanReversionParameters p)
    {
        p.Validate();
        _p = p;
        _stats = new RollingStatistics(p.Lookback);
    }

    public decimal? OnBar(TradeBar bar)
    {
        var close = (double)bar.Close;
        _stats.Add(close);
        if (!_stats.IsReady || _stats.StandardDeviation <= 0) return null;
        var z = (close - _stats.Mean) / _stats.StandardDeviation;
        var target = _target;
        if (z < -_p.EntryZ) target = 1m;
        else if (z > _p.EntryZ) target = -1m;
        else if (_target != 0m && Math.Abs(z) < _p.ExitZ) target = 0m;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

public sealed record BreakoutParameters(int EntryLookback, int ExitLookback)
{
    public void Validate()
    {
        if (EntryLookback <= 0 || ExitLookback <= 0)
            throw new ArgumentException($"entry-lookback and exit-lookback must be positive integers (entry-lookback={EntryLookback}, exit-lookback={ExitLookback})");
    }
}

/// <summary>
/// Turtle-style channel breakout: long on a close above the previous entry-lookback high, short on a
/// close below its low; a long exits on a close below the previous exit-lookback low, a short above its high.
/// </summary>
public sealed class Breakout : IStrategy
{
    private readonly DonchianChannel _entry;
    private readonly DonchianChannel _exit;
    private decimal _target;

    public Breakout(BreakoutParameters p)
    {
        p.Validate();
        _entry = new DonchianChannel(p.EntryLookback);
        _exit = new DonchianChannel(p.ExitLookback);
    }

    public decimal? OnBar(TradeBar bar)
    {
        var close = (double)bar.Close;
        var target = _target;
        if (_entry.IsReady && _exit.IsReady)
        {
            if (close > _entry.Upper) target = 1m;
            else if (close < _entry.Lower) target = -1m;
            else if (_target > 0 && close < _exit.Lower) target = 0m;
            else if (_target < 0 && close > _exit.Upper) target = 0m;
        }
        _entry.Add((double)bar.High, (double)bar.Low);
        _exit.Add((double)bar.High, (double)bar.Low);
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

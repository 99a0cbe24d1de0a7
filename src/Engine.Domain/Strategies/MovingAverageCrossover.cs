using System.Globalization;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

public enum MovingAverageKind { Sma, Ema }

/// <param name="Fast">Bars in the fast average (HOCON <c>fast</c>); positive and less than Slow.</param>
/// <param name="Slow">Bars in the slow average (HOCON <c>slow</c>); at least 2.</param>
/// <param name="Kind">Simple or exponential averages (HOCON <c>ma-type</c> = sma | ema).</param>
public sealed record MovingAverageCrossoverParameters(int Fast, int Slow, MovingAverageKind Kind)
{
    /// <exception cref="ArgumentException">Names the offending HOCON key and its value.</exception>
    public void Validate()
    {
        if (Slow is < 2 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"slow must be an integer from 2 to {ValueBounds.MaxWindow} (slow={Slow})"));
        if (Fast <= 0 || Fast >= Slow)
            throw new ArgumentException(Invariant($"fast must be a positive integer less than slow (fast={Fast}, slow={Slow})"));
        if (!Enum.IsDefined(Kind))
            throw new ArgumentException(Invariant($"ma-type must be sma or ema (ma-type={Kind})"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Trend following on two moving averages of closes: +1 when the fast average crosses above the slow
/// one, -1 when it crosses below. A cross needs a side to cross from, so the first comparison after
/// warm-up (Slow bars) only records which side the fast average is on and emits nothing.
/// </summary>
public sealed class MovingAverageCrossover : IStrategy
{
    // Averages closer than this (relative) are touching, not crossed: rounding noise in doubles must
    // not become a pair of orders.
    private const double Touching = 1e-12;

    private readonly IMovingAverage _fast;
    private readonly IMovingAverage _slow;
    private int _side;

    public MovingAverageCrossoverParameters Parameters { get; }

    public MovingAverageCrossover(MovingAverageCrossoverParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        _fast = Create(parameters.Kind, parameters.Fast);
        _slow = Create(parameters.Kind, parameters.Slow);
    }

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        _fast.Add(bar.Close);
        _slow.Add(bar.Close);
        if (!_slow.IsReady) return null;

        var gap = _fast.Value - _slow.Value;
        var side = Math.Abs(gap) <= Touching * Math.Abs(_slow.Value) ? 0 : Math.Sign(gap);
        if (side == 0 || side == _side) return null;
        var isFirst = _side == 0;
        _side = side;
        return isFirst ? null : side;
    }

    private static IMovingAverage Create(MovingAverageKind kind, int period) => kind switch
    {
        MovingAverageKind.Sma => new SimpleMovingAverage(period),
        _ => new ExponentialMovingAverage(period),
    };
}

using System.Globalization;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

/// <param name="Fast">Bars in the fast EMA (HOCON <c>fast</c>); positive and less than Slow.</param>
/// <param name="Slow">Bars in the slow EMA (HOCON <c>slow</c>); at least 2.</param>
/// <param name="Signal">Bars in the signal EMA of the MACD line (HOCON <c>signal</c>); positive.</param>
/// <param name="Tolerance">
/// The band around the signal line, as a fraction of the fast EMA (HOCON <c>tolerance</c>); at least 0.
/// </param>
public sealed record MacdTrendParameters(int Fast, int Slow, int Signal, double Tolerance)
{
    /// <exception cref="ArgumentException">Names the offending HOCON key and its value.</exception>
    public void Validate()
    {
        if (Slow is < 2 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"slow must be an integer from 2 to {ValueBounds.MaxWindow} (slow={Slow})"));
        if (Fast <= 0 || Fast >= Slow)
            throw new ArgumentException(Invariant($"fast must be a positive integer less than slow (fast={Fast}, slow={Slow})"));
        if (Signal is <= 0 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"signal must be an integer from 1 to {ValueBounds.MaxWindow} (signal={Signal})"));
        // Above 1 the gap would have to exceed the price itself: such a band never trades.
        if (!double.IsFinite(Tolerance) || Tolerance is < 0 or >= 1)
            throw new ArgumentException(Invariant($"tolerance must be a number in [0, 1) (tolerance={Tolerance})"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// LEAN's MACD trend sample (MACDTrendAlgorithm): with delta = (MACD - signal) / fast EMA, go long
/// (+1) when delta &gt; Tolerance and liquidate (0) when delta &lt; -Tolerance; inside the band
/// nothing changes, so the position does not bounce on a line that hovers around its signal.
/// Long or flat, never short, as in LEAN's sample. Nothing happens until the MACD is ready
/// (Slow + Signal - 1 bars).
/// </summary>
public sealed class MacdTrend : IStrategy
{
    private readonly MovingAverageConvergenceDivergence _macd;
    private decimal _target;

    public MacdTrendParameters Parameters { get; }

    public MacdTrend(MacdTrendParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        _macd = new MovingAverageConvergenceDivergence(parameters.Fast, parameters.Slow, parameters.Signal);
    }

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        _macd.Add(bar.Close);
        if (!_macd.IsReady || _macd.Fast == 0) return null;

        var delta = _macd.Histogram / _macd.Fast;
        var target = _target;
        if (delta > Parameters.Tolerance) target = 1m;
        else if (delta < -Parameters.Tolerance) target = 0m;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

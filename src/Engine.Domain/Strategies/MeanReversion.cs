using System.Globalization;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

/// <param name="Lookback">Bars in the z-score window, the current bar included (HOCON <c>lookback</c>); at least 2.</param>
/// <param name="EntryZ">|z| beyond which to enter against the move (HOCON <c>entry-z</c>); positive, below sqrt(lookback - 1).</param>
/// <param name="ExitZ">|z| under which a position goes flat (HOCON <c>exit-z</c>); in [0, entry-z).</param>
public sealed record MeanReversionParameters(int Lookback, double EntryZ, double ExitZ)
{
    /// <exception cref="ArgumentException">Names the offending HOCON key and its value.</exception>
    public void Validate()
    {
        if (Lookback is < 2 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"lookback must be an integer from 2 to {ValueBounds.MaxWindow} (lookback={Lookback})"));
        if (!double.IsFinite(EntryZ) || EntryZ <= 0)
            throw new ArgumentException(Invariant($"entry-z must be a positive number (entry-z={EntryZ})"));
        if (!double.IsFinite(ExitZ) || ExitZ < 0 || ExitZ >= EntryZ)
            throw new ArgumentException(Invariant($"exit-z must be a number in [0, entry-z) (exit-z={ExitZ}, entry-z={EntryZ})"));
        // The bar being scored is part of its own window, which caps |z| at sqrt(n - 1); a threshold
        // at or above that would silently never trade.
        var maxZ = Math.Sqrt(Lookback - 1);
        if (EntryZ >= maxZ)
            throw new ArgumentException(Invariant(
                $"entry-z must be less than sqrt(lookback - 1) = {maxZ:0.###}, the largest |z| a {Lookback}-bar window can produce (entry-z={EntryZ}, lookback={Lookback})"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Fades stretches from the rolling mean. z = (close - mean) / population std over the last Lookback
/// closes, the current one included. Enters +1 when z &lt; -EntryZ and -1 when z &gt; EntryZ (flipping
/// directly if already on the other side); returns to 0 when |z| &lt; ExitZ. Entry is checked before exit.
/// A flat window (std == 0) changes nothing.
/// </summary>
public sealed class MeanReversion : IStrategy
{
    private readonly RollingStatistics _stats;
    private decimal _target;

    public MeanReversionParameters Parameters { get; }

    public MeanReversion(MeanReversionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        _stats = new RollingStatistics(parameters.Lookback);
    }

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        _stats.Add(bar.Close);
        var std = _stats.PopulationStandardDeviation;
        if (!_stats.IsReady || std == 0) return null;

        var z = ((double)bar.Close - _stats.Mean) / std;
        var target = _target;
        if (z < -Parameters.EntryZ) target = 1m;
        else if (z > Parameters.EntryZ) target = -1m;
        else if (Math.Abs(z) < Parameters.ExitZ) target = 0m;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

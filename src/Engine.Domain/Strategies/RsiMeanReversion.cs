using System.Globalization;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

/// <param name="Period">Close-to-close changes in Wilder's RSI (HOCON <c>period</c>); at least 2.</param>
/// <param name="Oversold">RSI under which to go long (HOCON <c>oversold</c>).</param>
/// <param name="Overbought">RSI over which to go short (HOCON <c>overbought</c>).</param>
/// <param name="Exit">RSI at which a position has reverted and goes flat (HOCON <c>exit</c>).</param>
/// <remarks>0 &lt; oversold &lt; exit &lt; overbought &lt; 100.</remarks>
public sealed record RsiMeanReversionParameters(int Period, double Oversold, double Overbought, double Exit)
{
    /// <exception cref="ArgumentException">Names the offending HOCON key and its value.</exception>
    public void Validate()
    {
        if (Period is < 2 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"period must be an integer from 2 to {ValueBounds.MaxWindow} (period={Period})"));
        if (!double.IsFinite(Oversold) || Oversold is <= 0 or >= 100)
            throw new ArgumentException(Invariant($"oversold must be a number in (0, 100) (oversold={Oversold})"));
        if (!double.IsFinite(Overbought) || Overbought is <= 0 or >= 100 || Overbought <= Oversold)
            throw new ArgumentException(Invariant($"overbought must be a number in (oversold, 100) (overbought={Overbought}, oversold={Oversold})"));
        // Outside (oversold, overbought) the exit would fire on the bar after the entry, or never.
        if (!double.IsFinite(Exit) || Exit <= Oversold || Exit >= Overbought)
            throw new ArgumentException(Invariant($"exit must be a number in (oversold, overbought) (exit={Exit}, oversold={Oversold}, overbought={Overbought})"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Fades extremes of Wilder's RSI: +1 when RSI &lt; Oversold, -1 when RSI &gt; Overbought (flipping
/// directly from the other side; with allow-short = false the short is flat); a long goes flat once
/// RSI rises to Exit or above, a short once it falls to Exit or below. Entries are checked before
/// exits. Nothing happens until the RSI is ready (Period + 1 bars).
/// </summary>
public sealed class RsiMeanReversion : IStrategy
{
    private readonly RelativeStrengthIndex _rsi;
    private decimal _target;

    public RsiMeanReversionParameters Parameters { get; }

    public RsiMeanReversion(RsiMeanReversionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        _rsi = new RelativeStrengthIndex(parameters.Period);
    }

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        _rsi.Add(bar.Close);
        if (!_rsi.IsReady) return null;

        var rsi = _rsi.Value;
        var target = _target;
        if (rsi < Parameters.Oversold) target = 1m;
        else if (rsi > Parameters.Overbought) target = -1m;
        else if (_target > 0 && rsi >= Parameters.Exit) target = 0m;
        else if (_target < 0 && rsi <= Parameters.Exit) target = 0m;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

using System.Globalization;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Strategies;

/// <param name="EntryLookback">Bars in the entry channel (HOCON <c>entry-lookback</c>); positive.</param>
/// <param name="ExitLookback">
/// Bars in the exit channel (HOCON <c>exit-lookback</c>); positive. Turtle-style systems keep it shorter
/// than the entry channel; at or above it the exit never fires before the opposite entry (stop-and-reverse).
/// </param>
public sealed record BreakoutParameters(int EntryLookback, int ExitLookback)
{
    /// <exception cref="ArgumentException">Names the offending HOCON key and its value.</exception>
    public void Validate()
    {
        if (EntryLookback is <= 0 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"entry-lookback must be an integer from 1 to {ValueBounds.MaxWindow} (entry-lookback={EntryLookback})"));
        if (ExitLookback is <= 0 or > ValueBounds.MaxWindow)
            throw new ArgumentException(Invariant($"exit-lookback must be an integer from 1 to {ValueBounds.MaxWindow} (exit-lookback={ExitLookback})"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Turtle-style channel breakout on closes against the previous bars' highs and lows (the current bar
/// excluded): +1 on a close above the previous EntryLookback-bar high, -1 on a close below its low
/// (flipping directly from the other side); a long exits to 0 on a close below the previous
/// ExitLookback-bar low, a short on a close above the previous ExitLookback-bar high. Entries are
/// checked before exits. Nothing happens until EntryLookback bars have been seen.
/// </summary>
public sealed class Breakout : IStrategy
{
    private readonly DonchianChannel _entry;
    private readonly DonchianChannel _exit;
    private decimal _target;

    public BreakoutParameters Parameters { get; }

    public Breakout(BreakoutParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        _entry = new DonchianChannel(parameters.EntryLookback);
        _exit = new DonchianChannel(parameters.ExitLookback);
    }

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        _entry.Add(bar.High, bar.Low);
        _exit.Add(bar.High, bar.Low);
        if (!_entry.IsReady) return null;

        var close = bar.Close;
        var target = _target;
        if (close > _entry.Upper) target = 1m;
        else if (close < _entry.Lower) target = -1m;
        else if (_target > 0 && _exit.IsReady && close < _exit.Lower) target = 0m;
        else if (_target < 0 && _exit.IsReady && close > _exit.Upper) target = 0m;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}

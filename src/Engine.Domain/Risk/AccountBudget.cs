using Engine.Domain.Trading;

namespace Engine.Domain.Risk;

public enum AccountType
{
    /// <summary>Buys are paid from cash (leverage 1) and nothing is ever sold short.</summary>
    Cash,

    /// <summary>Positions, long or short, may be worth up to Leverage times the equity.</summary>
    Margin,
}

/// <summary>
/// The money behind an account, as LEAN's cash and margin accounts model it: equity (starting cash
/// plus P&amp;L net of fees) must cover the margin every position and resting order takes, which is
/// its value divided by the leverage plus the fees its resting orders will cost.
/// </summary>
/// <param name="StartingCash">Cash before the first trade; equity is this plus P&amp;L.</param>
/// <param name="Leverage">1 for a cash account; LEAN's equity margin account uses 2.</param>
public sealed record AccountFunds(AccountType Type, decimal StartingCash, decimal Leverage)
{
    public const decimal DefaultStartingCash = 100_000m;

    public static readonly AccountFunds DefaultCash = new(AccountType.Cash, DefaultStartingCash, 1m);

    /// <summary>
    /// The usage with the margin the legs take: their worst-case value (Usage.Gross) over the
    /// leverage, plus what their resting orders will cost in fees at the price.
    /// </summary>
    public Usage WithMargin(Usage usage, ReadOnlySpan<Leg> legs, decimal price, VenueSettings venue)
    {
        var fees = 0m;
        foreach (var l in legs)
        {
            if (l.OpenBuy > 0m) fees += PaperVenue.Fee(l.OpenBuy, price, venue);
            if (l.OpenSell > 0m) fees += PaperVenue.Fee(l.OpenSell, price, venue);
        }
        return usage with { BuyingPower = usage.Gross / Leverage + fees };
    }
}

/// <summary>
/// An account's limits across all its symbols, and how its risk supervisor watches them.
/// </summary>
/// <param name="MaxGrossExposure">Sum over symbols of absolute position value (resting orders counted at their worst).</param>
/// <param name="MaxNetExposure">Absolute value of long minus short position value.</param>
/// <param name="MaxOpenPositions">Strategy-symbol pairs holding a position or a resting order.</param>
/// <param name="MaxOrdersPerWindow">New orders of the whole account within RateWindow.</param>
/// <param name="MaxMessagesPerWindow">New orders plus cancels of the whole account within RateWindow.</param>
/// <param name="RateWindow">The account rate limits' sliding window.</param>
/// <param name="MaxDailyLoss">Loss since the start of the trading day (realized + unrealized - fees) that engages the kill switch.</param>
/// <param name="MaxDrawdown">Fall from the intraday high-water mark of P&amp;L that engages the kill switch.</param>
/// <param name="ReduceAtFraction">At this fraction of either loss limit the account moves to REDUCING.</param>
/// <param name="FlattenOnBreach">Whether the automatic kill switch also flattens the account's positions.</param>
/// <param name="StaleDataAfter">Market data older than this, for a symbol with a position during trading hours, engages the kill switch for it.</param>
/// <param name="Funds">The account's cash and buying power; null: no buying-power check (only the limits above).</param>
public sealed record AccountLimits(
    decimal MaxGrossExposure,
    decimal MaxNetExposure,
    int MaxOpenPositions,
    int MaxOrdersPerWindow,
    int MaxMessagesPerWindow,
    TimeSpan RateWindow,
    decimal MaxDailyLoss,
    decimal MaxDrawdown,
    decimal ReduceAtFraction,
    bool FlattenOnBreach,
    TimeSpan StaleDataAfter,
    AccountFunds? Funds = null)
{
    public static readonly AccountLimits Default = new(
        5_000_000m, 2_500_000m, 100, 1_000, 2_000, TimeSpan.FromMinutes(1),
        100_000m, 150_000m, 0.8m, true, TimeSpan.FromMinutes(2));

    /// <summary>Everything the account may use before it has any P&amp;L.</summary>
    public Credit Total => TotalAt(0m);

    /// <summary>Everything the account may use, as one credit, when its P&amp;L (net of fees) is pnl: the buying power is the equity (0 without funds).</summary>
    public Credit TotalAt(decimal pnl) => new(
        MaxGrossExposure, MaxNetExposure, MaxNetExposure, MaxOpenPositions, MaxOrdersPerWindow, MaxMessagesPerWindow,
        Funds is { } f ? Math.Max(0m, f.StartingCash + pnl) : 0m);

    /// <summary>Starting cash plus P&amp;L; null without funds.</summary>
    public decimal? Equity(decimal pnl) => Funds is { } f ? f.StartingCash + pnl : null;
}

/// <summary>
/// A share of an account's limits. Gross, Long and Short are position values; Positions counts
/// strategy-symbol pairs; Orders and Messages are per rate window; BuyingPower is equity, of which
/// a symbol uses its margin (AccountFunds.WithMargin; 0 for an account without funds).
/// </summary>
public readonly record struct Credit(decimal Gross, decimal Long, decimal Short, int Positions, int Orders, int Messages, decimal BuyingPower = 0m)
{
    public static readonly Credit Zero = default;

    public static Credit operator +(Credit a, Credit b) =>
        new(a.Gross + b.Gross, a.Long + b.Long, a.Short + b.Short, a.Positions + b.Positions, a.Orders + b.Orders, a.Messages + b.Messages,
            a.BuyingPower + b.BuyingPower);

    public static Credit operator -(Credit a, Credit b) =>
        new(a.Gross - b.Gross, a.Long - b.Long, a.Short - b.Short, a.Positions - b.Positions, a.Orders - b.Orders, a.Messages - b.Messages,
            a.BuyingPower - b.BuyingPower);

    public static Credit Min(Credit a, Credit b) => new(
        Math.Min(a.Gross, b.Gross), Math.Min(a.Long, b.Long), Math.Min(a.Short, b.Short),
        Math.Min(a.Positions, b.Positions), Math.Min(a.Orders, b.Orders), Math.Min(a.Messages, b.Messages),
        Math.Min(a.BuyingPower, b.BuyingPower));

    public static Credit NonNegative(Credit a) => new(
        Math.Max(0m, a.Gross), Math.Max(0m, a.Long), Math.Max(0m, a.Short),
        Math.Max(0, a.Positions), Math.Max(0, a.Orders), Math.Max(0, a.Messages), Math.Max(0m, a.BuyingPower));

    public bool IsZero => this == Zero;

    /// <summary>Every component at most the other's.</summary>
    public bool FitsIn(Credit other) =>
        Gross <= other.Gross && Long <= other.Long && Short <= other.Short &&
        Positions <= other.Positions && Orders <= other.Orders && Messages <= other.Messages && BuyingPower <= other.BuyingPower;
}

/// <summary>One strategy's stake in a symbol: its position and its resting buy and sell quantities.</summary>
public readonly record struct Leg(decimal Position, decimal OpenBuy, decimal OpenSell);

/// <summary>
/// What one symbol uses of an account's limits at a price: every resting order is counted as if it
/// filled, on whichever side makes the exposure larger. BuyingPower is the margin that takes
/// (AccountFunds.WithMargin), set by the symbol for an account with funds; Of leaves it 0.
/// </summary>
public readonly record struct Usage(decimal Gross, decimal Long, decimal Short, int Positions, decimal BuyingPower = 0m)
{
    public static Usage Of(IEnumerable<Leg> legs, decimal price) => Of(legs.ToArray(), price);

    public static Usage Of(ReadOnlySpan<Leg> legs, decimal price)
    {
        decimal gross = 0m, longWorst = 0m, shortWorst = 0m;
        var positions = 0;
        foreach (var l in legs)
        {
            var up = l.Position + l.OpenBuy;
            var down = l.Position - l.OpenSell;
            gross += Math.Max(Math.Abs(up), Math.Abs(down));
            longWorst += up;
            shortWorst += down;
            if (l.Position != 0m || l.OpenBuy > 0m || l.OpenSell > 0m) positions++;
        }
        return new Usage(gross * price, Math.Max(0m, longWorst) * price, Math.Max(0m, -shortWorst) * price, positions);
    }
}


/// <summary>
/// What one symbol uses of an account at a time-slice boundary (exposure at its price, open
/// positions, orders and messages in the account's rate window), and what its waiting orders need
/// on top of that.
/// </summary>
public readonly record struct CreditDemand(string Symbol, Credit Used, Credit Wanted);

/// <summary>
/// The supervisor's side of the exposure budget (design rule 2): at each time-slice boundary it
/// re-divides an account's limits among its symbols, which then spend their share locally for the
/// whole next slice without asking anyone.
///
/// Every symbol is idle at a boundary and has just reported exactly what it uses, so the
/// allocation is absolute, not a loan: each symbol keeps what it uses, waiting orders are granted
/// what they need in symbol order as long as the account's free room covers each in full, and what
/// is left is shared equally (rounded down). Where usage is already past a limit (price moves carried
/// exposure there, or cancels, which are never refused, carried messages there), every symbol's
/// allocation of that component is its usage scaled down to the limit (rounded down): nobody may add
/// to it until it is back under. Hence the INVARIANT: the allocations never add up to more than the
/// account's limits, component by component. A symbol accepts an
/// order only if it keeps its usage within its allocation or does not increase it, so no
/// interleaving of orders across symbols within a slice takes the account past a limit. And no
/// starvation: an order that fits the account's free room is granted at the next boundary, and
/// unused shares return to the pool by themselves because the next allocation starts from usage.
/// </summary>
public static class AccountAllocator
{
    /// <param name="pnl">The account's P&amp;L net of fees at the boundary: with funds, the buying power is starting cash plus it.</param>
    public static Credit[] Allocate(AccountLimits limits, IReadOnlyList<CreditDemand> demands, decimal pnl = 0m)
    {
        var n = demands.Count;
        var result = new Credit[n];
        if (n == 0) return result;
        var total = limits.TotalAt(pnl);
        var used = Credit.Zero;
        for (var i = 0; i < n; i++) used += Credit.NonNegative(demands[i].Used);
        var free = Credit.NonNegative(total - used);
        for (var i = 0; i < n; i++)
        {
            result[i] = Within(Credit.NonNegative(demands[i].Used), used, total);
            var want = Credit.NonNegative(demands[i].Wanted);
            if (want.IsZero || !want.FitsIn(free)) continue;
            result[i] += want;
            free -= want;
        }
        var share = new Credit(
            Down(free.Gross / n), Down(free.Long / n), Down(free.Short / n),
            free.Positions / n, free.Orders / n, free.Messages / n, Down(free.BuyingPower / n));
        for (var i = 0; i < n; i++) result[i] += share;
        return result;
    }

    /// <summary>A symbol's usage, each component scaled down to the limit where the account's summed usage is past it.</summary>
    private static Credit Within(Credit mine, Credit all, Credit total) => new(
        Scale(mine.Gross, all.Gross, total.Gross), Scale(mine.Long, all.Long, total.Long), Scale(mine.Short, all.Short, total.Short),
        Scale(mine.Positions, all.Positions, total.Positions), Scale(mine.Orders, all.Orders, total.Orders),
        Scale(mine.Messages, all.Messages, total.Messages), Scale(mine.BuyingPower, all.BuyingPower, total.BuyingPower));

    // Multiplied before dividing so that a sole user past a limit is allocated exactly the limit;
    // divided first only where the product would overflow (usage carried far past a limit by price).
    private static decimal Scale(decimal mine, decimal all, decimal limit) =>
        all <= limit ? mine : limit == 0m ? 0m : Down(mine <= decimal.MaxValue / limit ? mine * limit / all : mine / all * limit);

    private static int Scale(int mine, int all, int limit) => all <= limit ? mine : (int)((long)mine * limit / all);

    // Rounded down so that together they never exceed what there is.
    private static decimal Down(decimal d) => decimal.Round(d, 4, MidpointRounding.ToZero);
}

/// <summary>The symbol's side of the exposure budget: an order against the credit it was allocated.</summary>
public static class SymbolCredit
{
    /// <summary>
    /// Judges an order by the account usage before and after it and the account messages this
    /// symbol sent in the window: the first account limit it would take past the credit held, or
    /// null. An order that does not increase a component never fails on it; one that adds no
    /// exposure (a sale of what is held, a flatten) never fails for buying power either: its fee,
    /// the only margin it adds, is paid from what it frees.
    /// </summary>
    public static OrderRejectReason? Check(Credit held, Usage before, Usage after, int ordersInWindow, int messagesInWindow)
    {
        if (after.BuyingPower > held.BuyingPower && after.BuyingPower > before.BuyingPower && AddsExposure(before, after))
            return OrderRejectReason.InsufficientBuyingPower;
        if (after.Gross > held.Gross && after.Gross > before.Gross) return OrderRejectReason.AccountGrossExposure;
        if ((after.Long > held.Long && after.Long > before.Long) || (after.Short > held.Short && after.Short > before.Short))
            return OrderRejectReason.AccountNetExposure;
        if (after.Positions > held.Positions && after.Positions > before.Positions) return OrderRejectReason.MaxOpenPositions;
        if (ordersInWindow >= held.Orders) return OrderRejectReason.AccountOrderRate;
        if (messagesInWindow >= held.Messages) return OrderRejectReason.AccountMessageRate;
        return null;
    }

    /// <summary>Whether the order raises the worst-case gross value or either side's exposure.</summary>
    public static bool AddsExposure(Usage before, Usage after) =>
        after.Gross > before.Gross || after.Long > before.Long || after.Short > before.Short;

    /// <summary>
    /// What an order adds to the account's usage: the increases of exposure, positions and margin
    /// (none for an order that adds no exposure, as Check never asks it for any), one order and one message.
    /// </summary>
    public static Credit Need(Usage before, Usage after) => new(
        Math.Max(0m, after.Gross - before.Gross), Math.Max(0m, after.Long - before.Long), Math.Max(0m, after.Short - before.Short),
        Math.Max(0, after.Positions - before.Positions), 1, 1,
        AddsExposure(before, after) ? Math.Max(0m, after.BuyingPower - before.BuyingPower) : 0m);
}

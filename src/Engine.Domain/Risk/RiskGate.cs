using Engine.Domain.Trading;

namespace Engine.Domain.Risk;

/// <summary>What the gate knows when it judges one order: all of it local to the symbol.</summary>
/// <param name="ReferencePrice">Last trade (or mid, or bar close); null before any market data.</param>
/// <param name="Position">The strategy's current position in the symbol.</param>
/// <param name="RecentOrderTimes">Acceptance times of the strategy's recent orders in this symbol, oldest first.</param>
public readonly record struct RiskContext(
    bool KillSwitchEngaged,
    bool StrategyHalted,
    decimal? ReferencePrice,
    decimal Position,
    IReadOnlyList<DateTime> RecentOrderTimes,
    DateTime Now);

/// <summary>The local pre-trade checks, as a pure function. The first failing check is the reason.</summary>
public static class RiskGate
{
    public static OrderRejectReason? Check(OrderIntent intent, RiskContext ctx, RiskLimits limits)
    {
        if (ctx.KillSwitchEngaged) return OrderRejectReason.KillSwitch;
        if (ctx.StrategyHalted) return OrderRejectReason.StrategyHalted;
        if (ctx.ReferencePrice is not { } reference || reference <= 0m) return OrderRejectReason.NoReferencePrice;
        if (intent.Quantity > limits.MaxOrderQuantity) return OrderRejectReason.MaxOrderQuantity;

        var price = intent.Type == OrderType.Limit ? intent.LimitPrice!.Value : reference;
        if (intent.Quantity * price > limits.MaxOrderNotional) return OrderRejectReason.MaxOrderNotional;

        var after = ctx.Position + intent.Side.Sign() * intent.Quantity;
        // An order that shrinks the position is always allowed past the position limit.
        if (Math.Abs(after) > limits.MaxPositionQuantity && Math.Abs(after) > Math.Abs(ctx.Position))
            return OrderRejectReason.MaxPosition;

        if (intent.Type == OrderType.Limit &&
            Math.Abs(intent.LimitPrice!.Value - reference) / reference * 100m > limits.PriceCollarPct)
            return OrderRejectReason.PriceCollar;

        if (CountInWindow(ctx.RecentOrderTimes, ctx.Now - limits.RateWindow) >= limits.MaxOrdersPerWindow)
            return OrderRejectReason.OrderRate;
        return null;
    }

    private static int CountInWindow(IReadOnlyList<DateTime> times, DateTime windowStart)
    {
        var n = 0;
        for (var i = times.Count - 1; i >= 0 && times[i] > windowStart; i--) n++;
        return n;
    }
}

using Engine.Domain.Trading;

namespace Engine.Domain.Risk;

/// <summary>One message a strategy sent to the venue: a new order or a cancel. The rate limits count these.</summary>
public readonly record struct OrderMessage(DateTime Time, bool IsCancel, Side Side, decimal Quantity, decimal? LimitPrice);

/// <summary>What the gate knows when it judges one order: all of it local to the symbol.</summary>
/// <param name="State">The most severe trading state of every scope covering this strategy in this symbol.</param>
/// <param name="StrategyStopped">The strategy was stopped in this symbol after failing repeatedly.</param>
/// <param name="Flatten">The order closes a position for a flatten that an operator or the supervisor asked for.</param>
/// <param name="ReferencePrice">Last trade (or mid before any trade); null before any market data.</param>
/// <param name="Position">The strategy's filled position in the symbol, signed.</param>
/// <param name="SymbolPosition">The filled position of all strategies in the symbol together.</param>
/// <param name="OpenOrders">The strategy's resting orders in the symbol.</param>
/// <param name="RecentMessages">The strategy's orders and cancels in the symbol, oldest first.</param>
/// <param name="Now">The engine clock.</param>
/// <param name="OpenBuy">Quantity of the strategy's resting buys; OpenSell of its resting sells.</param>
/// <param name="SymbolOpenBuy">The same for all strategies in the symbol; SymbolOpenSell likewise.</param>
/// <param name="ForNextSession">Decided on a daily bar, known only once its session closed: the order
/// is for the next session's open (LEAN turns it into a market-on-open order), so the trading-hours
/// check, made for orders sent into the session now, does not apply.</param>
public readonly record struct RiskContext(
    TradingState State,
    bool StrategyStopped,
    bool Flatten,
    decimal? ReferencePrice,
    decimal Position,
    decimal SymbolPosition,
    int OpenOrders,
    IReadOnlyList<OrderMessage> RecentMessages,
    DateTime Now,
    decimal OpenBuy = 0m,
    decimal OpenSell = 0m,
    decimal SymbolOpenBuy = 0m,
    decimal SymbolOpenSell = 0m,
    bool ForNextSession = false);

/// <summary>
/// The local pre-trade checks, as a pure function: the first failing check is the reason. Account
/// limits are not here: they need the symbol's exposure budget (AccountBudget), checked after this.
/// Positions are judged on the order's side at their worst: every resting order on that side fills
/// and none on the other, so no order in which resting orders fill can take a position past a limit,
/// and an order only counts as reducing if it reduces whatever else fills.
/// </summary>
public static class RiskGate
{
    public static OrderRejectReason? Check(OrderIntent intent, RiskContext ctx, RiskLimits limits)
    {
        if (intent.Quantity <= 0m) return OrderRejectReason.InvalidOrder;
        if (intent.Type == OrderType.Limit && intent.LimitPrice is not > 0m) return OrderRejectReason.InvalidOrder;

        var signed = intent.Side.Sign() * intent.Quantity;
        var buy = intent.Side == Side.Buy;
        var worst = buy ? ctx.Position + ctx.OpenBuy : ctx.Position - ctx.OpenSell;
        var symbolWorst = buy ? ctx.SymbolPosition + ctx.SymbolOpenBuy : ctx.SymbolPosition - ctx.SymbolOpenSell;
        var reduces = Reduces(worst, signed);
        var flattening = ctx.Flatten && reduces;
        if (ctx.State == TradingState.Halted && !flattening) return OrderRejectReason.KillSwitch;
        if (ctx.StrategyStopped && !flattening) return OrderRejectReason.StrategyHalted;
        if (ctx.State == TradingState.Reducing && !reduces) return OrderRejectReason.ReduceOnly;
        if (limits.Restricted && !reduces) return OrderRejectReason.RestrictedSymbol;
        if (limits.Hours is { } hours && !ctx.ForNextSession && !hours.IsOpen(ctx.Now)) return OrderRejectReason.OutsideTradingHours;
        if (ctx.ReferencePrice is not { } reference || reference <= 0m) return OrderRejectReason.NoReferencePrice;

        if (intent.Quantity > limits.MaxOrderQuantity) return OrderRejectReason.MaxOrderQuantity;
        var price = intent.Type == OrderType.Limit ? intent.LimitPrice!.Value : reference;
        if (intent.Quantity * price > limits.MaxOrderNotional) return OrderRejectReason.MaxOrderNotional;

        if (intent.Type == OrderType.Limit)
        {
            var distance = Math.Abs(intent.LimitPrice!.Value - reference);
            if (distance / reference * 100m > limits.PriceCollarPct) return OrderRejectReason.PriceCollar;
            if (limits.PriceCollarAbs > 0m && distance > limits.PriceCollarAbs) return OrderRejectReason.PriceCollar;
        }

        // An order that shrinks the position is always allowed past the position limits.
        if (!reduces)
        {
            var after = Math.Abs(worst + signed);
            if (after > Math.Abs(worst))
            {
                if (after > limits.MaxPositionQuantity) return OrderRejectReason.MaxPosition;
                if (after * reference > limits.MaxPositionNotional) return OrderRejectReason.MaxPositionNotional;
            }
            // Closing a strategy's own position is never blocked by the others in the symbol.
            var symbolAfter = Math.Abs(symbolWorst + signed);
            if (symbolAfter > Math.Abs(symbolWorst) &&
                (symbolAfter > limits.MaxSymbolPositionQuantity || symbolAfter * reference > limits.MaxSymbolPositionNotional))
                return OrderRejectReason.MaxSymbolPosition;
        }

        if (ctx.OpenOrders >= limits.MaxOpenOrders) return OrderRejectReason.MaxOpenOrders;

        var windowStart = ctx.Now - limits.RateWindow;
        if (CountInWindow(ctx.RecentMessages, windowStart, ordersOnly: true) >= limits.MaxOrdersPerWindow)
            return OrderRejectReason.OrderRate;
        if (CountInWindow(ctx.RecentMessages, windowStart, ordersOnly: false) >= limits.MaxMessagesPerWindow)
            return OrderRejectReason.MessageRate;

        // A flatten retries the same closing order on purpose; the guard is for runaway strategies.
        if (!ctx.Flatten && IsDuplicate(intent, ctx.RecentMessages, ctx.Now - limits.DuplicateWindow))
            return OrderRejectReason.DuplicateOrder;
        return null;
    }

    /// <summary>True when the order moves the position toward zero without crossing it.</summary>
    public static bool Reduces(decimal position, decimal signedQuantity) =>
        position != 0m && Math.Sign(signedQuantity) == -Math.Sign(position) && Math.Abs(signedQuantity) <= Math.Abs(position);

    /// <summary>Messages strictly after windowStart: the window is (now - window, now].</summary>
    public static int CountInWindow(IReadOnlyList<OrderMessage> messages, DateTime windowStart, bool ordersOnly)
    {
        var n = 0;
        for (var i = messages.Count - 1; i >= 0 && messages[i].Time > windowStart; i--)
        {
            if (!ordersOnly || !messages[i].IsCancel) n++;
        }
        return n;
    }

    private static bool IsDuplicate(OrderIntent intent, IReadOnlyList<OrderMessage> messages, DateTime windowStart)
    {
        for (var i = messages.Count - 1; i >= 0 && messages[i].Time > windowStart; i--)
        {
            var m = messages[i];
            if (!m.IsCancel && m.Side == intent.Side && m.Quantity == intent.Quantity && m.LimitPrice == intent.LimitPrice)
                return true;
        }
        return false;
    }
}

namespace Engine.Domain.Risk;

/// <summary>
/// Why the risk gate refused an order. Codes are stable: they are journaled (by wire number, in
/// this order, so new reasons are only ever appended) and exported as metric labels.
/// </summary>
public enum OrderRejectReason
{
    KillSwitch,
    StrategyHalted,
    NoReferencePrice,
    MaxOrderQuantity,
    MaxOrderNotional,
    MaxPosition,
    PriceCollar,
    OrderRate,
    InvalidOrder,
    ReduceOnly,
    RestrictedSymbol,
    OutsideTradingHours,
    MaxPositionNotional,
    MaxSymbolPosition,
    MaxOpenOrders,
    MessageRate,
    DuplicateOrder,
    AccountGrossExposure,
    AccountNetExposure,
    MaxOpenPositions,
    AccountOrderRate,
    AccountMessageRate,
    InsufficientBuyingPower,
    CashAccountShort,
}

public static class OrderRejectReasonCodes
{
    public static string Code(this OrderRejectReason reason) => reason switch
    {
        OrderRejectReason.KillSwitch => "kill_switch",
        OrderRejectReason.StrategyHalted => "strategy_halted",
        OrderRejectReason.NoReferencePrice => "no_reference_price",
        OrderRejectReason.MaxOrderQuantity => "max_order_quantity",
        OrderRejectReason.MaxOrderNotional => "max_order_notional",
        OrderRejectReason.MaxPosition => "max_position",
        OrderRejectReason.PriceCollar => "price_collar",
        OrderRejectReason.OrderRate => "order_rate",
        OrderRejectReason.InvalidOrder => "invalid_order",
        OrderRejectReason.ReduceOnly => "reduce_only",
        OrderRejectReason.RestrictedSymbol => "restricted_symbol",
        OrderRejectReason.OutsideTradingHours => "outside_trading_hours",
        OrderRejectReason.MaxPositionNotional => "max_position_notional",
        OrderRejectReason.MaxSymbolPosition => "max_symbol_position",
        OrderRejectReason.MaxOpenOrders => "max_open_orders",
        OrderRejectReason.MessageRate => "message_rate",
        OrderRejectReason.DuplicateOrder => "duplicate_order",
        OrderRejectReason.AccountGrossExposure => "account_gross_exposure",
        OrderRejectReason.AccountNetExposure => "account_net_exposure",
        OrderRejectReason.MaxOpenPositions => "max_open_positions",
        OrderRejectReason.AccountOrderRate => "account_order_rate",
        OrderRejectReason.AccountMessageRate => "account_message_rate",
        OrderRejectReason.InsufficientBuyingPower => "insufficient_buying_power",
        OrderRejectReason.CashAccountShort => "cash_account_short",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

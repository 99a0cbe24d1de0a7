namespace Engine.Domain.Risk;

/// <summary>Why the risk gate refused an order. Codes are stable: they are journaled and exported.</summary>
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
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

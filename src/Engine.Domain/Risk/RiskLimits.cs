namespace Engine.Domain.Risk;

/// <summary>
/// Pre-trade limits of the local risk gate, applied per (strategy, symbol).
/// </summary>
/// <param name="MaxOrderQuantity">Largest single order, in shares.</param>
/// <param name="MaxOrderNotional">Largest single order value at the reference price.</param>
/// <param name="MaxPositionQuantity">Largest absolute position the order may lead to.</param>
/// <param name="PriceCollarPct">Largest distance of a limit price from the last trade, in percent.</param>
/// <param name="MaxOrdersPerWindow">Orders a strategy may send for a symbol within RateWindow.</param>
/// <param name="RateWindow">The sliding window of the order-rate limit, in market (virtual) time.</param>
public sealed record RiskLimits(
    decimal MaxOrderQuantity,
    decimal MaxOrderNotional,
    decimal MaxPositionQuantity,
    decimal PriceCollarPct,
    int MaxOrdersPerWindow,
    TimeSpan RateWindow)
{
    public static readonly RiskLimits Default = new(10_000m, 1_000_000m, 10_000m, 5m, 20, TimeSpan.FromMinutes(1));
}

namespace Engine.Domain.Trading;

public enum Side { Buy, Sell }

public enum OrderType { Market, Limit }

public static class SideExtensions
{
    /// <summary>+1 for buys, -1 for sells: the sign a fill applies to a position.</summary>
    public static int Sign(this Side side) => side == Side.Buy ? 1 : -1;
}

/// <summary>What a strategy wants to trade before risk has seen it.</summary>
public sealed record OrderIntent(
    string StrategyId, string Symbol, Side Side, decimal Quantity, OrderType Type, decimal? LimitPrice);

/// <summary>
/// An order the venue holds. Ids are deterministic: symbol plus a per-symbol counter. Flatten marks
/// a reduce-only order sent to close a position for a kill switch, not by the strategy.
/// </summary>
public sealed record Order(
    string OrderId, string StrategyId, string Symbol, Side Side, decimal Quantity,
    OrderType Type, decimal? LimitPrice, DateTime AcceptedAt, long AcceptedSeq, bool Flatten = false)
{
    public decimal SignedQuantity => Side.Sign() * Quantity;
}

/// <summary>An execution. FeedSeq is the market event that caused it, which orders fills globally.</summary>
public sealed record Fill(
    string OrderId, string StrategyId, string Symbol, Side Side, decimal Quantity,
    decimal Price, decimal Fee, DateTime Time, long FeedSeq);

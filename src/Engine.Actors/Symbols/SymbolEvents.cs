using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Actors.Symbols;

/// <summary>
/// What a SymbolActor journals. Every event carries FeedSeq, the market event being processed when
/// it was written: after a crash, events at or below the highest journaled FeedSeq are known to be
/// fully applied, which is how a replay suppresses what the journal already holds.
/// Formats are pinned by golden-byte tests (design rule 7): add fields, never renumber.
/// </summary>
public interface ISymbolEvent
{
    long FeedSeq { get; }
}

public sealed record OrderAccepted(Order Order) : ISymbolEvent
{
    public long FeedSeq => Order.AcceptedSeq;
}

public sealed record OrderRejected(
    string StrategyId, Side Side, decimal Quantity, OrderType Type, decimal? LimitPrice,
    OrderRejectReason Reason, DateTime Time, long FeedSeq) : ISymbolEvent;

public sealed record OrderFilled(Fill Fill) : ISymbolEvent
{
    public long FeedSeq => Fill.FeedSeq;
}

public sealed record OrderCancelled(string OrderId, string Reason, DateTime Time, long FeedSeq) : ISymbolEvent;

public sealed record StrategyStopped(string StrategyId, string Reason, DateTime Time, long FeedSeq) : ISymbolEvent;

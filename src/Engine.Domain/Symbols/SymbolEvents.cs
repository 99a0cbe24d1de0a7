using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Domain.Symbols;

/// <summary>
/// What a symbol journals. Every event carries FeedSeq, the market event being processed when it
/// was decided (or, for what happens between market events, the last one processed; at a
/// time-slice boundary, the slice's last event). A replay applies each journaled event right after
/// the market event it names (after the boundary, for what follows a BoundaryPassed), so the
/// journal is the oracle of a replay: the state at every step of the feed is rebuilt exactly.
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

/// <summary>
/// The order moving the strategy to Target passed every local check but needs more of its
/// account's credit than the symbol holds: it waits for the next time-slice boundary, where the
/// account's supervisor re-divides the account's room, and is then accepted or rejected. Journaled
/// because whether an order waited depends on the credit, which a replay must not have to know.
/// </summary>
public sealed record OrderDeferred(
    string StrategyId, decimal Target, Side Side, decimal Quantity, OrderType Type, decimal? LimitPrice,
    OrderRejectReason Reason, DateTime Time, long FeedSeq) : ISymbolEvent;

/// <summary>
/// The kill switch's change Epoch took effect here; what it caused follows. Journaled so that a
/// replay applies the change exactly where the original run did, and never decides its
/// consequences a second time.
/// </summary>
public sealed record TradingStateApplied(long Epoch, long FeedSeq) : ISymbolEvent;

/// <summary>
/// What follows (with this FeedSeq) was caused at the time-slice boundary after market event
/// FeedSeq, after the symbol's report there, not by that event: a replay applies it when the
/// boundary's credit arrives, after the replayed report.
/// </summary>
public sealed record BoundaryPassed(long FeedSeq) : ISymbolEvent;

/// <summary>
/// An operator paused (or resumed) a strategy in this symbol. While paused the strategy still
/// follows the market (its target is tracked) but none of its targets becomes an order, and its
/// resting orders were cancelled (they follow this event); on resume it trades to its current
/// target (those orders follow this event too). Journaled so a restart keeps the pause and a replay
/// applies it at the same step. Not a kill-switch state: flatten orders and the kill switch work as usual.
/// </summary>
public sealed record StrategyPauseChanged(string StrategyId, bool Paused, string Operator, string Reason, DateTime Time, long FeedSeq) : ISymbolEvent;

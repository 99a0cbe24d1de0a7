using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using Engine.Actors.Serialization;

namespace Engine.Actors.Symbols;

/// <summary>Messages to a symbol entity; one extractor shards them all by Symbol.</summary>
public interface IWithSymbol
{
    string Symbol { get; }
}

/// <summary>
/// Some of one time slice's market events for one symbol, in feed order (sequence numbers
/// increasing). ClosesSlice marks the symbol's last batch of the slice: the symbol then reports to
/// its accounts' supervisors, and SliceLastSeq is the slice's last market event of any symbol.
/// Answered with BatchDone once processed, and BatchesJournaled once what it caused is in the journal.
/// PreviousBatchId is the feed's last message to this symbol before this one (0: none), so a symbol
/// sees a gap, and a fresh start mid-run, and asks for what it lacks (RewindSymbol); null: unchecked.
/// </summary>
/// <param name="Equity">On a symbol's first batch only: each account's equity at the last boundary decided, so that
/// a symbol first seen after the accounts' P&amp;L moved sizes its first orders on it (null: none decided yet).</param>
public sealed record SymbolBatch(
    string Symbol, long BatchId, DateTime SliceEnd, IReadOnlyList<SequencedEvent> Events, bool ClosesSlice, long DispatchedAt,
    long SliceLastSeq = 0, long? PreviousBatchId = null, IReadOnlyDictionary<string, decimal>? Equity = null) : IWithSymbol, IEngineWireMessage;

/// <summary>The batch (or boundary) is processed; Reports are present when it closed the symbol's slice.</summary>
public sealed record BatchDone(string Symbol, long BatchId, IReadOnlyList<AccountSliceReport>? Reports) : IEngineWireMessage;

/// <summary>The symbol's actor failed and restarts: what it had in flight is lost, so the feed stops.</summary>
public sealed record SymbolFailed(string Symbol, string Reason) : IEngineWireMessage;

/// <summary>Everything caused by batches (and boundaries) up to UpToBatchId is journaled: the feed's backpressure signal.</summary>
public sealed record BatchesJournaled(string Symbol, long UpToBatchId, int Events, int Fills, decimal RealizedPnlDelta) : IEngineWireMessage;

/// <summary>
/// The boundary after the slice whose last market event (of any symbol) is LastSeq: the credit each
/// account allocated to this symbol and each account's equity (absent: unchanged), after which its
/// waiting orders are tried once more. Numbered (and chained by PreviousBatchId) like a batch:
/// answered with BatchDone once processed, and BatchesJournaled.
/// </summary>
public sealed record SliceBoundary(
    string Symbol, long BatchId, long LastSeq, IReadOnlyDictionary<string, Credit>? Allocations, long? PreviousBatchId = null,
    IReadOnlyDictionary<string, decimal>? Equity = null)
    : IWithSymbol, IEngineWireMessage;

/// <summary>
/// From a symbol to its feed: a message arrived whose predecessor it never processed (it started
/// again on another member mid-run, its strategies and bars empty): send every message after
/// AfterBatchId again, in order. Only a feed that keeps its history (cluster mode) can.
/// </summary>
public sealed record RewindSymbol(string Symbol, long AfterBatchId) : IEngineWireMessage;

/// <summary>
/// The shard's hand-off stop message: the symbol stops once no journal write is in flight, so the
/// member it moves to recovers every event it wrote.
/// </summary>
public sealed record StopSymbol : ILocalOnlyMessage
{
    public static StopSymbol Instance { get; } = new();
}

/// <summary>
/// A checkpoint at a boundary: the symbol keeps a copy of its state there (and the journal sequence
/// number it has reached), and goes on. It is saved only when WriteSnapshot follows, which the feed
/// sends once everything up to the boundary is journaled and the supervisors' checkpoints are saved.
/// </summary>
public sealed record CaptureSnapshot(string Symbol, DateTime Boundary) : IWithSymbol, IEngineWireMessage;

/// <summary>Save the copy captured at Boundary (once the symbol's own journal has caught up with it).</summary>
public sealed record WriteSnapshot(string Symbol, DateTime Boundary) : IWithSymbol, IEngineWireMessage;

/// <summary>A restarted kill switch asks every live symbol to subscribe again.</summary>
public sealed record Resubscribe(string Symbol) : IWithSymbol, IEngineWireMessage;

public sealed record GetSymbolReport(string Symbol) : IWithSymbol, IEngineWireMessage;

/// <summary>The symbol's resting orders, for operators (filled and cancelled orders are only in its journal).</summary>
public sealed record GetSymbolOrders(string Symbol) : IWithSymbol, IEngineWireMessage;

public sealed record SymbolOrders(string Symbol, decimal? LastPrice, IReadOnlyList<Order> Open) : IEngineWireMessage;

/// <summary>
/// An operator pauses (Paused true) or resumes a strategy in this symbol: answered with
/// StrategyPauseAnswer once the change is journaled (or refused: the symbol is replaying its journal).
/// </summary>
public sealed record PauseStrategy(string Symbol, string StrategyId, bool Paused, string Operator, string Reason) : IWithSymbol, IEngineWireMessage;

/// <param name="Changed">False when the strategy was paused (or active) already.</param>
/// <param name="Refused">Why nothing was done; null when done.</param>
public sealed record StrategyPauseAnswer(string Symbol, string StrategyId, bool Paused, bool Changed, string? Refused) : IEngineWireMessage;

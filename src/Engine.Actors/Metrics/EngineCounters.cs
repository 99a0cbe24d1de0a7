using System.Collections.Concurrent;
using Akka.Actor;
using Engine.Domain.Risk;

namespace Engine.Actors.Metrics;

/// <summary>
/// Counters and gauges for every risk decision, kept per actor system so the monitoring layer only
/// has to export them. Written by the actors with Interlocked/concurrent collections (no locks on
/// the hot path); read through Snapshot. Counts cover what this process decided since it started;
/// the journal holds the totals across restarts.
/// </summary>
public sealed class EngineCounters : IExtension
{
    private static readonly int ReasonCount = Enum.GetValues<OrderRejectReason>().Length;
    private readonly long[] _rejections = new long[ReasonCount];
    private readonly ConcurrentDictionary<string, ScopeGauge> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _automatic = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccountRiskView> _accounts = new(StringComparer.Ordinal);
    private long _accepted;
    private long _fills;
    private long _cancels;
    private long _deferred;
    private long _flattenOrders;
    private readonly ConcurrentDictionary<string, long> _deadLetters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrategyCounters> _strategies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Component, string Severity), long> _logged = new();
    private long _journalWriteFailures;
    private long _backlog;
    private long _feedReadTicks;
    private long _feedDoneTicks;

    public static EngineCounters For(ActorSystem system) => system.WithExtension<EngineCounters, EngineCountersProvider>();

    public void OrderAccepted(bool flatten)
    {
        Interlocked.Increment(ref _accepted);
        if (flatten) Interlocked.Increment(ref _flattenOrders);
    }

    public void OrderRejected(OrderRejectReason reason) => Interlocked.Increment(ref _rejections[(int)reason]);

    public void OrderFilled() => Interlocked.Increment(ref _fills);

    public void OrderCancelled() => Interlocked.Increment(ref _cancels);

    /// <summary>An order waited for its account's credit until the next time-slice boundary.</summary>
    public void OrderDeferred() => Interlocked.Increment(ref _deferred);

    /// <summary>An engine message that reached no one, by message type.</summary>
    public void DeadLetter(string messageType) => _deadLetters.AddOrUpdate(messageType, 1, (_, n) => n + 1);

    /// <summary>The kill switch's view of a scope; 0 active, 1 reducing, 2 halted (trading_kill_switch{scope}).</summary>
    public void ScopeState(string scope, TradingState state, bool flatten) => _scopes[scope] = new ScopeGauge(state, flatten);

    /// <summary>An automatic engagement or REDUCING, by trigger (daily_loss, drawdown, exposure, loss_warning, new_day, strategy_crash, stale_data, journal_failure, engine_failure).</summary>
    public void Automatic(string trigger) => _automatic.AddOrUpdate(trigger, 1, (_, n) => n + 1);

    public void Account(string account, AccountRiskView view) => _accounts[account] = view;

    /// <summary>One strategy's counters; an actor keeps the instance, so counting is a field increment, not a lookup.</summary>
    public StrategyCounters Strategy(string id) => _strategies.GetOrAdd(id, static _ => new StrategyCounters());

    public IReadOnlyDictionary<string, StrategyCounters> Strategies => _strategies;

    /// <summary>A journal write that failed or was rejected (engine_journal_write_failures_total).</summary>
    public void JournalWriteFailed() => Interlocked.Increment(ref _journalWriteFailures);

    public long JournalWriteFailures => Interlocked.Read(ref _journalWriteFailures);

    /// <summary>A Warning or Error on Akka's log event stream, by its source's type (trading_errors_total).</summary>
    public void Logged(string component, string severity) => _logged.AddOrUpdate((component, severity), 1, static (_, n) => n + 1);

    public IReadOnlyDictionary<(string Component, string Severity), long> LoggedBySource => _logged;

    /// <summary>
    /// The feed, once per batch or boundary (never per event): events sent to symbols and not yet
    /// processed, and the market time of the newest event read and of the last boundary every symbol passed.
    /// </summary>
    public void FeedBacklog(long events) => Volatile.Write(ref _backlog, events);

    public void FeedRead(DateTime marketTime) => Volatile.Write(ref _feedReadTicks, marketTime.Ticks);

    public void FeedDone(DateTime marketTime) => Volatile.Write(ref _feedDoneTicks, marketTime.Ticks);

    /// <summary>
    /// Backlog, and the feed's lag in market time: how far the newest event read is ahead of the last
    /// boundary every symbol passed (null while no feed ran on this node).
    /// </summary>
    public (long Backlog, TimeSpan? Lag) Feed()
    {
        var read = Volatile.Read(ref _feedReadTicks);
        var done = Volatile.Read(ref _feedDoneTicks);
        TimeSpan? lag = read == 0 ? null : TimeSpan.FromTicks(done == 0 ? 0 : Math.Max(0, read - done));
        return (Volatile.Read(ref _backlog), lag);
    }

    public CountersSnapshot Snapshot()
    {
        var rejections = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<OrderRejectReason>())
            rejections[reason.Code()] = Interlocked.Read(ref _rejections[(int)reason]);
        return new CountersSnapshot(
            Interlocked.Read(ref _accepted), Interlocked.Read(ref _fills), Interlocked.Read(ref _cancels),
            Interlocked.Read(ref _flattenOrders), rejections,
            new SortedDictionary<string, ScopeGauge>(_scopes, StringComparer.Ordinal),
            new SortedDictionary<string, long>(_automatic, StringComparer.Ordinal),
            new SortedDictionary<string, AccountRiskView>(_accounts, StringComparer.Ordinal),
            Interlocked.Read(ref _deferred),
            new SortedDictionary<string, long>(_deadLetters, StringComparer.Ordinal));
    }
}

/// <summary>
/// What one strategy's orders did on this node, counted once journaled. Plain fields written with
/// Interlocked by the symbol actors (a symbol's strategies share these across symbols).
/// </summary>
public sealed class StrategyCounters
{
    private long _accepted;
    private long _rejected;
    private long _filled;
    private long _cancelled;
    private long _deferred;
    private long _openPositions;
    private long _slippageMicroBps;
    private long _slippageFills;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Filled => Interlocked.Read(ref _filled);

    public long Cancelled => Interlocked.Read(ref _cancelled);

    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>Symbols on this node where the strategy holds a position.</summary>
    public long OpenPositions => Interlocked.Read(ref _openPositions);

    /// <summary>Mean slippage of its fills against the price when each order was decided, in basis points (positive: cost).</summary>
    public double? SlippageBps
    {
        get
        {
            var n = Interlocked.Read(ref _slippageFills);
            return n == 0 ? null : Interlocked.Read(ref _slippageMicroBps) / 1e6 / n;
        }
    }

    public void OrderAccepted() => Interlocked.Increment(ref _accepted);

    public void OrderRejected() => Interlocked.Increment(ref _rejected);

    public void OrderFilled() => Interlocked.Increment(ref _filled);

    public void OrderCancelled() => Interlocked.Increment(ref _cancelled);

    public void OrderDeferred() => Interlocked.Increment(ref _deferred);

    public void PositionOpened() => Interlocked.Increment(ref _openPositions);

    public void PositionClosed() => Interlocked.Decrement(ref _openPositions);

    public void Slippage(double bps)
    {
        Interlocked.Add(ref _slippageMicroBps, (long)Math.Round(bps * 1e6));
        Interlocked.Increment(ref _slippageFills);
    }
}

public sealed record ScopeGauge(TradingState State, bool Flatten);

public sealed record CountersSnapshot(
    long OrdersAccepted, long Fills, long Cancels, long FlattenOrders,
    IReadOnlyDictionary<string, long> RejectionsByReason,
    IReadOnlyDictionary<string, ScopeGauge> Scopes,
    IReadOnlyDictionary<string, long> AutomaticByTrigger,
    IReadOnlyDictionary<string, AccountRiskView> Accounts,
    long Deferred,
    IReadOnlyDictionary<string, long> DeadLettersByType);

public sealed class EngineCountersProvider : ExtensionIdProvider<EngineCounters>
{
    public override EngineCounters CreateExtension(ExtendedActorSystem system) => new();
}

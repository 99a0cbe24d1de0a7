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

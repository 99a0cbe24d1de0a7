using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Actors.Metrics;
using Engine.Domain.Risk;
using Engine.Actors.Serialization;

namespace Engine.Actors.Risk;

/// <summary>Messages to an account's risk supervisor; the parent routes them by Account.</summary>
public interface IWithAccount
{
    string Account { get; }
}

/// <summary>
/// One account's risk supervisor (the pure AccountSupervisor inside), off the hot path and driven
/// only by time-slice boundaries: the feed sends it the symbols' reports at each boundary, when
/// every symbol is idle, and it answers with the kill-switch commands the boundary calls for and
/// each symbol's share of the account's credit. Nothing here reads a clock or depends on when a
/// message arrives, so a replay decides the same way.
///
/// At a checkpoint it snapshots its state; after a restart it recovers the P&amp;L, daily baseline,
/// high-water mark and flags of that boundary, and lets the replayed boundaries up to it pass
/// (their decisions are in the kill switch's journal already).
/// </summary>
public sealed class RiskSupervisor : ReceivePersistentActor
{
    /// <summary>A boundary: the reports of every symbol that traded this account in the slice.</summary>
    public sealed record SliceClosed(string Account, long SliceId, DateTime Boundary, IReadOnlyList<AccountSliceReport> Reports) : IWithAccount, IEngineWireMessage;

    /// <summary>Commands are empty for a boundary the checkpoint already covers; Allocations hold every symbol's credit.</summary>
    public sealed record SliceDecided(string Account, long SliceId, AccountDecisions Decisions) : IEngineWireMessage;

    /// <summary>Keep a copy of the state at this boundary; it is saved by SaveCheckpoint once the symbols' journals have caught up.</summary>
    public sealed record CaptureCheckpoint(string Account, DateTime Boundary) : IWithAccount, IEngineWireMessage;

    public sealed record SaveCheckpoint(string Account, DateTime Boundary) : IWithAccount, IEngineWireMessage;

    public sealed record CheckpointSaved(string Account, DateTime Boundary) : IEngineWireMessage;

    public sealed record GetAccountRisk(string Account) : IWithAccount, IEngineWireMessage;

    /// <param name="AsOf">The last boundary decided (market time); null before any.</param>
    /// <param name="Lent">The credit the last boundary handed out to the symbols, summed; null when not known (an older node).</param>
    public sealed record AccountRiskReport(
        string Account, AccountRiskView View, RiskVerdict Verdict, IReadOnlyList<string> StaleSymbols,
        DateTime? AsOf = null, Credit? Lent = null) : IEngineWireMessage;

    private static readonly AccountDecisions Nothing =
        new(Array.Empty<RiskCommand>(), new Dictionary<string, Credit>(StringComparer.Ordinal));

    private readonly string _account;
    private readonly AccountSupervisor _supervisor;
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DateTime? _restoredAt;
    private AccountCheckpoint? _captured;
    private IActorRef? _checkpointRequester;

    public RiskSupervisor(string account, AccountLimits limits, TradingHours? hours)
    {
        _account = account;
        _supervisor = new AccountSupervisor(account, limits, hours);

        Recover<SnapshotOffer>(offer =>
        {
            var checkpoint = (AccountCheckpoint)offer.Snapshot;
            _supervisor.Restore(checkpoint);
            _restoredAt = checkpoint.Boundary;
        });

        Command<SliceClosed>(Handle);
        Command<CaptureCheckpoint>(c => _captured = _supervisor.LastBoundary == c.Boundary ? _supervisor.Save() : null);
        Command<SaveCheckpoint>(Handle);
        Command<GetAccountRisk>(_ => Sender.Tell(Report()));
        // The supervisor journals nothing: its snapshot (sequence number 0) is replaced at each checkpoint.
        Command<SaveSnapshotSuccess>(s =>
        {
            _checkpointRequester?.Tell(new CheckpointSaved(_account, ((AccountCheckpoint)_captured!).Boundary));
            _checkpointRequester = null;
        });
        Command<SaveSnapshotFailure>(f =>
        {
            // The previous checkpoint stays valid: a restart replays a little more.
            _log.Warning("account {0}: checkpoint failed: {1}", _account, f.Cause.Message);
            _checkpointRequester?.Tell(new CheckpointSaved(_account, DateTime.MinValue));
            _checkpointRequester = null;
        });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => $"risk-{_account}";

    public static Props Props(string account, AccountLimits limits, TradingHours? hours) =>
        Akka.Actor.Props.Create(() => new RiskSupervisor(account, limits, hours)).WithDispatcher(EngineDispatcher.Id);

    private void Handle(SliceClosed s)
    {
        if (_restoredAt is { } restored && s.Boundary <= restored)
        {
            // Already decided before the restart; at the checkpoint itself the symbols get back the credit it allocated.
            var atCheckpoint = s.Boundary == restored;
            Sender.Tell(new SliceDecided(_account, s.SliceId, Nothing with
            {
                Allocations = atCheckpoint ? _supervisor.LastAllocations : Nothing.Allocations,
                Equity = atCheckpoint ? _supervisor.Equity : null,
            }));
            return;
        }
        var decisions = _supervisor.OnBoundary(s.Boundary, s.Reports);
        _counters.Account(_account, _supervisor.Tracker.View());
        foreach (var c in decisions.Commands)
            _log.Warning("account {0} at {1:O}: {2} {3}: {4}", _account, s.Boundary, c.Kind, c.Scope, c.Reason);
        Sender.Tell(new SliceDecided(_account, s.SliceId, decisions));
    }

    private void Handle(SaveCheckpoint c)
    {
        if (_captured is not { } captured || captured.Boundary != c.Boundary)
        {
            Sender.Tell(new CheckpointSaved(_account, DateTime.MinValue)); // nothing captured there: keep the last checkpoint
            return;
        }
        _checkpointRequester = Sender;
        SaveSnapshot(captured);
    }

    private AccountRiskReport Report() => new(
        _account, _supervisor.Tracker.View(), _supervisor.Tracker.Assess(),
        _supervisor.LastBoundary is { } at ? _supervisor.StaleSymbols(at).ToArray() : Array.Empty<string>(),
        _supervisor.LastBoundary, _supervisor.LastAllocations.Values.Aggregate(Credit.Zero, (sum, c) => sum + c));
}

/// <summary>
/// The risk singleton: one RiskSupervisor per configured account, one of each cluster-wide. A
/// supervisor that fails is not restarted in place: a fresh one would not know what the symbols use.
/// Instead the engine's kill switch is engaged (through its own KillSwitchRequests, which sends until
/// the kill switch answers, wherever it runs); a restart recovers each supervisor from its last checkpoint.
/// </summary>
public sealed class RiskSupervisors : ReceiveActor, IWithUnboundedStash
{
    /// <summary>
    /// A feed starts reading from its start: every supervisor goes back to its last checkpoint, as
    /// after a restart. A live supervisor deciding the replayed boundaries again would sum the
    /// replayed reports of some symbols with the latest of others (a high-water mark the run never had).
    /// </summary>
    public sealed record Rewind : IEngineWireMessage;

    private readonly IReadOnlyDictionary<string, AccountLimits> _accounts;
    private readonly TradingHours? _hours;
    private readonly IActorRef _killSwitchRequests;
    private int _stopping;

    public RiskSupervisors(IReadOnlyDictionary<string, AccountLimits> accounts, TradingHours? hours, IActorRef killSwitch, TimeSpan killSwitchAckTimeout)
    {
        _accounts = accounts;
        _hours = hours;
        _killSwitchRequests = Context.ActorOf(KillSwitchRequests.Props(killSwitch, killSwitchAckTimeout), "kill-switch-requests");
        StartSupervisors();
        Active();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IReadOnlyDictionary<string, AccountLimits> accounts, TradingHours? hours, IActorRef killSwitch, TimeSpan killSwitchAckTimeout) =>
        Akka.Actor.Props.Create(() => new RiskSupervisors(accounts, hours, killSwitch, killSwitchAckTimeout)).WithDispatcher(EngineDispatcher.Id);

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(ex =>
    {
        EngineCounters.For(Context.System).Automatic("engine_failure");
        _killSwitchRequests.Tell(new KillSwitchActor.Engage("engine", $"risk supervisor failed: {ex.GetType().Name}: {ex.Message}", "engine-guardian"));
        return Directive.Stop;
    }));

    private void StartSupervisors()
    {
        foreach (var (id, limits) in _accounts)
            Context.Watch(Context.ActorOf(RiskSupervisor.Props(id, limits, _hours), id));
    }

    private void Active()
    {
        Receive<IWithAccount>(m =>
        {
            var child = Context.Child(m.Account);
            if (child.IsNobody())
            {
                Context.GetLogger().Error("no risk supervisor for account '{0}' (dropped {1})", m.Account, m.GetType().Name);
                return;
            }
            child.Forward(m);
        });
        Receive<Rewind>(_ => StartRewind());
        Receive<Terminated>(_ => { }); // a failed supervisor, stopped by the strategy above
    }

    // Stopped and started again under the same names, so each recovers its last checkpoint; what
    // arrives meanwhile waits, in order.
    private void StartRewind()
    {
        var supervisors = _accounts.Keys.Select(id => Context.Child(id)).Where(c => !c.IsNobody()).ToArray();
        _stopping = supervisors.Length;
        if (_stopping == 0)
        {
            StartSupervisors();
            return;
        }
        foreach (var supervisor in supervisors) Context.Stop(supervisor);
        Become(Rewinding);
    }

    private void Rewinding()
    {
        Receive<Terminated>(_ =>
        {
            if (--_stopping > 0) return;
            StartSupervisors();
            Stash.UnstashAll();
            Become(Active);
        });
        ReceiveAny(_ => Stash.Stash());
    }
}

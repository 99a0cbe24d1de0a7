using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using Akka.Streams.Dsl;
using Engine.Actors.Risk;
using Engine.Actors.Serialization;
using Engine.Actors.Settings;
using Engine.Domain.Risk;
using Engine.Domain.MarketData;

namespace Engine.Actors.Feeds;

/// <summary>What a submitted run reads (cluster mode); the node that runs it opens it with its own settings.</summary>
/// <param name="RunId">Chosen by the submitter; submitting the same run again is answered, not started twice.</param>
/// <param name="DataPath">The --data path, absolute, as every node sees it; null: the synthetic feed.</param>
/// <param name="Symbols">--synthetic's symbols, or empty.</param>
/// <param name="Speed">Replay speed multiplier; null: as fast as it goes.</param>
/// <param name="InputDigest">The submitter's digest of the run's input (data files and decision settings): the running node must agree.</param>
public sealed record RunRequest(string RunId, string? DataPath, IReadOnlyList<string> Symbols, double? Speed, bool ContinueAnyway, string InputDigest);

/// <summary>Journaled by the run singleton when it takes a run: until its RunEnded, the next incarnation resumes it.</summary>
public sealed record RunStarted(RunRequest Request);

/// <summary>Journaled once a run is over (done, failed or stopped).</summary>
public sealed record RunEnded(string RunId);

/// <summary>A running feed's progress, for the submitter's progress line; Halted: why trading is halted while the run waits.</summary>
public sealed record RunProgress(long Read, long Rejected, long Fills, decimal Realized, string? Halted = null);

/// <summary>A file of --data the feed did not read, and why.</summary>
public sealed record SkippedFileEntry(string Path, string Reason, string Detail);

/// <summary>What the feed read, for the run's summary.</summary>
public sealed record FeedTally(
    string Source, long Read, long Accepted, long Rejected, IReadOnlyDictionary<string, long> RejectedByReason, IReadOnlyList<SkippedFileEntry> Skipped);

/// <summary>How a run ended: the symbols it reached, its error if it failed, and what its feed read.</summary>
public sealed record RunResult(IReadOnlyList<string> Symbols, long Events, long Boundaries, string? Error, bool Stopped, FeedTally Feed);

/// <summary>Opens a run's input and takes its journal on the node that runs it (the host knows files, settings and journals).</summary>
public interface IRunLauncher
{
    /// <exception cref="RunRefusedException">The run cannot start here; the message says why.</exception>
    Task<ILaunchedRun> LaunchAsync(RunRequest request, CancellationToken cancellation);
}

/// <summary>An opened run: its feed, what watches it, and the journal it holds until disposed.</summary>
public interface ILaunchedRun : IDisposable
{
    Source<IReadOnlyList<SequencedEvent>, NotUsed> Feed { get; }

    IFeedObserver Observer { get; }

    /// <summary>Aborts the feed if the journal is lost while it runs.</summary>
    void Watch(IActorRef feed);

    /// <summary>Null while the journal this run holds is intact; otherwise why it cannot be used now.</summary>
    string? JournalFault();

    RunProgress Progress();

    FeedTally Tally();
}

public sealed class RunRefusedException(string message) : Exception(message);

/// <summary>
/// The run singleton (cluster mode): the one node that reads a submitted run's feed, on the oldest
/// member like the kill switch and the risk supervisors. The submitter (`engine run`) asks it to
/// start the run and polls it until the run is done. When its member dies or leaves, the singleton
/// starts on the next oldest member knowing no run: the submitter submits the same run again, and
/// the feed is read again from its start, as a restart would. Every symbol that holds state from
/// the lost feed restarts from its journal when the new feed's replay reaches it (SymbolActor), so
/// the journal is the oracle and nothing is traded twice or lost.
/// A journal that fails mid-run (PostgreSQL stopped or unreachable) halts trading instead of ending
/// the run: the feed stops at once, the run waits for the journal, halts the engine scope in the
/// kill switch as soon as the journal can record it (keeping resting orders: the market clock stops
/// with the feed), and reads the feed again from its start once an operator has released it.
/// </summary>
public sealed class RunDirector : ReceivePersistentActor, IWithTimers
{
    public sealed record StartRun(RunRequest Request) : IEngineWireMessage;

    public sealed record RunAccepted(string RunId) : IEngineWireMessage;

    public sealed record RunRefused(string RunId, string Reason) : IEngineWireMessage;

    public sealed record GetRun(string RunId) : IEngineWireMessage;

    /// <summary>Stop reading (SIGINT or SIGTERM to the submitter): what was sent is journaled, then the run finishes as stopped.</summary>
    public sealed record StopRun(string RunId) : IEngineWireMessage;

    /// <summary>Progress while it runs, Result once done; neither: this director does not know the run (submit it again).</summary>
    public sealed record RunStatus(string RunId, RunProgress? Progress, RunResult? Result) : IEngineWireMessage;

    /// <summary>The operator who halts the engine for a failed journal, as the audit trail names it.</summary>
    public const string JournalHaltOperator = "engine";

    // Local only: the launcher's and the kill switch's answers piped back to this actor, and timer ticks.
    private sealed record Launched(RunRequest Request, ILaunchedRun Run) : ILocalOnlyMessage;

    private sealed record LaunchFailed(RunRequest Request, string Reason) : ILocalOnlyMessage;

    private sealed record Relaunch : ILocalOnlyMessage;

    private sealed record HaltRecorded(bool Done, string? Why) : ILocalOnlyMessage;

    private sealed record RecordHaltAgain : ILocalOnlyMessage;

    private sealed record CheckRelease : ILocalOnlyMessage;

    private sealed record EngineState(ScopeChange? Engine) : ILocalOnlyMessage;

    private readonly IRunLauncher _launcher;
    private readonly Func<Source<IReadOnlyList<SequencedEvent>, NotUsed>, IFeedObserver, IActorRef, Props> _feedProps;
    private readonly IActorRef _killSwitch;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IActorRef> _waiting = new();
    private RunRequest? _run;
    private ILaunchedRun? _launched;
    private IActorRef? _feed;
    private int _feeds;
    private RunResult? _result;
    private bool _stopRequested;
    // While trading is halted for a failed journal: why, and what the run has got back so far.
    private string? _halt;
    private bool _haltRecorded;
    private string? _lastRefusal;
    private RunProgress? _progressAtHalt;
    private FeedCoordinator.FeedCompleted? _failedFeed;
    private FeedTally? _tallyAtHalt;
    // A run its previous incarnation journaled as started and not as ended: resumed after recovery.
    private RunRequest? _unfinished;
    private bool _resumed;

    /// <param name="feedProps">The feed's props for a source and its observer, notifying the given actor when done.</param>
    public RunDirector(IRunLauncher launcher, Func<Source<IReadOnlyList<SequencedEvent>, NotUsed>, IFeedObserver, IActorRef, Props> feedProps,
        IActorRef killSwitch, TimeSpan askTimeout)
    {
        _launcher = launcher;
        _feedProps = feedProps;
        _killSwitch = killSwitch;
        _askTimeout = askTimeout;
        Recover<RunStarted>(e => _unfinished = e.Request);
        Recover<RunEnded>(e =>
        {
            if (_unfinished?.RunId == e.RunId) _unfinished = null;
        });
        Recover<RecoveryCompleted>(_ => Resume());
        Command<StartRun>(Handle);
        Command<Launched>(Handle);
        Command<LaunchFailed>(Handle);
        Command<FeedCoordinator.FeedCompleted>(Handle);
        Command<Relaunch>(_ => Launch());
        Command<HaltRecorded>(Handle);
        Command<RecordHaltAgain>(_ => RecordHalt());
        Command<CheckRelease>(_ => AskEngineState());
        Command<EngineState>(Handle);
        Command<GetRun>(g => Sender.Tell(new RunStatus(g.RunId, g.RunId == _run?.RunId && _result is null ? Progress() : null,
            g.RunId == _run?.RunId ? _result : null)));
        Command<StopRun>(Handle);
    }

    public override string PersistenceId => "run-director";

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// The feed runs as this actor's child with the engine's feed settings, so it ends with the
    /// singleton. Under a backoff supervisor, as the engine runs it: a journal that cannot be read
    /// when the singleton starts stops it only until it can come back.
    /// </summary>
    public static Props Props(IRunLauncher launcher, EngineSettings settings, IActorRef symbols, IActorRef killSwitch, IActorRef risk) =>
        BackoffSupervisor.Props(Backoff.OnStop(
            Akka.Actor.Props.Create(() => new RunDirector(launcher, (source, observer, notify) => FeedCoordinator.Props(
                "main", source, symbols, killSwitch, risk, settings.Risk.Accounts.Keys.ToArray(), settings.Feed, observer, notify), killSwitch, settings.AskTimeout)),
            "run", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2, maxNrOfRetries: -1));

    /// <summary>
    /// A run the previous incarnation (on a member that died or left) had started and not ended goes
    /// on here without its submitter: the feed is read again from its start, the journals the oracle.
    /// </summary>
    private void Resume()
    {
        if (_unfinished is not { } run) return;
        _log.Warning("run {0}: resuming it here (its previous node did not finish it); the feed is read again from its start", run.RunId);
        _run = run;
        _resumed = true;
        Launch();
    }

    // A feed that fails is stopped: it reports why (FeedCompleted with its error).
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Stop));

    private RunProgress Progress()
    {
        if (_halt is { } halt) return (_progressAtHalt ?? new RunProgress(0, 0, 0, 0m)) with { Halted = halt };
        return _launched?.Progress() ?? new RunProgress(0, 0, 0, 0m);
    }

    private void Handle(StartRun start)
    {
        var request = start.Request;
        if (_run is { } current && current.RunId == request.RunId)
        {
            // Submitted again (its answer was lost, or the submitter was restarted): already running or done.
            if (_launched is not null || _result is not null || _halt is not null) Sender.Tell(new RunAccepted(request.RunId));
            else _waiting.Add(Sender);
            return;
        }
        if (_run is { } other && _result is null)
        {
            Sender.Tell(new RunRefused(request.RunId, $"run {other.RunId} is in progress on this cluster; one run at a time"));
            return;
        }
        _run = request;
        _result = null;
        _stopRequested = false;
        _waiting.Clear();
        _waiting.Add(Sender);
        _log.Info("run {0}: starting ({1})", request.RunId, request.DataPath ?? "synthetic feed");
        Launch();
    }

    private void Launch()
    {
        if (_run is not { } request) return;
        var self = Self;
        _launcher.LaunchAsync(request, _stopping.Token).ContinueWith<object>(t => t.IsCompletedSuccessfully
                ? new Launched(request, t.Result)
                : new LaunchFailed(request, t.Exception?.InnerException is RunRefusedException refused ? refused.Message
                    : t.Exception?.InnerException?.Message ?? "cancelled"),
            TaskScheduler.Default).PipeTo(self);
    }

    private void Handle(Launched launched)
    {
        if (_run?.RunId != launched.Request.RunId || _launched is not null || _result is not null)
        {
            launched.Run.Dispose();
            return;
        }
        _launched = launched.Run;
        if (_halt is not null)
        {
            // The journal is back and held again: record the halt before anything can trade.
            _log.Warning("run {0}: the journal is back; halting the engine scope in the kill switch until an operator releases it", _run.RunId);
            RecordHalt();
            return;
        }
        if (_resumed)
        {
            // Resumed here: a halt for a failed journal that no operator released yet still holds the run.
            AskEngineState();
            return;
        }
        // Journaled once its journal is held: from here a move of this singleton resumes it.
        Persist(new RunStarted(launched.Request), _ =>
        {
            foreach (var w in _waiting) w.Tell(new RunAccepted(launched.Request.RunId));
            _waiting.Clear();
            StartFeed();
        });
    }

    private void StartFeed()
    {
        _feed = Context.ActorOf(_feedProps(_launched!.Feed, _launched.Observer, Self), _feeds++ == 0 ? "feed" : $"feed-{_feeds}");
        _launched.Watch(_feed);
        if (_stopRequested) _feed.Tell(new FeedCoordinator.Stop());
    }

    private void Handle(LaunchFailed failed)
    {
        if (_run?.RunId != failed.Request.RunId || _launched is not null) return;
        if (_halt is not null)
        {
            // Waiting for the journal: its refusals are expected until it is back; each new one is logged once.
            if (failed.Reason != _lastRefusal) _log.Warning("run {0}: trading halted; the journal cannot be used yet: {1}", _run.RunId, failed.Reason);
            _lastRefusal = failed.Reason;
            if (_stopRequested) FinishHalted();
            else Timers.StartSingleTimer("relaunch", new Relaunch(), TimeSpan.FromSeconds(1));
            return;
        }
        _log.Warning("run {0}: refused: {1}", failed.Request.RunId, failed.Reason);
        foreach (var w in _waiting) w.Tell(new RunRefused(failed.Request.RunId, failed.Reason));
        _waiting.Clear();
        _run = null;
        if (_resumed) Persist(new RunEnded(failed.Request.RunId), _ => _resumed = false);
    }

    private void Handle(FeedCoordinator.FeedCompleted done)
    {
        if (_launched is not { } launched || _result is not null || !Equals(Sender, _feed)) return;
        if (done.Error is { } error && !done.Stopped && !_stopRequested && launched.JournalFault() is { } fault)
        {
            Halt(launched, done, $"the journal failed: {fault}");
            return;
        }
        var result = new RunResult(done.Symbols, done.Events, done.Boundaries, done.Error, done.Stopped || _stopRequested, launched.Tally());
        _feed = null;
        Persist(new RunEnded(_run!.RunId), _ =>
        {
            _result = result;
            _resumed = false;
            _log.Info("run {0}: done ({1:N0} events{2})", _run.RunId, done.Events, done.Error is null ? "" : $"; failed: {done.Error}");
            launched.Dispose(); // the journal is free for the next run
            _launched = null;
        });
    }

    // ---- a failed journal: halt, wait for it, record the halt, wait for the release, read the feed again ----

    private void Halt(ILaunchedRun launched, FeedCoordinator.FeedCompleted done, string why)
    {
        _halt = why;
        _haltRecorded = false;
        _lastRefusal = null;
        _progressAtHalt = launched.Progress();
        _tallyAtHalt = launched.Tally();
        _failedFeed = done;
        _log.Error("run {0}: trading halted: {1}. The run waits for the journal, then for an operator to release the engine scope; " +
            "then it reads the feed again from its start (the journals hold what counted)", _run!.RunId, why);
        launched.Dispose();
        _launched = null;
        _feed = null;
        Timers.StartSingleTimer("relaunch", new Relaunch(), TimeSpan.FromSeconds(1));
    }

    private void RecordHalt()
    {
        if (_halt is null || _launched is null) return;
        var self = Self;
        _killSwitch.Ask<object>(new KillSwitchActor.Engage("engine", _halt!, JournalHaltOperator, KeepOrders: true), _askTimeout + _askTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully
                ? t.Result is KillSwitchActor.Refused r ? new HaltRecorded(false, r.Why) : new HaltRecorded(true, null)
                : new HaltRecorded(false, t.Exception?.InnerException?.Message ?? "no answer"), TaskScheduler.Default)
            .PipeTo(self);
    }

    private void Handle(HaltRecorded recorded)
    {
        if (_halt is null || _launched is null) return;
        if (!recorded.Done)
        {
            _log.Warning("run {0}: the kill switch has not recorded the halt yet ({1}); asking again", _run!.RunId, recorded.Why ?? "");
            Timers.StartSingleTimer("record-halt", new RecordHaltAgain(), TimeSpan.FromSeconds(1));
            return;
        }
        if (_haltRecorded) return;
        _haltRecorded = true;
        _log.Warning("run {0}: the engine scope is HALTED; release it (engine-cli <node>:9110 kill-switch release -r <why>) to go on", _run!.RunId);
        Timers.StartPeriodicTimer("release", new CheckRelease(), TimeSpan.FromSeconds(1));
    }

    private void AskEngineState()
    {
        var self = Self;
        var unknown = new ScopeChange(0, "engine", TradingState.Halted, false, "the kill switch did not answer", JournalHaltOperator, DateTime.MinValue, 0) { KeepOrders = true };
        _killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), _askTimeout)
            .ContinueWith(t => new EngineState(t.IsCompletedSuccessfully ? t.Result.Scopes.GetValueOrDefault("engine") : unknown), TaskScheduler.Default)
            .PipeTo(self);
    }

    private void Handle(EngineState state)
    {
        if (_launched is null) return;
        var journalHalt = state.Engine is { State: TradingState.Halted, KeepOrders: true };
        if (_resumed && _halt is null && _feed is null)
        {
            if (journalHalt)
            {
                (_halt, _haltRecorded) = (state.Engine!.Reason, true);
                _log.Warning("run {0}: the engine scope is still HALTED for a failed journal; the run goes on once an operator releases it", _run!.RunId);
                Timers.StartPeriodicTimer("release", new CheckRelease(), TimeSpan.FromSeconds(1));
                return;
            }
            StartFeed();
            return;
        }
        if (_halt is null || !_haltRecorded || journalHalt || state.Engine is { State: TradingState.Halted }) return;
        Timers.Cancel("release");
        _log.Warning("run {0}: the engine scope was released; reading the feed again from its start", _run!.RunId);
        _halt = null;
        StartFeed();
    }

    private void Handle(StopRun stop)
    {
        if (stop.RunId != _run?.RunId || _result is not null) return;
        _stopRequested = true;
        if (_halt is not null)
        {
            FinishHalted();
            return;
        }
        _feed?.Tell(new FeedCoordinator.Stop());
    }

    /// <summary>Stopped while halted: the journals hold what counted; the same command resumes the run.</summary>
    private void FinishHalted()
    {
        Timers.CancelAll();
        var done = _failedFeed;
        var result = new RunResult(done?.Symbols ?? [], done?.Events ?? 0, done?.Boundaries ?? 0, null, Stopped: true,
            _tallyAtHalt ?? _launched?.Tally() ?? new FeedTally("", 0, 0, 0, new Dictionary<string, long>(), []));
        _log.Warning("run {0}: stopped while trading was halted ({1})", _run!.RunId, _halt ?? "");
        _halt = null;
        _launched?.Dispose();
        _launched = null;
        // The halt stays recorded; the same command resumes the run once it is released.
        Persist(new RunEnded(_run.RunId), _ =>
        {
            _result = result;
            _resumed = false;
        });
    }

    /// <summary>The feed (a child) is stopped first; then the journal is let go, so the next oldest member can take the run.</summary>
    protected override void PostStop()
    {
        _stopping.Cancel();
        _launched?.Dispose();
        _stopping.Dispose();
    }
}

using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Symbols;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Symbols;
using Engine.Actors.Serialization;

namespace Engine.Actors.Feeds;

/// <summary>How a feed is cut into slices and batches, and how far it may run ahead.</summary>
/// <param name="TimeSlice">Market time between boundaries: account-level decisions take effect only there.</param>
/// <param name="BatchSize">Most events in one message to one symbol.</param>
/// <param name="ReadAhead">Most events taken from the stream at once (what is waiting is taken, never waited for).</param>
/// <param name="MaxInFlight">Most events sent to symbols and not yet processed.</param>
/// <param name="MaxUnjournaled">Most batches processed and not yet journaled, over all symbols.</param>
/// <param name="CheckpointEvery">Market time between checkpoints (supervisors' state and symbols' snapshots).</param>
/// <param name="Timeout">How long the feed waits for any answer before it gives up with an error.</param>
/// <param name="KeepHistory">
/// Keep every message sent to each symbol for the run, so a symbol that starts again on another
/// member mid-run (its member died or left, or its shard moved) is rebuilt from the feed's start
/// (cluster mode). Off, such a symbol fails the run.
/// </param>
public sealed record FeedSettings(
    TimeSpan TimeSlice, int BatchSize, int ReadAhead, int MaxInFlight, int MaxUnjournaled, TimeSpan CheckpointEvery, TimeSpan Timeout,
    bool KeepHistory = false);

/// <summary>Progress of a feed, for whoever shows it. Called from the feed's actor; implementations must be thread-safe.</summary>
public interface IFeedObserver
{
    void Dispatched(int events);

    /// <summary>Events (and among them fills) journaled by one symbol's write.</summary>
    void Journaled(int events, int fills, decimal realizedPnlDelta);

    void Boundary(DateTime marketTime);
}

/// <summary>
/// Drives one merged, sequenced feed into the symbols (design rule 4: backpressured end to end) and
/// is the one place where time slices are cut. Events are grouped per symbol in feed order and sent
/// as batches formed from what is already waiting, so a lone event in a paced or live run goes out
/// at once. A slice's events (market time in (end - slice, end]) all go out before its boundary:
/// there every symbol that traded reports, the accounts' supervisors decide (credit, loss limits,
/// stale data, halts), their kill-switch commands are applied and confirmed, credit is handed out,
/// and only then does the next slice start. Every symbol is idle at a boundary, so what is decided
/// there is the same whatever the batch size, parallelism or machine load.
///
/// Journal writes stay off this path: symbols acknowledge a batch as processed at once and as
/// journaled when their write completes; the feed only bounds how much may be unjournaled, and
/// waits for all of it before a checkpoint and at the end.
/// </summary>
public sealed class FeedCoordinator : ReceiveActor, IWithTimers
{
    /// <summary>Stop reading; what was sent to symbols is processed and journaled, then the feed completes (at no boundary).</summary>
    // Stop, Abort and FeedCompleted are local only: a feed runs on the node that reads it, and is
    // stopped, aborted and awaited by that node's host.
    public sealed record Stop : ILocalOnlyMessage;

    /// <summary>End the feed now as failed, for a fault outside the actors (the journal's file removed).</summary>
    public sealed record Abort(string Reason) : ILocalOnlyMessage;

    /// <summary>To whoever started the feed, once everything read is journaled (or the feed failed).</summary>
    public sealed record FeedCompleted(IReadOnlyList<string> Symbols, long Events, long Boundaries, string? Error, bool Stopped) : ILocalOnlyMessage;

    /// <summary>
    /// What the feed has done so far, for operators (engine status). Sent to the kill switch, which
    /// knows every running feed wherever it runs, and answers for them (idle: no feed).
    /// </summary>
    public sealed record GetFeedStatus : IEngineWireMessage;

    /// <param name="MarketTime">The last market event's time; null before any.</param>
    public sealed record FeedStatus(string Name, bool Running, long Events, long Boundaries, DateTime? MarketTime, int Symbols) : IEngineWireMessage
    {
        public static FeedStatus Idle { get; } = new("", false, 0, 0, null, 0);
    }

    // Local only: the stream's hand-over to this actor (its chunks are the stream's own lists, and a
    // failure carries the exception), and timer ticks.
    private sealed record StreamInit : ILocalOnlyMessage;

    private sealed record StreamAck : ILocalOnlyMessage;

    private sealed record StreamDone : ILocalOnlyMessage;

    private sealed record StreamFailed(Exception Cause) : ILocalOnlyMessage;

    /// <summary>Events taken from the stream at once.</summary>
    private sealed record Chunk(List<SequencedEvent> Events) : ILocalOnlyMessage;

    private sealed record Watchdog : ILocalOnlyMessage;

    private sealed record WakeMovedAgain : ILocalOnlyMessage;

    private sealed record RegisterAgain : ILocalOnlyMessage;

    private sealed record CommandTimeout(int Index, int Attempt) : ILocalOnlyMessage;

    private enum Phase
    {
        Running,
        Closing,
        Deciding,
        Commanding,
        Finishing,
        Done,
    }

    private sealed class Track(string symbol)
    {
        public string Symbol { get; } = symbol;
        public List<SequencedEvent> Pending { get; } = new();
        public bool InSlice { get; set; }
        /// <summary>Batches and boundaries sent and not yet journaled, in order.</summary>
        public Queue<(long Id, object Message)> Unjournaled { get; } = new();

        /// <summary>Every batch and boundary sent (FeedSettings.KeepHistory): what a symbol that starts again is sent.</summary>
        public List<(long Id, object Message)> History { get; } = new();

        /// <summary>The entity that was last sent the history again, and up to which message.</summary>
        public (IActorRef To, long UpTo)? Rewound { get; set; }

        /// <summary>The last batch (or boundary) sent, and the last one known journaled.</summary>
        public long LastSent { get; set; }

        public long Journaled { get; set; }

        /// <summary>The entity itself, once it has answered: later messages skip the region's hops.</summary>
        public IActorRef? Entity { get; set; }

        /// <summary>
        /// The last message sent through the region: messages go straight to the entity only once it
        /// has answered this one, so none overtakes one still on the region's longer path.
        /// </summary>
        public long LastViaRegion { get; set; }
    }

    private readonly string _name;
    private readonly Source<IReadOnlyList<SequencedEvent>, NotUsed> _source;
    private readonly IActorRef _symbols;
    private readonly IActorRef _killSwitch;
    private readonly IActorRef _risk;
    private readonly IReadOnlyList<string> _accounts;
    private readonly FeedSettings _settings;
    private readonly IFeedObserver _observer;
    private readonly IActorRef _notify;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private readonly Queue<SequencedEvent> _buffer = new();
    private readonly SortedDictionary<string, Track> _tracks = new(StringComparer.Ordinal);
    private readonly List<Track> _sliceTracks = new();
    private readonly Dictionary<long, int> _inFlight = new();
    // The slice's closing batches whose reports have not arrived yet.
    private readonly HashSet<long> _closing = new();
    private readonly HashSet<Track> _moved = new();
    private readonly List<AccountSliceReport> _reports = new();
    private readonly Dictionary<string, AccountDecisions> _decisions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Symbol, string Account), Credit> _sent = new();
    private readonly Dictionary<(string Symbol, string Account), decimal> _sentEquity = new();
    // Each account's equity at the last boundary decided: a symbol's first batch carries it.
    private readonly SortedDictionary<string, decimal> _equity = new(StringComparer.Ordinal);
    private readonly List<RiskCommand> _commands = new();
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private UniqueKillSwitch? _stream;
    private IActorRef? _upstream;
    private bool _owed;
    private bool _streamDone;
    private bool _stopRequested;
    private Phase _phase = Phase.Running;
    private bool _sliceOpen;
    private DateTime _sliceEnd;
    private DateTime? _lastBoundary;
    private DateTime? _lastCheckpoint;
    private long _sliceId;
    private long _sliceLastSeq;
    private long _lastSeq;
    private long _batchIds;
    private int _inFlightEvents;
    private int _unjournaled;
    private int _awaitingAccounts;
    private int _commandIndex;
    private bool _final;
    private long _events;
    private DateTime? _marketTime;
    private long _boundaries;
    private (long Ticket, IActorRef From)? _quiesce;

    /// <summary>A checkpoint captured at a boundary and waiting for the journals: (boundary, last batch per symbol, accounts yet to save).</summary>
    private (DateTime Boundary, Dictionary<string, long> Batches, int Saving)? _checkpoint;
    private bool _quiescedReplied;
    // True from a boundary's end until the next event goes out: the feed is past the boundary.
    private bool _boundaryPassed;
    private bool _allocateOnResume;
    private IActorRef? _killSwitchChild;

    public FeedCoordinator(
        string name, Source<IReadOnlyList<SequencedEvent>, NotUsed> source, IActorRef symbols, IActorRef killSwitch, IActorRef risk,
        IReadOnlyList<string> accounts, FeedSettings settings, IFeedObserver observer, IActorRef notify)
    {
        _name = name;
        _source = source;
        _symbols = symbols;
        _killSwitch = killSwitch;
        _risk = risk;
        _accounts = accounts;
        _settings = settings;
        _observer = observer;
        _notify = notify;

        Receive<StreamInit>(_ =>
        {
            Upstream(Sender);
            Pump();
        });
        Receive<Chunk>(chunk =>
        {
            Upstream(Sender);
            foreach (var e in chunk.Events) _buffer.Enqueue(e);
            Pump();
        });
        Receive<StreamDone>(_ =>
        {
            _streamDone = true;
            Pump();
        });
        Receive<StreamFailed>(f => Fail($"the market-data feed failed: {f.Cause.GetType().Name}: {f.Cause.Message}"));
        Receive<Stop>(_ =>
        {
            _stopRequested = true;
            _stream?.Shutdown();
            Pump();
        });
        Receive<BatchDone>(Handle);
        Receive<BatchesJournaled>(Handle);
        Receive<Abort>(a => Fail(a.Reason));
        Receive<SymbolFailed>(f => Fail($"symbol {f.Symbol} failed ({f.Reason}) and is halted; run again to replay from the journal"));
        Receive<RiskSupervisor.SliceDecided>(Handle);
        Receive<RiskSupervisor.CheckpointSaved>(Handle);
        Receive<KillSwitchActor.Acknowledged>(Handle);
        Receive<KillSwitchActor.Refused>(r =>
        {
            if (_phase != Phase.Commanding) return;
            Timers.Cancel("command");
            _log.Error("feed {0}: the kill switch refused an automatic command: {1}", _name, r.Why);
            NextCommand(advance: true);
        });
        Receive<CommandTimeout>(Handle);
        Receive<KillSwitchActor.FeedRegistered>(_ =>
        {
            Timers.Cancel("register");
            if (Equals(_killSwitchChild, Sender)) return;
            _killSwitchChild = Sender;
            Context.Watch(Sender);
        });
        Receive<RegisterAgain>(_ => Register());
        Receive<Terminated>(t =>
        {
            foreach (var track in _tracks.Values)
            {
                // The entity stopped (or moved): messages go through the region again, and what it
                // had not journaled wakes it where it starts next.
                if (!t.ActorRef.Equals(track.Entity)) continue;
                track.Entity = null;
                if (track.Unjournaled.Count > 0) _moved.Add(track);
            }
            WakeMoved();
            if (!t.ActorRef.Equals(_killSwitchChild)) return;
            _killSwitchChild = null;
            _quiesce = null; // a pause asked by the old kill switch ends with it
            Register();
            Unpause();
        });
        Receive<KillSwitchActor.Quiesce>(q =>
        {
            _quiesce = (q.Ticket, Sender);
            _quiescedReplied = false;
            // Everything read so far goes out, so the point covers every event up to it.
            foreach (var t in _sliceTracks)
            {
                if (t.Pending.Count > 0) Send(t, closes: false);
            }
            MaybeQuiesced();
        });
        Receive<KillSwitchActor.Resume>(r =>
        {
            if (_quiesce is not { } q || q.Ticket != r.Ticket) return;
            _quiesce = null;
            Unpause();
        });
        Receive<KillSwitchActor.ChangeNotConfirmed>(c =>
            Fail($"kill-switch change {c.Epoch} was not confirmed in time by {string.Join(", ", c.Symbols)}; trading stopped"));
        Receive<Watchdog>(_ => CheckProgress());
        Receive<GetFeedStatus>(_ => Sender.Tell(new FeedStatus(_name, _phase != Phase.Done, _events, _boundaries, _marketTime, _tracks.Count)));
        Receive<RewindSymbol>(Handle);
        Receive<ClusterEvent.MemberRemoved>(m => Moved(m.Member.Address));
        Receive<WakeMovedAgain>(_ => WakeMoved());
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;


    public static Props Props(
        string name, Source<IReadOnlyList<SequencedEvent>, NotUsed> source, IActorRef symbols, IActorRef killSwitch, IActorRef risk,
        IReadOnlyList<string> accounts, FeedSettings settings, IFeedObserver observer, IActorRef notify) =>
        Akka.Actor.Props.Create(() => new FeedCoordinator(name, source, symbols, killSwitch, risk, accounts, settings, observer, notify)).WithDispatcher(EngineDispatcher.Id);

    protected override void PreStart()
    {
        // Read from its start, the feed replays boundaries the supervisors may have decided live:
        // they go back to their checkpoint first (sent before any boundary of this feed, so it arrives first).
        _risk.Tell(new RiskSupervisors.Rewind(), Self);
        Register();
        // A member that is removed (it died and was downed, or left) took its symbols with it, some
        // perhaps before they ever answered (so not watched): they are woken where they start next.
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        var self = Self;
        _stream = _source
            .ViaMaterialized(KillSwitches.Single<IReadOnlyList<SequencedEvent>>(), Keep.Right)
            // What is waiting is taken at once, up to ReadAhead events: a lone event is never held back.
            .BatchWeighted(_settings.ReadAhead, chunk => chunk.Count, chunk => new Chunk(new List<SequencedEvent>(chunk)), (taken, chunk) =>
            {
                taken.Events.AddRange(chunk);
                return taken;
            })
            .To(Sink.ActorRefWithAck<Chunk>(self, new StreamInit(), new StreamAck(), new StreamDone(), ex => new StreamFailed(ex)))
            // The stream's end runs on the engine's thread too: taking the next chunk is no hand-off.
            .WithAttributes(ActorAttributes.CreateDispatcher(EngineDispatcher.Id))
            .Run(Context.Materializer());
        Timers.StartPeriodicTimer("watchdog", new Watchdog(), TimeSpan.FromSeconds(1));
    }

    private void Register()
    {
        _killSwitch.Tell(new KillSwitchActor.RegisterFeed());
        Timers.StartSingleTimer("register", new RegisterAgain(), TimeSpan.FromSeconds(1));
    }

    private void Upstream(IActorRef sender)
    {
        _upstream = sender;
        _owed = true;
        Progressed();
    }

    private void Progressed() => _sinceProgress.Restart();

    // ---- dispatching a slice ----

    private void Pump()
    {
        while (_phase == Phase.Running && _quiesce is null && _inFlightEvents < _settings.MaxInFlight)
        {
            if (_stopRequested)
            {
                StopHere();
                return;
            }
            if (_buffer.Count == 0)
            {
                foreach (var t in _sliceTracks)
                {
                    if (t.Pending.Count > 0) Send(t, closes: false);
                }
                if (_streamDone)
                {
                    _final = true;
                    if (_sliceOpen) CloseSlice();
                    else Finish();
                }
                else if (_owed && _unjournaled < _settings.MaxUnjournaled)
                {
                    _owed = false;
                    _upstream?.Tell(new StreamAck());
                }
                return;
            }
            if (_unjournaled >= _settings.MaxUnjournaled) return;
            var e = _buffer.Peek();
            var end = SliceEndOf(e.Event.Time);
            if (_sliceOpen && end > _sliceEnd)
            {
                CloseSlice();
                return;
            }
            if (!_sliceOpen)
            {
                _sliceOpen = true;
                _sliceEnd = end;
                _sliceId++;
            }
            _buffer.Dequeue();
            _events++;
            _marketTime = e.Event.Time;
            _boundaryPassed = false;
            if (!_tracks.TryGetValue(e.Event.Symbol, out var track)) _tracks[e.Event.Symbol] = track = new Track(e.Event.Symbol);
            track.Pending.Add(e);
            if (!track.InSlice)
            {
                track.InSlice = true;
                _sliceTracks.Add(track);
            }
            _sliceLastSeq = _lastSeq = e.Sequence;
            if (track.Pending.Count >= _settings.BatchSize) Send(track, closes: false);
        }
    }

    /// <summary>The end of the slice an event belongs to: (end - slice, end]. Never a slice that has closed already.</summary>
    private DateTime SliceEndOf(DateTime time)
    {
        var slice = _settings.TimeSlice.Ticks;
        var ticks = time.Ticks;
        var rem = ticks % slice;
        var result = new DateTime(rem == 0 ? ticks : Math.Min(ticks - rem + slice, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        if (_sliceOpen && result < _sliceEnd) return _sliceEnd;
        if (!_sliceOpen && _lastBoundary is { } last && result <= last)
            return new DateTime(Math.Min(last.Ticks + slice, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        return result;
    }

    private void Send(Track track, bool closes)
    {
        var id = ++_batchIds;
        var events = track.Pending.ToArray();
        track.Pending.Clear();
        var equity = track.LastSent == 0 && _equity.Count > 0 ? new SortedDictionary<string, decimal>(_equity, StringComparer.Ordinal) : null;
        Dispatch(track, id, new SymbolBatch(track.Symbol, id, _sliceEnd, events, closes, Stopwatch.GetTimestamp(), _sliceLastSeq, track.LastSent, equity));
        _inFlight[id] = events.Length;
        _inFlightEvents += events.Length;
        // Metrics once per batch: the backlog and the newest market time read.
        _counters.FeedBacklog(_inFlightEvents);
        if (events.Length > 0) _counters.FeedRead(events[^1].Event.Time);
        if (closes) _closing.Add(id);
        if (events.Length > 0) _observer.Dispatched(events.Length);
    }

    /// <summary>Sends a batch or boundary (chained to the symbol's previous one) and keeps it until journaled, or for the run.</summary>
    private void Dispatch(Track track, long id, IWithSymbol message)
    {
        if (track.Entity is null) track.LastViaRegion = id;
        (track.Entity ?? _symbols).Tell(message, Self);
        track.Unjournaled.Enqueue((id, message));
        if (_settings.KeepHistory) track.History.Add((id, message));
        track.LastSent = id;
        _unjournaled++;
    }

    private void CloseSlice()
    {
        _phase = Phase.Closing;
        foreach (var t in _sliceTracks) Send(t, closes: true);
        if (_closing.Count == 0 && _inFlight.Count == 0) Decide();
    }

    private void Handle(BatchDone done)
    {
        Progressed();
        if (_tracks.TryGetValue(done.Symbol, out var answered) && answered.Entity is null && done.BatchId >= answered.LastViaRegion)
        {
            answered.Entity = Sender;
            Context.Watch(Sender);
        }
        if (_inFlight.Remove(done.BatchId, out var n))
        {
            _inFlightEvents -= n;
            _counters.FeedBacklog(_inFlightEvents);
        }
        // A batch sent again (its symbol moved) may report twice: the slice counts its first report.
        if (done.Reports is { } reports && _closing.Remove(done.BatchId)) _reports.AddRange(reports);
        if (_phase == Phase.Closing && _closing.Count == 0 && _inFlight.Count == 0) Decide();
        MaybeQuiesced();
        Pump();
    }

    private void Handle(BatchesJournaled j)
    {
        Progressed();
        if (_tracks.TryGetValue(j.Symbol, out var track))
        {
            while (track.Unjournaled.TryPeek(out var sent) && sent.Id <= j.UpToBatchId)
            {
                track.Unjournaled.Dequeue();
                _unjournaled--;
            }
            track.Journaled = Math.Max(track.Journaled, j.UpToBatchId);
        }
        if (j.Events > 0) _observer.Journaled(j.Events, j.Fills, j.RealizedPnlDelta);
        MaybeSaveCheckpoint();
        if (_phase == Phase.Finishing) MaybeComplete();
        else if (_phase == Phase.Running) Pump();
    }

    // ---- the boundary ----

    /// <summary>
    /// Once every symbol of the slice has reported and every earlier boundary's retries are done: the
    /// kill-switch changes decided here then reach symbols that have done every step up to their point.
    /// </summary>
    private void Decide()
    {
        _phase = Phase.Deciding;
        _decisions.Clear();
        _awaitingAccounts = _accounts.Count;
        foreach (var account in _accounts)
        {
            var reports = _reports.Where(r => r.Account == account).OrderBy(r => r.Risk.Symbol, StringComparer.Ordinal).ToArray();
            _risk.Tell(new RiskSupervisor.SliceClosed(account, _sliceId, _sliceEnd, reports), Self);
        }
        if (_awaitingAccounts == 0) Command();
    }

    private void Handle(RiskSupervisor.SliceDecided d)
    {
        Progressed();
        if (_phase != Phase.Deciding || d.SliceId != _sliceId || !_decisions.TryAdd(d.Account, d.Decisions)) return;
        if (--_awaitingAccounts == 0) Command();
    }

    private void Command()
    {
        _phase = Phase.Commanding;
        _commands.Clear();
        foreach (var account in _accounts)
        {
            if (_decisions.TryGetValue(account, out var d)) _commands.AddRange(d.Commands);
        }
        _commandIndex = -1;
        NextCommand(advance: true);
    }

    private void NextCommand(bool advance, int attempt = 1)
    {
        if (advance) _commandIndex++;
        if (_commandIndex >= _commands.Count)
        {
            // An operator's change whose point is this boundary takes effect before its credit and retries.
            if (_quiesce is null) Allocate();
            else _allocateOnResume = true;
            return;
        }
        var c = _commands[_commandIndex];
        // Every command of a boundary takes effect at the same point: after the symbols' reports,
        // before the boundary's credit and retries.
        var point = FeedStep.AtBoundary(_sliceLastSeq);
        object message = c.Kind switch
        {
            RiskCommandKind.Engage => new KillSwitchActor.Engage(c.Scope, c.Reason, "risk-supervisor", c.Flatten, point, c.DecisionId),
            RiskCommandKind.Reduce => new KillSwitchActor.Reduce(c.Scope, c.Reason, "risk-supervisor", point, c.DecisionId),
            _ => new KillSwitchActor.Release(c.Scope, "risk-supervisor", c.Reason, point, c.DecisionId),
        };
        _killSwitch.Tell(message, Self);
        Timers.StartSingleTimer("command", new CommandTimeout(_commandIndex, attempt), _settings.Timeout);
    }

    private void Handle(KillSwitchActor.Acknowledged ack)
    {
        Progressed();
        if (_phase != Phase.Commanding || _commandIndex >= _commands.Count) return;
        Timers.Cancel("command");
        if (ack.Unconfirmed.Count > 0)
        {
            Fail($"automatic {_commands[_commandIndex].Kind} of {_commands[_commandIndex].Scope} was not confirmed in time by {string.Join(", ", ack.Unconfirmed)}; trading stopped");
            return;
        }
        _counters.Automatic(_commands[_commandIndex].Trigger);
        NextCommand(advance: true);
    }

    /// <summary>The kill switch may be restarting: the command is sent again (it is idempotent by its decision id).</summary>
    private void Handle(CommandTimeout t)
    {
        if (_phase != Phase.Commanding || t.Index != _commandIndex) return;
        if (t.Attempt >= 3)
        {
            Fail($"the kill switch did not answer the automatic {_commands[t.Index].Kind} of {_commands[t.Index].Scope} within {3 * _settings.Timeout}");
            return;
        }
        _log.Warning("feed {0}: no answer from the kill switch to {1} {2}; sending it again", _name, _commands[t.Index].Kind, _commands[t.Index].Scope);
        Progressed();
        NextCommand(advance: false, attempt: t.Attempt + 1);
    }

    /// <summary>
    /// Credit or equity that changed goes out, and every symbol with a waiting order gets its boundary, in symbol order.
    /// A symbol's equity is always the account's latest: percent-of-equity sizing depends on it.
    /// </summary>
    private void Allocate()
    {
        var changed = new SortedDictionary<string, Dictionary<string, Credit>>(StringComparer.Ordinal);
        var equities = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
        foreach (var account in _accounts)
        {
            if (!_decisions.TryGetValue(account, out var d)) continue;
            if (d.Equity is { } accountEquity) _equity[account] = accountEquity;
            foreach (var (symbol, credit) in d.Allocations)
            {
                var key = (symbol, account);
                var sameCredit = _sent.TryGetValue(key, out var last) && last == credit;
                var sameEquity = d.Equity is not { } equity || (_sentEquity.TryGetValue(key, out var lastEquity) && lastEquity == equity);
                if (sameCredit && sameEquity) continue;
                _sent[key] = credit;
                if (!changed.TryGetValue(symbol, out var perAccount)) changed[symbol] = perAccount = new Dictionary<string, Credit>(StringComparer.Ordinal);
                perAccount[account] = credit;
                if (d.Equity is not { } e) continue;
                _sentEquity[key] = e;
                if (!equities.TryGetValue(symbol, out var perAccountEquity)) equities[symbol] = perAccountEquity = new Dictionary<string, decimal>(StringComparer.Ordinal);
                perAccountEquity[account] = e;
            }
        }
        // A symbol with a waiting order always gets its full credit: it retries now.
        foreach (var r in _reports)
        {
            if (r.Wanted.IsZero) continue;
            if (!changed.TryGetValue(r.Risk.Symbol, out var perAccount))
                changed[r.Risk.Symbol] = perAccount = new Dictionary<string, Credit>(StringComparer.Ordinal);
            foreach (var account in _accounts)
            {
                if (_sent.TryGetValue((r.Risk.Symbol, account), out var credit)) perAccount[account] = credit;
            }
        }
        foreach (var (symbol, allocations) in changed)
        {
            if (!_tracks.TryGetValue(symbol, out var track)) _tracks[symbol] = track = new Track(symbol);
            var id = ++_batchIds;
            Dispatch(track, id, new SliceBoundary(
                symbol, id, _sliceLastSeq, allocations.Count == 0 ? null : allocations, track.LastSent, equities.GetValueOrDefault(symbol)));
            _inFlight[id] = 0;
        }
        var due = _final || (_lastCheckpoint is { } at ? _sliceEnd - at >= _settings.CheckpointEvery : SetFirstCheckpointMark());
        if (due) Capture();
        EndBoundary();
    }

    private bool SetFirstCheckpointMark()
    {
        _lastCheckpoint = _sliceEnd;
        return false;
    }

    // ---- checkpoints ----

    /// <summary>
    /// A checkpoint at this boundary: supervisors and symbols keep a copy of their state here and the
    /// feed goes on at once. It is saved when every symbol has journaled up to the boundary: first the
    /// supervisors' state, then the symbols' snapshots, so a symbol's snapshot is never later than them.
    /// </summary>
    private void Capture()
    {
        if (_checkpoint is not null) return; // the last one is still waiting for the journals: skip this one
        _lastCheckpoint = _sliceEnd;
        foreach (var account in _accounts) _risk.Tell(new RiskSupervisor.CaptureCheckpoint(account, _sliceEnd), Self);
        foreach (var track in _tracks.Values) (track.Entity ?? _symbols).Tell(new CaptureSnapshot(track.Symbol, _sliceEnd), Self);
        _checkpoint = (_sliceEnd, _tracks.Values.ToDictionary(t => t.Symbol, t => t.LastSent, StringComparer.Ordinal), -1);
        MaybeSaveCheckpoint();
    }

    private void MaybeSaveCheckpoint()
    {
        if (_checkpoint is not { Saving: < 0 } c) return;
        foreach (var (symbol, batch) in c.Batches)
        {
            if (_tracks[symbol].Journaled < batch) return;
        }
        _checkpoint = c with { Saving = _accounts.Count };
        foreach (var account in _accounts) _risk.Tell(new RiskSupervisor.SaveCheckpoint(account, c.Boundary), Self);
        if (_accounts.Count == 0) SnapshotsSaved();
    }

    private void Handle(RiskSupervisor.CheckpointSaved _)
    {
        Progressed();
        if (_checkpoint is not { Saving: > 0 } c) return;
        _checkpoint = c with { Saving = c.Saving - 1 };
        if (c.Saving == 1) SnapshotsSaved();
    }

    private void SnapshotsSaved()
    {
        var c = _checkpoint!.Value;
        foreach (var symbol in c.Batches.Keys) _tracks[symbol].Entity?.Tell(new WriteSnapshot(symbol, c.Boundary), Self);
        foreach (var symbol in c.Batches.Keys)
        {
            if (_tracks[symbol].Entity is null) _symbols.Tell(new WriteSnapshot(symbol, c.Boundary), Self);
        }
        _checkpoint = null;
        if (_phase == Phase.Finishing) MaybeComplete();
    }

    private void EndBoundary()
    {
        _boundaryPassed = true;
        _boundaries++;
        _lastBoundary = _sliceEnd;
        _counters.FeedDone(_sliceEnd);
        _observer.Boundary(_sliceEnd);
        foreach (var t in _sliceTracks) t.InSlice = false;
        _sliceTracks.Clear();
        _reports.Clear();
        _sliceOpen = false;
        if (_final)
        {
            Finish();
            return;
        }
        _phase = Phase.Running;
        MaybeQuiesced();
        Pump();
    }

    // ---- the end ----

    /// <summary>
    /// Stopped (SIGINT, SIGTERM): no boundary an uninterrupted run would not have, so the open slice is
    /// not closed. What was sent is processed and journaled; what was read but not sent is dropped, and
    /// a restart reads it again, exactly as after a crash.
    /// </summary>
    private void StopHere()
    {
        _buffer.Clear();
        foreach (var t in _sliceTracks) t.Pending.Clear();
        if (_inFlight.Count == 0) Finish();
    }

    private void Finish()
    {
        _phase = Phase.Finishing;
        MaybeComplete();
    }

    /// <summary>Done when everything read is journaled and the last checkpoint is saved.</summary>
    private void MaybeComplete()
    {
        if (_unjournaled == 0 && _checkpoint is null) Complete(null);
    }

    private void Complete(string? error)
    {
        if (_phase == Phase.Done) return;
        _phase = Phase.Done;
        Timers.Cancel("watchdog");
        _notify.Tell(new FeedCompleted(_tracks.Keys.ToArray(), _events, _boundaries, error, _stopRequested));
    }

    /// <summary>Stopped without completing (it threw, and its parent stops failed feeds): whoever waits hears so.</summary>
    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider }) Cluster.Get(Context.System).Unsubscribe(Self);
        _stream?.Shutdown();
        Complete($"feed {_name} stopped unexpectedly (see the log)");
    }

    private void Fail(string error)
    {
        if (_phase == Phase.Done) return;
        _log.Error("feed {0}: {1}", _name, error);
        _stream?.Abort(new Exception(error));
        Complete(error);
    }

    // ---- the kill switch's pauses ----

    /// <summary>
    /// An operator's change needs a point where no market event is in flight: say where that is. During
    /// a boundary it is the boundary's decisions' point (its credit and retries wait for the change);
    /// right after a boundary it is past it (the retries there went without it).
    /// </summary>
    private void MaybeQuiesced()
    {
        // Every step up to the point is done everywhere: events, reports and the last boundary's retries.
        // A feed that is done sends nothing more: what it had in flight may never be answered (a
        // symbol whose journal failed), so its point is where it stopped.
        if (_quiesce is not { } q || _quiescedReplied || (_inFlight.Count > 0 && _phase != Phase.Done)) return;
        _quiescedReplied = true;
        var point = _phase is Phase.Closing or Phase.Deciding or Phase.Commanding ? FeedStep.AtBoundary(_sliceLastSeq)
            : _boundaryPassed ? FeedStep.AfterBoundary(_lastSeq)
            : FeedStep.At(_lastSeq);
        q.From.Tell(new KillSwitchActor.Quiesced(q.Ticket, point));
    }

    private void Unpause()
    {
        if (_allocateOnResume)
        {
            _allocateOnResume = false;
            Allocate();
            return;
        }
        Pump();
    }

    /// <summary>
    /// A symbol started again (on another member) and asks for everything after the last message it
    /// processed: sent straight to it, in order. Asked again for what is already on its way (a copy
    /// routed through the region arrived late), nothing is sent.
    /// </summary>
    private void Handle(RewindSymbol r)
    {
        if (_phase == Phase.Done || !_tracks.TryGetValue(r.Symbol, out var track)) return;
        Progressed();
        if (track.Rewound is { } rewound && rewound.To.Equals(Sender) && r.AfterBatchId < rewound.UpTo) return;
        if (!_settings.KeepHistory && r.AfterBatchId < track.LastSent)
        {
            Fail($"symbol {r.Symbol} started again mid-run and needs the feed's messages after {r.AfterBatchId}, which this feed did not keep " +
                 "(engine.feed.keep-history is off); run again to replay from the journal");
            return;
        }
        if (!Equals(track.Entity, Sender))
        {
            track.Entity = Sender;
            Context.Watch(Sender);
        }
        var resent = 0;
        foreach (var (id, message) in track.History)
        {
            if (id <= r.AfterBatchId) continue;
            Sender.Tell(message, Self);
            resent++;
        }
        track.Rewound = (Sender, track.LastSent);
        _log.Warning("feed {0}: {1} started again at {2}; sent its {3} messages after {4} again", _name, r.Symbol, Sender.Path.Address, resent, r.AfterBatchId);
    }

    /// <summary>Symbols that lived on the removed member (or never answered) are woken where they start next.</summary>
    private void Moved(Address removed)
    {
        if (_phase == Phase.Done) return;
        foreach (var track in _tracks.Values)
        {
            if (track.Entity is { } entity && !entity.Path.Address.Equals(removed)) continue;
            track.Entity = null;
            if (track.Unjournaled.Count > 0) _moved.Add(track);
        }
        if (_moved.Count > 0) _log.Warning("feed {0}: member {1} was removed; waking {2} of its symbols where they start next", _name, removed, _moved.Count);
        WakeMoved();
    }

    /// <summary>
    /// A symbol that stopped with messages unjournaled is sent its last one again through the region:
    /// where it starts next it sees the gap and asks for what it lacks (RewindSymbol). The region may
    /// still route to a member that is gone for a moment, so this repeats every second until the
    /// symbol answers or has nothing left unjournaled.
    /// </summary>
    private void WakeMoved()
    {
        _moved.RemoveWhere(t => t.Entity is not null || t.Unjournaled.Count == 0);
        if (_phase == Phase.Done || _moved.Count == 0) return;
        foreach (var track in _moved)
        {
            var (id, last) = track.Unjournaled.Last();
            track.LastViaRegion = Math.Max(track.LastViaRegion, id);
            _symbols.Tell(last, Self);
        }
        Progressed();
        Timers.StartSingleTimer("wake-moved", new WakeMovedAgain(), TimeSpan.FromSeconds(1));
    }

    private void CheckProgress()
    {

        var waiting = _phase != Phase.Running || _inFlightEvents > 0 || _unjournaled > 0 || _checkpoint is not null;
        // A command to the kill switch has its own timeout and is sent again (the kill switch may be restarting).
        if (!waiting || _quiesce is not null || _phase == Phase.Commanding || _sinceProgress.Elapsed < _settings.Timeout) return;
        var behind = _tracks.Values.Where(t => t.Unjournaled.Count > 0).Select(t => t.Symbol).Take(10).ToArray();
        Fail($"no progress for {_settings.Timeout} while {_phase.ToString().ToLowerInvariant()}" +
             (behind.Length > 0 ? $"; waiting for {string.Join(", ", behind)}" : ""));
    }
}

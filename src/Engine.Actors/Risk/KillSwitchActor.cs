using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Pattern;
using Akka.Persistence;
using Engine.Actors.Feeds;
using Engine.Actors.Metrics;
using Engine.Actors.Symbols;
using Engine.Domain.Risk;
using Engine.Actors.Serialization;

namespace Engine.Actors.Risk;

/// <summary>
/// The kill switch and the trading state of every scope (design rule 3). A change (engage = HALTED,
/// reduce = REDUCING, release = ACTIVE) is journaled first, as an audited event with the feed point
/// it takes effect at; then every subscribed symbol is told, halts or restricts the strategies in
/// scope, cancels their open orders (and flattens, when asked), journals that and confirms. Only
/// when every symbol the scope touches has confirmed is the change acknowledged.
///
/// It wins every race: commands are handled one at a time, so a second engage while the first is
/// confirming answers only when the same confirmations are in; an operator's change takes effect at
/// a point where the feed is quiet (the feed pauses until the change is confirmed everywhere); after
/// a restart it first finds every live symbol and has them subscribe again before it acknowledges
/// anything; and it runs under a backoff supervisor, so a failing journal never leaves the engine
/// without one (symbols refuse every order while it is away).
/// </summary>
public sealed class KillSwitchActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>
    /// HALT the scope; with Flatten also close its positions with reduce-only orders. Point is set by
    /// the feed for a decision made at a time-slice boundary; DecisionId names an automatic decision.
    /// </summary>
    public sealed record Engage(
        string Scope, string Reason, string Operator, bool Flatten = false, long? Point = null, string? DecisionId = null, bool KeepOrders = false) : IEngineWireMessage;

    /// <summary>Put the scope in REDUCING: only orders that shrink a position pass.</summary>
    public sealed record Reduce(string Scope, string Reason, string Operator, long? Point = null, string? DecisionId = null) : IEngineWireMessage;

    /// <summary>Back to ACTIVE. Only an explicit release lifts a halt.</summary>
    public sealed record Release(string Scope, string Operator, string Reason = "", long? Point = null, string? DecisionId = null) : IEngineWireMessage;

    public sealed record GetStatus : IEngineWireMessage;

    /// <summary>Every engage, reduce and release since the journal began, oldest first.</summary>
    public sealed record GetAudit : IEngineWireMessage;

    public sealed record AuditTrail(IReadOnlyList<IKillSwitchEvent> Events) : IEngineWireMessage;

    /// <summary>Sent by each symbol when it starts (and again after the kill switch restarted); answered with StateHistory.</summary>
    public sealed record Subscribe(string Symbol) : IEngineWireMessage;

    /// <summary>Every change so far, with its point; Epoch is the last one's.</summary>
    public sealed record StateHistory(long Epoch, IReadOnlyList<ScopeChange> Changes) : IEngineWireMessage;

    /// <summary>A new change, to every subscribed symbol.</summary>
    public sealed record StateChanged(ScopeChange Change) : IEngineWireMessage;

    /// <summary>The symbol applied everything up to Epoch and journaled what it caused; AsOfSeq is the last market event it had processed.</summary>
    public sealed record Confirmed(string Symbol, long Epoch, long AsOfSeq) : IEngineWireMessage;

    /// <summary>A feed introduces itself: it is asked to pause whenever an operator's change needs a point.</summary>
    public sealed record RegisterFeed : IEngineWireMessage;

    public sealed record FeedRegistered(long Epoch) : IEngineWireMessage;

    /// <summary>To a feed: stop sending market events once those in flight are processed, and say where that is.</summary>
    public sealed record Quiesce(long Ticket) : IEngineWireMessage;

    public sealed record Quiesced(long Ticket, long Point) : IEngineWireMessage;

    /// <summary>To a feed: the change is confirmed everywhere, go on.</summary>
    public sealed record Resume(long Ticket) : IEngineWireMessage;

    /// <summary>To a feed: the change was not confirmed by these symbols in time; trading cannot safely go on.</summary>
    public sealed record ChangeNotConfirmed(long Epoch, IReadOnlyList<string> Symbols) : IEngineWireMessage;

    public sealed record Status(IReadOnlyDictionary<string, ScopeChange> Scopes, long Epoch) : IEngineWireMessage
    {
        public bool EngineHalted => Scopes.TryGetValue("engine", out var s) && s.State == TradingState.Halted;

        public ScopeChange? Governing(string account, string strategy, string symbol) =>
            TradingStateBook.Governing(Scopes.Values, account, strategy, symbol);

        public TradingState StateOf(string account, string strategy, string symbol) =>
            Governing(account, strategy, symbol)?.State ?? TradingState.Active;
    }

    /// <summary>
    /// The answer to a change: who confirmed (with the feed sequence each had reached; -1 for a symbol
    /// that stopped or already ran under that state), and who did not within the ack timeout.
    /// </summary>
    public sealed record Acknowledged(Status Status, IReadOnlyDictionary<string, long> ConfirmedAt, IReadOnlyList<string> Unconfirmed) : IEngineWireMessage
    {
        public IReadOnlyList<string> Confirmed => ConfirmedAt.Keys.ToArray();
    }

    /// <summary>The command was not valid (bad scope, or reducing a halted scope); nothing changed.</summary>
    public sealed record Refused(string Why) : IEngineWireMessage;

    // Local only: timer ticks, and the region's answer piped back to itself.
    private sealed record AckTimeout(long Epoch) : ILocalOnlyMessage;

    private sealed record QuiesceTimeout(long Ticket) : ILocalOnlyMessage;

    private sealed record DiscoveryTimeout : ILocalOnlyMessage;

    private sealed record LiveSymbols(IReadOnlyCollection<string> Symbols) : ILocalOnlyMessage;

    private sealed class Change(object command, IActorRef replyTo, IKillSwitchEvent proposed)
    {
        public object Command { get; } = command;
        public IActorRef ReplyTo { get; } = replyTo;
        public IKillSwitchEvent Proposed { get; } = proposed;
        public long Epoch { get; set; }
        public long Ticket { get; set; }
        public HashSet<IActorRef> AwaitingQuiesce { get; } = new();
        public long Point { get; set; }
        public SortedSet<string> Awaiting { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, long> Confirmed { get; } = new(StringComparer.Ordinal);
        public bool Quiesced { get; set; }
    }

    private readonly TimeSpan _ackTimeout;
    private readonly Dictionary<string, IActorRef> _subscribers = new(StringComparer.Ordinal);
    private readonly HashSet<IActorRef> _feeds = new();
    private readonly List<IKillSwitchEvent> _audit = new();
    private readonly HashSet<string> _decisions = new(StringComparer.Ordinal);
    private readonly TradingStateBook _book = new();
    private readonly SortedSet<string> _rediscovering = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private Change? _change;
    private bool _discovering;
    private long _tickets;
    private long _lastPoint;

    public KillSwitchActor(TimeSpan ackTimeout)
    {
        _ackTimeout = ackTimeout;
        Recover<IKillSwitchEvent>(Apply);
        Recover<RecoveryCompleted>(_ => Discover());

        // Always answered, whatever is in progress.
        Command<GetStatus>(_ => Sender.Tell(Current));
        Command<GetAudit>(_ => Sender.Tell(new AuditTrail(_audit.ToArray())));
        Command<Subscribe>(Handle);
        Command<Confirmed>(Handle);
        Command<RegisterFeed>(Handle);
        // The kill switch knows every running feed, on whatever node: operators ask it for them.
        Command<FeedCoordinator.GetFeedStatus>(q =>
        {
            if (_feeds.FirstOrDefault() is { } feed) feed.Forward(q);
            else Sender.Tell(FeedCoordinator.FeedStatus.Idle);
        });
        Command<Quiesced>(Handle);
        Command<Terminated>(Handle);
        Command<AckTimeout>(Handle);
        Command<QuiesceTimeout>(Handle);
        Command<LiveSymbols>(Handle);
        Command<DiscoveryTimeout>(_ => EndDiscovery("timed out"));
        Command<Engage>(cmd => Begin(cmd, cmd.Scope, cmd.Point, cmd.DecisionId));
        Command<Reduce>(cmd => Begin(cmd, cmd.Scope, cmd.Point, cmd.DecisionId));
        Command<Release>(cmd => Begin(cmd, cmd.Scope, cmd.Point, cmd.DecisionId));
    }

    public override string PersistenceId => "kill-switch";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan ackTimeout) => Akka.Actor.Props.Create(() => new KillSwitchActor(ackTimeout));

    /// <summary>
    /// The kill switch under a backoff supervisor, as the engine runs it (a cluster singleton): a
    /// failing journal stops it only until it can come back.
    /// </summary>
    public static Props Supervised(TimeSpan ackTimeout) => BackoffSupervisor.Props(Backoff.OnStop(
        Props(ackTimeout), "kill-switch", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2, maxNrOfRetries: -1));

    private Status Current => new(new SortedDictionary<string, ScopeChange>(_book.Current.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal), _book.KnownEpoch);

    /// <summary>Busy with a change or with finding the live symbols: new commands wait their turn.</summary>
    private bool Busy => _change is not null || _rediscovering.Count > 0 || _discovering;

    private void Apply(IKillSwitchEvent e)
    {
        _audit.Add(e);
        if (e.DecisionId is { } id) _decisions.Add(id);
        if (e.Point > _lastPoint) _lastPoint = e.Point;
        var change = e.ToChange(_audit.Count);
        _book.Add(change);
        _book.ApplyAll();
        _counters.ScopeState(change.Scope, change.State, change.Flatten);
    }

    // ---- after a restart: find every live symbol before acknowledging anything ----

    private void Discover()
    {
        if (!ActorRegistry.For(Context.System).TryGet<SymbolRegion>(out var region))
            return; // the engine is starting: no symbol is live yet, and each subscribes before it trades
        _discovering = true;
        // Every member's region (this one moved here, or restarted, while symbols live on other nodes
        // too); a member that does not answer in time counts none, its symbols resubscribe on their own
        // when they see the old kill switch go.
        var regions = new List<ICanTell> { region };
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
        {
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            regions.AddRange(cluster.State.Members
                .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress))
                .Select(m => Context.ActorSelection(new RootActorPath(m.Address) / "system" / "sharding" / SymbolMessageExtractor.TypeName)));
        }
        Task.WhenAll(regions.Select(r => r.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, _ackTimeout)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Shards.SelectMany(s => s.EntityIds).ToArray() : Array.Empty<string>())))
            .ContinueWith(t => new LiveSymbols(t.Result.SelectMany(ids => ids).Distinct().ToArray()))
            .PipeTo(Self);
        Timers.StartSingleTimer("discovery", new DiscoveryTimeout(), _ackTimeout);
    }

    private void Handle(LiveSymbols live)
    {
        if (!_discovering) return;
        _discovering = false;
        if (ActorRegistry.For(Context.System).TryGet<SymbolRegion>(out var region))
        {
            foreach (var symbol in live.Symbols)
            {
                if (_subscribers.ContainsKey(symbol)) continue;
                _rediscovering.Add(symbol);
                region.Tell(new Resubscribe(symbol));
            }
        }
        if (_rediscovering.Count == 0) EndDiscovery("no live symbol to wait for");
    }

    private void EndDiscovery(string how)
    {
        if (!_discovering && _rediscovering.Count == 0 && !Timers.IsTimerActive("discovery")) return;
        if (_rediscovering.Count > 0)
            _log.Error("kill switch restarted; these live symbols did not subscribe again ({0}): {1}", how, string.Join(", ", _rediscovering));
        _discovering = false;
        _rediscovering.Clear();
        Timers.Cancel("discovery");
        if (!Busy) Stash.UnstashAll();
    }

    // ---- changes, one at a time ----

    private void Begin(object command, string scope, long? point, string? decisionId)
    {
        if (Busy)
        {
            Stash.Stash();
            return;
        }
        if (!RiskScope.TryParse(scope, out var parsed))
        {
            Sender.Tell(new Refused($"'{scope}' is not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL"));
            return;
        }
        if (decisionId is not null && _decisions.Contains(decisionId))
        {
            AckNow(parsed); // decided before (a replay deciding it again): already in force where it should be
            return;
        }
        _book.Current.TryGetValue(scope, out var now);
        IKillSwitchEvent? proposed = command switch
        {
            Engage e when now is { State: TradingState.Halted } h && (h.Flatten || !e.Flatten) => null,
            Engage e => new KillSwitchEngaged(e.Scope, e.Reason, e.Operator, DateTime.UtcNow, e.Flatten, 0, decisionId, e.KeepOrders && !e.Flatten),
            Reduce when now is { State: TradingState.Halted } => null,
            Reduce when now is { State: TradingState.Reducing } => null,
            Reduce r => new ScopeReduced(r.Scope, r.Reason, r.Operator, DateTime.UtcNow, 0, decisionId),
            Release when now is null => null,
            Release r => new KillSwitchReleased(r.Scope, r.Operator, DateTime.UtcNow, r.Reason, 0, decisionId),
            _ => null,
        };
        if (proposed is null)
        {
            if (command is Reduce && now is { State: TradingState.Halted })
                Sender.Tell(new Refused($"{scope} is halted; only a release lifts a halt"));
            else AckNow(parsed); // nothing changes: every symbol in scope already runs under this state
            return;
        }
        var change = new Change(command, Sender, proposed);
        _change = change;
        if (point is { } p)
        {
            Commit(change, p);
            return;
        }
        if (_feeds.Count == 0)
        {
            Commit(change, _lastPoint);
            return;
        }
        // An operator's change: the feeds pause so it takes effect at one known point of the feed.
        change.Ticket = ++_tickets;
        foreach (var feed in _feeds)
        {
            change.AwaitingQuiesce.Add(feed);
            feed.Tell(new Quiesce(change.Ticket));
        }
        change.Quiesced = true;
        Timers.StartSingleTimer(("quiesce", change.Ticket), new QuiesceTimeout(change.Ticket), _ackTimeout);
    }

    private void Handle(Quiesced q)
    {
        if (_change is not { } c || q.Ticket != c.Ticket || !c.AwaitingQuiesce.Remove(Sender)) return;
        c.Point = Math.Max(c.Point, q.Point);
        if (c.AwaitingQuiesce.Count == 0)
        {
            Timers.Cancel(("quiesce", c.Ticket));
            Commit(c, c.Point);
        }
    }

    private void Handle(QuiesceTimeout t)
    {
        if (_change is not { } c || t.Ticket != c.Ticket || c.AwaitingQuiesce.Count == 0) return;
        _log.Warning("feeds did not pause within {0}; the change takes effect where they are", _ackTimeout);
        c.AwaitingQuiesce.Clear();
        Commit(c, c.Point);
    }

    private void Commit(Change change, long point)
    {
        // Points never go back, so the history stays ordered by where changes take effect.
        point = Math.Max(point, _lastPoint);
        var e = change.Proposed switch
        {
            KillSwitchEngaged k => (IKillSwitchEvent)(k with { Point = point }),
            ScopeReduced r => r with { Point = point },
            KillSwitchReleased r => r with { Point = point },
            _ => change.Proposed,
        };
        Persist(e, persisted =>
        {
            Apply(persisted);
            _log.Warning("Trading state of {0}: {1} by {2}: {3}", persisted.Scope, Describe(persisted), persisted.Operator, ReasonOf(persisted));
            change.Epoch = _book.KnownEpoch;
            var scope = RiskScope.Parse(persisted.Scope);
            var message = new StateChanged(_book.History[^1]);
            // Every subscriber learns the change; only those it touches must confirm before the ack.
            foreach (var (symbol, subscriber) in _subscribers)
            {
                subscriber.Tell(message);
                if (scope.TouchesSymbol(symbol)) change.Awaiting.Add(symbol);
            }
            if (change.Awaiting.Count == 0)
            {
                Complete(change);
                return;
            }
            Timers.StartSingleTimer(("ack", change.Epoch), new AckTimeout(change.Epoch), _ackTimeout);
        });
    }

    private static string ReasonOf(IKillSwitchEvent e) => e switch
    {
        KillSwitchEngaged k => k.Reason,
        ScopeReduced r => r.Reason,
        KillSwitchReleased r => r.Reason,
        _ => "",
    };

    private static string Describe(IKillSwitchEvent e) => e switch
    {
        KillSwitchEngaged { Flatten: true } => "HALTED (kill switch engaged, flatten)",
        KillSwitchEngaged => "HALTED (kill switch engaged)",
        ScopeReduced => "REDUCING",
        _ => "ACTIVE (released)",
    };

    private void Handle(Confirmed c)
    {
        if (_change is { } change && change.Epoch > 0 && c.Epoch >= change.Epoch && change.Awaiting.Remove(c.Symbol))
            change.Confirmed[c.Symbol] = c.AsOfSeq;
        Progress();
    }

    private void Handle(AckTimeout t)
    {
        if (_change is not { } c || c.Epoch != t.Epoch) return;
        _log.Error("Trading-state change {0} not confirmed in time by: {1}", c.Epoch, string.Join(", ", c.Awaiting));
        var unconfirmed = c.Awaiting.ToArray();
        c.ReplyTo.Tell(new Acknowledged(Current, c.Confirmed, unconfirmed));
        // Trading cannot go on as if the change were in force everywhere: the paused feeds stop.
        if (c.Quiesced)
        {
            foreach (var feed in _feeds) feed.Tell(new ChangeNotConfirmed(c.Epoch, unconfirmed));
        }
        Done();
    }

    private void Progress()
    {
        if (!_discovering && _rediscovering.Count == 0 && Timers.IsTimerActive("discovery")) EndDiscovery("all subscribed again");
        if (_change is { Epoch: > 0 } c && c.Awaiting.Count == 0) Complete(c);
    }

    private void Complete(Change c)
    {
        Timers.Cancel(("ack", c.Epoch));
        c.ReplyTo.Tell(new Acknowledged(Current, c.Confirmed, Array.Empty<string>()));
        if (c.Quiesced)
        {
            foreach (var feed in _feeds) feed.Tell(new Resume(c.Ticket));
        }
        Done();
    }

    private void Done()
    {
        _change = null;
        if (!Busy) Stash.UnstashAll();
    }

    private void AckNow(RiskScope scope)
    {
        var touched = _subscribers.Keys.Where(scope.TouchesSymbol).ToDictionary(s => s, _ => -1L, StringComparer.Ordinal);
        Sender.Tell(new Acknowledged(Current, touched, Array.Empty<string>()));
    }

    // ---- subscribers and feeds ----

    private void Handle(Subscribe s)
    {
        if (_subscribers.TryGetValue(s.Symbol, out var old) && !old.Equals(Sender)) Context.Unwatch(old);
        _subscribers[s.Symbol] = Sender;
        Context.Watch(Sender);
        Sender.Tell(new StateHistory(_book.KnownEpoch, _book.History.ToArray()));
        // It now knows every change so far; it confirms once it has journaled what they caused.
        if (_change is { Epoch: > 0 } c && RiskScope.Parse(c.Proposed.Scope).TouchesSymbol(s.Symbol)) c.Awaiting.Add(s.Symbol);
        if (_rediscovering.Remove(s.Symbol)) Progress();
    }

    private void Handle(RegisterFeed _)
    {
        _feeds.Add(Sender);
        Context.Watch(Sender);
        Sender.Tell(new FeedRegistered(_book.KnownEpoch));
    }

    private void Handle(Terminated t)
    {
        if (_feeds.Remove(t.ActorRef))
        {
            if (_change is { } q && q.AwaitingQuiesce.Remove(t.ActorRef) && q.AwaitingQuiesce.Count == 0)
            {
                Timers.Cancel(("quiesce", q.Ticket));
                Commit(q, q.Point);
            }
            return;
        }
        var gone = _subscribers.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList();
        foreach (var symbol in gone)
        {
            _subscribers.Remove(symbol);
            _rediscovering.Remove(symbol);
            // A stopped symbol accepts nothing, and it reads the state again before it trades.
            if (_change is { } c && c.Awaiting.Remove(symbol)) c.Confirmed[symbol] = -1;
        }
        Progress();
    }
}

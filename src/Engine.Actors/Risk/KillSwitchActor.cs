using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Actors.Metrics;
using Engine.Domain.Risk;

namespace Engine.Actors.Risk;

/// <summary>
/// The kill switch and the trading state of every scope (design rule 3). A change (engage = HALTED,
/// reduce = REDUCING, release = ACTIVE) is journaled first, as an audited event; then every
/// subscribed symbol the scope touches is told, halts or restricts the strategies in scope, cancels
/// their open orders (and flattens, when asked), and confirms. Only when all of them have confirmed
/// is the change acknowledged. State survives restarts: it is recovered from the journal, and every
/// symbol asks for it before it trades.
/// </summary>
public sealed class KillSwitchActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>HALT the scope; with Flatten also close its positions with reduce-only orders.</summary>
    public sealed record Engage(string Scope, string Reason, string Operator, bool Flatten = false);

    /// <summary>Put the scope in REDUCING: only orders that shrink a position pass.</summary>
    public sealed record Reduce(string Scope, string Reason, string Operator);

    /// <summary>Back to ACTIVE. Only an explicit release lifts a halt.</summary>
    public sealed record Release(string Scope, string Operator, string Reason = "");

    public sealed record GetStatus;

    /// <summary>Every engage, reduce and release since the journal began, oldest first.</summary>
    public sealed record GetAudit;

    public sealed record AuditTrail(IReadOnlyList<IKillSwitchEvent> Events);

    /// <summary>Sent by each symbol when it starts; answered at once with the current status.</summary>
    public sealed record Subscribe(string Symbol);

    /// <summary>The symbol applied status Epoch; AsOfSeq is the last market event it had processed, so nothing after it was decided under the old state.</summary>
    public sealed record Confirmed(string Symbol, long Epoch, long AsOfSeq);

    public sealed record ScopeStatus(string Scope, TradingState State, string Reason, string Operator, DateTime Since, bool Flatten);

    /// <summary>Every scope that is not ACTIVE. Epoch counts changes, so a confirmation is matched to the change it confirms.</summary>
    public sealed record Status(IReadOnlyDictionary<string, ScopeStatus> Scopes, long Epoch)
    {
        public static readonly Status Initial = new(new SortedDictionary<string, ScopeStatus>(StringComparer.Ordinal), 0);

        public bool EngineHalted => Scopes.TryGetValue("engine", out var s) && s.State == TradingState.Halted;

        /// <summary>The most severe scope covering this strategy of this account in this symbol, or null when all are ACTIVE.</summary>
        public ScopeStatus? Governing(string account, string strategy, string symbol)
        {
            ScopeStatus? worst = null;
            foreach (var s in Scopes.Values)
            {
                if (!RiskScope.Parse(s.Scope).Covers(account, strategy, symbol)) continue;
                if (worst is null || s.State > worst.State || (s.State == worst.State && s.Flatten && !worst.Flatten)) worst = s;
            }
            return worst;
        }

        public TradingState StateOf(string account, string strategy, string symbol) =>
            Governing(account, strategy, symbol)?.State ?? TradingState.Active;
    }

    /// <summary>
    /// The answer to a change: who confirmed (with the feed sequence each had reached), and who did
    /// not within the ack timeout.
    /// </summary>
    public sealed record Acknowledged(Status Status, IReadOnlyDictionary<string, long> ConfirmedAt, IReadOnlyList<string> Unconfirmed)
    {
        public IReadOnlyList<string> Confirmed => ConfirmedAt.Keys.ToArray();
    }

    /// <summary>The command was not valid (bad scope, or reducing a halted scope); nothing changed.</summary>
    public sealed record Refused(string Why);

    private sealed record AckTimeout(long Epoch);

    private sealed class PendingAck(IActorRef replyTo, long epoch, IEnumerable<string> awaiting)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        public long Epoch { get; } = epoch;
        public SortedSet<string> Awaiting { get; } = new(awaiting, StringComparer.Ordinal);
        public SortedDictionary<string, long> Confirmed { get; } = new(StringComparer.Ordinal);
    }

    private readonly TimeSpan _ackTimeout;
    private readonly Dictionary<string, IActorRef> _subscribers = new(StringComparer.Ordinal);
    private readonly List<PendingAck> _pending = new();
    private readonly List<IKillSwitchEvent> _audit = new();
    private readonly SortedDictionary<string, ScopeStatus> _scopes = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private long _epoch;

    public KillSwitchActor(TimeSpan ackTimeout)
    {
        _ackTimeout = ackTimeout;
        Recover<IKillSwitchEvent>(Apply);

        Command<Engage>(Handle);
        Command<Reduce>(Handle);
        Command<Release>(Handle);
        Command<GetStatus>(_ => Sender.Tell(Current));
        Command<GetAudit>(_ => Sender.Tell(new AuditTrail(_audit.ToArray())));
        Command<Subscribe>(Handle);
        Command<Confirmed>(Handle);
        Command<AckTimeout>(Handle);
        Command<Terminated>(Handle);
    }

    public override string PersistenceId => "kill-switch";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan ackTimeout) => Akka.Actor.Props.Create(() => new KillSwitchActor(ackTimeout));

    private Status Current => new(new SortedDictionary<string, ScopeStatus>(_scopes, StringComparer.Ordinal), _epoch);

    private void Apply(IKillSwitchEvent e)
    {
        _audit.Add(e);
        _epoch++;
        switch (e)
        {
            case KillSwitchEngaged k:
                _scopes[k.Scope] = new ScopeStatus(k.Scope, TradingState.Halted, k.Reason, k.Operator, k.Time, k.Flatten);
                _counters.ScopeState(k.Scope, TradingState.Halted, k.Flatten);
                break;
            case ScopeReduced r:
                _scopes[r.Scope] = new ScopeStatus(r.Scope, TradingState.Reducing, r.Reason, r.Operator, r.Time, false);
                _counters.ScopeState(r.Scope, TradingState.Reducing, false);
                break;
            case KillSwitchReleased r:
                _scopes.Remove(r.Scope);
                _counters.ScopeState(r.Scope, TradingState.Active, false);
                break;
        }
    }

    private bool Valid(string scope)
    {
        if (RiskScope.TryParse(scope, out _)) return true;
        Sender.Tell(new Refused($"'{scope}' is not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL"));
        return false;
    }

    private void Handle(Engage cmd)
    {
        if (!Valid(cmd.Scope)) return;
        if (_scopes.TryGetValue(cmd.Scope, out var s) && s.State == TradingState.Halted && (s.Flatten || !cmd.Flatten))
        {
            AckNow(cmd.Scope);
            return;
        }
        Change(new KillSwitchEngaged(cmd.Scope, cmd.Reason, cmd.Operator, DateTime.UtcNow, cmd.Flatten));
    }

    private void Handle(Reduce cmd)
    {
        if (!Valid(cmd.Scope)) return;
        if (_scopes.TryGetValue(cmd.Scope, out var s))
        {
            if (s.State == TradingState.Halted)
                Sender.Tell(new Refused($"{cmd.Scope} is halted; only a release lifts a halt"));
            else AckNow(cmd.Scope);
            return;
        }
        Change(new ScopeReduced(cmd.Scope, cmd.Reason, cmd.Operator, DateTime.UtcNow));
    }

    private void Handle(Release cmd)
    {
        if (!Valid(cmd.Scope)) return;
        if (!_scopes.ContainsKey(cmd.Scope))
        {
            AckNow(cmd.Scope);
            return;
        }
        Change(new KillSwitchReleased(cmd.Scope, cmd.Operator, DateTime.UtcNow, cmd.Reason));
    }

    private void Change(IKillSwitchEvent e)
    {
        var replyTo = Sender;
        Persist(e, persisted =>
        {
            Apply(persisted);
            var why = persisted switch
            {
                KillSwitchEngaged k => k.Reason,
                ScopeReduced r => r.Reason,
                KillSwitchReleased r => r.Reason,
                _ => "",
            };
            _log.Warning("Trading state of {0}: {1} by {2}: {3}", persisted.Scope, Describe(persisted), persisted.Operator, why);
            Broadcast(RiskScope.Parse(persisted.Scope), replyTo);
        });
    }

    private static string Describe(IKillSwitchEvent e) => e switch
    {
        KillSwitchEngaged { Flatten: true } => "HALTED (kill switch engaged, flatten)",
        KillSwitchEngaged => "HALTED (kill switch engaged)",
        ScopeReduced => "REDUCING",
        _ => "ACTIVE (released)",
    };

    private void AckNow(string scope)
    {
        // Nothing changed: every symbol in scope already runs under this state.
        var touched = Touched(RiskScope.Parse(scope)).ToDictionary(kv => kv.Key, _ => -1L, StringComparer.Ordinal);
        Sender.Tell(new Acknowledged(Current, touched, Array.Empty<string>()));
    }

    private IEnumerable<KeyValuePair<string, IActorRef>> Touched(RiskScope scope) =>
        _subscribers.Where(kv => scope.TouchesSymbol(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private void Broadcast(RiskScope scope, IActorRef replyTo)
    {
        var status = Current;
        var touched = Touched(scope).ToList();
        // Every subscriber learns the new table; only those in scope must confirm before the ack.
        foreach (var s in _subscribers.Values) s.Tell(status);
        var pending = new PendingAck(replyTo, _epoch, touched.Select(kv => kv.Key));
        if (pending.Awaiting.Count == 0)
        {
            replyTo.Tell(new Acknowledged(status, new Dictionary<string, long>(), Array.Empty<string>()));
            return;
        }
        _pending.Add(pending);
        Timers.StartSingleTimer(("ack", pending.Epoch), new AckTimeout(pending.Epoch), _ackTimeout);
    }

    private void Handle(Subscribe s)
    {
        if (_subscribers.TryGetValue(s.Symbol, out var old) && !old.Equals(Sender)) Context.Unwatch(old);
        _subscribers[s.Symbol] = Sender;
        Context.Watch(Sender);
        Sender.Tell(Current);
    }

    private void Handle(Confirmed c)
    {
        // A symbol confirms a status once it has applied it, which covers every earlier change too.
        foreach (var p in _pending.Where(p => p.Epoch <= c.Epoch))
        {
            if (p.Awaiting.Remove(c.Symbol)) p.Confirmed[c.Symbol] = c.AsOfSeq;
        }
        CompleteDone();
    }

    private void Handle(AckTimeout t)
    {
        foreach (var p in _pending.Where(p => p.Epoch == t.Epoch).ToList())
        {
            _log.Error("Trading-state change {0} not confirmed in time by: {1}", p.Epoch, string.Join(", ", p.Awaiting));
            p.ReplyTo.Tell(new Acknowledged(Current, p.Confirmed, p.Awaiting.ToArray()));
            _pending.Remove(p);
        }
    }

    private void Handle(Terminated t)
    {
        var gone = _subscribers.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList();
        foreach (var symbol in gone)
        {
            _subscribers.Remove(symbol);
            // A stopped symbol accepts nothing, and it re-reads the state before it trades again.
            foreach (var p in _pending)
            {
                if (p.Awaiting.Remove(symbol)) p.Confirmed[symbol] = -1; // stopped: accepts nothing
            }
        }
        CompleteDone();
    }

    private void CompleteDone()
    {
        foreach (var p in _pending.Where(p => p.Awaiting.Count == 0).ToList())
        {
            p.ReplyTo.Tell(new Acknowledged(Current, p.Confirmed, Array.Empty<string>()));
            Timers.Cancel(("ack", p.Epoch));
            _pending.Remove(p);
        }
    }
}

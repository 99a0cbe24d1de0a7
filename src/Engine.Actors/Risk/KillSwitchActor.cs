using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Engine.Actors.Risk;

/// <summary>
/// The engine-wide kill switch (design rule 3). Engaging persists the decision first, then tells
/// every subscribed symbol, which halts its strategies and cancels its open orders, and only when
/// all of them have confirmed does the operator get the acknowledgement. State survives restarts:
/// it is recovered from the journal and every symbol asks for it when it starts.
/// </summary>
public sealed class KillSwitchActor : ReceivePersistentActor, IWithTimers
{
    public sealed record Engage(string Reason, string Operator, string Scope = "engine");

    public sealed record Release(string Operator, string Scope = "engine");

    public sealed record GetStatus;

    /// <summary>Sent by each symbol when it starts; answered at once with the current status.</summary>
    public sealed record Subscribe(string Symbol);

    public sealed record Confirmed(string Symbol, long Epoch);

    /// <summary>Epoch counts changes, so a confirmation is matched to the change it confirms.</summary>
    public sealed record Status(bool Engaged, string? Reason, string? Operator, DateTime? Since, long Epoch);

    public sealed record Acknowledged(Status Status, IReadOnlyList<string> Confirmed, IReadOnlyList<string> Unconfirmed);

    private sealed record AckTimeout(long Epoch);

    private sealed class PendingAck(IActorRef replyTo, long epoch, IEnumerable<string> awaiting)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        public long Epoch { get; } = epoch;
        public SortedSet<string> Awaiting { get; } = new(awaiting, StringComparer.Ordinal);
        public SortedSet<string> Confirmed { get; } = new(StringComparer.Ordinal);
    }

    private readonly TimeSpan _ackTimeout;
    private readonly Dictionary<string, IActorRef> _subscribers = new(StringComparer.Ordinal);
    private readonly List<PendingAck> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Status _status = new(false, null, null, null, 0);

    public KillSwitchActor(TimeSpan ackTimeout)
    {
        _ackTimeout = ackTimeout;
        Recover<KillSwitchEngaged>(e => _status = Engaged(e));
        Recover<KillSwitchReleased>(_ => _status = Released());

        Command<Engage>(Handle);
        Command<Release>(Handle);
        Command<GetStatus>(_ => Sender.Tell(_status));
        Command<Subscribe>(Handle);
        Command<Confirmed>(Handle);
        Command<AckTimeout>(Handle);
        Command<Terminated>(Handle);
    }

    public override string PersistenceId => "kill-switch";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan ackTimeout) => Akka.Actor.Props.Create(() => new KillSwitchActor(ackTimeout));

    private Status Engaged(KillSwitchEngaged e) => new(true, e.Reason, e.Operator, e.Time, _status.Epoch + 1);

    private Status Released() => new(false, null, null, null, _status.Epoch + 1);

    private void Handle(Engage cmd)
    {
        if (_status.Engaged)
        {
            Sender.Tell(new Acknowledged(_status, _subscribers.Keys.Order(StringComparer.Ordinal).ToArray(), Array.Empty<string>()));
            return;
        }
        var replyTo = Sender;
        Persist(new KillSwitchEngaged(cmd.Scope, cmd.Reason, cmd.Operator, DateTime.UtcNow), e =>
        {
            _status = Engaged(e);
            _log.Warning("Kill switch ENGAGED by {0}: {1}", e.Operator, e.Reason);
            Broadcast(replyTo);
        });
    }

    private void Handle(Release cmd)
    {
        if (!_status.Engaged)
        {
            Sender.Tell(new Acknowledged(_status, _subscribers.Keys.Order(StringComparer.Ordinal).ToArray(), Array.Empty<string>()));
            return;
        }
        var replyTo = Sender;
        Persist(new KillSwitchReleased(cmd.Scope, cmd.Operator, DateTime.UtcNow), e =>
        {
            _status = Released();
            _log.Warning("Kill switch released by {0}", e.Operator);
            Broadcast(replyTo);
        });
    }

    private void Broadcast(IActorRef replyTo)
    {
        var pending = new PendingAck(replyTo, _status.Epoch, _subscribers.Keys);
        foreach (var s in _subscribers.Values) s.Tell(_status);
        if (pending.Awaiting.Count == 0)
        {
            replyTo.Tell(new Acknowledged(_status, Array.Empty<string>(), Array.Empty<string>()));
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
        Sender.Tell(_status);
    }

    private void Handle(Confirmed c)
    {
        foreach (var p in _pending.Where(p => p.Epoch == c.Epoch))
        {
            if (p.Awaiting.Remove(c.Symbol)) p.Confirmed.Add(c.Symbol);
        }
        CompleteDone();
    }

    private void Handle(AckTimeout t)
    {
        foreach (var p in _pending.Where(p => p.Epoch == t.Epoch).ToList())
        {
            _log.Error("Kill switch change {0} not confirmed in time by: {1}", p.Epoch, string.Join(", ", p.Awaiting));
            p.ReplyTo.Tell(new Acknowledged(_status, p.Confirmed.ToArray(), p.Awaiting.ToArray()));
            _pending.Remove(p);
        }
    }

    private void Handle(Terminated t)
    {
        var gone = _subscribers.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList();
        foreach (var symbol in gone)
        {
            _subscribers.Remove(symbol);
            // A stopped symbol accepts nothing, and it re-reads the state when it starts again.
            foreach (var p in _pending)
                if (p.Awaiting.Remove(symbol)) p.Confirmed.Add(symbol);
        }
        CompleteDone();
    }

    private void CompleteDone()
    {
        foreach (var p in _pending.Where(p => p.Awaiting.Count == 0).ToList())
        {
            p.ReplyTo.Tell(new Acknowledged(_status, p.Confirmed.ToArray(), Array.Empty<string>()));
            Timers.Cancel(("ack", p.Epoch));
            _pending.Remove(p);
        }
    }
}

using Akka.Actor;
using Akka.Event;

namespace Engine.Actors.Risk;

/// <summary>
/// /user/engine/kill-switch-requests: the halts the engine asks for itself (a journal that failed, an
/// actor that crashed) are sent from here until the kill switch acknowledges them. Told straight to
/// the kill switch, one sent while it is restarting (its own journal failed) would be a dead letter,
/// and trading would resume under ACTIVE once it is back. One at a time, in order; a repeat of an
/// engage that arrived changes nothing.
/// </summary>
public sealed class KillSwitchRequests : ReceiveActor
{
    public const string Path = "/user/engine/kill-switch-requests";

    private sealed record Answer(long Attempt, object Reply);

    private readonly IActorRef _killSwitch;
    private readonly TimeSpan _retryAfter;
    private readonly Queue<KillSwitchActor.Engage> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _attempt;

    public KillSwitchRequests(IActorRef killSwitch, TimeSpan retryAfter)
    {
        _killSwitch = killSwitch;
        _retryAfter = retryAfter;
        Receive<KillSwitchActor.Engage>(e =>
        {
            _pending.Enqueue(e);
            if (_pending.Count == 1) Send();
        });
        Receive<Answer>(Handle);
    }

    public static Props Props(IActorRef killSwitch, TimeSpan retryAfter) =>
        Akka.Actor.Props.Create(() => new KillSwitchRequests(killSwitch, retryAfter));

    private void Send()
    {
        var attempt = ++_attempt;
        _killSwitch.Ask<object>(_pending.Peek(), _retryAfter)
            .ContinueWith(t => new Answer(attempt, t.IsCompletedSuccessfully ? t.Result : t.Exception?.GetBaseException() ?? new TimeoutException()))
            .PipeTo(Self);
    }

    private void Handle(Answer a)
    {
        if (a.Attempt != _attempt || _pending.Count == 0) return;
        switch (a.Reply)
        {
            case KillSwitchActor.Acknowledged:
                break;
            case KillSwitchActor.Refused r:
                _log.Error("the kill switch refused {0} of {1}: {2}", nameof(KillSwitchActor.Engage), _pending.Peek().Scope, r.Why);
                break;
            default:
                _log.Warning("no answer from the kill switch to the engage of {0} ({1}); sending it again", _pending.Peek().Scope, a.Reply);
                Send();
                return;
        }
        _pending.Dequeue();
        if (_pending.Count > 0) Send();
    }
}

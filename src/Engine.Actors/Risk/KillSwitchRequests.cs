using Akka.Actor;
using Akka.Event;
using Engine.Actors.Serialization;

namespace Engine.Actors.Risk;

/// <summary>
/// /user/engine/kill-switch-requests: the halts the engine asks for itself (a journal that failed, an
/// actor that crashed) are sent from here until the kill switch acknowledges them. Told straight to
/// the kill switch, one sent while it is restarting (its own journal failed) would be a dead letter,
/// and trading would resume under ACTIVE once it is back. One at a time, in order. The head is sent
/// again every resend interval until an answer to any of its sends arrives: a send that reached a
/// stopped kill switch gets no answer at all, and a repeat of an engage that arrived changes nothing
/// (the kill switch acknowledges a scope already halted at once).
/// </summary>
public sealed class KillSwitchRequests : ReceiveActor, IWithTimers
{
    public const string Path = "/user/engine/kill-switch-requests";

    // Local only: an ask's outcome (an answer or an exception) piped back to itself, and a timer tick.
    private sealed record Answer(long Attempt, object Reply) : ILocalOnlyMessage;

    private sealed record Resend : ILocalOnlyMessage
    {
        public static readonly Resend Instance = new();
    }

    private readonly IActorRef _killSwitch;
    private readonly TimeSpan _answerTimeout;
    private readonly TimeSpan _resendEvery;
    private readonly Queue<KillSwitchActor.Engage> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _attempt;
    private long _headFirstAttempt;

    public KillSwitchRequests(IActorRef killSwitch, TimeSpan answerTimeout, TimeSpan resendEvery)
    {
        _killSwitch = killSwitch;
        _answerTimeout = answerTimeout;
        _resendEvery = resendEvery;
        Receive<KillSwitchActor.Engage>(e =>
        {
            _pending.Enqueue(e);
            if (_pending.Count == 1) SendHead();
        });
        Receive<Resend>(_ => Resent());
        Receive<Answer>(Handle);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="answerTimeout">How long one send waits for its answer (the kill switch's own confirmation time, and more).</param>
    /// <param name="resendEvery">How often an unanswered request is sent again.</param>
    public static Props Props(IActorRef killSwitch, TimeSpan answerTimeout, TimeSpan resendEvery) =>
        Akka.Actor.Props.Create(() => new KillSwitchRequests(killSwitch, answerTimeout, resendEvery));

    /// <summary>
    /// As the engine runs it: a send waits twice the kill switch's ack timeout (an engage is answered
    /// once every symbol confirmed, or the timeout passed), and is sent again at about the kill
    /// switch's shortest back-off, so a halt waits little longer than its restart.
    /// </summary>
    public static Props Props(IActorRef killSwitch, TimeSpan killSwitchAckTimeout) =>
        Props(killSwitch, killSwitchAckTimeout * 2, TimeSpan.FromMilliseconds(500));

    private void SendHead()
    {
        _headFirstAttempt = _attempt + 1;
        Send();
        Timers.StartPeriodicTimer("resend", Resend.Instance, _resendEvery);
    }

    private void Send()
    {
        var attempt = ++_attempt;
        _killSwitch.Ask<object>(_pending.Peek(), _answerTimeout)
            .ContinueWith(t => new Answer(attempt, t.IsCompletedSuccessfully ? t.Result : t.Exception?.GetBaseException() ?? new TimeoutException()))
            .PipeTo(Self);
    }

    private void Resent()
    {
        if (_pending.Count == 0) return;
        if (_attempt == _headFirstAttempt)
            _log.Warning("no answer yet from the kill switch to the engage of {0}; sending it again every {1}", _pending.Peek().Scope, _resendEvery);
        Send();
    }

    private void Handle(Answer a)
    {
        if (a.Attempt < _headFirstAttempt || _pending.Count == 0) return;
        switch (a.Reply)
        {
            case KillSwitchActor.Acknowledged:
                break;
            case KillSwitchActor.Refused r:
                _log.Error("the kill switch refused {0} of {1}: {2}", nameof(KillSwitchActor.Engage), _pending.Peek().Scope, r.Why);
                break;
            default:
                return; // no answer to this send: the resend timer sends it again
        }
        _pending.Dequeue();
        Timers.Cancel("resend");
        if (_pending.Count > 0) SendHead();
    }
}

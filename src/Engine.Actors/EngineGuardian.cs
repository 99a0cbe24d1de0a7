using Akka.Actor;
using Engine.Actors.Risk;

namespace Engine.Actors;

/// <summary>
/// /user/engine: parent of the node's engine-wide actors. The kill switch is persistent, so a
/// restart after an unexpected failure recovers its state from the journal.
/// </summary>
public sealed class EngineGuardian : ReceiveActor
{
    public sealed record GetKillSwitch;

    public EngineGuardian(TimeSpan killSwitchAckTimeout)
    {
        var killSwitch = Context.ActorOf(KillSwitchActor.Props(killSwitchAckTimeout), "kill-switch");
        Receive<GetKillSwitch>(_ => Sender.Tell(killSwitch));
    }

    public static Props Props(TimeSpan killSwitchAckTimeout) =>
        Akka.Actor.Props.Create(() => new EngineGuardian(killSwitchAckTimeout));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(Decider.From(_ => Directive.Restart));
}

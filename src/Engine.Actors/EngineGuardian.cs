using Akka.Actor;
using Akka.Event;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Domain.Time;

namespace Engine.Actors;

/// <summary>
/// /user/engine: parent of the node's engine-wide actors, the kill switch (/kill-switch) and the
/// account risk supervisors (/risk). An unexpected failure of a child escalates to the kill switch:
/// the engine is halted until an operator has looked, and the child is restarted (the kill switch
/// recovers its state from the journal).
/// </summary>
public sealed class EngineGuardian : ReceiveActor
{
    public sealed record GetKillSwitch;

    public sealed record GetRisk;

    private readonly IActorRef _killSwitch;

    public EngineGuardian(EngineSettings settings, EngineClock clock)
    {
        _killSwitch = Context.ActorOf(KillSwitchActor.Props(settings.KillSwitchAckTimeout), "kill-switch");
        var risk = Context.ActorOf(RiskSupervisors.Props(
            settings.Risk.Accounts, settings.Risk.Hours, _killSwitch, clock, settings.Risk.CheckInterval), "risk");
        Receive<GetKillSwitch>(_ => Sender.Tell(_killSwitch));
        Receive<GetRisk>(_ => Sender.Tell(risk));
    }

    public static Props Props(EngineSettings settings, EngineClock clock) =>
        Akka.Actor.Props.Create(() => new EngineGuardian(settings, clock));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(ex =>
    {
        Context.GetLogger().Error(ex, "engine actor failed; engaging the kill switch");
        EngineCounters.For(Context.System).Automatic("engine_failure");
        _killSwitch.Tell(new KillSwitchActor.Engage("engine", $"unexpected failure: {ex.GetType().Name}: {ex.Message}", "engine-guardian"));
        return Directive.Restart;
    }));
}

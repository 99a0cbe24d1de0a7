using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams.Dsl;
using Engine.Actors.Feeds;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Domain.MarketData;
using Engine.Actors.Serialization;

namespace Engine.Actors;

/// <summary>
/// /user/engine, on every node: the node's engine-wide actors around the cluster's singletons (the
/// kill switch and the risk supervisors, given here as their proxies): the feeds (/feeds), the
/// engine's own halt requests (/kill-switch-requests) and the dead-letter monitor. An unexpected
/// failure of a child escalates to the kill switch: the engine is halted until an operator has looked.
/// </summary>
public sealed class EngineGuardian : ReceiveActor
{
    /// <summary>
    /// Starts a feed under /feeds; the reply is the feed's ref, and FeedCompleted goes to Notify when it is done.
    /// Local only: it carries the stream's Source and an in-process observer, and a feed runs on the node that reads it.
    /// </summary>
    public sealed record StartFeed(string Name, Source<IReadOnlyList<SequencedEvent>, NotUsed> Source, IActorRef Symbols, IFeedObserver Observer, IActorRef Notify)
        : ILocalOnlyMessage;

    private readonly IActorRef _requests;

    public EngineGuardian(EngineSettings settings, IActorRef killSwitch, IActorRef risk)
    {
        _requests = Context.ActorOf(KillSwitchRequests.Props(killSwitch, settings.KillSwitchAckTimeout), "kill-switch-requests");
        var feeds = Context.ActorOf(Akka.Actor.Props.Create(() => new FeedsParent()), "feeds");
        Context.ActorOf(DeadLetterMonitor.Props(), "dead-letters");
        var accounts = settings.Risk.Accounts.Keys.ToArray();

        Receive<StartFeed>(f => feeds.Forward(new FeedsParent.Create(
            f.Name, FeedCoordinator.Props(f.Name, f.Source, f.Symbols, killSwitch, risk, accounts, settings.Feed, f.Observer, f.Notify))));
    }

    /// <param name="killSwitch">The kill switch (its singleton proxy in the engine).</param>
    /// <param name="risk">The risk supervisors (their singleton proxy in the engine).</param>
    public static Props Props(EngineSettings settings, IActorRef killSwitch, IActorRef risk) =>
        Akka.Actor.Props.Create(() => new EngineGuardian(settings, killSwitch, risk));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(ex =>
    {
        Context.GetLogger().Error(ex, "engine actor failed; engaging the kill switch");
        EngineCounters.For(Context.System).Automatic("engine_failure");
        _requests.Tell(new KillSwitchActor.Engage("engine", $"unexpected failure: {ex.GetType().Name}: {ex.Message}", "engine-guardian"));
        return Directive.Restart;
    }));

    /// <summary>/user/engine/feeds: one FeedCoordinator per running feed. A feed that fails is stopped (it reports why).</summary>
    private sealed class FeedsParent : ReceiveActor
    {
        // Local only: carries Props, from the guardian to its own child.
        public sealed record Create(string Name, Props Props) : ILocalOnlyMessage;

        public FeedsParent() => Receive<Create>(c => Sender.Tell(Context.ActorOf(c.Props, c.Name)));

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Stop));
    }
}

/// <summary>
/// Logs engine messages that reached no one (a symbol's confirmation to a kill switch that is
/// restarting, a batch to a stopped symbol, ...) and counts them by type: dead letters on the
/// engine's own paths are never hidden. The first of each type is logged with its path; the rest
/// only counted. Akka's own dead-letter logging stays off for the noise of shutdown.
/// </summary>
public sealed class DeadLetterMonitor : ReceiveActor
{
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);

    public DeadLetterMonitor()
    {
        var counters = EngineCounters.For(Context.System);
        var log = Context.GetLogger();
        Receive<DeadLetter>(d =>
        {
            var type = d.Message.GetType();
            if (type.Namespace?.StartsWith("Engine.", StringComparison.Ordinal) != true) return;
            if (CoordinatedShutdown.Get(Context.System).ShutdownReason is not null) return;
            counters.DeadLetter(type.Name);
            if (_logged.Add(type.FullName ?? type.Name))
                log.Warning("dead letter: {0} from {1} to {2} (further {3} dead letters are only counted)",
                    type.Name, d.Sender, d.Recipient, type.Name);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new DeadLetterMonitor());

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));
}

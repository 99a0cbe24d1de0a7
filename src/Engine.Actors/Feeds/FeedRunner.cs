using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Symbols;
using Engine.MarketData;

namespace Engine.Actors.Feeds;

/// <summary>How fast to replay: null is as fast as the engine goes, otherwise a multiple of real time.</summary>
public sealed record FeedRunOptions(double? SpeedMultiplier, int Parallelism, TimeSpan AskTimeout);

/// <summary>
/// Drives one merged feed into the symbol shard region. Every event is asked, not told: the next
/// events wait until `Parallelism` earlier ones are journaled and acknowledged, so a feed faster
/// than the engine is slowed down instead of filling mailboxes (design rule 4). Messages to one
/// symbol keep their order (one sender, one receiver), and each symbol processes them one at a time.
/// </summary>
public static class FeedRunner
{
    public static (UniqueKillSwitch Stop, Task Completion) Run(
        ActorSystem system,
        Source<SequencedEvent, NotUsed> source,
        IActorRef symbolRegion,
        FeedRunOptions options,
        Action<SequencedEvent> onDelivered,
        Action<DeliveryAck> onAck)
    {
        var paced = options.SpeedMultiplier is { } speed ? source.Via(Pace(speed)) : source;
        var (stop, done) = paced
            .ViaMaterialized(KillSwitches.Single<SequencedEvent>(), Keep.Right)
            .Select(e =>
            {
                onDelivered(e);
                return e;
            })
            .SelectAsync(options.Parallelism, e =>
                symbolRegion.Ask<DeliveryAck>(new MarketDataDelivery(e.Sequence, e.Event), options.AskTimeout))
            .ToMaterialized(Sink.ForEach<DeliveryAck>(onAck), Keep.Both)
            .Run(system.Materializer());
        return (stop, done);
    }

    /// <summary>Holds each event until its market time, scaled by the speed, has passed on the wall clock.</summary>
    private static Flow<SequencedEvent, SequencedEvent, NotUsed> Pace(double speed)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        DateTime? first = null;
        return Flow.Create<SequencedEvent>().SelectAsync(1, async e =>
        {
            first ??= e.Event.Time;
            var due = TimeSpan.FromTicks((long)((e.Event.Time - first.Value).Ticks / speed));
            var wait = due - started.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            return e;
        });
    }
}

using System.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using Engine.Domain.MarketData;

namespace Engine.Actors.Feeds;

public static class FeedPacing
{
    /// <summary>
    /// Holds each event until its market time, scaled by speed (1 = real time), has passed on the wall
    /// clock since the first event: a recorded feed replayed as if live. Only when events are let go
    /// depends on the wall clock; what the engine decides does not.
    /// </summary>
    public static Source<IReadOnlyList<SequencedEvent>, NotUsed> Paced(this Source<IReadOnlyList<SequencedEvent>, NotUsed> source, double speed)
    {
        var started = new Stopwatch();
        DateTime? first = null;
        return source.SelectMany(chunk => chunk).SelectAsync(1, async e =>
        {
            if (first is null)
            {
                first = e.Event.Time;
                started.Start();
            }
            var due = TimeSpan.FromTicks((long)((e.Event.Time - first.Value).Ticks / speed));
            var wait = due - started.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            return (IReadOnlyList<SequencedEvent>)new[] { e };
        });
    }
}

using System.Diagnostics;
using Akka.Actor;
using HdrHistogram;

namespace Engine.Actors.Metrics;

/// <summary>
/// Latency histograms of one actor system (HdrHistogram, thread-safe recording, no lock on the hot
/// path). Tick-to-order is measured from a market event's dispatch to its symbol until the order it
/// caused is accepted and journaled, so it includes the mailbox, the strategies, the risk checks and
/// the journal write.
/// </summary>
public sealed class EngineLatency : IExtension
{
    private static readonly long MaxNanoseconds = TimeSpan.FromMinutes(5).Ticks * 100;
    private readonly LongConcurrentHistogram _tickToOrder = new(1, MaxNanoseconds, 3);

    public static EngineLatency For(ActorSystem system) => system.WithExtension<EngineLatency, EngineLatencyProvider>();

    /// <summary>Records a duration given in Stopwatch ticks.</summary>
    public void TickToOrder(long stopwatchTicks)
    {
        var ns = (long)(stopwatchTicks * (1_000_000_000.0 / Stopwatch.Frequency));
        _tickToOrder.RecordValue(Math.Clamp(ns, 1, MaxNanoseconds));
    }

    /// <summary>A copy of the tick-to-order histogram, in nanoseconds.</summary>
    public HistogramBase TickToOrderNanoseconds() => _tickToOrder.Copy();

    public void Reset() => _tickToOrder.Reset();
}

public sealed class EngineLatencyProvider : ExtensionIdProvider<EngineLatency>
{
    public override EngineLatency CreateExtension(ExtendedActorSystem system) => new();
}

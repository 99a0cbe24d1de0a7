using System.Diagnostics;
using Akka.Actor;
using HdrHistogram;

namespace Engine.Actors.Metrics;

/// <summary>
/// Latency histograms of one actor system (HdrHistogram, thread-safe recording, no lock on the hot
/// path), from a market event's dispatch to its symbol: tick-to-decision until the order it caused
/// is accepted (the mailbox, the strategies, the risk checks), tick-to-order until that order is also
/// journaled (what an order waits for before it counts).
/// </summary>
public sealed class EngineLatency : IExtension
{
    private static readonly long MaxNanoseconds = TimeSpan.FromMinutes(5).Ticks * 100;
    private readonly LongConcurrentHistogram _tickToDecision = new(1, MaxNanoseconds, 3);
    private readonly LongConcurrentHistogram _tickToOrder = new(1, MaxNanoseconds, 3);

    /// <summary>Tick-to-order again, in Prometheus buckets (trading_order_latency_seconds{kind="tick_to_order"}); never reset.</summary>
    public BucketHistogram TickToOrderBuckets { get; } = new(BucketHistogram.LatencyBoundsSeconds);

    /// <summary>From an order's decision until its fill is journaled (trading_order_latency_seconds{kind="order_to_fill"}).</summary>
    public BucketHistogram OrderToFill { get; } = new(BucketHistogram.LatencyBoundsSeconds);

    /// <summary>One symbol's journal write, from its start to its completion (engine_journal_write_seconds).</summary>
    public BucketHistogram JournalWrite { get; } = new(BucketHistogram.LatencyBoundsSeconds);

    public static EngineLatency For(ActorSystem system) => system.WithExtension<EngineLatency, EngineLatencyProvider>();

    /// <summary>Records a duration given in Stopwatch ticks.</summary>
    public void TickToDecision(long stopwatchTicks) => Record(_tickToDecision, stopwatchTicks);

    /// <summary>Records a duration given in Stopwatch ticks.</summary>
    public void TickToOrder(long stopwatchTicks)
    {
        Record(_tickToOrder, stopwatchTicks);
        TickToOrderBuckets.Record(stopwatchTicks);
    }

    /// <summary>A copy of the tick-to-decision histogram, in nanoseconds.</summary>
    public HistogramBase TickToDecisionNanoseconds() => _tickToDecision.Copy();

    /// <summary>A copy of the tick-to-order histogram, in nanoseconds.</summary>
    public HistogramBase TickToOrderNanoseconds() => _tickToOrder.Copy();

    public void Reset()
    {
        _tickToDecision.Reset();
        _tickToOrder.Reset();
    }

    private static void Record(LongConcurrentHistogram histogram, long stopwatchTicks)
    {
        var ns = (long)(stopwatchTicks * (1_000_000_000.0 / Stopwatch.Frequency));
        histogram.RecordValue(Math.Clamp(ns, 1, MaxNanoseconds));
    }
}

public sealed class EngineLatencyProvider : ExtensionIdProvider<EngineLatency>
{
    public override EngineLatency CreateExtension(ExtendedActorSystem system) => new();
}

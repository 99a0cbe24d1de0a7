using System.Diagnostics;

namespace Engine.Actors.Metrics;

/// <summary>
/// A histogram with fixed bucket bounds, recorded lock-free (two Interlocked adds) and read at scrape
/// time: the exporter turns each bucket's count and sum into Prometheus buckets. Per-bucket sums let
/// the exporter replay a bucket's new observations as their mean, which lies in the same bucket, so
/// the exported sum stays exact.
/// </summary>
public sealed class BucketHistogram
{
    /// <summary>Bounds for latencies: 50 us to 10 s.</summary>
    public static readonly double[] LatencyBoundsSeconds =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _boundTicks;
    private readonly long[] _counts;
    private readonly long[] _sumTicks;

    public BucketHistogram(double[] boundsSeconds)
    {
        BoundsSeconds = boundsSeconds;
        _boundTicks = boundsSeconds.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();
        _counts = new long[boundsSeconds.Length + 1];
        _sumTicks = new long[boundsSeconds.Length + 1];
    }

    public IReadOnlyList<double> BoundsSeconds { get; }

    /// <summary>Records a duration given in Stopwatch ticks.</summary>
    public void Record(long stopwatchTicks)
    {
        if (stopwatchTicks < 0) stopwatchTicks = 0;
        var i = 0;
        while (i < _boundTicks.Length && stopwatchTicks > _boundTicks[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumTicks[i], stopwatchTicks);
    }

    /// <summary>Count and summed seconds per bucket (the last one above every bound), as of now.</summary>
    public (long Count, double SumSeconds)[] Read()
    {
        var result = new (long, double)[_counts.Length];
        for (var i = 0; i < _counts.Length; i++)
            result[i] = (Interlocked.Read(ref _counts[i]), Interlocked.Read(ref _sumTicks[i]) / (double)Stopwatch.Frequency);
        return result;
    }
}

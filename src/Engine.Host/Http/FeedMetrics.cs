using System.Collections.Concurrent;
using Engine.Domain.MarketData;
using Engine.MarketData;

namespace Engine.Host.Http;

/// <summary>
/// The feeds this process has opened, by label, for trading_market_events_total. A feed opened
/// again under the same label (a run resumed or submitted again) adds its statistics, so the
/// exported counters only grow. The feeds count with Interlocked (FeedStatistics); this is read at
/// scrape time.
/// </summary>
public static class FeedMetrics
{
    private static readonly ConcurrentDictionary<string, ConcurrentBag<FeedStatistics>> Feeds = new(StringComparer.Ordinal);

    /// <summary>The label of a feed: `synthetic`, or the last name of the --data path.</summary>
    public static string Label(string? dataPath) =>
        dataPath is null ? "synthetic" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataPath)));

    public static void Register(string label, FeedStatistics statistics) =>
        Feeds.GetOrAdd(label, static _ => new ConcurrentBag<FeedStatistics>()).Add(statistics);

    /// <summary>Per feed: events accepted, and events rejected by reason code.</summary>
    public static IEnumerable<(string Feed, long Accepted, IReadOnlyDictionary<string, long> Rejected)> Read()
    {
        foreach (var (label, bag) in Feeds)
        {
            long accepted = 0;
            var rejected = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var stats in bag)
            {
                var s = stats.Snapshot();
                accepted += s.Accepted;
                foreach (var (reason, n) in s.RejectedByReason)
                    rejected[reason.Code()] = rejected.GetValueOrDefault(reason.Code()) + n;
            }
            yield return (label, accepted, rejected);
        }
    }
}

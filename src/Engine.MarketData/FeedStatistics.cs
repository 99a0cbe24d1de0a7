using System.Collections.ObjectModel;
using Engine.Domain.MarketData;

namespace Engine.MarketData;

/// <summary>
/// Thread-safe counters of one feed: every item read (an event or a parser rejection; blank lines are
/// not items) ends up accepted or
/// rejected for a reason, so once the feed completes Read == Accepted + Rejected. Items the merge
/// has read but not yet released (at most one per source) are counted in Read only.
/// </summary>
public sealed class FeedStatistics
{
    private static readonly DataRejectReason[] Reasons = Enum.GetValues<DataRejectReason>();
    private readonly long[] _rejected = new long[Reasons.Max(r => (int)r) + 1];
    private long _read;
    private long _accepted;

    public long Read => Interlocked.Read(ref _read);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _rejected.Length; i++) sum += Interlocked.Read(ref _rejected[i]);
            return sum;
        }
    }

    public void RecordRead() => Interlocked.Increment(ref _read);

    public void RecordAccepted() => Interlocked.Increment(ref _accepted);

    public void RecordRejected(DataRejectReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    /// <summary>The counters now. Each is exact; while the feed runs they are read one after another,
    /// not atomically together.</summary>
    public FeedStatisticsSnapshot Snapshot()
    {
        var byReason = new Dictionary<DataRejectReason, long>();
        long rejected = 0;
        // Enum order, non-zero reasons only: a stable, short summary.
        foreach (var reason in Reasons)
        {
            var n = Interlocked.Read(ref _rejected[(int)reason]);
            if (n == 0) continue;
            byReason[reason] = n;
            rejected += n;
        }
        return new FeedStatisticsSnapshot(Read, Accepted, rejected, new ReadOnlyDictionary<DataRejectReason, long>(byReason));
    }
}

/// <summary>Counters of a feed at one moment; <see cref="RejectedByReason"/> lists non-zero reasons in enum order.</summary>
public sealed record FeedStatisticsSnapshot(
    long Read, long Accepted, long Rejected, IReadOnlyDictionary<DataRejectReason, long> RejectedByReason);

/// <summary>
/// Logs the first rejection of each reason with its detail and only counts the rest (design rule 5:
/// logged once per kind). Thread-safe; pass <see cref="OnRejected"/> as the feed's callback.
/// </summary>
public sealed class FirstRejectionPerReason
{
    private readonly Action<DataRejection> _log;
    private readonly HashSet<DataRejectReason> _seen = new();

    public FirstRejectionPerReason(Action<DataRejection> log) => _log = log ?? throw new ArgumentNullException(nameof(log));

    public void OnRejected(DataRejection rejection)
    {
        lock (_seen)
        {
            if (!_seen.Add(rejection.Reason)) return;
        }
        _log(rejection);
    }
}

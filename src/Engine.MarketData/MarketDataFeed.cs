using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Domain.MarketData;

namespace Engine.MarketData;

/// <summary>
/// Merges sources into one time-ordered, validated, sequenced feed. Order: event time, then source
/// index, then order within the source; so the same inputs always give the same sequence, and a
/// source that goes back in time is not re-sorted but caught by the validator as out of order.
/// The merge is lazy: it holds one pending event per source and pulls the next item from a source
/// only when that source's pending event has been released, so backpressure reaches the readers.
/// </summary>
public static class MarketDataFeed
{
    private const string BlockingIoDispatcher = "akka.stream.default-blocking-io-dispatcher";

    /// <summary>
    /// The feed as an Akka.Streams source of chunks: reading, parsing and merging run behind an
    /// async boundary on the stream's blocking-IO dispatcher and cross it a chunk at a time, so the
    /// cost of the boundary is paid per chunk, not per event (recorded data is all there to read, so
    /// a chunk never waits for data). Downstream, backpressure still reaches the readers: at most a
    /// few chunks are read ahead. The validator and statistics are stateful and shared: materialize
    /// the returned source once.
    /// </summary>
    public static Source<IReadOnlyList<SequencedEvent>, NotUsed> Create(
        IReadOnlyList<IFeedSource> sources, MarketDataValidator validator, FeedStatistics stats, Action<DataRejection> onRejected,
        int chunkSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        var merged = Merge(sources, validator, stats, onRejected);
        return Source.From(Chunks(merged, chunkSize))
            .WithAttributes(ActorAttributes.CreateDispatcher(BlockingIoDispatcher))
            .Async()
            .WithAttributes(Attributes.CreateInputBuffer(1, 2))
            .Named("market-data-feed");
    }

    private static IEnumerable<IReadOnlyList<SequencedEvent>> Chunks(IEnumerable<SequencedEvent> events, int size)
    {
        var chunk = new List<SequencedEvent>(size);
        foreach (var e in events)
        {
            chunk.Add(e);
            if (chunk.Count < size) continue;
            yield return chunk;
            chunk = new List<SequencedEvent>(size);
        }
        if (chunk.Count > 0) yield return chunk;
    }

    /// <summary>
    /// The merged feed as a plain enumerable (what <see cref="Create"/> streams, in chunks). Parser and validator
    /// rejections are counted in <paramref name="stats"/> and passed to <paramref name="onRejected"/>
    /// (every one of them: wrap the callback in <see cref="FirstRejectionPerReason"/> to log once per kind).
    /// Each enumeration starts the sources again; with the same (fresh) validator it yields the same events.
    /// </summary>
    public static IEnumerable<SequencedEvent> Merge(
        IReadOnlyList<IFeedSource> sources, MarketDataValidator validator, FeedStatistics stats, Action<DataRejection> onRejected)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(onRejected);
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is null) throw new ArgumentException($"source {i} is null", nameof(sources));
        }
        return MergeIterator(sources, validator, stats, onRejected);
    }

    private static IEnumerable<SequencedEvent> MergeIterator(
        IReadOnlyList<IFeedSource> sources, MarketDataValidator validator, FeedStatistics stats, Action<DataRejection> onRejected)
    {
        var cursors = new Cursor[sources.Count];
        // Each source has at most one pending event, so (time, source index) is a total order.
        var heap = new PriorityQueue<int, (long Ticks, int Source)>(sources.Count);
        try
        {
            for (var i = 0; i < sources.Count; i++)
            {
                cursors[i] = new Cursor(sources[i]);
                Advance(i);
            }
            long sequence = 0;
            while (heap.TryDequeue(out var i, out _))
            {
                var cursor = cursors[i];
                var e = cursor.Pending!;
                if (validator.Validate(e) is { } bad)
                {
                    stats.RecordRejected(bad.Reason);
                    onRejected(new DataRejection(cursor.Where, cursor.Line, bad.Reason, bad.Detail));
                }
                else
                {
                    stats.RecordAccepted();
                    yield return new SequencedEvent(++sequence, e);
                }
                Advance(i);
            }
        }
        finally
        {
            foreach (var cursor in cursors) cursor?.Dispose();
        }

        // Pulls source i up to its next event, reporting the parser rejections on the way.
        void Advance(int i)
        {
            var cursor = cursors[i];
            while (cursor.MoveNext())
            {
                stats.RecordRead();
                var item = cursor.Current;
                if (item.Rejection is { } rejection)
                {
                    stats.RecordRejected(rejection.Reason);
                    onRejected(rejection);
                    continue;
                }
                if (item.Event is not { } e)
                {
                    // An empty item is a source bug; count it rather than lose it silently.
                    stats.RecordRejected(DataRejectReason.Malformed);
                    onRejected(new DataRejection(cursor.Where, cursor.Line, DataRejectReason.Malformed, "source yielded an item with neither event nor rejection"));
                    continue;
                }
                cursor.Pending = e;
                heap.Enqueue(i, (e.Time.Ticks, i));
                return;
            }
            cursor.Pending = null;
        }
    }

    /// <summary>One source being read: its position (file and line when the source can tell, else
    /// its name and item number) and its pending event.</summary>
    private sealed class Cursor : IDisposable
    {
        private readonly string _name;
        private readonly IEnumerator<LocatedFeedItem>? _located;
        private readonly IEnumerator<FeedItem>? _plain;
        private long _count;

        public Cursor(IFeedSource source)
        {
            _name = source.Name;
            if (source is ILocatedFeedSource located) _located = located.ReadLocated().GetEnumerator();
            else _plain = source.Read().GetEnumerator();
        }

        public FeedItem Current { get; private set; }

        public string Where { get; private set; } = "";

        public long Line { get; private set; }

        public MarketEvent? Pending { get; set; }

        public bool MoveNext()
        {
            if (_located is not null)
            {
                if (!_located.MoveNext()) return false;
                var x = _located.Current;
                (Current, Where, Line) = (x.Item, x.Source, x.Line);
                return true;
            }
            if (!_plain!.MoveNext()) return false;
            Current = _plain.Current;
            Where = _name;
            Line = ++_count;
            return true;
        }

        public void Dispose()
        {
            _located?.Dispose();
            _plain?.Dispose();
        }
    }
}

using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Engine.Domain.MarketData;

namespace Engine.MarketData.Tests;

/// <summary>The feed as an Akka.Streams source.</summary>
public sealed class StreamTests : TestKit
{
    private static readonly DateTime T0 = new(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task The_source_yields_sequences_one_to_n_and_the_statistics_add_up()
    {
        var settings = new SyntheticFeedSettings(new[] { "AAA", "BBB" }, 7, new DateOnly(2024, 3, 4), 1, TimeSpan.FromMinutes(1), 0.4, 2m, 100m);
        var bad = new ListSource("bad", new[]
        {
            FeedItem.Reject("bad", 1, DataRejectReason.Malformed, "x"),
            FeedItem.Of(new TradeTick("AAA", T0, 0m, 1m)),
        });
        var sources = SyntheticFeedSource.Create(settings).Append(bad).ToList();
        var stats = new FeedStatistics();
        var rejected = new List<DataRejection>();

        var chunks = await MarketDataFeed.Create(sources, new MarketDataValidator(), stats, rejected.Add, chunkSize: 100)
            .RunWith(Sink.Seq<IReadOnlyList<SequencedEvent>>(), Sys.Materializer());
        var events = chunks.SelectMany(c => c).ToList();

        // Full chunks except the last: the async boundary is crossed per chunk.
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(100, c.Count));
        Assert.Equal(2 * 2 * 390, events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var snap = stats.Snapshot();
        Assert.Equal(snap.Read, snap.Accepted + snap.Rejected);
        Assert.Equal(events.Count, snap.Accepted);
        Assert.Equal(2, snap.Rejected);
        Assert.Equal(2, rejected.Count);
    }

    [Fact]
    public async Task Backpressure_reaches_the_reader_a_slow_consumer_leaves_the_source_unread()
    {
        var source = new ListSource("big", Enumerable.Range(0, 100_000)
            .Select(i => FeedItem.Of(new TradeTick("AAA", T0.AddMilliseconds(i), 10m, 1m))).ToList());

        // A consumer that takes one chunk of 10 leaves the source unread beyond the stream's few chunk buffers.
        const int limit = 200;
        var overRead = source.PulledPast(limit);

        var queue = MarketDataFeed.Create(new[] { source }, new MarketDataValidator(), new FeedStatistics(), _ => { }, chunkSize: 10)
            .RunWith(Sink.Queue<IReadOnlyList<SequencedEvent>>(), Sys.Materializer());
        var first = await queue.PullAsync();
        Assert.Equal(1, first.Value[0].Sequence);

        // Backpressure is an absence, and nothing signals that a stream has stopped reading; so watch
        // for the over-read itself for a while, failing the moment it happens.
        var watched = await Task.WhenAny(overRead, Task.Delay(TimeSpan.FromMilliseconds(300)));
        Assert.False(watched == overRead, $"a consumer that took one chunk left {source.Pulled} items pulled from the source");
        // Only the stream's small buffers were filled; the rest waits in the file, not in memory.
        Assert.InRange(source.Pulled, 1, limit);
    }
}

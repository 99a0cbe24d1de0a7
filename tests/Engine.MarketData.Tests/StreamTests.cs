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

        var events = await MarketDataFeed.Create(sources, new MarketDataValidator(), stats, rejected.Add)
            .RunWith(Sink.Seq<SequencedEvent>(), Sys.Materializer());

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

        var queue = MarketDataFeed.Create(new[] { source }, new MarketDataValidator(), new FeedStatistics(), _ => { })
            .RunWith(Sink.Queue<SequencedEvent>(), Sys.Materializer());
        var first = await queue.PullAsync();
        await Task.Delay(300);

        Assert.Equal(1, first.Value.Sequence);
        // Only the stream's small buffers were filled; the rest waits in the file, not in memory.
        Assert.InRange(source.Pulled, 1, 200);
    }
}

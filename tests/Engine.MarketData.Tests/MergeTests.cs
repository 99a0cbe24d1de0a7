using Engine.Domain.MarketData;

namespace Engine.MarketData.Tests;

/// <summary>The pure k-way merge, without an ActorSystem.</summary>
public sealed class MergeTests
{
    private static readonly DateTime T0 = new(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc);

    private static FeedItem Trade(string symbol, int seconds, decimal price = 10m) =>
        FeedItem.Of(new TradeTick(symbol, T0.AddSeconds(seconds), price, 1m));

    [Fact]
    public void Events_merge_by_time_then_source_index_then_order_within_the_source()
    {
        var a = new ListSource("a", new[] { Trade("A", 0, 1m), Trade("A", 1, 2m), Trade("A", 1, 3m), Trade("A", 5) });
        var b = new ListSource("b", new[] { Trade("B", 1, 4m), Trade("B", 2), Trade("B", 3) });

        var run = FeedRun.Of(b, a);

        Assert.Equal(new[] { "A0", "B1", "A1", "A1", "B2", "B3", "A5" },
            run.Events.Select(e => $"{e.Event.Symbol}{(e.Event.Time - T0).TotalSeconds}"));
        Assert.Equal(new[] { 2m, 3m }, run.Events.Where(e => e.Event.Symbol == "A" && e.Event.Time == T0.AddSeconds(1))
            .Select(e => ((TradeTick)e.Event).Price));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6, 7 }, run.Events.Select(e => e.Sequence));
    }

    [Fact]
    public void A_source_going_back_in_time_is_not_resorted_but_refused_with_its_name_and_item_number()
    {
        var a = new ListSource("a", new[] { Trade("A", 5), Trade("A", 1), Trade("A", 6) });

        var run = FeedRun.Of(a);

        Assert.Equal(new[] { 5.0, 6.0 }, run.Events.Select(e => (e.Event.Time - T0).TotalSeconds));
        var r = Assert.Single(run.Rejections);
        Assert.Equal(("a", 2L, DataRejectReason.OutOfOrder), (r.Source, r.Line, r.Reason));
    }

    [Fact]
    public void Parser_rejections_are_counted_and_reported_and_statistics_add_up()
    {
        var a = new ListSource("a", new[]
        {
            FeedItem.Reject("a.csv", 1, DataRejectReason.Malformed, "x"), Trade("A", 0),
            FeedItem.Reject("a.csv", 3, DataRejectReason.Suspicious, "y"), Trade("A", 1, -1m),
        });

        var run = FeedRun.Of(a, new ListSource("empty", Array.Empty<FeedItem>()));

        Assert.Single(run.Events);
        Assert.Equal(new[] { DataRejectReason.Malformed, DataRejectReason.Suspicious, DataRejectReason.NonPositivePrice },
            run.Rejections.Select(r => r.Reason));
        var snap = run.Stats.Snapshot();
        Assert.Equal((4L, 1L, 3L), (snap.Read, snap.Accepted, snap.Rejected));
        Assert.Equal(new[] { DataRejectReason.Malformed, DataRejectReason.NonPositivePrice, DataRejectReason.Suspicious },
            snap.RejectedByReason.Keys);
    }

    [Fact]
    public void The_merge_is_lazy_pulling_one_item_ahead_per_source()
    {
        var a = new ListSource("a", Enumerable.Range(0, 10_000).Select(i => Trade("A", i)).ToList());
        var b = new ListSource("b", Enumerable.Range(0, 10_000).Select(i => Trade("B", i)).ToList());

        var merged = MarketDataFeed.Merge(new[] { a, b }, new MarketDataValidator(), new FeedStatistics(), _ => { });
        Assert.Equal(0, a.Pulled + b.Pulled);
        var firstFour = merged.Take(4).ToList();

        Assert.Equal(4, firstFour.Count);
        Assert.InRange(a.Pulled, 2, 3);
        Assert.InRange(b.Pulled, 2, 3);
    }

    [Fact]
    public void No_sources_is_an_empty_feed()
    {
        Assert.Empty(FeedRun.Of().Events);
    }

    [Fact]
    public void First_rejection_per_reason_logs_once_per_kind()
    {
        var logged = new List<DataRejection>();
        var filter = new FirstRejectionPerReason(logged.Add);
        var a = new ListSource("a", Enumerable.Range(0, 5).Select(i => Trade("A", i, 0m))
            .Append(FeedItem.Reject("a", 9, DataRejectReason.Malformed, "m")).ToList());

        var stats = new FeedStatistics();
        _ = MarketDataFeed.Merge(new[] { a }, new MarketDataValidator(), stats, filter.OnRejected).ToList();

        Assert.Equal(new[] { DataRejectReason.NonPositivePrice, DataRejectReason.Malformed }, logged.Select(r => r.Reason));
        Assert.Equal(6, stats.Rejected);
    }
}

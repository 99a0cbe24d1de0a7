using Engine.Domain.MarketData;
using Engine.TestSupport;

namespace Engine.MarketData.Tests;

/// <summary>The LEAN parser on the real sample files, read in place.</summary>
public sealed class LeanRealDataTests
{
    private static readonly DateTime Oct7Utc = new(2013, 10, 7, 0, 0, 0, DateTimeKind.Utc);

    private static List<FeedItem> ReadAll(params string[] parts) => new LeanFileSource(LeanData.PathOf(parts)).Read().ToList();

    [LeanDataFact]
    public void Spy_minute_trades_become_bars_stamped_at_their_end_in_utc()
    {
        var items = ReadAll("equity", "usa", "minute", "spy", "20131007_trade.zip");

        Assert.Equal(828, items.Count);
        Assert.All(items, i => Assert.Null(i.Rejection));
        // 14400000,1674100,1674100,1672500,1672700,3197: 04:00 EDT = 08:00 UTC, ends 08:01.
        var first = Assert.IsType<TradeBar>(items[0].Event);
        Assert.Equal(new TradeBar("SPY", Oct7Utc.AddHours(8).AddMinutes(1), TimeSpan.FromMinutes(1),
            167.41m, 167.41m, 167.25m, 167.27m, 3197m), first);
        Assert.Equal(DateTimeKind.Utc, first.Time.Kind);
        Assert.Equal(Oct7Utc.AddHours(8), first.Start);
        // Last line 71940000 = 19:59 EDT, ends 20:00 EDT = 00:00 UTC the next day.
        var last = Assert.IsType<TradeBar>(items[^1].Event);
        Assert.Equal(Oct7Utc.AddDays(1), last.Time);
        Assert.Equal(167.30m, last.Close);
        Assert.Equal(800m, last.Volume);
    }

    [LeanDataFact]
    public void Spy_minute_quotes_become_quotes_at_bar_end_with_the_closing_bid_and_ask()
    {
        var items = ReadAll("equity", "usa", "minute", "spy", "20131007_quote.zip");

        Assert.Equal(908, items.Count);
        // 14400000,1672700,1672700,1671500,1672500,300,1680000,1680000,1672600,1672700,20000
        Assert.Equal(new QuoteTick("SPY", Oct7Utc.AddHours(8).AddMinutes(1), 167.25m, 300m, 167.27m, 20000m), items[0].Event);
    }

    [LeanDataFact]
    public void Spy_second_trades_are_one_second_bars()
    {
        var items = ReadAll("equity", "usa", "second", "spy", "20131007_trade.zip");

        Assert.Equal(16675, items.Count);
        var first = Assert.IsType<TradeBar>(items[0].Event);
        Assert.Equal(TimeSpan.FromSeconds(1), first.Period);
        Assert.Equal(Oct7Utc.AddHours(8).AddSeconds(1), first.Time);
        Assert.Equal(167.41m, first.Open);
        Assert.Equal(2049m, first.Volume);
        // 14402000,1672600,...,148
        Assert.Equal(new TradeBar("SPY", Oct7Utc.AddHours(8).AddSeconds(3), TimeSpan.FromSeconds(1), 167.26m, 167.26m, 167.26m, 167.26m, 148m),
            items[1].Event);
    }

    [LeanDataFact]
    public void Spy_tick_trades_keep_millisecond_times_and_all_pass_the_validator()
    {
        var run = FeedRun.Of(new LeanFileSource(LeanData.PathOf("equity", "usa", "tick", "spy", "20131007_trade.zip")));

        Assert.Equal(250_601, run.Stats.Read);
        Assert.Equal(250_601, run.Events.Count);
        Assert.Empty(run.Rejections);
        // 14400464,1674100,100,P,20002000,0
        Assert.Equal(new TradeTick("SPY", Oct7Utc.AddHours(8).AddMilliseconds(464), 167.41m, 100m), run.Events[0].Event);
        // 71999536,1673000,100,K,2000,0
        Assert.Equal(new TradeTick("SPY", Oct7Utc.AddHours(23).AddMilliseconds(3_599_536), 167.30m, 100m), run.Events[^1].Event);
    }

    [LeanDataFact]
    public void Ibm_tick_quotes_update_one_side_at_a_time_and_keep_the_other_sides_last_quote()
    {
        var path = LeanData.PathOf("equity", "usa", "tick", "ibm", "20131007_quote.zip");
        var source = new LeanFileSource(path);
        // 14400054,0,0,1836300,100,Q,1,0: an ask-only update, before any bid: one-sided.
        Assert.Equal(new QuoteTick("IBM", Oct7Utc.AddHours(8).AddMilliseconds(54), 0m, 0m, 183.63m, 100m), source.Read().First().Event);

        var run = FeedRun.Of(source);

        // 14400241,1800100,300,0,0,P,1,0 then 14400241,0,0,1818000,3000,P,1,0: each with the other side's last quote.
        Assert.Equal(new QuoteTick("IBM", Oct7Utc.AddHours(8).AddMilliseconds(241), 180.01m, 300m, 183.63m, 100m), run.Events[0].Event);
        Assert.Equal(new QuoteTick("IBM", Oct7Utc.AddHours(8).AddMilliseconds(241), 180.01m, 300m, 181.80m, 3000m), run.Events[1].Event);
        var snap = run.Stats.Snapshot();
        Assert.Equal(109_067, snap.Read);
        Assert.Equal(1, snap.RejectedByReason[DataRejectReason.OneSidedQuote]);
        Assert.Equal(1, snap.RejectedByReason[DataRejectReason.Suspicious]);
        Assert.True(snap.Accepted > 100_000, $"{snap.Accepted} accepted");
        var suspicious = Assert.Single(run.Rejections, r => r.Reason == DataRejectReason.Suspicious);
        Assert.Equal(path, suspicious.Source);
        Assert.Equal(109_067, suspicious.Line);
        Assert.Equal(snap.Read, snap.Accepted + snap.Rejected);
    }

    [LeanDataFact]
    public void Daily_bars_end_at_the_new_york_close_on_each_side_of_a_dst_change()
    {
        var bars = ReadAll("equity", "usa", "daily", "spy.zip").Select(i => Assert.IsType<TradeBar>(i.Event)).ToList();

        Assert.Equal(5849, bars.Count);
        Assert.All(bars, b => Assert.Equal(TimeSpan.FromDays(1), b.Period));
        // 19980102 00:00,973100,975300,965300,973600,2150000 (EST: 16:00 = 21:00 UTC)
        Assert.Equal(new TradeBar("SPY", new DateTime(1998, 1, 2, 21, 0, 0, DateTimeKind.Utc), TimeSpan.FromDays(1),
            97.31m, 97.53m, 96.53m, 97.36m, 2_150_000m), bars[0]);
        // Friday 2013-11-01 is EDT (UTC-4), Monday 2013-11-04 is EST (UTC-5).
        var nov1 = bars.Single(b => b.Time.Date == new DateTime(2013, 11, 1));
        var nov4 = bars.Single(b => b.Time.Date == new DateTime(2013, 11, 4));
        Assert.Equal(new DateTime(2013, 11, 1, 20, 0, 0, DateTimeKind.Utc), nov1.Time);
        Assert.Equal(176.14m, nov1.Close);
        Assert.Equal(new DateTime(2013, 11, 4, 21, 0, 0, DateTimeKind.Utc), nov4.Time);
        Assert.Equal(176.86m, nov4.Close);
    }

    [LeanDataFact]
    public void Hour_bars_end_an_hour_after_their_start()
    {
        var bars = ReadAll("equity", "usa", "hour", "spy.zip").Select(i => Assert.IsType<TradeBar>(i.Event)).ToList();

        Assert.Equal(40_832, bars.Count);
        // 20131101 09:00 (EDT) ends 10:00 EDT = 14:00 UTC; 20131104 09:00 (EST) ends 15:00 UTC.
        Assert.Contains(bars, b => b.Time == new DateTime(2013, 11, 1, 14, 0, 0, DateTimeKind.Utc) && b.Open == 176.05m && b.Close == 176.25m);
        Assert.Contains(bars, b => b.Time == new DateTime(2013, 11, 4, 15, 0, 0, DateTimeKind.Utc) && b.Open == 176.71m && b.Close == 176.45m);
        Assert.All(bars, b => Assert.Equal(TimeSpan.FromHours(1), b.Period));
    }

    [LeanDataFact]
    public void Merged_minute_feed_over_two_symbols_is_time_ordered_and_deterministic()
    {
        IReadOnlyList<IFeedSource> Sources() => new IFeedSource[]
        {
            new LeanFileSource(LeanData.PathOf("equity", "usa", "minute", "spy", "20131007_trade.zip")),
            new LeanFileSource(LeanData.PathOf("equity", "usa", "minute", "ibm", "20131007_trade.zip")),
        };

        var a = new FeedRun(Sources());
        var b = new FeedRun(Sources());

        Assert.Equal(828 + 453, a.Events.Count);
        Assert.Empty(a.Rejections);
        Assert.Equal(Enumerable.Range(1, a.Events.Count).Select(i => (long)i), a.Events.Select(e => e.Sequence));
        for (var i = 1; i < a.Events.Count; i++)
        {
            var (prev, cur) = (a.Events[i - 1].Event, a.Events[i].Event);
            Assert.True(prev.Time <= cur.Time, $"event {i} goes back in time");
            // Ties go to the lower source index: SPY before IBM in the same minute.
            if (prev.Time == cur.Time) Assert.True(prev.Symbol == "SPY" || cur.Symbol == "IBM");
        }
        Assert.Equal(new[] { "IBM", "SPY" }, a.Events.Select(e => e.Event.Symbol).Distinct().Order());
        Assert.Equal(a.Events, b.Events);
    }
}

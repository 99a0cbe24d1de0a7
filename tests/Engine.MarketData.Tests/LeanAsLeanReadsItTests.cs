using Engine.Domain.MarketData;
using Engine.TestSupport;

namespace Engine.MarketData.Tests;

/// <summary>LEAN data read as LEAN reads it (issue 12, item 1), on the real sample files: one
/// resolution per symbol, quotes never bars beside trades, tick quotes merged, factor files,
/// regular hours, dates.</summary>
public sealed class LeanAsLeanReadsItTests
{
    private static readonly TimeSpan Open = new(9, 30, 0);
    private static readonly TimeSpan Close = new(16, 0, 0);

    private static DateTime NewYork(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(utc, EasternTime.Zone);

    private static string Lean(params string[] parts) => LeanData.PathOf(parts);

    [LeanDataFact]
    public void Spy_minute_gives_one_series_of_trade_bars_and_quotes_that_never_become_bars()
    {
        var run = new FeedRun(FeedDetector.FromPath(Lean("equity", "usa", "minute", "spy")));

        // 7 days x 390 regular-session minutes, of trades and of quotes.
        var bars = run.Events.Select(e => e.Event).OfType<TradeBar>().ToList();
        Assert.Equal(7 * 390, bars.Count);
        Assert.Equal(7 * 390, run.Events.Count(e => e.Event is QuoteTick));
        Assert.Empty(run.Rejections);
        Assert.All(bars, b => Assert.Equal(TimeSpan.FromMinutes(1), b.Period));
        // What a symbol's bar builder makes of the merged series: exactly the trade bars, none from quote mids.
        var builder = new BarBuilder("SPY", TimeSpan.FromMinutes(1));
        var built = run.Events.Select(e => builder.On(e.Event)).OfType<TradeBar>().ToList();
        Assert.Equal(bars, built);
    }

    [LeanDataFact]
    public void A_folder_with_several_resolutions_reads_each_symbol_at_one_and_lists_the_rest()
    {
        var detected = FeedDetector.Detect(Lean("equity", "usa"));

        var series = detected.Series!.ToDictionary(s => s.Symbol);
        // Minute where there is minute data (LEAN's default resolution), else the finest there is.
        Assert.Equal(LeanResolution.Minute, series["SPY"].Resolution);
        Assert.Equal(new[] { LeanResolution.Tick, LeanResolution.Second, LeanResolution.Hour, LeanResolution.Daily }, series["SPY"].AlsoPresent);
        Assert.Equal(LeanResolution.Daily, series["QQQ"].Resolution);
        Assert.All(detected.Sources.Cast<LeanFileSource>().GroupBy(s => s.Files[0].Series),
            g => Assert.Single(g.SelectMany(s => s.Files).Select(f => f.Resolution).Distinct()));
        Assert.Contains(detected.Skipped.Snapshot(), f => f.Reason == SkipReason.OtherResolution && f.Path == Lean("equity", "usa", "daily", "spy.zip"));
        Assert.Contains(detected.Describe(LeanReadOptions.Default), l => l.StartsWith("SPY: minute trades and quotes (bars from trades; quotes for fills only)"));

        var daily = FeedDetector.Detect(Lean("equity", "usa"), new LeanReadOptions(Resolution: LeanResolution.Daily));
        Assert.Equal(8, daily.Sources.Count);
        Assert.All(daily.Sources.Cast<LeanFileSource>(), s => Assert.Equal(LeanResolution.Daily, Assert.Single(s.Files).Resolution));
    }

    [LeanDataFact]
    public void A_resolution_the_data_does_not_hold_is_refused_naming_what_it_holds()
    {
        var ex = Assert.Throws<FeedFormatException>(() =>
            FeedDetector.Detect(Lean("equity", "usa", "minute", "spy"), new LeanReadOptions(Resolution: LeanResolution.Daily)));

        Assert.Contains("none at the resolution and dates asked for (daily", ex.Message);
        Assert.Contains("SPY minute 2013-10-04..2023-08-03", ex.Message);
    }

    [LeanDataFact]
    public void Ibm_tick_quotes_are_all_accepted_once_each_side_keeps_its_last_quote()
    {
        var run = new FeedRun(FeedDetector.FromPath(Lean("equity", "usa", "tick", "ibm")));
        var snap = run.Stats.Snapshot();

        var quotes = run.Events.Select(e => e.Event).OfType<QuoteTick>().ToList();
        Assert.True(quotes.Count > 100_000, $"{quotes.Count} quotes");
        Assert.All(quotes, q => Assert.True(q.Bid > 0m && q.Ask > 0m && q.Bid <= q.Ask, $"{q}"));
        // Pre-market quotes set the sides, so the session's first quote is two-sided; nothing is one-sided.
        Assert.False(snap.RejectedByReason.ContainsKey(DataRejectReason.OneSidedQuote));
        Assert.Equal(snap.Read, snap.Accepted + snap.Rejected);
        // What is refused is what the vendor flagged, or a merged quote crossed by one side's stale quote (rare).
        Assert.All(run.Rejections, r => Assert.Contains(r.Reason, new[] { DataRejectReason.Suspicious, DataRejectReason.CrossedQuote }));
        Assert.True(snap.RejectedByReason.GetValueOrDefault(DataRejectReason.CrossedQuote) * 100 < quotes.Count,
            $"{snap.RejectedByReason.GetValueOrDefault(DataRejectReason.CrossedQuote)} crossed of {quotes.Count}");
    }

    [LeanDataFact]
    public void Extended_hours_are_left_out_by_default_and_read_when_asked()
    {
        var path = Lean("equity", "usa", "minute", "spy", "20131007_trade.zip");

        var regular = new FeedRun(FeedDetector.FromPath(path)).Events.Select(e => (TradeBar)e.Event).ToList();
        var extended = new FeedRun(FeedDetector.FromPath(path, new LeanReadOptions(ExtendedHours: true))).Events.Select(e => (TradeBar)e.Event).ToList();

        Assert.Equal(390, regular.Count);
        Assert.All(regular, b => Assert.True(NewYork(b.Start).TimeOfDay >= Open && NewYork(b.Time).TimeOfDay <= Close, $"{b}"));
        Assert.Equal(828, extended.Count);
        Assert.Contains(extended, b => NewYork(b.Start).TimeOfDay < Open);
        Assert.Contains(extended, b => NewYork(b.Time).TimeOfDay > Close);
    }

    [LeanDataFact]
    public void From_and_to_pick_market_dates_inclusive()
    {
        var options = new LeanReadOptions(From: new DateOnly(2013, 10, 8), To: new DateOnly(2013, 10, 9));

        var minute = FeedDetector.Detect(Lean("equity", "usa", "minute", "spy"), options);
        var days = new FeedRun(minute.Sources).Events.Select(e => DateOnly.FromDateTime(NewYork(e.Event.Time))).Distinct().ToList();
        Assert.Equal(new[] { new DateOnly(2013, 10, 8), new DateOnly(2013, 10, 9) }, days);
        Assert.Equal(10, minute.Skipped.Snapshot().Count(f => f.Reason == SkipReason.OutsideDates));

        var daily = new FeedRun(FeedDetector.FromPath(Lean("equity", "usa", "daily", "spy.zip"),
            new LeanReadOptions(From: new DateOnly(2013, 10, 1), To: new DateOnly(2013, 10, 31))));
        Assert.Equal(23, daily.Events.Count);
        Assert.Equal(new DateTime(2013, 10, 1, 20, 0, 0, DateTimeKind.Utc), daily.Events[0].Event.Time);
        Assert.Equal(new DateTime(2013, 10, 31, 20, 0, 0, DateTimeKind.Utc), daily.Events[^1].Event.Time);
    }

    [Fact]
    public void From_after_to_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            FeedDetector.Detect(".", new LeanReadOptions(From: new DateOnly(2013, 10, 9), To: new DateOnly(2013, 10, 8))));
        Assert.Contains("from 2013-10-09 is after to 2013-10-08", ex.Message);
    }

    [LeanDataFact]
    public void Aapl_across_its_seven_for_one_split_is_continuous_adjusted_and_jumps_raw()
    {
        static (TradeBar Before, TradeBar After) AroundSplit(LeanReadOptions options)
        {
            var bars = new FeedRun(FeedDetector.FromPath(Lean("equity", "usa", "minute", "aapl"), options)).Events
                .Select(e => e.Event).OfType<TradeBar>().ToList();
            var splitDay = new DateOnly(2014, 6, 9);
            return (bars.Last(b => DateOnly.FromDateTime(NewYork(b.Time)) < splitDay), bars.First(b => DateOnly.FromDateTime(NewYork(b.Time)) == splitDay));
        }

        var (rawBefore, rawAfter) = AroundSplit(LeanReadOptions.Default with { Adjustment = PriceAdjustment.Raw });
        var (before, after) = AroundSplit(LeanReadOptions.Default);

        var rawJump = rawBefore.Close / rawAfter.Open;
        Assert.InRange(rawJump, 6.8m, 7.2m);
        Assert.InRange(before.Close / after.Open, 0.97m, 1.03m);
        // factor_files/aapl.csv: 2014-06-06 is in the 20140606 row (0.9011818 x 0.0357143), 2014-06-09 in the 20140806 row (0.9011818 x 0.25).
        Assert.Equal(rawBefore.Close * 0.9011818m * 0.0357143m, before.Close);
        Assert.Equal(rawAfter.Open * 0.9011818m * 0.25m, after.Open);
        Assert.Equal(Math.Round(rawBefore.Volume / 0.0357143m), before.Volume);
        Assert.Equal(Math.Round(rawAfter.Volume / 0.25m), after.Volume);

        var daily = new FeedRun(FeedDetector.FromPath(Lean("equity", "usa", "daily", "aapl.zip"),
            new LeanReadOptions(From: new DateOnly(2014, 6, 6), To: new DateOnly(2014, 6, 9)))).Events.Select(e => (TradeBar)e.Event).ToList();
        Assert.Equal(2, daily.Count);
        Assert.InRange(daily[0].Close / daily[1].Open, 0.97m, 1.03m);
    }

    [Fact]
    public void A_factor_file_gives_a_date_the_factors_of_the_first_row_on_or_after_it()
    {
        var factors = LeanFactorFile.Parse(new[] { "20100104,0.9,0.5,10", "20120105,0.95,1,20", "", "20501231,1,1,0" }, "t.csv");

        Assert.Equal(new LeanFactorRow(new DateOnly(2010, 1, 4), 0.9m, 0.5m), factors.On(new DateOnly(2005, 1, 1)));
        Assert.Equal(new LeanFactorRow(new DateOnly(2010, 1, 4), 0.9m, 0.5m), factors.On(new DateOnly(2010, 1, 4)));
        Assert.Equal(new LeanFactorRow(new DateOnly(2012, 1, 5), 0.95m, 1m), factors.On(new DateOnly(2010, 1, 5)));
        Assert.Equal(1m, factors.On(new DateOnly(2013, 1, 1)).PriceFactor);
        Assert.Equal(1m, factors.On(new DateOnly(2060, 1, 1)).SplitFactor);
        Assert.Contains("t.csv:2", Assert.Throws<FeedFormatException>(() => LeanFactorFile.Parse(new[] { "20100104,1,1", "2010-01-05,1,1" }, "t.csv")).Message);
        Assert.Throws<FeedFormatException>(() => LeanFactorFile.Parse(new[] { "20100104,0,1" }, "t.csv"));
    }

    [Fact]
    public void A_map_file_joins_a_renamed_tickers_day_files_into_the_series_of_its_name_today()
    {
        using var dir = new TempDir();
        // OLDCO was renamed NEWCO after 2013-10-07: its day files up to then are under oldco/.
        dir.Write("equity/usa/map_files/newco.csv", "20000101,oldco,Q\n20131007,oldco,Q\n20501231,newco,Q\n");
        dir.Write("equity/usa/map_files/other.csv", "20000101,other,Q\n20501231,other,Q\n");
        dir.Zip("equity/usa/minute/oldco/20131007_trade.zip", "34200000,1000000,1010000,990000,1005000,500");
        dir.Zip("equity/usa/minute/newco/20131008_trade.zip", "34200000,2000000,2010000,1990000,2005000,700");

        var map = LeanMapFile.Parse("newco", File.ReadLines(Path.Combine(dir.Root, "equity/usa/map_files/newco.csv")), "newco.csv");
        Assert.Equal("OLDCO", map.TickerOn(new DateOnly(2013, 10, 7)));
        Assert.Equal("NEWCO", map.TickerOn(new DateOnly(2013, 10, 8)));
        Assert.Null(map.TickerOn(new DateOnly(2051, 1, 1)));

        var detected = FeedDetector.Detect(dir.Root);
        var source = Assert.IsType<LeanFileSource>(Assert.Single(detected.Sources));
        Assert.Equal(new[] { "OLDCO", "NEWCO" }, source.Files.Select(f => f.Symbol));
        var run = new FeedRun(detected.Sources);
        Assert.Equal(new[] { "NEWCO", "NEWCO" }, run.Events.Select(e => e.Event.Symbol));
        Assert.Equal(new[] { 100.5m, 200.5m }, run.Events.Select(e => ((TradeBar)e.Event).Close));
    }
}

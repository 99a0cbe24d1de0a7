using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

/// <summary>The risk supervisor's book-keeping for one account: P&amp;L, day boundaries, drawdown, verdicts, stale data.</summary>
public sealed class AccountRiskTrackerTests
{
    private static readonly TradingHours Ny = UsMarket.Ny;
    private static readonly DateTime Open = UsMarket.Open;

    private static readonly AccountLimits Limits = AccountLimits.Default with
    {
        MaxDailyLoss = 1000m,
        MaxDrawdown = 500m,
        ReduceAtFraction = 0.8m,
        MaxGrossExposure = 50_000m,
        MaxNetExposure = 30_000m,
        StaleDataAfter = TimeSpan.FromMinutes(2),
    };

    private static SymbolRisk Report(string symbol, DateTime t, decimal realized, decimal unrealized, decimal gross = 1000m, bool exposed = true, decimal? net = null, DateTime? lastData = null) =>
        new(symbol, t, realized, unrealized, new Usage(gross, gross, 0m, 1), net ?? gross, lastData ?? t, exposed);

    private static DateTime Utc(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Utc);

    /// <summary>One time-slice boundary: the day is judged at its time, then its reports, then the high-water mark.</summary>
    private static AccountRiskView Boundary(AccountRiskTracker t, DateTime at, params SymbolRisk[] reports)
    {
        t.BeginBoundary(at);
        foreach (var r in reports) t.Update(r);
        t.EndBoundary();
        return t.View();
    }

    /// <summary>A boundary at the time of its only report.</summary>
    private static AccountRiskView At(AccountRiskTracker t, SymbolRisk report) => Boundary(t, report.Time, report);

    [Fact]
    public void Pnl_high_water_mark_and_drawdown_follow_the_reports()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        var v = Boundary(t, Open.AddMinutes(2), Report("A", Open.AddMinutes(1), 100m, 50m), Report("B", Open.AddMinutes(2), -20m, 70m));
        Assert.Equal((80m, 120m, 200m, 200m, 0m), (v.Realized, v.Unrealized, v.Pnl, v.HighWaterMark, v.Drawdown));
        v = At(t, Report("A", Open.AddMinutes(3), 100m, -250m));
        Assert.Equal((-100m, 200m, 300m, 100m), (v.Pnl, v.HighWaterMark, v.Drawdown, v.DailyLoss));
        Assert.Equal(TradingState.Active, t.Assess().State);
        Assert.Equal(Open.AddMinutes(3), t.LatestTime);
        Assert.Equal(2, t.Symbols.Count);
    }

    [Fact]
    public void The_high_water_mark_is_judged_on_the_whole_boundarys_pnl_not_on_part_of_its_reports()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        Boundary(t, Open, Report("A", Open, 0m, 0m), Report("B", Open, 0m, 0m));
        // A gains 700 while B loses 700 in the same slice: the account never stood at +700.
        var v = Boundary(t, Open.AddMinutes(1), Report("A", Open.AddMinutes(1), 700m, 0m), Report("B", Open.AddMinutes(1), -700m, 0m));
        Assert.Equal((0m, 0m, 0m), (v.Pnl, v.HighWaterMark, v.Drawdown));
        Assert.Equal(TradingState.Active, t.Assess().State);
        // Mid-boundary, before EndBoundary, the mark has not moved either.
        t.BeginBoundary(Open.AddMinutes(2));
        t.Update(Report("A", Open.AddMinutes(2), 900m, 0m));
        Assert.Equal(0m, t.View().HighWaterMark);
        t.Update(Report("B", Open.AddMinutes(2), -400m, 0m));
        t.EndBoundary();
        Assert.Equal((500m, 500m, 0m), (t.View().Pnl, t.View().HighWaterMark, t.View().Drawdown));
    }

    [Fact]
    public void The_pnl_is_the_sum_of_each_symbols_latest_report_not_of_every_report()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 10m, 5m));
        At(t, Report("A", Open.AddSeconds(1), 12m, 1m));
        var v = At(t, Report("B", Open.AddSeconds(2), -3m, 0m, gross: 2000m, net: -2000m));
        Assert.Equal((9m, 1m, 10m), (v.Realized, v.Unrealized, v.Pnl));
        Assert.Equal((3000m, -1000m, 2), (v.GrossExposure, v.NetExposure, v.OpenPositions));
        // A symbol that does not report at a boundary keeps its last report.
        v = Boundary(t, Open.AddSeconds(3));
        Assert.Equal((10m, 3000m, 2), (v.Pnl, v.GrossExposure, v.OpenPositions));
    }

    [Fact]
    public void Verdicts_reducing_at_the_fraction_halted_at_the_limit()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open.AddMinutes(1), 0m, 0m));
        At(t, Report("A", Open.AddMinutes(2), 0m, -399m));
        Assert.Equal(new RiskVerdict(TradingState.Active, null), t.Assess());
        At(t, Report("A", Open.AddMinutes(3), 0m, -400m)); // drawdown 400 = 80% of 500
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        Assert.Contains("drawdown", t.Assess().Reason);
        At(t, Report("A", Open.AddMinutes(4), 0m, -499.99m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        At(t, Report("A", Open.AddMinutes(5), 0m, -500m));
        var halted = t.Assess();
        Assert.Equal(TradingState.Halted, halted.State);
        Assert.Contains("drawdown", halted.Reason);
        // Recovering lifts the verdict: the supervisor decides what it does with that.
        At(t, Report("A", Open.AddMinutes(6), 0m, 0m));
        Assert.Equal(TradingState.Active, t.Assess().State);
    }

    [Fact]
    public void Daily_loss_verdicts_reducing_at_the_fraction_halted_at_the_limit()
    {
        var t = new AccountRiskTracker(Limits with { MaxDrawdown = 1_000_000m }, Ny);
        At(t, Report("A", Open, 0m, 0m));
        At(t, Report("A", Open.AddMinutes(1), -799.99m, 0m));
        Assert.Equal(TradingState.Active, t.Assess().State);
        At(t, Report("A", Open.AddMinutes(2), -800m, 0m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        Assert.Contains("daily loss", t.Assess().Reason);
        At(t, Report("A", Open.AddMinutes(3), -999.99m, 0m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        At(t, Report("A", Open.AddMinutes(4), -1000m, 0m));
        Assert.Equal(TradingState.Halted, t.Assess().State);
        Assert.Contains("daily loss", t.Assess().Reason);
    }

    [Fact]
    public void Drawdown_counts_from_the_intraday_high_water_mark_even_while_the_day_is_in_profit()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m));
        At(t, Report("A", Open.AddMinutes(1), 300m, 700m)); // high-water mark 1000
        var v = At(t, Report("A", Open.AddMinutes(2), 300m, 250m)); // P&L 550: up on the day, 450 off the top
        Assert.Equal((550m, 1000m, 450m, 0m), (v.Pnl, v.HighWaterMark, v.Drawdown, v.DailyLoss));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        At(t, Report("A", Open.AddMinutes(3), 300m, 200m));
        Assert.Equal(TradingState.Halted, t.Assess().State);
        Assert.Contains("drawdown", t.Assess().Reason);
    }

    [Fact]
    public void Daily_loss_counts_from_the_start_of_the_trading_day_and_a_new_day_starts_afresh()
    {
        var limits = Limits with { MaxDrawdown = 1_000_000m };
        var t = new AccountRiskTracker(limits, Ny);
        At(t, Report("A", Open, 0m, 0m));
        At(t, Report("A", Open.AddHours(1), -1000m, 0m));
        Assert.Equal(TradingState.Halted, t.Assess().State);
        Assert.Contains("daily loss", t.Assess().Reason);
        // Next day: the loss carried over is the new day's starting point.
        var v = At(t, Report("A", Open.AddDays(1), -1000m, 0m));
        Assert.Equal((-1000m, 0m), (v.DayStartPnl, v.DailyLoss));
        Assert.Equal(new DateOnly(2024, 3, 5), v.TradingDay);
        Assert.Equal(TradingState.Active, t.Assess().State);
    }

    [Fact]
    public void The_new_day_starts_from_the_pnl_carried_over_not_from_the_first_report_of_the_day()
    {
        var t = new AccountRiskTracker(Limits with { MaxDrawdown = 1_000_000m }, Ny);
        At(t, Report("A", Open, 0m, 0m));
        At(t, Report("A", Open.AddHours(6), -300m, 0m));
        // The first boundary of Tuesday brings a further loss of 850 (overnight gap): it counts against Tuesday.
        var v = At(t, Report("A", Open.AddDays(1), -1150m, 0m));
        Assert.Equal((new DateOnly(2024, 3, 5), -300m, -300m, 850m, 850m), (v.TradingDay, v.DayStartPnl, v.HighWaterMark, v.DailyLoss, v.Drawdown));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        // A gain at the first boundary of Wednesday raises the new high-water mark at once.
        v = At(t, Report("A", Open.AddDays(2), -1000m, 0m));
        Assert.Equal((-1150m, -1000m, 0m, 0m), (v.DayStartPnl, v.HighWaterMark, v.DailyLoss, v.Drawdown));
    }

    [Fact]
    public void The_trading_day_is_the_new_york_date_not_the_utc_date()
    {
        var t = new AccountRiskTracker(Limits with { MaxDrawdown = 1_000_000m }, Ny);
        At(t, Report("A", Utc(2024, 3, 4, 20, 0), 0m, 0m));      // Monday 15:00 EST
        At(t, Report("A", Utc(2024, 3, 5, 1, 0), -900m, 0m));    // Tuesday in UTC, Monday 20:00 in New York
        Assert.Equal((new DateOnly(2024, 3, 4), 0m, 900m), (t.View().TradingDay, t.View().DayStartPnl, t.View().DailyLoss));
        At(t, Report("A", Utc(2024, 3, 5, 4, 59, 59), -900m, 0m)); // Monday 23:59:59 EST
        Assert.Equal(new DateOnly(2024, 3, 4), t.View().TradingDay);
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        At(t, Report("A", Utc(2024, 3, 5, 5, 0), -900m, 0m));    // Tuesday 00:00 EST
        Assert.Equal((new DateOnly(2024, 3, 5), -900m, 0m), (t.View().TradingDay, t.View().DayStartPnl, t.View().DailyLoss));
        Assert.Equal(TradingState.Active, t.Assess().State);

        // In summer (EDT, UTC-4) the New York midnight is 04:00Z.
        var summer = new AccountRiskTracker(Limits, Ny);
        At(summer, Report("A", Utc(2024, 7, 1, 3, 59, 59), 0m, 0m));
        Assert.Equal(new DateOnly(2024, 6, 30), summer.View().TradingDay);
        At(summer, Report("A", Utc(2024, 7, 1, 4, 0), 0m, 0m));
        Assert.Equal(new DateOnly(2024, 7, 1), summer.View().TradingDay);

        // Without trading hours the day is the UTC date.
        var utc = new AccountRiskTracker(Limits, null);
        At(utc, Report("A", Utc(2024, 3, 5, 1, 0), 0m, 0m));
        Assert.Equal(new DateOnly(2024, 3, 5), utc.View().TradingDay);
    }

    [Fact]
    public void The_trading_day_is_the_boundarys_not_that_of_the_reports_it_brings()
    {
        var t = new AccountRiskTracker(Limits with { MaxDrawdown = 1_000_000m }, Ny);
        At(t, Report("A", Open, -100m, 0m));
        // A Tuesday boundary with a report whose last event is still Monday's: the day is Tuesday.
        var v = Boundary(t, Open.AddDays(1), Report("A", Open.AddHours(6), -200m, 0m));
        Assert.Equal((new DateOnly(2024, 3, 5), -100m, 100m), (v.TradingDay, v.DayStartPnl, v.DailyLoss));
        // A report from Wednesday at a boundary still on Tuesday does not start Wednesday.
        v = Boundary(t, Open.AddDays(1).AddHours(1), Report("A", Open.AddDays(2), -300m, 0m));
        Assert.Equal((new DateOnly(2024, 3, 5), -100m, 200m), (v.TradingDay, v.DayStartPnl, v.DailyLoss));
    }

    [Fact]
    public void A_new_day_resets_the_high_water_mark_to_the_carried_over_pnl()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m));
        At(t, Report("A", Open.AddMinutes(10), 800m, 0m));
        At(t, Report("A", Open.AddMinutes(20), 400m, 0m));
        Assert.Equal((800m, 400m), (t.View().HighWaterMark, t.View().Drawdown));
        Assert.Equal(TradingState.Reducing, t.Assess().State);

        var v = At(t, Report("A", Open.AddDays(1), 400m, 0m));
        Assert.Equal((400m, 400m, 0m, 0m), (v.DayStartPnl, v.HighWaterMark, v.Drawdown, v.DailyLoss));
        Assert.Equal(TradingState.Active, t.Assess().State);
        At(t, Report("A", Open.AddDays(1).AddMinutes(1), 350m, 0m));
        Assert.Equal((50m, 50m), (t.View().Drawdown, t.View().DailyLoss));
    }

    [Fact]
    public void A_late_report_from_the_previous_day_does_not_turn_the_day_back()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m));
        var v = Boundary(t, Open.AddDays(1), Report("A", Open.AddDays(1), 100m, 0m), Report("B", Open, -50m, 0m)); // B was behind
        Assert.Equal(new DateOnly(2024, 3, 5), v.TradingDay);
        Assert.Equal((0m, 50m, 50m), (v.DayStartPnl, v.Pnl, v.HighWaterMark));
        Assert.Equal(Open.AddDays(1), t.LatestTime);
        // Neither does a boundary behind the last one (a replay's straggler): the day and its start stay.
        v = Boundary(t, Open.AddHours(5), Report("B", Open.AddHours(5), -80m, 0m));
        Assert.Equal((new DateOnly(2024, 3, 5), 0m, 20m, 50m, 30m), (v.TradingDay, v.DayStartPnl, v.Pnl, v.HighWaterMark, v.Drawdown));
        Assert.Equal(Open.AddDays(1), t.LatestTime);
    }

    [Fact]
    public void A_restored_tracker_carries_on_exactly_as_the_saved_one()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m));
        Boundary(t, Open.AddMinutes(5), Report("A", Open.AddMinutes(5), 300m, 100m), Report("B", Open.AddMinutes(4), -50m, 0m, lastData: Open));
        At(t, Report("A", Open.AddMinutes(9), 100m, 0m));
        var saved = t.Save();
        var r = new AccountRiskTracker(Limits, Ny);
        At(r, Report("Z", Open.AddDays(-3), -999m, 0m)); // whatever it knew before is forgotten
        r.Restore(saved);
        Assert.Equal(t.View(), r.View());
        Assert.Equal(t.LatestTime, r.LatestTime);
        Assert.Equal(t.Symbols.OrderBy(kv => kv.Key), r.Symbols.OrderBy(kv => kv.Key));

        foreach (var tracker in new[] { t, r })
        {
            At(tracker, Report("A", Open.AddMinutes(10), 100m, -400m));
            Assert.Equal(TradingState.Halted, tracker.Assess().State); // P&L -350: 700 off the high-water mark of 350
            At(tracker, Report("A", Open.AddDays(1), 100m, -400m));
            Boundary(tracker, Open.AddDays(1).AddMinutes(1), Report("B", Open.AddDays(1), -30m, 0m));
        }
        Assert.Equal(t.View(), r.View());
        Assert.Equal(t.Assess(), r.Assess());
        Assert.Equal(t.StaleSymbols(Open.AddDays(1).AddMinutes(5)), r.StaleSymbols(Open.AddDays(1).AddMinutes(5)));
    }

    [Fact]
    public void Exposure_past_a_limit_after_price_moves_means_reducing()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m, gross: 30_000m, net: 15_000m));
        At(t, Report("B", Open, 0m, 0m, gross: 20_000m, net: 15_000m));
        Assert.Equal(TradingState.Active, t.Assess().State); // exactly at both limits
        At(t, Report("B", Open, 0m, 0m, gross: 20_001m, net: 0m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        Assert.Contains("gross exposure", t.Assess().Reason);
    }

    [Fact]
    public void Net_exposure_past_the_limit_on_either_side_means_reducing()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m, gross: 20_000m, net: -20_000m));
        At(t, Report("B", Open, 0m, 0m, gross: 10_000m, net: -10_000m));
        Assert.Equal(TradingState.Active, t.Assess().State); // -30,000 is exactly at the limit
        At(t, Report("B", Open, 0m, 0m, gross: 10_001m, net: -10_001m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        Assert.Contains("net exposure", t.Assess().Reason);
        At(t, Report("B", Open, 0m, 0m, gross: 10_001m, net: 10_001m));
        Assert.Equal(TradingState.Active, t.Assess().State);
    }

    [Fact]
    public void A_loss_limit_outranks_an_exposure_breach()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open, 0m, 0m, gross: 60_000m));
        At(t, Report("A", Open.AddMinutes(1), 0m, -1000m, gross: 60_000m));
        Assert.Equal(TradingState.Halted, t.Assess().State);
    }

    [Fact]
    public void Stale_symbols_are_exposed_ones_without_data_while_the_market_is_open()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open.AddMinutes(1), 0m, 0m));
        At(t, Report("B", Open.AddMinutes(1), 0m, 0m, exposed: false));
        Assert.Empty(t.StaleSymbols(Open.AddMinutes(3)));                 // exactly 2 minutes
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Open.AddMinutes(3).AddSeconds(1)));
        Assert.Empty(t.StaleSymbols(Open.AddHours(7)));                   // 16:30 New York: closed
        // The next morning counts from the open, not from yesterday's last bar.
        Assert.Empty(t.StaleSymbols(Open.AddDays(1).AddMinutes(1)));
        Assert.Empty(t.StaleSymbols(Open.AddDays(1).AddMinutes(2)));
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Open.AddDays(1).AddMinutes(2).AddSeconds(1)));
    }

    [Fact]
    public void Stale_symbols_are_never_reported_on_a_weekend_or_before_the_open()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Utc(2024, 3, 8, 20, 0), 0m, 0m)); // Friday 15:00 EST
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Utc(2024, 3, 8, 20, 59)));
        Assert.Empty(t.StaleSymbols(Utc(2024, 3, 9, 16, 0)));   // Saturday
        Assert.Empty(t.StaleSymbols(Utc(2024, 3, 10, 16, 0)));  // Sunday
        Assert.Empty(t.StaleSymbols(Utc(2024, 3, 11, 13, 0)));  // Monday 09:00 EDT
        Assert.Empty(t.StaleSymbols(Utc(2024, 3, 11, 13, 32))); // 2 minutes after the open (13:30Z after DST)
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Utc(2024, 3, 11, 13, 32, 1)));
    }

    [Fact]
    public void Stale_symbols_need_an_exposure_and_some_data_and_fresh_data_clears_them()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        At(t, Report("A", Open.AddMinutes(1), 0m, 0m));
        At(t, new SymbolRisk("B", Open.AddMinutes(1), 0m, 0m, new Usage(1000m, 1000m, 0m, 1), 1000m, null, true));
        At(t, Report("C", Open.AddMinutes(1), 0m, 0m, lastData: Open.AddMinutes(5)));
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Open.AddMinutes(4)));
        At(t, Report("A", Open.AddMinutes(4), 0m, 0m));
        Assert.Empty(t.StaleSymbols(Open.AddMinutes(4)));
        Assert.Equal(new[] { "A", "C" }, t.StaleSymbols(Open.AddMinutes(8)));
        // No longer exposed: never stale.
        At(t, Report("A", Open.AddMinutes(4), 0m, 0m, exposed: false));
        Assert.Equal(new[] { "C" }, t.StaleSymbols(Open.AddMinutes(8)));
    }

    [Fact]
    public void Without_trading_hours_staleness_counts_at_any_time()
    {
        var t = new AccountRiskTracker(Limits, null);
        At(t, Report("A", Utc(2024, 3, 9, 12, 0), 0m, 0m)); // a Saturday
        Assert.Empty(t.StaleSymbols(Utc(2024, 3, 9, 12, 2)));
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Utc(2024, 3, 9, 12, 2, 1)));
    }
}

using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

public sealed class AccountRiskTrackerTests
{
    private static readonly TradingHours Ny = new(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));
    private static readonly DateTime Open = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc); // Monday 09:30 New York

    private static readonly AccountLimits Limits = AccountLimits.Default with
    {
        MaxDailyLoss = 1000m,
        MaxDrawdown = 500m,
        ReduceAtFraction = 0.8m,
        MaxGrossExposure = 50_000m,
        MaxNetExposure = 30_000m,
        StaleDataAfter = TimeSpan.FromMinutes(2),
    };

    private static SymbolRisk Report(string symbol, DateTime t, decimal realized, decimal unrealized, decimal gross = 1000m, bool exposed = true) =>
        new(symbol, t, realized, unrealized, new Usage(gross, gross, 0m, 1), gross, t, exposed);

    [Fact]
    public void Pnl_high_water_mark_and_drawdown_follow_the_reports()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        t.Update(Report("A", Open.AddMinutes(1), 100m, 50m));
        t.Update(Report("B", Open.AddMinutes(2), -20m, 70m));
        var v = t.View();
        Assert.Equal((80m, 120m, 200m, 200m, 0m), (v.Realized, v.Unrealized, v.Pnl, v.HighWaterMark, v.Drawdown));
        t.Update(Report("A", Open.AddMinutes(3), 100m, -250m));
        v = t.View();
        Assert.Equal((-100m, 200m, 300m, 100m), (v.Pnl, v.HighWaterMark, v.Drawdown, v.DailyLoss));
        Assert.Equal(TradingState.Active, t.Assess().State);
    }

    [Fact]
    public void Verdicts_reducing_at_the_fraction_halted_at_the_limit()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        t.Update(Report("A", Open.AddMinutes(1), 0m, 0m));
        t.Update(Report("A", Open.AddMinutes(2), 0m, -399m));
        Assert.Equal(TradingState.Active, t.Assess().State);
        t.Update(Report("A", Open.AddMinutes(3), 0m, -400m)); // drawdown 400 = 80% of 500
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        t.Update(Report("A", Open.AddMinutes(4), 0m, -500m));
        var halted = t.Assess();
        Assert.Equal(TradingState.Halted, halted.State);
        Assert.Contains("drawdown", halted.Reason);
    }

    [Fact]
    public void Daily_loss_counts_from_the_start_of_the_trading_day_and_a_new_day_starts_afresh()
    {
        var limits = Limits with { MaxDrawdown = 1_000_000m };
        var t = new AccountRiskTracker(limits, Ny);
        t.Update(Report("A", Open, 0m, 0m));
        t.Update(Report("A", Open.AddHours(1), -1000m, 0m));
        Assert.Equal(TradingState.Halted, t.Assess().State);
        Assert.Contains("daily loss", t.Assess().Reason);
        // Next day: the loss carried over is the new day's starting point.
        t.Update(Report("A", Open.AddDays(1), -1000m, 0m));
        var v = t.View();
        Assert.Equal((-1000m, 0m), (v.DayStartPnl, v.DailyLoss));
        Assert.Equal(new DateOnly(2024, 3, 5), v.TradingDay);
        Assert.Equal(TradingState.Active, t.Assess().State);
    }

    [Fact]
    public void Exposure_past_a_limit_after_price_moves_means_reducing()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        t.Update(Report("A", Open, 0m, 0m, gross: 30_000m));
        t.Update(Report("B", Open, 0m, 0m, gross: 20_001m));
        Assert.Equal(TradingState.Reducing, t.Assess().State);
        Assert.Contains("exposure", t.Assess().Reason);
    }

    [Fact]
    public void Stale_symbols_are_exposed_ones_without_data_while_the_market_is_open()
    {
        var t = new AccountRiskTracker(Limits, Ny);
        t.Update(Report("A", Open.AddMinutes(1), 0m, 0m));
        t.Update(Report("B", Open.AddMinutes(1), 0m, 0m, exposed: false));
        Assert.Empty(t.StaleSymbols(Open.AddMinutes(3)));                 // exactly 2 minutes
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Open.AddMinutes(3).AddSeconds(1)));
        Assert.Empty(t.StaleSymbols(Open.AddHours(7)));                   // 16:30 New York: closed
        // The next morning counts from the open, not from yesterday's last bar.
        Assert.Empty(t.StaleSymbols(Open.AddDays(1).AddMinutes(1)));
        Assert.Equal(new[] { "A" }, t.StaleSymbols(Open.AddDays(1).AddMinutes(2).AddSeconds(1)));
    }

    [Fact]
    public void Scopes_parse_print_and_cover()
    {
        foreach (var text in new[] { "engine", "account:main", "strategy:ma-cross", "symbol:BRK.A" })
            Assert.Equal(text, RiskScope.Parse(text).ToString());
        foreach (var bad in new[] { "", "global", "account:", "symbol", "desk:x", "symbol:A B" })
            Assert.False(RiskScope.TryParse(bad, out _), bad);
        Assert.True(RiskScope.Parse("account:main").Covers("main", "x", "Y"));
        Assert.False(RiskScope.Parse("account:main").Covers("desk-b", "x", "Y"));
        Assert.True(RiskScope.Parse("strategy:x").Covers("main", "x", "Y"));
        Assert.False(RiskScope.Parse("symbol:Y").TouchesSymbol("Z"));
        Assert.True(RiskScope.Parse("strategy:x").TouchesSymbol("Z"));
    }
}

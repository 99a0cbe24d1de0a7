using Engine.Domain.Risk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// One account's supervision as pure logic, driven boundary by boundary (no actors): REDUCING and
/// the halt at the loss limits, each once per trading day, the release of REDUCING on a new day,
/// stale data and stopped strategies, the allocations, and Save/Restore exactness.
/// </summary>
public sealed class AccountSupervisorTests
{
    private const string Acct = "acc";
    private const string AccountScope = "account:acc";

    private static readonly TradingHours Ny = UsMarket.Ny;
    private static readonly DateTime Open = UsMarket.Open;

    private static readonly AccountLimits Limits = AccountLimits.Default with
    {
        MaxDailyLoss = 1000m,
        MaxDrawdown = 500m,
        ReduceAtFraction = 0.8m,
        MaxGrossExposure = 50_000m,
        MaxNetExposure = 30_000m,
        MaxOpenPositions = 10,
        MaxOrdersPerWindow = 20,
        MaxMessagesPerWindow = 40,
        FlattenOnBreach = true,
        StaleDataAfter = TimeSpan.FromMinutes(2),
    };

    private static AccountSliceReport R(
        string symbol, DateTime time, decimal pnl, bool exposed = true, DateTime? lastData = null, decimal gross = 1000m,
        Credit? used = null, Credit? wanted = null, decimal? net = null, params string[] stopped) =>
        new(Acct,
            new SymbolRisk(symbol, time, pnl, 0m, new Usage(gross, gross, 0m, exposed ? 1 : 0), net ?? gross, lastData ?? time, exposed),
            used ?? new Credit(gross, gross, 0m, exposed ? 1 : 0, 1, 1), wanted ?? Credit.Zero, stopped);

    private static AccountDecisions B(AccountSupervisor s, DateTime at, params AccountSliceReport[] reports) => s.OnBoundary(at, reports);

    private static RiskCommand Single(AccountDecisions d) => Assert.Single(d.Commands);

    // ---- REDUCING and the halt ----

    [Fact]
    public void Reducing_then_the_halt_on_the_daily_loss_at_the_boundaries_that_reach_them_each_once_a_day()
    {
        var s = new AccountSupervisor(Acct, Limits with { MaxDrawdown = 1_000_000m }, Ny);
        Assert.Empty(B(s, Open, R("A", Open, 0m)).Commands);
        Assert.Empty(B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -799.99m)).Commands);

        var at = Open.AddMinutes(2);
        var reduce = Single(B(s, at, R("A", at, -800m)));
        Assert.Equal((RiskCommandKind.Reduce, AccountScope, false, $"account:acc reduce at {at:O}", "loss_warning"),
            (reduce.Kind, reduce.Scope, reduce.Flatten, reduce.DecisionId, reduce.Trigger));
        Assert.StartsWith("daily loss 800", reduce.Reason);
        Assert.Empty(B(s, Open.AddMinutes(3), R("A", Open.AddMinutes(3), -900m)).Commands);

        at = Open.AddMinutes(4);
        var halt = Single(B(s, at, R("A", at, -1000m)));
        Assert.Equal((RiskCommandKind.Engage, AccountScope, true, $"account:acc halt at {at:O}", "daily_loss"),
            (halt.Kind, halt.Scope, halt.Flatten, halt.DecisionId, halt.Trigger));
        Assert.StartsWith("daily loss 1000", halt.Reason);

        // Deeper, recovered, breached again: nothing more today (an operator's release is not fought).
        foreach (var (minutes, pnl) in new[] { (5, -1200m), (6, 0m), (7, -1000m), (8, -800m), (9, 0m) })
            Assert.Empty(B(s, Open.AddMinutes(minutes), R("A", Open.AddMinutes(minutes), pnl)).Commands);
    }

    [Fact]
    public void Reducing_then_the_halt_on_the_drawdown_from_the_high_water_mark()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Empty(B(s, Open, R("A", Open, 0m)).Commands);
        Assert.Empty(B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), 1000m)).Commands);
        Assert.Empty(B(s, Open.AddMinutes(2), R("A", Open.AddMinutes(2), 600.01m)).Commands);
        var reduce = Single(B(s, Open.AddMinutes(3), R("A", Open.AddMinutes(3), 600m))); // 400 off the top: 80% of 500
        Assert.Equal((RiskCommandKind.Reduce, "loss_warning"), (reduce.Kind, reduce.Trigger));
        Assert.StartsWith("drawdown 400", reduce.Reason);
        var halt = Single(B(s, Open.AddMinutes(4), R("A", Open.AddMinutes(4), 500m)));
        Assert.Equal((RiskCommandKind.Engage, true, "drawdown"), (halt.Kind, halt.Flatten, halt.Trigger));
        Assert.Equal($"account:acc halt at {Open.AddMinutes(4):O}", halt.DecisionId);
    }

    [Fact]
    public void The_halt_flattens_only_when_the_limits_say_so()
    {
        var s = new AccountSupervisor(Acct, Limits with { FlattenOnBreach = false }, Ny);
        B(s, Open, R("A", Open, 0m));
        var halt = Single(B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -1000m)));
        Assert.Equal((RiskCommandKind.Engage, false), (halt.Kind, halt.Flatten));
    }

    [Fact]
    public void A_jump_past_the_limit_halts_without_reducing_first_and_reducing_does_not_follow_a_halt_the_same_day()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        B(s, Open, R("A", Open, 0m));
        var halt = Single(B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -1000m)));
        Assert.Equal(RiskCommandKind.Engage, halt.Kind);
        Assert.Empty(B(s, Open.AddMinutes(2), R("A", Open.AddMinutes(2), -850m)).Commands); // back to REDUCING territory
    }

    [Fact]
    public void Exposure_carried_past_a_limit_by_price_moves_means_reducing()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Empty(B(s, Open, R("A", Open, 0m, gross: 30_000m, net: 15_000m), R("B", Open, 0m, gross: 20_000m, net: 15_000m)).Commands); // at both limits
        var reduce = Single(B(s, Open.AddMinutes(1), R("B", Open.AddMinutes(1), 0m, gross: 20_000.01m, net: 15_000m)));
        Assert.Equal((RiskCommandKind.Reduce, false, "exposure"), (reduce.Kind, reduce.Flatten, reduce.Trigger));
        Assert.Contains("gross exposure", reduce.Reason);
    }

    // ---- a new trading day ----

    [Fact]
    public void Reducing_is_released_at_the_first_boundary_of_a_new_trading_day_once()
    {
        var s = new AccountSupervisor(Acct, Limits with { MaxDrawdown = 1_000_000m }, Ny);
        B(s, Open, R("A", Open, 0m));
        Assert.Equal(RiskCommandKind.Reduce, Single(B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -800m))).Kind);
        // Recovering the same day does not release it.
        Assert.Empty(B(s, Open.AddHours(3), R("A", Open.AddHours(3), 0m)).Commands);
        Assert.Empty(B(s, Open.AddHours(9), R("A", Open.AddHours(9), -100m)).Commands); // 18:30 New York, still Monday

        var tuesday = Open.AddDays(1).AddMinutes(-60); // 08:30 New York
        var release = Single(B(s, tuesday, R("A", tuesday, -100m)));
        Assert.Equal((RiskCommandKind.Release, AccountScope, "new trading day", false, $"account:acc release at {tuesday:O}", "new_day"),
            (release.Kind, release.Scope, release.Reason, release.Flatten, release.DecisionId, release.Trigger));
        Assert.Empty(B(s, Open.AddDays(1), R("A", Open.AddDays(1), -100m)).Commands);

        // Tuesday may reduce again (from Tuesday's start, -100), and Wednesday releases again.
        var again = Single(B(s, Open.AddDays(1).AddHours(1), R("A", Open.AddDays(1).AddHours(1), -900m)));
        Assert.Equal((RiskCommandKind.Reduce, $"account:acc reduce at {Open.AddDays(1).AddHours(1):O}"), (again.Kind, again.DecisionId));
        Assert.Equal(RiskCommandKind.Release, Single(B(s, Open.AddDays(2), R("A", Open.AddDays(2), -900m))).Kind);
    }

    [Fact]
    public void A_new_day_that_is_still_past_an_exposure_limit_reduces_again_instead_of_releasing()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Equal("exposure", Single(B(s, Open, R("A", Open, 0m, gross: 60_000m))).Trigger);
        var tuesday = Open.AddDays(1);
        var reduce = Single(B(s, tuesday, R("A", tuesday, 0m, gross: 60_000m)));
        Assert.Equal((RiskCommandKind.Reduce, $"account:acc reduce at {tuesday:O}"), (reduce.Kind, reduce.DecisionId));
        Assert.Empty(B(s, tuesday.AddMinutes(1), R("A", tuesday.AddMinutes(1), 0m, gross: 60_000m)).Commands);
    }

    [Fact]
    public void A_supervisor_that_never_reduced_releases_nothing_on_a_new_day()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        B(s, Open, R("A", Open, 0m));
        Assert.Empty(B(s, Open.AddDays(1), R("A", Open.AddDays(1), 0m)).Commands);
    }

    /// <summary>
    /// The next day's release is for REDUCING: whether a halt of the day before is lifted the next
    /// day cannot depend on whether the loss passed through REDUCING on its way to the limit.
    /// </summary>
    [Fact]
    public void Whether_the_next_day_lifts_a_halt_does_not_depend_on_whether_reducing_came_first()
    {
        IReadOnlyList<RiskCommand> NextDay(params decimal[] mondayPnls)
        {
            var s = new AccountSupervisor(Acct, Limits with { MaxDrawdown = 1_000_000m }, Ny);
            B(s, Open, R("A", Open, 0m));
            for (var i = 0; i < mondayPnls.Length; i++) B(s, Open.AddMinutes(i + 1), R("A", Open.AddMinutes(i + 1), mondayPnls[i]));
            return B(s, Open.AddDays(1), R("A", Open.AddDays(1), mondayPnls[^1])).Commands;
        }

        var straight = NextDay(-1000m);          // ACTIVE -> HALTED
        var gradual = NextDay(-800m, -1000m);    // ACTIVE -> REDUCING -> HALTED
        Assert.Empty(straight);                  // the supervisor leaves a halt to the operator
        Assert.True(gradual.Count == 0,
            $"after REDUCING then a halt on Monday, Tuesday's first boundary sends {string.Join("; ", gradual.Select(c => $"{c.Kind} {c.Scope} ({c.Reason})"))}: " +
            "a release of the account scope lifts the kill switch engaged by the halt, which a halt reached directly keeps");
    }

    // ---- stale data ----

    [Fact]
    public void Stale_data_engages_an_exposed_symbol_once_per_gap()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var last = Open.AddMinutes(1);
        // B has fresh data at every boundary; A has none since `last`.
        Assert.Empty(B(s, Open.AddMinutes(3), R("A", last, 0m), R("B", Open.AddMinutes(3), 0m)).Commands); // exactly 2 minutes
        var at = Open.AddMinutes(3).AddSeconds(1);
        var engage = Single(B(s, at, R("B", at, 0m)));
        Assert.Equal((RiskCommandKind.Engage, "symbol:A", false, $"symbol:A stale at {at:O}", "stale_data"),
            (engage.Kind, engage.Scope, engage.Flatten, engage.DecisionId, engage.Trigger));
        Assert.Equal("stale market data: none since 2024-03-04 14:31:00Z, market time 2024-03-04 14:33:01Z", engage.Reason);
        Assert.Equal(new[] { "A" }, s.StaleSymbols(at));
        // Still stale: not engaged again.
        Assert.Empty(B(s, Open.AddMinutes(4), R("B", Open.AddMinutes(4), 0m)).Commands);
        Assert.Empty(B(s, Open.AddMinutes(10), R("A", last, 0m), R("B", Open.AddMinutes(10), 0m)).Commands);

        // The data comes back, then stops again: a new gap, a new engagement.
        Assert.Empty(B(s, Open.AddMinutes(11), R("A", Open.AddMinutes(11), 0m), R("B", Open.AddMinutes(11), 0m)).Commands);
        Assert.Empty(B(s, Open.AddMinutes(13), R("B", Open.AddMinutes(13), 0m)).Commands);
        at = Open.AddMinutes(14);
        Assert.Equal($"symbol:A stale at {at:O}", Single(B(s, at, R("B", at, 0m))).DecisionId);
    }

    [Fact]
    public void Stale_data_engages_only_symbols_with_a_position_or_resting_order_and_some_data()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var last = Open.AddMinutes(1);
        B(s, last, R("A", last, 0m, exposed: false), R("C", last, 0m),
            new AccountSliceReport(Acct, new SymbolRisk("D", last, 0m, 0m, new Usage(10m, 10m, 0m, 1), 10m, null, true), Credit.Zero, Credit.Zero, []));
        var commands = B(s, Open.AddMinutes(30), R("B", Open.AddMinutes(30), 0m)).Commands;
        Assert.Equal(new[] { "symbol:C" }, commands.Select(c => c.Scope));
    }

    [Fact]
    public void Stale_data_engages_only_during_trading_hours_and_counts_from_the_open()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var last = new DateTime(2024, 3, 4, 20, 55, 0, DateTimeKind.Utc); // 15:55 New York
        B(s, last, R("A", last, 0m), R("B", last, 0m));
        foreach (var at in new[]
                 {
                     new DateTime(2024, 3, 4, 21, 30, 0, DateTimeKind.Utc), // 16:30: closed
                     new DateTime(2024, 3, 5, 13, 0, 0, DateTimeKind.Utc),  // Tuesday 08:00
                     new DateTime(2024, 3, 5, 14, 32, 0, DateTimeKind.Utc), // 2 minutes after the open
                 })
            Assert.Empty(B(s, at, R("B", at, 0m)).Commands);
        var late = new DateTime(2024, 3, 5, 14, 32, 1, DateTimeKind.Utc);
        Assert.Equal("symbol:A", Single(B(s, late, R("B", late, 0m))).Scope);

        var weekend = new AccountSupervisor(Acct, Limits, Ny);
        var friday = new DateTime(2024, 3, 8, 20, 59, 0, DateTimeKind.Utc);
        B(weekend, friday, R("A", friday, 0m), R("B", friday, 0m));
        foreach (var at in new[] { friday.AddDays(1), friday.AddDays(2), friday.AddDays(2).AddHours(12) })
            Assert.Empty(B(weekend, at, R("B", at, 0m)).Commands);

        // Without trading hours, stale is stale at any time.
        var always = new AccountSupervisor(Acct, Limits, null);
        var saturday = new DateTime(2024, 3, 9, 12, 0, 0, DateTimeKind.Utc);
        B(always, saturday, R("A", saturday, 0m), R("B", saturday, 0m));
        Assert.Equal("symbol:A", Single(B(always, saturday.AddMinutes(3), R("B", saturday.AddMinutes(3), 0m))).Scope);
    }

    [Fact]
    public void Staleness_is_judged_at_the_newest_data_reported_never_past_it_nor_past_the_boundary()
    {
        var last = Open.AddMinutes(1);
        // Only A reports: however late the boundary, market time is what A last saw.
        var quiet = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Empty(B(quiet, Open.AddMinutes(30), R("A", last, 0m)).Commands);
        Assert.Empty(B(quiet, Open.AddHours(2), R("A", last, 0m)).Commands);
        Assert.Empty(quiet.StaleSymbols(Open.AddHours(2)));

        // B's clock is ahead of the boundary: market time is the boundary's.
        var s = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Empty(B(s, Open.AddMinutes(3), R("A", last, 0m), R("B", Open.AddMinutes(10), 0m)).Commands);
        Assert.Empty(s.StaleSymbols(Open.AddMinutes(3)));
        Assert.Equal(new[] { "A" }, s.StaleSymbols(Open.AddMinutes(10)));
        Assert.Equal(new[] { "A" }, s.StaleSymbols(Open.AddHours(5))); // judged at the newest report, Open + 10 min
        var at = Open.AddMinutes(10);
        var engage = Single(B(s, at, R("B", at, 0m)));
        Assert.Equal(("symbol:A", $"symbol:A stale at {at:O}"), (engage.Scope, engage.DecisionId));
        Assert.EndsWith("market time 2024-03-04 14:40:00Z", engage.Reason);
    }

    // ---- stopped strategies ----

    [Fact]
    public void Stopped_strategies_are_engaged_one_command_per_report()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var d = B(s, Open, R("A", Open, 0m, stopped: ["s1", "s2"]), R("B", Open, 0m, stopped: ["s1"]));
        Assert.Equal(
            new[]
            {
                new RiskCommand(RiskCommandKind.Engage, "strategy:s1", "strategy kept failing on A", false, $"strategy:s1 crash on A at {Open:O}", "strategy_crash"),
                new RiskCommand(RiskCommandKind.Engage, "strategy:s2", "strategy kept failing on A", false, $"strategy:s2 crash on A at {Open:O}", "strategy_crash"),
                new RiskCommand(RiskCommandKind.Engage, "strategy:s1", "strategy kept failing on B", false, $"strategy:s1 crash on B at {Open:O}", "strategy_crash"),
            },
            d.Commands);
    }

    [Fact]
    public void One_boundary_can_decide_everything_at_once_in_a_fixed_order()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        B(s, Open, R("A", Open, 0m), R("B", Open, 0m));
        var at = Open.AddMinutes(5);
        var d = B(s, at, R("B", at, -1000m, stopped: ["s9"]));
        Assert.Equal(new[] { "strategy:s9", AccountScope, "symbol:A" }, d.Commands.Select(c => c.Scope));
        Assert.Equal(new[] { "strategy_crash", "daily_loss", "stale_data" }, d.Commands.Select(c => c.Trigger));
    }

    // ---- allocations ----

    [Fact]
    public void Every_known_symbol_is_allocated_from_its_last_usage_and_this_boundarys_wants_in_symbol_order()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var usedA = new Credit(10_000m, 10_000m, 0m, 2, 3, 4);
        var usedB = new Credit(20_000m, 0m, 15_000m, 3, 5, 9);
        var wantA = new Credit(15_000m, 15_000m, 0m, 1, 1, 1);
        var wantB = new Credit(19_000m, 0m, 1_000m, 1, 1, 1);
        // Reported B first: the first-fit order is the symbols' (ordinal), so A's want goes first and B's no longer fits.
        var d = B(s, Open, R("B", Open, 0m, used: usedB, wanted: wantB), R("A", Open, 0m, used: usedA, wanted: wantA));
        var expected = AccountAllocator.Allocate(Limits, [new("A", usedA, wantA), new("B", usedB, wantB)]);
        Assert.Equal(new[] { "A", "B" }, d.Allocations.Keys);
        Assert.Equal(expected, d.Allocations.Values);
        Assert.Equal(usedA + wantA, d.Allocations["A"] - (d.Allocations["B"] - usedB));

        // A quiet symbol keeps the exposure it last reported (its orders and messages leave the window once a
        // whole window has passed since); a want is only for the boundary that reports it.
        var later = Open + Limits.RateWindow;
        d = B(s, later, R("C", later, 0m, used: Credit.Zero));
        var quiet = (Credit c) => c with { Orders = 0, Messages = 0 };
        expected = AccountAllocator.Allocate(Limits, [new("A", quiet(usedA), Credit.Zero), new("B", quiet(usedB), Credit.Zero), new("C", Credit.Zero, Credit.Zero)]);
        Assert.Equal(new[] { "A", "B", "C" }, d.Allocations.Keys);
        Assert.Equal(expected, d.Allocations.Values);
        Assert.Equal(expected, s.Allocate(new Dictionary<string, Credit>()).Values);
    }

    /// <summary>
    /// Only symbols that traded in a slice report at its boundary (FeedCoordinator), and a quiet
    /// symbol keeps what it last reported using. For exposure that is exact (no event, no change), but
    /// the orders and messages it reported were counted in the rate window ending at its last report:
    /// once a whole window has passed they have all left it, and must not keep the account's rate
    /// quota from the symbols that trade.
    /// </summary>
    [Fact]
    public void A_quiet_symbols_orders_and_messages_stop_counting_against_the_account_once_they_have_left_the_rate_window()
    {
        var limits = Limits with { MaxOrdersPerWindow = 20, MaxMessagesPerWindow = 40, RateWindow = TimeSpan.FromMinutes(1) };
        var s = new AccountSupervisor(Acct, limits, Ny);
        // A sent the account's whole quota in the slice ending at Open; then it has no event for an hour.
        B(s, Open, R("A", Open, 0m, used: new Credit(1000m, 1000m, 0m, 1, 20, 40)), R("B", Open, 0m, exposed: false, used: Credit.Zero));
        var at = Open.AddHours(1);
        var want = new Credit(100m, 100m, 0m, 1, 1, 1);
        var d = B(s, at, R("B", at, 0m, exposed: false, used: Credit.Zero, wanted: want), R("A", Open, 0m, used: new Credit(1000m, 1000m, 0m, 1, 0, 0)));
        Assert.True(want.FitsIn(d.Allocations["B"]), $"reported by A: B is allocated {d.Allocations["B"]} for its want {want}"); // A reporting again: fine

        var quiet = new AccountSupervisor(Acct, limits, Ny);
        B(quiet, Open, R("A", Open, 0m, used: new Credit(1000m, 1000m, 0m, 1, 20, 40)), R("B", Open, 0m, exposed: false, used: Credit.Zero));
        d = B(quiet, at, R("B", at, 0m, exposed: false, used: Credit.Zero, wanted: want)); // A quiet
        Assert.True(want.FitsIn(d.Allocations["B"]),
            $"an hour after A's last order B is allocated {d.Allocations["B"]} for its want {want}: A's 20 orders and 40 messages, reported at {Open:HH:mm}Z with a 1-minute window, still hold the account's whole rate quota");
    }

    [Fact]
    public void Allocations_come_out_even_at_boundaries_that_decide_commands_and_before_any_report()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        Assert.Empty(B(s, Open).Allocations);
        B(s, Open, R("A", Open, 0m));
        var d = B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -1000m));
        Assert.Single(d.Commands);
        Assert.Equal(Limits.Total, d.Allocations["A"]); // the only symbol: the whole account
    }

    // ---- restart ----

    [Fact]
    public void A_checkpoint_before_any_boundary_restores_to_a_fresh_supervisor()
    {
        var s = new AccountSupervisor(Acct, Limits, Ny);
        var cp = s.Save();
        Assert.Equal(DateTime.MinValue, cp.Boundary);
        var r = new AccountSupervisor(Acct, Limits, Ny);
        B(r, Open, R("A", Open, -900m, stopped: ["x"]));
        r.Restore(cp);
        Assert.Null(r.LastBoundary);
        Assert.Empty(r.Allocate(new Dictionary<string, Credit>()));
        Assert.Equal(B(new AccountSupervisor(Acct, Limits, Ny), Open, R("A", Open, 0m)).Commands, B(r, Open, R("A", Open, 0m)).Commands);
    }

    [Fact]
    public void A_restored_supervisor_decides_the_rest_of_the_day_as_the_original_did()
    {
        var s = new AccountSupervisor(Acct, Limits with { MaxDrawdown = 1_000_000m }, Ny);
        B(s, Open, R("A", Open, 0m), R("B", Open, 0m, exposed: false, used: new Credit(0m, 0m, 0m, 0, 2, 5)));
        B(s, Open.AddMinutes(1), R("A", Open.AddMinutes(1), -500m));
        B(s, Open.AddMinutes(2), R("A", Open.AddMinutes(2), -810m)); // REDUCING decided
        var cp = s.Save();
        Assert.Equal(Open.AddMinutes(2), cp.Boundary);
        var r = new AccountSupervisor(Acct, Limits with { MaxDrawdown = 1_000_000m }, Ny);
        r.Restore(cp);
        Assert.Equal(s.LastBoundary, r.LastBoundary);
        Assert.Equal(s.Tracker.View(), r.Tracker.View());
        foreach (var sup in new[] { s, r })
        {
            Assert.Empty(B(sup, Open.AddMinutes(3), R("A", Open.AddMinutes(3), -900m)).Commands); // not reduced twice
            Assert.Empty(B(sup, Open.AddMinutes(4), R("A", Open.AddMinutes(4), 300m)).Commands);  // not released the same day
            var d = B(sup, Open.AddDays(1), R("A", Open.AddDays(1), 300m));
            Assert.Equal((RiskCommandKind.Release, $"account:acc release at {Open.AddDays(1):O}"), (Single(d).Kind, Single(d).DecisionId));
            Assert.Equal(new[] { "A", "B" }, d.Allocations.Keys);
            var drop = Single(B(sup, Open.AddDays(1).AddMinutes(1), R("A", Open.AddDays(1).AddMinutes(1), -500m))); // 800 below Tuesday's start
            Assert.Equal((RiskCommandKind.Reduce, "loss_warning"), (drop.Kind, drop.Trigger));
        }
    }

    /// <summary>
    /// Restart exactness: a supervisor restored from the checkpoint of any boundary (into a fresh
    /// supervisor or one that had been deciding something else) decides every later boundary exactly
    /// as the original did: the same commands with the same DecisionIds, the same allocations. That
    /// holds only if the checkpoint carries the account's P&amp;L, day start and high-water mark, what
    /// was decided today and which symbols are engaged for stale data, and nothing it shares with the
    /// live supervisor (the original keeps going before the restore).
    /// </summary>
    [Property(MaxTest = 400, Arbitrary = [typeof(SupervisorFlows)])]
    public void A_supervisor_restored_from_any_checkpoint_decides_the_remaining_boundaries_exactly_as_the_original(SupervisorFlow flow)
    {
        var broken = SupervisorFlows.Replay(flow, null);
        Assert.True(broken is null, broken);
    }

    [Fact]
    public void The_generated_supervisor_flows_decide_every_kind_of_command_after_the_checkpoint()
    {
        var stats = new Dictionary<string, int>();
        var flows = SupervisorFlows.Generator.Sample(300, new Rnd(11), 10).ToArray();
        Assert.True(flows.Length >= 300, $"{flows.Length} flows");
        foreach (var flow in flows)
        {
            var broken = SupervisorFlows.Replay(flow, stats);
            Assert.True(broken is null, broken);
        }
        foreach (var trigger in new[] { "loss_warning", "daily_loss", "drawdown", "exposure", "new_day", "stale_data", "strategy_crash" })
            Assert.True(stats.GetValueOrDefault(trigger) >= 30, $"only {stats.GetValueOrDefault(trigger)} {trigger} commands after a checkpoint: {string.Join(", ", stats)}");
        Assert.True(stats.GetValueOrDefault("restored into a used supervisor") >= 50, string.Join(", ", stats));
    }

    /// <summary>
    /// The restart property has teeth: a checkpoint that left out any one thing the supervisor
    /// remembers would be noticed in some of the generated flows.
    /// </summary>
    [Fact]
    public void A_checkpoint_missing_any_part_would_be_noticed_by_the_restart_property()
    {
        var flows = SupervisorFlows.Generator.Sample(100, new Rnd(23), 10).ToArray();
        var parts = new (string Part, Func<AccountCheckpoint, AccountCheckpoint> Corrupt)[]
        {
            ("high-water mark", c => c with { Tracker = c.Tracker with { HighWater = c.Tracker.Symbols.Sum(x => x.Realized + x.Unrealized) } }),
            ("day start", c => c with { Tracker = c.Tracker with { DayStart = c.Tracker.Symbols.Sum(x => x.Realized + x.Unrealized) } }),
            ("trading day", c => c with { Tracker = c.Tracker with { Day = null } }),
            ("symbols' last reports", c => c with { Tracker = c.Tracker with { Symbols = [] } }),
            ("latest market time", c => c with { Tracker = c.Tracker with { LatestTime = null } }),
            ("halted today", c => c with { HaltedOn = null }),
            ("reduced today", c => c with { ReducedOn = null }),
            ("stale engagements", c => c with { StaleEngaged = [] }),
            ("usage of quiet symbols", c => c with { Used = new Dictionary<string, Credit>() }),
        };
        foreach (var (part, corrupt) in parts)
        {
            var noticed = flows.Count(f => SupervisorFlows.Replay(f, null, corrupt) is not null);
            Assert.True(noticed > 0, $"a checkpoint without the {part} went unnoticed in all {flows.Length} flows");
        }
    }
}

/// <summary>What one symbol reports at a boundary: the P&amp;L change, whether new data came, exposure, wants, a stop.</summary>
public readonly record struct SupervisorReport(int Symbol, int PnlDelta, bool NewData, bool Exposed, int Gross, int LagMs, bool Wants, bool Stopped)
{
    public override string ToString() =>
        $"S{Symbol} {PnlDelta:+0;-0}{(NewData ? "" : " nodata")}{(Exposed ? $" g{Gross}" : " flat")}{(LagMs != 0 ? $" lag{LagMs}ms" : "")}{(Wants ? " want" : "")}{(Stopped ? " stop" : "")}";
}

public sealed record SupervisorBoundary(long AdvanceMs, SupervisorReport[] Reports)
{
    public override string ToString() => $"+{AdvanceMs}ms [{string.Join(", ", Reports)}]";
}

/// <summary>A flow of boundaries; the checkpoint is taken after boundary Checkpoint (-1: before any).</summary>
public sealed record SupervisorFlow(bool Hours, DateTime Start, int Checkpoint, bool RestoreIntoUsed, AccountLimits Limits, SupervisorBoundary[] Boundaries)
{
    public override string ToString() =>
        $"hours {Hours}, start {Start:O}, checkpoint after {Checkpoint}, into used {RestoreIntoUsed}, loss {Limits.MaxDailyLoss}/{Limits.MaxDrawdown}, " +
        $"{Boundaries.Length} boundaries: {string.Join("; ", Boundaries.AsEnumerable())}";
}

public static class SupervisorFlows
{
    private static readonly TradingHours NewYork = new(
        TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));

    private static readonly Gen<SupervisorReport> Reports =
        from symbol in Gen.Choose(0, 4)
        from pnl in Gen.Frequency((6, Gen.Choose(-150, 150)), (2, Gen.Choose(-500, 300)), (1, Gen.Choose(-1200, 1200)))
        from data in Gen.Frequency((5, Gen.Constant(true)), (2, Gen.Constant(false)))
        from exposed in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from gross in Gen.Frequency((6, Gen.Choose(0, 12_000)), (1, Gen.Choose(12_000, 40_000)))
        from lag in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 5_000)), (1, Gen.Choose(-3_000, -1)))
        from wants in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from stopped in Gen.Frequency((25, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new SupervisorReport(symbol, pnl, data, exposed, gross, lag, wants, stopped);

    private static readonly Gen<SupervisorBoundary> Boundaries =
        from advance in Gen.Frequency(
            (30, Gen.Choose(1, 90_000).Select(x => (long)x)),
            (6, Gen.Choose(90_000, 600_000).Select(x => (long)x)),
            (2, Gen.Choose(1, 20).Select(h => h * 3_600_000L)),
            (1, Gen.Choose(1, 3).Select(d => d * 86_400_000L)))
        from count in Gen.Choose(0, 5)
        from reports in Reports.ArrayOf(count)
        select new SupervisorBoundary(advance, reports);

    public static readonly Gen<SupervisorFlow> Generator =
        from hours in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from day in Gen.Choose(0, 6)
        from minutes in Gen.Choose(-120, 480)
        from length in Gen.Choose(5, 120)
        from checkpoint in Gen.Choose(-1, length - 1)
        from intoUsed in Gen.Elements(new[] { false, true })
        from loss in Gen.Choose(5, 30)
        from drawdown in Gen.Choose(3, 30)
        from flatten in Gen.Elements(new[] { false, true })
        from stale in Gen.Choose(30, 300)
        from boundaries in Boundaries.ArrayOf(length)
        select new SupervisorFlow(hours, new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc).AddDays(day).AddMinutes(minutes),
            checkpoint, intoUsed,
            AccountLimits.Default with
            {
                MaxDailyLoss = loss * 100m,
                MaxDrawdown = drawdown * 100m,
                ReduceAtFraction = 0.8m,
                MaxGrossExposure = 50_000m,
                MaxNetExposure = 30_000m,
                MaxOpenPositions = 8,
                MaxOrdersPerWindow = 30,
                MaxMessagesPerWindow = 45,
                FlattenOnBreach = flatten,
                StaleDataAfter = TimeSpan.FromSeconds(stale),
            },
            boundaries);

    public static Arbitrary<SupervisorFlow> Flows() => Arb.From(Generator, Shrink);

    private static IEnumerable<SupervisorFlow> Shrink(SupervisorFlow f)
    {
        var n = f.Boundaries.Length;
        for (var chunk = n / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= n; start += chunk)
            {
                var checkpoint = f.Checkpoint >= start + chunk ? f.Checkpoint - chunk : Math.Min(f.Checkpoint, start - 1);
                yield return f with { Boundaries = [.. f.Boundaries[..start], .. f.Boundaries[(start + chunk)..]], Checkpoint = checkpoint };
            }
        }
    }

    /// <summary>The boundaries' reports, built once so that the original and the restored supervisor see the same objects' values.</summary>
    private static List<(DateTime At, AccountSliceReport[] Reports)> Script(SupervisorFlow flow)
    {
        var pnl = new decimal[5];
        var lastData = new DateTime?[5];
        var script = new List<(DateTime, AccountSliceReport[])>();
        var t = flow.Start;
        foreach (var b in flow.Boundaries)
        {
            t = t.AddMilliseconds(b.AdvanceMs);
            var reports = new List<AccountSliceReport>();
            foreach (var r in b.Reports.DistinctBy(r => r.Symbol))
            {
                var time = t.AddMilliseconds(-r.LagMs);
                pnl[r.Symbol] += r.PnlDelta;
                if (r.NewData) lastData[r.Symbol] = time;
                var gross = r.Exposed ? (decimal)r.Gross : 0m;
                var usage = new Usage(gross, gross * 0.6m, gross * 0.3m, r.Exposed ? 1 : 0);
                var used = new Credit(usage.Gross, usage.Long, usage.Short, usage.Positions, r.Gross % 7, r.Gross % 11);
                var wanted = r.Wants ? new Credit(r.Gross / 2m, r.Gross / 3m, 0m, 1, 1 + r.Gross % 2, 2) : Credit.Zero;
                var symbol = $"S{r.Symbol}";
                reports.Add(new AccountSliceReport("acc",
                    new SymbolRisk(symbol, time, pnl[r.Symbol] * 0.7m, pnl[r.Symbol] * 0.3m, usage, gross * (r.Symbol % 2 == 0 ? 1m : -0.5m), lastData[r.Symbol], r.Exposed),
                    used, wanted, r.Stopped ? [$"strat{r.Symbol}"] : []));
            }
            script.Add((t, reports.ToArray()));
        }
        return script;
    }

    /// <summary>Runs the original through the whole flow, then a restored one from the checkpoint; the first difference, or null.</summary>
    public static string? Replay(SupervisorFlow flow, Dictionary<string, int>? stats, Func<AccountCheckpoint, AccountCheckpoint>? corrupt = null)
    {
        var hours = flow.Hours ? NewYork : null;
        var script = Script(flow);
        var original = new AccountSupervisor("acc", flow.Limits, hours);
        var decisions = new List<AccountDecisions>();
        AccountCheckpoint? checkpoint = flow.Checkpoint < 0 ? original.Save() : null;
        for (var i = 0; i < script.Count; i++)
        {
            decisions.Add(original.OnBoundary(script[i].At, script[i].Reports));
            if (i == flow.Checkpoint) checkpoint = original.Save();
        }

        var restored = new AccountSupervisor("acc", flow.Limits, hours);
        if (flow.RestoreIntoUsed)
        {
            // Something else entirely first: another day, other symbols, a halt, a stale engagement.
            var t = flow.Start.AddDays(-10);
            restored.OnBoundary(t, [new AccountSliceReport("acc", new SymbolRisk("S0", t, 0m, 0m, new Usage(1m, 1m, 0m, 1), 1m, t, true), Credit.Zero, Credit.Zero, [])]);
            restored.OnBoundary(t.AddHours(1), [new AccountSliceReport("acc", new SymbolRisk("ZZ", t.AddHours(1), -99_999m, 0m, new Usage(9m, 9m, 9m, 3), 9m, t, true),
                new Credit(9m, 9m, 9m, 3, 3, 3), new Credit(1m, 1m, 1m, 1, 1, 1), ["z"])]);
            if (stats is not null && corrupt is null) stats["restored into a used supervisor"] = stats.GetValueOrDefault("restored into a used supervisor") + 1;
        }
        restored.Restore(corrupt is null ? checkpoint! : corrupt(checkpoint!));
        if (restored.LastBoundary != (flow.Checkpoint < 0 ? null : script[flow.Checkpoint].At))
            return $"restored LastBoundary {restored.LastBoundary:O}";

        for (var i = flow.Checkpoint + 1; i < script.Count; i++)
        {
            var again = restored.OnBoundary(script[i].At, script[i].Reports);
            var was = decisions[i];
            if (!again.Commands.SequenceEqual(was.Commands))
                return $"boundary {i} at {script[i].At:O}: original decided [{string.Join("; ", was.Commands)}], restored [{string.Join("; ", again.Commands)}]";
            if (!again.Allocations.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(was.Allocations.OrderBy(kv => kv.Key, StringComparer.Ordinal)))
                return $"boundary {i} at {script[i].At:O}: original allocated [{string.Join("; ", was.Allocations)}], restored [{string.Join("; ", again.Allocations)}]";
            if (stats is not null && corrupt is null)
                foreach (var c in was.Commands)
                    stats[c.Trigger] = stats.GetValueOrDefault(c.Trigger) + 1;
        }
        if (original.Tracker.View() != restored.Tracker.View()) return $"views differ at the end: {original.Tracker.View()} vs {restored.Tracker.View()}";
        return null;
    }
}

using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Symbols;

/// <summary>
/// The per-symbol core, event by event: matching before the bar's orders, targets to orders, the
/// account credit and its deferrals, the kill switch and its points, flatten, reports and
/// redelivered events. Strategies are scripted and run through StrategyRunners; the paper venue
/// has no slippage and no fees so prices are exact.
/// </summary>
public sealed class SymbolCoreTests
{
    private static readonly DateTime T0 = CoreFixture.T0;
    private static readonly Credit Plenty = AccountLimits.Default.Total;

    private static DateTime At(double seconds) => T0.AddSeconds(seconds);

    // ---- matching and orders ----

    [Fact]
    public void Matching_comes_before_the_bars_new_orders_and_an_order_fills_only_on_a_later_event()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m), (2, 0m)));
        f.Grant(Plenty);

        Assert.Empty(f.Feed(CoreFixture.Tick(10, 100m)));
        // The tick at 14:31 completes the 14:30 bar: the order goes out, and does not fill on the event that sent it.
        var buy = new Order("SYM-1", "s1", "SYM", Side.Buy, 100m, OrderType.Market, null, At(60), 2);
        Assert.Equal([new OrderAccepted(buy)], f.Feed(CoreFixture.Tick(60, 101m)));
        // The next bar wants flat: the resting buy fills on this event first, so the new order sells the 100 it bought.
        Assert.Equal(
            [
                new OrderFilled(new Fill("SYM-1", "s1", "SYM", Side.Buy, 100m, 102m, 0m, At(120), 3)),
                new OrderAccepted(new Order("SYM-2", "s1", "SYM", Side.Sell, 100m, OrderType.Market, null, At(120), 3)),
            ],
            f.Feed(CoreFixture.Tick(120, 102m)));
        Assert.Equal([new OrderFilled(new Fill("SYM-2", "s1", "SYM", Side.Sell, 100m, 103m, 0m, At(130), 4))], f.Feed(CoreFixture.Tick(130, 103m)));

        var book = f.Core.State.Book("s1");
        Assert.Equal(0m, book.Position.Quantity);
        Assert.Equal(100m, book.Position.RealizedPnl);
        Assert.Equal((2L, 2L, 0L), (book.OrdersAccepted, book.Fills, book.Cancels));
        Assert.Equal(4, f.Core.Position);
        Assert.Equal(103m, f.Core.LastPrice);
    }

    [Fact]
    public void An_order_decided_on_a_daily_bar_passes_the_hours_gate_and_fills_at_the_next_days_open()
    {
        var ny = new TradingHours(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));
        // T0 + 390 minutes is 21:00Z, the 16:00 New York close of 2024-03-04.
        var f = new CoreFixture(CoreFixture.Slot("d", limits: RiskLimits.Default with { Hours = ny }), CoreFixture.Targets((390, 1m)));
        f.Grant(Plenty);
        var day = TimeSpan.FromDays(1);

        var accepted = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(new TradeBar("SYM", T0.AddMinutes(390), day, 99m, 101m, 98m, 100m, 1000m))));
        Assert.Equal((Side.Buy, 100m), (accepted.Order.Side, accepted.Order.Quantity));
        // LEAN's market-on-open: the next daily bar's open.
        var fill = Assert.IsType<OrderFilled>(Assert.Single(f.Feed(new TradeBar("SYM", T0.AddMinutes(390).AddDays(1), day, 102m, 104m, 101m, 103m, 1000m))));
        Assert.Equal(102m, fill.Fill.Price);

        // A minute bar ending at the same close is not for the next session: refused as outside hours.
        var m = new CoreFixture(CoreFixture.Slot("d", limits: RiskLimits.Default with { Hours = ny }), CoreFixture.Targets((390, 1m)));
        m.Grant(Plenty);
        var rejected = Assert.IsType<OrderRejected>(Assert.Single(m.Feed(new TradeBar("SYM", T0.AddMinutes(390), TimeSpan.FromMinutes(1), 99m, 101m, 98m, 100m, 1000m))));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, rejected.Reason);
    }

    [Fact]
    public void A_marketable_limit_order_fills_on_the_next_event_at_that_events_price()
    {
        // Limit orders sit inside the last price by the offset; a move through the limit fills them at the limit, later.
        var f = new CoreFixture(CoreFixture.Slot("lim", type: OrderType.Limit, offsetBps: 100m), CoreFixture.Targets((1, 1m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        var accepted = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        Assert.Equal((Side.Buy, 99m), (accepted.Order.Side, accepted.Order.LimitPrice));
        Assert.Empty(f.Feed(CoreFixture.Tick(70, 99.5m)));
        var fill = Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(80, 98m))));
        Assert.Equal((99m, 4L), (fill.Fill.Price, fill.FeedSeq));
    }

    [Fact]
    public void A_target_change_cancels_the_strategys_resting_orders_first_and_trades_the_difference()
    {
        var f = new CoreFixture(
            CoreFixture.Slot("lim", qty: 100m, type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)),
            CoreFixture.Slot("other", qty: 10m, type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.Equal(
            [
                new OrderAccepted(new Order("SYM-1", "lim", "SYM", Side.Buy, 100m, OrderType.Limit, 98m, At(60), 2)),
                new OrderAccepted(new Order("SYM-2", "other", "SYM", Side.Buy, 10m, OrderType.Limit, 98m, At(60), 2)),
            ],
            f.Feed(CoreFixture.Tick(60, 100m)));

        // Short now: the resting buy goes first, then a sell of the full 100 (the position is still flat).
        Assert.Equal(
            [
                new OrderCancelled("SYM-1", "replaced by new target", At(120), 3),
                new OrderAccepted(new Order("SYM-3", "lim", "SYM", Side.Sell, 100m, OrderType.Limit, 102m, At(120), 3)),
            ],
            f.Feed(CoreFixture.Tick(120, 100m)));
        // The other strategy's order is not touched.
        Assert.Equal(["SYM-2", "SYM-3"], f.Core.State.OpenOrders.Select(o => o.OrderId));
        Assert.Equal(new Leg(0m, 0m, 100m), f.Core.State.LegOf("lim"));
    }

    [Fact]
    public void An_unchanged_target_or_a_short_target_without_shorting_sends_nothing_more()
    {
        var f = new CoreFixture(
            CoreFixture.Slot("long", allowShort: false), CoreFixture.Targets((1, 1m), (2, 1m), (3, -1m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        // The same target again: only the fill.
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(120, 100m))));
        // Short is not allowed: the target becomes flat, and the position is sold, not reversed.
        var sell = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 100m))));
        Assert.Equal((Side.Sell, 100m), (sell.Order.Side, sell.Order.Quantity));
    }

    // ---- account credit: deferral and the boundary retry ----

    [Fact]
    public void An_order_lacking_credit_is_deferred_reported_as_wanted_and_accepted_at_the_boundary_retry()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)));
        f.Grant(new Credit(5_000m, 5_000m, 5_000m, 10, 100, 100));
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.Equal(
            [new OrderDeferred("s1", 1m, Side.Buy, 100m, OrderType.Market, null, OrderRejectReason.AccountGrossExposure, At(60), 2)],
            f.Feed(CoreFixture.Tick(60, 100m)));
        Assert.Empty(f.Core.State.OpenOrders);
        Assert.Equal(1, f.Core.State.Book("s1").Deferrals);

        var report = Assert.Single(f.Core.Report(At(300)));
        Assert.Equal(Credit.Zero, report.Used);
        Assert.Equal(new Credit(10_000m, 10_000m, 0m, 1, 1, 1), report.Wanted);

        // The boundary grants it: the order is accepted now, at the symbol's position and time.
        Assert.Equal(
            [new OrderAccepted(new Order("SYM-1", "s1", "SYM", Side.Buy, 100m, OrderType.Market, null, At(60), 2))],
            f.Boundary(new Dictionary<string, Credit> { ["A"] = new(20_000m, 20_000m, 20_000m, 10, 100, 100) }));
        // Tried once: the next boundary has nothing to retry.
        Assert.Empty(f.Boundary(new Dictionary<string, Credit> { ["A"] = Plenty }));
        Assert.Equal(Credit.Zero, Assert.Single(f.Core.Report(At(600))).Wanted);
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(70, 100m))));
    }

    [Fact]
    public void A_deferred_order_still_lacking_credit_at_the_boundary_is_rejected_for_good()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)));
        var small = new Credit(5_000m, 5_000m, 5_000m, 10, 100, 100);
        f.Grant(small);
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.IsType<OrderDeferred>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));

        // No allocation at all (null, or the account absent) leaves the credit as it was: not enough.
        Assert.Equal(
            [new OrderRejected("s1", Side.Buy, 100m, OrderType.Market, null, OrderRejectReason.AccountGrossExposure, At(60), 2)],
            f.Boundary(new Dictionary<string, Credit> { ["other-account"] = Plenty }));
        Assert.Equal(small, f.Core.Held("A"));
        Assert.Empty(f.Boundary(new Dictionary<string, Credit> { ["A"] = Plenty }));
        Assert.Empty(f.Core.State.OpenOrders);
        Assert.Equal(1L, f.Core.State.Book("s1").Rejections[OrderRejectReason.AccountGrossExposure]);
    }

    [Fact]
    public void A_deferred_order_is_not_retried_when_a_new_target_came_before_the_boundary()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m), (2, 0m)));
        f.Grant(new Credit(5_000m, 5_000m, 5_000m, 10, 100, 100));
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.IsType<OrderDeferred>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        // Flat again: nothing to trade, and nothing waits any more.
        Assert.Empty(f.Feed(CoreFixture.Tick(120, 100m)));
        Assert.Equal(Credit.Zero, Assert.Single(f.Core.Report(At(300))).Wanted);
        Assert.Empty(f.Boundary(null));
    }

    [Fact]
    public void Before_any_credit_every_order_waits_for_the_first_boundary_and_rate_credit_counts_too()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)));
        f.Feed(CoreFixture.Tick(10, 100m));
        var deferred = Assert.IsType<OrderDeferred>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        Assert.Equal(OrderRejectReason.AccountGrossExposure, deferred.Reason);
        Assert.Equal(Credit.Zero, f.Core.Held("A"));
        // Exposure granted, but no order in the rate window: still refused, for the order rate.
        var rejected = Assert.IsType<OrderRejected>(Assert.Single(f.Boundary(new Dictionary<string, Credit> { ["A"] = Plenty with { Orders = 0 } })));
        Assert.Equal(OrderRejectReason.AccountOrderRate, rejected.Reason);
    }

    // ---- the kill switch ----

    [Fact]
    public void A_halt_cancels_the_resting_orders_in_its_scope_and_refuses_their_new_orders_only()
    {
        var f = new CoreFixture(
            CoreFixture.Slot("a1", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)),
            CoreFixture.Slot("b1", account: "B", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)));
        f.Grant(Plenty, "A", "B");
        f.Feed(CoreFixture.Tick(10, 100m));
        Assert.Equal(2, f.Feed(CoreFixture.Tick(60, 100m)).Count);

        Assert.Equal(
            [new OrderCancelled("SYM-1", "kill switch (account:A): desk stop", At(60), 2)],
            f.Change(CoreFixture.Halt(1, "account:A", point: 2, reason: "desk stop")));
        Assert.Equal(1, f.Core.AppliedEpoch);
        Assert.Equal(["SYM-2"], f.Core.State.OpenOrders.Select(o => o.OrderId));
        var report = f.Core.Report();
        Assert.True(report.KillSwitchEngaged);
        Assert.Equal([TradingState.Halted, TradingState.Active], report.Strategies.Select(s => s.State));
        // The same change again (a redelivery) changes nothing; a scope that covers nobody here neither.
        Assert.Empty(f.Change(CoreFixture.Halt(1, "account:A", point: 2, reason: "desk stop")));
        Assert.Empty(f.Change(CoreFixture.Halt(2, "symbol:OTHER", point: 2)));

        // The halted strategy's new wish is refused (its resting orders are already gone); the other account trades on.
        Assert.Equal(
            [
                new OrderRejected("a1", Side.Sell, 100m, OrderType.Limit, 102m, OrderRejectReason.KillSwitch, At(120), 3),
                new OrderCancelled("SYM-2", "replaced by new target", At(120), 3),
                new OrderAccepted(new Order("SYM-3", "b1", "SYM", Side.Sell, 100m, OrderType.Limit, 102m, At(120), 3)),
            ],
            f.Feed(CoreFixture.Tick(120, 100m)));
    }

    [Fact]
    public void Reducing_cancels_resting_orders_and_accepts_only_orders_that_shrink_the_position()
    {
        var f = new CoreFixture(CoreFixture.Slot("a1", qty: 100m), CoreFixture.Targets((1, 1m), (3, -1m), (4, 0m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        f.Feed(CoreFixture.Tick(60, 100m));
        f.Feed(CoreFixture.Tick(70, 100m)); // filled: long 100
        Assert.Empty(f.Change(new ScopeChange(1, "strategy:a1", TradingState.Reducing, false, "loss warning", "risk", T0, FeedStep.At(3))));
        f.Feed(CoreFixture.Tick(120, 100m));
        // Short from long 100 is a sell of 200: it would cross zero.
        var refused = Assert.IsType<OrderRejected>(Assert.Single(f.Feed(CoreFixture.Tick(180, 100m))));
        Assert.Equal((200m, OrderRejectReason.ReduceOnly), (refused.Quantity, refused.Reason));
        // Flat is a sell of 100: it shrinks the position.
        var sell = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(240, 100m))));
        Assert.Equal((Side.Sell, 100m), (sell.Order.Side, sell.Order.Quantity));
    }

    [Fact]
    public void A_flatten_sends_a_reduce_only_order_each_bar_until_flat()
    {
        // One order per 3 minutes: the buy at 14:31 keeps the flatten out until 14:34.
        var limits = RiskLimits.Default with { MaxOrdersPerWindow = 1, RateWindow = TimeSpan.FromMinutes(3) };
        var f = new CoreFixture(CoreFixture.Slot("a1", limits: limits), CoreFixture.Targets((1, 1m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        f.Feed(CoreFixture.Tick(60, 100m));
        f.Feed(CoreFixture.Tick(70, 100m));
        Assert.Equal(100m, f.Core.State.LegOf("a1").Position);

        Assert.Equal(
            [new OrderRejected("a1", Side.Sell, 100m, OrderType.Limit, 99.8m, OrderRejectReason.OrderRate, At(70), 3)],
            f.Change(CoreFixture.Halt(1, "strategy:a1", point: 3, flatten: true)));

        var byTick = new List<(double Second, List<ISymbolEvent> Output)>();
        for (var s = 90.0; s <= 360; s += 30) byTick.Add((s, f.Feed(CoreFixture.Tick(s, 100m))));
        string Kinds(double s) => string.Join(",", byTick.Single(x => x.Second == s).Output.Select(e => e switch
        {
            OrderRejected r => $"rejected {r.Reason}",
            OrderAccepted a => $"accepted flatten={a.Order.Flatten} {a.Order.Side} {a.Order.Quantity} @{a.Order.LimitPrice}",
            OrderFilled => "filled",
            _ => e.GetType().Name,
        }));
        // Between bars nothing is retried; at each bar (the ticks on the minute) once.
        Assert.Equal("", Kinds(90));
        Assert.Equal("rejected OrderRate", Kinds(120));
        Assert.Equal("", Kinds(150));
        Assert.Equal("rejected OrderRate", Kinds(180));
        Assert.Equal("", Kinds(210));
        Assert.Equal("accepted flatten=True Sell 100 @99.80", Kinds(240));
        Assert.Equal("filled", Kinds(270));
        // Flat: nothing more, bar after bar.
        Assert.All(byTick.Where(x => x.Second > 270), x => Assert.Empty(x.Output));
        Assert.Equal(0m, f.Core.State.LegOf("a1").Position);
        Assert.True(f.Core.Report().KillSwitchEngaged);
    }

    [Fact]
    public void A_release_lifts_the_halt_and_cancels_the_flattens_resting_order()
    {
        var f = new CoreFixture(CoreFixture.Slot("a1"), CoreFixture.Targets((1, 1m), (3, 0m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        f.Feed(CoreFixture.Tick(60, 100m));
        f.Feed(CoreFixture.Tick(70, 100m));

        var flatten = new Order("SYM-2", "a1", "SYM", Side.Sell, 100m, OrderType.Limit, 99.8m, At(70), 3, Flatten: true);
        Assert.Equal([new OrderAccepted(flatten)], f.Change(CoreFixture.Halt(1, "account:A", point: 3, flatten: true)));
        // The price falls away from the reduce-only sell: it rests, and is not sent again at the bar.
        Assert.Empty(f.Feed(CoreFixture.Tick(90, 95m)));
        Assert.Empty(f.Feed(CoreFixture.Tick(120, 95m)));

        Assert.Equal(
            [new OrderCancelled("SYM-2", "flatten no longer requested", At(120), 5)],
            f.Change(new ScopeChange(2, "account:A", TradingState.Active, false, "released", "desk", T0, FeedStep.At(5))));
        Assert.False(f.Core.Report().KillSwitchEngaged);
        Assert.Equal(2, f.Core.AppliedEpoch);
        // Trading resumes: the flat target sells the position.
        var sell = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 95m))));
        Assert.Equal((Side.Sell, 100m, false), (sell.Order.Side, sell.Order.Quantity, sell.Order.Flatten));
    }

    /// <summary>
    /// Live, a change takes effect on arrival whatever its point: the kill switch publishes it only
    /// once every step up to its point is done everywhere, so the symbol has no earlier step to come.
    /// </summary>
    [Fact]
    public void A_change_takes_effect_on_arrival_and_a_point_before_the_last_one_is_refused()
    {
        var f = new CoreFixture(CoreFixture.Slot("a1", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)));
        f.Grant(Plenty);
        Assert.Empty(f.Batch(new SequencedEvent(10, CoreFixture.Tick(10, 100m))));
        Assert.IsType<OrderAccepted>(Assert.Single(f.Batch(new SequencedEvent(12, CoreFixture.Tick(60, 100m)))));

        // Point 15 is another symbol's event: the cancel comes now, as of this symbol's event 12.
        Assert.Equal(
            [new OrderCancelled("SYM-1", "kill switch (symbol:SYM): test", At(60), 12)],
            f.Change(CoreFixture.Halt(1, "symbol:SYM", point: 15)));
        Assert.Equal(1, f.Core.AppliedEpoch);
        Assert.Equal([new TradingStateApplied(1, 12), new OrderCancelled("SYM-1", "kill switch (symbol:SYM): test", At(60), 12)], f.Journal[^2..]);
        Assert.Equal(
            [new OrderRejected("a1", Side.Sell, 100m, OrderType.Limit, 102m, OrderRejectReason.KillSwitch, At(120), 18)],
            f.Batch(new SequencedEvent(16, CoreFixture.Tick(80, 100m)), new SequencedEvent(18, CoreFixture.Tick(120, 100m))));

        Assert.Empty(f.Change(new ScopeChange(2, "symbol:SYM", TradingState.Active, false, "", "desk", T0, FeedStep.At(18))));
        Assert.Equal(2, f.Core.AppliedEpoch);
        Assert.Throws<ArgumentException>(() => f.Change(CoreFixture.Halt(3, "engine", point: 17)));
    }

    /// <summary>
    /// A restarted core learns the kill switch's history before it replays: a change its journal does
    /// not show applied takes effect, once the journal is behind, right before the first step after
    /// its point, which is where the original run met it; one the journal shows applied takes effect
    /// exactly there (TradingStateApplied), and is not decided again.
    /// </summary>
    [Fact]
    public void A_replay_applies_a_known_change_where_the_journal_says_or_else_right_after_its_point()
    {
        CoreFixture Fresh() => new(CoreFixture.Slot("a1", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)));
        SequencedEvent[] feed =
        [
            new(10, CoreFixture.Tick(10, 100m)), new(12, CoreFixture.Tick(60, 100m)),
            new(16, CoreFixture.Tick(80, 100m)), new(18, CoreFixture.Tick(120, 100m)),
        ];
        var halt = CoreFixture.Halt(1, "symbol:SYM", point: 15);

        var original = Fresh();
        original.Grant(Plenty);
        original.Batch(feed[0]);
        original.Batch(feed[1]);
        original.Change(halt);
        original.Batch(feed[2]);
        original.Batch(feed[3]);

        // Crashed before the halt's cancel was journaled: the replay meets the halt before event 16.
        var cut = original.Journal.FindIndex(e => e is TradingStateApplied);
        var before = Fresh().Restart(original.Journal.Take(cut), [halt]);
        before.Grant(Plenty);
        foreach (var e in feed) before.Batch(e);
        Assert.Equal(original.Journal, original.Journal.Take(cut).Concat(before.Journal).ToList());

        // Crashed after it: replayed where it happened, never decided again.
        var after = Fresh().Restart(original.Journal.Take(cut + 2), [halt]);
        after.Grant(Plenty);
        foreach (var e in feed) after.Batch(e);
        Assert.Equal(original.Journal, original.Journal.Take(cut + 2).Concat(after.Journal).ToList());
    }

    /// <summary>
    /// Two changes that take effect together (at the same step, or both known to a replay) are
    /// applied one at a time, each followed by what it causes: the flatten orders go out in the
    /// changes' order whether the changes came one by one or together.
    /// </summary>
    [Fact]
    public void Changes_applied_together_have_the_same_effect_as_one_by_one()
    {
        CoreFixture Long()
        {
            var fixture = new CoreFixture(
                CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)),
                CoreFixture.Slot("s2"), CoreFixture.Targets((1, 1m)));
            fixture.Grant(Plenty);
            fixture.Feed(CoreFixture.Tick(10, 100m));
            fixture.Feed(CoreFixture.Tick(60, 100m));   // both buy
            fixture.Feed(CoreFixture.Tick(70, 100m));   // filled
            fixture.Feed(CoreFixture.Tick(80, 100m));
            return fixture;
        }
        var first = CoreFixture.Halt(1, "strategy:s2", point: 4, flatten: true);
        var second = CoreFixture.Halt(2, "strategy:s1", point: 4, flatten: true);

        var oneByOne = Long();
        oneByOne.Change(first);
        oneByOne.Change(second);
        oneByOne.Feed(CoreFixture.Tick(90, 100m));
        Assert.Equal(
            ["s2", "s1"],
            oneByOne.Journal.OfType<OrderAccepted>().Where(a => a.Order.Flatten).Select(a => a.Order.StrategyId));

        // A replay whose journal ends before both: they wait for event 5 and go out together.
        var cut = oneByOne.Journal.FindIndex(e => e is TradingStateApplied);
        var replay = new CoreFixture(
            CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)),
            CoreFixture.Slot("s2"), CoreFixture.Targets((1, 1m))).Restart(oneByOne.Journal.Take(cut), [first, second]);
        replay.Grant(Plenty);
        foreach (var at in new[] { 10.0, 60, 70, 80, 90 }) replay.Feed(CoreFixture.Tick(at, 100m));
        Assert.Equal(oneByOne.Journal, oneByOne.Journal.Take(cut).Concat(replay.Journal).ToList());
    }

    [Fact]
    public void A_halt_that_keeps_orders_cancels_nothing_refuses_new_orders_and_released_at_its_point_leaves_no_trace_in_the_trading()
    {
        CoreFixture Fixture()
        {
            var f = new CoreFixture(CoreFixture.Slot("a1", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m), (3, 1m)));
            f.Grant(Plenty);
            f.Feed(CoreFixture.Tick(10, 100m));
            f.Feed(CoreFixture.Tick(60, 100m)); // a limit order rests
            return f;
        }
        var halted = Fixture();
        var journalHalt = CoreFixture.Halt(1, "engine", point: 2, reason: "journal failure") with { KeepOrders = true };
        Assert.Empty(halted.Change(journalHalt));
        Assert.True(halted.Core.Report().KillSwitchEngaged);
        Assert.Empty(halted.Change(new ScopeChange(2, "engine", TradingState.Active, false, "journal back", "ops", T0, FeedStep.At(2))));

        var never = Fixture();
        var after = new[] { CoreFixture.Tick(120, 100m), CoreFixture.Tick(150, 97m), CoreFixture.Tick(180, 100m), CoreFixture.Tick(240, 104m) };
        Assert.Equal(never.Feed(after), halted.Feed(after));

        // While it holds, new orders are refused and the resting one stays.
        var stillHalted = Fixture();
        Assert.Empty(stillHalted.Change(journalHalt));
        var refused = Assert.IsType<OrderRejected>(Assert.Single(stillHalted.Feed(CoreFixture.Tick(120, 100m))));
        Assert.Equal(OrderRejectReason.KillSwitch, refused.Reason);
    }

    [Fact]
    public void While_the_kill_switch_is_unavailable_every_order_is_refused_and_resting_ones_are_cancelled()
    {
        var f = new CoreFixture(CoreFixture.Slot("a1", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m), (3, 1m)));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        f.Feed(CoreFixture.Tick(60, 100m));

        var output = new List<ISymbolEvent>();
        f.Core.SetKillSwitchAvailable(false, output);
        Assert.Equal([new OrderCancelled("SYM-1", "kill switch (engine): kill switch unavailable: no order is accepted until it is back", At(60), 2)], output);
        Assert.True(f.Core.Report().KillSwitchEngaged);
        output.Clear();
        f.Core.SetKillSwitchAvailable(false, output);
        Assert.Empty(output);

        var refused = Assert.IsType<OrderRejected>(Assert.Single(f.Feed(CoreFixture.Tick(120, 100m))));
        Assert.Equal(OrderRejectReason.KillSwitch, refused.Reason);
        // A change that arrives meanwhile is applied, and still holds once the kill switch is back.
        Assert.Empty(f.Change(CoreFixture.Halt(1, "strategy:other", point: 3)));
        f.Core.SetKillSwitchAvailable(true, output);
        Assert.Empty(output);
        Assert.False(f.Core.Report().KillSwitchEngaged);
        Assert.Equal(1, f.Core.AppliedEpoch);
        Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 100m))));
    }

    // ---- reports ----

    [Fact]
    public void Report_at_a_boundary_gives_each_account_its_pnl_exposure_usage_and_rate_counts()
    {
        var f = new CoreFixture(
            CoreFixture.Slot("a1", qty: 100m), CoreFixture.Targets((1, 1m)),
            CoreFixture.Slot("a2", qty: 50m, type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m)),
            CoreFixture.Slot("b1", account: "B"), CoreFixture.Targets());
        f.Grant(Plenty, "A", "B");
        f.Feed(CoreFixture.Tick(10, 100m));
        f.Feed(CoreFixture.Tick(60, 100m));     // a1 buys 100 at market, a2 bids 50 at 98
        f.Feed(CoreFixture.Tick(70, 101m));     // a1 filled at 101
        f.Feed(CoreFixture.Tick(80, 102m));

        var reports = f.Core.Report(At(100));
        Assert.Equal(["A", "B"], reports.Select(r => r.Account));
        var a = reports[0];
        // Resting orders count as if filled: 150 long at 102.
        var usage = new Usage(15_300m, 15_300m, 0m, 2);
        Assert.Equal(new SymbolRisk("SYM", At(80), 0m, 100m, usage, 10_200m, At(80), true), a.Risk);
        Assert.Equal(new Credit(15_300m, 15_300m, 0m, 2, 2, 2), a.Used);
        Assert.Equal(Credit.Zero, a.Wanted);
        Assert.Empty(a.StoppedStrategies);
        var b = reports[1];
        Assert.Equal(new SymbolRisk("SYM", At(80), 0m, 0m, default, 0m, At(80), false), b.Risk);
        Assert.Equal(Credit.Zero, b.Used);
        // Rate counts are as of the slice's end: a minute later both orders have left the account's window.
        Assert.Equal(new Credit(15_300m, 15_300m, 0m, 2, 0, 0), f.Core.Report(At(300))[0].Used);
    }

    [Fact]
    public void A_stopped_strategy_is_journaled_once_reported_once_and_its_later_outcomes_are_ignored()
    {
        var stopAtOnce = new StrategySupervision(0, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15));
        var f = new CoreFixture(stopAtOnce, CoreFixture.Slot("boom"), new FlakyStrategy(CoreFixture.Targets(), modulus: 1));
        f.Grant(Plenty);
        f.Feed(CoreFixture.Tick(10, 100m));
        var stopped = Assert.IsType<StrategyStopped>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        Assert.Equal(("boom", At(60), 2L), (stopped.StrategyId, stopped.Time, stopped.FeedSeq));
        Assert.Contains("boom", f.Core.State.StoppedStrategies);
        Assert.Equal(["boom"], Assert.Single(f.Core.Report(At(300))).StoppedStrategies);
        Assert.Empty(Assert.Single(f.Core.Report(At(600))).StoppedStrategies);

        // Outcomes handed in by hand: another Stopped and a target are both ignored now.
        var batch = new[] { new SequencedEvent(3, CoreFixture.Tick(120, 100m)) };
        var bars = new List<BarAt>();
        f.Core.CollectBars(batch, bars);
        var output = new List<ISymbolEvent>();
        f.Core.Process(batch, bars, [[new StrategyOutcome(StrategyOutcomeKind.Stopped, 0m, "again")]], output);
        Assert.Empty(output);
        batch = [new SequencedEvent(4, CoreFixture.Tick(180, 100m))];
        f.Core.CollectBars(batch, bars);
        f.Core.Process(batch, bars, [[StrategyOutcome.Wants(1m)]], output);
        Assert.Empty(output);
        Assert.True(Assert.Single(f.Core.Report().Strategies).Stopped);
    }

    [Fact]
    public void A_strategy_that_gives_no_outcomes_trades_nothing()
    {
        var f = new CoreFixture(CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)));
        f.Grant(Plenty);
        var batch = new[] { new SequencedEvent(1, CoreFixture.Tick(10, 100m)), new SequencedEvent(2, CoreFixture.Tick(60, 100m)) };
        var bars = new List<BarAt>();
        f.Core.CollectBars(batch, bars);
        Assert.Equal(1, Assert.Single(bars).EventIndex);
        var output = new List<ISymbolEvent>();
        f.Core.Process(batch, bars, [null], output);
        f.Core.Process(batch, bars, null, output);
        Assert.Empty(output);
        Assert.Equal(2, f.Core.Position);
    }

    // ---- redelivery ----

    [Fact]
    public void Redelivered_events_are_ignored_in_both_passes()
    {
        MarketEvent[] ticks = [CoreFixture.Tick(10, 100m), CoreFixture.Tick(60, 101m), CoreFixture.Tick(70, 102m), CoreFixture.Tick(120, 103m), CoreFixture.Tick(130, 104m)];
        SequencedEvent E(int i) => new(i + 1, ticks[i]);
        CoreFixture Fresh()
        {
            var fixture = new CoreFixture(
                CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m), (2, -1m)),
                CoreFixture.Slot("s2", type: OrderType.Limit, offsetBps: 50m), CoreFixture.Targets((1, -1m)));
            fixture.Grant(Plenty);
            return fixture;
        }

        var once = Fresh();
        var expected = once.Batch(E(0), E(1), E(2)).Concat(once.Batch(E(3), E(4))).ToList();
        Assert.Equal(2, once.BarsCollected);

        var again = Fresh();
        var actual = again.Batch(E(0), E(1), E(2));
        // All of it again: no bar, no output, nothing moves.
        Assert.Empty(again.Batch(E(0), E(1), E(2)));
        Assert.Equal(1, again.BarsCollected);
        Assert.Equal(3, again.Core.Position);
        // Overlapping: only the new events count, in the first pass (bars) as in the second.
        actual.AddRange(again.Batch(E(1), E(2), E(3), E(4)));
        Assert.Equal(2, again.BarsCollected);
        Assert.Equal(expected, actual);
        Assert.Equal(CoreDescribe.Report(once.Core.Report()), CoreDescribe.Report(again.Core.Report()));
    }
}

/// <summary>One SymbolCore with scripted strategies run by StrategyRunners, fed tick by tick or batch by batch.</summary>
internal sealed class CoreFixture
{
    public static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
    private readonly StrategyRunner?[] _runners;
    private readonly StrategySlotConfig[] _slots;
    private readonly List<BarAt> _bars = new();
    private readonly SymbolCoreSettings _settings;

    public CoreFixture(params object[] slotsAndStrategies) : this(StrategySupervision.Default, slotsAndStrategies)
    {
    }

    /// <param name="slotsAndStrategies">Pairs: a StrategySlotConfig, then an IStrategy or a Func&lt;IStrategy&gt;;
    /// optionally a SymbolCoreSettings in place of the defaults.</param>
    public CoreFixture(StrategySupervision supervision, params object[] slotsAndStrategies)
    {
        _slots = slotsAndStrategies.OfType<StrategySlotConfig>().ToArray();
        var factories = slotsAndStrategies.Where(o => o is not (StrategySlotConfig or SymbolCoreSettings))
            .Select(o => o switch
            {
                IStrategy s => () => s,
                Func<IStrategy> make => make,
                _ => throw new ArgumentException($"not a strategy: {o}"),
            }).ToArray();
        var accounts = _slots.Select(s => s.Account).Distinct().ToDictionary(a => a, _ => AccountLimits.Default, StringComparer.Ordinal);
        var settings = slotsAndStrategies.OfType<SymbolCoreSettings>().FirstOrDefault()
            ?? new SymbolCoreSettings(new VenueSettings(0m, 0m, 0m, 0.01m), TimeSpan.FromMinutes(1), 20m, TimeSpan.FromMinutes(10), accounts);
        _settings = settings;
        Core = new SymbolCore("SYM", settings, _slots);
        Core.RecoveryCompleted();
        _runners = factories.Select(make => new StrategyRunner(make, supervision, 50)).ToArray();
    }

    public SymbolCore Core { get; private set; }

    public long Seq { get; private set; }

    /// <summary>This fixture's core replaced by one recovering the journal, then told the kill switch's history.</summary>
    public CoreFixture Restart(IEnumerable<ISymbolEvent> journal, IReadOnlyList<ScopeChange> history)
    {
        Core = new SymbolCore("SYM", _settings, _slots);
        foreach (var e in journal) Core.Recovered(e);
        Core.RecoveryCompleted();
        var output = new List<ISymbolEvent>();
        Core.OnStateHistory(history, output);
        Assert.Empty(output);
        return this;
    }

    /// <summary>Bars the first pass found, over all batches.</summary>
    public int BarsCollected { get; private set; }

    public static StrategySlotConfig Slot(
        string id, string account = "A", decimal qty = 100m, OrderType type = OrderType.Market, decimal offsetBps = 0m,
        RiskLimits? limits = null, bool allowShort = true) =>
        new(id, account, new OrderSizing(qty, allowShort, type, offsetBps), limits ?? RiskLimits.Default);

    /// <summary>Targets by minute: the bar ending at T0 + minute.</summary>
    public static IStrategy Targets(params (int Minute, decimal Target)[] targets) =>
        new ScriptedStrategy(targets.ToDictionary(t => T0.AddMinutes(t.Minute), t => t.Target));

    public static TradeTick Tick(double seconds, decimal price) => new("SYM", T0.AddSeconds(seconds), price, 100m);

    /// <summary>A halt that takes effect after market event point (and before the boundary after it).</summary>
    public static ScopeChange Halt(long epoch, string scope, long point, bool flatten = false, string reason = "test") =>
        new(epoch, scope, TradingState.Halted, flatten, reason, "desk", T0, FeedStep.At(point));

    /// <summary>Everything the core output, markers (TradingStateApplied, BoundaryPassed) included; the helpers return the rest.</summary>
    public List<ISymbolEvent> Journal { get; } = new();

    public void Grant(Credit credit, params string[] accounts) =>
        Assert.Empty(Boundary((accounts.Length == 0 ? ["A"] : accounts).ToDictionary(a => a, _ => credit)));

    private long? _lastBoundary;

    private List<ISymbolEvent> Kept(List<ISymbolEvent> output)
    {
        Journal.AddRange(output);
        return output.Where(e => e is not (TradingStateApplied or BoundaryPassed)).ToList();
    }

    /// <summary>Events numbered on from the last one.</summary>
    public List<ISymbolEvent> Feed(params MarketEvent[] events) => Batch(events.Select(e => new SequencedEvent(++Seq, e)).ToArray());

    public List<ISymbolEvent> Batch(params SequencedEvent[] batch)
    {
        if (batch.Length > 0) Seq = Math.Max(Seq, batch[^1].Sequence);
        Core.CollectBars(batch, _bars);
        BarsCollected += _bars.Count;
        var outcomes = _runners.Select(r => r is null || _bars.Count == 0 ? null : _bars.Select(b => r.OnBar(b.Bar)).ToArray()).ToArray();
        var output = new List<ISymbolEvent>();
        Core.Process(batch, _bars, outcomes, output);
        foreach (var s in output.OfType<StrategyStopped>()) _runners[Array.FindIndex(_slots, x => x.Id == s.StrategyId)] = null;
        return Kept(output);
    }

    /// <summary>The boundary after the last event; a second one before any new event comes after another symbol's event.</summary>
    public List<ISymbolEvent> Boundary(IReadOnlyDictionary<string, Credit>? credit, IReadOnlyDictionary<string, decimal>? equity = null)
    {
        var at = _lastBoundary is { } last && last >= Seq ? last + 1 : Seq;
        Seq = at;
        _lastBoundary = at;
        var output = new List<ISymbolEvent>();
        Core.OnBoundary(at, credit, output, equity);
        return Kept(output);
    }

    /// <summary>
    /// A whole boundary as the engine runs it: the core reports at `time`, the account's real
    /// supervisor decides, and the core takes the credit and equity it allocated.
    /// </summary>
    public List<ISymbolEvent> Decide(AccountSupervisor supervisor, DateTime time)
    {
        var at = _lastBoundary is { } last && last >= Seq ? last + 1 : Seq;
        var decisions = supervisor.OnBoundary(time, Core.Report(at, time).Where(r => r.Account == supervisor.Account).ToArray());
        var equity = decisions.Equity is { } e ? new Dictionary<string, decimal> { [supervisor.Account] = e } : null;
        return Boundary(new Dictionary<string, Credit> { [supervisor.Account] = decisions.Allocations["SYM"] }, equity);
    }

    /// <summary>An operator's pause (or resume) of a strategy, between steps.</summary>
    public (PauseResult Result, List<ISymbolEvent> Events) Pause(string strategy, bool paused, string reason = "test")
    {
        var output = new List<ISymbolEvent>();
        var result = Core.SetPaused(strategy, paused, "ana@desk", reason, output);
        return (result, Kept(output));
    }

    public List<ISymbolEvent> Change(ScopeChange change)
    {
        var output = new List<ISymbolEvent>();
        Core.OnStateChange(change, output);
        return Kept(output);
    }
}

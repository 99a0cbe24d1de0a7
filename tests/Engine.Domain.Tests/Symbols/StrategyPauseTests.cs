using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Symbols;

/// <summary>
/// An operator's pause of a strategy in one symbol (strategy pause|resume): journaled where it was
/// decided, it cancels the strategy's resting orders and keeps its targets from becoming orders while
/// the other strategies trade; a resume trades to the current target at once; a replay keeps it
/// exactly where the journal has it.
/// </summary>
public sealed class StrategyPauseTests
{
    private static readonly DateTime T0 = CoreFixture.T0;
    private static readonly Credit Plenty = AccountLimits.Default.Total;

    private static DateTime At(double seconds) => T0.AddSeconds(seconds);

    private static CoreFixture Fresh() => new(
        CoreFixture.Slot("p", type: OrderType.Limit, offsetBps: 200m), CoreFixture.Targets((1, 1m), (2, -1m)),
        CoreFixture.Slot("o", qty: 10m), CoreFixture.Targets((1, 1m), (2, -1m), (3, 1m)));

    private static readonly MarketEvent[] Ticks = [CoreFixture.Tick(10, 100m), CoreFixture.Tick(60, 100m), CoreFixture.Tick(120, 100m), CoreFixture.Tick(180, 100m)];

    [Fact]
    public void A_paused_strategy_places_no_orders_and_its_resting_ones_are_cancelled_while_the_others_trade()
    {
        var f = Fresh();
        f.Grant(Plenty);
        f.Feed(Ticks[0]);
        f.Feed(Ticks[1]); // both buy: p's limit rests at 98, o's market order fills on the next event

        var (paused, events) = f.Pause("p", true, "slippage");
        Assert.Equal(new PauseResult(true, null), paused);
        Assert.Equal(
            [
                new StrategyPauseChanged("p", true, "ana@desk", "slippage", At(60), 2),
                new OrderCancelled("SYM-1", "strategy paused by ana@desk: slippage", At(60), 2),
            ],
            events);
        Assert.Equal(new PauseResult(false, null), f.Pause("p", true).Result);

        // p's target moves to -1 and o's too: only o trades.
        var next = f.Feed(Ticks[2]);
        Assert.DoesNotContain(next, e => e is OrderAccepted { Order.StrategyId: "p" });
        Assert.Contains(next, e => e is OrderAccepted { Order.StrategyId: "o" });
        Assert.Equal(1L, f.Core.State.Book("p").OrdersAccepted);
        var report = f.Core.Report().Strategies.ToDictionary(s => s.StrategyId);
        Assert.True(report["p"].Paused);
        Assert.False(report["o"].Paused);
        Assert.Equal(TradingState.Active, report["p"].State); // not a kill-switch state
    }

    [Fact]
    public void Resuming_trades_to_the_strategys_current_target_at_once()
    {
        var f = Fresh();
        f.Grant(Plenty);
        f.Feed(Ticks[0]);
        f.Feed(Ticks[1]);
        f.Pause("p", true);
        f.Feed(Ticks[2]); // p now wants -1, flat: a sell of 100 waits for the resume

        var (resumed, events) = f.Pause("p", false, "checked");
        Assert.Equal(new PauseResult(true, null), resumed);
        Assert.Equal(
            [
                new StrategyPauseChanged("p", false, "ana@desk", "checked", At(120), 3),
                new OrderAccepted(new Order("SYM-4", "p", "SYM", Side.Sell, 100m, OrderType.Limit, 102m, At(120), 3)),
            ],
            events);
        Assert.False(f.Core.Report().Strategies.Single(s => s.StrategyId == "p").Paused);
    }

    [Fact]
    public void A_replay_keeps_the_pause_where_the_journal_has_it_and_decides_nothing_again()
    {
        var original = Fresh();
        original.Grant(Plenty);
        original.Feed(Ticks[0]);
        original.Feed(Ticks[1]);
        original.Pause("p", true);
        original.Feed(Ticks[2]);

        var replay = Fresh().Restart(original.Journal, []);
        // The journal is ahead: a pause now would land before events decided without it.
        Assert.StartsWith("SYM is replaying its journal", replay.Pause("o", true).Result.Refused);
        replay.Grant(Plenty);
        foreach (var (e, i) in Ticks.Take(3).Select((e, i) => (e, i))) Assert.Empty(replay.Batch(new SequencedEvent(i + 1, e)));
        Assert.Equal(original.Core.State.OpenOrders, replay.Core.State.OpenOrders);
        Assert.Contains("p", replay.Core.State.PausedStrategies);

        // Live again: p is still paused, o trades on.
        var live = replay.Batch(new SequencedEvent(4, Ticks[3]));
        Assert.DoesNotContain(live, e => e is OrderAccepted { Order.StrategyId: "p" });
        Assert.Contains(live, e => e is OrderAccepted { Order.StrategyId: "o" });

        // And a snapshot keeps it.
        Assert.Equal(["p"], SymbolState.FromSnapshot(replay.Core.State.ToSnapshot()).PausedStrategies);
    }
}

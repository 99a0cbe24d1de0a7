using Akka.Actor;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Trading;

namespace Engine.Actors.Tests;

public sealed class KillSwitchTests
{
    /// <summary>Target changes at bars 3, 8, 12 and 20.</summary>
    private sealed class Scripted : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar) => ++_bars switch
        {
            3 => 1m,
            8 => -1m,
            12 => 1m,
            20 => -1m,
            _ => null,
        };
    }

    private static EngineSettings RestingLimitSettings() => TestEngine.Settings(s => s with
    {
        // A limit 4% inside the market on flat prices rests without filling: an open order to cancel.
        Strategies = new[]
        {
            new StrategyConfig("scripted", "scripted", new OrderSizing(100m, true, OrderType.Limit, 400m),
                new Dictionary<string, string>()) { Factory = () => new Scripted() },
        },
    });

    private static readonly decimal[] Flat = Enumerable.Repeat(50m, 20).ToArray();

    [Fact]
    public async Task Engage_cancels_open_orders_acknowledges_after_confirmation_and_blocks_orders_across_restart()
    {
        var db = TestEngine.TempDb();
        var settings = RestingLimitSettings();
        var bars = Bars.FromCloses("XYZ", Flat);

        await using (var sim = Simulation.Start(db, settings))
        {
            foreach (var e in bars.Take(5)) await sim.DeliverAsync(e);
            var before = await sim.ReportAsync("XYZ");
            Assert.Equal(1, before.OpenOrders);

            var ack = await sim.EngageAsync("engine", "test: runaway strategy", "alice");
            Assert.True(ack.Status.EngineHalted);
            Assert.Equal(new[] { "XYZ" }, ack.Confirmed);
            Assert.Empty(ack.Unconfirmed);

            // By the time of the acknowledgement, the resting order is cancelled and journaled.
            var after = await sim.ReportAsync("XYZ");
            Assert.Equal(0, after.OpenOrders);
            Assert.Equal(1, after.Strategies.Single().Cancels);
            Assert.True(after.KillSwitchEngaged);

            // Bar 8 changes the target: the order is refused with the kill-switch reason.
            foreach (var e in bars.Skip(5).Take(4)) await sim.DeliverAsync(e);
            var blocked = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(1, blocked.OrdersAccepted);
            Assert.Equal(1, blocked.Rejections[OrderRejectReason.KillSwitch]);
        }

        // A new process on the same journal: still engaged, still refusing.
        await using (var sim = Simulation.Start(db, settings))
        {
            var status = (await sim.StatusAsync()).Scopes["engine"];
            Assert.Equal(TradingState.Halted, status.State);
            Assert.Equal("alice", status.Operator);
            Assert.Equal("test: runaway strategy", status.Reason);

            // The feed replays from the start; bar 12 changes the target and must still be refused.
            foreach (var e in bars.Take(13)) await sim.DeliverAsync(e);
            var report = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(1, report.OrdersAccepted);
            Assert.Equal(2, report.Rejections[OrderRejectReason.KillSwitch]);

            // Released by an operator: the next target change trades again.
            var released = await sim.ReleaseAsync("engine", "bob");
            Assert.False(released.Status.EngineHalted);
            var more = Bars.FromCloses("XYZ", Enumerable.Repeat(50m, 25).ToArray());
            foreach (var e in more.Skip(13)) await sim.DeliverAsync(e);
            var resumed = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(2, resumed.Rejections[OrderRejectReason.KillSwitch]);
            Assert.Equal(2, resumed.OrdersAccepted);
        }
    }
}

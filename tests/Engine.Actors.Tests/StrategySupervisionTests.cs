using Engine.Actors.Settings;
using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Domain.Trading;

namespace Engine.Actors.Tests;

public sealed class StrategySupervisionTests
{
    /// <summary>Long at bar 5; throws on bar 10 only; short at bar 20. State is its bar count.</summary>
    private sealed class ThrowsOnce : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar)
        {
            _bars++;
            if (bar.Time == Bars.Open.AddMinutes(10)) throw new InvalidOperationException("bad tick handling");
            return _bars switch { 5 => 1m, 19 => -1m, _ => null };
        }
    }

    private sealed class AlwaysThrowsAfter(int n) : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar) =>
            ++_bars >= n ? throw new InvalidOperationException("division by zero in signal") : null;
    }

    /// <summary>Long at bar 2, short at bar 30.</summary>
    private sealed class Healthy : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar) => ++_bars switch { 2 => 1m, 30 => -1m, _ => null };
    }

    private static StrategyConfig Config(string id, Func<IStrategy> factory) =>
        new(id, "code", new OrderSizing(100m, true, OrderType.Market, 0m), new Dictionary<string, string>()) { Factory = factory };

    private static readonly decimal[] Rising = Enumerable.Range(0, 40).Select(i => 100m + i * 0.1m).ToArray();

    [Fact]
    public async Task A_strategy_that_throws_once_is_restarted_with_its_state_rebuilt_and_keeps_trading()
    {
        var settings = TestEngine.Settings(s => s with { Strategies = new[] { Config("flaky", () => new ThrowsOnce()) } });
        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
        await sim.RunAsync(Bars.FromCloses("ABC", Rising));

        var r = (await sim.ReportAsync("ABC")).Strategies.Single();
        Assert.False(r.Stopped);
        // Buy 100 at bar 5, then after the rebuild (bar 10 skipped, so its 19th bar is bar 20) sell 200.
        Assert.Equal(2, r.OrdersAccepted);
        Assert.Equal(2, r.Fills);
        Assert.Equal(-100m, r.Quantity);
    }

    [Fact]
    public async Task A_strategy_that_keeps_throwing_is_stopped_and_reported_while_the_symbol_keeps_trading()
    {
        var settings = TestEngine.Settings(s => s with
        {
            Strategies = new[] { Config("broken", () => new AlwaysThrowsAfter(6)), Config("healthy", () => new Healthy()) },
        });
        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
        await sim.RunAsync(Bars.FromCloses("ABC", Rising));

        var report = await sim.ReportAsync("ABC");
        var broken = report.Strategies.Single(s => s.StrategyId == "broken");
        var healthy = report.Strategies.Single(s => s.StrategyId == "healthy");
        Assert.True(broken.Stopped);
        Assert.Equal(0, broken.OrdersAccepted);
        Assert.False(healthy.Stopped);
        Assert.Equal(2, healthy.Fills); // bought at bar 3's open, sold 200 at bar 31's open
        Assert.Equal(-100m, healthy.Quantity);
        Assert.Equal(31L, report.Watermark); // the healthy sell at bar 30 filled at bar 31

        // Giving up on a strategy also engages its kill switch, engine-wide, at the boundary after it
        // was stopped (so a replay engages it at the same point), audited by the risk supervisor.
        var scope = (await sim.StatusAsync()).Scopes["strategy:broken"];
        Assert.Equal(Engine.Domain.Risk.TradingState.Halted, scope.State);
        Assert.Equal("risk-supervisor", scope.Operator);
        Assert.Equal("strategy kept failing on ABC", scope.Reason);
        var stopped = (await sim.JournalAsync(new[] { "ABC" }))["ABC"].OfType<Engine.Domain.Symbols.StrategyStopped>().Single();
        Assert.Contains("division by zero", stopped.Reason);
        Assert.True(scope.Point >= stopped.FeedSeq, $"engaged at point {scope.Point}, stopped at {stopped.FeedSeq}");
    }
}

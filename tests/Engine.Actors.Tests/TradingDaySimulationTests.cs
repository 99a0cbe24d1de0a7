using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Actors.Tests;

/// <summary>
/// Whole trading days of the seeded synthetic feed through the real actors, the three shipped
/// strategies, the risk gate and the paper venue, journaled to SQLite. Virtual time comes from the data,
/// so a day runs in seconds.
/// </summary>
public sealed class TradingDaySimulationTests
{
    private static readonly string[] Symbols = { "AAA", "BBB" };

    private static IReadOnlyList<SequencedEvent> Day(int days = 1)
    {
        var settings = new SyntheticFeedSettings(Symbols, 7, new DateOnly(2024, 3, 4), days,
            TimeSpan.FromSeconds(10), 0.40, 2m, 100m);
        var stats = new FeedStatistics();
        return MarketDataFeed.Merge(SyntheticFeedSource.Create(settings), new MarketDataValidator(), stats, _ => { }).ToList();
    }

    [Fact]
    public async Task A_trading_day_trades_every_strategy_and_positions_equal_the_journaled_fills()
    {
        var events = Day();
        await using var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings());
        await sim.RunAsync(events);

        var fills = await sim.JournaledFillsAsync(Symbols);
        var reports = new List<Engine.Actors.Symbols.SymbolReport>();
        foreach (var s in Symbols) reports.Add(await sim.ReportAsync(s));

        var traded = fills.Select(f => f.StrategyId).Distinct().OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "breakout", "ma-cross", "mean-rev" }, traded);

        foreach (var report in reports)
            foreach (var row in report.Strategies)
            {
                var mine = fills.Where(f => f.Symbol == report.Symbol && f.StrategyId == row.StrategyId).ToList();
                Assert.Equal(mine.Sum(f => f.Side.Sign() * f.Quantity), row.Quantity);
                Assert.Equal(mine.Count, row.Fills);
                // Cash conservation: what the fills paid and received, plus the marked position, is the P&L.
                var cash = mine.Sum(f => -f.Side.Sign() * f.Quantity * f.Price) - mine.Sum(f => f.Fee);
                var marked = cash + row.Quantity * report.LastPrice!.Value;
                Assert.Equal(Math.Round(row.RealizedPnl + row.UnrealizedPnl - row.Fees, 6), Math.Round(marked, 6));
            }

        // No fill is ever at the market event that placed its order, and fills respect the risk limit.
        Assert.All(reports.SelectMany(r => r.Strategies), row => Assert.True(Math.Abs(row.Quantity) <= 1000m));
        Assert.Equal(fills.Count, fills.Select(f => f.OrderId).Distinct().Count());
    }

    [Fact]
    public async Task The_same_data_and_config_give_identical_fills()
    {
        var events = Day();
        IReadOnlyList<Fill> first, second;
        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            await sim.RunAsync(events, parallelism: 32);
            first = await sim.JournaledFillsAsync(Symbols);
        }
        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            await sim.RunAsync(events, parallelism: 3);
            second = await sim.JournaledFillsAsync(Symbols);
        }
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.5)]
    [InlineData(0.85)]
    public async Task Stopping_mid_run_and_replaying_on_the_same_journal_gives_the_uninterrupted_fills(double cut)
    {
        var events = Day();
        IReadOnlyList<Fill> uninterrupted;
        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            await sim.RunAsync(events);
            uninterrupted = await sim.JournaledFillsAsync(Symbols);
        }

        var db = TestEngine.TempDb();
        await using (var sim = Simulation.Start(db, TestEngine.Settings()))
        {
            // The system is torn down with deliveries in flight, as a crash would leave it.
            _ = sim.RunAsync(events.Take((int)(events.Count * cut)), parallelism: 32);
            await Task.Delay(TimeSpan.FromMilliseconds(1500));
        }
        IReadOnlyList<Fill> resumed;
        await using (var sim = Simulation.Start(db, TestEngine.Settings()))
        {
            await sim.RunAsync(events);
            resumed = await sim.JournaledFillsAsync(Symbols);
        }
        Assert.Equal(uninterrupted, resumed);
    }
}

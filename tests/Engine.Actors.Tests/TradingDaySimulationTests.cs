using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Actors.Tests;

/// <summary>
/// Whole trading days of the seeded synthetic feed through the real actors, the three shipped
/// strategies, the risk gate and the paper venue, journaled to SQLite. Market time comes from the
/// data, so a day runs in seconds.
/// </summary>
public sealed class TradingDaySimulationTests
{
    private static readonly string[] Symbols = { "AAA", "BBB" };

    private static IReadOnlyList<SequencedEvent> Day(int days = 1)
    {
        var settings = new SyntheticFeedSettings(Symbols, 7, new DateOnly(2024, 3, 4), days,
            TimeSpan.FromSeconds(10), 0.40, 2m, 100m);
        return MarketDataFeed.Merge(SyntheticFeedSource.Create(settings), new MarketDataValidator(), new FeedStatistics(), _ => { }).ToList();
    }

    [Fact]
    public async Task A_trading_day_trades_every_strategy_and_positions_equal_the_journaled_fills()
    {
        var events = Day();
        await using var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings());
        var done = await sim.RunAsync(events);
        Assert.Null(done.Error);

        var fills = await sim.JournaledFillsAsync(Symbols);
        var reports = new List<SymbolReport>();
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

        Assert.All(reports.SelectMany(r => r.Strategies), row => Assert.True(Math.Abs(row.Quantity) <= 1000m));
        Assert.Equal(fills.Count, fills.Select(f => f.OrderId).Distinct().Count());
        // No fill is at the market event that placed its order.
        var journal = await sim.JournalAsync(Symbols);
        var placedAt = journal.Values.SelectMany(v => v).OfType<OrderAccepted>().ToDictionary(a => a.Order.OrderId, a => a.Order.AcceptedSeq);
        Assert.All(fills, f => Assert.True(f.FeedSeq > placedAt[f.OrderId]));
    }

    /// <summary>
    /// Determinism whatever the batching: tiny batches, huge batches, little or much in flight, a
    /// journal written at once or held back: every journaled event, in order, is the same.
    /// </summary>
    [Fact]
    public async Task The_journal_does_not_depend_on_batch_size_parallelism_or_journal_timing()
    {
        var events = Day(2);
        var variants = new (string Name, Func<Engine.Actors.Feeds.FeedSettings, Engine.Actors.Feeds.FeedSettings> Feed, TimeSpan WriteInterval)[]
        {
            ("defaults", f => f, TimeSpan.FromMilliseconds(5)),
            ("one event per batch, one in flight", f => f with { BatchSize = 1, ReadAhead = 1, MaxInFlight = 1 }, TimeSpan.Zero),
            ("batches of 7, little unjournaled", f => f with { BatchSize = 7, ReadAhead = 50, MaxInFlight = 20, MaxUnjournaled = 3 }, TimeSpan.FromMilliseconds(20)),
        };
        IReadOnlyDictionary<string, IReadOnlyList<ISymbolEvent>>? first = null;
        foreach (var (name, feed, interval) in variants)
        {
            await using var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings(s => s with { MinWriteInterval = interval }));
            var done = await sim.RunAsync(events, feed);
            Assert.Null(done.Error);
            var journal = await sim.JournalAsync(Symbols);
            if (first is null)
            {
                first = journal;
                Assert.Contains(journal.Values.SelectMany(v => v), e => e is OrderFilled);
                continue;
            }
            foreach (var symbol in Symbols)
                Assert.True(first[symbol].SequenceEqual(journal[symbol]), $"{name}: the journal of {symbol} differs");
        }
    }

    /// <summary>
    /// A node that goes away mid-run, at a point set by what was journaled (not by the clock), and a
    /// new node on the same journal that replays the feed from its start: the journal ends exactly as
    /// an uninterrupted run's.
    /// </summary>
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public async Task Stopping_mid_run_and_replaying_on_the_same_journal_gives_the_uninterrupted_journal(double stopAt)
    {
        var events = Day();
        IReadOnlyDictionary<string, IReadOnlyList<ISymbolEvent>> uninterrupted;
        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            await sim.RunAsync(events);
            uninterrupted = await sim.JournalAsync(Symbols);
        }
        // Stopped once this share of the uninterrupted run's fills is journaled.
        var stopAfterFills = (long)(uninterrupted.Values.Sum(v => v.OfType<OrderFilled>().Count()) * stopAt);
        Assert.True(stopAfterFills > 0);

        var db = TestEngine.TempDb();
        await using (var sim = Simulation.Start(db, TestEngine.Settings()))
        {
            var stopped = new TaskCompletionSource();
            // On the write that reaches the share, not at a later boundary: the last fills of a run
            // can come after its last boundary.
            sim.Observer.OnJournaled = fills =>
            {
                if (fills < stopAfterFills || !stopped.TrySetResult()) return;
                // Torn down with batches in flight and writes pending, as a crash leaves it.
                sim.System.Terminate();
            };
            var run = sim.RunAsync(events);
            await Task.WhenAny(run, stopped.Task).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(stopped.Task.IsCompleted, "the run ended before the stop point");
            await sim.System.WhenTerminated.WaitAsync(TimeSpan.FromMinutes(1));
        }
        await using (var sim = Simulation.Start(db, TestEngine.Settings()))
        {
            var done = await sim.RunAsync(events);
            Assert.Null(done.Error);
            var resumed = await sim.JournalAsync(Symbols);
            foreach (var symbol in Symbols)
                Assert.True(uninterrupted[symbol].SequenceEqual(resumed[symbol]), $"the journal of {symbol} differs after the restart");
        }
    }

    /// <summary>
    /// Symbols that move mid-run (stopped as a shard hand-off stops them, twice, at points set by what
    /// was journaled) start again from their journals and are rebuilt from the feed's start by a feed
    /// that keeps its history: the journal ends exactly as an uninterrupted run's.
    /// </summary>
    [Theory]
    [InlineData(0.2, 1024)]
    [InlineData(0.5, 7)]
    public async Task Symbols_moved_mid_run_are_rebuilt_from_the_feed_and_the_journal_is_the_uninterrupted_one(double moveAt, int batchSize)
    {
        var events = Day(2);
        Engine.Actors.Feeds.FeedSettings Feed(Engine.Actors.Feeds.FeedSettings f) => f with { BatchSize = batchSize, KeepHistory = true };
        IReadOnlyDictionary<string, IReadOnlyList<ISymbolEvent>> uninterrupted;
        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            Assert.Null((await sim.RunAsync(events, Feed)).Error);
            uninterrupted = await sim.JournalAsync(Symbols);
        }
        var totalFills = uninterrupted.Values.Sum(v => v.OfType<OrderFilled>().Count());
        var moves = new Queue<(long Fills, string[] Symbols)>(new[]
        {
            ((long)(totalFills * moveAt), new[] { "AAA" }),
            ((long)(totalFills * (moveAt + 0.3)), Symbols),
        });
        Assert.True(moves.Peek().Fills > 0);

        await using (var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings()))
        {
            var firstIncarnation = await sim.System.ActorSelection("/user/symbols/AAA").ResolveOne(TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
            sim.Observer.OnJournaled = fills =>
            {
                while (moves.TryPeek(out var move) && fills >= move.Fills)
                {
                    moves.Dequeue();
                    foreach (var symbol in move.Symbols) sim.System.ActorSelection($"/user/symbols/{symbol}").Tell(Engine.Actors.Symbols.StopSymbol.Instance);
                }
            };
            var done = await sim.RunAsync(events, Feed);
            Assert.Null(done.Error);
            Assert.Empty(moves);
            var now = await sim.System.ActorSelection("/user/symbols/AAA").ResolveOne(TimeSpan.FromSeconds(5));
            Assert.NotEqual(firstIncarnation, now);
            var moved = await sim.JournalAsync(Symbols);
            foreach (var symbol in Symbols)
                Assert.True(uninterrupted[symbol].SequenceEqual(moved[symbol]), $"the journal of {symbol} differs after the moves");
        }
    }

    /// <summary>A feed that keeps no history (one node) cannot rebuild a symbol that started again mid-run: the run ends saying so.</summary>
    [Fact]
    public async Task A_symbol_that_starts_again_mid_run_without_the_feed_history_ends_the_run_with_the_reason()
    {
        var events = Day();
        await using var sim = Simulation.Start(TestEngine.TempDb(), TestEngine.Settings());
        var moved = 0;
        sim.Observer.OnJournaled = fills =>
        {
            if (fills > 0 && Interlocked.Exchange(ref moved, 1) == 0)
                sim.System.ActorSelection("/user/symbols/AAA").Tell(Engine.Actors.Symbols.StopSymbol.Instance);
        };
        var done = await sim.RunAsync(events, f => f with { BatchSize = 16 });
        Assert.NotNull(done.Error);
        Assert.Contains("symbol AAA started again mid-run", done.Error);
        Assert.Contains("engine.feed.keep-history is off", done.Error);
    }
}

using Akka.Actor;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.Symbols;
using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Actors.Tests;

/// <summary>
/// Whole-engine simulations of the risk controls: the supervisor's automatic actions, the scoped
/// kill switch with flatten across a restart, journal failure, and randomized concurrent flows
/// against the kill switch's "nothing in scope after the acknowledgement" promise.
/// </summary>
public sealed class RiskControlsSimulationTests
{
    /// <summary>Targets from a script: bar number to target.</summary>
    private sealed class Script(params (int Bar, decimal Target)[] steps) : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar)
        {
            _bars++;
            foreach (var (b, t) in steps)
            {
                if (b == _bars) return t;
            }
            return null;
        }
    }

    /// <summary>A random walk over targets, seeded: the same seed gives the same wishes.</summary>
    private sealed class RandomTargets(int seed) : IStrategy
    {
        private readonly Random _random = new(seed);
        private decimal _last;

        public decimal? OnBar(TradeBar bar)
        {
            if (_random.NextDouble() > 0.35) return null;
            var next = _random.Next(-1, 2);
            if (next == _last) return null;
            _last = next;
            return next;
        }
    }

    private static StrategyConfig Strategy(string id, Func<IStrategy> factory, string account = RiskSettings.DefaultAccount) =>
        new(id, "code", new OrderSizing(100m, true, OrderType.Market, 0m), new Dictionary<string, string>())
        {
            Factory = factory,
            Account = account,
        };

    private static EngineSettings Settings(IReadOnlyList<StrategyConfig> strategies, Func<AccountLimits, AccountLimits>? account = null) =>
        TestEngine.Settings(s => s with
        {
            Strategies = strategies,
            Risk = s.Risk with
            {
                Accounts = s.Risk.Accounts.ToDictionary(kv => kv.Key, kv => account?.Invoke(kv.Value) ?? kv.Value),
            },
        });

    /// <summary>Bars for several symbols, interleaved in time order, sequenced globally.</summary>
    private static List<SequencedEvent> Interleave(params (string Symbol, decimal[] Closes)[] series)
    {
        var events = new List<(DateTime Time, string Symbol, TradeBar Bar)>();
        foreach (var (symbol, closes) in series)
        {
            foreach (var e in Bars.FromCloses(symbol, closes)) events.Add((e.Event.Time, symbol, (TradeBar)e.Event));
        }
        return events.OrderBy(e => e.Time).ThenBy(e => e.Symbol, StringComparer.Ordinal)
            .Select((e, i) => new SequencedEvent(i + 1, e.Bar)).ToList();
    }

    [Fact]
    public async Task Two_symbols_wanting_more_than_the_cash_get_what_it_pays_for_and_the_rest_is_refused_as_insufficient_buying_power()
    {
        // A cash account of 15,000; at the same bar both symbols want 100 shares at 100 (10,000 each).
        var settings = Settings(
            new[] { Strategy("trend", () => new Script((3, 1m))) with { Sizing = new OrderSizing(100m, false, OrderType.Market, 0m) } },
            a => a with { Funds = new AccountFunds(AccountType.Cash, 15_000m, 1m) });
        var closes = Enumerable.Repeat(100m, 12).ToArray();
        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
        var done = await sim.RunAsync(Interleave(("AAA", closes), ("BBB", closes)));
        Assert.Null(done.Error);

        var aaa = (await sim.ReportAsync("AAA")).Strategies.Single();
        var bbb = (await sim.ReportAsync("BBB")).Strategies.Single();
        // Each had half the free buying power (7,500) and waited; at the boundary the first want in
        // symbol order fits the 15,000 free and is granted, the second no longer fits and is refused.
        Assert.Equal((100m, 1L, 1L), (aaa.Quantity, aaa.Fills, aaa.Deferrals));
        Assert.Equal((0m, 0L, 1L), (bbb.Quantity, bbb.Fills, bbb.Deferrals));
        Assert.Equal(1L, bbb.Rejections[OrderRejectReason.InsufficientBuyingPower]);

        var account = await sim.AccountAsync();
        Assert.Equal(15_000m + account.View.Pnl, account.View.Equity);
        Assert.Equal(account.View.Equity - account.View.NetExposure, account.View.Cash);
        Assert.True(account.View.Cash >= 0m, $"cash {account.View.Cash}");
        Assert.True(account.Lent!.Value.BuyingPower <= account.View.Equity, $"lent {account.Lent} of equity {account.View.Equity}");
    }

    /// <summary>AAA: long at bar 3, flat at bar 6; BBB: long on its first bar.</summary>
    private sealed class LateListing : IStrategy
    {
        private int _bars;

        public decimal? OnBar(TradeBar bar) => (bar.Symbol, ++_bars) switch
        {
            ("AAA", 3) => 1m,
            ("AAA", 6) => 0m,
            ("BBB", 1) => 1m,
            _ => null,
        };
    }

    [Fact]
    public async Task A_symbol_first_seen_after_the_account_made_money_sizes_percent_of_equity_on_that_equity()
    {
        // No fees or slippage, so the equity is exact: AAA buys 50% of 10,000 at 100 (50 shares)
        // and sells at 150, so the account has 12,500 when BBB's data begins: half of it at 100 is 62.
        var settings = TestEngine.Settings(s => s with
        {
            Venue = new VenueSettings(0m, 0m, 0m, 0.01m),
            Strategies = [new StrategyConfig("pct", "code", new OrderSizing(0m, false, OrderType.Market, 0m) { Basis = SizeBasis.PercentOfEquity, Amount = 50m },
                new Dictionary<string, string>()) { Factory = () => new LateListing() }],
            Risk = s.Risk with { Accounts = s.Risk.Accounts.ToDictionary(kv => kv.Key, kv => kv.Value with { Funds = new AccountFunds(AccountType.Cash, 10_000m, 1m) }) },
        });
        decimal[] a = [100m, 100m, 100m, 150m, 150m, 150m, 150m, 150m, 150m, 150m, 150m, 150m, 150m, 150m];
        var events = Bars.FromCloses("AAA", a).Select(e => (TradeBar)e.Event)
            .Concat(Bars.FromCloses("BBB", Enumerable.Repeat(100m, 14).ToArray()).Skip(9).Select(e => (TradeBar)e.Event))
            .OrderBy(b => b.Time).ThenBy(b => b.Symbol, StringComparer.Ordinal)
            .Select((b, i) => new SequencedEvent(i + 1, b)).ToList();
        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
        Assert.Null((await sim.RunAsync(events)).Error);

        var aaa = (await sim.ReportAsync("AAA")).Strategies.Single();
        Assert.Equal((0m, 2_500m), (aaa.Quantity, aaa.RealizedPnl));
        // Sized on the starting cash it would be 50.
        Assert.Equal(62m, (await sim.ReportAsync("BBB")).Strategies.Single().Quantity);
    }

    [Fact]
    public async Task A_loss_day_moves_the_account_to_reducing_then_trips_the_drawdown_kill_switch_which_flattens()
    {
        var settings = Settings(
            new[] { Strategy("trend", () => new Script((3, 1m))) },
            a => a with { MaxDrawdown = 300m, MaxDailyLoss = 10_000m, ReduceAtFraction = 0.8m, FlattenOnBreach = true });
        // Long 100 at 50, then the price slides 0.25 a bar: 25 of P&L lost per bar.
        var closes = Enumerable.Repeat(50m, 5)
            .Concat(Enumerable.Range(1, 24).Select(i => 50m - 0.25m * i))
            .Concat(Enumerable.Repeat(44m, 10)).ToArray();
        var bars = Bars.FromCloses("XYZ", closes);

        async Task<(IReadOnlyList<ISymbolEvent> Journal, IReadOnlyList<IKillSwitchEvent> Audit)> Run(bool assert)
        {
            await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
            var done = await sim.RunAsync(bars);
            Assert.Null(done.Error);
            var journal = (await sim.JournalAsync(new[] { "XYZ" }))["XYZ"];
            var audit = await sim.AuditAsync();
            if (!assert) return (journal, audit);

            var scope = (await sim.StatusAsync()).Scopes["account:main"];
            Assert.Equal(TradingState.Halted, scope.State);
            Assert.True(scope.Flatten);
            Assert.Equal("risk-supervisor", scope.Operator);
            Assert.Contains("drawdown", scope.Reason);

            // Audited: REDUCING first (80% of the limit), then the kill switch, each at a boundary.
            Assert.Collection(audit,
                e => Assert.True(e is ScopeReduced { Scope: "account:main", Operator: "risk-supervisor" } r && r.DecisionId is not null),
                e => Assert.True(e is KillSwitchEngaged { Flatten: true, Scope: "account:main", Operator: "risk-supervisor" } k && k.DecisionId is not null));
            Assert.True(audit[0].Point < audit[1].Point);

            // The flatten closed the position with a reduce-only order sent at the halt's point; the
            // strategy placed nothing after REDUCING.
            var report = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(0m, report.Quantity);
            var accepted = journal.OfType<OrderAccepted>().Select(a => a.Order).ToList();
            Assert.Equal(2, accepted.Count);
            Assert.False(accepted[0].Flatten);
            Assert.True(FeedStep.At(accepted[0].AcceptedSeq) < audit[0].Point);
            Assert.True(accepted[1] is { Flatten: true, Side: Side.Sell, Quantity: 100m });
            Assert.Equal(audit[1].Point, FeedStep.AtBoundary(accepted[1].AcceptedSeq));

            var account = await sim.AccountAsync();
            Assert.True(account.View.Drawdown >= 300m, $"drawdown {account.View.Drawdown}");

            // The same decisions, counted for the metrics exporter.
            var counters = Engine.Actors.Metrics.EngineCounters.For(sim.System).Snapshot();
            Assert.Equal((2L, 1L, 2L), (counters.OrdersAccepted, counters.FlattenOrders, counters.Fills));
            Assert.Equal(new Engine.Actors.Metrics.ScopeGauge(TradingState.Halted, true), counters.Scopes["account:main"]);
            Assert.Equal(1L, counters.AutomaticByTrigger["drawdown"]);
            Assert.Equal(1L, counters.AutomaticByTrigger["loss_warning"]);
            Assert.All(counters.RejectionsByReason.Values, n => Assert.Equal(0L, n));
            Assert.Equal(Enum.GetValues<OrderRejectReason>().Length, counters.RejectionsByReason.Count);
            Assert.True(counters.Accounts["main"].Drawdown >= 300m);
            return (journal, audit);
        }

        var first = await Run(assert: true);
        // Decided in market time at boundaries: a second run journals the same and engages at the same points.
        var second = await Run(assert: false);
        Assert.Equal(first.Journal, second.Journal);
        Assert.Equal(first.Audit.Select(a => (a.Scope, a.Point, a.DecisionId)), second.Audit.Select(a => (a.Scope, a.Point, a.DecisionId)));
    }

    [Fact]
    public async Task Market_data_going_stale_for_a_traded_symbol_during_trading_hours_halts_that_symbol_only()
    {
        var settings = Settings(new[] { Strategy("trend", () => new Script((3, 1m))) }, a => a with { StaleDataAfter = TimeSpan.FromMinutes(2) });
        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);

        // BBB's data stops after six minutes while AAA's goes on: boundaries keep coming from AAA's data.
        var events = Interleave(("AAA", Enumerable.Repeat(20m, 20).ToArray()), ("BBB", Enumerable.Repeat(30m, 6).ToArray()));
        var done = await sim.RunAsync(events);
        Assert.Null(done.Error);

        var status = await sim.StatusAsync();
        var stale = status.Scopes["symbol:BBB"];
        Assert.Equal(TradingState.Halted, stale.State);
        Assert.Equal("risk-supervisor", stale.Operator);
        Assert.StartsWith($"stale market data: none since {Bars.Open.AddMinutes(6):yyyy-MM-dd HH:mm:ss}Z", stale.Reason);
        // More than two minutes after BBB's last bar, judged at the first boundary past it: 14:39.
        var lastOfSlice = events.Last(e => e.Event.Time <= Bars.Open.AddMinutes(9)).Sequence;
        Assert.Equal(FeedStep.AtBoundary(lastOfSlice), stale.Point);
        Assert.Single(status.Scopes); // AAA, the account and the engine trade on

        Assert.Equal(100m, (await sim.ReportAsync("AAA")).Strategies.Single().Quantity);
        Assert.Equal(TradingState.Active, (await sim.ReportAsync("AAA")).Strategies.Single().State);
        Assert.Equal(TradingState.Halted, (await sim.ReportAsync("BBB")).Strategies.Single().State);
    }

    [Fact]
    public async Task A_symbol_kill_switch_with_flatten_closes_positions_holds_across_a_restart_and_only_a_release_lifts_it()
    {
        var db = TestEngine.TempDb();
        var settings = Settings(new[] { Strategy("flip", () => new Script((3, 1m), (10, -1m), (16, 1m), (22, -1m))) });
        var flat = Enumerable.Repeat(40m, 30).ToArray();
        var events = Interleave(("ABC", flat), ("XYZ", flat));
        List<SequencedEvent> Upto(int minute) => events.Where(e => e.Event.Time <= Bars.Open.AddMinutes(minute)).ToList();

        await using (var sim = Simulation.Start(db, settings))
        {
            await sim.RunAsync(Upto(6));
            Assert.Equal(100m, (await sim.ReportAsync("XYZ")).Strategies.Single().Quantity);

            var ack = await sim.EngageAsync("symbol:XYZ", "venue problem in XYZ", "carol", flatten: true);
            Assert.Equal(new[] { "XYZ" }, ack.Confirmed); // only the symbol in scope had to confirm
            Assert.Empty(ack.Unconfirmed);

            await sim.RunAsync(Upto(12).Skip(Upto(6).Count));
            var xyz = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(0m, xyz.Quantity); // flattened
            Assert.Equal(1, xyz.Rejections[OrderRejectReason.KillSwitch]); // bar 10's short refused
            Assert.Equal(-100m, (await sim.ReportAsync("ABC")).Strategies.Single().Quantity); // ABC trades on
        }

        await using (var sim = Simulation.Start(db, settings))
        {
            var scope = (await sim.StatusAsync()).Scopes["symbol:XYZ"];
            Assert.Equal(("carol", TradingState.Halted, true), (scope.Operator, scope.State, scope.Flatten));

            await sim.RunAsync(Upto(18)); // replay, then bar 16 wants long again
            Assert.Equal(2, (await sim.ReportAsync("XYZ")).Strategies.Single().Rejections[OrderRejectReason.KillSwitch]);
            Assert.Equal(100m, (await sim.ReportAsync("ABC")).Strategies.Single().Quantity);

            var released = await sim.ReleaseAsync("symbol:XYZ", "carol");
            Assert.Empty(released.Status.Scopes);
            await sim.RunAsync(events.Skip(Upto(18).Count));
            var after = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(-100m, after.Quantity); // bar 22's short went through

            var audit = await sim.AuditAsync();
            Assert.Equal(new[] { "symbol:XYZ", "symbol:XYZ" }, audit.Select(a => a.Scope));
            Assert.IsType<KillSwitchEngaged>(audit[0]);
            Assert.IsType<KillSwitchReleased>(audit[1]);
        }
    }

    /// <summary>
    /// A symbol's journal write fails: the feed ends at once naming the symbol (trading stops with it),
    /// no halt is journaled (the journal is what failed; a restart after the fault resumes from it), and
    /// the failed feed still answers the kill switch's pause, so an operator's engage afterwards is
    /// acknowledged rather than left waiting for a feed that will never be quiet.
    /// </summary>
    [Fact]
    public async Task A_journal_that_fails_to_persist_ends_the_feed_naming_the_symbol_without_journaling_a_halt()
    {
        // The feed's watchdog and the kill switch's timeouts are left at a minute: the symbol itself
        // stops the feed at once, and the failed feed answers the pause at once.
        var settings = Settings(new[] { Strategy("trend", () => new Script((3, 1m))) }) with
        {
            AskTimeout = TimeSpan.FromSeconds(2),
            KillSwitchAckTimeout = TimeSpan.FromMinutes(1),
        };
        settings = settings with { Feed = settings.Feed with { Timeout = TimeSpan.FromMinutes(1) } };
        var system = FlakyJournal.Config();
        await using var sim = Simulation.Start(system, settings);
        var bars = Bars.FromCloses("XYZ", Enumerable.Repeat(10m, 6).ToArray());
        await sim.RunAsync(bars.Take(2));
        FlakyJournal.For(system.Name).FailPrefix = "symbol-";
        // Bar 3's order cannot be journaled: the symbol stops and tells the feed, which ends with the cause.
        var done = await sim.RunAsync(bars.Skip(2)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(done.Error);
        Assert.Contains("XYZ", done.Error);
        Assert.Contains("its journal failed", done.Error);
        Assert.Empty((await sim.StatusAsync()).Scopes);
        Assert.Empty(await sim.AuditAsync());

        var engaged = await sim.EngageAsync("engine", "after the fault", "dave").WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(engaged.Unconfirmed);
        Assert.True(engaged.Status.EngineHalted);
    }

    /// <summary>
    /// Randomized concurrent flows: four symbols, three strategies over two accounts, the feed
    /// running with parallelism while a random scope is engaged (sometimes with flatten) at a random
    /// moment. After the acknowledgement no order in scope may be accepted except reduce-only
    /// flatten orders, and every flatten order must reduce the position it was sent for.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task No_order_in_scope_is_accepted_after_the_kill_switch_acknowledgement(int seed)
    {
        var random = new Random(seed);
        var settings = TestEngine.Settings(s => s with
        {
            Strategies = new[]
            {
                Strategy("alpha", () => new RandomTargets(seed * 31 + 1)),
                Strategy("beta", () => new RandomTargets(seed * 31 + 2)),
                Strategy("gamma", () => new RandomTargets(seed * 31 + 3), account: "desk-b"),
            },
            Risk = s.Risk with
            {
                Accounts = new Dictionary<string, AccountLimits>
                {
                    ["main"] = s.Risk.Accounts["main"],
                    ["desk-b"] = s.Risk.Accounts["main"] with { MaxGrossExposure = 15_000m },
                },
            },
        });
        var symbols = new[] { "AAA", "BBB", "CCC", "DDD" };
        var series = symbols.Select(sym =>
        {
            var p = 50m;
            return (sym, Enumerable.Range(0, 90).Select(_ => p = Math.Max(1m, p + (decimal)(random.NextDouble() - 0.5))).ToArray());
        }).ToArray();
        var events = Interleave(series);
        var scopes = new[] { "engine", "account:main", "account:desk-b", "strategy:alpha", "strategy:gamma", "symbol:BBB", "symbol:DDD" };
        var scope = RiskScope.Parse(scopes[random.Next(scopes.Length)]);
        var flatten = random.Next(2) == 0;
        var engageAt = Bars.Open.AddMinutes(random.Next(10, 70));

        await using var sim = Simulation.Start(TestEngine.TempDb(), settings);
        // Engaged while the feed runs, from a boundary chosen at random: the feed pauses for it wherever it then is.
        var engaged = new TaskCompletionSource<Task<KillSwitchActor.Acknowledged>>();
        sim.Observer.OnBoundary = at =>
        {
            if (at >= engageAt) engaged.TrySetResult(sim.EngageAsync(scope.ToString(), "randomized test", flatten: flatten));
        };
        var run = sim.RunAsync(events, f => f with { BatchSize = 1 + seed % 5, MaxInFlight = 4 + seed });
        var ack = await await engaged.Task;
        Assert.Null((await run).Error);

        Assert.Empty(ack.Unconfirmed);
        var journal = await sim.JournalAsync(symbols);
        var accountOf = settings.Strategies.ToDictionary(s => s.Id, s => s.Account);
        var violations = new List<string>();
        foreach (var (symbol, evs) in journal)
        {
            var confirmedAt = ack.ConfirmedAt.TryGetValue(symbol, out var at) ? at : 0L;
            var positions = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var e in evs)
            {
                if (e is OrderFilled f)
                    positions[f.Fill.StrategyId] = positions.GetValueOrDefault(f.Fill.StrategyId) + f.Fill.Side.Sign() * f.Fill.Quantity;
                if (e is not OrderAccepted { Order: var o }) continue;
                var inScope = scope.Covers(accountOf[o.StrategyId], o.StrategyId, symbol);
                if (o.Flatten)
                {
                    if (!flatten || !inScope) violations.Add($"unexpected flatten order {o.OrderId}");
                    else if (!RiskGate.Reduces(positions.GetValueOrDefault(o.StrategyId), o.SignedQuantity))
                        violations.Add($"flatten order {o.OrderId} does not reduce {positions.GetValueOrDefault(o.StrategyId)}");
                }
                else if (inScope && o.AcceptedSeq > confirmedAt)
                {
                    violations.Add($"{o.OrderId} of {o.StrategyId} accepted at seq {o.AcceptedSeq} after {symbol} confirmed at {confirmedAt}");
                }
            }
        }
        Assert.Empty(violations);
        // The scenario is not vacuous: orders were accepted before the engagement.
        Assert.Contains(journal.Values.SelectMany(v => v), e => e is OrderAccepted);
    }
}

using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
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

    private static EngineSettings RestingLimitSettings(Func<EngineSettings, EngineSettings>? more = null) => TestEngine.Settings(s =>
    {
        s = s with
        {
            // A limit 4% inside the market on flat prices rests without filling: an open order to cancel.
            Strategies = new[]
            {
                new StrategyConfig("scripted", "scripted", new OrderSizing(100m, true, OrderType.Limit, 400m),
                    new Dictionary<string, string>()) { Factory = () => new Scripted() },
            },
        };
        return more is null ? s : more(s);
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
            await sim.RunAsync(bars.Take(5));
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
            Assert.Contains((await sim.JournalAsync(new[] { "XYZ" }))["XYZ"], e => e is Engine.Domain.Symbols.OrderCancelled);

            // Bar 8 changes the target: the order is refused with the kill-switch reason.
            await sim.RunAsync(bars.Skip(5).Take(4));
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
            await sim.RunAsync(bars.Take(13));
            var report = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(1, report.OrdersAccepted);
            Assert.Equal(2, report.Rejections[OrderRejectReason.KillSwitch]);

            // Released by an operator: the next target change trades again.
            var released = await sim.ReleaseAsync("engine", "bob");
            Assert.False(released.Status.EngineHalted);
            var more = Bars.FromCloses("XYZ", Enumerable.Repeat(50m, 25).ToArray());
            await sim.RunAsync(more.Skip(13));
            var resumed = (await sim.ReportAsync("XYZ")).Strategies.Single();
            Assert.Equal(2, resumed.Rejections[OrderRejectReason.KillSwitch]);
            Assert.Equal(2, resumed.OrdersAccepted);
        }
    }

    /// <summary>
    /// A second engage while the first is still confirming is not answered at once: it waits for the
    /// same confirmations. The symbol's journal is slow, so its confirmation (after its cancel is
    /// journaled) takes a while.
    /// </summary>
    [Fact]
    public async Task A_second_engage_while_the_first_is_confirming_answers_only_when_the_confirmations_are_in()
    {
        var system = FlakyJournal.Config();
        await using var sim = Simulation.Start(system, RestingLimitSettings());
        await sim.RunAsync(Bars.FromCloses("XYZ", Flat).Take(5));
        Assert.Equal(1, (await sim.ReportAsync("XYZ")).OpenOrders);

        var switches = FlakyJournal.For(system.Name);
        switches.Delay = TimeSpan.FromSeconds(1);
        switches.SlowPrefix = "symbol-";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = sim.EngageAsync("symbol:XYZ", "first");
        var second = sim.EngageAsync("symbol:XYZ", "second");
        var again = await second;
        // XYZ confirms only once its cancel is journaled, a second in: the second engage waited for that.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"answered after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal(new[] { "XYZ" }, (await first).Confirmed);
        Assert.Equal(0, (await sim.ReportAsync("XYZ")).OpenOrders);
        Assert.Empty(again.Unconfirmed);
        Assert.Equal(TradingState.Halted, again.Status.Scopes["symbol:XYZ"].State);
        Assert.Single(await sim.AuditAsync()); // the second changed nothing
    }

    /// <summary>
    /// After the kill switch itself restarts it knows nothing of the running symbols; it finds them
    /// (through the symbol region), has them subscribe again, and only then acknowledges: the
    /// engage's acknowledgement names the live symbol as confirmed.
    /// </summary>
    [Fact]
    public async Task After_the_kill_switch_restarts_it_finds_every_live_symbol_before_it_acknowledges()
    {
        await using var sim = Simulation.Start(TestEngine.TempDb(), RestingLimitSettings());
        await sim.RunAsync(Bars.FromCloses("XYZ", Flat).Take(5));

        var child = await sim.System.ActorSelection("/user/kill-switch/kill-switch").ResolveOne(TimeSpan.FromSeconds(5));
        await child.GracefulStop(TimeSpan.FromSeconds(5));
        // The backoff supervisor brings a new one; the first command it can take must still wait for XYZ.
        var ack = await EngageWhenBack(sim, "engine");
        Assert.Equal(new[] { "XYZ" }, ack.Confirmed);
        Assert.Empty(ack.Unconfirmed);
        Assert.Equal(0, (await sim.ReportAsync("XYZ")).OpenOrders);
    }

    /// <summary>
    /// The kill switch's own journal fails: it stops, the backoff supervisor brings it back once the
    /// journal works again, and meanwhile every symbol refuses every order.
    /// </summary>
    [Fact]
    public async Task A_failing_kill_switch_journal_never_leaves_the_engine_without_one_and_orders_are_refused_meanwhile()
    {
        var system = FlakyJournal.Config();
        await using var sim = Simulation.Start(system, RestingLimitSettings());
        var bars = Bars.FromCloses("XYZ", Flat);
        await sim.RunAsync(bars.Take(5));

        var switches = FlakyJournal.For(system.Name);
        switches.FailPrefix = "kill-switch";
        var failed = sim.KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Engage("engine", "will not persist", "test"), TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<Exception>(() => failed);

        // While it is away, bar 8's order is refused: no kill switch, no trading.
        await sim.RunAsync(bars.Skip(5).Take(4));
        var r = (await sim.ReportAsync("XYZ")).Strategies.Single();
        Assert.Equal(1, r.OrdersAccepted);
        Assert.Equal(1, r.Rejections[OrderRejectReason.KillSwitch]);

        switches.FailPrefix = null;
        var ack = await EngageWhenBack(sim, "symbol:XYZ");
        Assert.Equal(new[] { "XYZ" }, ack.Confirmed);
        Assert.Equal(TradingState.Halted, (await sim.StatusAsync()).Scopes["symbol:XYZ"].State);
    }

    /// <summary>
    /// A symbol that cannot confirm in time (its journal hangs): the acknowledgement names it, and
    /// the feed that paused for the change stops instead of trading on as if it were in force.
    /// </summary>
    [Fact]
    public async Task An_acknowledgement_that_timed_out_names_the_symbols_and_the_running_feed_stops()
    {
        var system = FlakyJournal.Config();
        var settings = RestingLimitSettings(s => s with { KillSwitchAckTimeout = TimeSpan.FromMilliseconds(500) });
        await using var sim = Simulation.Start(system, settings);
        var bars = Bars.FromCloses("XYZ", Enumerable.Repeat(50m, 200).ToArray());
        await sim.RunAsync(bars.Take(5));

        var switches = FlakyJournal.For(system.Name);
        switches.Delay = TimeSpan.FromSeconds(5);
        switches.SlowPrefix = "symbol-";
        // A feed that keeps running while the operator engages: one event at a time.
        var (_, completion) = sim.StartFeed(Source.From(bars.Skip(5)).Select(e => (IReadOnlyList<SequencedEvent>)new[] { e })
            .Throttle(1, TimeSpan.FromMilliseconds(20), 1, ThrottleMode.Shaping));
        var ack = await sim.EngageAsync("engine", "operator");
        Assert.Equal(new[] { "XYZ" }, ack.Unconfirmed);
        var done = await completion;
        Assert.NotNull(done.Error);
        Assert.Contains("not confirmed in time by XYZ", done.Error);
    }

    /// <summary>Messages on the engine's paths that reach no one are logged and counted, never hidden.</summary>
    [Fact]
    public async Task Dead_letters_on_the_engines_paths_are_counted()
    {
        await using var sim = Simulation.Start(TestEngine.TempDb(), RestingLimitSettings());
        await sim.RunAsync(Bars.FromCloses("XYZ", Flat).Take(3));
        var symbol = await sim.System.ActorSelection("/user/symbols/XYZ").ResolveOne(TimeSpan.FromSeconds(5));
        await symbol.GracefulStop(TimeSpan.FromSeconds(5));
        symbol.Tell(new GetSymbolReport("XYZ"));
        await Simulation.Eventually(
            () => Task.FromResult(EngineCounters.For(sim.System).Snapshot().DeadLettersByType.GetValueOrDefault(nameof(GetSymbolReport)) > 0),
            "the dead letter counted");
    }

    /// <summary>
    /// A halt the engine asks for itself while the kill switch is away (its journal failing) is not a
    /// dead letter: it is held and sent until the kill switch, back, has it.
    /// </summary>
    [Fact]
    public async Task An_engines_own_halt_asked_while_the_kill_switch_restarts_is_applied_once_it_is_back()
    {
        var system = FlakyJournal.Config();
        await using var sim = Simulation.Start(system, RestingLimitSettings());
        await sim.RunAsync(Bars.FromCloses("XYZ", Flat).Take(5));

        var switches = FlakyJournal.For(system.Name);
        switches.FailPrefix = "kill-switch";
        var failed = sim.KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Engage("engine", "will not persist", "test"), TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<Exception>(() => failed);

        // As a symbol whose journal failed asks: through the engine's halt requests.
        sim.System.ActorSelection(KillSwitchRequests.Path).Tell(new KillSwitchActor.Engage("engine", "journal failure in symbol-XYZ", "symbol-XYZ"));
        await Task.Delay(300); // the kill switch is still down: the request waits
        switches.FailPrefix = null;
        await Simulation.Eventually(async () =>
        {
            try
            {
                return (await sim.KillSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), TimeSpan.FromSeconds(1))).EngineHalted;
            }
            catch (AskTimeoutException)
            {
                return false;
            }
        }, "the engine halted once the kill switch is back");
        var audit = await sim.AuditAsync();
        Assert.Equal(("engine", "symbol-XYZ"), (audit[^1].Scope, audit[^1].Operator));
    }

    /// <summary>
    /// A symbol's actor that throws mid-run is restarted by its parent and halted; the feed stops with
    /// an error naming it, rather than trading on while that symbol skips what it lost.
    /// </summary>
    [Fact]
    public async Task A_symbol_that_fails_mid_run_is_halted_and_stops_the_feed()
    {
        await using var sim = Simulation.Start(TestEngine.TempDb(), RestingLimitSettings());
        var bars = Bars.FromCloses("XYZ", Enumerable.Repeat(50m, 300).ToArray());
        await sim.RunAsync(bars.Take(5));
        // At the new feed's first boundary (XYZ has had its batches), a boundary before one the symbol
        // has passed breaks its protocol: its core throws.
        var broken = new TaskCompletionSource();
        sim.Observer.OnBoundary = _ =>
        {
            if (broken.TrySetResult()) sim.Symbols.Tell(new SliceBoundary("XYZ", long.MaxValue, 0, null));
        };
        var (_, completion) = sim.StartFeed(Source.From(bars.Skip(5)).Select(e => (IReadOnlyList<SequencedEvent>)new[] { e })
            .Throttle(1, TimeSpan.FromMilliseconds(20), 1, ThrottleMode.Shaping));
        var done = await completion;
        Assert.NotNull(done.Error);
        Assert.Contains("symbol XYZ failed", done.Error);
        await Simulation.Eventually(async () => (await sim.StatusAsync()).Scopes.ContainsKey("symbol:XYZ"), "the symbol halted");
    }

    private static async Task<KillSwitchActor.Acknowledged> EngageWhenBack(Simulation sim, string scope)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await sim.KillSwitch.Ask<KillSwitchActor.Acknowledged>(
                    new KillSwitchActor.Engage(scope, "after restart", "test"), TimeSpan.FromSeconds(2));
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Still backing off: messages to it meanwhile go to dead letters.
            }
        }
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace Engine.Host.Tests;

/// <summary>
/// The trading palettes through engine-cli against a running engine (both real processes): engine
/// status, positions, orders, risk limits and state, strategy list, and a strategy paused and resumed
/// while the others trade. The synthetic feed is paced at 200x: its first trading day lasts about
/// two minutes of wall clock, and the strategies start trading after their 30-bar warm-up (~10 s).
/// </summary>
public sealed class AdminCliTradingTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    private static EngineProcess PacedRun(string dir, IReadOnlyDictionary<string, string>? environment = null) =>
        EngineProcess.Start(dir, environment ?? new Dictionary<string, string>(), "--speed", "200", "--db", Path.Combine(dir, "engine.db"));

    private static async Task<JsonElement> Json(string at, params string[] args)
    {
        var r = await EngineCli.RunAsync([at, .. args, "--json"]);
        Assert.True(r.ExitCode == 0, $"{string.Join(" ", args)}: {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    /// <summary>Orders accepted so far per strategy, over every symbol (from positions --json).</summary>
    private static async Task<Dictionary<string, long>> OrdersByStrategy(string at) =>
        (await Json(at, "positions")).EnumerateArray()
            .GroupBy(p => p.GetProperty("strategy").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.GetProperty("orders").GetInt64()));

    private static async Task Until(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"not within {limit.TotalSeconds:0} s: {what}");
            await Task.Delay(500);
        }
    }

    /// <summary>Every symbol of the synthetic feed has started (the palettes read live symbols only).</summary>
    private static Task AllSymbols(string at) =>
        Until(async () => (await Json(at, "engine", "status")).GetProperty("symbols").GetInt32() == 4, Start, "the four symbols started");

    [Fact]
    public async Task Read_commands_show_the_run_positions_orders_risk_and_strategies_as_tables_and_json()
    {
        var dir = EngineProcess.TempDir();
        using var engine = PacedRun(dir);
        var at = await EngineCli.AdminAddressAsync(engine, Start);
        await AllSymbols(at);
        await Until(async () => (await OrdersByStrategy(at)).Values.Sum() > 0, Start, "a first order");

        var status = await EngineCli.RunAsync([at, "engine", "status"]);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Matches(@"Node\s+akka\.tcp://engine@127\.0\.0\.1:\d+", status.Stdout);
        Assert.Matches(@"Run\s+running \(feed main\): [\d,]+ events, [\d,]+ time slices, market time 2024-03-04 \d\d:\d\d:\d\d UTC", status.Stdout);
        Assert.Matches(@"Kill switch\s+all scopes ACTIVE", status.Stdout);
        Assert.Matches(@"Symbols\s+4", status.Stdout);
        Assert.Matches(@"P&L\s+realized -?[\d,]+\.\d\d, unrealized", status.Stdout);
        var json = await Json(at, "engine", "status");
        Assert.Equal("running", json.GetProperty("run").GetProperty("state").GetString());
        Assert.True(json.GetProperty("run").GetProperty("events").GetInt64() > 0);
        Assert.Equal(3, json.GetProperty("strategies").GetInt32());
        Assert.Equal(1, json.GetProperty("accounts").GetInt32());
        Assert.Empty(json.GetProperty("kill_switch").EnumerateArray());

        var positions = await EngineCli.RunAsync([at, "positions"]);
        Assert.True(positions.ExitCode == 0, positions.Stderr);
        Assert.Matches(@"Symbol\s+Strategy\s+Account\s+Quantity\s+Avg price\s+Last\s+Unrealized\s+Realized", positions.Stdout);
        Assert.Matches(@"Count: 12 positions \(\d+ open\)", positions.Stdout);
        var all = (await Json(at, "positions")).EnumerateArray().ToArray();
        Assert.Equal(12, all.Length);
        Assert.Equal(["AAPL", "MSFT", "NVDA", "SPY"], all.Select(p => p.GetProperty("symbol").GetString()).Distinct());
        Assert.All(all, p => Assert.True(p.GetProperty("last_price").GetDecimal() > 0m));
        var spy = (await Json(at, "positions", "-s", "SPY")).EnumerateArray().ToArray();
        Assert.Equal(3, spy.Length);
        Assert.All(spy, p => Assert.Equal("SPY", p.GetProperty("symbol").GetString()));
        var maCross = (await Json(at, "positions", "--strategy", "ma-cross")).EnumerateArray().ToArray();
        Assert.Equal(4, maCross.Length);
        Assert.All(maCross, p => Assert.Equal("ma-cross", p.GetProperty("strategy").GetString()));

        var orders = await EngineCli.RunAsync([at, "orders", "-s", "SPY"]);
        Assert.True(orders.ExitCode == 0, orders.Stderr);
        Assert.Matches(@"Symbol\s+Strategy\s+Accepted\s+Filled\s+Cancelled\s+Rejected\s+Deferred", orders.Stdout);
        var ordersJson = await Json(at, "orders");
        Assert.Equal(12, ordersJson.GetProperty("counts").GetArrayLength());
        Assert.True(ordersJson.GetProperty("counts").EnumerateArray().Sum(c => c.GetProperty("accepted").GetInt64()) > 0);
        Assert.All(ordersJson.GetProperty("resting").EnumerateArray(), o => Assert.Equal("resting", o.GetProperty("status").GetString()));

        var limits = await EngineCli.RunAsync([at, "risk", "limits"]);
        Assert.True(limits.ExitCode == 0, limits.Stderr);
        Assert.Matches(@"main\s+cash, 100,000\.00\s+2,000,000\.00\s+1,000,000\.00\s+100", limits.Stdout);
        Assert.Contains("max-order-quantity", limits.Stdout);
        Assert.Contains("Trading hours: 09:30-16:00 America/New_York", limits.Stdout);
        var limitsJson = await Json(at, "risk", "limits");
        Assert.Equal("main", limitsJson.GetProperty("accounts")[0].GetProperty("account").GetString());
        Assert.Equal(2_000_000m, limitsJson.GetProperty("accounts")[0].GetProperty("max_gross_exposure").GetDecimal());
        Assert.Equal("cash", limitsJson.GetProperty("accounts")[0].GetProperty("type").GetString());
        Assert.Equal(100_000m, limitsJson.GetProperty("accounts")[0].GetProperty("starting_cash").GetDecimal());

        var state = await EngineCli.RunAsync([at, "risk", "state"]);
        Assert.True(state.ExitCode == 0, state.Stderr);
        Assert.Matches(@"main\s+ACTIVE\s+[\d,]+\.\d\d / 2,000,000\.00", state.Stdout);
        var stateJson = (await Json(at, "risk", "state"))[0];
        Assert.Equal("main", stateJson.GetProperty("account").GetString());
        Assert.Equal("ACTIVE", stateJson.GetProperty("state").GetString());
        Assert.Equal(2_000_000m, stateJson.GetProperty("max_gross_exposure").GetDecimal());
        Assert.True(stateJson.GetProperty("lent").GetProperty("gross").GetDecimal() >= 0m);
        // Equity is the starting cash plus the P&L; cash is what the holdings have not taken.
        var equity = stateJson.GetProperty("equity").GetDecimal();
        Assert.Equal(100_000m + stateJson.GetProperty("pnl").GetDecimal(), equity);
        Assert.Equal(equity - stateJson.GetProperty("net_exposure").GetDecimal(), stateJson.GetProperty("cash").GetDecimal());
        Assert.True(stateJson.GetProperty("lent").GetProperty("buying_power").GetDecimal() <= equity);

        var list = await EngineCli.RunAsync([at, "strategy", "list"]);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Matches(@"ma-cross\s+ma-crossover\s+fast=10 ma-type=ema slow=30\s+100 shares market long-only\s+main\s+ACTIVE\s+no", list.Stdout);
        var listJson = (await Json(at, "strategy", "list")).EnumerateArray().ToArray();
        Assert.Equal(["ma-cross", "mean-rev", "breakout"], listJson.Select(s => s.GetProperty("id").GetString()));
        Assert.All(listJson, s => Assert.False(s.GetProperty("paused").GetBoolean()));

        var unknown = await EngineCli.RunAsync([at, "positions", "-s", "NOPE"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: -s NOPE: the engine has no symbol NOPE (symbols: AAPL, MSFT, NVDA, SPY)", unknown.Stderr.Trim());
        Assert.Equal("", unknown.Stdout);
        var noStrategy = await EngineCli.RunAsync([at, "positions", "--strategy", "nope"]);
        Assert.Equal(2, noStrategy.ExitCode);
        Assert.Equal("error: --strategy nope: names no strategy here (strategies: breakout, ma-cross, mean-rev)", noStrategy.Stderr.Trim());
    }

    [Fact]
    public async Task A_paused_strategy_places_no_orders_while_the_others_trade_and_trades_again_once_resumed()
    {
        var dir = EngineProcess.TempDir();
        using var engine = PacedRun(dir);
        var at = await EngineCli.AdminAddressAsync(engine, Start);
        await AllSymbols(at);
        await Until(async () => (await OrdersByStrategy(at)).Values.Sum() > 0, Start, "a first order");

        var pause = await EngineCli.RunAsync([at, "strategy", "pause", "ma-cross", "-r", "slippage"]);
        Assert.True(pause.ExitCode == 0, pause.Stdout + pause.Stderr);
        Assert.Matches(@"strategy ma-cross: paused in AAPL, MSFT, NVDA, SPY \(by \S+@127\.0\.0\.1: slippage\)", pause.Stdout);
        var listed = (await Json(at, "strategy", "list")).EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        Assert.True(listed["ma-cross"].GetProperty("paused").GetBoolean());
        Assert.False(listed["mean-rev"].GetProperty("paused").GetBoolean());
        var again = await EngineCli.RunAsync([at, "strategy", "pause", "ma-cross"]);
        Assert.Contains("strategy ma-cross: already paused in AAPL, MSFT, NVDA, SPY", again.Stdout);

        // Paused: the others go on placing orders, ma-cross places none.
        var atPause = await OrdersByStrategy(at);
        await Until(async () =>
        {
            var now = await OrdersByStrategy(at);
            return now["mean-rev"] + now["breakout"] >= atPause["mean-rev"] + atPause["breakout"] + 3;
        }, TimeSpan.FromSeconds(45), "the other strategies' orders grew");
        Assert.Equal(atPause["ma-cross"], (await OrdersByStrategy(at))["ma-cross"]);
        Assert.All((await Json(at, "orders")).GetProperty("resting").EnumerateArray(),
            o => Assert.NotEqual("ma-cross", o.GetProperty("strategy").GetString()));

        var resume = await EngineCli.RunAsync([at, "strategy", "resume", "ma-cross", "-s", "SPY"]);
        Assert.True(resume.ExitCode == 0, resume.Stdout + resume.Stderr);
        Assert.Contains("strategy ma-cross: resumed in SPY", resume.Stdout);
        var positions = (await Json(at, "positions", "--strategy", "ma-cross")).EnumerateArray().ToArray();
        Assert.Equal(["AAPL", "MSFT", "NVDA"], positions.Where(p => p.GetProperty("paused").GetBoolean()).Select(p => p.GetProperty("symbol").GetString()));
        var resumeAll = await EngineCli.RunAsync([at, "strategy", "resume", "ma-cross"]);
        Assert.True(resumeAll.ExitCode == 0, resumeAll.Stdout + resumeAll.Stderr);
        Assert.Contains("strategy ma-cross: resumed in AAPL, MSFT, NVDA", resumeAll.Stdout);
        var atResume = (await OrdersByStrategy(at))["ma-cross"];
        await Until(async () => (await OrdersByStrategy(at))["ma-cross"] > atResume, TimeSpan.FromSeconds(60), "ma-cross placed an order again");

        var audit = File.ReadAllLines(Path.Combine(dir, "data", "admin-audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["strategy pause ma-cross -r slippage", "strategy pause ma-cross", "strategy resume ma-cross -s SPY", "strategy resume ma-cross"],
            audit.Select(a => a.GetProperty("command").GetString()));
        Assert.All(audit, a => Assert.Equal(0, a.GetProperty("exit").GetInt32()));
    }

    [Fact]
    public async Task A_pause_is_journaled_so_the_same_command_run_again_keeps_the_strategy_paused_to_the_end()
    {
        var dir = EngineProcess.TempDir();
        long paused, othersAtPause;
        using (var engine = PacedRun(dir))
        {
            var at = await EngineCli.AdminAddressAsync(engine, Start);
            await AllSymbols(at);
            await Until(async () => (await OrdersByStrategy(at)).Values.Sum() > 0, Start, "a first order");
            var pause = await EngineCli.RunAsync([at, "strategy", "pause", "ma-cross", "-r", "until reviewed"]);
            Assert.True(pause.ExitCode == 0, pause.Stdout + pause.Stderr);
            var orders = await OrdersByStrategy(at);
            (paused, othersAtPause) = (orders["ma-cross"], orders["mean-rev"] + orders["breakout"]);
            using (var stop = Process.Start("kill", $"-INT {engine.Id}")) await stop!.WaitForExitAsync();
            Assert.Equal(130, await engine.WaitAsync(TimeSpan.FromSeconds(60)));
        }

        // The same command again, unpaced: the symbols replay their journals (the pause where it was
        // taken) and the run goes on to its end with ma-cross still paused.
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, TimeSpan.FromSeconds(120),
            "--db", Path.Combine(dir, "engine.db"), "--summary-json", "summary.json", "--quiet");
        Assert.True(code == 0, stdout + stderr);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal(paused, summary.Positions.Where(p => p.Strategy == "ma-cross").Sum(p => p.Orders));
        Assert.True(summary.Positions.Where(p => p.Strategy != "ma-cross").Sum(p => p.Orders) > othersAtPause);
    }

    [Fact]
    public async Task A_pause_without_the_token_or_for_an_unknown_strategy_or_symbol_is_refused_and_changes_nothing()
    {
        var dir = EngineProcess.TempDir();
        var token = new Dictionary<string, string> { ["ENGINE_ADMIN_TOKEN"] = "s3cret" };
        using var engine = PacedRun(dir, token);
        var at = await EngineCli.AdminAddressAsync(engine, Start);
        await AllSymbols(at);

        var without = await EngineCli.RunAsync([at, "strategy", "pause", "ma-cross"]);
        Assert.Equal(3, without.ExitCode);
        Assert.Equal("error: this command changes the engine and needs the admin token (--token or ENGINE_ADMIN_TOKEN); nothing was changed", without.Stderr.Trim());

        var unknown = await EngineCli.RunAsync([at, "strategy", "pause", "nope"], environment: token);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: nope: names no strategy here (strategies: breakout, ma-cross, mean-rev)", unknown.Stderr.Trim());
        Assert.Equal("", unknown.Stdout);

        var noSymbol = await EngineCli.RunAsync([at, "strategy", "resume", "ma-cross", "-s", "NOPE"], environment: token);
        Assert.Equal(2, noSymbol.ExitCode);
        Assert.Equal("error: -s NOPE: the engine has no symbol NOPE (symbols: AAPL, MSFT, NVDA, SPY)", noSymbol.Stderr.Trim());

        var noId = await EngineCli.RunAsync([at, "strategy", "pause"], environment: token);
        Assert.Equal(2, noId.ExitCode);
        Assert.Equal("error: 'strategy pause' needs <id>: one of breakout, ma-cross, mean-rev", noId.Stderr.Trim());

        Assert.All((await Json(at, "strategy", "list")).EnumerateArray(), s => Assert.False(s.GetProperty("paused").GetBoolean()));
        var audit = File.ReadAllLines(Path.Combine(dir, "data", "admin-audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([3, 2, 2, 2], audit.Select(a => a.GetProperty("exit").GetInt32()));
    }
}

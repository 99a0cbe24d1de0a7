using System.Diagnostics;
using System.Text.Json;

namespace Engine.Host.Tests;

/// <summary>
/// engine-cli against a running engine (both real processes): one-shot and piped-prompt commands,
/// kill-switch changes that reach every symbol and the audit trails, the token, and bad input.
/// </summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    /// <summary>A run slow enough to still be running while the commands reach it.</summary>
    private static EngineProcess SlowRun(string dir, IReadOnlyDictionary<string, string>? environment = null) =>
        EngineProcess.Start(dir, environment ?? new Dictionary<string, string>(), "--speed", "20", "--db", Path.Combine(dir, "engine.db"));

    [Fact]
    public async Task Engage_and_release_through_the_cli_reach_every_symbol_and_both_audit_trails_record_who_did_what()
    {
        var dir = EngineProcess.TempDir();
        using var engine = SlowRun(dir);
        var at = await EngineCli.AdminAddressAsync(engine, Start);

        var status = await EngineCli.RunAsync([at, "kill-switch", "status"]);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("all scopes ACTIVE", status.Stdout);

        var engage = await EngineCli.RunAsync([at, "kill-switch", "engage", "-s", "engine", "-r", "cli test"]);
        Assert.True(engage.ExitCode == 0, engage.Stdout + engage.Stderr);
        // Acknowledged only once every live symbol confirmed: the default run trades four.
        Assert.Matches(@"engine: HALTED \(by \S+@127\.0\.0\.1: cli test\); confirmed by [1-9]\d* symbol", engage.Stdout);

        var json = await EngineCli.RunAsync([at, "kill-switch", "status", "--json"]);
        var scopes = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal("HALTED", scopes[0].GetProperty("state").GetString());
        Assert.Equal("engine", scopes[0].GetProperty("scope").GetString());

        // The prompt, fed by a pipe as a script would: each line runs in turn.
        var session = await EngineCli.RunAsync([at], "kill-switch audit\nkill-switch release -r \"cli test over\"\nexit\n");
        Assert.True(session.ExitCode == 0, session.Stdout + session.Stderr);
        Assert.Contains($"[{at}] engine> kill-switch audit", session.Stdout);
        Assert.Contains("cli test", session.Stdout);
        Assert.Contains("engine: ACTIVE", session.Stdout);
        Assert.Contains("all scopes ACTIVE", session.Stdout);

        var audit = File.ReadAllLines(Path.Combine(dir, "data", "admin-audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["kill-switch engage -s engine -r \"cli test\"", "kill-switch release -r \"cli test over\""],
            audit.Select(a => a.GetProperty("command").GetString()));
        Assert.All(audit, a => Assert.Equal(0, a.GetProperty("exit").GetInt32()));
        Assert.All(audit, a => Assert.Equal(Environment.UserName, a.GetProperty("user").GetString()));

        using (var stop = Process.Start("kill", $"-INT {engine.Id}")) await stop!.WaitForExitAsync();
        Assert.Equal(130, await engine.WaitAsync(TimeSpan.FromSeconds(60)));
        // The run's own summary shows the kill switch's journal: the engage and the release, by the CLI's user.
        Assert.Matches(@"audit .+ engage\s+engine\s+by \S+@127\.0\.0\.1: cli test", engine.Stdout);
        Assert.Matches(@"audit .+ release\s+engine\s+by \S+@127\.0\.0\.1: cli test over", engine.Stdout);
    }

    [Fact]
    public async Task With_a_token_changes_need_it_reads_do_not_and_a_refused_change_is_audited_and_changes_nothing()
    {
        var dir = EngineProcess.TempDir();
        using var engine = SlowRun(dir, new Dictionary<string, string> { ["ENGINE_ADMIN_TOKEN"] = "s3cret" });
        var at = await EngineCli.AdminAddressAsync(engine, Start);
        Assert.Contains("token required", engine.Stderr);

        var without = await EngineCli.RunAsync([at, "kill-switch", "engage", "-r", "no token"]);
        Assert.Equal(3, without.ExitCode);
        Assert.Equal("error: this command changes the engine and needs the admin token (--token or ENGINE_ADMIN_TOKEN); nothing was changed", without.Stderr.Trim());

        var wrong = await EngineCli.RunAsync(["--token", "guess", at, "kill-switch", "engage", "-r", "wrong token"]);
        Assert.Equal(3, wrong.ExitCode);
        Assert.Equal("error: wrong admin token; nothing was changed", wrong.Stderr.Trim());

        var read = await EngineCli.RunAsync([at, "kill-switch", "status"]);
        Assert.Equal(0, read.ExitCode);
        Assert.Contains("all scopes ACTIVE", read.Stdout); // nothing was engaged

        var right = await EngineCli.RunAsync([at, "kill-switch", "engage", "-r", "with token"], environment: new Dictionary<string, string> { ["ENGINE_ADMIN_TOKEN"] = "s3cret" });
        Assert.True(right.ExitCode == 0, right.Stderr);
        Assert.Contains("engine: HALTED", right.Stdout);

        var audit = File.ReadAllLines(Path.Combine(dir, "data", "admin-audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([3, 3, 0], audit.Select(a => a.GetProperty("exit").GetInt32()));
        Assert.StartsWith("refused: ", audit[0].GetProperty("result").GetString());
        Assert.DoesNotContain("guess", File.ReadAllText(Path.Combine(dir, "data", "admin-audit.jsonl"))); // tokens are never written
    }

    [Fact]
    public async Task Bad_commands_get_one_line_and_a_non_zero_exit_and_change_nothing()
    {
        var dir = EngineProcess.TempDir();
        using var engine = SlowRun(dir);
        var at = await EngineCli.AdminAddressAsync(engine, Start);

        async Task Refused(string expected, int code, params string[] args)
        {
            var r = await EngineCli.RunAsync([at, .. args]);
            Assert.Equal(code, r.ExitCode);
            Assert.Equal($"error: {expected}", r.Stderr.Trim());
            Assert.Equal("", r.Stdout);
        }

        await Refused("unknown command 'positionz': the palettes here are engine, kill-switch, positions, orders, risk, strategy, cluster, cluster-sharding, actor", 2, "positionz");
        await Refused("unknown command 'kill-switch engag': use one of engage, reduce, release, status, audit", 2, "kill-switch", "engag");
        await Refused("'kill-switch engage' has no switch --scpoe (it takes -s/--scope, -r/--reason, --flatten, --json)", 2, "kill-switch", "engage", "--scpoe", "engine", "-r", "x");
        await Refused("'kill-switch engage' needs --reason (-r): why (audited)", 2, "kill-switch", "engage");
        await Refused("-s symbol:: not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL", 2, "kill-switch", "engage", "-s", "symbol:", "-r", "x");
        await Refused("-s strategy:nope: names no strategy here (strategies: breakout, ma-cross, mean-rev)", 2, "kill-switch", "engage", "-s", "strategy:nope", "-r", "x");
        await Refused("-s account:nope: names no account here (accounts: main)", 2, "kill-switch", "reduce", "-s", "account:nope", "-r", "x");

        var unreachable = await EngineCli.RunAsync(["127.0.0.1:1", "kill-switch", "status"]);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("error: cannot reach an engine at 127.0.0.1:1: ", unreachable.Stderr.Trim());
        Assert.Single(unreachable.Stderr.Trim().Split('\n'));

        var noAddress = await EngineCli.RunAsync(["kill-switch"]);
        Assert.Equal(2, noAddress.ExitCode);
        Assert.Equal("error: 'kill-switch' is not host:port (e.g. 127.0.0.1:9110)", noAddress.Stderr.Trim());

        // Nothing was changed. The changes the engine refused are audited as attempts; words
        // that name no command never reached one.
        var status = await EngineCli.RunAsync([at, "kill-switch", "audit"]);
        Assert.Contains("No trading-state change recorded.", status.Stdout);
        var audit = File.ReadAllLines(Path.Combine(dir, "data", "admin-audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["kill-switch engage -s symbol: -r x", "kill-switch engage -s strategy:nope -r x", "kill-switch reduce -s account:nope -r x"],
            audit.Select(a => a.GetProperty("command").GetString()));
        Assert.All(audit, a => Assert.Equal(2, a.GetProperty("exit").GetInt32()));
    }

    [Fact]
    public async Task A_second_engine_on_a_taken_admin_port_refuses_to_start_naming_the_port()
    {
        var dir = EngineProcess.TempDir();
        using var first = SlowRun(dir);
        var at = await EngineCli.AdminAddressAsync(first, Start);
        var port = at.Split(':')[1];
        var other = EngineProcess.TempDir();
        var (code, _, stderr) = await EngineProcess.RunAsync(other, Start, new Dictionary<string, string> { ["ENGINE_ADMIN_PORT"] = port },
            "--db", Path.Combine(other, "engine.db"));
        Assert.Equal(2, code);
        Assert.Contains($"error: setting 'engine.admin.port': 127.0.0.1:{port} cannot be opened", stderr);
        Assert.Contains("ENGINE_ADMIN_PORT", stderr);
    }
}

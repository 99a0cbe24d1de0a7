using System.Diagnostics;
using System.Globalization;
using Engine.Host;

namespace Engine.Host.Tests;

/// <summary>
/// The journal a run is given, and how a run stops, with the real executable: a journal that cannot
/// be used is refused at once with exit 2 and its cause; one engine per journal; a journal knows its
/// input; SIGINT and SIGTERM end with the summary so far and 130 or 143, and the same command then
/// finishes the uninterrupted run.
/// </summary>
public sealed class JournalAndStopTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>A small CSV of trades one minute apart (regular hours), so a run is quick.</summary>
    private static string Trades(string dir, string name, int count, decimal start = 100m)
    {
        var path = Path.Combine(dir, name);
        var t0 = new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
        File.WriteAllLines(path, new[] { "timestamp,symbol,price,quantity" }.Concat(Enumerable.Range(0, count).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{t0.AddMinutes(i):yyyy-MM-ddTHH:mm:ssZ},XYZ,{start + (i % 9) * 0.5m},100"))));
        return path;
    }

    public static TheoryData<string, string> BadJournals => new()
    {
        { "a directory", "is a directory" },
        { "a file that is not a database", "cannot be used as a journal" },
        { "under a file", "is a file" },
    };

    [Theory]
    [MemberData(nameof(BadJournals))]
    public async Task A_journal_that_cannot_be_used_is_refused_at_once_with_exit_2_and_its_cause(string kind, string cause)
    {
        var dir = EngineProcess.TempDir();
        var csv = Trades(dir, "t.csv", 5);
        var db = kind switch
        {
            "a directory" => Directory.CreateDirectory(Path.Combine(dir, "journal.db")).FullName,
            "a file that is not a database" => Path.Combine(dir, "notes.txt"),
            _ => Path.Combine(dir, "notes.txt", "sub", "engine.db"),
        };
        if (kind != "a directory") File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a database, and it must stay as it is\n");
        var before = Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToArray();

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, "--data", csv, "--db", db, "--quiet");

        Assert.True(code == 2, $"{kind}: exit {code}\n{stdout}\n{stderr}");
        var message = stderr.Trim();
        Assert.StartsWith("error: ", message);
        Assert.Contains(cause, message);
        Assert.DoesNotContain("   at ", stdout + stderr); // no stack trace
        Assert.Equal(before, Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().ToArray());
        if (kind != "a directory") Assert.Equal("not a database, and it must stay as it is\n", File.ReadAllText(Path.Combine(dir, "notes.txt")));
    }

    [Fact]
    public async Task An_empty_journal_path_is_refused_with_exit_2()
    {
        var dir = EngineProcess.TempDir();
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "--data", Trades(dir, "t.csv", 5), "--db", "", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("--db: the journal path is empty", stderr);
    }

    [Fact]
    public async Task A_journal_path_with_a_semicolon_is_a_path_like_any_other()
    {
        var dir = EngineProcess.TempDir();
        var db = Path.Combine(dir, "a;Mode=ReadOnly;b", "engine.db");
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, "--data", Trades(dir, "t.csv", 5), "--db", db, "--quiet");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.True(File.Exists(db));
    }

    [Fact]
    public async Task A_second_engine_on_the_same_journal_is_refused_naming_the_holder_and_writes_nothing()
    {
        var dir = EngineProcess.TempDir();
        var csv = Trades(dir, "t.csv", 120);
        // The first engine replays two hours of market time in about two minutes of wall time.
        using var first = EngineProcess.Start(dir, "--data", csv, "--db", "shared.db", "--speed", "60");
        await Eventually(() => first.Stderr.Contains("] events ", StringComparison.Ordinal), "the first engine is trading");

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, "--data", csv, "--db", "shared.db", "--quiet");

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("is in use by another engine", stderr);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"process {ProcessId(first)}"), stderr);
        Assert.False(first.HasExited, "the first engine must go on");
        first.Kill();
        await first.WaitAsync(Limit);

        // The refused engine journaled nothing (no halt, no event): the journal is the first's alone,
        // and the next run on it resumes and finishes as an uninterrupted run.
        var (again, outAgain, errAgain) = await EngineProcess.RunAsync(dir, Limit, "--data", csv, "--db", "shared.db", "--summary-json", "resumed.json", "--quiet");
        Assert.True(again == 0, $"exit {again}\n{outAgain}\n{errAgain}");
        Assert.Contains("all scopes ACTIVE", outAgain);
        var (clean, outClean, errClean) = await EngineProcess.RunAsync(dir, Limit, "--data", csv, "--db", "clean.db", "--summary-json", "clean.json", "--quiet");
        Assert.True(clean == 0, $"exit {clean}\n{outClean}\n{errClean}");
        AssertSameFills("clean.json", "resumed.json", dir);
    }

    [Fact]
    public async Task A_journal_refuses_other_input_naming_what_differs_unless_asked_to_continue()
    {
        var dir = EngineProcess.TempDir();
        var csv = Trades(dir, "t.csv", 30);
        await Ok(dir, "--data", csv, "--db", "j.db", "--quiet");

        // Other data: the file's contents differ.
        var other = Trades(Directory.CreateDirectory(Path.Combine(dir, "other")).FullName, "t.csv", 30, start: 101m);
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "--data", other, "--db", "j.db", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("holds a run of other input", stderr);
        Assert.Contains("data:t.csv", stderr);
        Assert.Contains("--continue-anyway", stderr);

        // Other settings that change decisions: named with both values.
        (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, new Dictionary<string, string> { ["ENGINE_RISK_MAX_DAILY_LOSS"] = "1234" },
            "--data", csv, "--db", "j.db", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("engine.risk.account.max-daily-loss", stderr);
        Assert.Contains("-> 1234", stderr);

        // Settings that change only how fast the same decisions are made are not input.
        var (tuned, outTuned, errTuned) = await EngineProcess.RunAsync(dir, Limit,
            new Dictionary<string, string> { ["ENGINE_FEED_BATCH_SIZE"] = "7", ["ENGINE_FEED_MAX_IN_FLIGHT"] = "33" }, "--data", csv, "--db", "j.db", "--quiet");
        Assert.True(tuned == 0, $"exit {tuned}\n{outTuned}\n{errTuned}");

        // Asked to continue anyway: it does, says so, and the journal now records the new input.
        var (forced, outForced, errForced) = await EngineProcess.RunAsync(dir, Limit, "--data", other, "--db", "j.db", "--continue-anyway", "--quiet");
        Assert.True(forced == 0, $"exit {forced}\n{outForced}\n{errForced}");
        Assert.Contains("continuing the journal", errForced);
        await Ok(dir, "--data", other, "--db", "j.db", "--quiet");
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_stops_the_feed_prints_the_summary_so_far_and_the_same_command_then_finishes_the_run(string signal, int exitCode)
    {
        // A process started with SIGINT ignored (a shell's background job without job control) passes
        // that on, and .NET then never sees the signal: say so instead of failing on the exit code.
        Assert.False(signal == "INT" && SigintIgnored(), "SIGINT is ignored by the test process (started as a background job without job control); run the tests in the foreground");
        var dir = EngineProcess.TempDir();
        var oneDay = new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" };
        // One synthetic day (6.5 hours of market time) paced to about 12 seconds.
        using var run = EngineProcess.Start(dir, oneDay, "--db", "j.db", "--speed", "2000", "--summary-json", "stopped.json");
        await Eventually(() => run.Stderr.Contains("] events ", StringComparison.Ordinal), "the feed is running");
        using (var kill = Process.Start("kill", $"-{signal} {ProcessId(run)}")) await kill.WaitForExitAsync();
        var code = await run.WaitAsync(Limit);

        Assert.True(code == exitCode, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("=== Run summary ===", run.Stdout);
        Assert.True(run.Stdout.Contains($"stopped: by SIG{signal}", StringComparison.Ordinal), run.Stdout[^Math.Min(600, run.Stdout.Length)..]);
        Assert.DoesNotContain("Exception", run.Stdout + run.Stderr);
        var stopped = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "stopped.json")));
        Assert.True(stopped.Stopped);
        Assert.True(stopped.Feed.Read < 37_440, $"the feed was not stopped early: {stopped.Feed.Read} events read");

        var (again, outAgain, errAgain) = await EngineProcess.RunAsync(dir, Limit, oneDay, "--db", "j.db", "--summary-json", "resumed.json", "--quiet");
        Assert.True(again == 0, $"exit {again}\n{outAgain}\n{errAgain}");
        var (clean, outClean, errClean) = await EngineProcess.RunAsync(dir, Limit, oneDay, "--db", "clean.db", "--summary-json", "clean.json", "--quiet");
        Assert.True(clean == 0, $"exit {clean}\n{outClean}\n{errClean}");
        AssertSameFills("clean.json", "resumed.json", dir);
    }

    /// <summary>
    /// SQLite goes on writing to a removed file and loses it at exit: the removal is caught as a journal
    /// failure (trading stopped with the feed, the run ended at once with exit 1 naming it); the same command then
    /// starts afresh on the new file and finishes.
    /// </summary>
    [Fact]
    public async Task A_journal_file_removed_mid_run_halts_trading_and_ends_the_run_with_exit_1_naming_it()
    {
        var dir = EngineProcess.TempDir();
        var oneDay = new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" };
        using var run = EngineProcess.Start(dir, oneDay, "--db", "j.db", "--speed", "2000", "--summary-json", "gone.json");
        await Eventually(() => run.Stderr.Contains("] events ", StringComparison.Ordinal), "the feed is running");
        foreach (var file in new[] { "j.db", "j.db-wal", "j.db-shm" }) File.Delete(Path.Combine(dir, file));
        var code = await run.WaitAsync(Limit);

        Assert.True(code == 1, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("error: the journal file '", run.Stderr);
        Assert.Contains("was removed while the engine ran", run.Stderr);
        Assert.True(run.Stdout.Contains("RUN FAILED: the journal file '", StringComparison.Ordinal), $"{run.Stdout}\n{run.Stderr}");
        Assert.DoesNotContain("Unhandled exception", run.Stdout + run.Stderr);
        var gone = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "gone.json")));
        Assert.True(gone.Feed.Read < 37_440, $"the run was not ended early: {gone.Feed.Read} events read");

        var (again, outAgain, errAgain) = await EngineProcess.RunAsync(dir, Limit, oneDay, "--db", "j.db", "--summary-json", "again.json", "--quiet");
        Assert.True(again == 0, $"exit {again}\n{outAgain}\n{errAgain}");
        Assert.Equal(37_440, RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "again.json"))).Feed.Read);
    }

    [Fact]
    public async Task A_persisted_halt_is_released_by_the_host_command_audited_and_the_next_run_starts_with_it()
    {
        var dir = EngineProcess.TempDir();
        // A daily-loss limit that the first day's losses reach: the account's supervisor restricts it.
        var tight = new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1", ["ENGINE_RISK_MAX_DAILY_LOSS"] = "100" };
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, tight, "--db", "j.db", "--quiet");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

        var status = await EngineProcess.RunAsync(dir, Limit, "kill-switch", "status", "--db", "j.db");
        Assert.Equal(0, status.ExitCode);
        Assert.Matches(@"account:main\s+(HALTED|REDUCING)", status.Stdout);

        var bad = await EngineProcess.RunAsync(dir, Limit, "kill-switch", "release", "--db", "j.db", "--scope", "acct", "--reason", "x");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'acct' is not a scope", bad.Stderr);
        var missing = await EngineProcess.RunAsync(dir, Limit, "kill-switch", "release", "--db", "none.db", "--scope", "engine", "--reason", "x");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "none.db")));

        var release = await EngineProcess.RunAsync(dir, Limit, "kill-switch", "release", "--db", "j.db", "--scope", "account:main", "--reason", "loss reviewed", "--operator", "alice");
        Assert.True(release.ExitCode == 0, release.Stdout + release.Stderr);
        Assert.Contains("released account:main (by alice: loss reviewed)", release.Stdout);
        Assert.Contains("all scopes ACTIVE", (await EngineProcess.RunAsync(dir, Limit, "kill-switch", "status", "--db", "j.db")).Stdout);
        Assert.Contains("nothing to release", (await EngineProcess.RunAsync(dir, Limit, "kill-switch", "release", "--db", "j.db", "--scope", "account:main", "--reason", "again")).Stdout);

        // The next run on the journal reads the release from it, as part of its audit trail.
        (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, tight, "--db", "j.db", "--summary-json", "next.json", "--quiet");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var next = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "next.json")));
        Assert.Contains(next.Audit, a => a.Action == "release" && a.Scope == "account:main" && a.Operator == "alice" && a.Reason == "loss reviewed");
    }

    [Fact]
    public async Task The_kill_switch_command_is_refused_while_an_engine_runs_on_the_journal()
    {
        var dir = EngineProcess.TempDir();
        using var engine = EngineProcess.Start(dir, new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" }, "--db", "j.db", "--speed", "500");
        await Eventually(() => engine.Stderr.Contains("] events ", StringComparison.Ordinal), "the engine is running");
        var release = await EngineProcess.RunAsync(dir, Limit, "kill-switch", "release", "--db", "j.db", "--scope", "engine", "--reason", "x");
        Assert.Equal(2, release.ExitCode);
        Assert.Contains("is in use by another engine", release.Stderr);
        engine.Kill();
    }

    private static void AssertSameFills(string expectedJson, string actualJson, string dir)
    {
        var expected = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, expectedJson)));
        var actual = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, actualJson)));
        Assert.NotEmpty(expected.FillLog);
        Assert.True(expected.FillLog.SequenceEqual(actual.FillLog), $"the fill logs differ ({expected.FillLog.Count} vs {actual.FillLog.Count} fills)");
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Accounts, actual.Accounts);
    }

    private static async Task Ok(string dir, params string[] args)
    {
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, args);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
    }

    private static int ProcessId(EngineProcess p) => p.Id;

    /// <summary>Bit 2 (SIGINT) of this process's ignored-signal mask in /proc.</summary>
    private static bool SigintIgnored()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for: " + what);
            await Task.Delay(50);
        }
    }
}

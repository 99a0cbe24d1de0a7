using Engine.Host;
using Engine.TestSupport;

namespace Engine.Host.Tests;

/// <summary>
/// Design rule 1 and determinism, with the real executable on every data set the engine promises
/// them for: a run SIGKILLed at a point set by the journal (after its Nth journaled event) and
/// started again with the same command and database ends with exactly the fills, positions,
/// rejections, account P&amp;L, daily baseline, high-water mark and kill-switch decisions of an
/// uninterrupted run; and so does a run cut into batches differently, with two engines loading the
/// machine at once.
/// </summary>
public sealed class CrashRestartTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);

    public sealed record DataSet(string Name, string[] Args, Dictionary<string, string> Environment)
    {
        public override string ToString() => Name;
    }

    private static string Lean(params string[] parts) => LeanData.Root is null ? "" : LeanData.PathOf(parts);

    private static readonly Dictionary<string, DataSet> Sets = new()
    {
        ["default"] = new("default", Array.Empty<string>(), new()),
        ["synthetic 100 symbols"] = new("synthetic 100 symbols",
            new[] { "--synthetic", string.Join(",", Enumerable.Range(1, 100).Select(i => $"S{i:000}")) },
            new() { ["ENGINE_SYNTHETIC_DAYS"] = "1" }),
        ["LEAN minute folder"] = new("LEAN minute folder", new[] { "--data", Lean("equity", "usa", "minute") }, new()),
        ["SPY second"] = new("SPY second", new[] { "--data", Lean("equity", "usa", "second", "spy") }, new()),
        ["IBM ticks"] = new("IBM ticks", new[] { "--data", Lean("equity", "usa", "tick", "ibm") }, new()),
        // Account limits act: REDUCING and the daily-loss kill switch, decided at boundaries.
        ["SPY second, daily loss limit 3000"] = new("SPY second, daily loss limit 3000",
            new[] { "--data", Lean("equity", "usa", "second", "spy") }, new() { ["ENGINE_RISK_MAX_DAILY_LOSS"] = "3000" }),
    };

    public static TheoryData<string> Synthetic => new() { "default", "synthetic 100 symbols" };

    public static TheoryData<string> LeanSets => new() { "LEAN minute folder", "SPY second", "IBM ticks", "SPY second, daily loss limit 3000" };

    [Theory]
    [MemberData(nameof(Synthetic))]
    public Task Synthetic_run_killed_after_a_journaled_event_and_restarted_matches_the_uninterrupted_run(string set) => KillAndRestart(Sets[set]);

    [LeanDataTheory]
    [MemberData(nameof(LeanSets))]
    public Task Lean_replay_killed_after_a_journaled_event_and_restarted_matches_the_uninterrupted_run(string set) => KillAndRestart(Sets[set]);

    [Theory]
    [MemberData(nameof(Synthetic))]
    public Task Synthetic_run_gives_identical_fills_whatever_the_batching_and_under_load(string set) => Batchings(Sets[set]);

    [LeanDataTheory]
    [MemberData(nameof(LeanSets))]
    public Task Lean_replay_gives_identical_fills_whatever_the_batching_and_under_load(string set) => Batchings(Sets[set]);

    private static async Task KillAndRestart(DataSet set)
    {
        var dir = EngineProcess.TempDir();
        var clean = await Run(dir, set, "clean", new());
        Assert.True(clean.JournaledEvents > 10, $"{set}: only {clean.JournaledEvents} journaled events");

        // Killed once half of what the uninterrupted run journals is journaled, cut into other batches.
        var kill = new Dictionary<string, string>(Batching(7, 64))
        {
            ["ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS"] = (clean.JournaledEvents / 2).ToString(),
        };
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, Merge(set.Environment, kill), Args(set, "crash"));
        Assert.True(code != 0, $"{set}: the run was not killed\n{stdout}\n{stderr}");
        Assert.False(File.Exists(Path.Combine(dir, "crash.json")), "a killed run must not leave a summary");

        var restarted = await Run(dir, set, "crash", new());
        AssertSameOutcome(set, clean, restarted);
    }

    /// <summary>
    /// Issue 8: the journal fills up mid-run (SQLite's own "database or disk is full", the error a full
    /// disk gives, forced by capping the file at half the pages the uninterrupted run needs). Trading
    /// stops with the feed, the run ends with exit 1, the cause in one line on stderr and the summary so far on
    /// stdout; with the fault gone, the same command finishes with the uninterrupted run's outcome.
    /// </summary>
    [Fact]
    public async Task A_journal_that_fills_up_mid_run_ends_it_with_exit_1_naming_the_cause_and_the_same_command_then_finishes_it()
    {
        var set = Sets["default"];
        var dir = EngineProcess.TempDir();
        var clean = await Run(dir, set, "clean", new());
        var pages = PageCount(Path.Combine(dir, "clean.db"));

        var full = new Dictionary<string, string>(Batching(7, 64)) { ["ENGINE_FAULT_JOURNAL_MAX_PAGES"] = (pages / 2).ToString() };
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, Merge(set.Environment, full), Args(set, "full"));
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        var error = stderr.Trim();
        Assert.True(!error.Contains('\n') && error.Contains("database or disk is full", StringComparison.Ordinal), $"stderr is not one line naming the cause:\n{stderr}");
        Assert.True(stdout.Contains("=== Run summary ===", StringComparison.Ordinal) && stdout.Contains("RUN FAILED", StringComparison.Ordinal),
            $"no summary of the failed run:\n{stdout}\n{stderr}");
        var cut = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "full.json")));
        Assert.True(cut.FillLog.Count < clean.FillLog.Count, $"the fault came too late: {cut.FillLog.Count} of {clean.FillLog.Count} fills journaled");
        Assert.Empty(cut.FillLog.Except(clean.FillLog)); // what was journaled before the fault is the uninterrupted run's

        var restarted = await Run(dir, set, "full", new());
        AssertSameOutcome(set, clean, restarted);
    }

    private static long PageCount(string db)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_count;";
        return (long)command.ExecuteScalar()!;
    }

    private static async Task Batchings(DataSet set)
    {
        var dir = EngineProcess.TempDir();
        // Two engines at once: each loads the machine the other runs on.
        var tiny = Run(dir, set, "tiny", Batching(1, 1));
        var odd = Run(dir, set, "odd", Batching(7, 33));
        var reference = await Run(dir, set, "reference", new());
        AssertSameOutcome(set, reference, await tiny);
        AssertSameOutcome(set, reference, await odd);
    }

    private static Dictionary<string, string> Batching(int batch, int inFlight) => new()
    {
        ["ENGINE_FEED_BATCH_SIZE"] = batch.ToString(),
        ["ENGINE_FEED_READ_AHEAD"] = Math.Max(batch, 16).ToString(),
        ["ENGINE_FEED_MAX_IN_FLIGHT"] = inFlight.ToString(),
    };

    private static string[] Args(DataSet set, string name) =>
        set.Args.Concat(new[] { "--db", $"{name}.db", "--summary-json", $"{name}.json", "--quiet" }).ToArray();

    private static Dictionary<string, string> Merge(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Concat(b).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static async Task<RunSummary> Run(string dir, DataSet set, string name, Dictionary<string, string> environment)
    {
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, Merge(set.Environment, environment), Args(set, name));
        Assert.True(code == 0, $"{set} ({name}): exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, $"{name}.json")));
    }

    private static void AssertSameOutcome(DataSet set, RunSummary expected, RunSummary actual)
    {
        Assert.NotEmpty(expected.FillLog);
        // Where account limits are set to act, they did: the determinism covers their decisions too.
        if (set.Environment.ContainsKey("ENGINE_RISK_MAX_DAILY_LOSS"))
            Assert.Contains(expected.Audit, a => a.Operator == "risk-supervisor" && a.Scope == "account:main");
        Assert.True(expected.FillLog.SequenceEqual(actual.FillLog), $"{set}: the fill logs differ ({expected.FillLog.Count} vs {actual.FillLog.Count} fills)");
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.RejectionsByReason, actual.RejectionsByReason);
        Assert.Equal(expected.Deferrals, actual.Deferrals);
        Assert.Equal(expected.JournaledEvents, actual.JournaledEvents);
        Assert.Equal(expected.Feed.Read, actual.Feed.Read);
        // The account as its supervisor saw it at the end: P&L, daily baseline, high-water mark, drawdown.
        Assert.Equal(expected.Accounts, actual.Accounts);
        // Automatic decisions at the same feed points (the wall-clock audit times differ).
        Assert.Equal(expected.Audit.Select(a => (a.Action, a.Scope, a.Operator, a.Reason, a.Point)),
            actual.Audit.Select(a => (a.Action, a.Scope, a.Operator, a.Reason, a.Point)));
    }
}

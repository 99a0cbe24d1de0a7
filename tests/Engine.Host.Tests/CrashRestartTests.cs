using System.Diagnostics;
using Engine.Host;
using Engine.TestSupport;

namespace Engine.Host.Tests;

/// <summary>
/// Design rule 1 with a real process: a run killed with SIGKILL at an arbitrary moment and started
/// again with the same command and database ends with exactly the fills and positions of an
/// uninterrupted run.
/// </summary>
public sealed class CrashRestartTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private static async Task<RunSummary> Uninterrupted(string dir, string[] args)
    {
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            args.Concat(new[] { "--db", "clean.db", "--summary-json", "clean.json", "--quiet" }).ToArray());
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "clean.json")));
    }

    private static async Task<RunSummary> KilledThenRestarted(string dir, string[] args, TimeSpan killAfter)
    {
        var run = args.Concat(new[] { "--db", "crash.db", "--summary-json", "crash.json" }).ToArray();
        using (var victim = EngineProcess.Start(dir, run))
        {
            await Task.Delay(killAfter);
            Assert.False(victim.HasExited, "the run finished before it could be killed; kill earlier\n" + victim.Stderr);
            victim.Kill();
            await victim.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.False(File.Exists(Path.Combine(dir, "crash.json")), "a killed run must not leave a summary");
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, run);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "crash.json")));
    }

    private static void AssertSameOutcome(RunSummary expected, RunSummary actual)
    {
        Assert.NotEmpty(expected.FillLog);
        Assert.Equal(expected.FillLog, actual.FillLog);
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.RejectionsByReason, actual.RejectionsByReason);
        Assert.Equal(expected.Feed.Read, actual.Feed.Read);
    }

    /// <summary>Kill when the journal already holds fills but the run is far from done.</summary>
    private static TimeSpan KillPoint(double cleanSeconds) =>
        TimeSpan.FromSeconds(Math.Max(2.5, cleanSeconds * 0.6));

    [Fact]
    public async Task Default_synthetic_run_killed_and_restarted_matches_an_uninterrupted_run()
    {
        var dir = EngineProcess.TempDir();
        var args = Array.Empty<string>();
        var watch = Stopwatch.StartNew();
        var clean = await Uninterrupted(dir, args);
        var fromCrash = await KilledThenRestarted(dir, args, KillPoint(watch.Elapsed.TotalSeconds));
        AssertSameOutcome(clean, fromCrash);
        Assert.Equal(new[] { "breakout", "ma-cross", "mean-rev" },
            clean.FillLog.Select(f => f.Strategy).Distinct().Order().ToArray());
    }

    [LeanDataFact]
    public async Task Spy_minute_replay_killed_and_restarted_matches_an_uninterrupted_run()
    {
        var dir = EngineProcess.TempDir();
        var args = new[] { "--data", Path.Combine(LeanData.Root!, "equity", "usa", "minute", "spy") };
        var watch = Stopwatch.StartNew();
        var clean = await Uninterrupted(dir, args);
        var fromCrash = await KilledThenRestarted(dir, args, KillPoint(watch.Elapsed.TotalSeconds));
        AssertSameOutcome(clean, fromCrash);
    }

    [Fact]
    public async Task The_same_command_twice_gives_identical_fills()
    {
        var dir = EngineProcess.TempDir();
        var args = new[] { "--synthetic", "AAPL,MSFT" };
        var (c1, _, e1) = await EngineProcess.RunAsync(dir, Limit, args.Concat(new[] { "--db", "a.db", "--summary-json", "a.json", "--quiet" }).ToArray());
        var (c2, _, e2) = await EngineProcess.RunAsync(dir, Limit, args.Concat(new[] { "--db", "b.db", "--summary-json", "b.json", "--quiet" }).ToArray());
        Assert.True(c1 == 0 && c2 == 0, e1 + e2);
        var a = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "a.json")));
        var b = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "b.json")));
        AssertSameOutcome(a, b);
    }
}

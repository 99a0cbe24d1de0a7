using System.Diagnostics;
using Engine.Actors.Settings;
using Engine.Host;

// End-to-end replay throughput: the real engine (actor system, sharding, strategies, risk,
// paper venue, SQLite journal) on a synthetic feed and, when present, LEAN SPY minute data.
// Reports figures and a ratio; asserts nothing (shared machines are noisy).
var runs = new List<(string Name, EngineOptions Options)>
{
    ("synthetic 4 symbols x 3 days", new EngineOptions(null, null, null, null, TempDb(), null, Quiet: true)),
    ("synthetic 16 symbols x 3 days", new EngineOptions(null,
        Enumerable.Range(1, 16).Select(i => $"S{i:00}").ToArray(), null, null, TempDb(), null, Quiet: true)),
};
var lean = FindLean();
if (lean is not null)
    runs.Add(("LEAN SPY minute (trade+quote bars)", new EngineOptions(Path.Combine(lean, "equity", "usa", "minute", "spy"), null, null, null, TempDb(), null, Quiet: true)));
else
    Console.WriteLine("LEAN sample data not found beside the repository; skipping that replay.");

Console.WriteLine($"{"replay",-36} {"events",10} {"fills",8} {"seconds",8} {"events/s",10}");
var results = new List<double>();
foreach (var (name, options) in runs)
{
    var config = ConfigLoader.Load(options);
    var settings = EngineSettings.FromConfig(config);
    var watch = Stopwatch.StartNew();
    var summary = await new EngineRunner(options, config, settings, TextWriter.Null).RunAsync(CancellationToken.None);
    watch.Stop();
    // The summary's own figure times the feed only; the wall time includes start-up and the report.
    Console.WriteLine($"{name,-36} {summary.Feed.Read,10:N0} {summary.Fills,8:N0} {summary.ElapsedSeconds,8:F2} {summary.EventsPerSecond,10:N0}   (wall {watch.Elapsed.TotalSeconds:F1} s)");
    results.Add(summary.EventsPerSecond);
}
if (results.Count >= 2)
    Console.WriteLine($"ratio 16 symbols / 4 symbols events/s: {results[1] / results[0]:F2}");

static string TempDb() => Path.Combine(Path.GetTempPath(), "engine-bench", Guid.NewGuid().ToString("N"), "bench.db");

static string? FindLean()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "..", "shared", "data", "lean");
        if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
    }
    return null;
}

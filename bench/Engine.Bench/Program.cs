using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engine.Bench;

// One command: dotnet run -c Release --project bench/Engine.Bench [-- --repeat N] [-- --only NAME] [-- --engagements N]
// Every figure comes from its own child process (fresh JIT, fresh heap, its own peak RSS), run
// --repeat times (3 by default) and shown as min / median / max. Nothing is asserted: the targets
// are printed beside what was reached, on whatever machine this runs.
if (args.Length > 0 && args[0] == "--child")
{
    var result = await Child.RunAsync(args[1], args.Length > 2 ? args[2] : "");
    Console.Out.WriteLine("RESULT " + JsonSerializer.Serialize(result));
    return 0;
}

var repeat = 3;
var engagements = 1000;
string? only = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--repeat" && i + 1 < args.Length && int.TryParse(args[++i], out var r) && r > 0) repeat = r;
    else if (args[i] == "--only" && i + 1 < args.Length) only = args[++i];
    else if (args[i] == "--engagements" && i + 1 < args.Length && int.TryParse(args[++i], out var n) && n > 0) engagements = n;
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}': expected --repeat N, --only NAME or --engagements N");
        return 2;
    }
}

var inv = CultureInfo.InvariantCulture;
Console.WriteLine($"Engine benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {repeat} run(s) per figure, each in its own process");
Console.WriteLine(Datasets.LeanRoot is null ? $"LEAN data: not found ({Datasets.LeanMissing}); LEAN rows are skipped" : $"LEAN data: {Datasets.LeanRoot}");
Console.WriteLine();

bool Wanted(string name) => only is null || name.Contains(only, StringComparison.OrdinalIgnoreCase);

// ---- end to end, and the parse-only ceiling of the same feed ----
var e2e = new List<(Dataset Set, Stats Warm, Stats Cold, Stats Ns, Stats Bytes, Stats Rss, Stats Parse, long Events)>();
foreach (var set in Datasets.All.Where(s => Wanted(s.Name)))
{
    if (set.NeedsLean && Datasets.LeanRoot is null) continue;
    Console.Error.WriteLine($"[bench] {set.Name} ...");
    var runs = Runs("e2e", set.Name);
    var parse = Runs("parse", set.Name);
    e2e.Add((set,
        Stats.Of(runs.Select(r => r.EventsPerSecond)), Stats.Of(runs.Select(r => r.ColdEventsPerSecond)),
        Stats.Of(runs.Select(r => 1e9 / r.EventsPerSecond)), Stats.Of(runs.Select(r => (double)r.AllocatedBytes / r.Events)),
        Stats.Of(runs.Select(r => r.PeakRssKb / 1024.0)), Stats.Of(parse.Select(r => r.EventsPerSecond)), runs[0].Events));
}
if (e2e.Count > 0)
{
    Console.WriteLine("End to end: the real engine (one-node cluster, sharding, strategies, risk, paper venue, SQLite journal),");
    Console.WriteLine("second run in the process (warm); cold = the first; parse-only = reading, parsing, validating and merging the same feed");
    var header = string.Format(inv, "{0,-16} {1,10} {2,24} {3,22} {4,16} {5,16} {6,14} {7,24} {8,9}",
        "data", "events", "events/s warm", "events/s cold", "ns/event", "bytes/event", "peak RSS MB", "parse-only events/s", "e2e/parse");
    Console.WriteLine(header);
    Console.WriteLine(new string('-', header.Length));
    foreach (var (set, warm, cold, ns, bytes, rss, parse, events) in e2e)
        Console.WriteLine(string.Format(inv, "{0,-16} {1,10:N0} {2,24} {3,22} {4,16} {5,16} {6,14} {7,24} {8,9:P0}",
            set.Name, events, warm.Format("N0"), cold.Format("N0"), ns.Format("N0"), bytes.Format("N0"), rss.Format("N0"), parse.Format("N0"),
            warm.Median / parse.Median));
    Console.WriteLine();
}

// ---- ceilings, memory, latency, start-up ----
Stats? tells = null;
if (Wanted("tell"))
{
    Console.Error.WriteLine("[bench] raw tells ...");
    tells = Stats.Of(Runs("tell", "").Select(r => r.EventsPerSecond));
    Console.WriteLine($"Raw Akka.NET tells, one sender thread to one actor on the engine's dispatcher: {tells.Format("N0")} messages/s");
}
(Stats Three, Stats Thirty)? memory = null;
if (Wanted("memory"))
{
    Console.Error.WriteLine("[bench] memory 3 vs 30 days ...");
    var three = Stats.Of(Runs("memory", "3").Select(r => r.PeakRssKb / 1024.0));
    var thirty = Stats.Of(Runs("memory", "30").Select(r => r.PeakRssKb / 1024.0));
    memory = (three, thirty);
    Console.WriteLine($"Peak RSS, synthetic default: 3 days {three.Format("N0")} MB, 30 days {thirty.Format("N0")} MB (30/3 = {thirty.Median / three.Median:F2})");
}
var latency = new List<(int Rate, Stats Achieved, Stats DecP50, Stats DecP99, Stats DecP999, Stats DecMax, Stats OrdP50, Stats OrdP99, Stats OrdP999, Stats OrdMax, long Orders)>();
foreach (var rate in new[] { 10_000, 100_000 })
{
    if (!Wanted("latency")) break;
    Console.Error.WriteLine($"[bench] latency at {rate:N0} events/s ...");
    var runs = Runs("latency", rate.ToString(inv));
    Stats S(Func<ChildResult, double> f) => Stats.Of(runs.Select(f));
    latency.Add((rate, S(r => r.EventsPerSecond),
        S(r => r.Decision!.P50), S(r => r.Decision!.P99), S(r => r.Decision!.P999), S(r => r.Decision!.Max),
        S(r => r.Order!.P50), S(r => r.Order!.P99), S(r => r.Order!.P999), S(r => r.Order!.Max), runs[0].Order!.Count));
}
if (latency.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("Tick to order (HdrHistogram, microseconds) on the synthetic default paced at a fixed rate: from an event's");
    Console.WriteLine("dispatch to its symbol until the order it caused is accepted (decided), and also journaled (journaled)");
    var header = string.Format(inv, "{0,-12} {1,10} {2,8} {3,18} {4,18} {5,18} {6,18}", "paced at", "reached", "orders", "p50", "p99", "p99.9", "max");
    Console.WriteLine(header);
    Console.WriteLine(new string('-', header.Length));
    foreach (var l in latency)
    {
        Console.WriteLine(string.Format(inv, "{0,-12} {1,10:N0} {2,8:N0} {3,18} {4,18} {5,18} {6,18}  decided",
            $"{l.Rate:N0}/s", l.Achieved.Median, l.Orders, l.DecP50.Format("N0"), l.DecP99.Format("N0"), l.DecP999.Format("N0"), l.DecMax.Format("N0")));
        Console.WriteLine(string.Format(inv, "{0,-12} {1,10} {2,8} {3,18} {4,18} {5,18} {6,18}  journaled",
            "", "", "", l.OrdP50.Format("N0"), l.OrdP99.Format("N0"), l.OrdP999.Format("N0"), l.OrdMax.Format("N0")));
    }
}
Stats? tiny = null;
if (Wanted("tiny"))
{
    Console.Error.WriteLine("[bench] tiny input, whole process ...");
    tiny = Stats.Of(Enumerable.Range(0, repeat).Select(_ => Child.TinyProcessSeconds()));
    Console.WriteLine();
    Console.WriteLine($"Whole process for a tiny input ({Child.TinyEvents} trades, one symbol): dotnet Engine.Host.dll --data tiny.csv: {tiny.Format("F2")} s");
}

// ---- targets ----
Console.WriteLine();
// ---- the cluster (issue 9): needs the PostgreSQL server binaries, as the tests do ----
if (Wanted("cluster")) await ClusterBench.RunAsync(repeat, engagements);

Console.WriteLine("Targets (issue 7, this 2-core machine kind) and what this run reached (medians):");
void Target(string what, string target, double? reached, Func<double, bool> met, string format)
{
    var value = reached is { } v ? v.ToString(format, inv) : "not run";
    Console.WriteLine($"  {what,-52} target {target,-12} reached {value,-14} {(reached is { } x ? met(x) ? "met" : "NOT met" : "")}");
}
double? Warm(string name) => e2e.FirstOrDefault(e => e.Set.Name == name).Warm?.Median;
double? Ratio(string name) => e2e.FirstOrDefault(e => e.Set.Name == name) is { Warm: not null } e ? e.Warm.Median / e.Parse.Median : null;
Target("end to end, synthetic default (events/s)", ">= 1,000,000", Warm("synthetic"), x => x >= 1_000_000, "N0");
Target("end to end, IBM ticks trade+quote (events/s)", ">= 1,000,000", Warm("ibm-tick"), x => x >= 1_000_000, "N0");
Target("end to end, SPY second bars (events/s)", ">= 300,000", Warm("spy-second"), x => x >= 300_000, "N0");
Target("end to end / parse-only, synthetic default", ">= 50%", Ratio("synthetic"), x => x >= 0.5, "P0");
Target("peak RSS 30 days / 3 days", "<= 1.15", memory is { } m ? m.Thirty.Median / m.Three.Median : null, x => x <= 1.15, "F2");
Target("tick-to-order p99 at 10k events/s, decided (us)", "< 50", latency.FirstOrDefault(l => l.Rate == 10_000).DecP99?.Median, x => x < 50, "N0");
Target("tick-to-order p99 at 10k events/s, journaled (us)", "< 50", latency.FirstOrDefault(l => l.Rate == 10_000).OrdP99?.Median, x => x < 50, "N0");
Target("tiny input, whole process (s)", "< 1.5", tiny?.Median, x => x < 1.5, "F2");
return 0;

List<ChildResult> Runs(string kind, string arg) => Enumerable.Range(0, repeat).Select(_ => Child.Spawn(kind, arg)).ToList();

/// <summary>Min, median and max of repeated measurements.</summary>
internal sealed record Stats(double Min, double Median, double Max)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return new Stats(v[0], v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2, v[^1]);
    }

    public string Format(string f) => Min == Max
        ? Median.ToString(f, CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Min.ToString(f, CultureInfo.InvariantCulture)}/{Median.ToString(f, CultureInfo.InvariantCulture)}/{Max.ToString(f, CultureInfo.InvariantCulture)}");
}

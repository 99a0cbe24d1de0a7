using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors;
using Engine.Actors.Settings;
using Engine.Domain.MarketData;
using Engine.Host;
using Engine.MarketData;

namespace Engine.Bench;

internal sealed record LatencyFigures(long Count, double P50, double P99, double P999, double Max);

/// <summary>What one child process measured.</summary>
internal sealed record ChildResult(
    long Events, double EventsPerSecond, double ColdEventsPerSecond, long AllocatedBytes, long PeakRssKb,
    LatencyFigures? Decision = null, LatencyFigures? Order = null);

/// <summary>The measurements, each run in a child process of its own (the parent spawns them).</summary>
internal static class Child
{
    public const int TinyEvents = 48;

    public static ChildResult Spawn(string kind, string arg)
    {
        var self = typeof(Child).Assembly.Location;
        var (code, stdout, stderr) = RunProcess("dotnet", [self, "--child", kind, arg], TimeSpan.FromMinutes(10));
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (code != 0 || line is null)
            throw new InvalidOperationException($"benchmark child '{kind} {arg}' failed (exit {code}):\n{stdout}\n{stderr}");
        return JsonSerializer.Deserialize<ChildResult>(line["RESULT ".Length..])!;
    }

    public static async Task<ChildResult> RunAsync(string kind, string arg) => kind switch
    {
        "e2e" => await EndToEnd(Datasets.Named(arg)),
        "parse" => await ParseOnly(Datasets.Named(arg)),
        "memory" => await Memory(int.Parse(arg, CultureInfo.InvariantCulture)),
        "latency" => await Latency(double.Parse(arg, CultureInfo.InvariantCulture)),
        "tell" => await Tells(),
        _ => throw new ArgumentException($"unknown benchmark '{kind}'"),
    };

    /// <summary>The engine twice in this process, each on a fresh database: the first run pays the JIT, the second is measured.</summary>
    private static async Task<ChildResult> EndToEnd(Dataset set)
    {
        Apply(set.Environment);
        var cold = await Engine(set.Options(Datasets.TempDb()));
        var warm = await Engine(set.Options(Datasets.TempDb()));
        if (warm.Feed.Read != cold.Feed.Read || warm.Fills != cold.Fills)
            throw new InvalidOperationException($"{set.Name}: two runs disagree ({cold.Feed.Read} / {warm.Feed.Read} events, {cold.Fills} / {warm.Fills} fills)");
        return new ChildResult(warm.Feed.Read, warm.EventsPerSecond, cold.EventsPerSecond, warm.FeedAllocatedBytes, PeakRssKb());
    }

    /// <summary>Peak RSS of one run of the synthetic default over this many trading days.</summary>
    private static async Task<ChildResult> Memory(int days)
    {
        Apply(new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = days.ToString(CultureInfo.InvariantCulture) });
        var run = await Engine(Datasets.Options(Datasets.TempDb()));
        return new ChildResult(run.Feed.Read, run.EventsPerSecond, run.EventsPerSecond, run.FeedAllocatedBytes, PeakRssKb());
    }

    /// <summary>The synthetic default released at a fixed rate (after a warm-up run), as a live feed would arrive.</summary>
    private static async Task<ChildResult> Latency(double rate)
    {
        await Engine(Datasets.Options(Datasets.TempDb()));
        var run = await Engine(Datasets.Options(Datasets.TempDb()), feed => AtRate(feed, rate));
        static LatencyFigures Of(LatencyRow r) => new(r.Count, r.P50, r.P99, r.P999, r.Max);
        return new ChildResult(run.Feed.Read, run.EventsPerSecond, run.EventsPerSecond, run.FeedAllocatedBytes, PeakRssKb(),
            Of(run.TickToDecision!), Of(run.TickToOrder!));
    }

    /// <summary>The same feed the engine reads (files, parsing, validation, merging, chunks), drained by a sink that only counts.</summary>
    private static async Task<ChildResult> ParseOnly(Dataset set)
    {
        Apply(set.Environment);
        var options = set.Options(Datasets.TempDb());
        var config = ConfigLoader.Load(options);
        using var system = ActorSystem.Create("parse", ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING").WithFallback(config));
        async Task<(long Events, double Seconds, long Allocated)> Once()
        {
            var (sources, _, universe) = EngineRunner.OpenSources(options, config);
            var feed = MarketDataFeed.Create(sources, new MarketDataValidator(universe), new FeedStatistics(), _ => { });
            var allocated = GC.GetTotalAllocatedBytes();
            var clock = Stopwatch.StartNew();
            var events = await feed.RunAggregate(0L, (n, chunk) => n + chunk.Count, system.Materializer());
            return (events, clock.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes() - allocated);
        }
        var cold = await Once();
        var warm = await Once();
        return new ChildResult(warm.Events, warm.Events / warm.Seconds, cold.Events / cold.Seconds, warm.Allocated, PeakRssKb());
    }

    /// <summary>One sender thread telling one actor on the engine's hot-path dispatcher: the ceiling of a message hop.</summary>
    private static async Task<ChildResult> Tells()
    {
        var config = ConfigLoader.Load(Datasets.Options(Datasets.TempDb()));
        using var system = ActorSystem.Create("tells", ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING").WithFallback(config));
        async Task<double> Rate(int n)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var counter = system.ActorOf(Props.Create(() => new Counter(n, done)).WithDispatcher(EngineDispatcher.Id));
            var message = new object();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) counter.Tell(message, ActorRefs.NoSender);
            await done.Task;
            var seconds = clock.Elapsed.TotalSeconds;
            system.Stop(counter);
            return n / seconds;
        }
        await Rate(1_000_000);
        const int messages = 10_000_000;
        var allocated = GC.GetTotalAllocatedBytes();
        var rate = await Rate(messages);
        return new ChildResult(messages, rate, rate, GC.GetTotalAllocatedBytes() - allocated, PeakRssKb());
    }

    /// <summary>
    /// The real executable on a tiny CSV, start to exit, as a user runs it: start-up, cluster of one,
    /// journal, the feed, the summary and shut-down.
    /// </summary>
    public static double TinyProcessSeconds()
    {
        var dir = Path.GetDirectoryName(Datasets.TempDb())!;
        Directory.CreateDirectory(dir);
        var csv = Path.Combine(dir, "tiny.csv");
        var start = new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
        File.WriteAllLines(csv, new[] { "timestamp,symbol,price,quantity" }.Concat(Enumerable.Range(0, TinyEvents)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"{start.AddMinutes(i):yyyy-MM-ddTHH:mm:ssZ},TINY,{100 + (i % 7) * 0.25m},100"))));
        var host = Path.Combine(AppContext.BaseDirectory, "Engine.Host.dll");
        var clock = Stopwatch.StartNew();
        var (code, stdout, stderr) = RunProcess("dotnet", [host, "--data", csv, "--db", Path.Combine(dir, "tiny.db"), "--quiet"], TimeSpan.FromMinutes(2));
        var seconds = clock.Elapsed.TotalSeconds;
        if (code != 0 || !stdout.Contains("Events read:", StringComparison.Ordinal))
            throw new InvalidOperationException($"the tiny run failed (exit {code}):\n{stdout}\n{stderr}");
        return seconds;
    }

    private static async Task<RunSummary> Engine(
        EngineOptions options, Func<Source<IReadOnlyList<SequencedEvent>, NotUsed>, Source<IReadOnlyList<SequencedEvent>, NotUsed>>? shape = null)
    {
        // Beside whatever engine the user runs: the bench's admin and HTTP hosts on free ports.
        Environment.SetEnvironmentVariable("ENGINE_ADMIN_PORT", "0");
        Environment.SetEnvironmentVariable("ENGINE_HTTP_PORT", "0");
        var config = ConfigLoader.Load(options);
        var summary = await new EngineRunner(options, config, EngineSettings.FromConfig(config), TextWriter.Null, shape).RunAsync(CancellationToken.None);
        if (summary.Error is { } error) throw new InvalidOperationException($"the engine reported an error: {error}");
        return summary;
    }

    /// <summary>Releases event i at i / rate seconds after the first (a wait under a millisecond is not waited: timers are not that fine).</summary>
    private static Source<IReadOnlyList<SequencedEvent>, NotUsed> AtRate(Source<IReadOnlyList<SequencedEvent>, NotUsed> source, double rate)
    {
        var clock = new Stopwatch();
        long released = 0;
        return source.SelectMany(chunk => chunk).SelectAsync(1, async e =>
        {
            if (!clock.IsRunning) clock.Start();
            var wait = TimeSpan.FromSeconds(released++ / rate) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            return (IReadOnlyList<SequencedEvent>)new[] { e };
        });
    }

    private static void Apply(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (k, v) in environment) Environment.SetEnvironmentVariable(k, v);
    }

    /// <summary>The process's peak resident set (VmHWM), in kB; 0 where /proc is not there.</summary>
    private static long PeakRssKb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static (int Code, string Stdout, string Stderr) RunProcess(string file, string[] args, TimeSpan limit)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ENGINE_ADMIN_PORT"] = "0";
        info.Environment["ENGINE_HTTP_PORT"] = "0";
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private sealed class Counter(int target, TaskCompletionSource done) : UntypedActor
    {
        private int _received;

        protected override void OnReceive(object message)
        {
            if (++_received == target) done.TrySetResult();
        }
    }
}

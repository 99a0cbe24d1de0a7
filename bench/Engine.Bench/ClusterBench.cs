using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Engine.Actors.Risk;
using Engine.Host;
using Engine.TestSupport;

namespace Engine.Bench;

/// <summary>
/// Cluster figures on loopback against a real PostgreSQL (the Debian binaries the tests use), each
/// engine node its own process except where the benchmark itself must talk to the cluster:
/// end to end on one node (SQLite, PostgreSQL) and on three nodes; kill-switch engage to
/// acknowledgement across three nodes; failover from a member's SIGKILL to its symbols trading
/// elsewhere. Printed, never asserted.
/// </summary>
internal static class ClusterBench
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] TwelveSymbols = ["AAPL", "MSFT", "NVDA", "SPY", "AMZN", "GOOG", "META", "TSLA", "JPM", "XOM", "KO", "IBM"];

    public static async Task RunAsync(int repeat, int engagements)
    {
        if (Environment.GetEnvironmentVariable("BENCH_CLUSTER_PARTS") is { Length: > 0 } parts) Parts = parts.Split(',');
        PostgresServer server;
        try
        {
            server = new PostgresServer();
        }
        catch (Exception e)
        {
            Console.WriteLine($"Cluster rows skipped: {e.Message}");
            return;
        }
        using (server)
        {
            if (Part("e2e")) await EndToEndAsync(server, repeat);
            if (Part("engage")) await EngageAsync(server, engagements);
            if (Part("failover")) await FailoverAsync(server, repeat);
            if (Part("feed-failover")) await FeedFailoverAsync(server, repeat);
        }
    }

    private static string[]? Parts { get; set; }

    private static bool Part(string name) => Parts is null || Parts.Contains(name);

    private static async Task EndToEndAsync(PostgresServer server, int repeat)
    {
        Console.Error.WriteLine("[bench] cluster: end to end, 1 node SQLite / 1 node PostgreSQL / 3 nodes PostgreSQL ...");
        var rows = new List<(string Name, List<RunSummary> Runs)>
        {
            ("1 node, SQLite", new()), ("1 node, PostgreSQL", new()), ("3 nodes, PostgreSQL", new()),
        };
        for (var i = 0; i < repeat; i++)
        {
            var dir = EngineProcess.TempDir();
            rows[0].Runs.Add(await RunAsync(dir, new(), "--db", "bench.db"));
            rows[1].Runs.Add(await RunAsync(dir, OnPostgres(server.NewDatabase(pooling: true))));
            var shared = OnPostgres(server.NewDatabase(pooling: true));
            var ports = InProcessMember.FreePorts(3);
            var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
            using var b = EngineProcess.Start(dir, Member(shared, seeds, ports[1]), "node");
            using var c = EngineProcess.Start(dir, Member(shared, seeds, ports[2]), "node");
            rows[2].Runs.Add(await RunAsync(dir, Member(shared, seeds, ports[0])));
        }
        Console.WriteLine("Cluster, end to end on the synthetic default (3 days, 4 symbols), feed at max speed; journaled events/s is the");
        Console.WriteLine("journal's share (events journaled / elapsed; symbols group-commit, so there are fewer writes than events)");
        var header = string.Format(Inv, "{0,-22} {1,10} {2,24} {3,26} {4,10}", "run", "events", "events/s", "journaled events/s", "vs 1 node");
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length));
        var baseline = Stats.Of(rows[1].Runs.Select(r => r.EventsPerSecond)).Median;
        foreach (var (name, runs) in rows)
        {
            var events = Stats.Of(runs.Select(r => r.EventsPerSecond));
            var journaled = Stats.Of(runs.Select(r => r.JournaledEvents / r.ElapsedSeconds));
            Console.WriteLine(string.Format(Inv, "{0,-22} {1,10:N0} {2,24} {3,26} {4,10:P0}",
                name, runs[0].Feed.Read, events.Format("N0"), journaled.Format("N0"), events.Median / baseline));
        }
        Console.WriteLine();
    }

    /// <summary>
    /// Two members in this process (the oldest: the kill switch lives on one of them) and a paced
    /// `engine run` process beside them; each engagement goes through a member's proxy, alternating,
    /// and is released before the next.
    /// </summary>
    private static async Task EngageAsync(PostgresServer server, int engagements)
    {
        Console.Error.WriteLine($"[bench] cluster: {engagements} kill-switch engagements across 3 nodes ...");
        var dir = EngineProcess.TempDir();
        var config = Path.Combine(dir, "bench.conf");
        // Every node reads this file: the members must see the run's input as the submitter does.
        File.WriteAllText(config, $"engine.synthetic.symbols = [{string.Join(", ", TwelveSymbols)}]\nengine.synthetic.trading-days = 60\n");
        var database = server.NewDatabase(pooling: true);
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        using var b = await InProcessMember.StartAsync(database, seeds, ports[0], 3, config, "ERROR");
        using var c = await InProcessMember.StartAsync(database, seeds, ports[1], 3, config, "ERROR");
        using var feed = EngineProcess.Start(dir, Member(OnPostgres(database), seeds, ports[2]), "--config", config, "--speed", "300");
        // Every symbol trading first (each answers a report once it has market data).
        while (!feed.HasExited && feed.Stderr.IndexOf("] events ", StringComparison.Ordinal) < 0) await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(5));

        var micros = new List<double>(engagements);
        var unconfirmed = 0;
        for (var i = 0; i < engagements && !feed.HasExited; i++)
        {
            var node = i % 2 == 0 ? b : c;
            var sw = Stopwatch.StartNew();
            var answer = await node.KillSwitch.Ask<object>(new KillSwitchActor.Engage("engine", $"bench {i}", "bench"), TimeSpan.FromSeconds(30));
            sw.Stop();
            if (answer is KillSwitchActor.Acknowledged ack)
            {
                micros.Add(sw.Elapsed.TotalMicroseconds);
                unconfirmed += ack.Unconfirmed.Count;
            }
            await node.KillSwitch.Ask<object>(new KillSwitchActor.Release("engine", "bench", $"bench {i} done"), TimeSpan.FromSeconds(30));
        }
        feed.Kill();
        micros.Sort();
        double P(double q) => micros.Count == 0 ? double.NaN : micros[Math.Min(micros.Count - 1, (int)Math.Ceiling(q * micros.Count) - 1)] / 1000.0;
        Console.WriteLine($"Kill switch across 3 nodes (12 symbols spread over them, engine scope, trading at 300x): {micros.Count:N0} engagements,");
        Console.WriteLine(string.Format(Inv, "engage to acknowledgement p50 {0:F1} ms, p99 {1:F1} ms, max {2:F1} ms (target p99 < 50 ms); {3} unconfirmed",
            P(0.50), P(0.99), P(1.0), unconfirmed));
        Console.WriteLine();
    }

    /// <summary>From the SIGKILL of a member hosting symbols to the feed's node rebuilding the first of them elsewhere.</summary>
    private static async Task FailoverAsync(PostgresServer server, int repeat)
    {
        Console.Error.WriteLine("[bench] cluster: failover after SIGKILL ...");
        var seconds = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var dir = EngineProcess.TempDir();
            var shared = OnPostgres(server.NewDatabase(pooling: true));
            var ports = InProcessMember.FreePorts(3);
            var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
            var infoB = Member(shared, seeds, ports[1]);
            infoB["ENGINE_LOG_LEVEL"] = "INFO";
            var infoC = Member(shared, seeds, ports[2]);
            infoC["ENGINE_LOG_LEVEL"] = "INFO";
            using var b = EngineProcess.Start(dir, infoB, "node");
            using var c = EngineProcess.Start(dir, infoC, "node");
            using var feed = EngineProcess.Start(dir, Member(shared, seeds, ports[0]), "--speed", "1000");
            EngineProcess? victim = null;
            while (victim is null && !feed.HasExited)
            {
                victim = new[] { b, c }.FirstOrDefault(m => m.Stdout.Contains(" started: journal", StringComparison.Ordinal));
                await Task.Delay(20);
            }
            if (victim is null) continue;
            await Task.Delay(TimeSpan.FromSeconds(2));
            var sw = Stopwatch.StartNew();
            victim.Kill();
            while (!feed.HasExited && !feed.Stdout.Contains(" started again at ", StringComparison.Ordinal) && sw.Elapsed < Limit) await Task.Delay(10);
            if (feed.Stdout.Contains(" started again at ", StringComparison.Ordinal)) seconds.Add(sw.Elapsed.TotalSeconds);
            feed.Kill();
        }
        var stats = Stats.Of(seconds.DefaultIfEmpty(double.NaN));
        Console.WriteLine($"Failover, SIGKILL of a member hosting symbols to its first symbol rebuilt on a survivor: {stats.Format("F1")} s ({seconds.Count} of {repeat} runs)");
        Console.WriteLine("(bounded below by the failure detector, 3 s acceptable pause, plus the split-brain resolver's stable-after, 5 s)");
        Console.WriteLine();
    }

    /// <summary>
    /// From the SIGKILL of the oldest member (the feed and every singleton) mid-run to the feed
    /// reading again on the next oldest member, whether its run singleton resumed the run from its
    /// journal or the submitter submitted it again first.
    /// </summary>
    private static async Task FeedFailoverAsync(PostgresServer server, int repeat)
    {
        Console.Error.WriteLine("[bench] cluster: feed failover after SIGKILL of the oldest member ...");
        var seconds = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var dir = EngineProcess.TempDir();
            var shared = OnPostgres(server.NewDatabase(pooling: true));
            var ports = InProcessMember.FreePorts(3);
            var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]},akka.tcp://engine@127.0.0.1:{ports[1]}";
            // Up together, members are ordered by address: the lowest port is the oldest, where the singletons start.
            using var oldest = EngineProcess.Start(dir, Member(shared, seeds, ports[0]), "node");
            using var next = EngineProcess.Start(dir, Member(shared, seeds, ports[1]), "node");
            using var submitter = EngineProcess.Start(dir, Member(shared, seeds, ports[2]), "--speed", "1000");
            var sw = Stopwatch.StartNew();
            while (!submitter.HasExited && !oldest.Stderr.Contains("] events ", StringComparison.Ordinal) && sw.Elapsed < Limit) await Task.Delay(20);
            await Task.Delay(TimeSpan.FromSeconds(3));
            sw.Restart();
            oldest.Kill();
            while (!next.HasExited && !next.Stderr.Contains("] events ", StringComparison.Ordinal) && sw.Elapsed < Limit) await Task.Delay(10);
            if (next.Stderr.Contains("] events ", StringComparison.Ordinal)) seconds.Add(sw.Elapsed.TotalSeconds);
            submitter.Kill();
            next.Kill();
        }
        var stats = Stats.Of(seconds.DefaultIfEmpty(double.NaN));
        Console.WriteLine($"Feed failover, SIGKILL of the oldest member (feed and singletons) to the feed reading again on the next oldest: {stats.Format("F1")} s ({seconds.Count} of {repeat} runs)");
        Console.WriteLine("(bounded below by the failure detector and the split-brain resolver's stable-after, then the singletons' hand-over and the dead member's journal lease, freed when its PostgreSQL session ends)");
        Console.WriteLine();
    }

    private static async Task<RunSummary> RunAsync(string dir, Dictionary<string, string> environment, params string[] args)
    {
        var name = Guid.NewGuid().ToString("N");
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, environment, [.. args, "--summary-json", $"{name}.json", "--quiet"]);
        if (code != 0) throw new InvalidOperationException($"engine run failed with exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, $"{name}.json")));
    }

    private static Dictionary<string, string> OnPostgres(string connectionString) => new()
    {
        ["ENGINE_PERSISTENCE"] = "postgres",
        ["ENGINE_DB_CONNECTION"] = connectionString,
    };

    private static Dictionary<string, string> Member(Dictionary<string, string> environment, string seeds, int port) => new(environment)
    {
        ["ENGINE_CLUSTER_SEED_NODES"] = seeds,
        ["ENGINE_REMOTE_PORT"] = port.ToString(Inv),
        ["ENGINE_CLUSTER_MIN_NODES"] = "3",
    };
}

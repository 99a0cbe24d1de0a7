using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Engine.Host.Tests;

/// <summary>
/// Cluster mode with real processes on loopback against a real PostgreSQL: `engine node` members
/// host symbols' shards, the run's node reads the feed, and the fill log is the single-node run's.
/// </summary>
[Collection("postgres")]
public sealed class ClusterTests(PostgresServer server)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static Dictionary<string, string> OnPostgres(string connectionString) => new()
    {
        ["ENGINE_PERSISTENCE"] = "postgres",
        ["ENGINE_DB_CONNECTION"] = connectionString,
        ["ENGINE_SYNTHETIC_DAYS"] = "1",
    };

    private static Dictionary<string, string> Member(Dictionary<string, string> environment, string seeds, int port, int nodes, string? logLevel = null)
    {
        var member = new Dictionary<string, string>(environment)
        {
            ["ENGINE_CLUSTER_SEED_NODES"] = seeds,
            ["ENGINE_REMOTE_PORT"] = port.ToString(),
            ["ENGINE_CLUSTER_MIN_NODES"] = nodes.ToString(),
        };
        if (logLevel is not null) member["ENGINE_LOG_LEVEL"] = logLevel;
        return member;
    }

    [Fact]
    public async Task Three_nodes_replay_with_the_single_node_fills_and_members_that_are_told_to_leave_exit_0()
    {
        var dir = EngineProcess.TempDir();
        var (single, singleOut, singleErr) = await EngineProcess.RunAsync(dir, Limit, OnPostgres(server.NewDatabase()), "--summary-json", "single.json", "--quiet");
        Assert.True(single == 0, $"single node: exit {single}\n{singleOut}\n{singleErr}");
        var reference = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "single.json")));

        var shared = OnPostgres(server.NewDatabase());
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        // Members log at INFO so that where each symbol started is seen.
        using var b = EngineProcess.Start(dir, Member(shared, seeds, ports[1], 3, "INFO"), "node");
        using var c = EngineProcess.Start(dir, Member(shared, seeds, ports[2], 3, "INFO"), "node");
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, Member(shared, seeds, ports[0], 3), "--summary-json", "cluster.json", "--quiet");
        Assert.True(code == 0, $"cluster run: exit {code}\n{stdout}\n{stderr}\n--- b:\n{b.Stderr}\n--- c:\n{c.Stderr}");
        var clustered = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "cluster.json")));

        Assert.NotEmpty(reference.FillLog);
        Assert.Equal(reference.FillLog, clustered.FillLog);
        Assert.Equal(reference.Accounts, clustered.Accounts);
        // The symbols were spread: some of them lived on the members, not on the feed's node.
        var elsewhere = reference.Positions.Select(p => p.Symbol).Distinct()
            .Where(s => b.Stdout.Contains($"] {s} started:", StringComparison.Ordinal) || c.Stdout.Contains($"] {s} started:", StringComparison.Ordinal))
            .ToList();
        Assert.True(elsewhere.Count > 0, $"no symbol was hosted by the members\n--- b:\n{b.Stdout}\n--- c:\n{c.Stdout}");

        foreach (var member in new[] { b, c })
        {
            using (var term = Process.Start("kill", $"-TERM {member.Id}")) await term.WaitForExitAsync();
            var exit = await member.WaitAsync(Limit);
            Assert.True(exit == 0, $"member: exit {exit}\n{member.Stderr}");
            Assert.Contains("left the cluster", member.Stderr);
        }
    }

    // Twelve symbols, so shards spread over every member and a joining member is given some; the
    // coordinator rebalances every 2 s (Akka's default is 10 s) so it happens within a short run.
    private const string ChaosConfig = """
        engine.synthetic.symbols = [AAPL, MSFT, NVDA, SPY, AMZN, GOOG, META, TSLA, JPM, XOM, KO, IBM]
        akka.cluster.sharding.rebalance-interval = 2s
        """;

    /// <summary>
    /// A member hosting symbols is SIGKILLed mid-run: the split-brain resolver downs it, its symbols
    /// start on the survivors from the journal, the feed rebuilds them from its start, and the run
    /// finishes with the single-node fill log.
    /// </summary>
    [Fact]
    public async Task A_member_hosting_symbols_killed_mid_run_loses_nothing_the_survivors_take_its_symbols_over()
    {
        using var chaos = await ChaosAsync(members: 2, speed: 2000);
        var victim = await chaos.MemberHostingSymbolsAsync();
        victim.Kill();

        var clustered = await chaos.FinishAsync();
        Assert.Contains("was removed; waking", chaos.Feed.Stdout);
        Assert.Contains(" started again at ", chaos.Feed.Stdout);
        chaos.AssertSameAsSingleNode(clustered);
    }

    /// <summary>
    /// A member hosting symbols is told to leave (SIGTERM) mid-run: it hands its shards over once each
    /// symbol's journal write is done and exits 0; its symbols go on elsewhere with the single-node fills.
    /// </summary>
    [Fact]
    public async Task A_member_that_leaves_mid_run_hands_its_symbols_over_and_exits_0_with_nothing_lost()
    {
        using var chaos = await ChaosAsync(members: 2, speed: 2000);
        var leaving = await chaos.MemberHostingSymbolsAsync();
        using (var term = Process.Start("kill", $"-TERM {leaving.Id}")) await term!.WaitForExitAsync();
        var exit = await leaving.WaitAsync(Limit);
        Assert.True(exit == 0, $"leaving member: exit {exit}\n{leaving.Stderr}");
        Assert.Contains("left the cluster", leaving.Stderr);

        var clustered = await chaos.FinishAsync();
        Assert.Contains(" started again at ", chaos.Feed.Stdout);
        chaos.AssertSameAsSingleNode(clustered);
    }

    /// <summary>
    /// A member started mid-run: the coordinator rebalances shards to it, the symbols it is given are
    /// rebuilt there from the feed's start, and the fills are the single-node run's.
    /// </summary>
    [Fact]
    public async Task A_member_started_mid_run_is_given_symbols_and_the_fills_are_the_single_node_ones()
    {
        using var chaos = await ChaosAsync(members: 1, speed: 1000);
        await chaos.MemberHostingSymbolsAsync();
        var joining = chaos.StartMember(chaos.Ports[2]);
        await Eventually(() => joining.Stdout.Contains(" started: journal", StringComparison.Ordinal), "a symbol started on the joining member", joining);

        var clustered = await chaos.FinishAsync();
        Assert.Contains(" started again at ", chaos.Feed.Stdout);
        chaos.AssertSameAsSingleNode(clustered);
    }

    /// <summary>
    /// The oldest member, which reads the run's feed and hosts the kill switch and the risk
    /// supervisors, is SIGKILLed (or told to leave, SIGTERM) mid-run. The singletons start on the next
    /// oldest member, the submitter (`engine run`, on a third member) submits the run again, the feed
    /// is read again from its start there, and every symbol that held state restarts from its
    /// journal: the fill log is the single-node run's.
    /// </summary>
    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task The_member_running_the_feed_and_the_singletons_lost_mid_run_the_run_moves_and_ends_with_the_single_node_fills(string signal)
    {
        var (dir, reference) = await ReferenceAsync();
        var shared = OnPostgres(server.NewDatabase());
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        // Up together, members are ordered by address: the lowest port is the oldest, where the singletons start.
        using var oldest = EngineProcess.Start(dir, Member(shared, seeds, ports[0], 3, "INFO"), "node", "--config", "chaos.conf");
        using var next = EngineProcess.Start(dir, Member(shared, seeds, ports[1], 3, "INFO"), "node", "--config", "chaos.conf");
        using var submitter = EngineProcess.Start(dir, Member(shared, seeds, ports[2], 3, "INFO"),
            "--config", "chaos.conf", "--speed", "2000", "--summary-json", "cluster.json");
        await Eventually(() => oldest.Stderr.Contains("] events ", StringComparison.Ordinal) && submitter.Stdout.Contains(" started: journal", StringComparison.Ordinal),
            "the oldest member reads the feed, and a symbol lives on the submitter's member", submitter);
        using (var kill = Process.Start("kill", $"-{signal} {oldest.Id}")) await kill!.WaitForExitAsync();

        var code = await submitter.WaitAsync(Limit);
        Assert.True(code == 0, $"cluster run: exit {code}\n{submitter.Stdout}\n{submitter.Stderr}\n--- next:\n{next.Stdout}\n{next.Stderr}");
        var clustered = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "cluster.json")));
        // The next oldest member's run singleton resumes the run from its journal, or the submitter submits it again first.
        Assert.True(next.Stdout.Contains("resuming it here", StringComparison.Ordinal) || submitter.Stderr.Contains("the run's node is gone", StringComparison.Ordinal),
            $"the run moved: neither resumed nor submitted again\n{submitter.Stderr}\n--- next:\n{next.Stdout}");
        Assert.Contains("] events ", next.Stderr); // the feed was read again on the next oldest member
        Assert.Contains("restarting it from its journal", submitter.Stdout + next.Stdout);
        Assert.True(clustered.Feed.Read == reference.Feed.Read, $"read {clustered.Feed.Read} of {reference.Feed.Read}");
        Assert.NotEmpty(reference.FillLog);
        Assert.Equal(reference.FillLog, clustered.FillLog);
        Assert.Equal(reference.Accounts, clustered.Accounts);
        if (signal == "TERM") Assert.Equal(0, await oldest.WaitAsync(Limit));
    }

    /// <summary>
    /// Two failures in one run: the submitter's member (hosting symbols) is SIGKILLed, and right
    /// after its symbols moved, the oldest member (the feed and every singleton) too. The next oldest
    /// member resumes the run on its own from its journal, with no submitter left. A later run of the
    /// same data on that live cluster (whose risk supervisors did not move) replays it all from the
    /// journals and reports the single-node run's fills and accounts, high-water mark included.
    /// </summary>
    [Fact]
    public async Task The_submitter_and_then_the_feed_member_die_the_run_resumes_alone_and_a_later_run_reports_the_single_node_results()
    {
        var (dir, reference) = await ReferenceAsync();
        var shared = OnPostgres(server.NewDatabase());
        var ports = InProcessMember.FreePorts(4);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]},akka.tcp://engine@127.0.0.1:{ports[1]}";
        using var oldest = EngineProcess.Start(dir, Member(shared, seeds, ports[0], 3, "INFO"), "node", "--config", "chaos.conf");
        using var next = EngineProcess.Start(dir, Member(shared, seeds, ports[1], 3, "INFO"), "node", "--config", "chaos.conf");
        using var third = EngineProcess.Start(dir, Member(shared, seeds, ports[2], 3, "INFO"), "node", "--config", "chaos.conf");
        using var submitter = EngineProcess.Start(dir, Member(shared, seeds, ports[3], 3, "INFO"),
            "--config", "chaos.conf", "--speed", "1000", "--summary-json", "cluster.json");
        await Eventually(() => oldest.Stderr.Contains("] events ", StringComparison.Ordinal) && submitter.Stdout.Contains(" started: journal", StringComparison.Ordinal),
            "the oldest member reads the feed, and a symbol lives on the submitter's member", submitter);
        submitter.Kill();
        await Eventually(() => oldest.Stdout.Contains($"Member removed [akka.tcp://engine@127.0.0.1:{ports[3]}]", StringComparison.Ordinal),
            "the submitter's member removed", oldest);
        // The feed stalled on the dead member's symbols until now: it is mid-run again.
        await Task.Delay(TimeSpan.FromSeconds(1));
        oldest.Kill();
        var survivors = () => next.Stdout + third.Stdout;
        await Eventually(() => survivors().Contains("resuming it here", StringComparison.Ordinal), "the run resumed by the next oldest member", next);
        await Eventually(() => Regex.IsMatch(survivors(), @"run \S+: done"), "the resumed run done", next);

        using var later = EngineProcess.Start(dir, Member(shared, $"akka.tcp://engine@127.0.0.1:{ports[1]}", InProcessMember.FreePorts(1)[0], 3, "INFO"),
            "--config", "chaos.conf", "--summary-json", "later.json");
        var code = await later.WaitAsync(Limit);
        Assert.True(code == 0, $"later run: exit {code}\n{later.Stdout}\n{later.Stderr}\n--- next:\n{next.Stdout}");
        var clustered = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "later.json")));
        Assert.NotEmpty(reference.FillLog);
        Assert.Equal(reference.FillLog, clustered.FillLog);
        Assert.Equal(reference.Accounts, clustered.Accounts);
    }

    /// <summary>
    /// PostgreSQL stops for a few seconds mid-run: trading halts at once (the feed stops), nothing is
    /// half-written, the engine scope is halted in the kill switch (automatically, by the engine) as
    /// soon as the journal is back, and nothing trades until an operator releases it through
    /// engine-cli; the run then finishes with the uninterrupted run's fills.
    /// </summary>
    [Fact]
    public async Task PostgreSQL_stopped_mid_run_halts_trading_until_an_operator_releases_it_and_the_run_ends_with_the_uninterrupted_fills()
    {
        var (dir, reference) = await ReferenceAsync();
        using var pg = new PostgresServer(); // its own server: stopping it must not touch the other tests' databases
        var shared = OnPostgres(pg.NewDatabase(pooling: true)); // pooled, as in production: the pools hold connections the restart broke
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        using var oldest = EngineProcess.Start(dir, Member(shared, seeds, ports[0], 3, "INFO"), "node", "--config", "chaos.conf");
        using var next = EngineProcess.Start(dir, Member(shared, seeds, ports[1], 3, "INFO"), "node", "--config", "chaos.conf");
        using var submitter = EngineProcess.Start(dir, Member(shared, seeds, ports[2], 3),
            "--config", "chaos.conf", "--speed", "2000", "--summary-json", "cluster.json");
        var admin = await EngineCli.AdminAddressAsync(next, Limit);
        await Eventually(() => Regex.IsMatch(oldest.Stderr, @"\] events [1-9]"), "the oldest member reads the feed", submitter);

        pg.Stop();
        await Eventually(() => submitter.Stderr.Contains("[cluster] trading halted: the journal failed", StringComparison.Ordinal), "the run halts", submitter);
        await Task.Delay(TimeSpan.FromSeconds(3));
        pg.Start();

        // The engine records its own halt once the journal is back, and keeps it: nothing goes on without the operator.
        string status = "";
        await Eventually(() =>
        {
            status = EngineCli.RunAsync([admin, "kill-switch", "status", "--json"]).GetAwaiter().GetResult().Stdout;
            return status.Contains("\"state\":\"HALTED\"", StringComparison.Ordinal);
        }, "the engine scope halted in the kill switch", submitter);
        Assert.Contains("\"by\":\"engine\"", status);
        Assert.Contains("journal failed", status);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(submitter.HasExited, "the run ended without a release");
        Assert.DoesNotContain("the engine scope was released", submitter.Stderr);

        var release = await EngineCli.RunAsync([admin, "kill-switch", "release", "-r", "journal back"]);
        Assert.True(release.ExitCode == 0, release.Stdout + release.Stderr);

        var code = await submitter.WaitAsync(Limit);
        Assert.True(code == 0, $"cluster run: exit {code}\n{submitter.Stdout}\n{submitter.Stderr}\n--- oldest:\n{oldest.Stderr}");
        Assert.Contains("[cluster] the engine scope was released: the feed is read again from its start", submitter.Stderr);
        var clustered = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "cluster.json")));
        Assert.True(clustered.Feed.Read == reference.Feed.Read, $"read {clustered.Feed.Read} of {reference.Feed.Read}");
        Assert.NotEmpty(reference.FillLog);
        Assert.Equal(reference.FillLog, clustered.FillLog);
        Assert.Equal(reference.Accounts, clustered.Accounts);
        Assert.Matches(@"audit .+ engage\s+engine\s+by engine: the journal failed", submitter.Stdout);
        Assert.Matches(@"audit .+ release\s+engine\s+by \S+@127\.0\.0\.1: journal back", submitter.Stdout);
    }

    /// <summary>
    /// A single-node reference run, then the feed's node (lowest port: members Up at the same time are
    /// ordered by address, so it is the oldest and runs the singletons and the shard coordinator)
    /// with `members` engine nodes beside it, the feed paced (`speed`) so that what the test does
    /// lands mid-run.
    /// </summary>
    private async Task<Chaos> ChaosAsync(int members, int speed)
    {
        var (dir, reference) = await ReferenceAsync();

        var shared = OnPostgres(server.NewDatabase());
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        var chaos = new Chaos(dir, shared, seeds, ports, members + 1, reference);
        for (var i = 1; i <= members; i++) chaos.StartMember(ports[i]);
        chaos.Feed = EngineProcess.Start(dir, Member(shared, seeds, ports[0], members + 1), "--config", "chaos.conf", "--speed", speed.ToString(), "--summary-json", "cluster.json");
        chaos.Processes.Add(chaos.Feed);
        await Eventually(() => chaos.Feed.Stderr.Contains("] events ", StringComparison.Ordinal), "the feed is running", chaos.Feed);
        return chaos;
    }

    /// <summary>A temp directory with the chaos settings, and the single-node run of them on PostgreSQL.</summary>
    private async Task<(string Dir, RunSummary Reference)> ReferenceAsync()
    {
        var dir = EngineProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "chaos.conf"), ChaosConfig);
        var (single, singleOut, singleErr) = await EngineProcess.RunAsync(
            dir, Limit, OnPostgres(server.NewDatabase()), "--config", "chaos.conf", "--summary-json", "single.json", "--quiet");
        Assert.True(single == 0, $"single node: exit {single}\n{singleOut}\n{singleErr}");
        return (dir, RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "single.json"))));
    }

    private sealed class Chaos(string dir, Dictionary<string, string> shared, string seeds, int[] ports, int minNodes, RunSummary reference) : IDisposable
    {
        public int[] Ports { get; } = ports;

        public EngineProcess Feed { get; set; } = null!;

        public List<EngineProcess> Processes { get; } = new();

        private List<EngineProcess> Members { get; } = new();

        /// <summary>Members log at INFO so that where each symbol started is seen.</summary>
        public EngineProcess StartMember(int port)
        {
            var member = EngineProcess.Start(dir, Member(shared, seeds, port, minNodes, "INFO"), "node", "--config", "chaos.conf");
            Members.Add(member);
            Processes.Add(member);
            return member;
        }

        public async Task<EngineProcess> MemberHostingSymbolsAsync()
        {
            await Eventually(() => Members.Any(m => m.Stdout.Contains(" started: journal", StringComparison.Ordinal)), "a member hosts a symbol", Feed);
            return Members.First(m => m.Stdout.Contains(" started: journal", StringComparison.Ordinal));
        }

        public async Task<RunSummary> FinishAsync()
        {
            var code = await Feed.WaitAsync(Limit);
            Assert.True(code == 0, $"cluster run: exit {code}\n{Feed.Stdout}\n{Feed.Stderr}");
            return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "cluster.json")));
        }

        public void AssertSameAsSingleNode(RunSummary clustered)
        {
            Assert.True(clustered.Feed.Read == reference.Feed.Read, $"read {clustered.Feed.Read} of {reference.Feed.Read}");
            Assert.NotEmpty(reference.FillLog);
            Assert.Equal(reference.FillLog, clustered.FillLog);
            Assert.Equal(reference.Accounts, clustered.Accounts);
        }

        public void Dispose()
        {
            foreach (var p in Processes) p.Dispose();
        }
    }

    private static async Task Eventually(Func<bool> condition, string what, EngineProcess? process)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (process?.HasExited == true || DateTime.UtcNow > deadline) Assert.Fail($"{what}: not seen\n{process?.Stdout}\n{process?.Stderr}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Cluster_mode_is_refused_on_sqlite_and_a_node_without_seed_nodes_is_refused()
    {
        var dir = EngineProcess.TempDir();
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit,
            new Dictionary<string, string> { ["ENGINE_CLUSTER_SEED_NODES"] = "akka.tcp://engine@127.0.0.1:4053" }, "--db", "j.db");
        Assert.Equal(2, code);
        Assert.Contains("ENGINE_PERSISTENCE=postgres", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "j.db")));

        (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "node");
        Assert.Equal(2, code);
        Assert.Contains("ENGINE_CLUSTER_SEED_NODES", stderr);
    }

    /// <summary>The README's local cluster: up, a replay through it (the single-node fills), status, down.</summary>
    [Fact]
    public async Task The_local_cluster_script_starts_three_members_a_replay_through_them_gives_the_single_node_fills_and_down_stops_all()
    {
        var dir = EngineProcess.TempDir();
        var script = Path.Combine(EngineProcess.RepoRoot, "deploy", "local-cluster.sh");
        // The members take base..base+2 and the run's node base+3; PostgreSQL base+4; admin ports base+5..base+8;
        // HTTP base+9..base+12; Prometheus base+13, Alertmanager base+14.
        var basePort = FreeRun(15);
        var environment = new Dictionary<string, string>
        {
            ["LOCAL_CLUSTER_DIR"] = Path.Combine(dir, "cluster"),
            ["LOCAL_CLUSTER_PG_PORT"] = (basePort + 4).ToString(),
            ["LOCAL_CLUSTER_BASE_PORT"] = basePort.ToString(),
            ["LOCAL_CLUSTER_ADMIN_PORT"] = (basePort + 5).ToString(),
            ["LOCAL_CLUSTER_HTTP_PORT"] = (basePort + 9).ToString(),
            ["LOCAL_CLUSTER_PROMETHEUS_PORT"] = (basePort + 13).ToString(),
            ["LOCAL_CLUSTER_ALERTMANAGER_PORT"] = (basePort + 14).ToString(),
            ["ENGINE_SYNTHETIC_DAYS"] = "1",
        };
        try
        {
            var up = await Script(script, environment, "up", "--monitoring");
            Assert.True(up.Code == 0, $"up: exit {up.Code}\n{up.Output}");
            Assert.Equal(3, up.Output.Split('\n').Count(l => l.Contains(" is up (engine-cli 127.0.0.1:", StringComparison.Ordinal)));
            var status = await Script(script, environment, "status");
            Assert.Equal(3, status.Output.Split('\n').Count(l => l.StartsWith("member", StringComparison.Ordinal) && l.Contains("running (pid", StringComparison.Ordinal)));
            Assert.Contains("Prometheus      running", status.Output);
            Assert.Contains("Alertmanager    running", status.Output);
            // --monitoring: Prometheus with monitoring/'s rules scrapes the three members, and knows the Alertmanager.
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
            {
                var prometheus = $"http://127.0.0.1:{basePort + 13}/api/v1";
                var targets = "";
                await Eventually(() =>
                {
                    try
                    {
                        targets = http.GetStringAsync($"{prometheus}/targets").Result;
                        return Regex.Matches(targets, "\"health\":\"up\"").Count == 3;
                    }
                    catch (AggregateException)
                    {
                        return false;
                    }
                }, "Prometheus scraping the three members", null);
                var rules = await http.GetStringAsync($"{prometheus}/rules");
                Assert.Contains("KillSwitchEngaged", rules);
                var alertmanagers = await http.GetStringAsync($"{prometheus}/alertmanagers");
                Assert.Contains($"127.0.0.1:{basePort + 14}", alertmanagers);
                Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{basePort + 14}/-/ready")).StatusCode);
            }
            // Each member serves engine-cli on its own admin port, all three reaching the one kill switch.
            for (var i = 0; i < 3; i++)
            {
                var cli = await EngineCli.RunAsync([$"127.0.0.1:{basePort + 5 + i}", "kill-switch", "status"]);
                Assert.True(cli.ExitCode == 0 && cli.Stdout.Contains("all scopes ACTIVE"), $"member {i}: {cli.Stdout}{cli.Stderr}");
            }

            var run = await Script(script, environment, "run", "--quiet", "--summary-json", Path.Combine(dir, "cluster.json"));
            Assert.True(run.Code == 0, $"run: exit {run.Code}\n{run.Output}");
            var (single, singleOut, singleErr) = await EngineProcess.RunAsync(dir, Limit, new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" },
                "--db", "single.db", "--summary-json", "single.json", "--quiet");
            Assert.True(single == 0, $"single: exit {single}\n{singleOut}\n{singleErr}");
            Assert.Equal(RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "single.json"))).FillLog,
                RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "cluster.json"))).FillLog);

            // pbm's cluster palette: one member a line, then the count; a member told to leave through it hands over and exits 0.
            var first = $"127.0.0.1:{basePort + 5}";
            var show = await EngineCli.RunAsync([first, "cluster", "show"]);
            Assert.True(show.ExitCode == 0, show.Stdout + show.Stderr);
            var memberLine = new Regex(@"^akka\.tcp://engine@127\.0\.0\.1:(\d+) \| \[trader\] \| up \|  \| shards: (\d+) \| entities: (\d+)$");
            var members = show.Stdout.Split('\n', StringSplitOptions.TrimEntries).Select(l => memberLine.Match(l)).Where(m => m.Success).ToArray();
            Assert.Equal([basePort, basePort + 1, basePort + 2], members.Select(m => int.Parse(m.Groups[1].Value)).Order());
            Assert.True(members.Sum(m => int.Parse(m.Groups[3].Value)) > 0, show.Stdout); // the run's symbols live on the members
            Assert.Contains("Count: 3 nodes", show.Stdout);
            // The member that leaves is one that hosts shards (never the first, whose admin port the test uses).
            var leaving = members.Where(m => int.Parse(m.Groups[1].Value) != basePort).MaxBy(m => int.Parse(m.Groups[2].Value))!;
            var leavingPort = int.Parse(leaving.Groups[1].Value);
            Assert.True(int.Parse(leaving.Groups[2].Value) > 0, show.Stdout);
            var leave = await EngineCli.RunAsync([first, "cluster", "leave", $"akka.tcp://engine@127.0.0.1:{leavingPort}"]);
            Assert.True(leave.ExitCode == 0, leave.Stdout + leave.Stderr);
            var log = Path.Combine(dir, "cluster", "logs", $"node-{leavingPort}.log");
            await Eventually(() => File.ReadAllText(log).Contains("left the cluster (asked to leave)", StringComparison.Ordinal), "the member leaves", null);
            var remaining = await EngineCli.RunAsync([first, "cluster", "show"]);
            Assert.Contains("Count: 2 nodes", remaining.Stdout);
            Assert.DoesNotContain($":{leavingPort} |", remaining.Stdout);
            // Its shards moved: a replay through the members that are left (and the run's node) gives the same fills.
            var again = await Script(script, environment, "run", "--quiet", "--summary-json", Path.Combine(dir, "again.json"));
            Assert.True(again.Code == 0, $"run after the leave: exit {again.Code}\n{again.Output}");
            Assert.Equal(RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "single.json"))).FillLog,
                RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "again.json"))).FillLog);
            var shown = await EngineCli.RunAsync([first, "cluster", "show"]);
            var shardsLeft = shown.Stdout.Split('\n', StringSplitOptions.TrimEntries).Select(l => memberLine.Match(l)).Where(m => m.Success)
                .Sum(m => int.Parse(m.Groups[2].Value));
            Assert.True(shardsLeft > 0, $"the two members left host no shard\n{shown.Stdout}");
        }
        finally
        {
            var down = await Script(script, environment, "down");
            Assert.True(down.Code == 0, $"down: exit {down.Code}\n{down.Output}");
        }
        var after = await Script(script, environment, "status");
        Assert.Contains("PostgreSQL      stopped", after.Output);
        Assert.DoesNotContain("running (pid", after.Output);
        Assert.DoesNotContain("Prometheus      running", after.Output);
    }

    private static async Task<(int Code, string Output)> Script(string script, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>The first of n consecutive free loopback ports, from a random start.</summary>
    private static int FreeRun(int n)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var start = Random.Shared.Next(20_000, 30_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (var port = start; port < start + n; port++)
                {
                    var l = new TcpListener(IPAddress.Loopback, port);
                    l.Start();
                    listeners.Add(l);
                }
                return start;
            }
            catch (SocketException)
            {
            }
            finally
            {
                foreach (var l in listeners) l.Stop();
            }
        }
        throw new InvalidOperationException("no run of free loopback ports found");
    }
}

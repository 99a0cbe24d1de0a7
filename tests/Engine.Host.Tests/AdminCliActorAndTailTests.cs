using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Engine.Host.Tests;

/// <summary>One running engine (a slow run, a cluster of one) that the actor and tail tests read.</summary>
public sealed class RunningEngine : IAsyncLifetime
{
    private readonly string _dir = EngineProcess.TempDir();

    public EngineProcess Engine { get; private set; } = null!;

    /// <summary>Its admin host, host:port.</summary>
    public string At { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Two trading days at 20x: still running long after the last of these tests.
        Engine = EngineProcess.Start(_dir, new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "2" },
            "--speed", "20", "--db", Path.Combine(_dir, "engine.db"));
        At = await EngineCli.AdminAddressAsync(Engine, TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        Engine.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// engine-cli's actor palette and cluster tail against a running engine (real processes): the
/// tree and the system one-shot, a tail that ends by -n or -t, by a cancel frame on the wire, and
/// by Ctrl+C (SIGINT) in a one-shot CLI and at the prompt.
/// </summary>
public sealed class AdminCliActorAndTailTests(RunningEngine node) : IClassFixture<RunningEngine>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private const string MemberUpLine = @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| MemberUp \| akka\.tcp://engine@127\.0\.0\.1:\d+ \| \[trader\]$";

    [Fact]
    public async Task Actor_hierarchy_shows_the_engine_under_user_to_the_depth_asked_from_the_start_asked()
    {
        var all = await EngineCli.RunAsync([node.At, "actor", "hierarchy"]);
        Assert.True(all.ExitCode == 0, all.Stderr);
        var lines = all.Stdout.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("/user", lines[0]);
        Assert.Contains("  /user/engine", lines);
        Assert.Contains("    /user/engine/feeds", lines); // a grandchild, indented one more level

        var shallow = await EngineCli.RunAsync([node.At, "actor", "hierarchy", "-d", "1"]);
        Assert.True(shallow.ExitCode == 0, shallow.Stderr);
        Assert.Contains("  /user/engine\n", shallow.Stdout);
        Assert.DoesNotContain("/user/engine/", shallow.Stdout);

        var system = await EngineCli.RunAsync([node.At, "actor", "hierarchy", "-s", "/system", "-d", "1"]);
        Assert.True(system.ExitCode == 0, system.Stderr);
        Assert.StartsWith("/system\n", system.Stdout);
        Assert.Contains("  /system/sharding\n", system.Stdout);
        Assert.DoesNotContain("/user", system.Stdout);

        var json = await EngineCli.RunAsync([node.At, "actor", "hierarchy", "-s", "/user/engine", "--json"]);
        var tree = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToArray();
        Assert.Equal(("/user/engine", 0), (tree[0].GetProperty("path").GetString(), tree[0].GetProperty("depth").GetInt32()));
        Assert.Contains(tree, a => a.GetProperty("path").GetString() == "/user/engine/feeds" && a.GetProperty("depth").GetInt32() == 1);

        var bad = await EngineCli.RunAsync([node.At, "actor", "hierarchy", "-s", "/user/nope"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: -s /user/nope: no actor there (actor hierarchy -s / shows the whole tree)", bad.Stderr.Trim());
        Assert.Equal("", bad.Stdout);
    }

    [Fact]
    public async Task Actor_system_shows_the_name_the_address_and_what_runs_there()
    {
        var status = await EngineCli.RunAsync([node.At, "cluster", "status", "--json"]);
        var address = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("address").GetString();

        var system = await EngineCli.RunAsync([node.At, "actor", "system"]);
        Assert.True(system.ExitCode == 0, system.Stderr);
        Assert.Contains("Name: engine\n", system.Stdout);
        Assert.Contains($"Address: {address}\n", system.Stdout);
        Assert.Matches(@"Actors: [1-9]\d*\n", system.Stdout);
        Assert.Matches(@"Akka: 1\.5\.\d+", system.Stdout);
        Assert.Contains("Akka.Cluster.Cluster", system.Stdout);
        Assert.Contains("engine.hot-path-dispatcher", system.Stdout);

        var json = JsonDocument.Parse((await EngineCli.RunAsync([node.At, "actor", "system", "--json"])).Stdout).RootElement;
        Assert.Equal(address, json.GetProperty("address").GetString());
        Assert.True(json.GetProperty("actors").GetInt32() > 10);
    }

    [Fact]
    public async Task Cluster_tail_with_n_1_prints_this_members_up_line_and_with_t_ends_by_itself()
    {
        var one = await EngineCli.RunAsync([node.At, "cluster", "tail", "-n", "1"]);
        Assert.True(one.ExitCode == 0, one.Stderr);
        Assert.Matches(MemberUpLine, one.Stdout.Trim());

        var timed = await EngineCli.RunAsync([node.At, "cluster", "tail", "-t", "2", "--json"]);
        Assert.True(timed.ExitCode == 0, timed.Stderr);
        var events = timed.Stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        // The current state as events: this member up, then it leads.
        Assert.Equal(["MemberUp", "LeaderChanged"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.All(events, e => Assert.Equal(["trader"], e.GetProperty("roles").EnumerateArray().Select(r => r.GetString())));

        var bad = await EngineCli.RunAsync([node.At, "cluster", "tail", "-n", "0"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: -n 0: not a positive whole number of events", bad.Stderr.Trim());
    }

    [Fact]
    public async Task A_cancel_frame_ends_a_tail_with_its_end_frame_and_the_connection_serves_the_next_command()
    {
        var (host, port) = (node.At.Split(':')[0], int.Parse(node.At.Split(':')[1]));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port);
        var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        using var limit = new CancellationTokenSource(Limit);
        async Task<JsonElement> Next() => JsonDocument.Parse(await reader.ReadLineAsync(limit.Token) ?? throw new EndOfStreamException()).RootElement;

        var hello = await Next();
        Assert.True(hello.GetProperty("streaming").GetBoolean());
        var tail = hello.GetProperty("palettes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "cluster")
            .GetProperty("commands").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "tail");
        Assert.True(tail.GetProperty("streaming").GetBoolean());

        await writer.WriteLineAsync("""{"id":7,"args":["cluster","tail"]}""");
        var first = await Next();
        Assert.Equal(7, first.GetProperty("id").GetInt64());
        Assert.Matches(MemberUpLine, first.GetProperty("text").GetString());
        await writer.WriteLineAsync("""{"id":7,"cancel":true}""");
        JsonElement end;
        do end = await Next(); while (end.GetProperty("kind").GetString() != "end");
        Assert.Equal(7, end.GetProperty("id").GetInt64());
        Assert.Equal(0, end.GetProperty("exit").GetInt32());

        // A late cancel (the command is over) is ignored; the connection goes on.
        await writer.WriteLineAsync("""{"id":7,"cancel":true}""");
        await writer.WriteLineAsync("""{"id":8,"args":["cluster","status"]}""");
        var status = await Next();
        Assert.Equal(8, status.GetProperty("id").GetInt64());
        Assert.Contains("| up", status.GetProperty("text").GetString());
        Assert.Equal(0, (await Next()).GetProperty("exit").GetInt32());
    }

    [Fact]
    public async Task Ctrl_c_ends_a_one_shot_tail_with_exit_0_and_at_the_prompt_returns_to_the_prompt()
    {
        using (var oneShot = new LiveCli([node.At, "cluster", "tail"]))
        {
            await oneShot.WaitForAsync(o => o.Contains("LeaderChanged"), Limit, "the current state");
            await oneShot.SignalAsync("INT");
            Assert.Equal(0, await oneShot.WaitForExitAsync(Limit));
            Assert.Equal("", oneShot.Stderr);
        }

        // The prompt fed by a pipe that stays open, as an operator at a terminal would type.
        using var prompt = new LiveCli([node.At]);
        await prompt.WriteLineAsync("cluster tail");
        await prompt.WaitForAsync(o => o.Contains("LeaderChanged"), Limit, "the current state");
        await prompt.SignalAsync("INT");
        await prompt.WriteLineAsync("cluster status");
        await prompt.WaitForAsync(o => Regex.IsMatch(o, @"engine> cluster status\n\S+ \| up\n"), Limit, "the next command's answer");
        // SIGTERM (what a container runtime sends) ends a stream the same way.
        await prompt.WriteLineAsync("cluster tail");
        await prompt.WaitForAsync(o => Regex.Matches(o, "LeaderChanged").Count == 2, Limit, "the second tail");
        await prompt.SignalAsync("TERM");
        await prompt.WriteLineAsync("help cluster");
        await prompt.WriteLineAsync("exit");
        Assert.Equal(0, await prompt.WaitForExitAsync(Limit));
        Assert.Equal("", prompt.Stderr);
        Assert.Matches(@"  cluster tail +\[-n\|--number <number>\] \[-t\|--time <time>\] \[--json\]\n", prompt.Stdout);
        Assert.Contains("(streams: Ctrl+C ends it)", prompt.Stdout);
    }
}

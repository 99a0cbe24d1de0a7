using System.Text.RegularExpressions;

namespace Engine.Host.Tests;

/// <summary>
/// cluster tail on a real cluster (`engine node` processes on loopback, one PostgreSQL journal):
/// a member that joins while an operator tails shows up in the tail.
/// </summary>
[Collection("postgres")]
public sealed class AdminCliClusterTailTests(PostgresServer server)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_tail_on_the_first_node_prints_member_up_for_a_second_node_that_joins()
    {
        var dir = EngineProcess.TempDir();
        var ports = InProcessMember.FreePorts(2);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        var connection = server.NewDatabase();
        Dictionary<string, string> Member(int port) => new()
        {
            ["ENGINE_PERSISTENCE"] = "postgres",
            ["ENGINE_DB_CONNECTION"] = connection,
            ["ENGINE_CLUSTER_SEED_NODES"] = seeds,
            ["ENGINE_REMOTE_PORT"] = port.ToString(),
            ["ENGINE_CLUSTER_MIN_NODES"] = "1",
        };
        using var first = EngineProcess.Start(dir, Member(ports[0]), "node");
        var at = await EngineCli.AdminAddressAsync(first, Limit);

        using var tail = new LiveCli([at, "cluster", "tail"]);
        await tail.WaitForAsync(o => o.Contains($"MemberUp | {seeds} |"), Limit, "the first node up");
        using var second = EngineProcess.Start(dir, Member(ports[1]), "node");
        await tail.WaitForAsync(o => o.Contains($"MemberUp | akka.tcp://engine@127.0.0.1:{ports[1]} | [trader]"), Limit,
            $"the second node up (its log:\n{second.Stderr})");
        await tail.SignalAsync("INT");
        Assert.Equal(0, await tail.WaitForExitAsync(Limit));

        // In between, as this node heard of it: the second node joined before it was up.
        var lines = tail.Stdout.Trim().Split('\n');
        var joined = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"\| MemberJoined \| akka\.tcp://engine@127\.0\.0\.1:{ports[1]} \|"));
        var up = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"\| MemberUp \| akka\.tcp://engine@127\.0\.0\.1:{ports[1]} \|"));
        Assert.True(joined >= 0 && joined < up, tail.Stdout);
    }
}

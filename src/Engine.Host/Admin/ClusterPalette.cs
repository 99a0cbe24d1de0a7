using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Engine.Admin;

namespace Engine.Host.Admin;

/// <summary>
/// cluster show|status|leader|join|leave|down|down-unreachable|tail and cluster-sharding
/// regions|region-stats, as pbm's cluster palettes print them.
/// </summary>
public sealed class ClusterPalette(ActorSystem system, IActorRef symbols, TimeSpan timeout) : IAdminPalette
{
    private static readonly SwitchSpec Json = new("json", null, "the answer as JSON", Flag: true);

    private long _tails;

    private Cluster Cluster => Cluster.Get(system);

    public PaletteSpec Spec { get; } = new("cluster", "The cluster's members: who is up, who leads, and joining, leaving and downing members.",
    [
        new CommandSpec("show", "Every member: address, roles, status, reachability, shards and entities it hosts.", false, [Json]),
        new CommandSpec("status", "This node's member status.", false, [Json]),
        new CommandSpec("leader", "The cluster's leader.", false, [Json]),
        new CommandSpec("join", "Make this node join the cluster at an address.", true, [], ["address"]),
        new CommandSpec("leave", "Make a member (default: this node) leave: its shards and singletons are handed over first.", true, [], ["address"]),
        new CommandSpec("down", "Down a member (it is removed without handing anything over).", true, [], ["address"]),
        new CommandSpec("down-unreachable", "Down every unreachable member.", true, []),
        new CommandSpec("tail", "Membership events as they happen, the current members first, until cancelled (Ctrl+C), -n events or -t seconds.", false,
        [
            new SwitchSpec("number", "n", "stop after this many events"),
            new SwitchSpec("time", "t", "stop after this many seconds"),
            new SwitchSpec("json", null, "one JSON object a line", Flag: true),
        ], Streaming: true),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var cluster = Cluster;
        switch (command.Command.Name)
        {
            case "show":
                var stats = await ShardingStats(cancellation);
                var unreachable = cluster.State.Unreachable.Select(m => m.Address).ToHashSet();
                var members = cluster.State.Members.OrderBy(m => m.Address, Member.AddressOrdering).ToArray();
                if (command.Has("json"))
                {
                    await reply.Json(members.Select(m => new
                    {
                        address = m.Address.ToString(),
                        roles = m.Roles.Order().ToArray(),
                        status = Status(m.Status),
                        reachable = !unreachable.Contains(m.Address),
                        shards = Shards(stats, m.Address),
                        entities = Entities(stats, m.Address),
                    }).ToArray());
                    return 0;
                }
                foreach (var m in members)
                {
                    await reply.Line($"{m.Address} | [{string.Join(",", m.Roles.Order())}] | {Status(m.Status)} | {(unreachable.Contains(m.Address) ? "unreachable" : "")} | " +
                        $"shards: {Show(Shards(stats, m.Address))} | entities: {Show(Entities(stats, m.Address))}");
                }
                await reply.Line($"Count: {members.Length} nodes");
                return 0;
            case "status":
                var self = cluster.SelfMember;
                if (command.Has("json")) await reply.Json(new { address = self.Address.ToString(), status = Status(self.Status) });
                else await reply.Line($"{self.Address} | {Status(self.Status)}");
                return 0;
            case "leader":
                var leader = cluster.State.Leader;
                if (command.Has("json")) await reply.Json(new { leader = leader?.ToString() });
                else await reply.Line(leader?.ToString() ?? "no leader (no convergence yet)");
                return 0;
            case "join":
                var to = Address(command, required: true)!;
                cluster.Join(to);
                await reply.Line($"{cluster.SelfAddress} is joining {to}");
                return 0;
            case "leave":
                var leaving = Address(command, required: false) ?? cluster.SelfAddress;
                RequireMember(leaving);
                cluster.Leave(leaving);
                await reply.Line($"{leaving} is leaving: its shards and singletons are handed over, then it stops");
                return 0;
            case "down":
                var down = Address(command, required: true)!;
                RequireMember(down);
                cluster.Down(down);
                await reply.Line($"{down} is downed");
                return 0;
            case "tail":
                return await Tail(command, reply, cancellation);
            default: // down-unreachable
                var gone = cluster.State.Unreachable.Select(m => m.Address).ToArray();
                foreach (var a in gone) cluster.Down(a);
                await reply.Line(gone.Length == 0 ? "no member is unreachable" : $"downed {gone.Length}: {string.Join(", ", gone.Select(a => a.ToString()))}");
                return 0;
        }
    }

    /// <summary>
    /// Streams membership events until the client cancels (or -n/-t is reached): a forwarder actor
    /// per tail, under /system so that /user shows only the engine, stopped when the tail ends.
    /// </summary>
    private async Task<int> Tail(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var count = command.Value("number") is { } n
            ? int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : throw new CommandException($"-n {n}: not a positive whole number of events")
            : int.MaxValue;
        var seconds = command.Value("time") is { } t
            ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s < int.MaxValue / 1000 ? s : throw new CommandException($"-t {t}: not a positive number of seconds")
            : (double?)null;
        var json = command.Has("json");
        var events = Channel.CreateUnbounded<MembershipEvent>(new UnboundedChannelOptions { SingleReader = true });
        var forwarder = ((ExtendedActorSystem)system).SystemActorOf(ClusterEventForwarder.Props(events.Writer), $"admin-cluster-tail-{Interlocked.Increment(ref _tails)}");
        using var limit = seconds is { } secs ? new CancellationTokenSource(TimeSpan.FromSeconds(secs)) : new CancellationTokenSource();
        using var until = CancellationTokenSource.CreateLinkedTokenSource(cancellation, limit.Token);
        try
        {
            for (var sent = 0; sent < count; sent++)
            {
                var e = await events.Reader.ReadAsync(until.Token);
                if (json) await reply.Json(new { time = e.Time, @event = e.Event, address = e.Address, roles = e.Roles });
                else await reply.Line($"{e.Time:yyyy-MM-dd HH:mm:ss.fff} | {e.Event} | {e.Address} | [{string.Join(",", e.Roles)}]");
            }
        }
        catch (OperationCanceledException) when (until.IsCancellationRequested)
        {
            // cancelled by the client, or -t reached: a tail's normal end
        }
        finally
        {
            system.Stop(forwarder);
        }
        return 0;
    }

    private async Task<ClusterShardingStats?> ShardingStats(CancellationToken cancellation)
    {
        try
        {
            return await symbols.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + timeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            return null; // shown as "?": membership is still worth printing
        }
    }

    private static int? Shards(ClusterShardingStats? stats, Address address) =>
        stats is null ? null : stats.Regions.TryGetValue(address, out var r) ? r.Stats.Count : 0;

    private static int? Entities(ClusterShardingStats? stats, Address address) =>
        stats is null ? null : stats.Regions.TryGetValue(address, out var r) ? r.Stats.Values.Sum() : 0;

    private static string Show(int? n) => n?.ToString() ?? "?";

    private static string Status(MemberStatus status) => status.ToString().ToLowerInvariant();

    private Address? Address(ParsedCommand command, bool required)
    {
        if (command.Arguments.Count == 0)
        {
            if (required) throw new CommandException($"'{command.FullName}' needs <address>, e.g. akka.tcp://engine@127.0.0.1:4053");
            return null;
        }
        try
        {
            return Akka.Actor.Address.Parse(command.Arguments[0]);
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException)
        {
            throw new CommandException($"'{command.Arguments[0]}' is not a member address such as akka.tcp://engine@127.0.0.1:4053");
        }
    }

    private void RequireMember(Address address)
    {
        if (!Cluster.State.Members.Any(m => m.Address.Equals(address)))
            throw new CommandException($"{address} is not a member of this cluster (cluster show lists them)");
    }

    /// <summary>cluster-sharding regions|region-stats: the sharded entity types and where their shards live.</summary>
    public sealed class Sharding(IActorRef symbols, string symbolsTypeName, TimeSpan timeout) : IAdminPalette
    {
        public PaletteSpec Spec { get; } = new("cluster-sharding", "The sharded entity types and where their shards and entities live.",
        [
            new CommandSpec("regions", "The sharded entity types.", false, [Json]),
            new CommandSpec("region-stats", "Shards and entities of one type, per member.", false,
                [new SwitchSpec("region", "r", "the entity type (cluster-sharding regions lists them)", Required: true), Json]),
        ]);

        public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
        {
            if (command.Command.Name == "regions")
            {
                if (command.Has("json")) await reply.Json(new[] { symbolsTypeName });
                else await reply.Line(symbolsTypeName);
                return 0;
            }
            var type = command.Value("region")!;
            if (type != symbolsTypeName) throw new CommandException($"-r {type}: no such region (regions: {symbolsTypeName})");
            var stats = await symbols.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + timeout, cancellation);
            var rows = stats.Regions.OrderBy(r => r.Key, Member.AddressOrdering)
                .Select(r => (Address: r.Key.ToString(), Shards: r.Value.Stats.Count, Entities: r.Value.Stats.Values.Sum())).ToArray();
            if (command.Has("json"))
            {
                await reply.Json(rows.Select(r => new { address = r.Address, shards = r.Shards, entities = r.Entities }).ToArray());
                return 0;
            }
            await reply.Table(["Member", "Shards", "Entities"], rows.Select(r => (IReadOnlyList<string>)[r.Address, r.Shards.ToString(), r.Entities.ToString()]));
            return 0;
        }
    }
}

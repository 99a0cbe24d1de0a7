using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Engine.Admin;

namespace Engine.Host.Admin;

/// <summary>
/// actor hierarchy|system, as pbm's actor palette prints them: this node's actor tree (local actors
/// only) and a summary of its actor system.
/// </summary>
public sealed class ActorPalette(ActorSystem system, TimeSpan timeout) : IAdminPalette
{
    private static readonly SwitchSpec Json = new("json", null, "the answer as JSON", Flag: true);

    /// <summary>Extensions worth naming when loaded; Akka keeps no public list of the loaded ones.</summary>
    private static readonly Type[] KnownExtensions =
    [
        typeof(Cluster),
        typeof(Akka.Cluster.Sharding.ClusterSharding),
        typeof(Akka.Cluster.Tools.Singleton.ClusterSingleton),
        typeof(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub),
        typeof(Akka.DistributedData.DistributedData),
        typeof(Akka.Persistence.PersistenceExtension),
    ];

    public PaletteSpec Spec { get; } = new("actor", "This node's actors: the tree and the actor system.",
    [
        new CommandSpec("hierarchy", "The actor tree of this node, one path a line, indented by depth.", false,
        [
            new SwitchSpec("start", "s", "the path to start at, e.g. /system or /user/engine (default /user)"),
            new SwitchSpec("depth", "d", "how many levels below the start (default: all)"),
            Json,
        ]),
        new CommandSpec("system", "The actor system: name, address, uptime, actors, Akka version, extensions and dispatchers.", false, [Json]),
    ]);

    private ExtendedActorSystem Extended => (ExtendedActorSystem)system;

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        if (command.Command.Name == "hierarchy") return await Hierarchy(command, reply, cancellation);
        var actors = Walk(Extended.Provider.RootGuardian, int.MaxValue).ToArray();
        var dispatchers = actors.Select(a => a.Ref).OfType<ActorRefWithCell>().Select(r => (r.Underlying as ActorCell)?.Dispatcher.Id)
            .OfType<string>().GroupBy(id => id).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Actors: g.Count())).ToArray();
        var extensions = KnownExtensions.Where(system.HasExtension).Select(t => t.FullName!).ToArray();
        var address = Extended.Provider is IClusterActorRefProvider ? Cluster.Get(system).SelfAddress : Extended.Provider.DefaultAddress;
        var version = typeof(ActorSystem).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(ActorSystem).Assembly.GetName().Version?.ToString() ?? "?";
        var uptime = system.Uptime;
        if (command.Has("json"))
        {
            await reply.Json(new
            {
                name = system.Name,
                address = address.ToString(),
                uptime_seconds = (long)uptime.TotalSeconds,
                actors = actors.Length,
                akka_version = version,
                extensions,
                dispatchers = dispatchers.Select(d => new { id = d.Id, actors = d.Actors }).ToArray(),
            });
            return 0;
        }
        await reply.Line($"Name: {system.Name}");
        await reply.Line($"Address: {address}");
        await reply.Line($"Uptime: {(int)uptime.TotalDays}d {uptime:hh\\:mm\\:ss}");
        await reply.Line($"Actors: {actors.Length}");
        await reply.Line($"Akka: {version}");
        await reply.Line($"Extensions: {string.Join(", ", extensions)}");
        await reply.Line($"Dispatchers: {string.Join(", ", dispatchers.Select(d => $"{d.Id} ({d.Actors} actors)"))}");
        return 0;
    }

    private async Task<int> Hierarchy(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var path = command.Value("start") ?? "/user";
        var depth = command.Value("depth") is { } d
            ? int.TryParse(d, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
                : throw new CommandException($"-d {d}: not a depth (0 is the start alone, 1 its children, ...)")
            : int.MaxValue;
        var start = await Resolve(path, cancellation);
        var tree = Walk(start, depth).ToArray();
        if (command.Has("json"))
        {
            await reply.Json(tree.Select(a => new { path = a.Ref.Path.ToStringWithoutAddress(), depth = a.Depth }).ToArray());
            return 0;
        }
        foreach (var (actor, level) in tree) await reply.Line(new string(' ', 2 * level) + actor.Path.ToStringWithoutAddress());
        return 0;
    }

    /// <summary>The actor at a local path; the guardians directly (an Identify to "/" has no answer).</summary>
    private async Task<IActorRef> Resolve(string path, CancellationToken cancellation)
    {
        if (!path.StartsWith('/') || path.Contains("//", StringComparison.Ordinal) || path.Contains('*') || path.Contains('?'))
            throw new CommandException($"-s {path}: not an actor path of this node such as /user or /system/sharding");
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var provider = Extended.Provider;
        switch (trimmed)
        {
            case "/": return provider.RootGuardian;
            case "/user": return provider.Guardian;
            case "/system": return provider.SystemGuardian;
        }
        var identity = await system.ActorSelection(trimmed).Ask<ActorIdentity>(new Identify(trimmed), timeout, cancellation);
        return identity.Subject ?? throw new CommandException($"-s {path}: no actor there (actor hierarchy -s / shows the whole tree)");
    }

    /// <summary>
    /// Depth first from the start (each actor followed by its children, as the indented tree shows
    /// them), up to a depth. Reads the cells' children directly: an immutable snapshot each, safe
    /// outside the actor, where Identify asks would cost a round trip per level. Children in name
    /// order, so that the output is stable.
    /// </summary>
    private static IEnumerable<(IActorRef Ref, int Depth)> Walk(IActorRef start, int depth)
    {
        var result = new List<(IActorRef, int)>();
        void Visit(IActorRef actor, int level)
        {
            result.Add((actor, level));
            if (level >= depth || actor is not ActorRefWithCell cell) return;
            foreach (var child in cell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal)) Visit(child, level + 1);
        }
        Visit(start, 0);
        return result;
    }
}

using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Engine.TestSupport;

/// <summary>
/// An engine cluster member in this process, composed as `engine node` composes one (EngineHost), on
/// a real PostgreSQL journal and loopback TCP: its kill-switch proxy and symbol region are at hand
/// for tests and benchmarks that talk to the cluster the way an operator's tools will.
/// </summary>
public sealed class InProcessMember : IDisposable
{
    private InProcessMember(string name, IHost host, Config config, IActorRef killSwitch, IActorRef symbols)
    {
        Name = name;
        Host = host;
        Config = config;
        KillSwitch = killSwitch;
        Symbols = symbols;
    }

    public string Name { get; }

    public IHost Host { get; }

    public Config Config { get; }

    public IActorRef KillSwitch { get; }

    public IActorRef Symbols { get; }

    public static async Task<InProcessMember> StartAsync(string database, string seeds, int port, int minNodes, string? configFile, string logLevel = "WARNING")
    {
        var environment = new Dictionary<string, string>
        {
            ["ENGINE_HOCON_DIR"] = Path.Combine(EngineProcess.RepoRoot, "hocon"),
            ["ENGINE_PERSISTENCE"] = "postgres",
            ["ENGINE_DB_CONNECTION"] = database,
            ["ENGINE_CLUSTER_SEED_NODES"] = seeds,
            ["ENGINE_REMOTE_PORT"] = port.ToString(),
            ["ENGINE_CLUSTER_MIN_NODES"] = minNodes.ToString(),
            ["ENGINE_LOG_LEVEL"] = logLevel,
            ["ENGINE_ADMIN_PORT"] = "0",
            ["ENGINE_HTTP_PORT"] = "0",
        };
        var config = ConfigLoader.Load(new EngineOptions(null, null, configFile, null, null, null, Quiet: true), v => environment.GetValueOrDefault(v));
        var host = EngineHost.Build(config, EngineSettings.FromConfig(config), journalSetup: null,
            new ClusterRunLauncher(configFile, v => environment.GetValueOrDefault(v), TextWriter.Null));
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        return new InProcessMember($"127.0.0.1:{port}", host, config, registry.Get<KillSwitchActor>(), registry.Get<SymbolRegion>());
    }

    /// <summary>n loopback ports free right now, ascending (members Up together are ordered by address: the first is the oldest).</summary>
    public static int[] FreePorts(int n)
    {
        var listeners = Enumerable.Range(0, n).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).Order().ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    public void Dispose()
    {
        Host.StopAsync().Wait(TimeSpan.FromSeconds(30));
        Host.Dispose();
    }
}

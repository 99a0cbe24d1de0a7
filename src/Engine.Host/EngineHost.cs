using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Engine.Actors;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Host.Admin;
using Engine.Host.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engine.Host;

/// <summary>
/// One engine node, as every command runs it: the cluster (of one without seed nodes), the symbols'
/// shard region, the kill switch and the risk supervisors as cluster singletons with a proxy on
/// every node, and the node's engine guardian. The run (EngineRunner) adds the feed; a node started
/// with `engine node` only hosts shards and singletons.
/// </summary>
public static class EngineHost
{
    /// <param name="runs">Cluster mode: opens a submitted run's feed on this node when it hosts the run singleton; null on one node.</param>
    /// <param name="announce">Where the admin host says where it listens (stderr; nothing for a quiet run).</param>
    public static IHost Build(Config config, EngineSettings settings, Setup? journalSetup, IRunLauncher? runs = null, TextWriter? announce = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // The commands handle SIGINT and SIGTERM themselves (a run stops its feed, journals and
        // summarizes; a node leaves the cluster); the host's console lifetime would instead tear the
        // actor system down at once.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        var admin = AdminSettings.FromConfig(config);
        var http = HttpSettings.FromConfig(config);
        builder.Services.AddAkka("engine", (akka, _) =>
        {
            akka.AddHocon(config, HoconAddMode.Prepend);
            if (journalSetup is not null) akka.AddSetup(journalSetup);
            // One kill switch and one set of risk supervisors cluster-wide, each a singleton with a
            // proxy on every node (the registry holds the proxies).
            akka.WithSingleton<KillSwitchActor>("kill-switch", KillSwitchActor.Supervised(settings.KillSwitchAckTimeout),
                new ClusterSingletonOptions(), createProxyToo: true);
            akka.WithSingleton<RiskSupervisors>("risk", (_, registry, _) =>
                    RiskSupervisors.Props(settings.Risk.Accounts, settings.Risk.Hours, registry.Get<KillSwitchActor>(), settings.KillSwitchAckTimeout),
                new ClusterSingletonOptions(), createProxyToo: true);
            akka.WithActors((system, registry) =>
            {
                var guardian = system.ActorOf(EngineGuardian.Props(settings, registry.Get<KillSwitchActor>(), registry.Get<RiskSupervisors>()), "engine");
                registry.Register<EngineGuardian>(guardian);
            });
            akka.WithShardRegion<SymbolRegion>(
                SymbolMessageExtractor.TypeName,
                (_, registry) => symbol => SymbolActor.Props(symbol, settings, registry.Get<KillSwitchActor>()),
                new SymbolMessageExtractor(),
                new ShardOptions { Role = SymbolMessageExtractor.Role, StateStoreMode = StateStoreMode.DData, RememberEntities = false, HandOffStopMessage = StopSymbol.Instance });
            // One run at a time cluster-wide, its feed read on the oldest member beside the other singletons.
            if (runs is not null)
                akka.WithSingleton<RunDirector>("run", (_, registry, _) => RunDirector.Props(
                        runs, settings, registry.Get<SymbolRegion>(), registry.Get<KillSwitchActor>(), registry.Get<RiskSupervisors>()),
                    new ClusterSingletonOptions(), createProxyToo: true);
            akka.AddStartup((system, _) =>
            {
                // One node, no seed list: the node forms a cluster of one by joining itself. With seed
                // nodes (cluster mode) Akka joins them.
                var cluster = Cluster.Get(system);
                if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
            });
        });
        // After Akka's own service: the palettes reach the actors through the registry.
        builder.Services.AddSingleton(sp => new AdminHost(admin, sp.GetRequiredService<ActorSystem>(), () =>
        {
            var registry = sp.GetRequiredService<ActorRegistry>();
            var symbols = registry.Get<SymbolRegion>();
            var trading = new TradingReader(sp.GetRequiredService<ActorSystem>(), symbols, registry.Get<RiskSupervisors>(), registry.Get<KillSwitchActor>(), settings);
            return
            [
                new EngineStatusPalette(trading),
                new KillSwitchPalette(registry.Get<KillSwitchActor>(), settings.AskTimeout,
                    settings.Risk.Accounts.Keys.ToArray(), settings.Strategies.Select(s => s.Id).ToArray()),
                new PositionsPalette(trading),
                new OrdersPalette(trading),
                new RiskPalette(trading),
                new StrategyPalette(trading, symbols),
                new ClusterPalette(sp.GetRequiredService<ActorSystem>(), symbols, settings.AskTimeout),
                new ClusterPalette.Sharding(symbols, SymbolMessageExtractor.TypeName, settings.AskTimeout),
                new ActorPalette(sp.GetRequiredService<ActorSystem>(), settings.AskTimeout),
            ];
        }, announce ?? Console.Error));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AdminHost>());
        // /metrics, /healthz, /readyz: after Akka's service, which they read.
        builder.Services.AddSingleton(sp => new HttpHost(http, config, settings, sp, announce ?? Console.Error));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HttpHost>());
        return builder.Build();
    }

    /// <summary>Until this node is Up (in cluster mode: it joined, and min-nr-of-members are there).</summary>
    /// <exception cref="RunFailedException">Not Up within the limit, with the seed nodes it tried.</exception>
    public static async Task WaitUntilUpAsync(ActorSystem system, CancellationToken ct, TimeSpan? limit = null)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        var wait = limit ?? TimeSpan.FromSeconds(60);
        try
        {
            await up.Task.WaitAsync(wait, ct);
        }
        catch (TimeoutException)
        {
            throw new RunFailedException(
                $"this node ({cluster.SelfAddress}) was not Up within {wait.TotalSeconds:0} s: no seed node admitted it " +
                $"(seed nodes: {string.Join(", ", cluster.Settings.SeedNodes)}; members needed: {cluster.Settings.MinNrOfMembers})");
        }
    }

    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

using Akka.Actor;
using Akka.Cluster;
using Engine.Actors.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Host;

/// <summary>
/// `engine node`: a cluster member that hosts symbols' shards and, when it is the oldest, the
/// singletons; it runs no feed. It stays until SIGTERM or SIGINT, then leaves through
/// CoordinatedShutdown (its shards and singletons are handed over first) and exits 0. Removed from
/// the cluster without being asked (downed by the split-brain resolver), it exits 1 saying so.
/// </summary>
public static class NodeCommand
{
    public static async Task<int> RunAsync(string? configFile, CancellationToken stop)
    {
        try
        {
            if (!ConfigLoader.ClusterMode(Environment.GetEnvironmentVariable))
                throw new UsageException($"engine node joins a cluster: set {ConfigLoader.SeedNodesVariable} (and {ConfigLoader.PersistenceVariable}=postgres with ENGINE_DB_CONNECTION)");
            var config = ConfigLoader.Load(new EngineOptions(null, null, configFile, null, null, null, Quiet: true));
            var settings = EngineSettings.FromConfig(config);
            using var host = EngineHost.Build(config, settings, journalSetup: null,
                new ClusterRunLauncher(configFile, Environment.GetEnvironmentVariable, Console.Error));
            await host.StartAsync(stop);
            var system = host.Services.GetRequiredService<ActorSystem>();
            try
            {
                await EngineHost.WaitUntilUpAsync(system, stop);
                var cluster = Cluster.Get(system);
                Console.Error.WriteLine($"node {cluster.SelfAddress} is up [{string.Join(",", cluster.SelfRoles)}]; SIGTERM or SIGINT leaves the cluster");
                await Task.WhenAny(Task.Delay(Timeout.Infinite, stop), system.WhenTerminated);
                if (system.WhenTerminated.IsCompleted)
                {
                    // Told to leave from elsewhere (engine-cli cluster leave, a preStop hook): it handed over and left.
                    if (CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterLeavingReason)
                    {
                        Console.Error.WriteLine($"node {cluster.SelfAddress} left the cluster (asked to leave)");
                        return 0;
                    }
                    Console.Error.WriteLine($"error: node {cluster.SelfAddress} was removed from the cluster (downed) and stopped");
                    return 1;
                }
                // Leave: shards and singletons hand over to the remaining members, then the system stops.
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
                Console.Error.WriteLine($"node {cluster.SelfAddress} left the cluster");
                return 0;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped before it was Up: nothing was handed to it.
            return 0;
        }
        catch (Exception ex) when (CommandErrors.ExitCodeOf(ex) is { } code)
        {
            CommandErrors.Print(ex);
            return code;
        }
    }
}

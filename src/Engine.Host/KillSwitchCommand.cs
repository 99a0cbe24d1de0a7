using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Engine.Actors.Persistence;
using Engine.Actors.Risk;
using Engine.Actors.Settings;

namespace Engine.Host;

/// <summary>
/// `engine kill-switch status|release`: the kill switch of a journal, while no engine runs on it. It is
/// the engine's own kill-switch actor on the same journal, sent the same commands an operator's
/// engage or release is, so a release is persisted and audited like any other change and the next
/// run on the journal starts with it.
/// </summary>
public static class KillSwitchCommand
{
    public static Task<int> StatusAsync(string? db, string? configFile) =>
        WithKillSwitchAsync(db, configFile, async (killSwitch, timeout) =>
        {
            var status = await killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), timeout);
            Print(status);
            return 0;
        });

    public static Task<int> ReleaseAsync(string? db, string? configFile, string scope, string reason, string operatorName)
    {
        if (!Engine.Domain.Risk.RiskScope.TryParse(scope, out _))
        {
            Console.Error.WriteLine($"error: --scope: '{scope}' is not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL");
            return Task.FromResult(2);
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            Console.Error.WriteLine("error: --reason: say why the scope is released (it is audited)");
            return Task.FromResult(2);
        }
        return WithKillSwitchAsync(db, configFile, async (killSwitch, timeout) =>
        {
            var before = await killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), timeout);
            if (!before.Scopes.ContainsKey(scope))
            {
                Console.Out.WriteLine($"{scope} is not halted or reducing: nothing to release.");
                Print(before);
                return 0;
            }
            switch (await killSwitch.Ask<object>(new KillSwitchActor.Release(scope, operatorName, reason), timeout))
            {
                case KillSwitchActor.Acknowledged ack:
                    Console.Out.WriteLine($"released {scope} (by {operatorName}: {reason}); recorded in the journal's audit trail.");
                    Print(ack.Status);
                    return 0;
                case KillSwitchActor.Refused refused:
                    Console.Error.WriteLine($"error: the kill switch refused the release of {scope}: {refused.Why}");
                    return 2;
                case var other:
                    Console.Error.WriteLine($"error: unexpected answer from the kill switch: {other}");
                    return 1;
            }
        });
    }

    private static void Print(KillSwitchActor.Status status)
    {
        if (status.Scopes.Count == 0)
        {
            Console.Out.WriteLine("Trading states: all scopes ACTIVE");
            return;
        }
        Console.Out.WriteLine("Trading states:");
        foreach (var (scope, change) in status.Scopes)
            Console.Out.WriteLine($"  {scope,-20} {change.State.ToString().ToUpperInvariant(),-9} since {change.Since:yyyy-MM-dd HH:mm:ss}Z by {change.Operator}: {change.Reason}");
    }

    private static async Task<int> WithKillSwitchAsync(string? db, string? configFile, Func<IActorRef, TimeSpan, Task<int>> act)
    {
        try
        {
            var options = new EngineOptions(null, null, configFile, null, db, null, Quiet: true);
            // No cluster and no feed: the kill switch and its journal only.
            var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = ERROR\nakka.stdout-loglevel = ERROR").WithFallback(ConfigLoader.Load(options));
            var settings = EngineSettings.FromConfig(config);
            if (SqliteJournal.FileOf(config) is { } file && !File.Exists(Path.GetFullPath(file)))
                throw new UsageException($"--db '{Path.GetFullPath(file)}' does not exist");
            using var hold = Journals.Hold(config, input: null, continueAnyway: false, Console.Error);
            var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
            if (SqliteJournal.Prepare(config) is { } sqlite) setup = setup.And(sqlite);
            using var system = ActorSystem.Create("engine", setup);
            try
            {
                var killSwitch = system.ActorOf(KillSwitchActor.Props(settings.KillSwitchAckTimeout), "kill-switch");
                return await act(killSwitch, settings.AskTimeout);
            }
            finally
            {
                await system.Terminate();
            }
        }
        catch (ConfigurationException ex)
        {
            foreach (var problem in ex.Problems) Console.Error.WriteLine($"error: {problem}");
            return 2;
        }
        catch (Exception ex) when (ex is UsageException or JournalRefusedException or EngineConfigException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }
}

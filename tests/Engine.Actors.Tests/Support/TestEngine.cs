using Akka.Configuration;
using Engine.Actors.Settings;

namespace Engine.Actors.Tests.Support;

/// <summary>Shared set-up for actor simulations: the shipped engine.conf, a SQLite journal in a temp dir.</summary>
public static class TestEngine
{
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException("Engine.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The engine section as shipped, so these tests also prove hocon/engine.conf loads.</summary>
    public static Config ShippedConfig() =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoRoot, "hocon", "engine.conf")));

    /// <summary>
    /// The shipped settings with a margin account (2x, 100,000), so that the simulations of risk
    /// controls, restarts and supervision can go short as they did before accounts had funds; the
    /// shipped cash account is exercised by BuyingPowerSimulationTests.
    /// </summary>
    public static EngineSettings Settings(Func<EngineSettings, EngineSettings>? change = null) =>
        ShippedSettings("engine.risk.account.type = margin", change);

    /// <summary>The settings exactly as shipped (a cash account), with HOCON overrides.</summary>
    public static EngineSettings ShippedSettings(string hocon = "", Func<EngineSettings, EngineSettings>? change = null)
    {
        var s = EngineSettings.FromConfig(ConfigurationFactory.ParseString(hocon).WithFallback(ShippedConfig()));
        return change is null ? s : change(s);
    }

    /// <summary>
    /// Every message between actors is serialized and read back, as if it crossed a node (design rule 7):
    /// a message without a wire format fails the simulation. Props are not (they carry closures).
    /// </summary>
    public const string SerializeMessages = $$"""
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        {{PluginInternalsSerializer.Hocon}}
        {{DefaultSerializerWatch.Hocon}}
        """;

    /// <summary>A local (non-cluster) actor system journaling to SQLite at dbPath, with the engine's serializers and serialize-messages on.</summary>
    public static Config ActorSystemConfig(string dbPath) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        {{SerializeMessages}}
        engine.persistence.connection-string = "Data Source={{dbPath}}"
        akka.persistence {
          journal.plugin = "akka.persistence.journal.sql"
          snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
          journal.sql {
            class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
            connection-string = "Data Source={{dbPath}}"
            provider-name = "SQLite.MS"
            parallelism = 1
            auto-initialize = true
          }
          query.journal.sql {
            class = "Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql"
            connection-string = "Data Source={{dbPath}}"
            provider-name = "SQLite.MS"
          }
          snapshot-store.sql {
            class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
            connection-string = "Data Source={{dbPath}}"
            provider-name = "SQLite.MS"
            auto-initialize = true
          }
        }
        """).WithFallback(ShippedConfig());

    public static string TempDb()
    {
        var dir = Path.Combine(Path.GetTempPath(), "engine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, "journal.db");
    }
}

using Akka.Configuration;
using Engine.Actors.Settings;

namespace Engine.Host;

/// <summary>
/// Builds the one HOCON configuration from layers: hocon/engine.conf, the persistence flavour,
/// the user's --config file, then what the command line sets. The layers are concatenated and
/// parsed once, so a later layer's value is also what earlier ${...} substitutions see.
/// </summary>
public static class ConfigLoader
{
    public static string HoconDirectory =>
        Environment.GetEnvironmentVariable("ENGINE_HOCON_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(EngineOptions options)
    {
        var layers = new List<(string Name, string Text)>
        {
            ("engine.conf", ReadLayer("engine.conf")),
            ("persistence-sqlite.conf", ReadLayer("persistence-sqlite.conf")),
        };
        if (options.ConfigFile is { } file)
        {
            if (!File.Exists(file)) throw new UsageException($"--config: file '{file}' does not exist");
            var text = File.ReadAllText(file);
            try { ConfigurationFactory.ParseString(text); }
            catch (Exception ex) { throw new EngineConfigException(file, $"is not valid HOCON: {ex.Message}"); }
            layers.Add((file, text));
        }
        layers.Add(("environment", EnvironmentLayer()));
        layers.Add(("command line", CommandLineLayer(options)));

        var combined = string.Join("\n", layers.Select(l => $"# --- {l.Name}\n{l.Text}\n"));
        try
        {
            return ConfigurationFactory.ParseString(combined);
        }
        catch (Exception ex)
        {
            throw new EngineConfigException("(configuration)", $"could not be parsed: {ex.Message}");
        }
    }

    private static string ReadLayer(string name)
    {
        var path = Path.Combine(HoconDirectory, name);
        if (!File.Exists(path)) throw new EngineConfigException(path, "is missing from the installation");
        return File.ReadAllText(path);
    }

    /// <summary>Environment variables a deployer sets, and the setting each overrides.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentOverrides = new Dictionary<string, string>
    {
        ["ENGINE_DB_CONNECTION"] = "engine.persistence.connection-string",
        ["ENGINE_BAR_PERIOD"] = "engine.bars.period",
        ["ENGINE_CHECKPOINT_EVERY"] = "engine.checkpoint-every",
        ["ENGINE_ASK_TIMEOUT"] = "engine.ask-timeout",
        ["ENGINE_TIME_SLICE"] = "engine.feed.time-slice",
        ["ENGINE_FEED_BATCH_SIZE"] = "engine.feed.batch-size",
        ["ENGINE_FEED_READ_AHEAD"] = "engine.feed.read-ahead",
        ["ENGINE_FEED_MAX_IN_FLIGHT"] = "engine.feed.max-in-flight",
        ["ENGINE_FEED_MAX_UNJOURNALED"] = "engine.feed.max-unjournaled",
        ["ENGINE_SYNTHETIC_SEED"] = "engine.synthetic.seed",
        ["ENGINE_SYNTHETIC_DAYS"] = "engine.synthetic.trading-days",
        ["ENGINE_RISK_MAX_DAILY_LOSS"] = "engine.risk.account.max-daily-loss",
        ["ENGINE_RISK_MAX_DRAWDOWN"] = "engine.risk.account.max-drawdown",
        ["ENGINE_RISK_MAX_GROSS_EXPOSURE"] = "engine.risk.account.max-gross-exposure",
        ["ENGINE_RISK_MAX_NET_EXPOSURE"] = "engine.risk.account.max-net-exposure",
        ["ENGINE_RISK_TRADING_HOURS"] = "engine.risk.trading-hours.enabled",
        ["ENGINE_LOG_LEVEL"] = "akka.loglevel",
        ["ENGINE_HOSTNAME"] = "akka.remote.dot-netty.tcp.hostname",
        ["ENGINE_REMOTE_PORT"] = "akka.remote.dot-netty.tcp.port",
    };

    private static string EnvironmentLayer() => string.Join("\n", EnvironmentOverrides
        .Where(kv => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(kv.Key)))
        .Select(kv => $"{kv.Value} = {Quote(Environment.GetEnvironmentVariable(kv.Key)!)}"));

    private static string CommandLineLayer(EngineOptions o)
    {
        var lines = new List<string>();
        if (o.DatabaseFile is { } db)
            lines.Add($"engine.persistence.connection-string = {Quote(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(db) }.ToString())}");
        if (o.SyntheticSymbols is { } symbols)
            lines.Add($"engine.synthetic.symbols = [{string.Join(", ", symbols.Select(Quote))}]");
        return string.Join("\n", lines);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

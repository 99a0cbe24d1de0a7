using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Engine.Actors.Settings;

namespace Engine.Host;

/// <summary>
/// Builds the one HOCON configuration from layers, each overriding the ones before it:
/// hocon/engine.conf, hocon/persistence-sqlite.conf, the user's --config file, ENGINE_* environment
/// variables, then what the command line sets. The layers are concatenated and parsed once, so a
/// later layer's value is also what earlier ${...} substitutions see.
/// Akka's parser is lenient (and recurses forever on a cyclic substitution), so every layer is first
/// read strictly: syntax errors, missing includes, cycles and unknown settings under engine are
/// refused with where they are.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Every shipped file of defaults.</summary>
    public static readonly IReadOnlyList<string> DefaultFiles = ["engine.conf", "persistence-sqlite.conf", "persistence-postgres.conf", "cluster.conf"];

    /// <summary>Set on every node of a cluster: the seed nodes' addresses, comma-separated. Unset: one node, a cluster of one.</summary>
    public const string SeedNodesVariable = "ENGINE_CLUSTER_SEED_NODES";

    /// <summary>Cluster mode: seed nodes are given.</summary>
    public static bool ClusterMode(Func<string, string?> environment) => !string.IsNullOrWhiteSpace(environment(SeedNodesVariable));

    /// <summary>Chooses the journal: sqlite (embedded, the default) or postgres.</summary>
    public const string PersistenceVariable = "ENGINE_PERSISTENCE";

    /// <summary>The persistence ENGINE_PERSISTENCE names.</summary>
    public static string Persistence(Func<string, string?> environment) => environment(PersistenceVariable) switch
    {
        null or "" or "sqlite" => "sqlite",
        "postgres" => "postgres",
        var other => throw new UsageException($"{PersistenceVariable}: '{other}' is neither sqlite nor postgres"),
    };

    /// <summary>The defaults a run loads, in order; together they are the list of known settings.</summary>
    public static IReadOnlyList<string> DefaultFilesFor(string persistence, bool cluster = false) =>
        cluster ? ["engine.conf", $"persistence-{persistence}.conf", "cluster.conf"] : ["engine.conf", $"persistence-{persistence}.conf"];

    /// <summary>hocon/ beside the executable, or ENGINE_HOCON_DIR.</summary>
    public static string HoconDirectory(Func<string, string?> environment) =>
        environment("ENGINE_HOCON_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <param name="environment">Reads an environment variable (tests pass their own; the process's by default).</param>
    /// <exception cref="ConfigurationException">Syntax, include, substitution or unknown settings, each with where it is.</exception>
    public static Config Load(EngineOptions options, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var hocon = HoconDirectory(environment);
        var persistence = Persistence(environment);
        if (persistence == "postgres" && options.DatabaseFile is not null)
            throw new UsageException($"--db names a SQLite file; with {PersistenceVariable}=postgres the journal is the database ENGINE_DB_CONNECTION names");
        var cluster = ClusterMode(environment);
        if (cluster && persistence != "postgres")
            throw new UsageException($"{SeedNodesVariable} is set (cluster mode): the nodes share one journal, so set {PersistenceVariable}=postgres and ENGINE_DB_CONNECTION");
        var defaults = DefaultFilesFor(persistence, cluster).Select(name =>
        {
            var path = Path.Combine(hocon, name);
            if (!File.Exists(path)) throw new EngineConfigException(path, "is missing from the installation");
            return ReadFile(path, path);
        }).ToList();
        var layers = new List<Layer>(defaults);
        if (options.ConfigFile is { } file)
        {
            if (!File.Exists(file)) throw new UsageException($"--config: file '{file}' does not exist");
            layers.Add(ReadFile(file, file));
        }
        foreach (var (variable, setting) in EnvironmentOverrides)
        {
            if (environment(variable) is { Length: > 0 } value)
                layers.Add(Expand($"environment variable {variable}", $"{setting} = {Quote(value)}", null, []));
        }
        foreach (var (variable, setting) in EnvironmentListOverrides)
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Quote);
                layers.Add(Expand($"environment variable {variable}", $"{setting} = [{string.Join(", ", items)}]", null, []));
            }
        }
        layers.Add(Expand("command line", CommandLineLayer(options), null, []));

        HoconSubstitutions.Check(layers.SelectMany(l => l.Definitions).ToList());
        var combined = new StringBuilder();
        var pieces = new List<(int Offset, Layer Layer)>();
        foreach (var layer in layers)
        {
            combined.Append("# --- ").Append(layer.Source).Append('\n');
            pieces.Add((combined.Length, layer));
            combined.Append(layer.Text).Append("\n\n");
        }
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(combined.ToString());
        }
        catch (Exception ex)
        {
            throw new ConfigurationException(AkkaError(ex, pieces));
        }
        KnownSettings.Check(config, defaults.SelectMany(l => l.Definitions).ToList(), layers.Skip(defaults.Count).SelectMany(l => l.Definitions).ToList());
        // Checked here, not where --data is opened: a bad value fails every start, synthetic runs included.
        MarketDataConfig.Read(config);
        if (persistence == "postgres" && string.IsNullOrWhiteSpace(config.GetString("engine.persistence.connection-string")))
            throw new EngineConfigException("engine.persistence.connection-string",
                $"is empty: with {PersistenceVariable}=postgres set ENGINE_DB_CONNECTION to the PostgreSQL connection string (Host=...;Port=...;Database=...;Username=...;Password=...)");
        return config;
    }

    /// <summary>
    /// Something the strict reader let through and Akka's parser did not (it gives an offset in the
    /// concatenated text): said with the file, line and column it came from.
    /// </summary>
    private static string AkkaError(Exception ex, List<(int Offset, Layer Layer)> pieces)
    {
        var first = ex.Message.Split('\n')[0].Trim();
        var match = System.Text.RegularExpressions.Regex.Match(first, @"^(.*?) at position (\d+)");
        if (!match.Success) return $"the configuration could not be parsed: {first}";
        var offset = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        var (start, layer) = pieces.LastOrDefault(p => p.Offset <= offset);
        var at = layer?.Locate(offset - start);
        return $"{(at is null ? "" : $"{at}: ")}Akka's HOCON parser cannot read this ({match.Groups[1].Value.Trim()})";
    }

    /// <summary>One layer: its text with includes in place, every assignment in it in order, and where its text came from.</summary>
    private sealed record Layer(string Source, string Text, IReadOnlyList<HoconDefinition> Definitions, IReadOnlyList<Segment> Segments)
    {
        public HoconLocation? Locate(int offset)
        {
            var s = Segments.LastOrDefault(s => s.Offset <= offset);
            if (s is null) return null;
            var original = s.SourceOffset + (offset - s.Offset);
            var before = s.SourceText.AsSpan(0, Math.Min(original, s.SourceText.Length));
            var line = before.Count('\n') + 1;
            return new HoconLocation(s.Source, line, before.Length - (before.LastIndexOf('\n') + 1) + 1);
        }
    }

    /// <summary>Text of a layer from Offset on is a source's text from SourceOffset on.</summary>
    private sealed record Segment(int Offset, string Source, string SourceText, int SourceOffset);

    private static string ReadText(string file)
    {
        try { return File.ReadAllText(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{file}: cannot be read: {ex.Message}");
        }
    }

    private static Layer ReadFile(string source, string path)
    {
        var full = Path.GetFullPath(path);
        return Expand(source, ReadText(full), Path.GetDirectoryName(full), [full]);
    }

    /// <summary>
    /// Reads one layer strictly and puts each included file's fields in place of its include (Akka's
    /// parser has no include resolver and fails with a NullReferenceException). An include is relative
    /// to the including file's directory and, unlike plain HOCON, must exist: a silently skipped file
    /// is silently skipped settings.
    /// </summary>
    private static Layer Expand(string source, string text, string? directory, IReadOnlyList<string> chain, string prefix = "")
    {
        var document = StrictHocon.Parse(source, text);
        var expanded = new StringBuilder();
        var definitions = new List<HoconDefinition>();
        var segments = new List<Segment>();
        var position = document.BodyStart;
        segments.Add(new Segment(0, source, text, position));
        foreach (var item in document.Items)
        {
            if (item is HoconDefinition d)
            {
                definitions.Add(prefix.Length == 0 ? d : d with { Path = prefix + d.Path });
                continue;
            }
            var include = (HoconInclude)item;
            if (directory is null) throw new ConfigurationException($"{include.At}: include is only possible in a file");
            var target = Path.GetFullPath(Path.Combine(directory, include.Target));
            if (!File.Exists(target))
                throw new ConfigurationException($"{include.At}: include \"{include.Target}\": file '{target}' does not exist");
            if (chain.Contains(target))
                throw new ConfigurationException($"{include.At}: include \"{include.Target}\" is cyclic: {string.Join(" -> ", chain.Append(target))}");
            var included = Expand(target, ReadText(target), Path.GetDirectoryName(target), [.. chain, target], prefix + include.Prefix);
            expanded.Append(text, position, include.Start - position).Append('\n');
            segments.AddRange(included.Segments.Select(s => s with { Offset = s.Offset + expanded.Length }));
            expanded.Append(included.Text).Append('\n');
            position = include.End;
            segments.Add(new Segment(expanded.Length, source, text, position));
            definitions.AddRange(included.Definitions);
        }
        expanded.Append(text, position, document.BodyEnd - position);
        return new Layer(source, expanded.ToString(), definitions, segments);
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
        ["ENGINE_CLUSTER_MIN_NODES"] = "akka.cluster.min-nr-of-members",
        ["ENGINE_ADMIN_HOSTNAME"] = "engine.admin.hostname",
        ["ENGINE_ADMIN_PORT"] = "engine.admin.port",
        ["ENGINE_ADMIN_TOKEN"] = "engine.admin.token",
        ["ENGINE_ADMIN_AUDIT_FILE"] = "engine.admin.audit-file",
        ["ENGINE_HTTP_HOSTNAME"] = "engine.http.hostname",
        ["ENGINE_HTTP_PORT"] = "engine.http.port",
    };

    /// <summary>Environment variables that hold a comma-separated list, and the list setting each overrides.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentListOverrides = new Dictionary<string, string>
    {
        [SeedNodesVariable] = "akka.cluster.seed-nodes",
        ["ENGINE_CLUSTER_ROLES"] = "akka.cluster.roles",
    };

    private static string CommandLineLayer(EngineOptions o)
    {
        var lines = new List<string>();
        if (o.DatabaseFile is { } db)
            lines.Add($"engine.persistence.connection-string = {Quote(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(db) }.ToString())}");
        if (o.SyntheticSymbols is { } symbols)
            lines.Add($"engine.synthetic.symbols = [{string.Join(", ", symbols.Select(Quote))}]");
        if (o.MarketData is { } md)
        {
            if (md.Resolution is { } r) lines.Add($"engine.market-data.resolution = {Quote(r)}");
            if (md.PriceAdjustment is { } a) lines.Add($"engine.market-data.price-adjustment = {Quote(a)}");
            if (md.ExtendedHours) lines.Add("engine.market-data.extended-hours = on");
            if (md.From is { } from) lines.Add($"engine.market-data.from = {Quote(from)}");
            if (md.To is { } to) lines.Add($"engine.market-data.to = {Quote(to)}");
        }
        return string.Join("\n", lines);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";
}

/// <summary>
/// Substitutions checked before Akka sees them: Akka resolves ${path} against the final
/// configuration and recurses without end on a cycle (a stack overflow ends the process, it
/// cannot be caught), and reports an undefined one without saying where it is.
/// </summary>
public static class HoconSubstitutions
{
    /// <param name="definitions">Every assignment of every layer, in layering order.</param>
    /// <summary>More settings than any real configuration has (the defaults are about 150); the checks here are quadratic.</summary>
    public const int MaxSettings = 5_000;

    public static void Check(IReadOnlyList<HoconDefinition> definitions)
    {
        if (definitions.Count > MaxSettings)
            throw new ConfigurationException($"{definitions[MaxSettings].At}: the configuration assigns more than {MaxSettings} settings");
        // What each path holds at the end: a plain value replaces the path and everything under it,
        // a field turns a plain value at a parent into an object, objects merge.
        var final = new Dictionary<string, HoconDefinition>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var d in definitions)
        {
            if (!d.IsObject)
            {
                foreach (var key in final.Keys.Where(k => k.StartsWith(d.Path + ".", StringComparison.Ordinal)).ToList()) final.Remove(key);
            }
            for (var dot = d.Path.IndexOf('.'); dot > 0; dot = d.Path.IndexOf('.', dot + 1))
            {
                if (final.TryGetValue(d.Path[..dot], out var parent) && !parent.IsObject) final.Remove(d.Path[..dot]);
            }
            final[d.Path] = d;
            order.Add(d.Path);
        }

        // ${r} needs r itself, whatever r sits in (a prefix) and whatever sits in r (an object).
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var undefined = new List<string>();
        foreach (var (path, d) in final)
        {
            var targets = new List<string>();
            foreach (var r in d.References)
            {
                // A block around r is only a container; a plain value there (a substitution) may hold r.
                var found = final.Keys.Where(q => q == r.Path
                    || q.StartsWith(r.Path + ".", StringComparison.Ordinal)
                    || (r.Path.StartsWith(q + ".", StringComparison.Ordinal) && !final[q].IsObject)).ToList();
                if (found.Count == 0 && !r.Optional) undefined.Add($"{r.At}: substitution ${{{r.Path}}} in {path} refers to a setting that is not defined");
                targets.AddRange(found);
            }
            uses[path] = targets;
        }

        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the path being followed, true: done
        var trail = new List<string>();
        foreach (var path in order.Distinct().Where(final.ContainsKey))
        {
            if (FindCycle(path, uses, state, trail) is { } cycle)
            {
                var at = final[cycle[0]].At;
                var hint = cycle.Count == 2 ? " (a setting cannot refer to itself, not even to an earlier value: Akka's parser would never finish)" : "";
                throw new ConfigurationException($"{at}: cyclic substitution: {string.Join(" -> ", cycle)}{hint}");
            }
        }
        if (undefined.Count > 0) throw new ConfigurationException(undefined);
    }

    // Depth-first with an explicit stack: a chain of a hundred thousand substitutions must not
    // overflow this checker's own stack.
    private static List<string>? FindCycle(string start, Dictionary<string, List<string>> uses, Dictionary<string, bool> state, List<string> trail)
    {
        if (state.ContainsKey(start)) return null;
        var stack = new Stack<(string Path, int Next)>();
        state[start] = false;
        trail.Add(start);
        stack.Push((start, 0));
        while (stack.Count > 0)
        {
            var (path, next) = stack.Pop();
            var targets = uses[path];
            if (next == targets.Count)
            {
                trail.RemoveAt(trail.Count - 1);
                state[path] = true;
                continue;
            }
            stack.Push((path, next + 1));
            var target = targets[next];
            if (state.TryGetValue(target, out var done))
            {
                if (!done) return [.. trail.Skip(trail.IndexOf(target)), target];
                continue;
            }
            state[target] = false;
            trail.Add(target);
            stack.Push((target, 0));
        }
        return null;
    }
}

/// <summary>
/// Every setting in the final configuration outside akka must be one the shipped defaults define
/// (hocon/*.conf is the list), or sit in a block whose names are the user's: a misspelled setting
/// would otherwise be ignored and its default used.
/// </summary>
public static class KnownSettings
{
    /// <summary>Blocks named by the user (ids, symbols) or by Akka: their keys are checked where they are read.</summary>
    private static readonly string[] OpenBlocks =
    [
        "engine.risk.strategies", // strategy id -> limit overrides (RiskSettingsReader)
        "engine.risk.symbols", // symbol -> limit overrides (RiskSettingsReader)
        "engine.risk.accounts", // account id -> account settings (RiskSettingsReader)
        "engine.hot-path-dispatcher", // an Akka dispatcher: Akka's keys
    ];

    /// <param name="defaults">The assignments of the shipped defaults.</param>
    /// <param name="user">The assignments of the layers after them, to say where an unknown one is.</param>
    public static void Check(Config config, IReadOnlyList<HoconDefinition> defaults, List<HoconDefinition> user)
    {
        var leaves = new HashSet<string>(StringComparer.Ordinal);
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in defaults)
        {
            if (!d.IsObject) leaves.Add(d.Path);
            for (var p = d.Path; p.Length > 0; p = p.LastIndexOf('.') is var dot and > 0 ? p[..dot] : "") known.Add(p);
        }
        var unknown = new List<string>();
        foreach (var (key, value) in config.Root.GetObject().Items)
        {
            if (key != "akka") Walk(key, value, known, leaves, unknown);
        }
        if (unknown.Count == 0) return;
        throw new ConfigurationException(unknown
            .Select(path => (Path: path, At: user.FirstOrDefault(d => d.Path == path)
                ?? user.LastOrDefault(d => path.StartsWith(d.Path + ".", StringComparison.Ordinal))))
            .OrderBy(u => u.At is null ? int.MaxValue : user.IndexOf(u.At)) // in the order they are written
            .Select(u => $"{(u.At is null ? "" : $"{u.At.At}: ")}{u.Path} is not a known setting{SettingNames.DidYouMean(u.Path, leaves)}")
            .ToList());
    }

    private static void Walk(string path, HoconValue value, HashSet<string> known, HashSet<string> leaves, List<string> unknown)
    {
        // A known plain setting holding the wrong kind of value is for its reader to name.
        if (leaves.Contains(path) || OpenBlocks.Contains(path)) return;
        if (!value.IsObject())
        {
            if (!known.Contains(path)) unknown.Add(path);
            return;
        }
        var items = value.GetObject().Items;
        if (items.Count == 0 && !known.Contains(path)) unknown.Add(path);
        foreach (var (key, child) in items) Walk($"{path}.{key}", child, known, leaves, unknown);
    }
}

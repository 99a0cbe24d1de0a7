using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Engine.Actors.Feeds;
using Engine.Domain;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;

namespace Engine.Actors.Settings;

/// <summary>A bad setting: names the HOCON path and what is wrong with it.</summary>
public sealed class EngineConfigException(string path, string problem)
    : Exception($"setting '{path}': {problem}")
{
    public string Path { get; } = path;
}

/// <summary>One configured strategy instance; it runs once per symbol, trading for one account.</summary>
public sealed record StrategyConfig(
    string Id, string Kind, OrderSizing Sizing, IReadOnlyDictionary<string, string> Parameters)
{
    public string Account { get; init; } = RiskSettings.DefaultAccount;

    /// <summary>Overrides the catalog for strategies supplied in code (tests, embedding the engine).</summary>
    public Func<IStrategy>? Factory { get; init; }

    public IStrategy Create() => Factory?.Invoke() ?? StrategyCatalog.Create(Kind, Parameters);

    /// <summary>The configured id of the sweep this instance is one parameter set of; null when not swept.</summary>
    public string? SweepOf { get; init; }

    /// <summary>The swept keys and this instance's values (as written), in the kind's key order; empty when not swept.</summary>
    public IReadOnlyDictionary<string, string> SweepParameters { get; init; } = NoParameters;

    private static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();
}

/// <summary>A parameter set of a sweep that its kind refuses (e.g. fast not below slow): not run, and said at start-up.</summary>
/// <param name="At">The sweep's setting path, e.g. engine.strategies[0].sweep.</param>
/// <param name="Id">The id the set would have had.</param>
public sealed record SkippedSweepSet(string At, string Id, string Reason)
{
    public override string ToString() => $"{At}: skipped {Id}: {Reason}";
}

/// <summary>
/// The typed view of the `engine` HOCON section. Everything is validated when loaded, so a bad
/// setting stops the engine at start-up with its path, never mid-run.
/// </summary>
public sealed record EngineSettings(
    TimeSpan BarPeriod,
    int HistoryBars,
    TimeSpan AskTimeout,
    FeedSettings Feed,
    TimeSpan KillSwitchAckTimeout,
    TimeSpan MinWriteInterval,
    VenueSettings Venue,
    RiskSettings Risk,
    StrategySupervision Supervision,
    IReadOnlyList<StrategyConfig> Strategies)
{
    /// <summary>Parameter sets of sweeps that were not run because their kind refuses them.</summary>
    public IReadOnlyList<SkippedSweepSet> SkippedSweepSets { get; init; } = [];

    /// <summary>What each symbol's core needs.</summary>
    public SymbolCoreSettings CoreSettings() => new(Venue, BarPeriod, Risk.FlattenOffsetBps, Risk.KeepMessages, Risk.Accounts);

    public static EngineSettings FromConfig(Config config)
    {
        var e = config.GetConfig("engine") ?? throw new EngineConfigException("engine", "section is missing");
        var risk = RiskSettingsReader.Read(config);
        var (strategies, skipped) = ReadStrategies(config, risk);
        risk = WithSweepOverrides(risk, strategies);
        var settings = new EngineSettings(
            DurationIn(e, "engine", "bars.period", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            IntIn(e, "engine", "history-bars", 1, ValueBounds.MaxWindow),
            DurationIn(e, "engine", "ask-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            new FeedSettings(
                DurationIn(e, "engine", "feed.time-slice", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
                IntIn(e, "engine", "feed.batch-size", 1, 100_000),
                IntIn(e, "engine", "feed.read-ahead", 1, 1_000_000),
                IntIn(e, "engine", "feed.max-in-flight", 1, 1_000_000),
                IntIn(e, "engine", "feed.max-unjournaled", 1, 1_000_000),
                DurationIn(e, "engine", "checkpoint-every", TimeSpan.FromSeconds(1), TimeSpan.FromDays(366)),
                DurationIn(e, "engine", "ask-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
                Bool(e, "engine", "feed.keep-history", false)),
            DurationIn(e, "engine", "kill-switch.ack-timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            DurationIn(e, "engine", "persistence.min-write-interval", TimeSpan.Zero, TimeSpan.FromSeconds(10)),
            new VenueSettings(
                DecimalIn(e, "engine", "venue.slippage-bps", 0m, 1_000m),
                DecimalIn(e, "engine", "venue.fee-per-share", 0m, 1_000m),
                DecimalIn(e, "engine", "venue.min-fee-per-order", 0m, 1_000_000m),
                DecimalIn(e, "engine", "venue.price-increment", ValueBounds.MinPrice, 1_000m))
            {
                MaxFeePctOfValue = DecimalIn(e, "engine", "venue.max-fee-pct-of-value", 0m, 100m),
            },
            risk,
            new StrategySupervision(
                IntIn(e, "engine", "strategy-supervision.max-failures", 1, 1_000),
                DurationIn(e, "engine", "strategy-supervision.failure-window", TimeSpan.FromSeconds(1), TimeSpan.FromDays(366)),
                DurationIn(e, "engine", "strategy-supervision.min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(30)),
                DurationIn(e, "engine", "strategy-supervision.max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(30))),
            strategies)
        { SkippedSweepSets = skipped };
        return settings;
    }

    /// <summary>The keys of one entry of engine.strategies (its params are checked by the strategy kind).</summary>
    public static readonly IReadOnlyList<string> StrategyKeys =
        ["id", "kind", "account", "quantity", "notional", "percent-of-equity", "allow-short", "order-type", "limit-offset-bps", "params", "sweep"];

    /// <summary>The most parameter sets one sweep may expand to: each runs as its own actor in every symbol.</summary>
    public const int MaxSweepSets = 1_000;

    private static (IReadOnlyList<StrategyConfig>, IReadOnlyList<SkippedSweepSet>) ReadStrategies(Config config, RiskSettings risk)
    {
        const string path = "engine.strategies";
        if (!config.HasPath(path)) throw new EngineConfigException(path, "is missing; configure at least one strategy");
        List<Config> list;
        try
        {
            list = config.GetValue(path).GetArray()
                .Select(v => new Config(new HoconRoot(v)))
                .ToList();
        }
        catch (Exception ex) { throw new EngineConfigException(path, $"must be a list of objects ({ex.Message})"); }

        var result = new List<StrategyConfig>();
        var skipped = new List<SkippedSweepSet>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var c = list[i];
            var at = $"{path}[{i}]";
            if (!c.Root.IsObject())
                throw new EngineConfigException(at, $"must be an object such as {{ id = ..., kind = ... }}, got '{c.Root}'");
            foreach (var key in c.Root.GetObject().Items.Keys)
            {
                if (!StrategyKeys.Contains(key))
                    throw new EngineConfigException($"{at}.{key}", $"is not a strategy setting{SettingNames.DidYouMean(key, StrategyKeys)} (known: {string.Join(", ", StrategyKeys)})");
            }
            var id = RequiredString(c, at, "id");
            if (!ids.Add(id)) throw new EngineConfigException($"{at}.id", $"duplicate strategy id '{id}'");
            if (id.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')))
                throw new EngineConfigException($"{at}.id", $"'{id}' may contain only letters, digits, '-' and '_'");
            var kind = RequiredString(c, at, "kind");
            var orderTypeText = c.GetString("order-type", "market");
            var orderType = orderTypeText switch
            {
                "market" => OrderType.Market,
                "limit" => OrderType.Limit,
                _ => throw new EngineConfigException($"{at}.order-type", $"must be 'market' or 'limit', got '{orderTypeText}'"),
            };
            var account = c.GetString("account", RiskSettings.DefaultAccount);
            if (!risk.Accounts.ContainsKey(account))
                throw new EngineConfigException($"{at}.account",
                    $"account '{account}' is not configured in engine.risk.accounts (known: {string.Join(", ", risk.Accounts.Keys)})");
            var funds = risk.Accounts[account].Funds;
            var margin = funds is null || funds.Type == AccountType.Margin;
            var allowShort = Bool(c, at, "allow-short", margin);
            if (allowShort && !margin)
                throw new EngineConfigException($"{at}.allow-short",
                    $"account '{account}' is a cash account, which never sells short; remove allow-short (or set it to false), or make the account a margin account (engine.risk.accounts.{account}.type = margin)");
            var sizing = ReadSizing(c, at, allowShort, orderType, funds);
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (c.HasPath("params"))
            {
                foreach (var (key, value) in c.GetConfig("params").AsEnumerable())
                    parameters[key] = value.GetString();
            }
            var strategy = new StrategyConfig(id, kind, sizing, parameters) { Account = account };
            if (!c.HasPath("sweep"))
            {
                try { strategy.Create(); }
                catch (ArgumentException ex) { throw new EngineConfigException($"{at}.params", ex.Message); }
                result.Add(strategy);
                continue;
            }
            foreach (var instance in ExpandSweep(c, at, strategy, skipped))
            {
                if (!ids.Add(instance.Id)) throw new EngineConfigException($"{at}.sweep", $"the parameter set '{instance.Id}' has the id of another strategy");
                result.Add(instance);
            }
        }
        if (result.Count == 0) throw new EngineConfigException(path, "is empty; configure at least one strategy");
        foreach (var key in risk.Policy.StrategyOverrides.Keys)
        {
            if (!ids.Contains(key))
                throw new EngineConfigException($"engine.risk.strategies.{key}", $"no strategy has id '{key}' (known: {string.Join(", ", ids)})");
        }
        return (result, skipped);
    }

    /// <summary>A full position is sized by one of quantity (shares; 100 when none is given), notional, or percent-of-equity.</summary>
    private static OrderSizing ReadSizing(Config c, string at, bool allowShort, OrderType orderType, AccountFunds? funds)
    {
        string[] bases = ["quantity", "notional", "percent-of-equity"];
        var given = bases.Where(c.HasPath).ToArray();
        if (given.Length > 1)
            throw new EngineConfigException($"{at}.{given[1]}", $"a strategy is sized by one of {string.Join(", ", bases)}; it sets {string.Join(" and ", given)}");
        var offset = c.HasPath("limit-offset-bps") ? DecimalIn(c, at, "limit-offset-bps", 0m, 1_000m) : 0m;
        return given.FirstOrDefault() switch
        {
            "notional" => new OrderSizing(0m, allowShort, orderType, offset)
            { Basis = SizeBasis.Notional, Amount = PositiveDecimal(c, at, "notional", ValueBounds.MaxNotional) },
            "percent-of-equity" => new OrderSizing(0m, allowShort, orderType, offset)
            { Basis = SizeBasis.PercentOfEquity, Amount = PercentOfEquity(c, at, funds) },
            "quantity" => new OrderSizing(PositiveDecimal(c, at, "quantity", ValueBounds.MaxQuantity), allowShort, orderType, offset),
            _ => new OrderSizing(OrderSizing.Default.Quantity, allowShort, orderType, offset),
        };
    }

    /// <summary>At most what the account's buying power could ever pay for: 100% of the equity times its leverage.</summary>
    private static decimal PercentOfEquity(Config c, string at, AccountFunds? funds)
    {
        var percent = PositiveDecimal(c, at, "percent-of-equity", 10_000m);
        if (funds is { } f && percent > 100m * f.Leverage)
            throw new EngineConfigException($"{at}.percent-of-equity",
                $"{percent.ToString(CultureInfo.InvariantCulture)}% of equity can never be paid for: a {f.Type.ToString().ToLowerInvariant()} account at leverage {f.Leverage.ToString(CultureInfo.InvariantCulture)} holds at most {(100m * f.Leverage).ToString(CultureInfo.InvariantCulture)}%");
        return percent;
    }

    /// <summary>
    /// One instance per parameter set of <c>sweep { key = [values] }</c>: the cartesian product, keys in
    /// the kind's key order, the first key varying slowest and values in the order written, so the ids
    /// and their order are the same whatever order the keys were written in. A set the kind refuses is
    /// skipped (a grid of fast and slow naturally holds fast >= slow); a value in no accepted set is an
    /// error, as it is a typo or out of range rather than an unlucky combination.
    /// </summary>
    private static IEnumerable<StrategyConfig> ExpandSweep(Config c, string at, StrategyConfig template, List<SkippedSweepSet> skipped)
    {
        var sweepAt = $"{at}.sweep";
        var root = c.GetValue("sweep");
        if (!root.IsObject() || root.GetObject().Items.Count == 0)
            throw new EngineConfigException(sweepAt, "must be an object of parameter lists, e.g. sweep { fast = [5, 10], slow = [30, 50] }");
        IReadOnlyList<string> known;
        try { known = StrategyCatalog.ParameterKeys(template.Kind); }
        catch (ArgumentException ex) { throw new EngineConfigException($"{at}.kind", ex.Message); }
        var written = root.GetObject().Items;
        foreach (var key in written.Keys)
        {
            if (!known.Contains(key))
                throw new EngineConfigException($"{sweepAt}.{key}",
                    $"is not a parameter of {template.Kind}{SettingNames.DidYouMean(key, known)} (known: {(known.Count == 0 ? "none" : string.Join(", ", known))})");
            if (template.Parameters.ContainsKey(key))
                throw new EngineConfigException($"{sweepAt}.{key}", "is also set in params; give it in one place");
        }
        var axes = new List<(string Key, string[] Values)>();
        foreach (var key in known.Where(written.ContainsKey))
        {
            var value = written[key];
            var keyAt = $"{sweepAt}.{key}";
            var list = ListOf(value) ?? throw new EngineConfigException(keyAt, $"must be a list of values, e.g. [5, 10], got '{value}'");
            var values = new List<string>();
            foreach (var item in list)
            {
                if (item.IsObject() || item.IsArray() || item.GetString() is not { Length: > 0 } text)
                    throw new EngineConfigException(keyAt, $"must hold plain values, got '{item}'");
                // The value becomes part of the instance's id, which must be valid as an actor name, a
                // kill-switch scope and a metrics label alike.
                if (text.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_')))
                    throw new EngineConfigException(keyAt, $"value '{text}' may contain only letters, digits, '.', '-' and '_' (it becomes part of the strategy id)");
                if (values.Contains(text)) throw new EngineConfigException(keyAt, $"value '{text}' is listed twice");
                values.Add(text);
            }
            if (values.Count == 0) throw new EngineConfigException(keyAt, "is an empty list; give at least one value");
            axes.Add((key, values.ToArray()));
        }
        var total = axes.Aggregate(1L, (n, a) => n * a.Values.Length);
        if (total > MaxSweepSets)
            throw new EngineConfigException(sweepAt, $"expands to {total} parameter sets; at most {MaxSweepSets} (each runs in every symbol)");

        var accepted = new List<StrategyConfig>();
        var refusals = new Dictionary<(string, string), string>();
        var usedValues = new HashSet<(string, string)>();
        var index = new int[axes.Count];
        for (var n = 0; n < total; n++)
        {
            var set = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var a = 0; a < axes.Count; a++) set[axes[a].Key] = axes[a].Values[index[a]];
            var id = template.Id + string.Concat(set.Select(kv => $".{kv.Key}={kv.Value}"));
            var parameters = new Dictionary<string, string>(template.Parameters, StringComparer.Ordinal);
            foreach (var (key, v) in set) parameters[key] = v;
            var instance = template with { Id = id, Parameters = parameters, SweepOf = template.Id, SweepParameters = set };
            try
            {
                instance.Create();
                accepted.Add(instance);
                foreach (var kv in set) usedValues.Add((kv.Key, kv.Value));
            }
            catch (ArgumentException ex)
            {
                skipped.Add(new SkippedSweepSet(sweepAt, id, ex.Message));
                foreach (var kv in set) refusals.TryAdd((kv.Key, kv.Value), ex.Message);
            }
            // The last axis varies fastest.
            for (var a = axes.Count - 1; a >= 0; a--)
            {
                if (++index[a] < axes[a].Values.Length) break;
                index[a] = 0;
            }
        }
        foreach (var (key, values) in axes)
        {
            foreach (var v in values)
            {
                if (!usedValues.Contains((key, v)))
                    throw new EngineConfigException($"{sweepAt}.{key}", $"value '{v}' is in no parameter set {template.Kind} accepts: {refusals[(key, v)]}");
            }
        }
        return accepted;
    }

    private static IList<HoconValue>? ListOf(HoconValue value)
    {
        if (value.IsArray()) return value.GetArray();
        // Akka's parser keeps the blank after an empty list as a second part of the value.
        var parts = value.Values;
        return parts.Count > 0 && parts[0] is HoconArray array
            && parts.Skip(1).All(p => p is HoconLiteral { Value: var text } && string.IsNullOrWhiteSpace(text))
            ? array.GetArray()
            : null;
    }

    /// <summary>
    /// Limits under engine.risk.strategies.&lt;id&gt; for a sweep's id hold for each of its parameter
    /// sets: a sweep's instances are one strategy tried several ways, and their ids are generated.
    /// </summary>
    private static RiskSettings WithSweepOverrides(RiskSettings risk, IReadOnlyList<StrategyConfig> strategies)
    {
        var policy = risk.Policy;
        var swept = strategies.Where(s => s.SweepOf is { } of && policy.StrategyOverrides.ContainsKey(of)).ToList();
        if (swept.Count == 0) return risk;
        var overrides = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(policy.StrategyOverrides, StringComparer.Ordinal);
        foreach (var s in swept) overrides[s.Id] = policy.StrategyOverrides[s.SweepOf!];
        return risk with
        {
            Policy = new RiskPolicy(policy.Defaults, policy.AccountOverrides, overrides, policy.SymbolOverrides, policy.RestrictedByAccount),
        };
    }

    internal static string RequiredString(Config c, string at, string key)
    {
        var s = c.GetString(key, null);
        if (string.IsNullOrWhiteSpace(s)) throw new EngineConfigException($"{at}.{key}", "is required");
        return s;
    }

    internal static string Raw(Config c, string at, string key)
    {
        if (!c.HasPath(key)) throw new EngineConfigException($"{at}.{key}", "is missing");
        return c.GetString(key);
    }

    internal static bool Bool(Config c, string at, string key, bool fallback)
    {
        if (!c.HasPath(key)) return fallback;
        var raw = c.GetString(key);
        return raw switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw new EngineConfigException($"{at}.{key}", $"must be true or false, got '{raw}'"),
        };
    }

    // Every number and duration setting is read with a minimum and a maximum: a value outside
    // them is refused at start-up with both bounds named, instead of failing mid-run (a 1 ms
    // ask timeout) or overflowing the domain's arithmetic (see ValueBounds).

    internal static int IntIn(Config c, string at, string key, int min, int max)
    {
        var raw = Raw(c, at, key);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new EngineConfigException($"{at}.{key}", $"must be an integer from {min} to {max}, got '{raw}'");
        return v;
    }

    /// <summary>A number in (0, max].</summary>
    internal static decimal PositiveDecimal(Config c, string at, string key, decimal max) =>
        Number(c, at, key, v => v > 0 && v <= max, $"positive and at most {max}");

    /// <summary>A number in [min, max].</summary>
    internal static decimal DecimalIn(Config c, string at, string key, decimal min, decimal max) =>
        Number(c, at, key, v => v >= min && v <= max, $"from {min} to {max}");

    // A number too large for decimal (1e30) is out of range too, so the error names the range either way.
    private static decimal Number(Config c, string at, string key, Func<decimal, bool> inRange, string range)
    {
        var raw = Raw(c, at, key);
        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            var problem = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "" : "a number, ";
            throw new EngineConfigException($"{at}.{key}", $"must be {problem}{range}, got '{raw}'");
        }
        if (!inRange(v)) throw new EngineConfigException($"{at}.{key}", $"must be {range}, got {v}");
        return v;
    }

    /// <summary>A duration in [min, max].</summary>
    public static TimeSpan DurationIn(Config c, string at, string key, TimeSpan min, TimeSpan max)
    {
        var raw = Raw(c, at, key);
        TimeSpan? v;
        try { v = c.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception) { v = null; }
        if (v is null || v.Value < min || v.Value > max)
            throw new EngineConfigException($"{at}.{key}", $"must be a duration from {Hocon(min)} to {Hocon(max)}, got '{raw}'");
        return v.Value;
    }

    /// <summary>A duration as HOCON writes it: 500ms, 30s, 10m, 1d.</summary>
    internal static string Hocon(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerDay == 0 && t > TimeSpan.Zero ? $"{t.Ticks / TimeSpan.TicksPerDay}d"
        : t.Ticks % TimeSpan.TicksPerHour == 0 && t > TimeSpan.Zero ? $"{t.Ticks / TimeSpan.TicksPerHour}h"
        : t.Ticks % TimeSpan.TicksPerMinute == 0 && t > TimeSpan.Zero ? $"{t.Ticks / TimeSpan.TicksPerMinute}m"
        : t.Ticks % TimeSpan.TicksPerSecond == 0 && t > TimeSpan.Zero ? $"{t.Ticks / TimeSpan.TicksPerSecond}s"
        : $"{t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}

using System.Globalization;
using Akka.Configuration;
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
    /// <summary>What each symbol's core needs.</summary>
    public SymbolCoreSettings CoreSettings() => new(Venue, BarPeriod, Risk.FlattenOffsetBps, Risk.KeepMessages, Risk.Accounts);

    public static EngineSettings FromConfig(Config config)
    {
        var e = config.GetConfig("engine") ?? throw new EngineConfigException("engine", "section is missing");
        var risk = RiskSettingsReader.Read(config);
        var strategies = ReadStrategies(config, risk);
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
                DecimalIn(e, "engine", "venue.price-increment", ValueBounds.MinPrice, 1_000m)),
            risk,
            new StrategySupervision(
                IntIn(e, "engine", "strategy-supervision.max-failures", 1, 1_000),
                DurationIn(e, "engine", "strategy-supervision.failure-window", TimeSpan.FromSeconds(1), TimeSpan.FromDays(366)),
                DurationIn(e, "engine", "strategy-supervision.min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(30)),
                DurationIn(e, "engine", "strategy-supervision.max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(30))),
            strategies);
        return settings;
    }

    /// <summary>The keys of one entry of engine.strategies (its params are checked by the strategy kind).</summary>
    public static readonly IReadOnlyList<string> StrategyKeys =
        ["id", "kind", "account", "quantity", "allow-short", "order-type", "limit-offset-bps", "params"];

    private static IReadOnlyList<StrategyConfig> ReadStrategies(Config config, RiskSettings risk)
    {
        const string path = "engine.strategies";
        if (!config.HasPath(path)) throw new EngineConfigException(path, "is missing; configure at least one strategy");
        List<Config> list;
        try
        {
            list = config.GetValue(path).GetArray()
                .Select(v => new Config(new Akka.Configuration.Hocon.HoconRoot(v)))
                .ToList();
        }
        catch (Exception ex) { throw new EngineConfigException(path, $"must be a list of objects ({ex.Message})"); }

        var result = new List<StrategyConfig>();
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
            var sizing = new OrderSizing(
                c.HasPath("quantity") ? PositiveDecimal(c, at, "quantity", ValueBounds.MaxQuantity) : OrderSizing.Default.Quantity,
                Bool(c, at, "allow-short", true),
                orderType,
                c.HasPath("limit-offset-bps") ? DecimalIn(c, at, "limit-offset-bps", 0m, 1_000m) : 0m);
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (c.HasPath("params"))
            {
                foreach (var (key, value) in c.GetConfig("params").AsEnumerable())
                    parameters[key] = value.GetString();
            }
            var account = c.GetString("account", RiskSettings.DefaultAccount);
            if (!risk.Accounts.ContainsKey(account))
                throw new EngineConfigException($"{at}.account",
                    $"account '{account}' is not configured in engine.risk.accounts (known: {string.Join(", ", risk.Accounts.Keys)})");
            var strategy = new StrategyConfig(id, kind, sizing, parameters) { Account = account };
            try { strategy.Create(); }
            catch (ArgumentException ex) { throw new EngineConfigException($"{at}.params", ex.Message); }
            result.Add(strategy);
        }
        if (result.Count == 0) throw new EngineConfigException(path, "is empty; configure at least one strategy");
        foreach (var key in risk.Policy.StrategyOverrides.Keys)
        {
            if (!ids.Contains(key))
                throw new EngineConfigException($"engine.risk.strategies.{key}", $"no strategy has id '{key}' (known: {string.Join(", ", ids)})");
        }
        return result;
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

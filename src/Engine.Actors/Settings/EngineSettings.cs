using System.Globalization;
using Akka.Configuration;
using Engine.Actors.Feeds;
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
            PositiveDuration(e, "engine", "bars.period"),
            PositiveInt(e, "engine", "history-bars"),
            PositiveDuration(e, "engine", "ask-timeout"),
            new FeedSettings(
                PositiveDuration(e, "engine", "feed.time-slice"),
                PositiveInt(e, "engine", "feed.batch-size"),
                PositiveInt(e, "engine", "feed.read-ahead"),
                PositiveInt(e, "engine", "feed.max-in-flight"),
                PositiveInt(e, "engine", "feed.max-unjournaled"),
                PositiveDuration(e, "engine", "checkpoint-every"),
                PositiveDuration(e, "engine", "ask-timeout")),
            PositiveDuration(e, "engine", "kill-switch.ack-timeout"),
            NonNegativeDuration(e, "engine", "persistence.min-write-interval"),
            new VenueSettings(
                NonNegativeDecimal(e, "engine", "venue.slippage-bps"),
                NonNegativeDecimal(e, "engine", "venue.fee-per-share"),
                NonNegativeDecimal(e, "engine", "venue.min-fee-per-order"),
                PositiveDecimal(e, "engine", "venue.price-increment")),
            risk,
            new StrategySupervision(
                PositiveInt(e, "engine", "strategy-supervision.max-failures"),
                PositiveDuration(e, "engine", "strategy-supervision.failure-window"),
                PositiveDuration(e, "engine", "strategy-supervision.min-backoff"),
                PositiveDuration(e, "engine", "strategy-supervision.max-backoff")),
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
                c.HasPath("quantity") ? PositiveDecimal(c, at, "quantity") : OrderSizing.Default.Quantity,
                Bool(c, at, "allow-short", true),
                orderType,
                c.HasPath("limit-offset-bps") ? NonNegativeDecimal(c, at, "limit-offset-bps") : 0m);
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

    internal static int PositiveInt(Config c, string at, string key)
    {
        var raw = Raw(c, at, key);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v <= 0)
            throw new EngineConfigException($"{at}.{key}", $"must be a positive integer, got '{raw}'");
        return v;
    }

    internal static decimal ParseDecimal(Config c, string at, string key)
    {
        var raw = Raw(c, at, key);
        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new EngineConfigException($"{at}.{key}", $"must be a number, got '{raw}'");
        return v;
    }

    internal static decimal PositiveDecimal(Config c, string at, string key)
    {
        var v = ParseDecimal(c, at, key);
        if (v <= 0) throw new EngineConfigException($"{at}.{key}", $"must be positive, got {v}");
        return v;
    }

    internal static decimal NonNegativeDecimal(Config c, string at, string key)
    {
        var v = ParseDecimal(c, at, key);
        if (v < 0) throw new EngineConfigException($"{at}.{key}", $"must not be negative, got {v}");
        return v;
    }

    public static TimeSpan NonNegativeDuration(Config c, string at, string key)
    {
        var raw = Raw(c, at, key);
        TimeSpan? v;
        try { v = c.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception) { v = null; }
        if (v is null || v.Value < TimeSpan.Zero)
            throw new EngineConfigException($"{at}.{key}", $"must be a duration such as 0ms, 5ms or 1s, got '{raw}'");
        return v.Value;
    }

    public static TimeSpan PositiveDuration(Config c, string at, string key)
    {
        var raw = Raw(c, at, key);
        TimeSpan? v;
        try { v = c.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception) { v = null; }
        if (v is null || v.Value <= TimeSpan.Zero)
            throw new EngineConfigException($"{at}.{key}", $"must be a positive duration such as 500ms, 30s or 1m, got '{raw}'");
        return v.Value;
    }
}

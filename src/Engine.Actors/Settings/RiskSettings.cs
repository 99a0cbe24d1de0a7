using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Engine.Domain;
using Engine.Domain.Risk;
using Engine.MarketData;
using static Engine.Actors.Settings.EngineSettings;

namespace Engine.Actors.Settings;

/// <summary>
/// The typed `engine.risk` section: pre-trade limits in layers (engine, account, strategy, symbol),
/// each account's own limits, the restricted list and trading hours.
/// </summary>
public sealed record RiskSettings(
    RiskPolicy Policy,
    IReadOnlyDictionary<string, AccountLimits> Accounts,
    TradingHours? Hours,
    decimal FlattenOffsetBps)
{
    public const string DefaultAccount = "main";

    /// <summary>The limits for one strategy in one symbol, trading hours included.</summary>
    public RiskLimits LimitsFor(string account, string strategy, string symbol) =>
        Policy.Resolve(account, strategy, symbol) is var l && Hours is not null ? l with { Hours = Hours } : l;

    public AccountLimits Account(string id) => Accounts[id];

    /// <summary>How long a sent order or cancel can still matter to any rate window or the duplicate guard.</summary>
    public TimeSpan KeepMessages
    {
        get
        {
            var keep = Max(Policy.Defaults.RateWindow, Policy.Defaults.DuplicateWindow);
            foreach (var a in Accounts.Values) keep = Max(keep, a.RateWindow);
            foreach (var layer in new[] { Policy.AccountOverrides, Policy.StrategyOverrides, Policy.SymbolOverrides })
            {
                foreach (var o in layer.Values)
                {
                    if (o.TryGetValue("duplicate-window", out var ticks)) keep = Max(keep, TimeSpan.FromTicks((long)ticks));
                }
            }
            return keep;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

internal static class RiskSettingsReader
{
    private const string Root = "engine.risk";

    public static RiskSettings Read(Config config)
    {
        var risk = config.GetConfig(Root) ?? throw new EngineConfigException(Root, "section is missing");
        var defaults = ReadLimits(risk, $"{Root}.limits");
        var accountDefaults = risk.GetConfig("account") ?? throw new EngineConfigException($"{Root}.account", "section is missing");
        var globalRestricted = Symbols(risk, Root, "restricted-symbols");

        var accounts = new SortedDictionary<string, AccountLimits>(StringComparer.Ordinal);
        var accountOverrides = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
        var restricted = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (id, section) in Objects(risk, Root, "accounts"))
        {
            var at = $"{Root}.accounts.{id}";
            CheckId(id, at);
            CheckAccountKeys(section, accountDefaults, at);
            var merged = section.WithFallback(accountDefaults);
            accounts[id] = ReadAccount(merged, at);
            if (section.HasPath("limits")) accountOverrides[id] = ReadOverrides(section.GetConfig("limits"), $"{at}.limits");
            var set = new SortedSet<string>(globalRestricted, StringComparer.Ordinal);
            foreach (var s in Symbols(section, at, "restricted-symbols")) set.Add(s);
            restricted[id] = set;
        }
        if (accounts.Count == 0) throw new EngineConfigException($"{Root}.accounts", "is empty; configure at least one account");

        var policy = new RiskPolicy(
            defaults, accountOverrides,
            ReadLayer(risk, "strategies"),
            ReadLayer(risk, "symbols"),
            restricted);
        return new RiskSettings(
            policy, accounts, ReadHours(risk),
            DecimalIn(risk, Root, "flatten-offset-bps", 0m, 1_000m));
    }

    private static RiskLimits ReadLimits(Config risk, string at)
    {
        var c = risk.GetConfig("limits") ?? throw new EngineConfigException(at, "section is missing");
        return new RiskLimits(
            Limit(c, at, "max-order-quantity"),
            Limit(c, at, "max-order-notional"),
            Limit(c, at, "max-position-quantity"),
            Limit(c, at, "max-position-notional"),
            Limit(c, at, "max-symbol-position-quantity"),
            Limit(c, at, "max-symbol-position-notional"),
            Limit(c, at, "price-collar-pct"),
            Limit(c, at, "price-collar-abs"),
            (int)Limit(c, at, "max-open-orders"),
            (int)Limit(c, at, "max-orders-per-window"),
            (int)Limit(c, at, "max-messages-per-window"),
            Window(c, at, "rate-window"),
            TimeSpan.FromTicks((long)Limit(c, at, "duplicate-window")));
    }

    /// <summary>One pre-trade limit, within its bounds; the same for the defaults and every override.</summary>
    private static decimal Limit(Config c, string at, string key) => key switch
    {
        "duplicate-window" => Window(c, at, key).Ticks,
        "price-collar-pct" => PositiveDecimal(c, at, key, 1_000m),
        "price-collar-abs" => DecimalIn(c, at, key, 0m, ValueBounds.MaxPrice),
        "max-open-orders" => IntIn(c, at, key, 1, 100_000),
        "max-orders-per-window" or "max-messages-per-window" => IntIn(c, at, key, 1, 1_000_000),
        _ when key.EndsWith("-notional", StringComparison.Ordinal) => PositiveDecimal(c, at, key, ValueBounds.MaxNotional),
        _ => PositiveDecimal(c, at, key, ValueBounds.MaxQuantity),
    };

    private static TimeSpan Window(Config c, string at, string key) =>
        DurationIn(c, at, key, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));

    private static AccountLimits ReadAccount(Config c, string at)
    {
        var fraction = PositiveDecimal(c, at, "reduce-at-fraction", 1m);
        return new AccountLimits(
            PositiveDecimal(c, at, "max-gross-exposure", ValueBounds.MaxNotional),
            PositiveDecimal(c, at, "max-net-exposure", ValueBounds.MaxNotional),
            IntIn(c, at, "max-open-positions", 1, 1_000_000),
            IntIn(c, at, "max-orders-per-window", 1, 10_000_000),
            IntIn(c, at, "max-messages-per-window", 1, 10_000_000),
            Window(c, at, "rate-window"),
            PositiveDecimal(c, at, "max-daily-loss", ValueBounds.MaxNotional),
            PositiveDecimal(c, at, "max-drawdown", ValueBounds.MaxNotional),
            fraction,
            Bool(c, at, "flatten-on-breach", true),
            DurationIn(c, at, "stale-data-after", TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            ReadFunds(c, at));
    }

    private static AccountFunds ReadFunds(Config c, string at)
    {
        var typeText = RequiredString(c, at, "type");
        var type = typeText switch
        {
            "cash" => AccountType.Cash,
            "margin" => AccountType.Margin,
            _ => throw new EngineConfigException($"{at}.type", $"must be 'cash' or 'margin', got '{typeText}'"),
        };
        var cash = PositiveDecimal(c, at, "starting-cash", ValueBounds.MaxNotional);
        // A cash account pays for what it buys: its leverage is 1 whatever the margin setting says.
        var leverage = type == AccountType.Cash ? 1m : DecimalIn(c, at, "leverage", 1m, 100m);
        return new AccountFunds(type, cash, leverage);
    }

    private static Dictionary<string, IReadOnlyDictionary<string, decimal>> ReadLayer(Config risk, string key)
    {
        var layer = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
        foreach (var (id, section) in Objects(risk, Root, key))
            layer[id] = ReadOverrides(section, $"{Root}.{key}.{id}");
        return layer;
    }

    /// <summary>An override block: any key of engine.risk.limits except rate-window; every value checked.</summary>
    private static IReadOnlyDictionary<string, decimal> ReadOverrides(Config c, string at)
    {
        var result = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (key, _) in c.Root.GetObject().Items)
        {
            if (!RiskLimits.OverridableKeys.Contains(key))
                throw new EngineConfigException($"{at}.{key}",
                    $"is not a limit that can be overridden here{SettingNames.DidYouMean(key, RiskLimits.OverridableKeys)} (one of: {string.Join(", ", RiskLimits.OverridableKeys)})");
            result[key] = Limit(c, at, key);
        }
        return result;
    }

    private static TradingHours? ReadHours(Config risk)
    {
        const string at = Root + ".trading-hours";
        var c = risk.GetConfig("trading-hours") ?? throw new EngineConfigException(at, "section is missing");
        if (!Bool(c, at, "enabled", true)) return null;
        var zoneId = RequiredString(c, at, "time-zone");
        TimeZoneInfo zone;
        if (zoneId == "America/New_York") zone = EasternTime.Zone;
        else
        {
            try { zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId); }
            catch (Exception ex) { throw new EngineConfigException($"{at}.time-zone", $"unknown time zone '{zoneId}' ({ex.Message})"); }
        }
        var open = Time(c, at, "open");
        var close = Time(c, at, "close");
        if (close <= open) throw new EngineConfigException($"{at}.close", $"must be after open ({open:HH\\:mm}), got {close:HH\\:mm}");
        return new TradingHours(zone, open, close);
    }

    private static TimeOnly Time(Config c, string at, string key)
    {
        var raw = RequiredString(c, at, key);
        if (!TimeOnly.TryParseExact(raw, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
            throw new EngineConfigException($"{at}.{key}", $"must be a time of day such as 09:30, got '{raw}'");
        return t;
    }

    private static IEnumerable<(string Id, Config Section)> Objects(Config c, string at, string key)
    {
        if (!c.HasPath(key)) yield break;
        Dictionary<string, HoconValue> items;
        try { items = c.GetValue(key).GetObject().Items; }
        catch (Exception) { throw new EngineConfigException($"{at}.{key}", "must be an object of named blocks"); }
        foreach (var (id, value) in items.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!value.IsObject()) throw new EngineConfigException($"{at}.{key}.{id}", "must be a block { ... }");
            yield return (id, new Config(new HoconRoot(value)));
        }
    }

    private static IReadOnlyList<string> Symbols(Config c, string at, string key)
    {
        if (!c.HasPath(key)) return Array.Empty<string>();
        try { return c.GetStringList(key).Select(s => s.Trim().ToUpperInvariant()).ToArray(); }
        catch (Exception) { throw new EngineConfigException($"{at}.{key}", "must be a list of symbols such as [GME, AMC]"); }
    }

    /// <summary>An account block takes the keys of engine.risk.account (the defaults are the list), limits and restricted-symbols.</summary>
    private static void CheckAccountKeys(Config section, Config accountDefaults, string at)
    {
        var known = accountDefaults.Root.GetObject().Items.Keys.Append("limits").Append("restricted-symbols").ToList();
        foreach (var key in section.Root.GetObject().Items.Keys)
        {
            if (!known.Contains(key))
                throw new EngineConfigException($"{at}.{key}", $"is not an account setting{SettingNames.DidYouMean(key, known)}");
        }
    }

    private static void CheckId(string id, string at)
    {
        if (id.Length == 0 || id.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')))
            throw new EngineConfigException(at, $"'{id}' may contain only letters, digits, '-' and '_'");
    }
}

using System.Globalization;
using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.MarketData;

namespace Engine.Host;

/// <summary>Reads engine.synthetic into the feed's settings, naming the path of anything invalid.</summary>
public static class SyntheticConfig
{
    private const string At = "engine.synthetic";

    public static SyntheticFeedSettings Read(Config config)
    {
        var c = config.GetConfig(At) ?? throw new EngineConfigException(At, "section is missing");
        var symbols = c.GetStringList("symbols")?.Select(s => s.ToUpperInvariant()).ToArray() ?? Array.Empty<string>();
        if (symbols.Length == 0) throw new EngineConfigException($"{At}.symbols", "must list at least one symbol");
        var seedText = c.GetString("seed");
        if (!int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
            throw new EngineConfigException($"{At}.seed", $"must be an integer, got '{seedText}'");
        var dateText = c.GetString("start-date");
        if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            throw new EngineConfigException($"{At}.start-date", $"must be a date as yyyy-MM-dd, got '{dateText}'");
        var days = Int(c, "trading-days");
        // Seven calendar days hold at least five trading days: the whole run stays inside ValueBounds.
        var latest = DateOnly.FromDateTime(Engine.Domain.ValueBounds.MaxTime).AddDays(-7);
        if (start < DateOnly.FromDateTime(Engine.Domain.ValueBounds.MinTime) || days > 0 && start.DayNumber + (long)days * 7 / 5 + 7 > latest.DayNumber)
            throw new EngineConfigException($"{At}.start-date", $"with {days} trading days must keep the run within 1970..2199, got '{dateText}'");
        var interval = EngineSettings.DurationIn(c, At, "event-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(6.5));
        var vol = Double(c, "annual-volatility");
        var spread = Decimal(c, "spread-bps");
        var startPrice = Decimal(c, "start-price");
        var settings = new SyntheticFeedSettings(symbols, seed, start, days, interval, vol, spread, startPrice);
        try { settings.Validate(); }
        catch (ArgumentException ex) { throw new EngineConfigException(At, ex.Message); }
        return settings;
    }

    private static int Int(Config c, string key)
    {
        var raw = c.GetString(key);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v <= 0)
            throw new EngineConfigException($"{At}.{key}", $"must be a positive integer, got '{raw}'");
        return v;
    }

    private static double Double(Config c, string key)
    {
        var raw = c.GetString(key);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
            throw new EngineConfigException($"{At}.{key}", $"must be a positive number, got '{raw}'");
        return v;
    }

    private static decimal Decimal(Config c, string key)
    {
        var raw = c.GetString(key);
        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new EngineConfigException($"{At}.{key}", $"must be a non-negative number, got '{raw}'");
        return v;
    }
}

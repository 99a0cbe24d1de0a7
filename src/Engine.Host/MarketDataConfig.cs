using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.MarketData;

namespace Engine.Host;

/// <summary>engine.market-data: how LEAN data under --data is read (see hocon/engine.conf).</summary>
public static class MarketDataConfig
{
    private const string At = "engine.market-data";

    /// <exception cref="EngineConfigException">A value that is not one, or from after to, naming its path.</exception>
    public static LeanReadOptions Read(Config config)
    {
        var c = config.GetConfig(At) ?? throw new EngineConfigException(At, "section is missing");
        var resolutionText = c.GetString("resolution") ?? "auto";
        if (!LeanReadOptions.TryParseResolution(resolutionText, out var resolution))
            throw new EngineConfigException($"{At}.resolution", $"must be auto, tick, second, minute, hour or daily, got '{resolutionText}'");
        var adjustmentText = c.GetString("price-adjustment") ?? "adjusted";
        if (!LeanReadOptions.TryParseAdjustment(adjustmentText, out var adjustment))
            throw new EngineConfigException($"{At}.price-adjustment", $"must be adjusted or raw, got '{adjustmentText}'");
        var extendedText = c.GetString("extended-hours") ?? "off";
        var extended = extendedText switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw new EngineConfigException($"{At}.extended-hours", $"must be on or off, got '{extendedText}'"),
        };
        var from = Date(c, "from");
        var to = Date(c, "to");
        if (from > to)
            throw new EngineConfigException($"{At}.from", $"{from:yyyy-MM-dd} is after {At}.to {to:yyyy-MM-dd}: the date range is empty");
        return new LeanReadOptions(resolution, adjustment, extended, from, to);
    }

    private static DateOnly? Date(Config c, string key)
    {
        var text = c.GetString(key);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return LeanReadOptions.ParseDate(text.Trim(), $"{At}.{key}");
        }
        catch (FormatException)
        {
            throw new EngineConfigException($"{At}.{key}", $"must be a date as yyyy-MM-dd or \"\", got '{text}'");
        }
    }
}

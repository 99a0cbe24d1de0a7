using System.Globalization;

namespace Engine.Domain.Strategies;

/// <summary>
/// Builds the shipped strategies from HOCON-style parameters. Defaults:
/// ma-crossover fast 10, slow 30, ma-type ema; mean-reversion lookback 20, entry-z 2.0, exit-z 0.5;
/// breakout entry-lookback 20, exit-lookback 10.
/// </summary>
public static class StrategyCatalog
{
    public static readonly IReadOnlyList<string> Kinds = new[] { "ma-crossover", "mean-reversion", "breakout" };

    public static IStrategy Create(string kind, IReadOnlyDictionary<string, string> parameters) => kind switch
    {
        "ma-crossover" => new MovingAverageCrossover(new MovingAverageCrossoverParameters(
            Int(parameters, "fast", 10), Int(parameters, "slow", 30), MaType(parameters))),
        "mean-reversion" => new MeanReversion(new MeanReversionParameters(
            Int(parameters, "lookback", 20), Double(parameters, "entry-z", 2.0), Double(parameters, "exit-z", 0.5))),
        "breakout" => new Breakout(new BreakoutParameters(
            Int(parameters, "entry-lookback", 20), Int(parameters, "exit-lookback", 10))),
        _ => throw new ArgumentException($"unknown strategy kind '{kind}'; expected one of: {string.Join(", ", Kinds)}"),
    };

    private static int Int(IReadOnlyDictionary<string, string> p, string key, int fallback)
    {
        if (!p.TryGetValue(key, out var raw)) return fallback;
        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"{key} must be an integer, got '{raw}'");
    }

    private static double Double(IReadOnlyDictionary<string, string> p, string key, double fallback)
    {
        if (!p.TryGetValue(key, out var raw)) return fallback;
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"{key} must be a number, got '{raw}'");
    }

    private static MovingAverageKind MaType(IReadOnlyDictionary<string, string> p)
    {
        if (!p.TryGetValue("ma-type", out var raw)) return MovingAverageKind.Ema;
        return raw switch
        {
            "sma" => MovingAverageKind.Sma,
            "ema" => MovingAverageKind.Ema,
            _ => throw new ArgumentException($"ma-type must be 'sma' or 'ema', got '{raw}'"),
        };
    }
}

using System.Globalization;

namespace Engine.Domain.Strategies;

/// <summary>
/// Builds the shipped strategies from HOCON-style parameters (the <c>params</c> block of a configured
/// strategy, as strings). Numbers parse with the invariant culture. Missing keys take these defaults:
/// <list type="bullet">
/// <item><c>ma-crossover</c>: fast = 10, slow = 30, ma-type = ema</item>
/// <item><c>mean-reversion</c>: lookback = 20, entry-z = 2.0, exit-z = 0.5</item>
/// <item><c>breakout</c>: entry-lookback = 20, exit-lookback = 10</item>
/// <item><c>buy-and-hold</c>: no parameters</item>
/// <item><c>macd-trend</c>: fast = 12, slow = 26, signal = 9, tolerance = 0.0025 (LEAN's MACD sample)</item>
/// <item><c>rsi-mean-reversion</c>: period = 14, oversold = 30, overbought = 70, exit = 50</item>
/// </list>
/// An unknown kind, an unknown key (most likely a typo that would otherwise run on a default), an
/// unparsable value or an invalid combination throws <see cref="ArgumentException"/> naming the key and value.
/// </summary>
public static class StrategyCatalog
{
    public static readonly IReadOnlyList<string> Kinds =
        ["ma-crossover", "mean-reversion", "breakout", "buy-and-hold", "macd-trend", "rsi-mean-reversion"];

    private static readonly Dictionary<string, string[]> KeysByKind = new(StringComparer.Ordinal)
    {
        ["ma-crossover"] = ["fast", "slow", "ma-type"],
        ["mean-reversion"] = ["lookback", "entry-z", "exit-z"],
        ["breakout"] = ["entry-lookback", "exit-lookback"],
        ["buy-and-hold"] = [],
        ["macd-trend"] = ["fast", "slow", "signal", "tolerance"],
        ["rsi-mean-reversion"] = ["period", "oversold", "overbought", "exit"],
    };

    /// <summary>The parameter keys a kind reads, in the order its documentation lists them.</summary>
    /// <exception cref="ArgumentException">An unknown kind.</exception>
    public static IReadOnlyList<string> ParameterKeys(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return KeysByKind.TryGetValue(kind, out var keys)
            ? keys
            : throw new ArgumentException($"unknown strategy kind '{kind}'; expected one of: {string.Join(", ", Kinds)}");
    }

    public static IStrategy Create(string kind, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!KeysByKind.TryGetValue(kind, out var keys))
            throw new ArgumentException($"unknown strategy kind '{kind}'; expected one of: {string.Join(", ", Kinds)}");
        foreach (var key in parameters.Keys)
        {
            if (Array.IndexOf(keys, key) < 0)
                throw new ArgumentException(keys.Length == 0
                    ? $"unknown parameter '{key}' (value '{parameters[key]}') for {kind}; it takes none"
                    : $"unknown parameter '{key}' (value '{parameters[key]}') for {kind}; expected: {string.Join(", ", keys)}");
        }

        return kind switch
        {
            "ma-crossover" => new MovingAverageCrossover(new MovingAverageCrossoverParameters(
                Int(parameters, "fast", 10), Int(parameters, "slow", 30), MaType(parameters))),
            "mean-reversion" => new MeanReversion(new MeanReversionParameters(
                Int(parameters, "lookback", 20), Double(parameters, "entry-z", 2.0), Double(parameters, "exit-z", 0.5))),
            "breakout" => new Breakout(new BreakoutParameters(
                Int(parameters, "entry-lookback", 20), Int(parameters, "exit-lookback", 10))),
            "buy-and-hold" => new BuyAndHold(),
            "macd-trend" => new MacdTrend(new MacdTrendParameters(
                Int(parameters, "fast", 12), Int(parameters, "slow", 26), Int(parameters, "signal", 9),
                Double(parameters, "tolerance", 0.0025))),
            _ => new RsiMeanReversion(new RsiMeanReversionParameters(
                Int(parameters, "period", 14), Double(parameters, "oversold", 30), Double(parameters, "overbought", 70),
                Double(parameters, "exit", 50))),
        };
    }

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
            : throw new ArgumentException($"{key} must be a finite number, got '{raw}'");
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

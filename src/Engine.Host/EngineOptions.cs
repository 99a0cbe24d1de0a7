namespace Engine.Host;

/// <summary>A bad command-line option or path: exit code 2, message names it.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What the user asked for on the command line, already validated.</summary>
public sealed record EngineOptions(
    string? DataPath,
    IReadOnlyList<string>? SyntheticSymbols,
    string? ConfigFile,
    double? SpeedMultiplier,
    string? DatabaseFile,
    string? SummaryJsonFile,
    bool Quiet,
    bool ContinueAnyway = false,
    MarketDataOptions? MarketData = null)
{
    /// <summary>--report: the folder the backtest results, text and HTML report are written to.</summary>
    public string? ReportDirectory { get; init; }

    /// <summary>--gates: a promotion-gates YAML file evaluated after the run (exit 3 when a gate fails).</summary>
    public string? GatesFile { get; init; }

    /// <summary>"max" replays as fast as possible; "realtime" is 1; otherwise a positive multiplier.</summary>
    public static double? ParseSpeed(string text)
    {
        if (text.Equals("max", StringComparison.OrdinalIgnoreCase)) return null;
        if (text.Equals("realtime", StringComparison.OrdinalIgnoreCase)) return 1.0;
        var number = text.EndsWith('x') ? text[..^1] : text;
        if (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m)
            && m > 0 && double.IsFinite(m))
            return m;
        throw new UsageException($"--speed: expected max, realtime or a positive multiplier such as 10, got '{text}'");
    }

    public static IReadOnlyList<string> ParseSymbols(string text)
    {
        var symbols = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToUpperInvariant()).Distinct().ToArray();
        if (symbols.Length == 0) throw new UsageException("--synthetic: expected a comma-separated list of symbols, e.g. AAPL,MSFT");
        foreach (var s in symbols)
        {
            if (!s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                throw new UsageException($"--synthetic: '{s}' is not a valid symbol (letters, digits, '.', '-', '_')");
        }
        return symbols;
    }
}

/// <summary>The command line's --resolution, --price-adjustment, --extended-hours, --from and --to
/// (null: the engine.market-data setting), checked as they are parsed.</summary>
public sealed record MarketDataOptions(string? Resolution, string? PriceAdjustment, bool ExtendedHours, string? From, string? To)
{
    /// <exception cref="UsageException">A value that is not one, or from after to.</exception>
    public static MarketDataOptions Parse(string? resolution, string? adjustment, bool extendedHours, string? from, string? to)
    {
        if (resolution is not null && !Engine.MarketData.LeanReadOptions.TryParseResolution(resolution, out _))
            throw new UsageException($"--resolution: expected auto, tick, second, minute, hour or daily, got '{resolution}'");
        if (adjustment is not null && !Engine.MarketData.LeanReadOptions.TryParseAdjustment(adjustment, out _))
            throw new UsageException($"--price-adjustment: expected adjusted or raw, got '{adjustment}'");
        DateOnly? f = null, t = null;
        try
        {
            if (from is not null) f = Engine.MarketData.LeanReadOptions.ParseDate(from, "--from");
            if (to is not null) t = Engine.MarketData.LeanReadOptions.ParseDate(to, "--to");
        }
        catch (FormatException ex)
        {
            throw new UsageException(ex.Message);
        }
        if (f > t) throw new UsageException($"--from {from} is after --to {to}: the date range is empty");
        return new MarketDataOptions(resolution?.ToLowerInvariant(), adjustment?.ToLowerInvariant(), extendedHours, from, to);
    }
}

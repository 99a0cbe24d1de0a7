using Engine.Domain;
using System.Globalization;

namespace Engine.MarketData;

public enum LeanResolution
{
    Tick,
    Second,
    Minute,
    Hour,
    Daily,
}

public enum LeanDataKind
{
    Trade,
    Quote,
}

/// <summary>
/// What a LEAN equity zip holds, read from its path alone:
/// equity/&lt;market&gt;/{tick,second,minute}/&lt;sym&gt;/&lt;yyyymmdd&gt;_{trade,quote}.zip or
/// equity/&lt;market&gt;/{hour,daily}/&lt;sym&gt;.zip. Only the equity layout is accepted: LEAN's crypto
/// and forex folders share the shape but store unscaled prices.
/// </summary>
public sealed record LeanFileInfo(string Path, string Symbol, LeanResolution Resolution, LeanDataKind Kind, DateOnly? Date)
{
    private readonly string? _series;

    /// <summary>The symbol the engine trades this file's data as: <see cref="Symbol"/> (the ticker the
    /// file is stored under) unless a map file says the security is known today by another.</summary>
    public string Series
    {
        get => _series ?? Symbol;
        init => _series = value;
    }

    /// <summary>The name LEAN gives the CSV inside this zip: &lt;sym&gt;.csv for hour/daily,
    /// &lt;yyyymmdd&gt;_&lt;sym&gt;_&lt;res&gt;_&lt;kind&gt;.csv for second/minute and
    /// &lt;yyyymmdd&gt;_&lt;sym&gt;_&lt;Kind&gt;_Tick.csv for ticks.</summary>
    public string EntryName
    {
        get
        {
            var sym = Symbol.ToLowerInvariant();
            if (Date is not { } date) return $"{sym}.csv";
            var day = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            return Resolution == LeanResolution.Tick
                ? $"{day}_{sym}_{(Kind == LeanDataKind.Trade ? "Trade" : "Quote")}_Tick.csv"
                : $"{day}_{sym}_{Resolution.ToString().ToLowerInvariant()}_{Kind.ToString().ToLowerInvariant()}.csv";
        }
    }

    /// <summary>Whether a zip entry's name is this file's LEAN entry name (case-insensitive; the
    /// resolution and kind words in either order), so an entry for another symbol, date, resolution
    /// or kind is caught before its lines are read as this file's.</summary>
    public bool IsEntryName(string entryName)
    {
        var name = entryName.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.Equals(EntryName, StringComparison.OrdinalIgnoreCase)) return true;
        if (Date is not { } date) return false;
        var day = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var swapped = $"{day}_{Symbol}_{Kind}_{Resolution}.csv";
        var straight = $"{day}_{Symbol}_{Resolution}_{Kind}.csv";
        return name.Equals(swapped, StringComparison.OrdinalIgnoreCase) || name.Equals(straight, StringComparison.OrdinalIgnoreCase);
    }

    public static bool TryParse(string path, out LeanFileInfo? info, out string problem)
    {
        info = null;
        var full = System.IO.Path.GetFullPath(path);
        var parts = full.Split(new[] { System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar },
            StringSplitOptions.RemoveEmptyEntries);
        var file = parts[^1];
        if (!file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"'{path}' is not a .zip file";
            return false;
        }
        var stem = file[..^4];

        // hour/daily: .../equity/<market>/<res>/<sym>.zip
        if (parts.Length >= 4 && IsEquity(parts, parts.Length - 4) && ParseResolution(parts[^2]) is { } coarse
            && coarse is LeanResolution.Hour or LeanResolution.Daily)
        {
            if (stem.EndsWith("_trade", StringComparison.OrdinalIgnoreCase)) stem = stem[..^6];
            if (stem.Length == 0 || stem.Contains('_'))
            {
                problem = $"'{path}': expected <symbol>.zip in an equity {parts[^2]} folder (LEAN equity {parts[^2]} data is trades only)";
                return false;
            }
            info = new LeanFileInfo(full, stem.ToUpperInvariant(), coarse, LeanDataKind.Trade, null);
            problem = "";
            return true;
        }

        // tick/second/minute: .../equity/<market>/<res>/<sym>/<yyyymmdd>_<kind>.zip
        if (parts.Length >= 5 && IsEquity(parts, parts.Length - 5) && ParseResolution(parts[^3]) is { } fine
            && fine is LeanResolution.Tick or LeanResolution.Second or LeanResolution.Minute)
        {
            var underscore = stem.IndexOf('_');
            LeanDataKind? kind = underscore < 0 ? null : stem[(underscore + 1)..].ToLowerInvariant() switch
            {
                "trade" => LeanDataKind.Trade,
                "quote" => LeanDataKind.Quote,
                _ => null,
            };
            if (underscore != 8 || kind is null
                || !DateOnly.TryParseExact(stem.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                problem = $"'{path}': expected <yyyymmdd>_trade.zip or <yyyymmdd>_quote.zip in an equity {parts[^3]} folder";
                return false;
            }
            if (!ValueBounds.IsTime(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)))
            {
                problem = $"'{path}': the date {date:yyyy-MM-dd} is outside {ValueBounds.MinTime:yyyy}..{ValueBounds.MaxTime.Year - 1}";
                return false;
            }
            info = new LeanFileInfo(full, parts[^2].ToUpperInvariant(), fine, kind.Value, date);
            problem = "";
            return true;
        }

        problem = $"'{path}' is not under a LEAN equity layout (equity/<market>/<tick|second|minute>/<symbol>/<yyyymmdd>_<trade|quote>.zip or equity/<market>/<hour|daily>/<symbol>.zip)";
        return false;
    }

    private static bool IsEquity(string[] parts, int index) =>
        index >= 0 && parts[index].Equals("equity", StringComparison.OrdinalIgnoreCase);

    private static LeanResolution? ParseResolution(string segment) => segment.ToLowerInvariant() switch
    {
        "tick" => LeanResolution.Tick,
        "second" => LeanResolution.Second,
        "minute" => LeanResolution.Minute,
        "hour" => LeanResolution.Hour,
        "daily" => LeanResolution.Daily,
        _ => null,
    };
}

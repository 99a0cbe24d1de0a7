using System.Globalization;

namespace Engine.MarketData;

/// <summary>One row of a LEAN factor file: the factors of every date up to and including Date
/// (back to the previous row's date).</summary>
public readonly record struct LeanFactorRow(DateOnly Date, decimal PriceFactor, decimal SplitFactor);

/// <summary>
/// LEAN's equity/&lt;market&gt;/factor_files/&lt;sym&gt;.csv: date, price factor, split factor[, reference price].
/// The factors of a date are those of the first row dated on or after it, as LEAN's
/// CorporateFactorProvider reads them (a row is dated the last trading day before the event's
/// ex-date); a date after the last row has factor 1. LEAN's Adjusted prices are raw x price factor x
/// split factor, volumes raw / split factor.
/// </summary>
public sealed class LeanFactorFile
{
    private readonly LeanFactorRow[] _rows;

    public LeanFactorFile(IEnumerable<LeanFactorRow> rows)
    {
        _rows = rows.OrderBy(r => r.Date).ToArray();
    }

    public IReadOnlyList<LeanFactorRow> Rows => _rows;

    /// <exception cref="FeedFormatException">A line is not date,price factor,split factor[,reference price]
    /// or a factor is not positive.</exception>
    public static LeanFactorFile Parse(IEnumerable<string> lines, string where)
    {
        var rows = new List<LeanFactorRow>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var cols = raw.Split(',');
            if (cols.Length is < 3 or > 4
                || !DateOnly.TryParseExact(cols[0].Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || !TryFactor(cols[1], out var price) || !TryFactor(cols[2], out var split))
                throw new FeedFormatException($"{where}:{n}: expected yyyyMMdd,price factor,split factor[,reference price] with positive factors, got '{LeanLineParser.Excerpt(raw)}'");
            rows.Add(new LeanFactorRow(date, price, split));
        }
        return new LeanFactorFile(rows);
    }

    /// <summary>The factor file of a LEAN file's symbol in its market folder, or null when there is none.</summary>
    public static LeanFactorFile? For(LeanFileInfo file) =>
        LeanAuxiliary.MarketFolder(file.Path) is { } market
        && Path.Combine(market, "factor_files", file.Series.ToLowerInvariant() + ".csv") is var path && File.Exists(path)
            ? Parse(File.ReadLines(path), path)
            : null;

    /// <summary>The factors in force on a date (1 and 1 after the last row).</summary>
    public LeanFactorRow On(DateOnly date)
    {
        // The first row dated on or after the date.
        int lo = 0, hi = _rows.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_rows[mid].Date < date) lo = mid + 1;
            else hi = mid;
        }
        return lo < _rows.Length ? _rows[lo] : new LeanFactorRow(date, 1m, 1m);
    }

    private static bool TryFactor(string text, out decimal factor) =>
        decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out factor) && factor > 0m;
}

/// <summary>
/// LEAN's equity/&lt;market&gt;/map_files/&lt;sym&gt;.csv: date, ticker[, exchange]. The file is named for the
/// security as it is known today; each row gives the ticker its data is stored under for every date up
/// to and including the row's date (back to the previous row's), so a renamed security's older files
/// sit under its older ticker.
/// </summary>
public sealed class LeanMapFile
{
    private readonly (DateOnly Date, string Ticker)[] _rows;

    public LeanMapFile(string name, IEnumerable<(DateOnly Date, string Ticker)> rows)
    {
        Name = name.ToUpperInvariant();
        _rows = rows.Select(r => (r.Date, r.Ticker.ToUpperInvariant())).OrderBy(r => r.Date).ToArray();
    }

    /// <summary>The symbol the engine names the series (the file's name, upper case).</summary>
    public string Name { get; }

    /// <exception cref="FeedFormatException">A line is not date,ticker[,exchange].</exception>
    public static LeanMapFile Parse(string name, IEnumerable<string> lines, string where)
    {
        var rows = new List<(DateOnly, string)>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var cols = raw.Split(',');
            if (cols.Length < 2 || cols[1].Trim().Length == 0
                || !DateOnly.TryParseExact(cols[0].Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new FeedFormatException($"{where}:{n}: expected yyyyMMdd,ticker[,exchange], got '{LeanLineParser.Excerpt(raw)}'");
            rows.Add((date, cols[1].Trim()));
        }
        return new LeanMapFile(name, rows);
    }

    /// <summary>The ticker the data of a date is stored under; null after the last row (delisted).</summary>
    public string? TickerOn(DateOnly date)
    {
        foreach (var (d, ticker) in _rows)
        {
            if (d >= date) return ticker;
        }
        return null;
    }

    /// <summary>Every map file of a market folder (none when it has no map_files folder).</summary>
    public static IReadOnlyList<LeanMapFile> InMarket(string marketFolder)
    {
        var folder = Path.Combine(marketFolder, "map_files");
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "*.csv").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => Parse(Path.GetFileNameWithoutExtension(f), File.ReadLines(f), f)).ToArray();
    }

    /// <summary>The series a file of this ticker and date belongs to: the map file that stores that date
    /// under this ticker (its own name first, for a ticker never renamed), else the ticker itself.</summary>
    public static string SeriesOf(IReadOnlyList<LeanMapFile> maps, string ticker, DateOnly date)
    {
        LeanMapFile? found = null;
        foreach (var map in maps)
        {
            if (!string.Equals(map.TickerOn(date), ticker, StringComparison.OrdinalIgnoreCase)) continue;
            if (map.Name.Equals(ticker, StringComparison.OrdinalIgnoreCase)) return map.Name;
            found ??= map;
        }
        return found?.Name ?? ticker;
    }
}

internal static class LeanAuxiliary
{
    /// <summary>equity/&lt;market&gt; above a LEAN equity file, where factor_files and map_files live.</summary>
    public static string? MarketFolder(string leanFile)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(leanFile));
        // <res>/<sym>/<file> or <res>/<file>: the resolution folder is one or two levels up.
        for (var i = 0; i < 2 && dir is not null; i++)
        {
            var market = Path.GetDirectoryName(dir);
            if (market is not null && Path.GetFileName(Path.GetDirectoryName(market)) is { } eq
                && eq.Equals("equity", StringComparison.OrdinalIgnoreCase)
                && Path.GetFileName(dir).ToLowerInvariant() is "tick" or "second" or "minute" or "hour" or "daily")
                return market;
            dir = market;
        }
        return null;
    }
}

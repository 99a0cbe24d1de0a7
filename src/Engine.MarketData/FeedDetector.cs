namespace Engine.MarketData;

/// <summary>
/// Turns a user's data path (a file or a folder, searched recursively) into feed sources, detecting
/// each file's format from its path and contents:
/// <list type="bullet">
/// <item>a .zip under a LEAN equity layout is LEAN data; the day files of one symbol, resolution and
/// kind are chained into one <see cref="LeanFileSource"/> (date order) so that only one file per
/// stream is open at a time, however many days the folder holds;</item>
/// <item>a .csv whose header is a trade or quote header is a <see cref="CsvFileSource"/>.</item>
/// </list>
/// In a folder, anything else is skipped: readme files, LEAN's factor_files/map_files CSVs (their
/// first line is data, not a price header), crypto/forex zips (unscaled prices, a different layout).
/// A single file the user named explicitly must be recognized, or this throws. Sources are ordered by
/// the ordinal sort of their (first) file's full path, which fixes the merge's tie-break.
/// </summary>
public static class FeedDetector
{
    public static IReadOnlyList<IFeedSource> FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return new[] { FromFile(full) };
        if (!Directory.Exists(full))
            throw new FeedFormatException($"data path '{path}' does not exist; expected a LEAN data folder, a LEAN zip or a trade/quote CSV file");

        var files = Directory.EnumerateFiles(full, "*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
        }).Order(StringComparer.Ordinal).ToList();

        // Each planned source: a CSV file, or LEAN files read in this order.
        var plan = new List<(bool Csv, List<string> Paths)>();
        // Day files of one stream, keyed by folder and kind; planned where their first file sorts.
        var chains = new Dictionary<(string Folder, LeanDataKind Kind), List<string>>();
        foreach (var file in files)
        {
            if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                if (!LeanFileInfo.TryParse(file, out var info, out _)) continue;
                if (info!.Date is null)
                {
                    plan.Add((false, new List<string> { file }));
                    continue;
                }
                var key = (Path.GetDirectoryName(file)!, info.Kind);
                if (!chains.TryGetValue(key, out var chain))
                {
                    chains[key] = chain = new List<string>();
                    plan.Add((false, chain));
                }
                chain.Add(file);
            }
            else if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && CsvFileSource.IsPriceCsv(file))
            {
                plan.Add((true, new List<string> { file }));
            }
        }
        var sources = plan
            .Select(p => p.Csv ? (IFeedSource)new CsvFileSource(p.Paths[0]) : new LeanFileSource(p.Paths))
            .ToList();
        if (sources.Count == 0)
            throw new FeedFormatException(
                $"data folder '{path}' holds no recognized market data; expected LEAN equity zips " +
                "(equity/<market>/<tick|second|minute>/<symbol>/<yyyymmdd>_<trade|quote>.zip, equity/<market>/<hour|daily>/<symbol>.zip) " +
                $"or CSV files with a header ({string.Join(",", CsvFileSource.TradeColumns)} or {string.Join(",", CsvFileSource.QuoteColumns)})");
        return sources;
    }

    private static IFeedSource FromFile(string file)
    {
        if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            return LeanFileInfo.TryParse(file, out _, out var problem)
                ? new LeanFileSource(file)
                : throw new FeedFormatException(problem);
        }
        if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return new CsvFileSource(file);
        throw new FeedFormatException(
            $"data file '{file}' is neither a LEAN equity .zip nor a .csv with a trade or quote header");
    }
}

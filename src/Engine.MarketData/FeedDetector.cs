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
/// In a folder, every other file is skipped and reported in <see cref="DetectedFeed.Skipped"/> with
/// why: readme files, LEAN's factor_files/map_files CSVs (their first line is data, not a price
/// header), crypto/forex zips (unscaled prices, a different layout), zips under equity/ that are not
/// named as LEAN names its files. The LEAN sources report there too the files they refuse when they
/// open them (corrupt or misnamed archives, extra archive entries), so once the feed has been read
/// every file is either read or listed as skipped.
/// A single file the user named explicitly must be recognized, or this throws. Sources are ordered by
/// the ordinal sort of their (first) file's full path, which fixes the merge's tie-break.
/// </summary>
public static class FeedDetector
{
    public static IReadOnlyList<IFeedSource> FromPath(string path) => Detect(path).Sources;

    /// <summary>The sources of a data path and the files skipped so far (more are added as the
    /// sources read).</summary>
    public static DetectedFeed Detect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var skipped = new SkippedFiles();
        if (File.Exists(full)) return new DetectedFeed(new[] { FromFile(full, skipped) }, skipped);
        if (!Directory.Exists(full))
            throw new FeedFormatException($"data path '{path}' does not exist; expected a LEAN data folder, a LEAN zip or a trade/quote CSV file");

        // Hidden files (.DS_Store, editor swap files) are enumerated too, to be listed as skipped.
        var entries = new DirectoryInfo(full).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
        }).Select(f => (f.FullName, Hidden: (f.Attributes & FileAttributes.Hidden) != 0 || IsInHiddenFolder(full, f.FullName)))
            .OrderBy(f => f.FullName, StringComparer.Ordinal).ToList();

        // Each planned source: a CSV file, or LEAN files read in this order.
        var plan = new List<(bool Csv, List<string> Paths)>();
        // Day files of one stream, keyed by folder and kind; planned where their first file sorts.
        var chains = new Dictionary<(string Folder, LeanDataKind Kind), List<string>>();
        foreach (var (file, hidden) in entries)
        {
            if (hidden)
            {
                // Never read before hidden files were listed; a dot-file is no one's market data.
                skipped.Add(file, SkipReason.NotMarketData, "hidden file or folder; not read");
            }
            else if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                if (!LeanFileInfo.TryParse(file, out var info, out var problem))
                {
                    if (NonEquitySegment(full, file) is { } kind)
                        skipped.Add(file, SkipReason.NotEquity, $"LEAN {kind} data, not an equity LEAN layout (only equity prices, scaled x10,000, are read)");
                    else
                        skipped.Add(file, SkipReason.NotLeanLayout, problem);
                    continue;
                }
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
            else if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                var header = CsvFileSource.ReadHeader(file, out var problem, out var unreadable);
                if (problem is not null) skipped.Add(file, unreadable ? SkipReason.Unreadable : SkipReason.NotMarketData, problem);
                else if (header is not null && CsvFileSource.IsPriceHeader(header)) plan.Add((true, new List<string> { file }));
                else if (LeanAuxiliaryFolder(file) is { } folder)
                    skipped.Add(file, SkipReason.LeanAuxiliary, $"LEAN {folder} file, not prices");
                else
                    skipped.Add(file, SkipReason.NotMarketData, header is null
                        ? "empty CSV file"
                        : $"CSV without a trade or quote header (first line '{LeanLineParser.Excerpt(header)}')");
            }
            else
            {
                skipped.Add(file, SkipReason.NotMarketData, "not market data (neither a LEAN equity zip nor a CSV with a price header)");
            }
        }
        var sources = plan
            .Select(p => p.Csv ? (IFeedSource)new CsvFileSource(p.Paths[0]) : new LeanFileSource(p.Paths, skipped))
            .ToList();
        if (sources.Count == 0)
            throw new FeedFormatException(
                $"data folder '{path}' holds no recognized market data; expected LEAN equity zips " +
                "(equity/<market>/<tick|second|minute>/<symbol>/<yyyymmdd>_<trade|quote>.zip, equity/<market>/<hour|daily>/<symbol>.zip) " +
                $"or CSV files with a header ({string.Join(",", CsvFileSource.TradeColumns)} or {string.Join(",", CsvFileSource.QuoteColumns)})" +
                (skipped.Count > 0 ? $"; skipped {skipped.Count} file(s): {Describe(skipped)}" : ""));
        return new DetectedFeed(sources, skipped);
    }

    /// <summary>"3 (2 not market data, 1 corrupt archive)": the count and its reasons.</summary>
    public static string Describe(SkippedFiles skipped) =>
        $"{skipped.Count} ({string.Join(", ", skipped.CountsByReason().Select(c => $"{c.Count} {c.Reason.Label()}"))})";

    // LEAN's security-type folders other than equity, found between the data root and the file.
    private static readonly string[] OtherSecurityTypes =
        { "crypto", "cryptofuture", "forex", "cfd", "future", "futureoption", "option", "indexoption", "index" };

    private static string? NonEquitySegment(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        // A root that is itself inside e.g. crypto/ counts too.
        var parts = root.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Concat(relative.SkipLast(1));
        return parts.LastOrDefault(p => OtherSecurityTypes.Contains(p, StringComparer.OrdinalIgnoreCase))?.ToLowerInvariant();
    }

    private static bool IsInHiddenFolder(string root, string file) =>
        Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .SkipLast(1).Any(p => p.StartsWith('.'));

    private static string? LeanAuxiliaryFolder(string file)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(file));
        return folder is not null && (folder.Equals("factor_files", StringComparison.OrdinalIgnoreCase)
            || folder.Equals("map_files", StringComparison.OrdinalIgnoreCase))
            ? (folder.StartsWith('f') || folder.StartsWith('F') ? "factor" : "map")
            : null;
    }

    private static IFeedSource FromFile(string file, SkippedFiles skipped)
    {
        if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            return LeanFileInfo.TryParse(file, out _, out var problem)
                ? new LeanFileSource(new[] { file }, skipped)
                : throw new FeedFormatException(problem);
        }
        if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return new CsvFileSource(file);
        throw new FeedFormatException(
            $"data file '{file}' is neither a LEAN equity .zip nor a .csv with a trade or quote header");
    }
}

/// <summary>What a data path holds: the sources to read, and the files skipped with why (the scan's
/// now; the sources add the files they refuse as they read).</summary>
public sealed record DetectedFeed(IReadOnlyList<IFeedSource> Sources, SkippedFiles Skipped);

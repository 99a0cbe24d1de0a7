namespace Engine.MarketData;

/// <summary>
/// Turns a user's data path (a file or a folder, searched recursively) into feed sources, detecting
/// each file's format from its path and contents:
/// <list type="bullet">
/// <item>a .zip under a LEAN equity layout is LEAN data, read as <see cref="LeanReadOptions"/> say: each
/// symbol (named by its map file when a ticker was renamed) at one resolution, the files of its other
/// resolutions and of days outside the dates skipped and listed; the day files of one symbol, resolution
/// and kind are chained into one <see cref="LeanFileSource"/> (date order) so that only one file per
/// stream is open at a time, however many days the folder holds;</item>
/// <item>a .csv whose header is a trade or quote header is a <see cref="CsvFileSource"/>.</item>
/// </list>
/// In a folder, every other file is skipped and reported in <see cref="DetectedFeed.Skipped"/> with
/// why: readme files, LEAN's factor_files/map_files CSVs (their first line is data, not a price
/// header), crypto/forex zips (unscaled prices, a different layout), zips under equity/ that are not
/// named as LEAN names its files. The LEAN sources report there too the files they refuse when they
/// open them (corrupt or misnamed archives, extra archive entries), so once the feed has been read
/// every file is either read or listed as skipped.
/// A single file the user named explicitly must be recognized, or this throws. Sources are ordered
/// LEAN series by symbol (trades before quotes), then CSV files by path, which fixes the merge's tie-break.
/// </summary>
public static class FeedDetector
{
    public static IReadOnlyList<IFeedSource> FromPath(string path, LeanReadOptions? options = null) => Detect(path, options).Sources;

    /// <summary>The sources of a data path and the files skipped so far (more are added as the
    /// sources read).</summary>
    /// <param name="options">How LEAN data is read; null for <see cref="LeanReadOptions.Default"/>.</param>
    public static DetectedFeed Detect(string path, LeanReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options = (options ?? LeanReadOptions.Default).Validated();
        var full = Path.GetFullPath(path);
        var skipped = new SkippedFiles();
        if (File.Exists(full))
        {
            var source = FromFile(full, skipped, options);
            LeanSeries[] one = source is LeanFileSource file
                ? [new LeanSeries(file.Files[0].Series, file.Files[0].Resolution, [file.Files[0].Kind], [])]
                : [];
            return new DetectedFeed(new[] { source }, skipped, one);
        }
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

        var csvs = new List<string>();
        var lean = new List<LeanFileInfo>();
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
                lean.Add(info!);
            }
            else if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                var header = CsvFileSource.ReadHeader(file, out var problem, out var unreadable);
                if (problem is not null) skipped.Add(file, unreadable ? SkipReason.Unreadable : SkipReason.NotMarketData, problem);
                else if (header is not null && CsvFileSource.IsPriceHeader(header)) csvs.Add(file);
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
        var (chains, series) = PlanLean(lean, options, skipped);
        // Ordered by series, trades before quotes (so a bar and the quote of its close, stamped alike,
        // reach the symbol bar first), then CSVs by path: a fixed merge tie-break.
        var sources = chains.Select(c => (IFeedSource)new LeanFileSource(c, skipped, options))
            .Concat(csvs.Select(c => (IFeedSource)new CsvFileSource(c)))
            .ToList();
        if (sources.Count == 0 && lean.Count > 0 && skipped.CountsByReason().Any(c => c.Reason is SkipReason.OtherResolution or SkipReason.OutsideDates))
            throw new FeedFormatException(
                $"data folder '{path}' holds LEAN data, but none at the resolution and dates asked for ({options.Resolution?.ToString().ToLowerInvariant() ?? "auto"}, " +
                $"{options.From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "start"}..{options.To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "end"}); " +
                $"it holds {string.Join(", ", lean.GroupBy(f => f.Series).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {Resolutions(g)}"))}");
        if (sources.Count == 0)
            throw new FeedFormatException(
                $"data folder '{path}' holds no recognized market data; expected LEAN equity zips " +
                "(equity/<market>/<tick|second|minute>/<symbol>/<yyyymmdd>_<trade|quote>.zip, equity/<market>/<hour|daily>/<symbol>.zip) " +
                $"or CSV files with a header ({string.Join(",", CsvFileSource.TradeColumns)} or {string.Join(",", CsvFileSource.QuoteColumns)})" +
                (skipped.Count > 0 ? $"; skipped {skipped.Count} file(s): {Describe(skipped)}" : ""));
        return new DetectedFeed(sources, skipped, series);
    }

    private static string Resolutions(IEnumerable<LeanFileInfo> files)
    {
        var dated = files.Where(f => f.Date is not null).Select(f => f.Date!.Value).ToList();
        var span = dated.Count == 0 ? "" : $" {dated.Min():yyyy-MM-dd}..{dated.Max():yyyy-MM-dd}";
        return string.Join("/", files.Select(f => f.Resolution).Distinct().Order().Select(r => r.ToString().ToLowerInvariant())) + span;
    }

    /// <summary>
    /// LEAN files into series: a map file (equity/&lt;market&gt;/map_files) names the series a renamed
    /// ticker's day files belong to; each symbol is read at one resolution (the options', else minute
    /// when there is minute data, else its finest); day files outside the dates are skipped; what is
    /// left is one chain of files per (symbol, resolution, kind), in date order.
    /// </summary>
    private static (List<IReadOnlyList<LeanFileInfo>> Chains, List<LeanSeries> Series) PlanLean(
        List<LeanFileInfo> files, LeanReadOptions options, SkippedFiles skipped)
    {
        var maps = new Dictionary<string, IReadOnlyList<LeanMapFile>>(StringComparer.Ordinal);
        var resolved = new List<LeanFileInfo>(files.Count);
        foreach (var file in files)
        {
            if (file.Date is not { } date || LeanAuxiliary.MarketFolder(file.Path) is not { } market)
            {
                resolved.Add(file);
                continue;
            }
            if (!maps.TryGetValue(market, out var inMarket)) maps[market] = inMarket = LeanMapFile.InMarket(market);
            resolved.Add(file with { Series = LeanMapFile.SeriesOf(inMarket, file.Symbol, date) });
        }

        var chains = new List<IReadOnlyList<LeanFileInfo>>();
        var series = new List<LeanSeries>();
        foreach (var symbol in resolved.GroupBy(f => f.Series).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var present = symbol.Select(f => f.Resolution).Distinct().Order().ToList();
            var chosen = options.Resolution
                ?? (present.Contains(LeanResolution.Minute) ? LeanResolution.Minute
                    : symbol.Where(f => f.Kind == LeanDataKind.Trade).Select(f => f.Resolution).DefaultIfEmpty(present[0]).Min());
            var kept = new List<LeanFileInfo>();
            foreach (var file in symbol)
            {
                if (file.Resolution != chosen)
                    skipped.Add(file.Path, SkipReason.OtherResolution,
                        options.Resolution is null
                            ? $"{symbol.Key} is read at {Word(chosen)} resolution (the default: minute if present, else the finest); --resolution or engine.market-data.resolution picks another"
                            : $"{symbol.Key} is read at {Word(chosen)} resolution (as asked), not {Word(file.Resolution)}");
                else if (file.Date is { } date && !options.Includes(date))
                    skipped.Add(file.Path, SkipReason.OutsideDates, $"dated {date:yyyy-MM-dd}, outside the run's dates (--from/--to)");
                else kept.Add(file);
            }
            if (kept.Count == 0) continue;
            var kinds = new List<LeanDataKind>();
            foreach (var kind in new[] { LeanDataKind.Trade, LeanDataKind.Quote })
            {
                var chain = kept.Where(f => f.Kind == kind).OrderBy(f => f.Date).ThenBy(f => f.Path, StringComparer.Ordinal).ToList();
                if (chain.Count == 0) continue;
                chains.Add(chain);
                kinds.Add(kind);
            }
            series.Add(new LeanSeries(symbol.Key, chosen, kinds, present.Where(r => r != chosen).ToList()));
        }
        return (chains, series);
    }

    private static string Word(LeanResolution r) => r.ToString().ToLowerInvariant();

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

    private static IFeedSource FromFile(string file, SkippedFiles skipped, LeanReadOptions options)
    {
        if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            if (!LeanFileInfo.TryParse(file, out var info, out var problem)) throw new FeedFormatException(problem);
            if (info!.Date is { } date && !options.Includes(date))
                throw new FeedFormatException($"data file '{file}' is dated {date:yyyy-MM-dd}, outside the run's dates (--from/--to)");
            if (options.Resolution is { } asked && asked != info.Resolution)
                throw new FeedFormatException($"data file '{file}' holds {Word(info.Resolution)} data, not the {Word(asked)} resolution asked for");
            return new LeanFileSource(new[] { info }, skipped, options);
        }
        if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return new CsvFileSource(file);
        throw new FeedFormatException(
            $"data file '{file}' is neither a LEAN equity .zip nor a .csv with a trade or quote header");
    }
}

/// <summary>What a data path holds: the sources to read, and the files skipped with why (the scan's
/// now; the sources add the files they refuse as they read).</summary>
public sealed record DetectedFeed(IReadOnlyList<IFeedSource> Sources, SkippedFiles Skipped, IReadOnlyList<LeanSeries>? Series = null)
{
    /// <summary>One line per LEAN series: which resolution and kinds are read, and what else is there.</summary>
    public IEnumerable<string> Describe(LeanReadOptions options) => (Series ?? []).Select(s =>
        $"{s.Symbol}: {s.Resolution.ToString().ToLowerInvariant()} {string.Join(" and ", s.Kinds.Select(k => k == LeanDataKind.Trade ? "trades" : "quotes"))}"
        + (s.Kinds.Contains(LeanDataKind.Trade) && s.Kinds.Contains(LeanDataKind.Quote) ? " (bars from trades; quotes for fills only)" : "")
        + $", {options.Describe()}"
        + (s.AlsoPresent.Count > 0 ? $"; not read: {string.Join(", ", s.AlsoPresent.Select(r => r.ToString().ToLowerInvariant()))} (--resolution)" : ""));
}

/// <summary>A LEAN series as read: its symbol, the resolution chosen, the kinds read at it and the other resolutions present.</summary>
public sealed record LeanSeries(string Symbol, LeanResolution Resolution, IReadOnlyList<LeanDataKind> Kinds, IReadOnlyList<LeanResolution> AlsoPresent);

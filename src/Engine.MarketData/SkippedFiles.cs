namespace Engine.MarketData;

/// <summary>Why a file (or an archive entry) of a data folder was not read.</summary>
public enum SkipReason
{
    /// <summary>Neither a LEAN equity zip nor a CSV with a trade or quote header (readme, JSON, notes).</summary>
    NotMarketData,

    /// <summary>LEAN's factor_files/map_files: corporate-action tables, not prices.</summary>
    LeanAuxiliary,

    /// <summary>LEAN crypto/forex/other data: unscaled prices in a layout the equity parser must not read.</summary>
    NotEquity,

    /// <summary>A zip under equity/ whose path is not a LEAN equity file name.</summary>
    NotLeanLayout,

    /// <summary>The file could not be opened or read.</summary>
    Unreadable,

    /// <summary>Not a readable zip, no file entry, or a checksum (CRC-32) or length mismatch.</summary>
    CorruptArchive,

    /// <summary>The content does not match what the name claims (entry name, column layout).</summary>
    Misnamed,

    /// <summary>A further entry of a LEAN zip beside the one its name calls for.</summary>
    ExtraEntry,

    /// <summary>LEAN data of a symbol at another resolution than the one its series is read at.</summary>
    OtherResolution,

    /// <summary>A LEAN day file dated outside the run's --from/--to.</summary>
    OutsideDates,
}

public static class SkipReasonCodes
{
    /// <summary>Stable snake_case code for summaries and logs.</summary>
    public static string Code(this SkipReason reason) => reason switch
    {
        SkipReason.NotMarketData => "not_market_data",
        SkipReason.LeanAuxiliary => "lean_auxiliary",
        SkipReason.NotEquity => "not_equity",
        SkipReason.NotLeanLayout => "not_lean_layout",
        SkipReason.Unreadable => "unreadable",
        SkipReason.CorruptArchive => "corrupt_archive",
        SkipReason.Misnamed => "misnamed",
        SkipReason.ExtraEntry => "extra_entry",
        SkipReason.OtherResolution => "other_resolution",
        SkipReason.OutsideDates => "outside_dates",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Short words for a human summary line.</summary>
    public static string Label(this SkipReason reason) => reason switch
    {
        SkipReason.NotMarketData => "not market data",
        SkipReason.LeanAuxiliary => "LEAN factor/map file",
        SkipReason.NotEquity => "not equity",
        SkipReason.NotLeanLayout => "not LEAN layout",
        SkipReason.Unreadable => "unreadable",
        SkipReason.CorruptArchive => "corrupt archive",
        SkipReason.Misnamed => "misnamed",
        SkipReason.ExtraEntry => "extra archive entry",
        SkipReason.OtherResolution => "other resolution",
        SkipReason.OutsideDates => "outside the dates",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>A file not read, or an archive entry (path "archive.zip!entry"), and why.</summary>
public sealed record SkippedFile(string Path, SkipReason Reason, string Detail);

/// <summary>
/// Every file of a data path that is not read, with why: found by the folder scan (by name and
/// header) or by a source when it opens a file (archive checks, layout checks). Thread-safe; a file
/// reported again (a source read twice) is kept once, so the list depends on the data only.
/// </summary>
public sealed class SkippedFiles
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Path, SkipReason Reason), SkippedFile> _files = new();
    private readonly List<Action<SkippedFile>> _listeners = new();

    public void Add(SkippedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        Action<SkippedFile>[] listeners;
        lock (_gate)
        {
            if (!_files.TryAdd((file.Path, file.Reason), file)) return;
            listeners = _listeners.ToArray();
        }
        foreach (var listener in listeners) listener(file);
    }

    public void Add(string path, SkipReason reason, string detail) => Add(new SkippedFile(path, reason, detail));

    public int Count
    {
        get { lock (_gate) return _files.Count; }
    }

    /// <summary>Calls <paramref name="listener"/> for every file skipped so far (path order) and then for
    /// each one skipped later, as it is found.</summary>
    public void Subscribe(Action<SkippedFile> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        SkippedFile[] existing;
        lock (_gate)
        {
            existing = Ordered();
            _listeners.Add(listener);
        }
        foreach (var file in existing) listener(file);
    }

    /// <summary>The skipped files in ordinal path order (then reason), whatever order they were found in.</summary>
    public IReadOnlyList<SkippedFile> Snapshot()
    {
        lock (_gate) return Ordered();
    }

    /// <summary>Counts per reason, in enum order, non-zero only.</summary>
    public IReadOnlyList<(SkipReason Reason, int Count)> CountsByReason()
    {
        lock (_gate)
        {
            return _files.Values.GroupBy(f => f.Reason).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())).ToList();
        }
    }

    private SkippedFile[] Ordered() =>
        _files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ThenBy(f => f.Reason).ToArray();
}

/// <summary>
/// Logs skipped files, at most <c>perReason</c> of each reason, so a folder of thousands of junk files
/// keeps the log short; the rest are counted and <see cref="Flush"/> says how many were not listed.
/// </summary>
public sealed class SkippedFileLog(Action<string> log, int perReason = 5)
{
    private readonly Dictionary<SkipReason, int> _seen = new();
    private readonly Dictionary<SkipReason, int> _flushed = new();

    public void OnSkipped(SkippedFile file)
    {
        lock (_seen)
        {
            var n = _seen[file.Reason] = _seen.GetValueOrDefault(file.Reason) + 1;
            if (n > perReason) return;
        }
        log($"skipped {file.Path}: {file.Detail}");
    }

    /// <summary>Logs one line per reason with files not listed since the last flush.</summary>
    public void Flush()
    {
        var lines = new List<string>();
        lock (_seen)
        {
            foreach (var (reason, n) in _seen.OrderBy(kv => kv.Key))
            {
                var unlisted = n - perReason - _flushed.GetValueOrDefault(reason);
                if (unlisted <= 0) continue;
                _flushed[reason] = _flushed.GetValueOrDefault(reason) + unlisted;
                lines.Add($"... and {unlisted} more skipped as {reason.Label()}");
            }
        }
        foreach (var line in lines) log(line);
    }
}

using System.IO.Compression;
using Engine.Domain.MarketData;
using Engine.MarketData;

namespace Engine.MarketData.Tests;

/// <summary>A temp folder for hand-made data files, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "engine-md-" + Guid.NewGuid().ToString("N"));

    public string Write(string relative, string content)
    {
        var path = Prepare(relative);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A zip holding one CSV entry, as LEAN writes them: named as LEAN names it for the
    /// zip's path unless <paramref name="entryName"/> says otherwise.</summary>
    public string Zip(string relative, string csv, string? entryName = null) =>
        ZipEntries(relative, (entryName ?? LeanEntryName(relative), csv));

    /// <summary>A zip holding these entries, in this order.</summary>
    public string ZipEntries(string relative, params (string Name, string Content)[] entries)
    {
        var path = Prepare(relative);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            writer.Write(content);
        }
        return path;
    }

    /// <summary>The entry name LEAN uses for a zip at this path ("data.csv" outside the layout).</summary>
    public string LeanEntryName(string relative) =>
        LeanFileInfo.TryParse(Path.Combine(Root, relative), out var info, out _) ? info!.EntryName : "data.csv";

    public string Bytes(string relative, byte[] content)
    {
        var path = Prepare(relative);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Prepare(string relative)
    {
        var path = Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Runs the pure merge and keeps everything it reports.</summary>
public sealed class FeedRun
{
    public FeedRun(IReadOnlyList<IFeedSource> sources, IReadOnlySet<string>? universe = null)
    {
        Events = MarketDataFeed.Merge(sources, new MarketDataValidator(universe), Stats, Rejections.Add).ToList();
    }

    public FeedStatistics Stats { get; } = new();

    public List<DataRejection> Rejections { get; } = new();

    public List<SequencedEvent> Events { get; }

    public static FeedRun Of(params IFeedSource[] sources) => new(sources);
}

/// <summary>An in-memory source that counts how far it has been pulled.</summary>
public sealed class ListSource(string name, IReadOnlyList<FeedItem> items) : IFeedSource
{
    private readonly TaskCompletionSource _pulledPastLimit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _limit = int.MaxValue;
    private int _pulled;

    public string Name => name;

    public int Pulled => Volatile.Read(ref _pulled);

    /// <summary>
    /// Completes the moment more than <paramref name="limit"/> items have been pulled, so a test of
    /// backpressure fails as soon as the source is over-read instead of sampling <see cref="Pulled"/> later.
    /// </summary>
    public Task PulledPast(int limit)
    {
        Interlocked.Exchange(ref _limit, limit); // a full fence, so the check below cannot miss a concurrent pull
        if (Pulled > limit) _pulledPastLimit.TrySetResult();
        return _pulledPastLimit.Task;
    }

    public IEnumerable<FeedItem> Read()
    {
        foreach (var item in items)
        {
            if (Interlocked.Increment(ref _pulled) > Volatile.Read(ref _limit)) _pulledPastLimit.TrySetResult();
            yield return item;
        }
    }
}

using System.IO.Compression;
using Engine.Domain.MarketData;
using Engine.MarketData;

namespace Engine.MarketData.Tests;

/// <summary>Finds LEAN's sample data in place (it is never copied into the repo).</summary>
public static class LeanData
{
    public const string EnvVar = "ENGINE_LEAN_DATA";

    public static string? Root { get; } = Find();

    public static string MissingMessage =>
        $"LEAN sample data not found at shared/data/lean beside any parent of {AppContext.BaseDirectory}" +
        (Environment.GetEnvironmentVariable(EnvVar) is { Length: > 0 } env ? $" (nor at {EnvVar}='{env}')" : "") +
        $"; set {EnvVar}";

    public static string PathOf(params string[] parts) =>
        Path.Combine(Root ?? throw new InvalidOperationException(MissingMessage), Path.Combine(parts));

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable(EnvVar);
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var inside = Path.Combine(dir.FullName, "shared", "data", "lean");
            if (Directory.Exists(inside)) return inside;
            if (dir.Parent is { } parent)
            {
                var beside = Path.Combine(parent.FullName, "shared", "data", "lean");
                if (Directory.Exists(beside)) return beside;
            }
        }
        return null;
    }
}

/// <summary>A fact that needs LEAN's sample data: skipped with a message when it is missing,
/// except under CI (CI=true), where missing data must fail loudly instead of passing silently.</summary>
public sealed class LeanDataFactAttribute : FactAttribute
{
    public LeanDataFactAttribute()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (LeanData.Root is null && !ci) Skip = LeanData.MissingMessage;
    }
}

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

    /// <summary>A zip holding one CSV entry, as LEAN writes them.</summary>
    public string Zip(string relative, string csv, string entryName = "data.csv")
    {
        var path = Prepare(relative);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var writer = new StreamWriter(zip.CreateEntry(entryName).Open());
        writer.Write(csv);
        return path;
    }

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
    private int _pulled;

    public string Name => name;

    public int Pulled => Volatile.Read(ref _pulled);

    public IEnumerable<FeedItem> Read()
    {
        foreach (var item in items)
        {
            Interlocked.Increment(ref _pulled);
            yield return item;
        }
    }
}

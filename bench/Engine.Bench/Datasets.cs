using Engine.Host;
using Engine.TestSupport;

namespace Engine.Bench;

/// <summary>A feed the benchmark runs: the engine's options for it, and environment overrides its configuration needs.</summary>
internal sealed record Dataset(string Name, bool NeedsLean, Func<string, EngineOptions> Options, IReadOnlyDictionary<string, string> Environment);

internal static class Datasets
{
    public static string? LeanRoot => LeanData.Root;

    public static string LeanMissing => LeanData.MissingMessage;

    private static readonly Dictionary<string, string> None = new();

    public static readonly IReadOnlyList<Dataset> All =
    [
        new("synthetic", false, db => Options(db), None),
        new("synthetic-100", false, db => Options(db, symbols: Enumerable.Range(1, 100).Select(i => $"S{i:000}").ToArray()),
            new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" }),
        new("spy-minute", true, db => Options(db, data: LeanData.PathOf("equity", "usa", "minute", "spy")), None),
        new("spy-second", true, db => Options(db, data: LeanData.PathOf("equity", "usa", "second", "spy")), None),
        new("ibm-tick", true, db => Options(db, data: LeanData.PathOf("equity", "usa", "tick", "ibm")), None),
        new("minute-folder", true, db => Options(db, data: LeanData.PathOf("equity", "usa", "minute")), None),
    ];

    public static Dataset Named(string name) =>
        All.FirstOrDefault(d => d.Name == name) ?? throw new ArgumentException($"no data set '{name}'");

    public static EngineOptions Options(string db, string? data = null, string[]? symbols = null) =>
        new(data, symbols, null, null, db, null, Quiet: true);

    /// <summary>A fresh database path in its own temporary folder.</summary>
    public static string TempDb() => Path.Combine(Path.GetTempPath(), "engine-bench", Guid.NewGuid().ToString("N"), "bench.db");
}

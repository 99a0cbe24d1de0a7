namespace Engine.TestSupport;

/// <summary>
/// Locates the LEAN sample data, which is read in place and never copied into the repository:
/// ENGINE_LEAN_DATA if it names an existing folder, else shared/data/lean inside or beside any
/// folder above the running binary (so ../shared/data/lean beside the repository is found).
/// Plain .NET only, no test framework, so a benchmark console app can link this file too.
/// </summary>
public static class LeanData
{
    public const string EnvVar = "ENGINE_LEAN_DATA";

    /// <summary>The data folder (full path), or null when it is nowhere to be found.</summary>
    public static string? Root { get; } = Find();

    /// <summary>Why <see cref="Root"/> is null and how to fix it; names a set-but-missing ENGINE_LEAN_DATA.</summary>
    public static string MissingMessage =>
        $"LEAN sample data not found: no shared/data/lean inside or beside any folder above {AppContext.BaseDirectory}" +
        " (expected ../shared/data/lean beside the repository)" +
        (Environment.GetEnvironmentVariable(EnvVar) is { Length: > 0 } env ? $", and {EnvVar}='{env}' is not a folder" : "") +
        $"; set {EnvVar} to its path";

    /// <summary>A path under the data root; throws with <see cref="MissingMessage"/> when there is no root.</summary>
    public static string PathOf(params string[] parts) =>
        Path.Combine(Root ?? throw new InvalidOperationException(MissingMessage), Path.Combine(parts));

    private static string? Find()
    {
        // An explicit setting wins when it exists; a stale one falls back to the search (and is named in the message).
        if (Environment.GetEnvironmentVariable(EnvVar) is { Length: > 0 } env && Directory.Exists(env))
            return Path.GetFullPath(env);
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

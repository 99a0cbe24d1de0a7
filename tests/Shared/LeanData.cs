namespace Engine.TestSupport;

/// <summary>
/// Locates the LEAN sample data (../shared/data/lean beside the repository, or ENGINE_LEAN_DATA).
/// It is read in place, never copied into the repository.
/// </summary>
public static class LeanData
{
    public static string? Root { get; } = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("ENGINE_LEAN_DATA") is { Length: > 0 } env && Directory.Exists(env))
            return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "data", "lean"), Path.Combine(dir.FullName, "..", "shared", "data", "lean") })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }
}

/// <summary>
/// A fact that needs the LEAN sample data: on a user's machine without it, the test is skipped and
/// says why; under CI (CI=true) it never skips, so a missing folder fails loudly instead.
/// </summary>
public sealed class LeanDataFactAttribute : FactAttribute
{
    public LeanDataFactAttribute()
    {
        if (LeanData.Root is null && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "LEAN sample data not found (expected ../shared/data/lean beside the repository); set ENGINE_LEAN_DATA to its path";
    }
}

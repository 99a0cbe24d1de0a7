using Xunit;

namespace Engine.TestSupport;

/// <summary>
/// A fact that needs the LEAN sample data: on a machine without it the test is skipped and says
/// why; under CI (CI=true, any case) it never skips, so a missing folder fails loudly instead of
/// passing silently.
/// </summary>
public sealed class LeanDataFactAttribute : FactAttribute
{
    public LeanDataFactAttribute()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (LeanData.Root is null && !ci) Skip = LeanData.MissingMessage;
    }
}

/// <summary>A theory that needs the LEAN sample data; skipped (with the reason) or failing exactly as <see cref="LeanDataFactAttribute"/>.</summary>
public sealed class LeanDataTheoryAttribute : TheoryAttribute
{
    public LeanDataTheoryAttribute()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (LeanData.Root is null && !ci) Skip = LeanData.MissingMessage;
    }
}

namespace Engine.Actors.Settings;

/// <summary>The known setting nearest a misspelled one, for "did you mean" in an error.</summary>
public static class SettingNames
{
    /// <summary>
    /// The known name closest by edit distance, if it is close enough to be the likely intent
    /// (a fifth of the name, at least 2 edits); otherwise a known path ending in the same last
    /// segment (the right key in the wrong block); otherwise null.
    /// </summary>
    public static string? Nearest(string unknown, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        string? sameLeaf = null;
        var sameLeafDistance = int.MaxValue;
        var leaf = LastSegment(unknown);
        foreach (var candidate in known)
        {
            var d = Distance(unknown, candidate);
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0)) (best, bestDistance) = (candidate, d);
            if (LastSegment(candidate) == leaf && d < sameLeafDistance) (sameLeaf, sameLeafDistance) = (candidate, d);
        }
        if (best is not null && bestDistance <= Math.Max(2, unknown.Length / 5)) return best;
        return sameLeaf;
    }

    /// <summary>"; did you mean x?" or nothing.</summary>
    public static string DidYouMean(string unknown, IEnumerable<string> known) =>
        Nearest(unknown, known) is { } s ? $"; did you mean {s}?" : "";

    private static string LastSegment(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

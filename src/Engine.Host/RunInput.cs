using System.Globalization;
using System.Security.Cryptography;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Engine.Host;

/// <summary>
/// What a run's fills depend on, as key/value lines: every data file (its path under --data, size and
/// SHA-256) or the synthetic feed's settings, and every engine setting that can change a decision.
/// Settings that only change how fast or how safely the same decisions are made (batching, in-flight
/// limits, journal timing, timeouts, checkpoints) are left out, so tuning them never refuses a journal.
/// </summary>
public static class RunInput
{
    private static readonly string[] Operational =
    [
        "engine.hot-path-dispatcher", "engine.persistence", "engine.checkpoint-every", "engine.ask-timeout",
        "engine.kill-switch.ack-timeout", "engine.feed.batch-size", "engine.feed.read-ahead",
        "engine.feed.max-in-flight", "engine.feed.max-unjournaled", "engine.admin", "engine.http", "engine.backtest",
    ];

    public static SortedDictionary<string, string> Of(EngineOptions options, Config config)
    {
        var input = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (options.DataPath is { } path)
        {
            input["source"] = "data";
            foreach (var (relative, full) in DataFiles(path))
                input["data:" + relative] = Describe(full);
        }
        else input["source"] = "synthetic";
        Flatten("engine", config.GetConfig("engine").Root, input, skipSynthetic: options.DataPath is not null);
        return input;
    }

    /// <summary>One hex SHA-256 of the input lines: two nodes agree on a run's input when their digests do.</summary>
    public static string Digest(IReadOnlyDictionary<string, string> input)
    {
        var text = string.Concat(input.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}\n"));
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static IEnumerable<(string Relative, string Full)> DataFiles(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return [(Path.GetFileName(full), full)];
        // As the feed's detector enumerates them: a folder that cannot be read is passed over.
        return Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Select(f => (Path.GetRelativePath(full, f).Replace('\\', '/'), f))
            .OrderBy(f => f.Item1, StringComparer.Ordinal);
    }

    private static string Describe(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            return string.Create(CultureInfo.InvariantCulture, $"{stream.Length} bytes, sha256 {hash}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The feed reports it as skipped; here it is part of the input as it stands.
            return $"unreadable ({ex.Message})";
        }
    }

    private static void Flatten(string path, HoconValue value, IDictionary<string, string> into, bool skipSynthetic)
    {
        if (Operational.Any(p => path == p || path.StartsWith(p + ".", StringComparison.Ordinal))) return;
        if (skipSynthetic && (path == "engine.synthetic" || path.StartsWith("engine.synthetic.", StringComparison.Ordinal))) return;
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
                Flatten(path + "." + key, child, into, skipSynthetic);
            return;
        }
        into[path] = Render(value);
    }

    private static string Render(HoconValue value)
    {
        if (value.IsObject())
            return "{" + string.Join(", ", value.GetObject().Items.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} = {Render(kv.Value)}")) + "}";
        if (value.IsArray())
            return "[" + string.Join(", ", value.GetArray().Select(Render)) + "]";
        return value.GetString() ?? "null";
    }
}

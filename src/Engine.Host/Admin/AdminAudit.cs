using System.Text.Json;

namespace Engine.Host.Admin;

/// <summary>
/// The admin audit trail: one JSON line per mutating command (who, from where, when, what, the
/// result), appended and flushed before the answer is sent, refused ones included. Trading-state
/// changes are audited a second time, in the kill switch's journal, with the same operator.
/// </summary>
public sealed class AdminAudit(string path)
{
    private readonly object _gate = new();

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public sealed record Entry(DateTime Time, string User, string From, string Node, string Command, int Exit, string Result);

    public void Write(Entry entry)
    {
        var line = JsonSerializer.Serialize(entry, Engine.Admin.AdminProtocol.Json) + "\n";
        lock (_gate)
        {
            if (System.IO.Path.GetDirectoryName(Path) is { } dir) Directory.CreateDirectory(dir);
            using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = System.Text.Encoding.UTF8.GetBytes(line);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
    }
}

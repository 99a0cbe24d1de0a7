using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Admin;

/// <summary>
/// The admin protocol (docs/admin-protocol.md): newline-delimited JSON over TCP. The host speaks
/// first, a <see cref="Hello"/> with the palettes it serves; then each <see cref="Request"/> is
/// answered by output frames and one end frame with the same id.
/// </summary>
public static class AdminProtocol
{
    public const int DefaultPort = 9110;

    /// <summary>Protocol revision, in the hello: a client refuses a host that speaks another.</summary>
    public const int Version = 1;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static string Encode<T>(T frame) => JsonSerializer.Serialize(frame, Json);

    public static T? Decode<T>(string line) => JsonSerializer.Deserialize<T>(line, Json);
}

/// <summary>
/// The host's first frame: who it is and the palettes (command groups) it serves. Streaming: it
/// serves commands that send frames until cancelled (cluster tail) and honours cancel frames.
/// </summary>
public sealed record Hello(int Protocol, string Node, bool TokenRequired, IReadOnlyList<PaletteSpec> Palettes, bool Streaming = false);

public sealed record PaletteSpec(string Name, string Description, IReadOnlyList<CommandSpec> Commands);

/// <summary>
/// One command of a palette: "kill-switch engage" is palette kill-switch, command engage. A
/// streaming command sends frames until it ends by itself or the client cancels it.
/// </summary>
public sealed record CommandSpec(string Name, string Description, bool Mutating, IReadOnlyList<SwitchSpec> Switches, IReadOnlyList<string>? Arguments = null, bool Streaming = false);

/// <summary>A switch: --name, or -s short; a flag takes no value.</summary>
public sealed record SwitchSpec(string Name, string? Short, string Description, bool Flag = false, bool Required = false);

/// <summary>
/// A command line sent to the host, split into words; the token for mutating commands. With
/// Cancel (<c>{"id":N,"cancel":true}</c>, no args) it asks the host to stop streaming command N,
/// which then sends its end frame as usual.
/// </summary>
public sealed record Request(long Id, IReadOnlyList<string>? Args, string? Token = null, string? User = null, bool? Cancel = null)
{
    public static Request CancelOf(long id) => new(id, null, Cancel: true);
}

/// <summary>
/// What the host answers a request with: "line" (text), "table" (columns and rows, aligned by the
/// client), "json" (the whole answer of a --json read), then one "end" with the exit code and, on
/// error, one line saying what is wrong.
/// </summary>
public sealed record Frame(long Id, string Kind, string? Text = null, IReadOnlyList<string>? Columns = null,
    IReadOnlyList<IReadOnlyList<string>>? Rows = null, JsonElement? Json = null, int? Exit = null, string? Error = null)
{
    public static Frame Line(long id, string text) => new(id, "line", Text: text);

    public static Frame Table(long id, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows) => new(id, "table", Columns: columns, Rows: rows);

    public static Frame Data(long id, JsonElement json) => new(id, "json", Json: json);

    public static Frame End(long id, int exit, string? error = null) => new(id, "end", Exit: exit, Error: error);
}

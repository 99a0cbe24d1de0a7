using System.Runtime.InteropServices;
using Engine.Admin;
using Engine.Cli;
using Spectre.Console;

// engine-cli [--token T] <host:port> [command ...]: pbm's shape. With a command it runs it and exits
// with its code; without one it opens a prompt.
const string usage = "usage: engine-cli [--token TOKEN] <host:port> [command ...]   (no command: an interactive prompt; 'help' there lists the commands)";
var rest = new List<string>(args);
string? token = Environment.GetEnvironmentVariable("ENGINE_ADMIN_TOKEN") is { Length: > 0 } t ? t : null;
string? address = null;
while (rest.Count > 0)
{
    if (rest[0] is "--help" or "-h")
    {
        Console.Out.WriteLine(usage);
        return 0;
    }
    if (rest[0] == "--token")
    {
        if (rest.Count < 2) return Fail(2, "--token needs a value");
        token = rest[1];
        rest.RemoveRange(0, 2);
        continue;
    }
    if (address is not null || rest[0].StartsWith('-')) break;
    address = rest[0];
    rest.RemoveAt(0);
}
if (address is null) return Fail(2, "no engine address: " + usage);
if (!TryParseAddress(address, out var host, out var port)) return Fail(2, $"'{address}' is not host:port (e.g. 127.0.0.1:{AdminProtocol.DefaultPort})");

var console = AnsiConsole.Create(new AnsiConsoleSettings
{
    Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
    Out = new AnsiConsoleOutput(Console.Out),
});
// Piped output is read by scripts and tests: no wrapping at 80 columns.
if (Console.IsOutputRedirected) console.Profile.Width = 400;

// Ctrl+C (SIGINT) or SIGTERM while a streaming command runs ends that command: the host is asked
// to cancel it and its end frame awaited, then the CLI exits 0 or returns to the prompt. Otherwise
// (no stream, or a second signal) the signal ends the CLI as usual.
CancellationTokenSource? streaming = null;
void OnSignal(PosixSignalContext context)
{
    var current = Volatile.Read(ref streaming);
    if (current is null || current.IsCancellationRequested) return;
    context.Cancel = true;
    try { current.Cancel(); }
    catch (ObjectDisposedException) { } // the stream ended meanwhile
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    using var client = await AdminClient.ConnectAsync(host, port, TimeSpan.FromSeconds(5));
    if (rest.Count > 0) return await RunOne(client, rest);
    return await Interactive(client, address);
}
catch (CliException ex)
{
    return Fail(ex.ExitCode, ex.Message);
}

async Task<int> RunOne(AdminClient client, IReadOnlyList<string> words)
{
    ParsedCommand parsed;
    try
    {
        parsed = CommandParser.Parse(client.Hello.Palettes, words); // the same words the host would refuse, refused before sending
    }
    catch (CommandException ex)
    {
        return Fail(2, ex.Message);
    }
    Frame end;
    if (parsed.Command.Streaming && client.Hello.Streaming)
    {
        using var stop = new CancellationTokenSource();
        Volatile.Write(ref streaming, stop);
        try
        {
            end = await client.RunAsync(words, token, Render, stop.Token);
        }
        finally
        {
            Volatile.Write(ref streaming, null);
        }
    }
    else
    {
        end = await client.RunAsync(words, token, Render, CancellationToken.None);
    }
    if (end.Error is { } error) Console.Error.WriteLine($"error: {error}");
    return end.Exit ?? 1;
}

Task Render(Frame frame)
{
    switch (frame.Kind)
    {
        case "line":
            console.WriteLine(frame.Text ?? "");
            break;
        case "json":
            Console.Out.WriteLine(frame.Json?.GetRawText() ?? "null");
            break;
        case "table":
            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in frame.Columns ?? []) table.AddColumn(new TableColumn(Markup.Escape(column)).NoWrap());
            foreach (var row in frame.Rows ?? []) table.AddRow(row.Select(cell => new Text(cell)).ToArray());
            console.Write(table);
            break;
    }
    return Task.CompletedTask;
}

async Task<int> Interactive(AdminClient client, string at)
{
    var prompt = $"[{at}] engine> ";
    var editor = new LineEditor(client.Hello.Palettes);
    var failed = 0; // a script piped in fails if any of its commands did: the first failure's code
    console.WriteLine($"connected to {client.Hello.Node}; 'help' lists the commands, 'exit' leaves.");
    while (true)
    {
        var line = editor.ReadLine(prompt);
        if (line is null) return failed; // end of input
        IReadOnlyList<string> words;
        try
        {
            words = CommandParser.Split(line);
        }
        catch (CommandException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            if (failed == 0) failed = 2;
            continue;
        }
        if (words.Count == 0) continue;
        switch (words[0])
        {
            case "exit" or "quit":
                return failed;
            case "help":
                Help(client.Hello, words.Skip(1).FirstOrDefault());
                continue;
            case "history":
                var n = 0;
                foreach (var h in editor.History) console.WriteLine($"{++n,4}  {h}");
                continue;
        }
        if (await RunOne(client, words) is var code and not 0 && failed == 0) failed = code;
    }
}

void Help(Hello hello, string? palette)
{
    foreach (var p in hello.Palettes.Where(p => palette is null || p.Name == palette))
    {
        console.WriteLine($"{p.Name}: {p.Description}");
        foreach (var c in p.Commands)
        {
            var switches = string.Join(" ", c.Switches.Select(s => (s.Short is { } sh ? $"-{sh}|--{s.Name}" : $"--{s.Name}") + (s.Flag ? "" : $" <{s.Name}>")).Select((s, i) => c.Switches[i].Required ? s : $"[{s}]"));
            var arguments = string.Join(" ", (c.Arguments ?? []).Select(a => $"<{a}>"));
            console.WriteLine($"  {CommandParser.NameOf(p, c)} {arguments} {switches}".TrimEnd());
            console.WriteLine($"      {c.Description}{(c.Mutating ? " (changes the engine: audited)" : "")}{(c.Streaming ? " (streams: Ctrl+C ends it)" : "")}");
        }
    }
    if (palette is null) console.WriteLine("help <palette>, history, exit");
}

static bool TryParseAddress(string text, out string host, out int port)
{
    host = "";
    port = 0;
    var colon = text.LastIndexOf(':');
    if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out port) || port is <= 0 or > 65535) return false;
    host = text[..colon].Trim('[', ']');
    return true;
}

static int Fail(int code, string message)
{
    Console.Error.WriteLine($"error: {message}");
    return code;
}

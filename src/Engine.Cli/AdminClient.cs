using System.Net.Sockets;
using System.Text;
using Engine.Admin;

namespace Engine.Cli;

/// <summary>One connection to an engine's admin host: the hello it sent, then requests and their frames.</summary>
public sealed class AdminClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _nextId;

    private AdminClient(TcpClient tcp, Hello hello)
    {
        _tcp = tcp;
        var stream = tcp.GetStream();
        _reader = new StreamReader(stream, new UTF8Encoding(false));
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        Hello = hello;
    }

    public Hello Hello { get; private set; }

    /// <exception cref="CliException">The host cannot be reached, or does not speak the admin protocol.</exception>
    public static async Task<AdminClient> ConnectAsync(string host, int port, TimeSpan timeout)
    {
        var tcp = new TcpClient();
        try
        {
            using var limit = new CancellationTokenSource(timeout);
            await tcp.ConnectAsync(host, port, limit.Token);
            var client = new AdminClient(tcp, null!);
            var first = await client._reader.ReadLineAsync(limit.Token)
                ?? throw new CliException(1, $"{host}:{port} closed the connection before saying hello: not an engine's admin port?");
            Hello? hello;
            try { hello = AdminProtocol.Decode<Hello>(first); }
            catch (System.Text.Json.JsonException) { hello = null; }
            if (hello is null || hello.Palettes is null)
                throw new CliException(1, $"{host}:{port} does not speak the engine's admin protocol");
            if (hello.Protocol != AdminProtocol.Version)
                throw new CliException(1, $"{host}:{port} speaks admin protocol {hello.Protocol}; this engine-cli speaks {AdminProtocol.Version}");
            client.Hello = hello;
            return client;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            tcp.Dispose();
            var why = ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : ex.Message;
            throw new CliException(1, $"cannot reach an engine at {host}:{port}: {why}");
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends the command and hands every frame to render; returns the end frame. When stop fires (a
    /// streaming command the operator ends), it sends the cancel frame and still reads to the end
    /// frame, so that the host has stopped the command before the CLI moves on.
    /// </summary>
    public async Task<Frame> RunAsync(IReadOnlyList<string> args, string? token, Func<Frame, Task> render, CancellationToken stop)
    {
        var id = ++_nextId;
        await WriteAsync(new Request(id, args, token, Environment.UserName));
        using var cancelling = stop.Register(() => _ = CancelAsync(id));
        while (true)
        {
            var line = await _reader.ReadLineAsync()
                ?? throw new CliException(1, "the engine closed the connection before the command ended (it stopped?)");
            var frame = AdminProtocol.Decode<Frame>(line) ?? throw new CliException(1, "the engine sent an empty frame");
            if (frame.Id != id) continue;
            if (frame.Kind == "end") return frame;
            await render(frame);
        }
    }

    private async Task CancelAsync(long id)
    {
        try
        {
            await WriteAsync(Request.CancelOf(id));
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // the connection is gone: reading the end frame reports it
        }
    }

    private async Task WriteAsync(Request request)
    {
        await _writing.WaitAsync();
        try { await _writer.WriteLineAsync(AdminProtocol.Encode(request)); }
        finally { _writing.Release(); }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
        _tcp.Dispose();
    }
}

/// <summary>A failure the CLI reports in one line and exits with.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

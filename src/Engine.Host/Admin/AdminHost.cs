using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Engine.Actors.Settings;
using Engine.Admin;
using Microsoft.Extensions.Hosting;

namespace Engine.Host.Admin;

/// <summary>A group of admin commands; registering one with the host is all a new palette takes.</summary>
public interface IAdminPalette
{
    PaletteSpec Spec { get; }

    /// <param name="cancellation">For a streaming command (<see cref="CommandSpec.Streaming"/>): the client
    /// cancelled it or went away; it stops and returns as if done.</param>
    /// <returns>The exit code the client exits with (0 done).</returns>
    /// <exception cref="CommandException">The command cannot run as written; nothing was changed.</exception>
    Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation);
}

/// <summary>What a command answers with, as frames of its request.</summary>
public sealed class AdminReply(long id, Func<Frame, Task> send, string operatorName)
{
    /// <summary>Who asked, as the audit trails name them: the client's user at its address.</summary>
    public string Operator { get; } = operatorName;

    public Task Line(string text) => send(Frame.Line(id, text));

    public Task Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) => send(Frame.Table(id, columns, rows.ToArray()));

    public Task Json<T>(T value) => send(Frame.Data(id, JsonSerializer.SerializeToElement(value, AdminProtocol.Json)));
}

/// <summary>
/// The admin command host (pbm's port, 9110): every engine process serves it. Protocol in
/// docs/admin-protocol.md. One command at a time per connection; connections are independent.
/// </summary>
public sealed class AdminHost(AdminSettings settings, ActorSystem system, Func<IReadOnlyList<IAdminPalette>> palettes, TextWriter log) : IHostedService
{
    private IReadOnlyList<IAdminPalette> _palettes = [];
    private readonly AdminAudit _audit = new(settings.AuditFile);
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task? _accepting;

    /// <summary>Where it listens once started (the port chosen when the setting is 0).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled) return Task.CompletedTask;
        _palettes = palettes();
        var listener = new TcpListener(settings.Address, settings.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new EngineConfigException("engine.admin.port",
                $"{settings.Address}:{settings.Port} cannot be opened ({ex.Message}): another engine on this machine? " +
                "Set ENGINE_ADMIN_PORT (0 picks a free port) or engine.admin.enabled = off");
        }
        _listener = listener;
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        var shown = IPAddress.Any.Equals(Endpoint.Address) ? IPAddress.Loopback : Endpoint.Address;
        log.WriteLine($"admin: engine-cli {shown}:{Endpoint.Port}{(settings.Token is null ? " (loopback, no token)" : " (token required for changes)")}");
        _accepting = AcceptAsync(listener);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _listener?.Stop();
        if (_accepting is { } accepting) await accepting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        var connections = new List<Task>();
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(_stopping.Token);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopping
        }
        await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private Hello HelloFrame() => new(AdminProtocol.Version, NodeName(), settings.Token is not null, _palettes.Select(p => p.Spec).ToArray(), Streaming: true);

    private string NodeName() => system is ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider }
        ? Cluster.Get(system).SelfAddress.ToString()
        : system.Name;

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var from = (client.Client.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "?";
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        // The client will send nothing more (it closed its side or went away): a stream nobody can
        // cancel any more is stopped, while a change it asked for still ends.
        using var inputEnded = new CancellationTokenSource();
        var commands = new Dictionary<long, CancellationTokenSource>();
        var previous = Task.CompletedTask;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, new UTF8Encoding(false));
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            var gate = new SemaphoreSlim(1, 1);
            async Task Send(string line)
            {
                await gate.WaitAsync(connection.Token);
                try { await writer.WriteLineAsync(line.AsMemory(), connection.Token); }
                finally { gate.Release(); }
            }
            try
            {
                await Send(AdminProtocol.Encode(HelloFrame()));
                // Requests are read while a command runs, so that a cancel frame reaches a streaming
                // one; the commands themselves still run one at a time, in the order they came.
                while (await reader.ReadLineAsync(connection.Token) is { } line)
                {
                    if (line.Length == 0) continue;
                    Request? request;
                    try
                    {
                        request = AdminProtocol.Decode<Request>(line);
                    }
                    catch (JsonException ex)
                    {
                        await Send(AdminProtocol.Encode(Frame.End(0, 2, $"not a request: {ex.Message}")));
                        continue;
                    }
                    if (request is null) continue;
                    if (request.Cancel == true)
                    {
                        // A cancel for a command that already ended is late, not wrong: nothing to do.
                        lock (commands)
                            if (commands.TryGetValue(request.Id, out var running)) running.Cancel();
                        continue;
                    }
                    if (request.Args is null) continue;
                    var cancel = new CancellationTokenSource();
                    lock (commands) commands[request.Id] = cancel;
                    var prior = previous;
                    previous = Task.Run(async () =>
                    {
                        try
                        {
                            await prior.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                            await HandleAsync(request, from, frame => Send(AdminProtocol.Encode(frame)), connection.Token, cancel.Token, inputEnded.Token);
                        }
                        finally
                        {
                            // A client that reused an id has a newer command under it: that one stays cancellable.
                            lock (commands)
                                if (commands.TryGetValue(request.Id, out var registered) && registered == cancel) commands.Remove(request.Id);
                            cancel.Dispose();
                        }
                    });
                }
            }
            finally
            {
                inputEnded.Cancel();
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // the client went away, or the engine is stopping
        }
    }

    /// <param name="cancelled">The client's cancel frame for this request: honoured by streaming commands only, so a change is never cut off half done.</param>
    /// <param name="inputEnded">The client will send nothing more, cancels included: a streaming command ends.</param>
    private async Task HandleAsync(Request request, string from, Func<Frame, Task> send, CancellationToken cancellation,
        CancellationToken cancelled, CancellationToken inputEnded)
    {
        var args = request.Args ?? [];
        var user = string.IsNullOrWhiteSpace(request.User) ? "unknown" : request.User.Trim();
        var who = $"{user}@{from}";
        var text = string.Join(" ", args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        ParsedCommand command;
        try
        {
            command = CommandParser.Parse(_palettes.Select(p => p.Spec).ToArray(), args);
        }
        catch (CommandException ex)
        {
            await send(Frame.End(request.Id, 2, ex.Message));
            return;
        }
        if (command.Command.Mutating && settings.Token is { } token && !TokenMatches(token, request.Token))
        {
            var why = request.Token is null ? "this command changes the engine and needs the admin token (--token or ENGINE_ADMIN_TOKEN)" : "wrong admin token";
            Audit(user, from, command, text, 3, "refused: " + why);
            await send(Frame.End(request.Id, 3, why + "; nothing was changed"));
            return;
        }
        var palette = _palettes.First(p => p.Spec == command.Palette);
        int exit;
        string? error = null;
        using var stream = command.Command.Streaming ? CancellationTokenSource.CreateLinkedTokenSource(cancellation, cancelled, inputEnded) : null;
        try
        {
            exit = await palette.RunAsync(command, new AdminReply(request.Id, send, who), stream?.Token ?? cancellation);
        }
        catch (CommandException ex)
        {
            (exit, error) = (2, ex.Message);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            (exit, error) = (1, $"no answer in time: {ex.Message}");
        }
        if (command.Command.Mutating) Audit(user, from, command, text, exit, error ?? "done");
        await send(Frame.End(request.Id, exit, error));
    }

    private void Audit(string user, string from, ParsedCommand command, string text, int exit, string result)
    {
        try
        {
            _audit.Write(new AdminAudit.Entry(DateTime.UtcNow, user, from, NodeName(), text, exit, result));
        }
        catch (IOException ex)
        {
            log.WriteLine($"error: admin audit file {_audit.Path}: {ex.Message} ({command.FullName} by {user}@{from}: {result})");
        }
    }

    private static bool TokenMatches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
}

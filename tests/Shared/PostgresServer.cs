using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Engine.TestSupport;

/// <summary>
/// A real PostgreSQL server for the tests: the Debian postgresql-15 binaries (initdb, pg_ctl) run a
/// fresh cluster in a temp directory on a free loopback port, removed afterwards. PostgreSQL
/// refuses to run as root, so as root the server runs as the package's `postgres` user. Missing
/// binaries fail the tests with what to install: .ci/run installs the package, so CI never skips.
/// fsync is off: the tests prove behaviour, not the disk.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _dir;
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private int _databases;

    public PostgresServer()
    {
        _bin = FindBinaries();
        _asPostgresUser = Environment.UserName == "root";
        _dir = Path.Combine(Path.GetTempPath(), "engine-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        if (_asPostgresUser) Run("chown", "postgres", _dir);
        Port = FreePort();
        Pg("initdb", "-D", DataDir, "-U", "engine", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        Start();
    }

    public int Port { get; }

    private string DataDir => Path.Combine(_dir, "data");

    /// <summary>
    /// A connection string to a new, empty database of this server; unpooled unless asked (each
    /// engine operation then opens its own session, which fault tests rely on; a production string,
    /// and the benchmarks, pool).
    /// </summary>
    public string NewDatabase(bool pooling = false)
    {
        var name = $"engine_{Interlocked.Increment(ref _databases)}";
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {name};";
        command.ExecuteNonQuery();
        return ConnectionString(name, pooling);
    }

    public string ConnectionString(string database, bool pooling = false) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "engine", Database = database, Pooling = pooling }.ToString();

    public void Start() =>
        Pg("pg_ctl", "-D", DataDir, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -h 127.0.0.1 -k {_dir} -F -c max_connections=200", "start");

    /// <summary>Stops the server at once, as a crash or a lost database host would (for fault tests).</summary>
    public void Stop() => Pg("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "stop");

    public void Dispose()
    {
        try { Stop(); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private void Pg(string tool, params string[] args)
    {
        var exe = Path.Combine(_bin, tool);
        if (_asPostgresUser) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }

    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("ENGINE_PG_BIN") is { Length: > 0 } bin && File.Exists(Path.Combine(bin, "pg_ctl"))) return bin;
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null) return newest;
        }
        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or ENGINE_PG_BIN: " +
            "install the Debian package postgresql-15 (apt-get install postgresql-15; .ci/run does this)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Globalization;
using Akka.Configuration;
using Engine.Actors.Persistence;
using Npgsql;

namespace Engine.Host;

/// <summary>
/// A PostgreSQL journal, held by one engine for one run: a lease, not a lock file. The lease is a
/// session-level advisory lock taken on a connection this hold keeps open, so PostgreSQL itself
/// releases it when the holder's session ends (its process killed, its host gone: the server drops
/// the connection, with TCP keepalives for a silent host), and a crashed holder never locks the
/// journal for good. The holder writes a note (process, host, start) that a refused engine names.
/// The journal's input is recorded and compared as for SQLite (<see cref="JournalInput"/>). A
/// refused run writes nothing.
/// </summary>
public sealed class PostgresJournalHold : IJournalHold
{
    /// <summary>The advisory lock's key: "engine" in ASCII. One journal per database.</summary>
    private const long LeaseKey = 0x656E67696E65;

    private const string HolderTable = "engine_holder";

    private readonly NpgsqlConnection _session;
    private readonly string _name;

    private PostgresJournalHold(NpgsqlConnection session, string name)
    {
        _session = session;
        _name = name;
    }

    /// <summary>
    /// Null while this session still holds the lease. A lease lost mid-run (the session ended by a
    /// server restart, pg_terminate_backend or the network) means another engine may take the
    /// journal, so the run must stop: this says why.
    /// </summary>
    public string? Lost()
    {
        try
        {
            using var command = _session.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted);";
            return command.ExecuteScalar() is true ? null : $"{_name}: this engine's lease on it is gone";
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            return $"{_name}: the session holding this engine's lease ended ({ex.Message}); another engine could take the journal";
        }
    }

    public static PostgresJournalHold Acquire(string connectionString, IReadOnlyDictionary<string, string>? input, bool continueAnyway, TextWriter log)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            // Not pooled: closing this connection must end the session that holds the lease.
            // Server-side keepalives too: they are what lets the server end the session (and the
            // lease) of a holder whose host vanished without closing the connection.
            builder = new NpgsqlConnectionStringBuilder(connectionString)
            {
                Pooling = false,
                KeepAlive = 10,
                ApplicationName = "engine-journal-lease",
                Options = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
            };
            if (builder.Timeout > 5) builder.Timeout = 5;
        }
        catch (ArgumentException ex)
        {
            throw new JournalRefusedException($"ENGINE_DB_CONNECTION is not a PostgreSQL connection string: {ex.Message}");
        }
        var name = $"the PostgreSQL journal {builder.Host}:{builder.Port}/{builder.Database}";
        var session = new NpgsqlConnection(builder.ToString());
        try
        {
            try { session.Open(); }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException)
            {
                throw new JournalRefusedException($"{name} cannot be reached: {ex.Message}");
            }
            if (!TryLease(session))
                throw new JournalInUseException($"{name} is in use by another engine ({Holder(session)}); one engine per journal");
            // The input first: a run refused for other input leaves the holder's note as it was.
            if (input is not null) JournalInput.Check(session, name, input, continueAnyway, log);
            JournalInput.Execute(session, $"CREATE TABLE IF NOT EXISTS {HolderTable} (id INT PRIMARY KEY, holder TEXT NOT NULL);");
            using (var note = session.CreateCommand())
            {
                note.CommandText = $"INSERT INTO {HolderTable} (id, holder) VALUES (1, @holder) ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder;";
                note.Parameters.AddWithValue("holder", JournalHold.HolderNote());
                note.ExecuteNonQuery();
            }
            return new PostgresJournalHold(session, name);
        }
        catch (PostgresException ex)
        {
            session.Dispose();
            throw new JournalRefusedException($"{name} cannot be used as a journal: {ex.MessageText}");
        }
        catch (NpgsqlException ex)
        {
            session.Dispose();
            throw new JournalRefusedException($"{name} failed while it was being opened: {ex.Message}");
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static bool TryLease(NpgsqlConnection session)
    {
        using var command = session.CreateCommand();
        command.CommandText = "SELECT pg_try_advisory_lock(@key);";
        command.Parameters.AddWithValue("key", LeaseKey);
        return (bool)command.ExecuteScalar()!;
    }

    private static string Holder(NpgsqlConnection session)
    {
        try
        {
            using var command = session.CreateCommand();
            command.CommandText = $"SELECT holder FROM {HolderTable} WHERE id = 1;";
            return command.ExecuteScalar() is string holder ? "held by " + holder : "its holder left no note";
        }
        catch (NpgsqlException)
        {
            return "its holder left no note";
        }
    }

    public void Dispose() => _session.Dispose(); // ends the session, and with it the lease
}

/// <summary>A journal held by this engine for one run.</summary>
public interface IJournalHold : IDisposable
{
    /// <summary>Null while the hold is intact; otherwise why the journal can no longer be trusted to this run.</summary>
    string? Lost();
}

/// <summary>The journal a configuration names, held for one run: SQLite's lock file or PostgreSQL's lease.</summary>
public static class Journals
{
    /// <param name="input">This run's input; null for a command that runs no feed.</param>
    public static IJournalHold Hold(Config config, IReadOnlyDictionary<string, string>? input, bool continueAnyway, TextWriter log)
    {
        if (SqliteJournal.FileOf(config) is { } file) return JournalHold.Acquire(file, input, continueAnyway, log);
        return PostgresJournalHold.Acquire(config.GetString(SqliteJournal.ConnectionStringPath), input, continueAnyway, log);
    }
}

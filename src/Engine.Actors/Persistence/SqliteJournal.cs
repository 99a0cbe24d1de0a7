using System.Data.Common;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using Engine.Actors.Settings;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace Engine.Actors.Persistence;

/// <summary>
/// Prepares the embedded SQLite journal: its directory, write-ahead logging (one sync per commit
/// instead of about four in rollback mode; the mode is stored in the file) and the synchronous
/// level, set on every connection the journal opens (SQLite keeps it per connection):
/// <c>full</c> survives power loss, <c>normal</c> survives a crash of the process but may lose the
/// last commits on power loss.
/// </summary>
public static class SqliteJournal
{
    public const string SynchronousPath = "engine.persistence.sqlite.synchronous";
    public const string ConnectionStringPath = "engine.persistence.connection-string";

    /// <summary>The journal's file, or null when the journal is not a SQLite file.</summary>
    public static string? FileOf(Config config)
    {
        if (config.GetString("akka.persistence.journal.sql.provider-name", "") != "SQLite.MS") return null;
        var file = new SqliteConnectionStringBuilder(config.GetString(ConnectionStringPath)).DataSource;
        return string.IsNullOrEmpty(file) || file == ":memory:" ? null : file;
    }

    /// <summary>The setup Akka.Persistence.Sql uses for its connections, or null when the journal is not SQLite.</summary>
    /// <param name="faultMaxPages">For fault tests: the journal's file may not grow past this many pages,
    /// so SQLite fails the write that would, with the error a full disk gives (SQLITE_FULL).</param>
    public static DataOptionsSetup? Prepare(Config config, long? faultMaxPages = null)
    {
        if (config.GetString("akka.persistence.journal.sql.provider-name", "") != "SQLite.MS") return null;
        var cs = config.GetString(ConnectionStringPath);
        var synchronous = config.GetString(SynchronousPath, "full");
        if (synchronous is not ("full" or "normal"))
            throw new EngineConfigException(SynchronousPath, $"must be full or normal, got '{synchronous}'");
        var file = new SqliteConnectionStringBuilder(cs).DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:")
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(dir))
            {
                try { Directory.CreateDirectory(dir); }
                catch (Exception ex) { throw new EngineConfigException(ConnectionStringPath, $"cannot create the directory '{dir}': {ex.Message}"); }
            }
            using var connection = new SqliteConnection(cs);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        // The plugin may open the file but never create it: a journal file removed mid-run would
        // otherwise come back empty under a new connection and hide the removal.
        var plugin = file is null or "" or ":memory:" ? cs : new SqliteConnectionStringBuilder(cs) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        return new DataOptionsSetup(new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, plugin)
            .UseInterceptor(new Pragmas($"PRAGMA synchronous={synchronous.ToUpperInvariant()};"
                + (faultMaxPages is { } pages ? $" PRAGMA max_page_count={pages};" : ""))));
    }

    private sealed class Pragmas(string sql) : ConnectionInterceptor
    {
        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

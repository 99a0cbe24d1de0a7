using System.Data.Common;

namespace Engine.Host;

/// <summary>
/// The journal's record of the input it holds a run of (table <c>engine_input(key, value)</c> in the
/// journal's own database, SQLite or PostgreSQL): the first run records it, a later run with other
/// input is refused naming what differs, unless asked to continue anyway.
/// </summary>
public static class JournalInput
{
    public const string Table = "engine_input";

    /// <param name="journal">How the journal is named in messages (e.g. "--db 'x.db'").</param>
    public static void Check(DbConnection connection, string journal, IReadOnlyDictionary<string, string> input, bool continueAnyway, TextWriter log)
    {
        Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);");
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT key, value FROM {Table};";
            using var reader = read.ExecuteReader();
            while (reader.Read()) recorded[reader.GetString(0)] = reader.GetString(1);
        }
        if (recorded.Count > 0)
        {
            var differences = Differences(recorded, input);
            if (differences.Count == 0) return;
            var listed = string.Join("\n", differences.Take(12).Select(d => "  " + d))
                + (differences.Count > 12 ? $"\n  and {differences.Count - 12} more" : "");
            if (!continueAnyway)
                throw new JournalRefusedException(
                    $"{journal} holds a run of other input; what differs (journal, then this run):\n{listed}\n" +
                    "Use a new journal for this input, or pass --continue-anyway to continue this journal with it.");
            log.WriteLine($"warning: continuing the journal {journal} with other input (--continue-anyway):\n{listed}");
        }
        using var write = connection.BeginTransaction();
        Execute(connection, $"DELETE FROM {Table};", write);
        foreach (var (key, value) in input)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = write;
            insert.CommandText = $"INSERT INTO {Table} (key, value) VALUES (@key, @value);";
            insert.Parameters.Add(Parameter(insert, "@key", key));
            insert.Parameters.Add(Parameter(insert, "@value", value));
            insert.ExecuteNonQuery();
        }
        write.Commit();
    }

    private static DbParameter Parameter(DbCommand command, string name, string value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        return p;
    }

    private static List<string> Differences(IReadOnlyDictionary<string, string> recorded, IReadOnlyDictionary<string, string> now)
    {
        var result = new List<string>();
        foreach (var key in recorded.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var before = recorded.GetValueOrDefault(key);
            var after = now.GetValueOrDefault(key);
            if (before == after) continue;
            result.Add($"{key}: {before ?? "(absent)"} -> {after ?? "(absent)"}");
        }
        return result;
    }

    internal static void Execute(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Engine.Actors.Risk;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engine.Host.Http;

/// <summary>
/// /readyz: this node can take part in trading. Its cluster member is Up, the journal answers
/// (PostgreSQL: `select 1` on the configured connection; SQLite: the file opens), and the kill
/// switch singleton answers a status ask, each within the limit. Every failing check is a reason.
/// </summary>
public sealed class ReadinessProbe(ActorSystem system, IActorRef killSwitch, Config config)
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    private readonly string _provider = config.GetString("akka.persistence.journal.sql.provider-name", "");
    private readonly string _connection = config.GetString("engine.persistence.connection-string", "");

    /// <summary>The reasons this node is not ready; none when it is.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(CancellationToken cancellation)
    {
        var member = MemberUp();
        var journal = JournalAsync(cancellation);
        var kill = KillSwitchAsync(cancellation);
        var reasons = new List<string>();
        if (member is { } m) reasons.Add(m);
        if (await journal is { } j) reasons.Add(j);
        if (await kill is { } k) reasons.Add(k);
        return reasons;
    }

    private string? MemberUp()
    {
        var self = Cluster.Get(system).SelfMember;
        return self.Status == MemberStatus.Up ? null : $"cluster: this member ({self.Address}) is {self.Status}, not Up";
    }

    private async Task<string?> KillSwitchAsync(CancellationToken cancellation)
    {
        try
        {
            await killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), Limit, cancellation);
            return null;
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            return $"kill switch: no status answer within {Limit.TotalSeconds:0} s";
        }
    }

    private async Task<string?> JournalAsync(CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(Limit);
        try
        {
            if (_provider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase))
            {
                var builder = new NpgsqlConnectionStringBuilder(_connection) { Timeout = (int)Limit.TotalSeconds, CommandTimeout = (int)Limit.TotalSeconds, Pooling = false };
                await using var connection = new NpgsqlConnection(builder.ToString());
                await connection.OpenAsync(limit.Token);
                await using var command = new NpgsqlCommand("select 1", connection);
                await command.ExecuteScalarAsync(limit.Token);
            }
            else
            {
                // ReadWrite: the file must exist; a missing journal is not created by a probe.
                var builder = new SqliteConnectionStringBuilder(_connection) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
                await using var connection = new SqliteConnection(builder.ToString());
                await connection.OpenAsync(limit.Token);
                await using var command = connection.CreateCommand();
                command.CommandText = "select 1";
                await command.ExecuteScalarAsync(limit.Token);
            }
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var why = ex is OperationCanceledException ? $"no answer within {Limit.TotalSeconds:0} s" : ex.Message.Split('\n')[0].Trim();
            return $"journal: {(_provider.Length == 0 ? "unknown provider" : _provider)} unreachable: {why}";
        }
    }
}

using System.Diagnostics;

namespace Engine.Host.Tests;

/// <summary>
/// The engine on a real PostgreSQL server (ENGINE_PERSISTENCE=postgres, ENGINE_DB_CONNECTION): the
/// same fills as on SQLite, a SIGKILL and restart that end with the uninterrupted run's fills, one
/// engine per journal by a lease that a killed holder does not keep, the journal's input record,
/// and a start-up that cannot use the database refused at once with exit 2.
/// </summary>
[Collection("postgres")]
public sealed class PostgresJournalTests(PostgresServer server)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static Dictionary<string, string> OnPostgres(string connectionString, int days = 1) => new()
    {
        ["ENGINE_PERSISTENCE"] = "postgres",
        ["ENGINE_DB_CONNECTION"] = connectionString,
        ["ENGINE_SYNTHETIC_DAYS"] = days.ToString(),
    };

    private static async Task<RunSummary> Run(string dir, Dictionary<string, string> environment, string name, params string[] args)
    {
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, environment,
            [.. args, "--summary-json", $"{name}.json", "--quiet"]);
        Assert.True(code == 0, $"{name}: exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, $"{name}.json")));
    }

    [Fact]
    public async Task A_run_on_postgres_gives_the_fills_of_the_same_run_on_sqlite_and_a_restart_after_a_sigkill_the_same()
    {
        var dir = EngineProcess.TempDir();
        var sqlite = await Run(dir, new() { ["ENGINE_SYNTHETIC_DAYS"] = "1" }, "sqlite", "--db", "s.db");
        var postgres = await Run(dir, OnPostgres(server.NewDatabase()), "postgres");
        Assert.NotEmpty(sqlite.FillLog);
        Assert.Equal(sqlite.FillLog, postgres.FillLog);
        Assert.Equal(sqlite.JournaledEvents, postgres.JournaledEvents);
        Assert.Equal(sqlite.Accounts, postgres.Accounts);

        // Killed once half the events are journaled, then the same command again.
        var crashed = server.NewDatabase();
        var kill = new Dictionary<string, string>(OnPostgres(crashed))
        {
            ["ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS"] = (postgres.JournaledEvents / 2).ToString(),
        };
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit, kill, "--quiet");
        Assert.True(code != 0, $"the run was not killed\n{stdout}\n{stderr}");
        var restarted = await Run(dir, OnPostgres(crashed), "restarted");
        Assert.Equal(postgres.FillLog, restarted.FillLog);
        Assert.Equal(postgres.Accounts, restarted.Accounts);
    }

    [Fact]
    public async Task A_second_engine_is_refused_naming_the_holder_and_a_killed_holder_does_not_keep_the_lease()
    {
        var dir = EngineProcess.TempDir();
        var db = server.NewDatabase();
        using var first = EngineProcess.Start(dir, OnPostgres(db), "--speed", "2000");
        await Eventually(() => first.Stderr.Contains("] events ", StringComparison.Ordinal), "the first engine is running");

        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, OnPostgres(db), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("is in use by another engine (held by process " + first.Id, stderr);

        first.Kill();
        await first.WaitAsync(Limit);
        // The killed holder's session ended with it, and so did its lease: the same command takes over.
        var resumed = await Run(dir, OnPostgres(db), "resumed");
        Assert.Equal(37_440, resumed.Feed.Read);
    }

    /// <summary>A lease lost mid-run (its session ended on the server) stops the run: another engine could now take the journal.</summary>
    [Fact]
    public async Task A_lease_lost_mid_run_stops_trading_and_ends_the_run_with_exit_1_naming_it()
    {
        var dir = EngineProcess.TempDir();
        var db = server.NewDatabase();
        using var run = EngineProcess.Start(dir, OnPostgres(db), "--speed", "2000");
        await Eventually(() => run.Stderr.Contains("] events ", StringComparison.Ordinal), "the engine is running");
        using (var admin = new Npgsql.NpgsqlConnection(db))
        {
            admin.Open();
            using var kill = admin.CreateCommand();
            kill.CommandText = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'engine-journal-lease';";
            Assert.Equal(1L, (long)kill.ExecuteScalar()!);
        }
        var code = await run.WaitAsync(Limit);
        Assert.True(code == 1, $"exit {code}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("the session holding this engine's lease ended", run.Stderr);
        Assert.True(run.Stdout.Contains("RUN FAILED: the PostgreSQL journal ", StringComparison.Ordinal) && run.Stdout.Contains("lease ended", StringComparison.Ordinal), $"{run.Stdout}\n{run.Stderr}");
    }

    [Fact]
    public async Task A_postgres_journal_refuses_other_input_naming_what_differs_and_the_kill_switch_command_reads_it()
    {
        var dir = EngineProcess.TempDir();
        var db = server.NewDatabase();
        await Run(dir, OnPostgres(db), "first");
        var (status, statusOut, statusErr) = await EngineProcess.RunAsync(dir, Limit, OnPostgres(db), "kill-switch", "status");
        Assert.True(status == 0, $"exit {status}\n{statusOut}\n{statusErr}");
        Assert.Contains("Trading states: all scopes ACTIVE", statusOut);
        var other = new Dictionary<string, string>(OnPostgres(db)) { ["ENGINE_SYNTHETIC_SEED"] = "7" };
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, other, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("holds a run of other input", stderr);
        Assert.Contains("engine.synthetic.seed: 42 -> 7", stderr);
    }

    [Theory]
    [InlineData("", "set ENGINE_DB_CONNECTION")]
    [InlineData("Host=127.0.0.1;Port=1;Username=engine;Database=nope", "cannot be reached")]
    [InlineData("this is not a connection string", "is not a PostgreSQL connection string")]
    public async Task A_postgres_journal_that_cannot_be_used_is_refused_at_once_with_exit_2(string connectionString, string cause)
    {
        var dir = EngineProcess.TempDir();
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, OnPostgres(connectionString), "--quiet");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains(cause, stderr);
        Assert.DoesNotContain("Exception", stderr);
    }

    [Fact]
    public async Task A_sqlite_file_is_not_a_postgres_journal()
    {
        var (code, _, stderr) = await EngineProcess.RunAsync(EngineProcess.TempDir(), Limit, OnPostgres(server.NewDatabase()), "--db", "x.db");
        Assert.Equal(2, code);
        Assert.Contains("--db names a SQLite file", stderr);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

using static Engine.Host.Tests.HttpProbes;

namespace Engine.Host.Tests;

/// <summary>
/// The engine's HTTP endpoints on real processes: /healthz, /readyz and /metrics on a running
/// engine, a real Prometheus server scraping it, a taken port, and readiness with the journal gone.
/// </summary>
public sealed class MetricsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Every metric family the engine exports, as Prometheus queries them.</summary>
    public static readonly string[] Families =
    [
        "trading_pnl_total", "trading_positions_open", "trading_exposure_pct", "trading_kill_switch",
        "trading_order_latency_seconds_bucket", "trading_fill_rate", "trading_slippage_bps", "trading_errors_total",
        "trading_market_events_total", "trading_orders_total", "trading_rejections_total", "trading_drawdown",
        "trading_high_water_mark", "engine_cluster_members", "engine_cluster_unreachable_members", "engine_shards",
        "engine_entities", "engine_symbol_mailbox_backlog", "engine_journal_write_seconds_bucket",
        "engine_journal_write_failures_total", "engine_feed_lag_seconds", "trading_daily_loss", "trading_drawdown_limit",
        "trading_daily_loss_limit", "trading_reducing", "trading_account_value",
    ];

    /// <summary>A run that trades (fills within seconds) and is still running while the test looks.</summary>
    private static EngineProcess TradingRun(string dir) =>
        EngineProcess.Start(dir, "--speed", "300", "--db", Path.Combine(dir, "engine.db"));

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri at, string path)
    {
        using var response = await Http.GetAsync(new Uri(at, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The families of a Prometheus text exposition; fails on a line that is not the format.</summary>
    private static Dictionary<string, string> ParseExposition(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var sample = new Regex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$");
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#')) continue;
            var m = sample.Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            var name = m.Groups[1].Value;
            Assert.True(types.Keys.Any(t => name == t || name.StartsWith(t + "_", StringComparison.Ordinal)), $"a sample before its # TYPE: {line}");
        }
        return types;
    }

    [Fact]
    public async Task Healthz_and_readyz_answer_200_on_a_running_engine_metrics_parse_with_every_family_and_follow_the_kill_switch()
    {
        var dir = EngineProcess.TempDir();
        using var engine = TradingRun(dir);
        var at = await MetricsAddressAsync(engine);

        var health = await GetAsync(at, "/healthz");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        await Eventually(async () => (await GetAsync(at, "/readyz")).Status == HttpStatusCode.OK, "ready", () => engine.Stderr);
        Assert.Equal("ready", (await GetAsync(at, "/readyz")).Body.Trim());

        // Once it has traded, every family has a sample.
        string text = "";
        await Eventually(async () =>
        {
            text = (await GetAsync(at, "/metrics")).Body;
            return Regex.IsMatch(text, @"trading_orders_total\{strategy=""[^""]+"",outcome=""filled""\} [1-9]") && text.Contains("engine_feed_lag_seconds ", StringComparison.Ordinal);
        }, "fills in the metrics", () => text);
        var types = ParseExposition(text);
        foreach (var family in Families)
            Assert.Contains(Regex.Replace(family, "_bucket$", ""), types.Keys);
        Assert.Equal("histogram", types["trading_order_latency_seconds"]);
        Assert.Equal("histogram", types["engine_journal_write_seconds"]);
        Assert.Equal("counter", types["trading_orders_total"]);
        Assert.Matches(@"trading_order_latency_seconds_count\{kind=""tick_to_order""\} [1-9]", text);
        Assert.Matches(@"trading_order_latency_seconds_count\{kind=""order_to_fill""\} [1-9]", text);
        Assert.Matches(@"engine_journal_write_seconds_count [1-9]", text);
        Assert.Matches(@"engine_cluster_members\{status=""up""\} 1", text);
        Assert.Matches(@"trading_market_events_total\{feed=""synthetic"",outcome=""accepted""\} [1-9]", text);
        Assert.Matches(@"trading_kill_switch\{scope=""engine""\} 0", text);

        // The kill switch gauge follows the singleton: engaged through engine-cli, then released.
        var admin = await EngineCli.AdminAddressAsync(engine, Limit);
        var engage = await EngineCli.RunAsync([admin, "kill-switch", "engage", "-s", "engine", "-r", "metrics test"]);
        Assert.True(engage.ExitCode == 0, engage.Stdout + engage.Stderr);
        await Eventually(async () => (text = (await GetAsync(at, "/metrics")).Body).Contains("trading_kill_switch{scope=\"engine\"} 1", StringComparison.Ordinal),
            "the engaged kill switch in the metrics", () => text);
        var release = await EngineCli.RunAsync([admin, "kill-switch", "release", "-r", "metrics test over"]);
        Assert.True(release.ExitCode == 0, release.Stdout + release.Stderr);
        await Eventually(async () => (text = (await GetAsync(at, "/metrics")).Body).Contains("trading_kill_switch{scope=\"engine\"} 0", StringComparison.Ordinal),
            "the released kill switch in the metrics", () => text);
    }

    [Fact]
    public async Task A_real_Prometheus_scrapes_the_engine_and_every_metric_family_has_series()
    {
        const string prometheus = "/usr/bin/prometheus";
        Assert.True(File.Exists(prometheus),
            $"{prometheus} is missing: this test runs a real Prometheus server (Debian package prometheus; .ci/run installs it: apt-get install prometheus)");
        var dir = EngineProcess.TempDir();
        using var engine = TradingRun(dir);
        var at = await MetricsAddressAsync(engine);

        var promDir = Path.Combine(Path.GetTempPath(), "engine-prometheus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(promDir);
        var port = InProcessMember.FreePorts(1)[0];
        await File.WriteAllTextAsync(Path.Combine(promDir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: engine
                static_configs:
                  - targets: ["127.0.0.1:{at.Port}"]
            """);
        var log = new System.Text.StringBuilder();
        using var server = StartServer(log, prometheus,
            $"--config.file={Path.Combine(promDir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(promDir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}");
        string Detail() { lock (log) return $"prometheus:\n{log}\nengine:\n{engine.Stderr}"; }
        try
        {
            var api = new Uri($"http://127.0.0.1:{port}/");
            async Task<JsonElement[]> Query(string query)
            {
                try
                {
                    var (status, body) = await GetAsync(api, $"api/v1/query?query={Uri.EscapeDataString(query)}");
                    if (status != HttpStatusCode.OK) return [];
                    return JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result").EnumerateArray().ToArray();
                }
                catch (HttpRequestException)
                {
                    return []; // not listening yet
                }
            }

            await Eventually(async () => (await Query("up{job=\"engine\"} == 1")).Length == 1, "Prometheus scrapes the engine (up == 1)", Detail);
            var missing = new List<string>();
            foreach (var family in Families)
            {
                JsonElement[] series = [];
                var limit = Stopwatch.StartNew();
                while (limit.Elapsed < Limit && (series = await Query(family)).Length == 0) await Task.Delay(500);
                if (series.Length == 0) missing.Add(family);
            }
            Assert.True(missing.Count == 0, $"no series in Prometheus for: {string.Join(", ", missing)}\n{Detail()}");
            // A value that only a trading engine gives: fills were counted and Prometheus has them.
            await Eventually(async () => (await Query("sum(trading_orders_total{outcome=\"filled\"}) > 0")).Length == 1, "fills in Prometheus", Detail);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(promDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_taken_metrics_port_stops_the_start_with_one_error_line_naming_the_setting_and_exit_2()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var dir = EngineProcess.TempDir();
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            new Dictionary<string, string> { ["ENGINE_HTTP_PORT"] = port.ToString() }, "--db", Path.Combine(dir, "engine.db"));
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        var errors = stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.Single(errors);
        Assert.StartsWith($"error: setting 'engine.http.port': 0.0.0.0:{port} cannot be opened", errors[0]);
        Assert.Contains("ENGINE_HTTP_PORT", errors[0]);
        Assert.DoesNotContain("fills", stdout); // nothing traded, no summary
    }

    [Fact]
    public async Task Readiness_is_503_naming_the_journal_while_PostgreSQL_is_down_and_200_again_once_it_is_back()
    {
        using var pg = new PostgresServer(); // its own server: stopping it must not touch other tests' databases
        var remote = InProcessMember.FreePorts(1)[0];
        var dir = EngineProcess.TempDir();
        using var node = EngineProcess.Start(dir, new Dictionary<string, string>
        {
            ["ENGINE_PERSISTENCE"] = "postgres",
            ["ENGINE_DB_CONNECTION"] = pg.NewDatabase(),
            ["ENGINE_CLUSTER_SEED_NODES"] = $"akka.tcp://engine@127.0.0.1:{remote}",
            ["ENGINE_REMOTE_PORT"] = remote.ToString(),
            ["ENGINE_CLUSTER_MIN_NODES"] = "1",
        }, "node");
        var at = await MetricsAddressAsync(node);
        (HttpStatusCode Status, string Body) ready = default;
        await Eventually(async () => (ready = await GetAsync(at, "/readyz")).Status == HttpStatusCode.OK, "ready on a running node",
            () => $"{ready.Status} {ready.Body}\n{node.Stderr}");

        pg.Stop();
        await Eventually(async () => (ready = await GetAsync(at, "/readyz")).Status == HttpStatusCode.ServiceUnavailable, "not ready without its journal",
            () => $"{ready.Status} {ready.Body}\n{node.Stderr}");
        Assert.StartsWith("journal: PostgreSQL.15 unreachable: ", ready.Body);
        Assert.DoesNotContain("cluster:", ready.Body); // the member is still Up: only the journal is named
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(at, "/healthz")).Status); // alive all the same

        pg.Start();
        await Eventually(async () => (ready = await GetAsync(at, "/readyz")).Status == HttpStatusCode.OK, "ready again with the journal back",
            () => $"{ready.Status} {ready.Body}\n{node.Stderr}");

        using (var stop = Process.Start("kill", $"-TERM {node.Id}")) await stop!.WaitForExitAsync();
        Assert.Equal(0, await node.WaitAsync(Limit));
    }
}

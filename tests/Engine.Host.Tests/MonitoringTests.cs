using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using static Engine.Host.Tests.HttpProbes;

namespace Engine.Host.Tests;

/// <summary>
/// monitoring/: the Prometheus configuration, the alert rules and their unit tests pass promtool,
/// the Alertmanager configuration passes amtool, every metric an expression names is one a running
/// engine exports, and a real Prometheus loaded with the repo's own rules evaluates them against a
/// real engine and fires the kill-switch alert when the kill switch is engaged through engine-cli.
/// </summary>
public sealed class MonitoringTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static string Monitoring => Path.Combine(EngineProcess.RepoRoot, "monitoring");

    private static async Task<(int Code, string Output)> Tool(string tool, params string[] args)
    {
        var path = "/usr/bin/" + tool;
        Assert.True(File.Exists(path),
            $"{path} is missing: .ci/run installs it (apt-get install prometheus prometheus-alertmanager)");
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Monitoring };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(Limit);
        await p.WaitForExitAsync(cancel.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Promtool_checks_the_config_and_rules_and_passes_the_rule_unit_tests_and_amtool_the_alertmanager_config()
    {
        foreach (var args in new[]
                 {
                     new[] { "promtool", "check", "config", "prometheus.yml" },
                     ["promtool", "check", "rules", "rules/engine-alerts.yml"],
                     ["promtool", "test", "rules", "rules/engine-alerts.test.yml"],
                     ["amtool", "check-config", "alertmanager.yml"],
                 })
        {
            var (code, output) = await Tool(args[0], args[1..]);
            Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}\n{output}");
        }
    }

    /// <summary>The metric names in the rules' expressions (and the dashboards', once there are any).</summary>
    private static HashSet<string> NamesUsed()
    {
        var texts = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(Monitoring, "rules", "engine-alerts.yml")))
            if (Regex.Match(line, @"^\s*expr:\s*(.*)$") is { Success: true } m) texts.Add(m.Groups[1].Value);
        var dashboards = Path.Combine(Monitoring, "grafana", "dashboards");
        if (Directory.Exists(dashboards))
            foreach (var file in Directory.GetFiles(dashboards, "*.json"))
                foreach (Match m in Regex.Matches(File.ReadAllText(file), @"""expr""\s*:\s*""((?:[^""\\]|\\.)*)"""))
                    texts.Add(m.Groups[1].Value);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (Match m in Regex.Matches(text, @"\b(?:trading|engine|process)_[a-z_]+"))
                names.Add(Regex.Replace(m.Value, "_(bucket|sum|count)$", ""));
        return names;
    }

    private static async Task<string?> GetAsync(Uri at, string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(at, path));
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    [Fact]
    public async Task A_real_Prometheus_with_the_repo_rules_evaluates_them_on_a_running_engine_and_fires_the_kill_switch_alert()
    {
        const string prometheus = "/usr/bin/prometheus";
        Assert.True(File.Exists(prometheus), $"{prometheus} is missing: .ci/run installs it (apt-get install prometheus)");
        var dir = EngineProcess.TempDir();
        using var engine = EngineProcess.Start(dir, "--speed", "300", "--db", Path.Combine(dir, "engine.db"));
        var at = await MetricsAddressAsync(engine);

        // Every metric name a rule uses is a family the engine exports.
        var text = await GetAsync(at, "/metrics") ?? "";
        var exported = Regex.Matches(text, @"^# TYPE (\S+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var used = NamesUsed();
        Assert.NotEmpty(used);
        var unknown = used.Where(n => !exported.Contains(n)).ToArray();
        Assert.True(unknown.Length == 0, $"metrics used in monitoring/ that the engine does not export: {string.Join(", ", unknown)}\n{text}");

        // A copy of monitoring/prometheus.yml: this engine as the target, the repo's rules, evaluated every second.
        var promDir = Path.Combine(Path.GetTempPath(), "engine-monitoring-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(promDir);
        var config = await File.ReadAllTextAsync(Path.Combine(Monitoring, "prometheus.yml"));
        config = Regex.Replace(config, @"targets: \[""127\.0\.0\.1:9101"", ""127\.0\.0\.1:9102"", ""127\.0\.0\.1:9103""\]", $"targets: [\"127.0.0.1:{at.Port}\"]");
        config = config.Replace("- rules/", "- " + Path.Combine(Monitoring, "rules") + "/", StringComparison.Ordinal);
        config = Regex.Replace(config, @"(scrape|evaluation)_interval: \S+", "$1_interval: 1s");
        // The repo's alertmanager.yml, its Slack webhook a local receiver, its groups sent at once.
        var ports = InProcessMember.FreePorts(2);
        var (alertmanagerPort, port) = (ports[0], ports[1]);
        config = config.Replace("targets: [\"127.0.0.1:9093\"]", $"targets: [\"127.0.0.1:{alertmanagerPort}\"]", StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{alertmanagerPort}", config);
        Assert.Contains($"127.0.0.1:{at.Port}", config);
        await File.WriteAllTextAsync(Path.Combine(promDir, "prometheus.yml"), config);
        using var slack = new SlackReceiver();
        var routes = await File.ReadAllTextAsync(Path.Combine(Monitoring, "alertmanager.yml"));
        await File.WriteAllTextAsync(Path.Combine(promDir, "slack-webhook-url"), slack.Url);
        await File.WriteAllTextAsync(Path.Combine(promDir, "smtp-password"), "unused");
        routes = routes.Replace("/etc/alertmanager/secrets/", promDir + "/", StringComparison.Ordinal);
        routes = Regex.Replace(routes, @"group_wait: \S+", "group_wait: 1s");
        Assert.Contains(Path.Combine(promDir, "slack-webhook-url"), routes);
        await File.WriteAllTextAsync(Path.Combine(promDir, "alertmanager.yml"), routes);
        var alertmanagerLog = new StringBuilder();
        using var alertmanager = StartServer(alertmanagerLog, "/usr/bin/prometheus-alertmanager",
            $"--config.file={Path.Combine(promDir, "alertmanager.yml")}", $"--storage.path={Path.Combine(promDir, "am")}",
            $"--web.listen-address=127.0.0.1:{alertmanagerPort}", "--cluster.listen-address=");
        var log = new StringBuilder();
        using var server = StartServer(log, prometheus,
            $"--config.file={Path.Combine(promDir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(promDir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}");
        string Detail() { lock (log) return $"config:\n{config}\nprometheus:\n{log}\nengine:\n{engine.Stderr}"; }
        string Delivered() => $"received by the Slack receiver:\n{string.Join("\n", slack.Payloads)}\nalertmanager:\n{Locked(alertmanagerLog)}";
        try
        {
            var api = new Uri($"http://127.0.0.1:{port}/");
            string body = "";
            await Eventually(async () => (body = await GetAsync(api, "api/v1/query?query=" + Uri.EscapeDataString("up{job=\"engine\"} == 1")) ?? "").Contains("\"value\"", StringComparison.Ordinal),
                "Prometheus scrapes the engine (up == 1)", Detail);

            // Every rule of the repo is loaded and evaluates without an error.
            await Eventually(async () =>
            {
                body = await GetAsync(api, "api/v1/rules") ?? "";
                if (body.Length == 0) return false;
                var rules = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                    .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToArray();
                return rules.Length == 14 && rules.All(r => r.GetProperty("health").GetString() == "ok");
            }, "the repo's 14 rules loaded and healthy", () => body + "\n" + Detail());

            // Every dashboard panel query returns at least one series (the instance variable as "all").
            var queries = Directory.GetFiles(Path.Combine(Monitoring, "grafana", "dashboards"), "*.json")
                .SelectMany(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("panels").EnumerateArray())
                .SelectMany(p => p.GetProperty("targets").EnumerateArray())
                .Select(t => t.GetProperty("expr").GetString()!.Replace("$instance", ".+", StringComparison.Ordinal))
                .ToArray();
            Assert.NotEmpty(queries);
            var empty = new List<string>(queries);
            var panels = Stopwatch.StartNew();
            while (empty.Count > 0 && panels.Elapsed < Limit)
            {
                foreach (var q in empty.ToArray())
                {
                    var answer = await GetAsync(api, "api/v1/query?query=" + Uri.EscapeDataString(q));
                    if (answer is not null && JsonDocument.Parse(answer).RootElement.GetProperty("data").GetProperty("result").GetArrayLength() > 0) empty.Remove(q);
                }
                if (empty.Count > 0) await Task.Delay(1000);
            }
            Assert.True(empty.Count == 0, $"dashboard queries without a series:\n{string.Join("\n", empty)}\n{Detail()}");

            // The kill switch engaged through engine-cli: KillSwitchEngaged fires in Prometheus.
            var admin = await EngineCli.AdminAddressAsync(engine, Limit);
            var engage = await EngineCli.RunAsync([admin, "kill-switch", "engage", "-s", "engine", "-r", "monitoring test"]);
            Assert.True(engage.ExitCode == 0, engage.Stdout + engage.Stderr);
            await Eventually(async () =>
            {
                body = await GetAsync(api, "api/v1/alerts") ?? "";
                if (body.Length == 0) return false;
                return JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Any(a =>
                    a.GetProperty("labels").GetProperty("alertname").GetString() == "KillSwitchEngaged"
                    && a.GetProperty("labels").GetProperty("scope").GetString() == "engine"
                    && a.GetProperty("labels").GetProperty("severity").GetString() == "critical"
                    && a.GetProperty("state").GetString() == "firing");
            }, "KillSwitchEngaged firing", () => body + "\n" + Detail());

            // Prometheus sends it to the real Alertmanager, which routes it (critical) to Slack: the
            // receiver gets an incoming-webhook payload for the channel of critical alerts.
            await Eventually(() => Task.FromResult(slack.Payloads.Any(p => p.Contains("KillSwitchEngaged", StringComparison.Ordinal))),
                "the KillSwitchEngaged alert delivered to Slack", Delivered);
            using var payload = JsonDocument.Parse(slack.Payloads.First(p => p.Contains("KillSwitchEngaged", StringComparison.Ordinal)));
            var root = payload.RootElement;
            Assert.Equal("#trading-critical", root.GetProperty("channel").GetString());
            var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray());
            Assert.Equal("[FIRING] KillSwitchEngaged", attachment.GetProperty("title").GetString());
            Assert.Contains("runbook:", attachment.GetProperty("text").GetString());
            Assert.False(string.IsNullOrEmpty(attachment.GetProperty("fallback").GetString()));
            Assert.Equal("danger", attachment.GetProperty("color").GetString());
            await EngineCli.RunAsync([admin, "kill-switch", "release", "-r", "monitoring test over"]);
        }
        finally
        {
            foreach (var process in new[] { server, alertmanager })
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            Directory.Delete(promDir, recursive: true);
        }
    }

    private static string Locked(StringBuilder log)
    {
        lock (log) return log.ToString();
    }

    /// <summary>Stands in for Slack's incoming webhook on a loopback port: keeps every payload posted, answers "ok" as Slack does.</summary>
    private sealed class SlackReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _payloads = new();

        public SlackReceiver()
        {
            var port = InProcessMember.FreePorts(1)[0];
            Url = $"http://127.0.0.1:{port}/services/T000/B000/XXXX";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = ServeAsync();
        }

        public string Url { get; }

        public IReadOnlyCollection<string> Payloads => _payloads;

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                    _payloads.Enqueue(await reader.ReadToEndAsync());
                var ok = Encoding.UTF8.GetBytes("ok");
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync(ok);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}

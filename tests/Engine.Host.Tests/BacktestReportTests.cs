using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Host.Backtest;

namespace Engine.Host.Tests;

/// <summary>One run with --report, shared by the report tests (a run of ten synthetic days).</summary>
public sealed class ReportedRun : IAsyncLifetime
{
    public string Dir { get; } = EngineProcess.TempDir();

    public string ReportDir => Path.Combine(Dir, "report");

    public (int Code, string Stdout, string Stderr) Result { get; private set; }

    public async Task InitializeAsync() =>
        Result = await EngineProcess.RunAsync(Dir, TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "10" },
            "--quiet", "--db", "engine.db", "--report", "report", "--summary-json", "summary.json");

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class BacktestReportTests(ReportedRun run) : IClassFixture<ReportedRun>
{
    [Fact]
    public void The_report_writes_results_text_and_html_and_the_portfolio_ends_at_starting_cash_plus_the_summarys_net_pnl()
    {
        Assert.True(run.Result.Code == 0, run.Result.Stderr);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var names = Directory.GetFiles(run.ReportDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        // The date is the run's (UTC), so a run across midnight may carry yesterday's: match the shape.
        Assert.Equal(3, names.Count(n => Regex.IsMatch(n!, @"^(backtest_results_\d{4}-\d{2}-\d{2}\.json|report_\d{4}-\d{2}-\d{2}\.(txt|html))$")));
        Assert.Contains(names, n => n!.Contains(date, StringComparison.Ordinal) || n.Contains(DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var summary = RunSummary.FromJson(System.IO.File.ReadAllText(Path.Combine(run.Dir, "summary.json")));
        var net = summary.Positions.Sum(p => p.RealizedPnl + p.UnrealizedPnl - p.Fees);
        using var results = JsonDocument.Parse(System.IO.File.ReadAllText(Directory.GetFiles(run.ReportDir, "backtest_results_*.json").Single()));
        var daily = results.RootElement.GetProperty("daily");
        Assert.Equal(10, daily.GetArrayLength());
        Assert.Equal(100_000m + net, daily[daily.GetArrayLength() - 1].GetProperty("equity").GetDecimal());
        Assert.Equal(net, results.RootElement.GetProperty("portfolio").GetProperty("net_profit").GetDecimal());
        // Each strategy's own curve ends at its own net P&L.
        foreach (var s in results.RootElement.GetProperty("strategies").EnumerateArray())
        {
            var id = s.GetProperty("strategy").GetString();
            var own = summary.Positions.Where(p => p.Strategy == id).Sum(p => p.RealizedPnl + p.UnrealizedPnl - p.Fees);
            Assert.Equal(own, s.GetProperty("statistics").GetProperty("net_profit").GetDecimal());
        }
        var text = System.IO.File.ReadAllText(Directory.GetFiles(run.ReportDir, "report_*.txt").Single());
        Assert.Contains("=== Run summary ===", text);
        Assert.Contains("=== Backtest statistics ===", text);
        Assert.Contains("=== Backtest statistics ===", run.Result.Stdout);
    }

    [Fact]
    public async Task The_html_report_is_self_contained_and_its_charts_draw_in_headless_chromium_with_no_console_output()
    {
        Assert.True(run.Result.Code == 0, run.Result.Stderr);
        var html = Directory.GetFiles(run.ReportDir, "report_*.html").Single();
        var page = await System.IO.File.ReadAllTextAsync(html);
        // Self-contained: nothing fetched from anywhere (a CI artifact is opened offline).
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*""(?!#|data:)", RegexOptions.IgnoreCase), page);
        foreach (var id in new[] { "equity-chart", "drawdown-chart", "strategy-chart", "monthly", "trades", "statistics" })
            Assert.Contains($"id=\"{id}\"", page);

        var (shot, console) = await Chromium.RenderAsync(html, 1100, 2600);

        Assert.Empty(console);
        // Each chart draws in its own colour: a chart that did not draw leaves none of it on the page.
        Assert.True(shot.Count(HtmlReport.EquityColor) > 300, $"equity line: {shot.Count(HtmlReport.EquityColor)} pixels");
        Assert.True(shot.Count(HtmlReport.BenchmarkColor) > 300, $"benchmark line: {shot.Count(HtmlReport.BenchmarkColor)} pixels");
        Assert.True(shot.Count(HtmlReport.DrawdownColor) > 300, $"drawdown: {shot.Count(HtmlReport.DrawdownColor)} pixels");
        Assert.True(shot.Count(HtmlReport.ProfitColor) + shot.Count(HtmlReport.LossColor) > 300, "strategy bars");
    }

    [Fact]
    public async Task The_chromium_check_sees_a_console_error_and_a_page_without_charts()
    {
        var dir = EngineProcess.TempDir();
        var bad = Path.Combine(dir, "bad.html");
        await System.IO.File.WriteAllTextAsync(bad, "<!DOCTYPE html><html><body><p>no charts</p><script>console.error('broken chart')</script></body></html>");

        var (shot, console) = await Chromium.RenderAsync(bad, 800, 600);

        Assert.Contains(console, l => l.Contains("broken chart", StringComparison.Ordinal));
        Assert.Equal(0, shot.Count(HtmlReport.EquityColor));
        Assert.True(shot.Count("#ffffff") > 800 * 500, "a blank page is white");
    }

    [Fact]
    public async Task A_failing_gate_exits_3_with_the_gate_table_and_gate_summary_json_and_a_passing_file_exits_0()
    {
        var dir = EngineProcess.TempDir();
        await System.IO.File.WriteAllTextAsync(Path.Combine(dir, "strict.yaml"), "performance_thresholds: {min_total_trades: 100000}\n");
        await System.IO.File.WriteAllTextAsync(Path.Combine(dir, "lenient.yaml"), "performance_thresholds: {min_total_trades: 1, max_drawdown_pct: 100.0}\n");
        var env = new Dictionary<string, string> { ["ENGINE_SYNTHETIC_DAYS"] = "1" };

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, TimeSpan.FromMinutes(3), env, "--quiet", "--db", "a.db", "--gates", "strict.yaml");
        Assert.True(code == 3, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"FAIL\s+performance_thresholds\.min_total_trades\s+measured\s+\d", stdout);
        using (var summary = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(Path.Combine(dir, ReportFiles.GateSummaryName))))
            Assert.False(summary.RootElement.GetProperty("passed").GetBoolean());

        (code, stdout, stderr) = await EngineProcess.RunAsync(dir, TimeSpan.FromMinutes(3), env, "--quiet", "--db", "b.db", "--gates", "lenient.yaml");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("Promotion gates:   PASSED", stdout);
        using (var summary = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(Path.Combine(dir, ReportFiles.GateSummaryName))))
            Assert.True(summary.RootElement.GetProperty("passed").GetBoolean());
    }

    [Theory]
    [InlineData("performance_thresholds: {min_sharp_ratio: 1.0}\n", "min_sharp_ratio")]
    [InlineData("performance_thresholds: {min_sharpe_ratio: high}\n", "min_sharpe_ratio")]
    [InlineData("performance_thresholds: [1, 2\n", "gates.yaml")]
    public async Task A_bad_gate_file_exits_2_naming_what_is_wrong_before_anything_is_traded(string yaml, string named)
    {
        var dir = EngineProcess.TempDir();
        await System.IO.File.WriteAllTextAsync(Path.Combine(dir, "gates.yaml"), yaml);

        var (code, _, stderr) = await EngineProcess.RunAsync(dir, TimeSpan.FromMinutes(1), "--quiet", "--db", "x.db", "--gates", "gates.yaml");

        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
        Assert.False(System.IO.File.Exists(Path.Combine(dir, "x.db")), "nothing may be journaled when the gate file is refused");
    }
}

using System.Text.RegularExpressions;
using Engine.TestSupport;

namespace Engine.Host.Tests;

/// <summary>Runs of the real executable on LEAN data read as LEAN reads it: daily bars trade, and the
/// run says which resolution and reading each symbol got.</summary>
public sealed class LeanRunTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static long Figure(string stdout, string label) =>
        long.Parse(Regex.Match(stdout, $@"{Regex.Escape(label)}\s+([\d,]+)").Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

    [LeanDataFact]
    public async Task Daily_spy_trades_its_orders_at_the_next_open_none_refused_for_the_hours()
    {
        var dir = EngineProcess.TempDir();
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--data", LeanData.PathOf("equity", "usa", "daily", "spy.zip"), "--db", "d.db", "--quiet");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Equal(5_849, Figure(stdout, "Events read:"));
        // Long only (the default cash account): 464 orders and 456 fills over 23 years.
        Assert.True(Figure(stdout, "Orders accepted:") > 400, stdout);
        Assert.True(Figure(stdout, "Fills:") > 400, stdout);
        Assert.DoesNotContain("outside_trading_hours", stdout);
        Assert.Contains("[data] SPY: daily trades, adjusted prices", stderr);
        // Akka's false "failed to find an associated singleton" warning (akkadotnet/akka.net#8568) is turned off.
        Assert.DoesNotContain("failed to find an associated singleton", stderr);
    }

    /// <summary>
    /// The report where the data is hardest: every LEAN equity symbol at once (minute where there is
    /// minute data, daily for the daily-only symbols), 25 years of market dates, in a cash account.
    /// </summary>
    [LeanDataFact]
    public async Task The_whole_lean_equity_folder_reports_a_portfolio_that_ends_at_the_summarys_net_pnl_and_charts_that_draw()
    {
        var dir = EngineProcess.TempDir();
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--data", LeanData.PathOf("equity", "usa"), "--db", "l.db", "--quiet", "--report", "report", "--summary-json", "s.json");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "s.json")));
        Assert.True(summary.Fills > 1_000, $"{summary.Fills} fills");
        var net = summary.Positions.Sum(p => p.RealizedPnl + p.UnrealizedPnl - p.Fees);
        var report = Path.Combine(dir, "report");
        using var results = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(report, "backtest_results_*.json").Single()));
        var daily = results.RootElement.GetProperty("daily");
        Assert.True(daily.GetArrayLength() > 5_000, $"{daily.GetArrayLength()} market dates");
        Assert.Equal(100_000m + net, daily[daily.GetArrayLength() - 1].GetProperty("equity").GetDecimal());
        // A cash account: the replayed cash is never below zero at a close.
        Assert.All(daily.EnumerateArray(), d => Assert.True(d.GetProperty("cash").GetDecimal() >= 0m, d.ToString()));

        var (shot, console) = await Chromium.RenderAsync(Directory.GetFiles(report, "report_*.html").Single(), 1100, 2600);
        Assert.Empty(console);
        Assert.True(shot.Count(Engine.Host.Backtest.HtmlReport.EquityColor) > 300, "equity line");
        Assert.True(shot.Count(Engine.Host.Backtest.HtmlReport.BenchmarkColor) > 300, "benchmark line");
    }

    [LeanDataFact]
    public async Task A_spy_folder_run_reads_the_resolution_and_dates_asked_for()
    {
        var dir = EngineProcess.TempDir();
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--data", LeanData.PathOf("equity", "usa"), "--resolution", "minute", "--from", "2013-10-08", "--to", "2013-10-08",
            "--price-adjustment", "raw", "--db", "m.db", "--quiet");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        // SPY, IBM, AIG and BAC (AAPL has 2014 only, QQQ, EEM, IWM daily only), one day, 390 trade bars and 390 quotes each.
        Assert.Equal(4 * 2 * 390, Figure(stdout, "Events read:"));
        Assert.Contains("[data] SPY: minute trades and quotes (bars from trades; quotes for fills only), raw prices, regular hours 09:30-16:00, 2013-10-08..2013-10-08; not read: tick, second, hour, daily (--resolution)", stderr);
    }
}

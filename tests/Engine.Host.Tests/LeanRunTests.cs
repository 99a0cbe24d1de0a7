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

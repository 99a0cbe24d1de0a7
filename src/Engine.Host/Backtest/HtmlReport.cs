using System.Globalization;
using System.Net;
using System.Text;
using Engine.Domain.Backtest;

namespace Engine.Host.Backtest;

/// <summary>
/// The report as one self-contained HTML page: charts are inline SVG drawn here, no script and no
/// external resource, so it opens offline, in a mail attachment or a CI artifact alike.
/// </summary>
public static class HtmlReport
{
    // The chart colours the screenshot test looks for: each chart draws in its own.
    public const string EquityColor = "#1f77b4";
    public const string BenchmarkColor = "#ff7f0e";
    public const string DrawdownColor = "#d62728";
    public const string ProfitColor = "#2ca02c";
    public const string LossColor = "#9467bd";

    /// <summary>Rows of the trade list shown; every trade is in the JSON results.</summary>
    public const int MaxTradeRows = 2000;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(BacktestReport r, DateTime generatedUtc)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest report ")
            .Append(E($"{r.FirstDate:yyyy-MM-dd} to {r.LastDate:yyyy-MM-dd}")).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
            .Append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}")
            .Append("td.l,th.l{text-align:left}.pass{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}.na{color:#777}")
            .Append("svg{background:#fff;border:1px solid #ddd}.legend span{margin-right:16px}")
            .Append("</style></head><body>\n");
        sb.Append("<h1>Backtest report</h1>\n<p>").Append(E(r.Source)).Append("<br>")
            .Append(E($"{r.FirstDate:yyyy-MM-dd} to {r.LastDate:yyyy-MM-dd}, {r.Daily.Count} market dates, starting cash {r.StartingCash:N2}; benchmark: {r.Benchmark}"))
            .Append("<br>generated ").Append(E(generatedUtc.ToString("yyyy-MM-dd HH:mm:ss'Z'", Inv))).Append("</p>\n");

        if (r.Gates is { } gates) Gates(sb, r, gates);
        Statistics(sb, r);

        sb.Append("<h2>Equity against the benchmark</h2>\n<p class=\"legend\"><span style=\"color:").Append(EquityColor)
            .Append("\">&#9632; portfolio</span><span style=\"color:").Append(BenchmarkColor).Append("\">&#9632; benchmark</span></p>\n");
        sb.Append(LineChart("equity-chart", r.Daily.Select(d => d.Date).ToArray(),
            [(EquityColor, r.Daily.Select(d => (double)d.Equity).ToArray(), false), (BenchmarkColor, r.Daily.Select(d => (double)d.Benchmark).ToArray(), false)]));
        sb.Append("<h2>Drawdown (%)</h2>\n");
        sb.Append(LineChart("drawdown-chart", r.Daily.Select(d => d.Date).ToArray(), [(DrawdownColor, r.Daily.Select(d => d.DrawdownPct).ToArray(), true)]));
        Monthly(sb, r);
        sb.Append("<h2>Net profit by strategy</h2>\n");
        sb.Append(BarChart("strategy-chart", r.Strategies.Select(s => (s.Strategy, (double)s.Statistics.NetProfit)).ToArray()));
        Trades(sb, r);
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Gates(StringBuilder sb, BacktestReport r, IReadOnlyList<GateResult> gates)
    {
        sb.Append("<h2>Promotion gates: <span class=\"").Append(r.GatesPassed ? "pass\">PASSED" : "fail\">FAILED").Append("</span></h2>\n");
        sb.Append("<table id=\"gates\"><tr><th class=\"l\">gate</th><th>measured</th><th>threshold</th><th class=\"l\">outcome</th><th class=\"l\">detail</th></tr>\n");
        foreach (var g in gates)
        {
            var css = g.Outcome switch { GateOutcome.Pass => "pass", GateOutcome.Fail => "fail", _ => "na" };
            sb.Append("<tr><td class=\"l\">").Append(E(g.Section + "." + g.Key)).Append("</td><td>").Append(BacktestReport.Num(g.Measured))
                .Append("</td><td>").Append(BacktestReport.Num(g.Threshold)).Append("</td><td class=\"l ").Append(css).Append("\">")
                .Append(BacktestReport.Outcome(g.Outcome)).Append("</td><td class=\"l\">").Append(E(g.Detail)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Statistics(StringBuilder sb, BacktestReport r)
    {
        sb.Append("<h2>Statistics</h2>\n<table id=\"statistics\"><tr><th class=\"l\"></th><th>portfolio</th><th>benchmark</th>");
        foreach (var s in r.Strategies) sb.Append("<th>").Append(E(s.Strategy)).Append("</th>");
        sb.Append("</tr>\n");
        var columns = new List<PortfolioStatistics?> { r.Portfolio, r.BenchmarkStatistics };
        columns.AddRange(r.Strategies.Select(s => (PortfolioStatistics?)s.Statistics));
        Row(sb, "net profit", columns, s => s.NetProfit.ToString("N2", Inv));
        Row(sb, "net profit %", columns, s => P(s.NetProfitPct / 100));
        Row(sb, "CAGR", columns, s => P(s.Cagr));
        Row(sb, "Sharpe", columns, s => D(s.Sharpe));
        Row(sb, "Sortino", columns, s => D(s.Sortino));
        Row(sb, "probabilistic Sharpe", columns, s => P(s.ProbabilisticSharpe));
        Row(sb, "max drawdown", columns, s => P(s.MaxDrawdownPct / 100));
        Row(sb, "max drawdown duration (days)", columns, s => s.MaxDrawdownDurationDays.ToString(Inv));
        Row(sb, "annual return", columns, s => P(s.AnnualReturn));
        Row(sb, "annual volatility", columns, s => P(s.AnnualVolatility));
        Row(sb, "trades", columns, s => s.TotalTrades.ToString(Inv));
        Row(sb, "win rate", columns, s => P(s.WinRate));
        Row(sb, "loss rate", columns, s => P(s.LossRate));
        Row(sb, "average win", columns, s => s.AverageWin.ToString("N2", Inv));
        Row(sb, "average loss", columns, s => s.AverageLoss.ToString("N2", Inv));
        Row(sb, "profit-loss ratio", columns, s => D(s.ProfitLossRatio));
        Row(sb, "expectancy", columns, s => D(s.Expectancy));
        Row(sb, "orders", columns, s => s.TotalOrders.ToString(Inv));
        Row(sb, "fees", columns, s => s.TotalFees.ToString("N2", Inv));
        Row(sb, "turnover", columns, s => P(s.Turnover));
        Row(sb, "exposure", columns, s => P(s.Exposure));
        Row(sb, "alpha", columns, s => BacktestReport.Num(s.Alpha));
        Row(sb, "beta", columns, s => BacktestReport.Num(s.Beta));
        Row(sb, "information ratio", columns, s => BacktestReport.Num(s.InformationRatio));
        sb.Append("</table>\n<p>").Append(E($"Overfitting over {r.Overfitting.TrialCount} trials ({r.Overfitting.Trials}): probability of backtest overfitting {BacktestReport.Num(r.Overfitting.Pbo)}, deflated Sharpe {BacktestReport.Num(r.Overfitting.DeflatedSharpe)} of {r.Overfitting.Selected ?? "-"}, positive walk-forward windows {BacktestReport.Num(r.Overfitting.PositiveWindowsFraction)}."))
            .Append("</p>\n");
    }

    private static void Row(StringBuilder sb, string name, IReadOnlyList<PortfolioStatistics?> columns, Func<PortfolioStatistics, string> value)
    {
        sb.Append("<tr><td class=\"l\">").Append(E(name)).Append("</td>");
        foreach (var c in columns) sb.Append("<td>").Append(c is null ? "" : E(value(c))).Append("</td>");
        sb.Append("</tr>\n");
    }

    private static void Monthly(StringBuilder sb, BacktestReport r)
    {
        sb.Append("<h2>Monthly returns (%)</h2>\n<table id=\"monthly\"><tr><th class=\"l\">year</th>");
        foreach (var m in CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames.Take(12)) sb.Append("<th>").Append(m).Append("</th>");
        sb.Append("</tr>\n");
        foreach (var year in r.Monthly.GroupBy(m => m.Year))
        {
            sb.Append("<tr><td class=\"l\">").Append(year.Key.ToString(Inv)).Append("</td>");
            for (var month = 1; month <= 12; month++)
            {
                var m = year.FirstOrDefault(x => x.Month == month);
                if (m is null)
                {
                    sb.Append("<td></td>");
                    continue;
                }
                // Green for gains, red for losses, stronger with size (saturating at 10%).
                var strength = Math.Min(1.0, Math.Abs(m.ReturnPct) / 10.0);
                var alpha = (0.15 + 0.6 * strength).ToString("0.00", Inv);
                var colour = m.ReturnPct >= 0 ? $"rgba(44,160,44,{alpha})" : $"rgba(214,39,40,{alpha})";
                sb.Append("<td style=\"background:").Append(colour).Append("\">").Append(m.ReturnPct.ToString("0.00", Inv)).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void Trades(StringBuilder sb, BacktestReport r)
    {
        sb.Append("<h2>Trades</h2>\n");
        if (r.Trades.Count > MaxTradeRows)
            sb.Append("<p>").Append(E($"The first {MaxTradeRows:N0} of {r.Trades.Count:N0} trades; every trade is in the JSON results.")).Append("</p>\n");
        sb.Append("<table id=\"trades\"><tr><th class=\"l\">strategy</th><th class=\"l\">symbol</th><th class=\"l\">entry</th><th class=\"l\">exit</th><th>quantity</th><th>entry price</th><th>exit price</th><th>fees</th><th>profit</th></tr>\n");
        foreach (var t in r.Trades.Take(MaxTradeRows))
        {
            sb.Append("<tr><td class=\"l\">").Append(E(t.Strategy)).Append("</td><td class=\"l\">").Append(E(t.Symbol))
                .Append("</td><td class=\"l\">").Append(t.EntryTime.ToString("yyyy-MM-dd HH:mm", Inv))
                .Append("</td><td class=\"l\">").Append(t.ExitTime.ToString("yyyy-MM-dd HH:mm", Inv))
                .Append("</td><td>").Append(t.Quantity.ToString("0.####", Inv)).Append("</td><td>").Append(t.EntryPrice.ToString("0.0000", Inv))
                .Append("</td><td>").Append(t.ExitPrice.ToString("0.0000", Inv)).Append("</td><td>").Append(t.Fees.ToString("N2", Inv))
                .Append("</td><td>").Append(t.ProfitLoss.ToString("N2", Inv)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private const int Width = 960, Height = 280, Left = 80, Right = 20, Top = 14, Bottom = 34;

    /// <summary>Lines over the dates (a filled area down to zero when asked), with y ticks and the first and last dates.</summary>
    private static string LineChart(string id, IReadOnlyList<DateOnly> dates, IReadOnlyList<(string Color, double[] Values, bool Fill)> series)
    {
        var sb = new StringBuilder();
        sb.Append("<svg id=\"").Append(id).Append("\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" xmlns=\"http://www.w3.org/2000/svg\">");
        var all = series.SelectMany(s => s.Values).ToArray();
        if (all.Length == 0)
            return sb.Append("<text x=\"20\" y=\"40\">no market dates</text></svg>\n").ToString();
        var (min, max) = (all.Min(), all.Max());
        if (series.Any(s => s.Fill)) (min, max) = (Math.Min(min, 0), Math.Max(max, 0));
        if (max - min < 1e-9) (min, max) = (min - 1, max + 1);
        var n = dates.Count;
        double X(int i) => Left + (n == 1 ? 0.5 : i / (double)(n - 1)) * (Width - Left - Right);
        double Y(double v) => Top + (max - v) / (max - min) * (Height - Top - Bottom);
        for (var t = 0; t <= 4; t++)
        {
            var v = min + (max - min) * t / 4;
            sb.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.0}\" y2=\"{Y(v):0.0}\" stroke=\"#e5e5e5\"/>");
            sb.Append(Inv, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.0}\" font-size=\"11\" text-anchor=\"end\">{v:#,0.##}</text>");
        }
        sb.Append(Inv, $"<text x=\"{Left}\" y=\"{Height - 10}\" font-size=\"11\">{dates[0]:yyyy-MM-dd}</text>");
        sb.Append(Inv, $"<text x=\"{Width - Right}\" y=\"{Height - 10}\" font-size=\"11\" text-anchor=\"end\">{dates[^1]:yyyy-MM-dd}</text>");
        foreach (var (color, values, fill) in series)
        {
            var points = new StringBuilder();
            for (var i = 0; i < values.Length; i++) points.Append(Inv, $"{X(i):0.0},{Y(values[i]):0.0} ");
            if (fill)
            {
                var area = $"{X(0):0.0},{Y(0):0.0} {points}{X(values.Length - 1):0.0},{Y(0):0.0}".ToString(Inv);
                sb.Append("<polygon points=\"").Append(area).Append("\" fill=\"").Append(color).Append("\" fill-opacity=\"0.6\"/>");
            }
            sb.Append("<polyline points=\"").Append(points).Append("\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"2.5\"/>");
            // A single date is a point, not a line: mark it so it shows.
            if (values.Length == 1) sb.Append(Inv, $"<circle cx=\"{X(0):0.0}\" cy=\"{Y(values[0]):0.0}\" r=\"5\" fill=\"{color}\"/>");
        }
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>One horizontal bar per strategy from a zero line: profits in one colour, losses in another.</summary>
    private static string BarChart(string id, IReadOnlyList<(string Label, double Value)> bars)
    {
        const int row = 26, labelWidth = 240;
        var height = Math.Max(1, bars.Count) * row + 20;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg id=\"{id}\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        if (bars.Count == 0) return sb.Append("<text x=\"20\" y=\"20\">no strategy traded</text></svg>\n").ToString();
        var extent = Math.Max(1e-9, bars.Max(b => Math.Abs(b.Value)));
        var half = (Width - labelWidth - 120) / 2.0;
        var zero = labelWidth + half;
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var length = Math.Max(2, Math.Abs(value) / extent * half);
            var x = value >= 0 ? zero : zero - length;
            var y = 10 + i * row;
            sb.Append(Inv, $"<text x=\"{labelWidth - 8}\" y=\"{y + 15}\" font-size=\"12\" text-anchor=\"end\">{E(label)}</text>");
            sb.Append(Inv, $"<rect x=\"{x:0.0}\" y=\"{y}\" width=\"{length:0.0}\" height=\"{row - 8}\" fill=\"{(value >= 0 ? ProfitColor : LossColor)}\"/>");
            // Values in their own column: a long loss bar would run under a label written at its end.
            sb.Append(Inv, $"<text x=\"{Width - 10}\" y=\"{y + 15}\" font-size=\"12\" text-anchor=\"end\">{value:N2}</text>");
        }
        sb.Append(Inv, $"<line x1=\"{zero:0.0}\" x2=\"{zero:0.0}\" y1=\"4\" y2=\"{height - 4}\" stroke=\"#444\"/>");
        return sb.Append("</svg>\n").ToString();
    }

    private static string P(double fraction) => (fraction * 100).ToString("0.00", Inv) + "%";

    private static string D(double v) => v.ToString("0.000", Inv);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}

using Engine.Domain.Backtest;

namespace Engine.Host.Backtest;

/// <summary>Where --report and --gates write, each file written beside and then moved into place so no reader sees half of one.</summary>
public static class ReportFiles
{
    public const string GateSummaryName = "gate_summary.json";

    /// <summary>Writes backtest_results_&lt;date&gt;.json, report_&lt;date&gt;.txt and report_&lt;date&gt;.html; returns their paths.</summary>
    public static IReadOnlyList<string> Write(BacktestReport report, string runSummaryText, string directory, DateTime generatedUtc)
    {
        Directory.CreateDirectory(directory);
        var date = generatedUtc.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var json = Path.Combine(directory, $"backtest_results_{date}.json");
        var text = Path.Combine(directory, $"report_{date}.txt");
        var html = Path.Combine(directory, $"report_{date}.html");
        WriteAtomically(json, report.ToJson());
        WriteAtomically(text, runSummaryText + report.ToText());
        WriteAtomically(html, HtmlReport.Render(report, generatedUtc));
        return [json, text, html];
    }

    public static string WriteGateSummary(IReadOnlyList<GateResult> gates, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, GateSummaryName);
        WriteAtomically(path, PromotionGatesFile.ToJson(gates));
        return path;
    }

    private static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }
}

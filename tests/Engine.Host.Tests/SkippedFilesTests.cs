using System.Globalization;

namespace Engine.Host.Tests;

/// <summary>Every file of --data is read or reported as skipped with why: logged at start, counted in
/// the summary, listed in the JSON summary.</summary>
public sealed class SkippedFilesTests
{
    [Fact]
    public async Task Files_not_read_are_logged_counted_and_listed_in_the_json_summary()
    {
        var dir = EngineProcess.TempDir();
        var data = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        var t0 = new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
        File.WriteAllLines(Path.Combine(data, "t.csv"), new[] { "timestamp,symbol,price,quantity" }.Concat(Enumerable.Range(0, 5).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{t0.AddMinutes(i):yyyy-MM-ddTHH:mm:ssZ},XYZ,100,100"))));
        var readme = Path.Combine(data, "readme.txt");
        File.WriteAllText(readme, "notes");
        var corrupt = Path.Combine(data, "equity", "usa", "minute", "xyz", "20131007_trade.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(corrupt)!);
        File.WriteAllText(corrupt, "not a zip");

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, TimeSpan.FromMinutes(3),
            "--data", data, "--db", Path.Combine(dir, "j.db"), "--summary-json", Path.Combine(dir, "s.json"), "--quiet");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"[data] skipped {readme}: not market data", stderr);
        Assert.Contains($"[data] skipped {corrupt}: cannot read the zip archive", stderr);
        Assert.Contains("Skipped files:                2   (1 corrupt archive, 1 not market data)", stdout);
        var summary = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "s.json")));
        Assert.Equal(new[] { (corrupt, "corrupt_archive"), (readme, "not_market_data") },
            summary.Feed.SkippedFiles.Select(f => (f.Path, f.Reason)));
        Assert.Equal(5, summary.Feed.Accepted);
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Text;
using Engine.Domain;
using Engine.Domain.MarketData;
using Engine.TestSupport;

namespace Engine.MarketData.Tests;

/// <summary>
/// Issue 8's fuzz suite for the readers: valid CSV files and LEAN zips (real LEAN files, read in
/// place) mutated at random, a fixed number of seeded cases each, so a failure names its seed and
/// replays. Every case either reads to the end with every item accepted or rejected for a reason
/// (Read = Accepted + Rejected), or is refused as a whole with a FeedFormatException (exit 2 in
/// the host); never another exception, and nothing accepted lies outside ValueBounds. A zip whose
/// bytes were changed yields exactly the original's events or none of them: corrupted lines are
/// never traded.
/// </summary>
public sealed class FuzzTests
{
    private static readonly int Cases = Mutator.Cases(300);

    [Fact]
    public void Mutated_csv_files_are_read_to_the_end_or_refused_whole()
    {
        using var dir = new TempDir();
        var baseText = BaseCsv();
        var outcomes = new Outcomes();
        for (var seed = 0; seed < Cases; seed++)
        {
            var rnd = new Random(seed);
            var (text, what) = Mutator.Text(baseText, rnd);
            var path = dir.Write($"fuzz{seed}.csv", text);
            outcomes.Add(seed, what, () => Read(path));
        }
        outcomes.AssertMixed(Cases);
    }

    [LeanDataFact]
    public void Mutated_lines_of_real_lean_files_are_read_to_the_end_or_refused_whole()
    {
        using var dir = new TempDir();
        var bases = LeanBases();
        var outcomes = new Outcomes();
        for (var seed = 0; seed < Cases; seed++)
        {
            var rnd = new Random(seed);
            var (relative, csv) = bases[seed % bases.Count];
            var (text, what) = Mutator.Text(csv, rnd);
            var path = dir.Zip($"case{seed}/{relative}", text);
            outcomes.Add(seed, $"{relative}: {what}", () => Read(path));
        }
        outcomes.AssertMixed(Cases);
    }

    [LeanDataFact]
    public void A_zip_with_changed_bytes_gives_all_of_its_events_or_none()
    {
        using var dir = new TempDir();
        var (relative, csv) = LeanBases()[0];
        var original = Read(dir.Zip($"original/{relative}", csv));
        Assert.True(original.Events > 50, $"only {original.Events} events in the base file");
        var bytes = File.ReadAllBytes(Path.Combine(dir.Root, "original", relative));
        int whole = 0, none = 0;
        for (var seed = 0; seed < Cases; seed++)
        {
            var rnd = new Random(seed);
            var (mutated, what) = Mutator.Bytes(bytes, rnd);
            var path = dir.Bytes($"case{seed}/{relative}", mutated);
            Result result;
            try { result = Read(path); }
            catch (FeedFormatException) { none++; continue; }
            catch (Exception ex) { Assert.Fail($"seed {seed} ({what}): {ex}"); throw; }
            Assert.True(result.Consistent, $"seed {seed} ({what}): {result}");
            if (result.Events == 0) none++;
            else
            {
                Assert.True(result.Fingerprint == original.Fingerprint, $"seed {seed} ({what}): {result.Events} events read from a changed zip differ from the original's {original.Events}");
                whole++;
            }
        }
        Assert.True(none > Cases / 3, $"only {none} of {Cases} changed zips were refused");
        Assert.True(whole > 5, $"only {whole} changed zips still read whole (changes outside the data)");
    }

    private static string BaseCsv()
    {
        var t0 = new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
        var lines = new List<string> { "timestamp,symbol,price,quantity" };
        for (var i = 0; i < 60; i++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{t0.AddSeconds(i * 7):yyyy-MM-ddTHH:mm:ss.fffZ},{(i % 3 == 0 ? "AAA" : "BBB")},{100m + i % 11 * 0.25m},{100 + i}"));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The first 80 lines of real LEAN files of each shape, at their LEAN paths.</summary>
    private static List<(string Relative, string Csv)> LeanBases()
    {
        var files = new[]
        {
            "equity/usa/minute/spy/20131007_trade.zip", "equity/usa/minute/spy/20131007_quote.zip",
            "equity/usa/tick/ibm/20131007_trade.zip", "equity/usa/tick/ibm/20131007_quote.zip",
            "equity/usa/daily/spy.zip", "equity/usa/hour/spy.zip",
        };
        var bases = new List<(string, string)>();
        foreach (var relative in files)
        {
            var path = LeanData.PathOf(relative.Split('/'));
            if (!File.Exists(path)) continue;
            using var zip = ZipFile.OpenRead(path);
            using var reader = new StreamReader(zip.Entries[0].Open());
            var lines = new List<string>();
            while (lines.Count < 80 && reader.ReadLine() is { } line) lines.Add(line);
            bases.Add((relative, string.Join("\n", lines) + "\n"));
        }
        Assert.True(bases.Count >= 4, $"only {bases.Count} of the LEAN base files exist under {LeanData.Root}");
        return bases;
    }

    private sealed record Result(long Read, long Accepted, long Rejected, int Events, string Fingerprint, string? OutOfBounds)
    {
        public bool Consistent => Read == Accepted + Rejected && Accepted == Events && OutOfBounds is null;
    }

    private static Result Read(string path)
    {
        // Every line as stored: the base files' first lines are pre-market.
        var run = new FeedRun(FeedDetector.FromPath(path, LeanReadOptions.AsStored));
        var s = run.Stats.Snapshot();
        var fingerprint = new StringBuilder();
        string? outOfBounds = null;
        var expected = 1L;
        foreach (var e in run.Events)
        {
            fingerprint.Append(e.Event).Append('\n');
            if (e.Sequence != expected++) outOfBounds = $"sequence {e.Sequence} where {expected - 1} was due";
            if (!ValueBounds.IsTime(e.Event.Time)) outOfBounds = $"accepted time {e.Event.Time:O}";
            foreach (var p in Prices(e.Event))
                if (!ValueBounds.IsPrice(p)) outOfBounds = $"accepted price {p} in {e.Event}";
        }
        return new Result(s.Read, s.Accepted, s.Rejected, run.Events.Count, fingerprint.ToString(), outOfBounds);
    }

    private static IEnumerable<decimal> Prices(MarketEvent e) => e switch
    {
        TradeTick t => [t.Price],
        QuoteTick q => [q.Bid, q.Ask],
        TradeBar b => [b.Open, b.High, b.Low, b.Close],
        _ => [],
    };

    /// <summary>Counts how the cases ended, failing on the first unexpected exception or inconsistency.</summary>
    private sealed class Outcomes
    {
        private int _refused, _withRejections, _clean;

        public void Add(int seed, string what, Func<Result> read)
        {
            Result result;
            try { result = read(); }
            catch (FeedFormatException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message), $"seed {seed} ({what}): refused without a message");
                _refused++;
                return;
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed} ({what}): unhandled {ex}");
                return;
            }
            Assert.True(result.Consistent, $"seed {seed} ({what}): {result}");
            if (result.Rejected > 0) _withRejections++;
            else _clean++;
        }

        /// <summary>The mutations are not vacuous: most cases reject something.</summary>
        public void AssertMixed(int cases)
        {
            Assert.Equal(cases, _refused + _withRejections + _clean);
            Assert.True(_withRejections > cases / 3, $"only {_withRejections} of {cases} cases had a rejected line ({_refused} refused, {_clean} clean)");
        }
    }
}

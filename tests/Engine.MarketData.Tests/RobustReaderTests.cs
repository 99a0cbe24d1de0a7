using System.IO.Compression;
using System.Text;
using Engine.Domain.MarketData;
using Engine.TestSupport;

namespace Engine.MarketData.Tests;

/// <summary>Issue 8 item 7: over-long lines, bad archives, misnamed files and junk in a data folder
/// are refused and reported; what is good around them is still read, and memory stays bounded.</summary>
public sealed class RobustReaderTests : IDisposable
{
    private const string Bar = "34200000,1000000,1010000,990000,1005000,500";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Bars(int count, int firstMinute = 0) => string.Join("\n",
        Enumerable.Range(firstMinute, count).Select(i => $"{34200000 + i * 60000},1000000,1010000,990000,1005000,{500 + i}"));

    [Fact]
    public void A_10_MB_line_in_a_csv_is_rejected_as_too_long_and_the_lines_after_it_are_read()
    {
        var csv = new StringBuilder("timestamp,symbol,price,quantity\n");
        csv.Append("2024-03-04T14:30:00Z,ABC,10.00,100\n");
        csv.Append("2024-03-04T14:30:01Z,ABC,10.01,").Append('9', 10_000_000).Append('\n');
        for (var i = 2; i < 6; i++) csv.Append($"2024-03-04T14:30:0{i}Z,ABC,10.0{i},100\r\n");
        var path = _dir.Write("big.csv", csv.ToString());

        var run = FeedRun.Of(new CsvFileSource(path));

        var rejection = Assert.Single(run.Rejections);
        Assert.Equal((3L, DataRejectReason.LineTooLong), (rejection.Line, rejection.Reason));
        Assert.Equal("line_too_long", rejection.Reason.Code());
        Assert.Contains("10,000,031 characters", rejection.Detail);
        Assert.Equal(new[] { 10.00m, 10.02m, 10.03m, 10.04m, 10.05m }, run.Events.Select(e => ((TradeTick)e.Event).Price));
    }

    [Fact]
    public void A_200_MB_line_is_skipped_with_bounded_memory_and_reading_goes_on()
    {
        const long lineChars = 200L * 1024 * 1024;
        using var reader = LineReader.Over(new GeneratedText("first\n", 'x', lineChars, "\nnext,line\nlast"));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var lines = new List<(long Number, string Text, bool TooLong, long Length)>();
        while (reader.MoveNext()) lines.Add((reader.LineNumber, reader.Current.ToString(), reader.CurrentIsTooLong, reader.TooLongLength));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(reader.Error);
        Assert.Equal(4, lines.Count);
        Assert.Equal((1L, "first", false), (lines[0].Number, lines[0].Text, lines[0].TooLong));
        Assert.Equal((2L, "", true, lineChars), (lines[1].Number, lines[1].Text, lines[1].TooLong, lines[1].Length));
        Assert.Equal((3L, "next,line"), (lines[2].Number, lines[2].Text));
        Assert.Equal((4L, "last"), (lines[3].Number, lines[3].Text));
        // The line is never held: the reader's buffer is capped at 64 Ki chars (128 KB).
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated:N0} bytes reading a 200 MB line");
    }

    [Fact]
    public void A_huge_line_inside_a_lean_zip_is_one_rejection_with_bounded_memory()
    {
        var path = Path.Combine(_dir.Root, "equity/usa/minute/xyz/20131007_trade.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry(_dir.LeanEntryName("equity/usa/minute/xyz/20131007_trade.zip")).Open()))
        {
            writer.Write(Bars(1) + "\n");
            var chunk = new string('7', 1 << 20);
            for (var i = 0; i < 100; i++) writer.Write(chunk);
            writer.Write("\n" + Bars(2, firstMinute: 1));
        }
        var before = GC.GetAllocatedBytesForCurrentThread();

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L * 1024 * 1024);
        Assert.Equal((2L, DataRejectReason.LineTooLong), (Assert.Single(run.Rejections).Line, run.Rejections[0].Reason));
        Assert.Equal(3, run.Events.Count);
    }

    [Fact]
    public void A_zip_with_two_entries_reads_the_one_named_for_it_and_reports_the_other()
    {
        const string relative = "equity/usa/minute/xyz/20131007_trade.zip";
        var path = _dir.ZipEntries(relative, ("notes.csv", "9,9,9,9,9,9"), (_dir.LeanEntryName(relative), Bars(3)));
        var source = new LeanFileSource(path);

        var run = FeedRun.Of(source);

        Assert.Equal(3, run.Events.Count);
        Assert.Empty(run.Rejections);
        var extra = Assert.Single(source.Skipped.Snapshot());
        Assert.Equal((path + "!notes.csv", SkipReason.ExtraEntry), (extra.Path, extra.Reason));
        Assert.Contains("20131007_xyz_minute_trade.csv", extra.Detail);
    }

    [Fact]
    public void A_zip_whose_entries_are_named_for_another_file_is_not_read()
    {
        var otherDay = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", Bars(3), "20131008_xyz_minute_trade.csv");
        var otherKind = _dir.Zip("equity/usa/minute/abc/20131007_trade.zip", Bars(3), "20131007_abc_minute_quote.csv");
        var tickForMinute = _dir.Zip("equity/usa/minute/def/20131007_trade.zip", Bars(3), "20131007_def_Trade_Tick.csv");
        var generic = _dir.Zip("equity/usa/daily/ghi.zip", "20131007 00:00,1000000,1010000,990000,1005000,500", "data.csv");
        var twoStrangers = _dir.ZipEntries("equity/usa/minute/jkl/20131007_trade.zip", ("a.csv", Bars(1)), ("b.csv", Bars(1)));
        var skipped = new SkippedFiles();

        var run = FeedRun.Of(new[] { otherDay, otherKind, tickForMinute, generic, twoStrangers }
            .Select(p => (IFeedSource)new LeanFileSource(new[] { p }, skipped)).ToArray());

        Assert.Empty(run.Events);
        Assert.Equal(5, run.Rejections.Count);
        Assert.All(run.Rejections, r => Assert.Equal((0L, DataRejectReason.Malformed), (r.Line, r.Reason)));
        Assert.Equal(5, skipped.Snapshot().Count(f => f.Reason == SkipReason.Misnamed));
        Assert.Contains("'20131008_xyz_minute_trade.csv', not '20131007_xyz_minute_trade.csv'",
            skipped.Snapshot().Single(f => f.Path == otherDay).Detail);
        Assert.Contains("ghi.csv", skipped.Snapshot().Single(f => f.Path == generic).Detail);
    }

    [Fact]
    public void A_trade_zip_holding_quote_columns_or_ticks_is_misnamed_and_not_traded()
    {
        const string quoteBars = "34200000,1672700,1672700,1671500,1672500,300,1680000,1680000,1672600,1672700,20000";
        var quotes = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", quoteBars + "\n" + quoteBars);
        var ticks = _dir.Zip("equity/usa/second/xyz/20131007_trade.zip", "34200000,1689500,700,P,2000,0\n34200001,1689500,700,Q,2000,0");
        var tradeAsQuote = _dir.Zip("equity/usa/tick/xyz/20131007_quote.zip", "34200000,1689500,700,P,2000,0");
        var skipped = new SkippedFiles();

        var run = FeedRun.Of(new[] { quotes, ticks, tradeAsQuote }.Select(p => (IFeedSource)new LeanFileSource(new[] { p }, skipped)).ToArray());

        Assert.Empty(run.Events);
        // One rejection per file (its first line), not one per line: the file is abandoned.
        Assert.Equal(3, run.Rejections.Count);
        Assert.All(run.Rejections, r => Assert.Equal((1L, DataRejectReason.Malformed), (r.Line, r.Reason)));
        var why = skipped.Snapshot().ToDictionary(f => f.Path, f => (f.Reason, f.Detail));
        Assert.Equal(SkipReason.Misnamed, why[quotes].Reason);
        Assert.Contains("11 columns of quote bars", why[quotes].Detail);
        Assert.Contains("trade ticks", why[ticks].Detail);
        Assert.Contains("trade ticks", why[tradeAsQuote].Detail);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void A_zip_failing_its_checksum_is_rejected_before_any_of_its_lines(CompressionLevel level)
    {
        const string relative = "equity/usa/minute/xyz/20131007_trade.zip";
        var path = Path.Combine(_dir.Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry(_dir.LeanEntryName(relative), level).Open()))
            writer.Write(Bars(300));
        var bytes = File.ReadAllBytes(path);
        // Local header: 30 bytes, then the name and extra field, then the entry's data.
        var data = 30 + BitConverter.ToUInt16(bytes, 26) + BitConverter.ToUInt16(bytes, 28);
        var flip = data + (level == CompressionLevel.NoCompression ? 20 : 200);
        // Stored: one digit of a price changes; the line still parses, only the checksum can tell.
        bytes[flip] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var source = new LeanFileSource(path);

        var run = FeedRun.Of(source);

        Assert.Empty(run.Events);
        var rejection = Assert.Single(run.Rejections);
        Assert.Equal((0L, DataRejectReason.Malformed), (rejection.Line, rejection.Reason));
        Assert.Contains("corrupt", rejection.Detail);
        if (level == CompressionLevel.NoCompression) Assert.Contains("fails its checksum (CRC-32", rejection.Detail);
        Assert.Equal(SkipReason.CorruptArchive, Assert.Single(source.Skipped.Snapshot()).Reason);
        Assert.Equal(1, run.Stats.Snapshot().Read);
    }

    [Fact]
    public void Truncated_and_empty_zips_are_reported_as_corrupt_never_a_crash()
    {
        var good = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", Bars(50));
        var bytes = File.ReadAllBytes(good);
        var truncated = _dir.Bytes("equity/usa/minute/xyz/20131008_trade.zip", bytes[..(bytes.Length / 2)]);
        var noEntry = Path.Combine(_dir.Root, "equity/usa/minute/xyz/20131009_trade.zip");
        ZipFile.Open(noEntry, ZipArchiveMode.Create).Dispose();
        var source = new LeanFileSource(new[] { good, truncated, noEntry });

        var run = FeedRun.Of(source);

        Assert.Equal(50, run.Events.Count);
        Assert.Equal(2, run.Rejections.Count);
        Assert.Equal(new[] { truncated, noEntry }, source.Skipped.Snapshot().Select(f => f.Path));
        Assert.All(source.Skipped.Snapshot(), f => Assert.Equal(SkipReason.CorruptArchive, f.Reason));
    }

    [Fact]
    public void Every_file_of_a_folder_is_read_or_listed_as_skipped_with_why()
    {
        var csv = _dir.Write("trades.csv", "timestamp,symbol,price,quantity\n2024-01-02T15:00:00Z,X,1,1\n");
        var readme = _dir.Write("readme.txt", "hello");
        var factor = _dir.Write("equity/usa/factor_files/spy.csv", "19980102,0.65,1,1\n");
        var map = _dir.Write("equity/usa/map_files/spy.csv", "19980102,spy,P\n");
        var notes = _dir.Write("notes.csv", "just,some,columns\n");
        var hidden = _dir.Write(".DS_Store", "junk");
        var crypto = _dir.Zip("crypto/coinbase/minute/btcusd/20171001_trade.zip", "1,2,3,4,5,6");
        var stray = _dir.Zip("equity/usa/minute/xyz/notes.zip", "x");
        var good = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", Bars(2));
        var corrupt = _dir.Bytes("equity/usa/minute/xyz/20131008_trade.zip", "not a zip"u8.ToArray());

        var detected = FeedDetector.Detect(_dir.Root);

        Assert.Equal(2, detected.Sources.Count);
        var found = detected.Skipped.Snapshot().ToDictionary(f => f.Path, f => f.Reason);
        Assert.Equal(new Dictionary<string, SkipReason>
        {
            [readme] = SkipReason.NotMarketData,
            [factor] = SkipReason.LeanAuxiliary,
            [map] = SkipReason.LeanAuxiliary,
            [notes] = SkipReason.NotMarketData,
            [hidden] = SkipReason.NotMarketData,
            [crypto] = SkipReason.NotEquity,
            [stray] = SkipReason.NotLeanLayout,
        }, found);
        Assert.Contains("LEAN factor file, not prices", detected.Skipped.Snapshot().Single(f => f.Path == factor).Detail);
        Assert.Contains("not an equity LEAN layout", detected.Skipped.Snapshot().Single(f => f.Path == crypto).Detail);

        var run = new FeedRun(detected.Sources);

        Assert.Equal(3, run.Events.Count);
        Assert.Equal(SkipReason.CorruptArchive, detected.Skipped.Snapshot().Single(f => f.Path == corrupt).Reason);
        Assert.Equal("8 (3 not market data, 2 LEAN factor/map file, 1 not equity, 1 not LEAN layout, 1 corrupt archive)",
            FeedDetector.Describe(detected.Skipped));
        // Read again (a restart): the same files, each listed once.
        _ = new FeedRun(detected.Sources);
        Assert.Equal(8, detected.Skipped.Count);
        var all = Directory.EnumerateFiles(_dir.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        Assert.Equal(all, new[] { csv, good }.Concat(detected.Skipped.Snapshot().Select(f => f.Path)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_csv_with_a_huge_first_line_is_skipped_as_not_price_data()
    {
        _dir.Write("ok.csv", "timestamp,symbol,price,quantity\n2024-01-02T15:00:00Z,X,1,1\n");
        var huge = _dir.Write("huge.csv", new string('h', 1_000_000) + "\n1,2\n");

        var detected = FeedDetector.Detect(_dir.Root);

        Assert.Single(detected.Sources);
        var skipped = Assert.Single(detected.Skipped.Snapshot());
        Assert.Equal((huge, SkipReason.NotMarketData), (skipped.Path, skipped.Reason));
        Assert.Contains("longer than", skipped.Detail);
    }

    [Fact]
    public void The_skipped_file_log_lists_a_few_per_reason_then_counts_the_rest()
    {
        var lines = new List<string>();
        var log = new SkippedFileLog(lines.Add, perReason: 2);
        var skipped = new SkippedFiles();
        for (var i = 0; i < 5; i++) skipped.Add($"/d/readme{i}.txt", SkipReason.NotMarketData, "not market data");
        skipped.Add("/d/x.zip", SkipReason.CorruptArchive, "bad");

        skipped.Subscribe(log.OnSkipped);
        log.Flush();
        skipped.Add("/d/y.zip", SkipReason.CorruptArchive, "bad too");
        skipped.Add("/d/z.zip", SkipReason.CorruptArchive, "bad three");
        log.Flush();

        Assert.Equal(new[]
        {
            "skipped /d/readme0.txt: not market data", "skipped /d/readme1.txt: not market data", "skipped /d/x.zip: bad",
            "... and 3 more skipped as not market data", "skipped /d/y.zip: bad too", "... and 1 more skipped as corrupt archive",
        }, lines);
    }

    [LeanDataFact]
    public void The_real_lean_folder_reads_every_equity_file_and_lists_everything_else()
    {
        var detected = FeedDetector.Detect(LeanData.Root!);
        var files = detected.Sources.SelectMany(s => ((LeanFileSource)s).Files).Select(f => f.Path).ToList();

        var run = new FeedRun(detected.Sources);

        // Of the 124 equity files, those of each symbol's one resolution (minute where there is minute
        // data, else daily) are read and the other 65 listed; within the regular session, every line read.
        Assert.Equal(59, files.Count);
        var snap = run.Stats.Snapshot();
        Assert.Equal((36_290L, 36_290L, 0L), (snap.Read, snap.Accepted, snap.Rejected));
        Assert.DoesNotContain(DataRejectReason.Malformed, snap.RejectedByReason.Keys);
        Assert.DoesNotContain(DataRejectReason.LineTooLong, snap.RejectedByReason.Keys);
        Assert.Equal(new[] { (SkipReason.NotMarketData, 8), (SkipReason.LeanAuxiliary, 16), (SkipReason.NotEquity, 53), (SkipReason.OtherResolution, 65) },
            detected.Skipped.CountsByReason());
        var all = Directory.EnumerateFiles(LeanData.Root!, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        Assert.Equal(all, files.Concat(detected.Skipped.Snapshot().Select(f => f.Path)).Order(StringComparer.Ordinal));
    }

    /// <summary>Text made up on the fly: a head, a run of one char of any length, a tail; never held.</summary>
    private sealed class GeneratedText(string head, char fill, long fillCount, string tail) : TextReader
    {
        private long _at;

        private long Length => head.Length + fillCount + tail.Length;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            var n = 0;
            while (n < buffer.Length && _at < Length)
            {
                if (_at < head.Length) buffer[n++] = head[(int)_at++];
                else if (_at < head.Length + fillCount)
                {
                    var run = (int)Math.Min(buffer.Length - n, head.Length + fillCount - _at);
                    buffer.Slice(n, run).Fill(fill);
                    n += run;
                    _at += run;
                }
                else buffer[n++] = tail[(int)(_at++ - head.Length - fillCount)];
            }
            return n;
        }

        public override int Peek() => throw new NotSupportedException("the line reader reads blocks");
    }
}

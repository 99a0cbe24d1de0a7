using Engine.Domain.MarketData;

namespace Engine.MarketData.Tests;

/// <summary>Design rule 5: every bad line is refused with the right reason and the stream goes on.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (long Line, DataRejectReason Reason)[] Reasons(FeedRun run) =>
        run.Rejections.Select(r => (r.Line, r.Reason)).OrderBy(x => x.Line).ToArray();

    [Fact]
    public void Lean_minute_bars_with_bad_lines_are_rejected_each_for_its_reason()
    {
        var path = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", string.Join("\n",
            "34200000,1000000,1010000,990000,1005000,500",   // 1 ok, 09:30 EDT
            "34260000,1000000,1010000",                      // 2 too few columns
            "34320000,abc,1010000,990000,1005000,500",       // 3 non-numeric
            "34380000,-1000000,1010000,990000,1005000,500",  // 4 negative price
            "34440000,1000000,1010000,990000,1005000,500",   // 5 ok
            "34440000,1000000,1010000,990000,1005000,500",   // 6 duplicate bar
            "34200000,1000000,1010000,990000,1005000,500",   // 7 out of order
            "9:31,1000000,1010000,990000,1005000,500",       // 8 time not in ms
            "",                                              // 9 blank: skipped
            "34500000,1000000,1010000,990000,1005000,500,extra,columns", // 10 too many columns
            "34560000,NaN,1010000,990000,1005000,500"));     // 11 NaN

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.Equal(new (long, DataRejectReason)[]
        {
            (2, DataRejectReason.Malformed), (3, DataRejectReason.Malformed), (4, DataRejectReason.NonPositivePrice),
            (6, DataRejectReason.Duplicate), (7, DataRejectReason.OutOfOrder), (8, DataRejectReason.Malformed),
            (10, DataRejectReason.Malformed), (11, DataRejectReason.Malformed),
        }, Reasons(run));
        Assert.All(run.Rejections, r => Assert.Equal(path, r.Source));
        Assert.Equal(new long[] { 1, 2 }, run.Events.Select(e => e.Sequence));
        Assert.Equal(new DateTime(2013, 10, 7, 13, 35, 0, DateTimeKind.Utc), run.Events[^1].Event.Time);
        var snap = run.Stats.Snapshot();
        Assert.Equal(10, snap.Read);
        Assert.Equal(2, snap.Accepted);
        Assert.Equal(8, snap.Rejected);
        Assert.Equal(5, snap.RejectedByReason[DataRejectReason.Malformed]);
        Assert.Contains("expected at least 6 columns", run.Rejections.Single(r => r.Line == 2).Detail);
        // A wider line is another format's or two lines run together, not a bar with notes.
        Assert.Contains("expected at most 6 columns", run.Rejections.Single(r => r.Line == 10).Detail);
        Assert.Contains("open", run.Rejections.Single(r => r.Line == 3).Detail);
    }

    [Fact]
    public void Lean_tick_quotes_crossed_one_sided_and_suspicious_are_refused()
    {
        var path = _dir.Zip("equity/usa/tick/xyz/20131007_quote.zip", string.Join("\n",
            "34200000,0,0,1001000,200,P,1,0",           // 1 one-sided: no bid quoted yet in the file
            "34200001,1000000,100,1001000,200,P,1,0",   // 2 ok
            "34200002,1002000,100,1001000,200,P,1,0",   // 3 crossed
            "34200003,1000000,100,1001000,200,P,1,1",   // 4 suspicious
            "34200004,1000000,100,1001000,200,P,1,x",   // 5 bad flag
            "34200005,1000000,-100,1001000,200",        // 6 negative size, no optional columns
            "34200006,1000000,100,1001000"));           // 7 too few columns

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.Equal(new (long, DataRejectReason)[]
        {
            (1, DataRejectReason.OneSidedQuote), (3, DataRejectReason.CrossedQuote), (4, DataRejectReason.Suspicious),
            (5, DataRejectReason.Malformed), (6, DataRejectReason.NegativeSize), (7, DataRejectReason.Malformed),
        }, Reasons(run));
        var ok = Assert.IsType<QuoteTick>(Assert.Single(run.Events).Event);
        Assert.Equal(new QuoteTick("XYZ", new DateTime(2013, 10, 7, 13, 30, 0, 1, DateTimeKind.Utc), 100m, 100m, 100.1m, 200m), ok);
    }

    /// <summary>LEAN writes a quote tick as an update of one side (the other side 0): the other side keeps its last quote in the file.</summary>
    [Fact]
    public void Lean_tick_quotes_update_one_side_and_keep_the_other_sides_last_quote()
    {
        var path = _dir.Zip("equity/usa/tick/xyz/20131007_quote.zip", string.Join("\n",
            "34200000,0,0,1001000,200,P,1,0",   // 1 ask only, no bid yet: one-sided
            "34200001,1000000,100,0,0,P,1,0",   // 2 bid: with the ask of line 1
            "34200002,0,0,1000500,300,Q,1,0",   // 3 ask: with the bid of line 2
            "34200003,1000400,50,0,0,P,1,1",    // 4 suspicious: refused, and no side's quote
            "34200004,0,0,1000600,100,P,1,0")); // 5 ask: still with the bid of line 2

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.Equal(new (long, DataRejectReason)[] { (1, DataRejectReason.OneSidedQuote), (4, DataRejectReason.Suspicious) }, Reasons(run));
        var at = (int ms) => new DateTime(2013, 10, 7, 13, 30, 0, ms, DateTimeKind.Utc);
        Assert.Equal(
            new[]
            {
                new QuoteTick("XYZ", at(1), 100m, 100m, 100.1m, 200m),
                new QuoteTick("XYZ", at(2), 100m, 100m, 100.05m, 300m),
                new QuoteTick("XYZ", at(4), 100m, 100m, 100.06m, 100m),
            },
            run.Events.Select(e => e.Event));
    }

    [Fact]
    public void Lean_tick_trades_flagged_suspicious_are_refused()
    {
        var path = _dir.Zip("equity/usa/tick/xyz/20131007_trade.zip",
            "34200000,1000000,100,P,0,0\n34200001,1000000,100,P,0,1\n34200002,0,100,P,0,0\n34200003,1000000,100\n");

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.Equal(new (long, DataRejectReason)[] { (2, DataRejectReason.Suspicious), (3, DataRejectReason.NonPositivePrice) }, Reasons(run));
        Assert.Equal(2, run.Events.Count);
    }

    [Fact]
    public void Csv_trades_with_bad_lines_are_rejected_and_the_stream_continues()
    {
        var path = _dir.Write("trades.csv", string.Join("\n",
            "timestamp,symbol,price,quantity",
            "2024-03-04T14:30:00Z,AAA,100.5,100",          // 2 ok
            "2024-03-04T14:30:01Z,AAA,NaN,100",            // 3 NaN
            "2024-03-04T14:30:02Z,AAA,Infinity,100",       // 4 Infinity
            "2024-03-04T14:30:03,AAA,100,100",             // 5 no offset: ambiguous
            "2024-03-04T09:30:04-05:00,ZZZ,100,100",       // 6 not in the universe
            "2024-03-04T14:30:05Z,AAA,0,100",              // 7 zero price
            "2024-03-04T14:30:06Z,\"AAA\",100,100",        // 8 quoted field
            "2024-03-04T14:30:07Z,AAA,100",                // 9 too few columns
            "2024-03-04T14:30:08Z,AAA,100,-5",             // 10 negative quantity
            "2024-03-04T09:30:09-05:00,aaa,101,100",       // 11 ok: offset converted, symbol upper-cased
            "2024-03-04T14:30:08Z,AAA,100,100",            // 12 out of order
            "not a time,AAA,100,100",                      // 13 bad timestamp
            "2024-03-04T14:30:10Z,AAA,1e2,abc"));          // 14 non-numeric quantity

        var run = new FeedRun(new[] { new CsvFileSource(path) }, new HashSet<string> { "AAA" });

        Assert.Equal(new (long, DataRejectReason)[]
        {
            (3, DataRejectReason.Malformed), (4, DataRejectReason.Malformed), (5, DataRejectReason.Malformed),
            (6, DataRejectReason.UnknownSymbol), (7, DataRejectReason.NonPositivePrice), (8, DataRejectReason.Malformed),
            (9, DataRejectReason.Malformed), (10, DataRejectReason.NegativeSize), (12, DataRejectReason.OutOfOrder),
            (13, DataRejectReason.Malformed), (14, DataRejectReason.Malformed),
        }, Reasons(run));
        Assert.Contains("offset", run.Rejections.Single(r => r.Line == 5).Detail);
        Assert.Contains("quoted", run.Rejections.Single(r => r.Line == 8).Detail);
        Assert.Equal(new MarketEvent[]
        {
            new TradeTick("AAA", new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc), 100.5m, 100m),
            new TradeTick("AAA", new DateTime(2024, 3, 4, 14, 30, 9, DateTimeKind.Utc), 101m, 100m),
        }, run.Events.Select(e => e.Event));
        var snap = run.Stats.Snapshot();
        Assert.Equal(13, snap.Read);
        Assert.Equal(snap.Read, snap.Accepted + snap.Rejected);
    }

    [Fact]
    public void Csv_quotes_crossed_and_one_sided_are_refused()
    {
        var path = _dir.Write("quotes.csv", string.Join("\r\n",
            "Ask_Size,ASK,bid_size,Bid,Symbol,Timestamp,venue",
            "200,10.02,100,10.00,abc,2024-03-04T14:30:00.250+00:00,X",
            "200,10.00,100,10.02,abc,2024-03-04T14:30:01Z,X",
            "200,10.02,100,0,abc,2024-03-04T14:30:02Z,X",
            ""));

        var run = FeedRun.Of(new CsvFileSource(path));

        Assert.Equal(new (long, DataRejectReason)[] { (3, DataRejectReason.CrossedQuote), (4, DataRejectReason.OneSidedQuote) }, Reasons(run));
        Assert.Equal(new QuoteTick("ABC", new DateTime(2024, 3, 4, 14, 30, 0, 250, DateTimeKind.Utc), 10.00m, 100m, 10.02m, 200m),
            Assert.Single(run.Events).Event);
    }

    /// <summary>Issue 8: times at the ends of the calendar overflowed the bar arithmetic; now they are refused first.</summary>
    [Fact]
    public void Lean_bars_and_files_dated_outside_the_accepted_calendar_are_refused_not_fatal()
    {
        var hour = _dir.Zip("equity/usa/hour/xyz.zip", string.Join("\n",
            "20131007 10:00,1000000,1010000,990000,1005000,500",   // 1 ok
            "99991231 23:00,1000000,1010000,990000,1005000,500",   // 2 an hour bar ending past year 9999
            "00010101 00:00,1000000,1010000,990000,1005000,500",   // 3 year 1
            "19691231 10:00,1000000,1010000,990000,1005000,500")); // 4 before 1970
        var daily = _dir.Zip("equity/usa/daily/xyz.zip", "99991231 00:00,1000000,1010000,990000,1005000,500");

        var run = FeedRun.Of(new LeanFileSource(hour), new LeanFileSource(daily));

        Assert.Single(run.Events);
        Assert.Equal(4, run.Rejections.Count);
        Assert.All(run.Rejections, r => Assert.Equal(DataRejectReason.OutOfRange, r.Reason));
        Assert.False(LeanFileInfo.TryParse(Path.Combine(_dir.Root, "equity/usa/minute/xyz/99991231_trade.zip"), out _, out var problem));
        Assert.Contains("outside 1970..2199", problem);
    }

    [Fact]
    public void A_corrupt_zip_is_one_rejection_and_the_other_sources_still_flow()
    {
        var bad = _dir.Bytes("equity/usa/minute/bad/20131007_trade.zip", "this is not a zip archive"u8.ToArray());
        var good = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", "34200000,1000000,1010000,990000,1005000,500");
        var empty = _dir.Bytes("equity/usa/daily/nil.zip", Array.Empty<byte>());

        var run = FeedRun.Of(new LeanFileSource(bad), new LeanFileSource(good), new LeanFileSource(empty));

        Assert.Single(run.Events);
        Assert.Equal(2, run.Rejections.Count);
        Assert.All(run.Rejections, r => Assert.Equal(DataRejectReason.Malformed, r.Reason));
        Assert.Contains(run.Rejections, r => r.Source == bad && r.Detail.Contains("zip archive"));
        Assert.Contains(run.Rejections, r => r.Source == empty);
    }

    [Fact]
    public void A_binary_file_posing_as_csv_lines_is_refused_not_fatal()
    {
        var path = _dir.Zip("equity/usa/minute/bin/20131007_trade.zip", new string('x', 3_000_000));

        var run = FeedRun.Of(new LeanFileSource(path));

        Assert.Empty(run.Events);
        var rejection = Assert.Single(run.Rejections);
        Assert.Equal(DataRejectReason.LineTooLong, rejection.Reason);
        Assert.Contains("longer than", rejection.Detail);
    }

    [Fact]
    public void A_file_deleted_after_detection_is_a_rejection_at_read_time()
    {
        var path = _dir.Zip("equity/usa/minute/xyz/20131007_trade.zip", "34200000,1000000,1010000,990000,1005000,500");
        var source = new LeanFileSource(path);
        File.Delete(path);

        var rejection = Assert.Single(FeedRun.Of(source).Rejections);

        Assert.Equal((0L, DataRejectReason.Malformed), (rejection.Line, rejection.Reason));
    }
}

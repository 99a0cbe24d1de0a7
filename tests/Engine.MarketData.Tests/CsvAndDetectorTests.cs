using Engine.Domain.MarketData;
using Engine.TestSupport;

namespace Engine.MarketData.Tests;

public sealed class CsvAndDetectorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Csv_kind_comes_from_the_header_in_any_order_and_case()
    {
        var trades = new CsvFileSource(_dir.Write("t.csv", "Quantity , PRICE,symbol,timestamp,note\n100,1.5,x,2024-01-02T15:00:00Z,hi\n"));
        var quotes = new CsvFileSource(_dir.Write("q.csv", "\uFEFFtimestamp,symbol,bid,bid_size,ask,ask_size\n"));

        Assert.Equal(CsvFeedKind.Trades, trades.Kind);
        Assert.Equal(CsvFeedKind.Quotes, quotes.Kind);
        Assert.Equal(new TradeTick("X", new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc), 1.5m, 100m), Assert.Single(trades.Read()).Event);
        Assert.Empty(quotes.Read());
    }

    [Fact]
    public void A_csv_header_that_fits_neither_layout_names_the_file_and_the_missing_columns()
    {
        var path = _dir.Write("prices.csv", "time,symbol,price,size\n");

        var ex = Assert.Throws<FeedFormatException>(() => new CsvFileSource(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("missing timestamp, quantity", ex.Message);
        Assert.Contains("missing timestamp, bid, bid_size, ask, ask_size", ex.Message);
    }

    [Fact]
    public void Empty_and_ambiguous_csv_headers_are_refused()
    {
        var empty = _dir.Write("empty.csv", "");
        var both = _dir.Write("both.csv", "timestamp,symbol,price,quantity,bid,bid_size,ask,ask_size\n");

        Assert.Contains("empty", Assert.Throws<FeedFormatException>(() => new CsvFileSource(empty)).Message);
        Assert.Contains("both trade and quote", Assert.Throws<FeedFormatException>(() => new CsvFileSource(both)).Message);
    }

    [Theory]
    [InlineData("2024-03-04T14:30:00Z", true)]
    [InlineData("2024-03-04T09:30:00-05:00", true)]
    [InlineData("2024-03-04 09:30:00+0100", true)]
    [InlineData("2024-03-04T14:30:00", false)]
    [InlineData("2024-03-04", false)]
    public void Csv_timestamps_need_an_offset(string ts, bool hasOffset) => Assert.Equal(hasOffset, CsvFileSource.HasOffset(ts));

    [LeanDataFact]
    public void A_minute_symbol_folder_gives_one_chained_source_per_kind_holding_every_day_trades_first()
    {
        var sources = FeedDetector.FromPath(LeanData.PathOf("equity", "usa", "minute", "spy"));

        Assert.Equal(2, sources.Count);
        var trade = Assert.IsType<LeanFileSource>(sources[0]);
        var quote = Assert.IsType<LeanFileSource>(sources[1]);
        Assert.All(quote.Files, f => Assert.Equal((LeanDataKind.Quote, LeanResolution.Minute, "SPY"), (f.Kind, f.Resolution, f.Symbol)));
        Assert.All(trade.Files, f => Assert.Equal((LeanDataKind.Trade, LeanResolution.Minute, "SPY"), (f.Kind, f.Resolution, f.Symbol)));
        Assert.Equal(7, trade.Files.Count);
        Assert.Equal(7, quote.Files.Count);
        Assert.Equal(trade.Files.Select(f => f.Date).Order(), trade.Files.Select(f => f.Date));
        Assert.Equal(new DateOnly(2023, 8, 3), trade.Files[^1].Date);
    }

    [LeanDataFact]
    public void The_whole_lean_folder_yields_only_equity_price_data()
    {
        var sources = FeedDetector.FromPath(LeanData.Root!);

        var files = sources.SelectMany(s => s is LeanFileSource l ? l.Files.Select(f => f.Path) : new[] { s.Name }).ToList();
        Assert.All(files, f => Assert.Contains($"{Path.DirectorySeparatorChar}equity{Path.DirectorySeparatorChar}", f));
        Assert.All(files, f => Assert.EndsWith(".zip", f));
        Assert.DoesNotContain(files, f => f.Contains("factor_files") || f.Contains("map_files"));
        // One resolution per symbol: SPY at minute (its daily file is not read), QQQ has daily data only.
        Assert.Contains(sources, s => s.Name.EndsWith(Path.Combine("daily", "qqq.zip")));
        Assert.DoesNotContain(sources, s => s.Name.EndsWith(Path.Combine("daily", "spy.zip")));
        Assert.All(sources.Cast<LeanFileSource>().GroupBy(s => s.Files[0].Series),
            g => Assert.Single(g.SelectMany(s => s.Files).Select(f => f.Resolution).Distinct()));
        // Deterministic: a second scan gives the same sources in the same order.
        Assert.Equal(sources.Select(s => s.Name), FeedDetector.FromPath(LeanData.Root!).Select(s => s.Name));
    }

    [LeanDataFact]
    public void A_factor_file_named_directly_is_refused_but_a_lean_zip_named_directly_is_read()
    {
        var factor = LeanData.PathOf("equity", "usa", "factor_files", "spy.csv");

        var ex = Assert.Throws<FeedFormatException>(() => FeedDetector.FromPath(factor));

        Assert.Contains(factor, ex.Message);
        var daily = Assert.Single(FeedDetector.FromPath(LeanData.PathOf("equity", "usa", "daily", "ibm.zip")));
        Assert.Equal("IBM", Assert.IsType<LeanFileSource>(daily).Files[0].Symbol);
    }

    [LeanDataFact]
    public void A_crypto_zip_is_not_mistaken_for_scaled_equity_data()
    {
        var path = LeanData.PathOf("crypto", "coinbase", "daily", "btcusd_trade.zip");

        Assert.Contains("LEAN equity layout", Assert.Throws<FeedFormatException>(() => FeedDetector.FromPath(path)).Message);
    }

    [Fact]
    public void Missing_paths_empty_folders_and_unknown_files_are_refused_with_the_path()
    {
        var missing = Path.Combine(_dir.Root, "nope");
        var readme = _dir.Write("docs/readme.md", "# hi");
        _dir.Write("docs/factors.csv", "19980102,0.65,1,1\n");

        Assert.Contains(missing, Assert.Throws<FeedFormatException>(() => FeedDetector.FromPath(missing)).Message);
        var folder = Path.Combine(_dir.Root, "docs");
        Assert.Contains(folder, Assert.Throws<FeedFormatException>(() => FeedDetector.FromPath(folder)).Message);
        Assert.Contains(readme, Assert.Throws<FeedFormatException>(() => FeedDetector.FromPath(readme)).Message);
    }

    [Fact]
    public void A_folder_mixes_lean_series_then_csv_sources_skipping_what_is_not_price_data()
    {
        _dir.Write("a/trades.csv", "timestamp,symbol,price,quantity\n2024-01-02T15:00:00Z,X,1,1\n");
        _dir.Write("a/notes.csv", "just,some,columns\n");
        _dir.Zip("b/equity/usa/minute/xyz/20131008_trade.zip", "34200000,1000000,1010000,990000,1005000,500");
        _dir.Zip("b/equity/usa/minute/xyz/20131007_trade.zip", "34200000,1000000,1010000,990000,1005000,500");
        _dir.Zip("b/equity/usa/minute/xyz/notes.zip", "x");
        _dir.Zip("b/equity/usa/daily/xyz.zip", "20131007 00:00,1000000,1010000,990000,1005000,500");

        var detected = FeedDetector.Detect(_dir.Root);
        var sources = detected.Sources;

        // XYZ is read at minute resolution; its daily file is listed, not read.
        Assert.Equal(2, sources.Count);
        var chain = Assert.IsType<LeanFileSource>(sources[0]);
        Assert.Equal(new DateOnly?[] { new(2013, 10, 7), new(2013, 10, 8) }, chain.Files.Select(f => f.Date));
        Assert.IsType<CsvFileSource>(sources[1]);
        Assert.Contains(detected.Skipped.Snapshot(), f => f.Reason == SkipReason.OtherResolution && f.Path.EndsWith("xyz.zip"));
        var run = new FeedRun(sources);
        Assert.Equal(3, run.Events.Count);
        Assert.Empty(run.Rejections);
    }

    [Theory]
    [InlineData("equity/usa/minute/spy/20131007_trade.zip", "SPY", LeanResolution.Minute, LeanDataKind.Trade)]
    [InlineData("Equity/USA/Second/Bac/20131007_QUOTE.zip", "BAC", LeanResolution.Second, LeanDataKind.Quote)]
    [InlineData("equity/usa/tick/ibm/20131007_quote.zip", "IBM", LeanResolution.Tick, LeanDataKind.Quote)]
    [InlineData("equity/usa/hour/aapl.zip", "AAPL", LeanResolution.Hour, LeanDataKind.Trade)]
    [InlineData("equity/india/daily/infy.zip", "INFY", LeanResolution.Daily, LeanDataKind.Trade)]
    public void Lean_paths_give_symbol_resolution_and_kind(string relative, string symbol, LeanResolution resolution, LeanDataKind kind)
    {
        Assert.True(LeanFileInfo.TryParse(Path.Combine(_dir.Root, relative), out var info, out var problem), problem);
        Assert.Equal((symbol, resolution, kind), (info!.Symbol, info.Resolution, info.Kind));
    }

    [Theory]
    [InlineData("crypto/coinbase/minute/btcusd/20171001_trade.zip")]
    [InlineData("equity/usa/minute/spy/2013107_trade.zip")]
    [InlineData("equity/usa/minute/spy/20131007_openinterest.zip")]
    [InlineData("equity/usa/minute/spy.zip")]
    [InlineData("equity/usa/daily/spy_quote.zip")]
    [InlineData("equity/usa/weekly/spy.zip")]
    public void Paths_outside_the_lean_equity_layout_are_not_lean(string relative)
    {
        Assert.False(LeanFileInfo.TryParse(Path.Combine(_dir.Root, relative), out _, out var problem));
        Assert.Contains(relative.Split('/')[^1], problem);
        Assert.Throws<FeedFormatException>(() => new LeanFileSource(Path.Combine(_dir.Root, relative)));
    }
}

using Engine.Domain.MarketData;

namespace Engine.Domain.Tests;

/// <summary>Market-data rules in the domain: bars built from ticks (BarBuilder) and the semantic checks (MarketDataValidator).</summary>
public sealed class MarketDataValidationTests
{
    private static readonly DateTime T = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc); // a minute boundary
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static TradeTick Trade(double seconds, decimal price, decimal qty = 1, string symbol = "X") => new(symbol, T.AddSeconds(seconds), price, qty);

    private static QuoteTick Quote(double seconds, decimal bid, decimal ask, string symbol = "X") => new(symbol, T.AddSeconds(seconds), bid, 1, ask, 1);

    private static TradeBar Bar(DateTime end, decimal o, decimal h, decimal l, decimal c, decimal v = 10) => new("X", end, Minute, o, h, l, c, v);

    // ---- BarBuilder ----

    [Fact]
    public void A_bar_aggregates_ohlcv_and_is_stamped_with_its_aligned_end()
    {
        var b = new BarBuilder("X", Minute);
        Assert.Null(b.On(Trade(5, 10m, 3)));
        Assert.Null(b.On(Trade(15, 10.5m, 2)));
        Assert.Null(b.On(Trade(25, 9.5m, 1)));
        Assert.Null(b.On(Trade(59.999, 10.2m, 4)));
        var bar = b.On(Trade(60, 11m, 7)); // exactly at the end: completes it and opens the next
        Assert.Equal(new TradeBar("X", T.AddMinutes(1), Minute, 10m, 10.5m, 9.5m, 10.2m, 10m), bar);
        Assert.Equal(T, bar!.Start);
        var next = b.On(Trade(120, 12m, 1));
        Assert.Equal(new TradeBar("X", T.AddMinutes(2), Minute, 11m, 11m, 11m, 11m, 7m), next);
    }

    [Fact]
    public void Bars_are_built_from_trades_and_complete_on_the_first_event_after_their_end()
    {
        var b = new BarBuilder("X", Minute);
        Assert.Null(b.On(Trade(1, 10m, 100)));
        Assert.Null(b.On(Trade(20, 12m, 50)));
        Assert.Null(b.On(Trade(40, 9m, 10)));
        Assert.Null(b.On(Quote(50, 100m, 101m))); // quotes don't move trade bars
        var bar = b.On(Trade(61, 11m, 1));
        Assert.Equal(new TradeBar("X", T.AddMinutes(1), Minute, 10m, 12m, 9m, 9m, 160), bar);
    }

    [Fact]
    public void Beside_input_trade_bars_quote_mids_never_build_bars()
    {
        var b = new BarBuilder("X", Minute);
        // A quote before the first trade bar opens a mid bar; the trade bar drops it instead of completing it.
        Assert.Null(b.On(Quote(0, 10m, 10.2m)));
        var input = Bar(T.AddMinutes(1), 10m, 10.5m, 9.9m, 10.1m);
        Assert.Same(input, b.On(input));
        Assert.Null(b.On(Quote(60, 10m, 10.2m)));
        Assert.Null(b.On(Quote(200, 11m, 11.2m)));
        var next = Bar(T.AddMinutes(4), 11m, 11m, 11m, 11m);
        Assert.Same(next, b.On(next));
    }

    [Fact]
    public void After_a_gap_the_old_bar_completes_and_the_new_one_aligns_to_its_own_period()
    {
        var b = new BarBuilder("X", Minute);
        b.On(Trade(10, 10m));
        var bar = b.On(Trade(4 * 60 + 30, 12m)); // 15:04:30
        Assert.Equal(T.AddMinutes(1), bar!.Time); // no empty bars are invented for the silent minutes
        var next = b.On(Trade(5 * 60, 13m));
        Assert.Equal(T.AddMinutes(5), next!.Time);
        Assert.Equal(12m, next.Open);
    }

    [Fact]
    public void Any_event_at_or_after_the_end_completes_a_trade_bar_but_quotes_do_not_price_it()
    {
        var b = new BarBuilder("X", Minute);
        b.On(Trade(10, 10m, 5));
        Assert.Null(b.On(Quote(30, 50m, 51m)));
        var bar = b.On(Quote(61, 50m, 51m));
        Assert.Equal(new TradeBar("X", T.AddMinutes(1), Minute, 10m, 10m, 10m, 10m, 5m), bar);
        // The quote opened no bar: the next trade starts one, and the next minute's trade completes it.
        Assert.Null(b.On(Quote(125, 50m, 51m)));
        Assert.Null(b.On(Trade(130, 11m)));
        Assert.Equal(11m, b.On(Trade(180, 12m))!.Close);
    }

    [Fact]
    public void A_quote_only_symbol_builds_bars_from_mids_with_no_volume()
    {
        var b = new BarBuilder("EURUSD", Minute);
        Assert.Null(b.On(Quote(1, 1.0800m, 1.0802m, "EURUSD")));   // mid 1.0801
        Assert.Null(b.On(Quote(20, 1.0810m, 1.0812m, "EURUSD")));  // mid 1.0811
        Assert.Null(b.On(Quote(40, 1.0790m, 1.0794m, "EURUSD")));  // mid 1.0792
        Assert.Null(b.On(Quote(50, 1.0795m, 1.0797m, "EURUSD")));  // mid 1.0796
        var bar = b.On(Quote(61, 1.0800m, 1.0802m, "EURUSD"));
        Assert.Equal(new TradeBar("EURUSD", T.AddMinutes(1), Minute, 1.0801m, 1.0811m, 1.0792m, 1.0796m, 0m), bar);
    }

    [Fact]
    public void A_quote_only_bar_of_one_quote_closes_at_its_mid()
    {
        var b = new BarBuilder("EURUSD", Minute);
        b.On(Quote(1, 1.0m, 1.2m, "EURUSD"));
        var bar = b.On(Quote(70, 1.2m, 1.4m, "EURUSD"));
        Assert.Equal(1.1m, bar!.Close);
    }

    [Fact]
    public void The_first_trade_discards_a_mid_built_bar_and_trades_alone_build_bars_from_then_on()
    {
        var b = new BarBuilder("X", Minute);
        b.On(Quote(1, 9m, 11m));           // mid bar opens at 10
        Assert.Null(b.On(Trade(30, 20m, 2))); // trade: the mid bar is dropped, not emitted
        Assert.Null(b.On(Quote(40, 99m, 101m)));
        var bar = b.On(Trade(60, 21m));
        Assert.Equal(new TradeBar("X", T.AddMinutes(1), Minute, 20m, 20m, 20m, 20m, 2m), bar);
    }

    [Fact]
    public void Input_bars_pass_straight_through_and_periods_must_be_positive()
    {
        var input = Bar(T.AddMinutes(1), 1m, 2m, 0.5m, 1.5m);
        Assert.Same(input, new BarBuilder("X", Minute).On(input));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarBuilder("X", TimeSpan.Zero));
    }

    // ---- MarketDataValidator: each reason in isolation, on a fresh validator ----

    public static TheoryData<MarketEvent, DataRejectReason> Rejections() => new()
    {
        { Trade(1, 10m, symbol: "NOPE"), DataRejectReason.UnknownSymbol },
        { Trade(1, 0m), DataRejectReason.NonPositivePrice },
        { Trade(1, -0.01m), DataRejectReason.NonPositivePrice },
        { Trade(1, -1m), DataRejectReason.NonPositivePrice },
        { Quote(1, -1m, 10m), DataRejectReason.NonPositivePrice },
        { Bar(T, 10m, 11m, 0m, 10m), DataRejectReason.NonPositivePrice },
        { Trade(1, 10m, qty: -1), DataRejectReason.NegativeSize },
        { new QuoteTick("X", T, 9m, -1, 10m, 1), DataRejectReason.NegativeSize },
        { new QuoteTick("X", T, 9m, 1, 10m, -1), DataRejectReason.NegativeSize },
        { Bar(T, 10m, 11m, 9m, 10m, v: -5), DataRejectReason.NegativeSize },
        { Quote(1, 10.01m, 10m), DataRejectReason.CrossedQuote },
        { Quote(1, 10.1m, 10m), DataRejectReason.CrossedQuote },
        { Quote(1, 0m, 10m), DataRejectReason.OneSidedQuote },
        { new QuoteTick("X", T, 0m, 0, 10m, 1), DataRejectReason.OneSidedQuote }, // an empty side is one-sided, not a size error
        { Quote(1, 10m, 0m), DataRejectReason.OneSidedQuote },
        { Bar(T, 10m, 9m, 11m, 10m), DataRejectReason.Malformed },   // high < low
        { Bar(T, 12m, 11m, 9m, 10m), DataRejectReason.Malformed },   // open above high
        { Bar(T, 10m, 11m, 9m, 8m), DataRejectReason.Malformed },    // close below low
        { Bar(T, 10m, 8m, 9m, 10m, v: 5), DataRejectReason.Malformed }, // high below low and open
        { new OtherEvent("X", T), DataRejectReason.Malformed },
        // Beyond ValueBounds: refused before any arithmetic can overflow on them.
        { Trade(1, 1_000_000_000.0001m), DataRejectReason.OutOfRange },
        { Trade(1, 0.000000001m), DataRejectReason.OutOfRange },
        { Trade(1, decimal.MaxValue), DataRejectReason.OutOfRange },
        { Trade(1, 10m, qty: 1_000_000_000_001), DataRejectReason.OutOfRange },
        { Trade(1, 1_000_001m, qty: 1_000_000_000_000), DataRejectReason.OutOfRange }, // notional just above 1e18
        { Quote(1, 10m, 79_228_162_514_264_337_593_543_950_335m), DataRejectReason.OutOfRange },
        { new QuoteTick("X", T, 9m, decimal.MaxValue, 10m, 1), DataRejectReason.OutOfRange },
        { Bar(T, 10m, 2_000_000_000m, 9m, 10m), DataRejectReason.OutOfRange },
        { Bar(T, 10m, 11m, 9m, 10m, v: 1e20m), DataRejectReason.OutOfRange },
        { new TradeBar("X", T, TimeSpan.FromDays(30), 10m, 11m, 9m, 10m, 1), DataRejectReason.OutOfRange },
        { new TradeTick("X", DateTime.MaxValue, 10m, 1), DataRejectReason.OutOfRange },
        { new TradeTick("X", DateTime.MinValue, 10m, 1), DataRejectReason.OutOfRange },
        { new TradeTick("X", new DateTime(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc), 10m, 1), DataRejectReason.OutOfRange },
        { new TradeBar("X", new DateTime(1969, 12, 31, 0, 0, 0, DateTimeKind.Utc), TimeSpan.FromMinutes(1), 10m, 11m, 9m, 10m, 1), DataRejectReason.OutOfRange },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Each_bad_value_is_refused_with_its_reason(MarketEvent e, DataRejectReason reason)
    {
        var rejection = new MarketDataValidator(new HashSet<string> { "X" }).Validate(e);
        Assert.Equal(reason, rejection?.Reason);
        Assert.False(string.IsNullOrWhiteSpace(rejection?.Detail));
    }

    [Fact]
    public void Time_must_not_go_backwards_within_a_series()
    {
        var v = new MarketDataValidator();
        Assert.Null(v.Validate(Trade(10, 10m)));
        Assert.Null(v.Validate(Trade(10, 10.1m))); // ticks may share a timestamp
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(Trade(9, 10m))?.Reason);
        Assert.Null(v.Validate(Quote(10, 9m, 10m)));
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(Quote(9.5, 9m, 10m))?.Reason);
        Assert.Null(v.Validate(Bar(T.AddMinutes(2), 10m, 11m, 9m, 10m)));
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(Bar(T.AddMinutes(1), 10m, 11m, 9m, 10m))?.Reason);
        Assert.Equal(DataRejectReason.Duplicate, v.Validate(Bar(T.AddMinutes(2), 10m, 12m, 9m, 11m))?.Reason);
    }

    [Fact]
    public void Identical_ticks_may_repeat_but_an_identical_bar_is_a_duplicate()
    {
        var v = new MarketDataValidator(new HashSet<string> { "X" });
        var tick = new TradeTick("X", T, 10m, 1);
        Assert.Null(v.Validate(tick));
        Assert.Null(v.Validate(tick)); // venues print identical trades in one millisecond
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(tick with { Time = T.AddSeconds(-1) })?.Reason);
        var bar = Bar(T, 10m, 11m, 9m, 10m, v: 5);
        Assert.Null(v.Validate(bar));
        Assert.Equal(DataRejectReason.Duplicate, v.Validate(bar)?.Reason);
    }

    [Fact]
    public void Series_are_ordered_independently_by_symbol_kind_and_bar_period()
    {
        var v = new MarketDataValidator();
        Assert.Null(v.Validate(Trade(10, 10m)));
        Assert.Null(v.Validate(Quote(5, 9m, 10m)));               // quotes are their own series
        Assert.Null(v.Validate(Trade(5, 10m, symbol: "Y")));     // so is every symbol
        var daily = new TradeBar("X", T, TimeSpan.FromDays(1), 10m, 11m, 9m, 10m, 1);
        Assert.Null(v.Validate(Bar(T, 10m, 11m, 9m, 10m)));
        Assert.Null(v.Validate(daily));                         // same end, different period
    }

    [Fact]
    public void A_refused_event_does_not_move_the_series_clock()
    {
        var v = new MarketDataValidator();
        Assert.Null(v.Validate(Trade(10, 10m)));
        Assert.Equal(DataRejectReason.NonPositivePrice, v.Validate(Trade(50, 0m))?.Reason);
        Assert.Null(v.Validate(Trade(20, 10m)));                 // 20 s is after the last ACCEPTED 10 s
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(Trade(15, 10m))?.Reason);
        Assert.Null(v.Validate(Trade(20, 10m)));                 // the refused 15 s did not move it either
    }

    [Fact]
    public void Good_edge_values_pass()
    {
        var v = new MarketDataValidator();                       // no universe: any symbol
        Assert.Null(v.Validate(Trade(1, 0.0001m, qty: 0, symbol: "ANY")));
        Assert.Null(v.Validate(Quote(1, 10m, 10m)));             // locked, not crossed
        Assert.Null(v.Validate(Bar(T, 10m, 10m, 10m, 10m, v: 0)));
        // The bounds themselves are accepted.
        Assert.Null(v.Validate(new TradeTick("B", ValueBounds.MinTime, ValueBounds.MinPrice, ValueBounds.MaxQuantity)));
        Assert.Null(v.Validate(new TradeTick("B", ValueBounds.MaxTime.AddTicks(-1), ValueBounds.MaxPrice, 1_000_000_000m)));
    }

    [Fact]
    public void Reason_codes_are_stable()
    {
        Assert.Equal(
            new[] { "malformed", "non_positive_price", "negative_size", "crossed_quote", "one_sided_quote", "out_of_order", "duplicate", "unknown_symbol", "suspicious", "out_of_range", "line_too_long" },
            Enum.GetValues<DataRejectReason>().Select(r => r.Code()));
    }

    private sealed record OtherEvent(string Symbol, DateTime Time) : MarketEvent(Symbol, Time);
}

using Engine.Domain.MarketData;

namespace Engine.Domain.Tests;

public sealed class MarketDataValidationTests
{
    private static readonly DateTime T = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Each_bad_value_is_rejected_with_its_reason()
    {
        var v = new MarketDataValidator(new HashSet<string> { "X" });
        Assert.Equal(DataRejectReason.UnknownSymbol, v.Validate(new TradeTick("Y", T, 1m, 1))?.Reason);
        Assert.Equal(DataRejectReason.NonPositivePrice, v.Validate(new TradeTick("X", T, 0m, 1))?.Reason);
        Assert.Equal(DataRejectReason.NonPositivePrice, v.Validate(new TradeTick("X", T, -1m, 1))?.Reason);
        Assert.Equal(DataRejectReason.NegativeSize, v.Validate(new TradeTick("X", T, 1m, -1))?.Reason);
        Assert.Equal(DataRejectReason.CrossedQuote, v.Validate(new QuoteTick("X", T, 10.1m, 1, 10m, 1))?.Reason);
        Assert.Equal(DataRejectReason.OneSidedQuote, v.Validate(new QuoteTick("X", T, 0m, 0, 10m, 1))?.Reason);
        Assert.Null(v.Validate(new TradeTick("X", T, 10m, 1)));
        Assert.Null(v.Validate(new TradeTick("X", T, 10m, 1))); // ticks may share a millisecond
        Assert.Equal(DataRejectReason.OutOfOrder, v.Validate(new TradeTick("X", T.AddSeconds(-1), 10m, 1))?.Reason);
        var bar = new TradeBar("X", T, TimeSpan.FromMinutes(1), 10m, 11m, 9m, 10m, 5);
        Assert.Null(v.Validate(bar));
        Assert.Equal(DataRejectReason.Duplicate, v.Validate(bar)?.Reason);
        Assert.Equal(DataRejectReason.Malformed, v.Validate(bar with { Time = T.AddMinutes(1), High = 8m })?.Reason);
    }

    [Fact]
    public void Bars_are_built_from_trades_and_complete_on_the_first_event_after_their_end()
    {
        var b = new BarBuilder("X", TimeSpan.FromMinutes(1));
        Assert.Null(b.On(new TradeTick("X", T.AddSeconds(1), 10m, 100)));
        Assert.Null(b.On(new TradeTick("X", T.AddSeconds(20), 12m, 50)));
        Assert.Null(b.On(new TradeTick("X", T.AddSeconds(40), 9m, 10)));
        Assert.Null(b.On(new QuoteTick("X", T.AddSeconds(50), 100m, 1, 101m, 1))); // quotes don't move trade bars
        var bar = b.On(new TradeTick("X", T.AddSeconds(61), 11m, 1));
        Assert.Equal(new TradeBar("X", T.AddMinutes(1), TimeSpan.FromMinutes(1), 10m, 12m, 9m, 9m, 160), bar);
    }

    [Fact]
    public void A_quote_only_symbol_gets_bars_from_mids()
    {
        var b = new BarBuilder("EURUSD", TimeSpan.FromMinutes(1));
        b.On(new QuoteTick("EURUSD", T.AddSeconds(1), 1.0m, 1, 1.2m, 1));
        var bar = b.On(new QuoteTick("EURUSD", T.AddSeconds(70), 1.2m, 1, 1.4m, 1));
        Assert.Equal(1.1m, bar!.Close);
    }
}

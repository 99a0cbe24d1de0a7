using Engine.Domain.MarketData;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests;

public sealed class PaperVenueTests
{
    private static readonly DateTime T = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);
    private static readonly VenueSettings Venue = new(10m, 0.005m, 1m, 0.01m);

    private static Order Market(Side side, long seq = 10) => new("X-1", "s", "X", side, 100, OrderType.Market, null, T, seq);

    private static Order Limit(Side side, decimal limit, long seq = 10) => new("X-1", "s", "X", side, 100, OrderType.Limit, limit, T, seq);

    [Fact]
    public void A_market_order_never_fills_on_the_event_that_placed_it()
    {
        Assert.Null(PaperVenue.TryFill(Market(Side.Buy), new TradeTick("X", T, 50m, 1), 10, Venue));
        Assert.NotNull(PaperVenue.TryFill(Market(Side.Buy), new TradeTick("X", T, 50m, 1), 11, Venue));
    }

    [Fact]
    public void Market_orders_fill_at_the_next_price_moved_against_them_and_rounded_against_them()
    {
        // 10 bps of 50.00 is 0.05; buys pay more, sells receive less.
        Assert.Equal(50.05m, PaperVenue.TryFill(Market(Side.Buy), new TradeTick("X", T, 50m, 1), 11, Venue)!.Price);
        Assert.Equal(49.95m, PaperVenue.TryFill(Market(Side.Sell), new TradeTick("X", T, 50m, 1), 11, Venue)!.Price);
        // 50.01 * 1.001 = 50.06001 rounds up to 50.07 for a buy; 50.01 * 0.999 = 49.95999 rounds down to 49.95.
        Assert.Equal(50.07m, PaperVenue.TryFill(Market(Side.Buy), new TradeTick("X", T, 50.01m, 1), 11, Venue)!.Price);
        Assert.Equal(49.95m, PaperVenue.TryFill(Market(Side.Sell), new TradeTick("X", T, 50.01m, 1), 11, Venue)!.Price);
    }

    [Fact]
    public void Market_orders_take_the_ask_or_bid_of_a_quote_and_the_open_of_a_bar()
    {
        var q = new QuoteTick("X", T, 49.9m, 100, 50.1m, 100);
        Assert.Equal(50.1501m, PaperVenue.TryFill(Market(Side.Buy), q, 11, Venue with { PriceIncrement = 0.0001m })!.Price);
        Assert.Equal(49.8501m, PaperVenue.TryFill(Market(Side.Sell), q, 11, Venue with { PriceIncrement = 0.0001m })!.Price);
        var bar = new TradeBar("X", T, TimeSpan.FromMinutes(1), 40m, 45m, 39m, 44m, 1000);
        Assert.Equal(40.04m, PaperVenue.TryFill(Market(Side.Buy), bar, 11, Venue)!.Price);
    }

    [Fact]
    public void Limit_orders_fill_only_when_the_market_trades_through_at_the_limit()
    {
        var buy = Limit(Side.Buy, 49m);
        Assert.Null(PaperVenue.TryFill(buy, new TradeTick("X", T, 49.5m, 1), 12, Venue));
        Assert.Equal(49m, PaperVenue.TryFill(buy, new TradeTick("X", T, 48.5m, 1), 12, Venue)!.Price);
        // Marketable on arrival: the first event after acceptance gives the better market price.
        Assert.Equal(48.5m, PaperVenue.TryFill(buy, new TradeTick("X", T, 48.5m, 1), 11, Venue)!.Price);
        var sell = Limit(Side.Sell, 51m);
        Assert.Null(PaperVenue.TryFill(sell, new QuoteTick("X", T, 50.9m, 1, 51.1m, 1), 12, Venue));
        Assert.Equal(51m, PaperVenue.TryFill(sell, new QuoteTick("X", T, 51.2m, 1, 51.3m, 1), 12, Venue)!.Price);
        // A bar that opens through the limit fills at the open; one that only reaches it fills at the limit.
        Assert.Equal(48m, PaperVenue.TryFill(buy, new TradeBar("X", T, TimeSpan.FromMinutes(1), 48m, 50m, 47m, 49m, 1), 12, Venue)!.Price);
        Assert.Equal(49m, PaperVenue.TryFill(buy, new TradeBar("X", T, TimeSpan.FromMinutes(1), 50m, 50m, 48.9m, 49.5m, 1), 12, Venue)!.Price);
    }

    [Fact]
    public void Fees_are_per_share_with_a_minimum_per_order()
    {
        Assert.Equal(1m, PaperVenue.Fee(100, Venue));
        Assert.Equal(2.5m, PaperVenue.Fee(500, Venue));
    }
}

using Engine.Domain.MarketData;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests;

/// <summary>Paper-venue matching: when an order may fill, at what price, and for what fee.</summary>
public sealed class PaperVenueTests
{
    private static readonly DateTime T = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);
    private static readonly VenueSettings NoSlip = new(0m, 0.005m, 1m, 0.01m);
    private static readonly VenueSettings Slip10 = NoSlip with { SlippageBps = 10m };
    private const long Accepted = 100;

    private static VenueSettings Slipping(decimal bps) => NoSlip with { SlippageBps = bps };

    private static Order Market(Side side, decimal qty = 100) =>
        new("X-7", "strat", "X", side, qty, OrderType.Market, null, T, Accepted);

    private static Order Limit(Side side, decimal limit, decimal qty = 100) =>
        new("X-8", "strat", "X", side, qty, OrderType.Limit, limit, T, Accepted);

    private static TradeTick Trade(decimal price, int second = 1) => new("X", T.AddSeconds(second), price, 10);

    private static QuoteTick Quote(decimal bid, decimal ask) => new("X", T.AddSeconds(1), bid, 5, ask, 5);

    private static TradeBar Bar(decimal o, decimal h, decimal l, decimal c) => new("X", T.AddMinutes(1), TimeSpan.FromMinutes(1), o, h, l, c, 1000);

    // ---- When an order may fill ----

    // Run with and without slippage: the sequence gate comes before any pricing, whatever the venue.
    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Nothing_fills_at_or_before_the_acceptance_sequence(decimal slippageBps)
    {
        var venue = Slipping(slippageBps);
        foreach (var seq in new long[] { Accepted - 5, Accepted })
        {
            Assert.Null(PaperVenue.TryFill(Market(Side.Buy), Trade(50m), seq, venue));
            Assert.Null(PaperVenue.TryFill(Limit(Side.Buy, 60m), Trade(50m), seq, venue));
        }
        Assert.NotNull(PaperVenue.TryFill(Market(Side.Buy), Trade(50m), Accepted + 1, venue));
        Assert.NotNull(PaperVenue.TryFill(Market(Side.Buy), Trade(50m), Accepted + 9, venue)); // still open later on
    }

    [Fact]
    public void A_fill_carries_the_order_the_event_and_the_fee()
    {
        var f = PaperVenue.TryFill(Market(Side.Sell, 300), Trade(50m, second: 7), Accepted + 1, NoSlip);
        Assert.Equal(new Fill("X-7", "strat", "X", Side.Sell, 300, 50m, 1.5m, T.AddSeconds(7), Accepted + 1), f);
    }

    // ---- Market orders ----

    [Fact]
    public void Market_orders_take_the_trade_price_the_far_touch_or_the_bar_open()
    {
        Assert.Equal(50.25m, PaperVenue.TryFill(Market(Side.Buy), Trade(50.25m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(50.25m, PaperVenue.TryFill(Market(Side.Sell), Trade(50.25m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(50.02m, PaperVenue.TryFill(Market(Side.Buy), Quote(49.98m, 50.02m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(49.98m, PaperVenue.TryFill(Market(Side.Sell), Quote(49.98m, 50.02m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(41m, PaperVenue.TryFill(Market(Side.Buy), Bar(41m, 45m, 39m, 44m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(41m, PaperVenue.TryFill(Market(Side.Sell), Bar(41m, 45m, 39m, 44m), Accepted + 1, NoSlip)!.Price);
    }

    [Theory]
    [InlineData(Side.Buy, 10, 100, 100.10)]   // 10 bps of 100 = 0.10 exactly: no rounding
    [InlineData(Side.Sell, 10, 100, 99.90)]
    [InlineData(Side.Buy, 10, 50, 50.05)]     // 10 bps of 50.00 = 0.05
    [InlineData(Side.Sell, 10, 50, 49.95)]
    [InlineData(Side.Buy, 10, 33.33, 33.37)]  // 33.33 * 1.001 = 33.36333 rounds up
    [InlineData(Side.Sell, 10, 33.33, 33.29)] // 33.33 * 0.999 = 33.29667 rounds down
    [InlineData(Side.Buy, 10, 50.01, 50.07)]  // 50.01 * 1.001 = 50.06001 rounds up
    [InlineData(Side.Sell, 10, 50.01, 49.95)] // 50.01 * 0.999 = 49.95999 rounds down
    [InlineData(Side.Buy, 0, 10.005, 10.01)]  // no slippage: an off-grid print is still rounded against the order
    [InlineData(Side.Sell, 0, 10.005, 10.00)]
    public void Slippage_moves_the_price_against_the_order_and_rounding_never_flatters_it(Side side, decimal slippageBps, decimal print, decimal expected)
    {
        Assert.Equal(expected, PaperVenue.TryFill(Market(side), Trade(print), Accepted + 1, Slipping(slippageBps))!.Price);
    }

    [Fact]
    public void Slippage_applies_to_the_touch_of_a_quote_and_the_open_of_a_bar()
    {
        Assert.Equal(50.08m, PaperVenue.TryFill(Market(Side.Buy), Quote(49.9m, 50.02m), Accepted + 1, Slip10)!.Price);
        Assert.Equal(40.95m, PaperVenue.TryFill(Market(Side.Sell), Bar(41m, 45m, 39m, 44m), Accepted + 1, Slip10)!.Price);
        Assert.Equal(40.04m, PaperVenue.TryFill(Market(Side.Buy), Bar(40m, 45m, 39m, 44m), Accepted + 1, Slip10)!.Price);
        // On a finer grid nothing is rounded away: 50.1 * 1.001 and 49.9 * 0.999 exactly.
        var fine = Slip10 with { PriceIncrement = 0.0001m };
        Assert.Equal(50.1501m, PaperVenue.TryFill(Market(Side.Buy), Quote(49.9m, 50.1m), Accepted + 1, fine)!.Price);
        Assert.Equal(49.8501m, PaperVenue.TryFill(Market(Side.Sell), Quote(49.9m, 50.1m), Accepted + 1, fine)!.Price);
    }

    [Fact]
    public void A_fill_price_is_never_zero()
    {
        // VenueSettings.Default: increment 0.0001, 1 bp. 0.00005 * 0.9999 = 0.000049995 floors to 0.
        var fill = PaperVenue.TryFill(Market(Side.Sell), Trade(0.00005m), Accepted + 1, VenueSettings.Default);
        Assert.True(fill is null || fill.Price > 0m, $"sell filled at {fill?.Price}");
    }

    // ---- Limit orders ----

    // Run with and without slippage: a limit fill is at the limit, never slipped past it.
    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Limit_orders_rest_until_the_market_goes_through_and_then_fill_at_the_limit_unslipped(decimal slippageBps)
    {
        var venue = Slipping(slippageBps);
        var buy = Limit(Side.Buy, 49m);
        var sell = Limit(Side.Sell, 51m);
        const long later = Accepted + 2;
        Assert.Null(PaperVenue.TryFill(buy, Trade(49.01m), later, venue));
        Assert.Null(PaperVenue.TryFill(buy, Trade(49.5m), later, venue));
        Assert.Equal(49m, PaperVenue.TryFill(buy, Trade(48m), later, venue)!.Price);
        Assert.Equal(49m, PaperVenue.TryFill(buy, Trade(48.5m), later, venue)!.Price);
        Assert.Null(PaperVenue.TryFill(sell, Trade(50.99m), later, venue));
        Assert.Equal(51m, PaperVenue.TryFill(sell, Trade(52m), later, venue)!.Price);

        Assert.Null(PaperVenue.TryFill(buy, Quote(48.9m, 49.1m), later, venue));
        Assert.Equal(49m, PaperVenue.TryFill(buy, Quote(48.5m, 48.9m), later, venue)!.Price);
        Assert.Equal(49m, PaperVenue.TryFill(buy, Quote(48.5m, 49m), later, venue)!.Price); // ask at the limit is marketable
        Assert.Null(PaperVenue.TryFill(sell, Quote(50.9m, 51.1m), later, venue));
        Assert.Equal(51m, PaperVenue.TryFill(sell, Quote(51.2m, 51.3m), later, venue)!.Price);

        // A bar that only reaches the limit (its open is not through it) fills at the limit.
        Assert.Null(PaperVenue.TryFill(buy, Bar(50m, 51m, 49.5m, 50m), later, venue));
        Assert.Equal(49m, PaperVenue.TryFill(buy, Bar(50m, 51m, 48m, 50m), later, venue)!.Price);
        Assert.Equal(49m, PaperVenue.TryFill(buy, Bar(50m, 50m, 48.9m, 49.5m), later, venue)!.Price);
        Assert.Null(PaperVenue.TryFill(sell, Bar(50m, 50.5m, 49m, 50m), later, venue));
        Assert.Equal(51m, PaperVenue.TryFill(sell, Bar(50m, 52m, 49m, 50m), later, venue)!.Price);
    }

    [Fact]
    public void A_marketable_limit_fills_at_the_better_market_price_on_its_first_event_only()
    {
        var buy = Limit(Side.Buy, 49m);
        var sell = Limit(Side.Sell, 51m);
        Assert.Equal(48m, PaperVenue.TryFill(buy, Trade(48m), Accepted + 1, Slip10)!.Price);
        Assert.Equal(48.5m, PaperVenue.TryFill(buy, Trade(48.5m), Accepted + 1, Slip10)!.Price);
        Assert.Equal(48.9m, PaperVenue.TryFill(buy, Quote(48.5m, 48.9m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(52m, PaperVenue.TryFill(sell, Trade(52m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(51.2m, PaperVenue.TryFill(sell, Quote(51.2m, 51.3m), Accepted + 1, NoSlip)!.Price);
        // A bar that opens through the limit fills at the open, first event or not.
        Assert.Equal(47m, PaperVenue.TryFill(buy, Bar(47m, 48m, 46m, 47m), Accepted + 1, NoSlip)!.Price);
        Assert.Equal(47m, PaperVenue.TryFill(buy, Bar(47m, 48m, 46m, 47m), Accepted + 3, NoSlip)!.Price);
        Assert.Equal(48m, PaperVenue.TryFill(buy, Bar(48m, 50m, 47m, 49m), Accepted + 2, Slip10)!.Price);
        Assert.Equal(53m, PaperVenue.TryFill(sell, Bar(53m, 54m, 50m, 52m), Accepted + 3, NoSlip)!.Price);
    }

    // ---- Fees ----

    [Theory]
    [InlineData(1, 1)]       // 0.005 -> minimum
    [InlineData(100, 1)]     // 0.50 -> minimum
    [InlineData(199, 1)]     // 0.995 -> minimum
    [InlineData(200, 1)]     // exactly the minimum
    [InlineData(201, 1.005)]
    [InlineData(500, 2.5)]
    [InlineData(10_000, 50)]
    public void Fee_is_per_share_with_a_minimum_per_order(int quantity, decimal fee)
    {
        Assert.Equal(fee, PaperVenue.Fee(quantity, 10m, NoSlip));
        Assert.Equal(fee, PaperVenue.TryFill(Market(Side.Buy, quantity), Trade(10m), Accepted + 1, NoSlip)!.Fee);
    }

    [Theory]
    [InlineData(100, 0.50, 0.25)]     // $1 minimum, capped at 0.5% of $50
    [InlineData(1_000, 0.10, 0.50)]   // $5 per share, capped at 0.5% of $100
    [InlineData(1_000, 100, 5)]       // per share: the cap (0.5% of $100,000) is far away
    [InlineData(10, 100, 1)]          // the minimum: 0.5% of $1,000 is $5
    public void With_a_cap_of_half_a_percent_of_value_fees_are_leans_equity_fee_model(int quantity, decimal price, decimal fee)
    {
        var lean = NoSlip with { MaxFeePctOfValue = 0.5m };
        Assert.Equal(fee, PaperVenue.Fee(quantity, price, lean));
        Assert.Equal(fee, PaperVenue.TryFill(Market(Side.Buy, quantity), Trade(price), Accepted + 1, lean)!.Fee);
    }
}

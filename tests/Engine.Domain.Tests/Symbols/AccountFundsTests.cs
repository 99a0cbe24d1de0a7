using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Symbols;

/// <summary>
/// An account's funds in the order path, through a real SymbolCore and the account's real
/// AccountSupervisor at each boundary: a cash account pays for what it buys (fees included) and
/// never sells short, a margin account may hold up to its leverage times its equity, an order the
/// buying power cannot pay for waits for the next boundary and is then refused with
/// insufficient_buying_power, and one that fits exactly is accepted. Sizing by notional and by
/// percent of equity follows the equity the boundary hands out.
/// </summary>
public sealed class AccountFundsTests
{
    private static readonly DateTime T0 = CoreFixture.T0;

    private static DateTime At(double seconds) => T0.AddSeconds(seconds);

    private static AccountLimits Funded(AccountType type, decimal cash, decimal leverage = 1m) =>
        AccountLimits.Default with { Funds = new AccountFunds(type, cash, leverage) };

    private static SymbolCoreSettings Settings(AccountLimits limits, VenueSettings? venue = null) =>
        new(venue ?? new VenueSettings(0m, 0m, 0m, 0.01m), TimeSpan.FromMinutes(1), 20m, TimeSpan.FromMinutes(10),
            new Dictionary<string, AccountLimits> { ["A"] = limits });

    private static StrategySlotConfig Sized(string id, OrderSizing sizing) => new(id, "A", sizing, RiskLimits.Default);

    /// <summary>A core with these slots and strategies in account A, past the supervisor's first boundary, at a first price of 100.</summary>
    private static (CoreFixture Fixture, AccountSupervisor Supervisor) Started(AccountLimits limits, VenueSettings? venue, params object[] slotsAndStrategies)
    {
        var f = new CoreFixture([.. slotsAndStrategies, Settings(limits, venue)]);
        var supervisor = new AccountSupervisor("A", limits, null);
        f.Decide(supervisor, At(0));
        f.Feed(CoreFixture.Tick(10, 100m));
        return (f, supervisor);
    }

    /// <summary>The minute-1 target's buy accepted at 100, then filled at 100.</summary>
    private static void BuyAndFill(CoreFixture f)
    {
        Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(70, 100m))));
    }

    /// <summary>One strategy wanting long from minute 1, in a cash account of `cash`; the first boundary comes after its order waited.</summary>
    private static (CoreFixture Fixture, AccountSupervisor Supervisor, ISymbolEvent Waiting) BuyInCashAccount(decimal quantity, decimal cash, VenueSettings? venue = null)
    {
        var limits = Funded(AccountType.Cash, cash);
        var f = new CoreFixture(CoreFixture.Slot("s1", qty: quantity), CoreFixture.Targets((1, 1m)), Settings(limits, venue));
        var supervisor = new AccountSupervisor("A", limits, null);
        f.Feed(CoreFixture.Tick(10, 100m));
        var waiting = Assert.Single(f.Feed(CoreFixture.Tick(60, 100m)));
        return (f, supervisor, waiting);
    }

    [Fact]
    public void A_buy_that_costs_exactly_the_cash_is_accepted_at_the_boundary()
    {
        var (f, supervisor, waiting) = BuyInCashAccount(100m, 10_000m);
        // Before any boundary nothing is lent: it waits.
        Assert.IsType<OrderDeferred>(waiting);
        var accepted = Assert.IsType<OrderAccepted>(Assert.Single(f.Decide(supervisor, At(120))));
        Assert.Equal((Side.Buy, 100m), (accepted.Order.Side, accepted.Order.Quantity));
        Assert.Equal(10_000m, f.Core.Held("A").BuyingPower);
    }

    [Fact]
    public void A_buy_that_costs_more_than_the_cash_is_refused_as_insufficient_buying_power()
    {
        var (f, supervisor, waiting) = BuyInCashAccount(101m, 10_000m);
        Assert.Equal(OrderRejectReason.InsufficientBuyingPower, Assert.IsType<OrderDeferred>(waiting).Reason);
        var rejected = Assert.IsType<OrderRejected>(Assert.Single(f.Decide(supervisor, At(120))));
        Assert.Equal((OrderRejectReason.InsufficientBuyingPower, 101m), (rejected.Reason, rejected.Quantity));
        Assert.Empty(f.Core.State.OpenOrders);
        Assert.Equal("insufficient_buying_power", rejected.Reason.Code());
    }

    [Fact]
    public void The_fee_an_order_will_cost_is_paid_from_the_cash_too()
    {
        // $0.005 a share, $1 minimum: 100 shares at 100 need 10,001, 99 shares need 9,901.
        var venue = new VenueSettings(0m, 0.005m, 1m, 0.01m);
        var (tooMuch, s1, _) = BuyInCashAccount(100m, 10_000m, venue);
        Assert.Equal(OrderRejectReason.InsufficientBuyingPower, Assert.IsType<OrderRejected>(Assert.Single(tooMuch.Decide(s1, At(120)))).Reason);
        var (fits, s2, _) = BuyInCashAccount(99m, 10_000m, venue);
        Assert.IsType<OrderAccepted>(Assert.Single(fits.Decide(s2, At(120))));
    }

    [Fact]
    public void A_cash_account_sells_what_it_holds_but_never_short_and_says_so_at_once()
    {
        var limits = Funded(AccountType.Cash, 100_000m);
        var (f, supervisor) = Started(limits, null, CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m), (3, -1m), (5, 0m), (6, -1m)));
        BuyAndFill(f);
        f.Decide(supervisor, At(90));
        f.Feed(CoreFixture.Tick(120, 100m));
        // Long 100 to short 100 sells 200: refused whole, not deferred (no boundary would let it).
        var refused = Assert.IsType<OrderRejected>(Assert.Single(f.Feed(CoreFixture.Tick(180, 100m))));
        Assert.Equal((OrderRejectReason.CashAccountShort, Side.Sell, 200m), (refused.Reason, refused.Side, refused.Quantity));
        Assert.Equal(100m, f.Core.State.Book("s1").Position.Quantity);
        // Flat sells exactly what it holds: accepted.
        f.Feed(CoreFixture.Tick(240, 100m));
        var sell = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(300, 100m))));
        Assert.Equal((Side.Sell, 100m), (sell.Order.Side, sell.Order.Quantity));
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(310, 100m))));
        // From flat, a short target is refused too.
        Assert.Equal(OrderRejectReason.CashAccountShort, Assert.IsType<OrderRejected>(Assert.Single(f.Feed(CoreFixture.Tick(360, 100m)))).Reason);
    }

    [Fact]
    public void Selling_what_is_held_is_never_refused_for_buying_power_even_with_none_left()
    {
        // 9,901 pays for 99 shares at 100 and the $1 fee: nothing is left, and the sale costs a fee too.
        var venue = new VenueSettings(0m, 0.005m, 1m, 0.01m);
        var limits = Funded(AccountType.Cash, 9_901m);
        var (f, supervisor) = Started(limits, venue, CoreFixture.Slot("s1", qty: 99m), CoreFixture.Targets((1, 1m), (3, 0m)));
        BuyAndFill(f);
        f.Decide(supervisor, At(90));
        Assert.Equal((9_900m, 0m), (supervisor.Tracker.View().Equity, supervisor.Tracker.View().Cash));
        Assert.Equal(9_900m, f.Core.Held("A").BuyingPower);
        f.Feed(CoreFixture.Tick(120, 100m));
        var sell = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 100m))));
        Assert.Equal((Side.Sell, 99m), (sell.Order.Side, sell.Order.Quantity));
    }

    [Fact]
    public void A_flatten_goes_out_when_losses_have_taken_the_margin_past_the_equity()
    {
        // 2x margin on 10,000: long 199 at 100 (9,950 of margin), then the price falls to 90: equity
        // 8,010 against 8,955 of margin. No buying power is left, but closing must still be possible.
        var limits = Funded(AccountType.Margin, 10_000m, 2m);
        // With fees: the flatten's own fee is margin it adds.
        var venue = new VenueSettings(0m, 0.005m, 1m, 0.01m);
        var (f, supervisor) = Started(limits, venue, CoreFixture.Slot("s1", qty: 199m), CoreFixture.Targets((1, 1m)));
        BuyAndFill(f);
        f.Feed(CoreFixture.Tick(80, 90m));
        f.Decide(supervisor, At(90));
        Assert.True(f.Core.Held("A").BuyingPower < 199m * 90m / 2m, $"held {f.Core.Held("A")}");
        var flatten = Assert.IsType<OrderAccepted>(Assert.Single(f.Change(CoreFixture.Halt(1, "account:A", point: f.Seq, flatten: true))));
        Assert.True(flatten.Order is { Flatten: true, Side: Side.Sell, Quantity: 199m }, $"{flatten.Order}");
    }

    [Fact]
    public void A_margin_account_holds_up_to_its_leverage_times_its_equity_long_or_short()
    {
        var limits = Funded(AccountType.Margin, 10_000m, 2m);
        // 200 at 100 is 20,000: a margin of 10,000, all of the equity.
        var (f, _) = Started(limits, null, CoreFixture.Slot("s1", qty: 200m), CoreFixture.Targets((1, -1m)));
        var shorted = Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m))));
        Assert.Equal((Side.Sell, 200m), (shorted.Order.Side, shorted.Order.Quantity));

        var (over, _) = Started(limits, null, CoreFixture.Slot("s1", qty: 201m), CoreFixture.Targets((1, 1m)));
        Assert.Equal(OrderRejectReason.InsufficientBuyingPower, Assert.IsType<OrderDeferred>(Assert.Single(over.Feed(CoreFixture.Tick(60, 100m)))).Reason);
    }

    [Fact]
    public void Losses_shrink_the_buying_power_at_the_next_boundary()
    {
        var limits = Funded(AccountType.Cash, 10_000m);
        var (f, supervisor) = Started(limits, null,
            CoreFixture.Slot("a", qty: 50m), CoreFixture.Targets((1, 1m)),
            CoreFixture.Slot("b", qty: 50m), CoreFixture.Targets((3, 1m)));
        BuyAndFill(f);
        // The price halves: equity 7,500, of which the 50 held take 2,500; 50 more at 50 cost 2,500 and fit,
        // but 5,000 of the starting cash is gone from the buying power.
        f.Feed(CoreFixture.Tick(100, 50m));
        f.Decide(supervisor, At(110));
        Assert.Equal(7_500m, supervisor.Equity);
        Assert.Equal(7_500m, f.Core.Held("A").BuyingPower);
        f.Feed(CoreFixture.Tick(120, 50m));
        Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 50m))));
    }

    [Fact]
    public void Percent_of_equity_sizing_follows_the_equity_the_boundary_hands_out()
    {
        var limits = Funded(AccountType.Cash, 10_000m);
        var half = new OrderSizing(0m, false, OrderType.Market, 0m) { Basis = SizeBasis.PercentOfEquity, Amount = 50m };
        var (f, supervisor) = Started(limits, null, Sized("pct", half), CoreFixture.Targets((1, 1m), (2, 0m), (3, 1m)));
        // Before any P&L: 50% of 10,000 at 100 is 50 shares.
        Assert.Equal(50m, Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m)))).Order.Quantity);
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(70, 100m))));
        f.Feed(CoreFixture.Tick(100, 300m));
        // Sold at 300: 10,000 more equity, handed out at the boundary.
        Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(120, 300m))));
        Assert.IsType<OrderFilled>(Assert.Single(f.Feed(CoreFixture.Tick(130, 300m))));
        f.Decide(supervisor, At(140));
        Assert.Equal(20_000m, supervisor.Equity);
        // 50% of 20,000 at 300 is 33.33: 33 whole shares.
        Assert.Equal(33m, Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(180, 300m)))).Order.Quantity);
    }

    [Fact]
    public void Notional_sizing_buys_the_whole_shares_the_notional_pays_for()
    {
        var limits = Funded(AccountType.Cash, 100_000m);
        var notional = new OrderSizing(0m, false, OrderType.Market, 0m) { Basis = SizeBasis.Notional, Amount = 1_050m };
        var (f, _) = Started(limits, null, Sized("n", notional), CoreFixture.Targets((1, 1m)));
        Assert.Equal(10m, Assert.IsType<OrderAccepted>(Assert.Single(f.Feed(CoreFixture.Tick(60, 100m)))).Order.Quantity);
    }

    [Theory]
    [InlineData(SizeBasis.Quantity, 100, 123.45, 5_000, 100)]
    [InlineData(SizeBasis.Notional, 10_000, 123.45, 5_000, 81)]
    [InlineData(SizeBasis.Notional, 100, 123.45, 5_000, 0)]
    [InlineData(SizeBasis.PercentOfEquity, 100, 50, 5_000, 100)]
    [InlineData(SizeBasis.PercentOfEquity, 150, 50, 5_000, 150)]
    [InlineData(SizeBasis.PercentOfEquity, 10, 50, -1_000, 0)]
    [InlineData(SizeBasis.PercentOfEquity, 10, 0, 5_000, 0)]
    public void A_full_position_is_whole_shares_rounded_down(SizeBasis basis, double amount, double price, double equity, double shares)
    {
        var sizing = new OrderSizing(basis == SizeBasis.Quantity ? (decimal)amount : 0m, true, OrderType.Market, 0m)
        { Basis = basis, Amount = (decimal)amount };
        Assert.Equal((decimal)shares, sizing.FullSize((decimal)price, (decimal)equity));
    }

    [Fact]
    public void Equity_and_cash_are_in_the_account_view()
    {
        var limits = Funded(AccountType.Cash, 10_000m);
        var (f, supervisor) = Started(limits, null, CoreFixture.Slot("s1"), CoreFixture.Targets((1, 1m)));
        f.Feed(CoreFixture.Tick(60, 100m));
        f.Feed(CoreFixture.Tick(70, 90m));
        f.Decide(supervisor, At(80));
        var view = supervisor.Tracker.View();
        // Bought 100 at 90 (the fill's price), now worth 9,000: equity 10,000, cash 1,000.
        Assert.Equal((10_000m, 1_000m, 9_000m), (view.Equity, view.Cash, view.NetExposure));
    }
}

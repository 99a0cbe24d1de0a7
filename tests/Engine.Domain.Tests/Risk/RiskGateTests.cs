using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Risk;

/// <summary>One test per pre-trade rule, at its boundary. Each test changes one thing from a context every baseline order passes.</summary>
public sealed class RiskGateTests
{
    private static readonly DateTime Now = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc); // 10:00 New York, a Monday

    private static readonly RiskLimits Limits = new(
        MaxOrderQuantity: 1000m, MaxOrderNotional: 50_000m, MaxPositionQuantity: 1500m, MaxPositionNotional: 40_000m,
        MaxSymbolPositionQuantity: 2000m, MaxSymbolPositionNotional: 45_000m, PriceCollarPct: 5m, PriceCollarAbs: 0m,
        MaxOpenOrders: 2, MaxOrdersPerWindow: 3, MaxMessagesPerWindow: 4, RateWindow: TimeSpan.FromMinutes(1),
        DuplicateWindow: TimeSpan.FromSeconds(5));

    private static readonly RiskContext Ok = new(
        TradingState.Active, false, false, 20m, 0m, 0m, 0, Array.Empty<OrderMessage>(), Now);

    private static OrderIntent Intent(Side side, decimal qty, decimal? limit = null) =>
        new("s", "X", side, qty, limit is null ? OrderType.Market : OrderType.Limit, limit);

    private static readonly OrderIntent Baseline = Intent(Side.Buy, 100);

    private static OrderRejectReason? Check(OrderIntent i, RiskContext c, RiskLimits? l = null) => RiskGate.Check(i, c, l ?? Limits);

    private static OrderMessage[] Sent(params (double SecondsAgo, bool Cancel)[] m) =>
        m.Select(x => new OrderMessage(Now.AddSeconds(-x.SecondsAgo), x.Cancel, Side.Sell, 7m, null)).ToArray();

    [Fact]
    public void The_baseline_passes()
    {
        Assert.Null(Check(Baseline, Ok));
        Assert.Null(Check(Intent(Side.Sell, 100, 20m), Ok));
    }

    [Fact]
    public void Zero_or_negative_quantity_and_a_limit_without_price_are_invalid()
    {
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(Intent(Side.Buy, 0), Ok));
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(Intent(Side.Buy, -5), Ok));
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(new OrderIntent("s", "X", Side.Buy, 10, OrderType.Limit, null), Ok));
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(Intent(Side.Buy, 10, 0m), Ok));
    }

    [Fact]
    public void Halted_refuses_everything_except_a_flatten_order_that_reduces()
    {
        var halted = Ok with { State = TradingState.Halted, Position = 100m };
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Baseline, halted));
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 100), halted)); // reducing, but not a flatten
        Assert.Null(Check(Intent(Side.Sell, 100, 19.98m), halted with { Flatten = true }));
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 150), halted with { Flatten = true })); // crosses zero
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Buy, 10), halted with { Flatten = true }));
    }

    [Fact]
    public void A_stopped_strategy_may_only_be_flattened()
    {
        Assert.Equal(OrderRejectReason.StrategyHalted, Check(Baseline, Ok with { StrategyStopped = true }));
        Assert.Null(Check(Intent(Side.Sell, 50), Ok with { StrategyStopped = true, Flatten = true, Position = 50m }));
    }

    [Fact]
    public void Reducing_accepts_only_orders_that_shrink_the_position_without_crossing_zero()
    {
        var reducing = Ok with { State = TradingState.Reducing, Position = -300m };
        Assert.Null(Check(Intent(Side.Buy, 300), reducing));
        Assert.Null(Check(Intent(Side.Buy, 1), reducing));
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Intent(Side.Buy, 301), reducing));
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Intent(Side.Sell, 1), reducing));
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Baseline, Ok with { State = TradingState.Reducing }));
    }

    [Fact]
    public void A_restricted_symbol_accepts_only_reducing_orders()
    {
        var restricted = Limits with { Restricted = true };
        Assert.Equal(OrderRejectReason.RestrictedSymbol, Check(Baseline, Ok, restricted));
        Assert.Null(Check(Intent(Side.Sell, 100), Ok with { Position = 100m }, restricted));
    }

    [Fact]
    public void Orders_are_accepted_only_in_trading_hours_in_the_exchange_time_zone()
    {
        var ny = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var hours = Limits with { Hours = new TradingHours(ny, new TimeOnly(9, 30), new TimeOnly(16, 0)) };
        // 2024-03-08 is a Friday in EST (UTC-5); 2024-03-11 a Monday in EDT (UTC-4).
        Assert.Null(Check(Baseline, Ok with { Now = new DateTime(2024, 3, 8, 14, 30, 0, DateTimeKind.Utc) }, hours));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, Check(Baseline, Ok with { Now = new DateTime(2024, 3, 8, 14, 29, 59, DateTimeKind.Utc) }, hours));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, Check(Baseline, Ok with { Now = new DateTime(2024, 3, 8, 21, 0, 0, DateTimeKind.Utc) }, hours));
        Assert.Null(Check(Baseline, Ok with { Now = new DateTime(2024, 3, 11, 13, 30, 0, DateTimeKind.Utc) }, hours));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, Check(Baseline, Ok with { Now = new DateTime(2024, 3, 11, 14, 30, 0, DateTimeKind.Utc).AddHours(-1).AddSeconds(-1) }, hours));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, Check(Baseline, Ok with { Now = new DateTime(2024, 3, 9, 15, 0, 0, DateTimeKind.Utc) }, hours)); // Saturday
    }

    [Fact]
    public void No_reference_price()
    {
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Baseline, Ok with { ReferencePrice = null }));
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Baseline, Ok with { ReferencePrice = 0m }));
    }

    [Fact]
    public void Max_order_quantity_and_notional_at_the_boundary()
    {
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, Check(Intent(Side.Sell, 1001), Ok with { Position = 5000m }));
        Assert.Null(Check(Intent(Side.Sell, 1000), Ok with { ReferencePrice = 50m, Position = 1000m })); // exactly 50k
        Assert.Equal(OrderRejectReason.MaxOrderNotional, Check(Intent(Side.Sell, 1000), Ok with { ReferencePrice = 50.01m, Position = 1000m }));
        // A limit order is valued at its limit price.
        Assert.Equal(OrderRejectReason.MaxOrderNotional, Check(Intent(Side.Sell, 1000, 50.5m), Ok with { ReferencePrice = 50m, Position = 1000m }));
    }

    [Fact]
    public void Price_collar_in_percent_and_in_price_units()
    {
        Assert.Null(Check(Intent(Side.Buy, 100, 21m), Ok)); // exactly 5%
        Assert.Null(Check(Intent(Side.Buy, 100, 19m), Ok));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 21.01m), Ok));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Sell, 100, 18.99m), Ok));
        var abs = Limits with { PriceCollarAbs = 0.5m };
        Assert.Null(Check(Intent(Side.Buy, 100, 20.5m), Ok, abs));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 20.51m), Ok, abs));
        // Market orders have no price to collar.
        Assert.Null(Check(Baseline, Ok, Limits with { PriceCollarPct = 0.0001m, PriceCollarAbs = 0.0001m }));
    }

    [Fact]
    public void Position_limits_per_strategy_in_quantity_and_notional()
    {
        Assert.Null(Check(Intent(Side.Buy, 500), Ok with { Position = 1000m, ReferencePrice = 10m })); // to exactly 1500
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Buy, 501), Ok with { Position = 1000m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Sell, 501), Ok with { Position = -1000m, ReferencePrice = 10m }));
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 40m })); // exactly 40k
        Assert.Equal(OrderRejectReason.MaxPositionNotional, Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 40.01m }));
    }

    [Fact]
    public void Symbol_position_limit_counts_every_strategy_in_the_symbol()
    {
        Assert.Null(Check(Intent(Side.Buy, 500), Ok with { SymbolPosition = 1500m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Buy, 501), Ok with { SymbolPosition = 1500m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Buy, 100), Ok with { SymbolPosition = 2200m, ReferencePrice = 20.5m }));
        // Another strategy's opposite position makes room.
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok with { SymbolPosition = -1500m, ReferencePrice = 10m }));
    }

    [Fact]
    public void Orders_that_shrink_a_position_pass_the_position_limits()
    {
        Assert.Null(Check(Intent(Side.Sell, 100), Ok with { Position = 2000m, SymbolPosition = 3000m }));
        Assert.Null(Check(Intent(Side.Buy, 100), Ok with { Position = -2000m, SymbolPosition = -3000m }));
        // Through zero: limited only if the absolute position grows.
        Assert.Null(Check(Intent(Side.Sell, 900), Ok with { Position = 600m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 100m }));
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Sell, 1000), Ok with { Position = 200m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 300m }));
    }

    [Fact]
    public void Max_open_orders()
    {
        Assert.Null(Check(Baseline, Ok with { OpenOrders = 1 }));
        Assert.Equal(OrderRejectReason.MaxOpenOrders, Check(Baseline, Ok with { OpenOrders = 2 }));
    }

    [Fact]
    public void Order_rate_counts_new_orders_in_the_sliding_window()
    {
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((50, false), (30, false)) }));
        Assert.Equal(OrderRejectReason.OrderRate, Check(Baseline, Ok with { RecentMessages = Sent((59.999, false), (10, false), (0, false)) }));
        // Exactly one window ago is outside: the window is (now - 1m, now].
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((90, false), (60, false), (10, false), (0, false)) }));
    }

    [Fact]
    public void Message_rate_counts_cancels_too()
    {
        var twoOrdersTwoCancels = Sent((40, false), (30, true), (20, false), (10, true));
        Assert.Equal(OrderRejectReason.MessageRate, Check(Baseline, Ok with { RecentMessages = twoOrdersTwoCancels }));
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((40, false), (30, true), (10, true)) }));
    }

    [Fact]
    public void Duplicate_orders_within_the_window_are_refused()
    {
        var same = new[] { new OrderMessage(Now.AddSeconds(-4), false, Side.Buy, 100m, 19.9m) };
        Assert.Equal(OrderRejectReason.DuplicateOrder, Check(Intent(Side.Buy, 100, 19.9m), Ok with { RecentMessages = same }));
        Assert.Null(Check(Intent(Side.Buy, 100, 19.91m), Ok with { RecentMessages = same }));
        Assert.Null(Check(Intent(Side.Buy, 101, 19.9m), Ok with { RecentMessages = same }));
        Assert.Null(Check(Intent(Side.Sell, 100, 19.9m), Ok with { RecentMessages = same, Position = 100m }));
        var older = new[] { same[0] with { Time = Now.AddSeconds(-5) } };
        Assert.Null(Check(Intent(Side.Buy, 100, 19.9m), Ok with { RecentMessages = older }));
        // A cancel is not an order to duplicate; a flatten retries on purpose.
        Assert.Null(Check(Intent(Side.Buy, 100, 19.9m), Ok with { RecentMessages = new[] { same[0] with { IsCancel = true } } }));
        Assert.Null(Check(Intent(Side.Sell, 100, 19.9m), Ok with
        {
            State = TradingState.Halted,
            Flatten = true,
            Position = 100m,
            RecentMessages = new[] { same[0] with { Side = Side.Sell } },
        }));
    }
}

using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// One test per pre-trade rule, at its boundary. Each test changes one thing from a context every
/// baseline order passes (the baseline: buy 100 at market, reference 20, flat, nothing sent yet).
/// </summary>
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

    private static readonly TradingHours NewYork = new(
        TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));

    private static OrderIntent Intent(Side side, decimal qty, decimal? limit = null) =>
        new("s", "X", side, qty, limit is null ? OrderType.Market : OrderType.Limit, limit);

    private static readonly OrderIntent Baseline = Intent(Side.Buy, 100);

    private static OrderRejectReason? Check(OrderIntent i, RiskContext c, RiskLimits? l = null) => RiskGate.Check(i, c, l ?? Limits);

    private static DateTime Utc(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Utc);

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
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(Intent(Side.Buy, 10, -1m), Ok));
        Assert.Null(Check(Intent(Side.Buy, 0.0001m), Ok));
        // Malformed is reported as such whatever the state: it says what is wrong with the order itself.
        Assert.Equal(OrderRejectReason.InvalidOrder, Check(Intent(Side.Sell, 0), Ok with { State = TradingState.Halted, Flatten = true, Position = 10m }));
    }

    [Fact]
    public void Halted_refuses_everything_except_a_flatten_order_that_reduces()
    {
        var halted = Ok with { State = TradingState.Halted, Position = 100m };
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Baseline, halted));
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 100), halted)); // reducing, but not a flatten
        Assert.Null(Check(Intent(Side.Sell, 100, 19.98m), halted with { Flatten = true }));
        Assert.Null(Check(Intent(Side.Sell, 1), halted with { Flatten = true }));
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 100.0001m), halted with { Flatten = true })); // crosses zero
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 150), halted with { Flatten = true }));
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Buy, 10), halted with { Flatten = true }));
        // Flat: there is nothing a flatten could reduce.
        Assert.Equal(OrderRejectReason.KillSwitch, Check(Intent(Side.Sell, 10), halted with { Flatten = true, Position = 0m }));
    }

    [Fact]
    public void A_flatten_order_during_a_halt_still_passes_the_collar_and_the_rate_limits()
    {
        var flatten = Ok with { State = TradingState.Halted, Flatten = true, Position = 100m };
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Sell, 100, 18.99m), flatten));
        Assert.Equal(OrderRejectReason.OrderRate, Check(Intent(Side.Sell, 100), flatten with { RecentMessages = Sent((30, false), (20, false), (10, false)) }));
        // And the trading hours: a flatten waits for the market to open.
        Assert.Equal(OrderRejectReason.OutsideTradingHours,
            Check(Intent(Side.Sell, 100), flatten with { Now = Utc(2024, 3, 4, 22, 0) }, Limits with { Hours = NewYork }));
    }

    [Fact]
    public void A_stopped_strategy_may_only_be_flattened()
    {
        Assert.Equal(OrderRejectReason.StrategyHalted, Check(Baseline, Ok with { StrategyStopped = true }));
        Assert.Equal(OrderRejectReason.StrategyHalted, Check(Intent(Side.Sell, 50), Ok with { StrategyStopped = true, Position = 50m }));
        Assert.Null(Check(Intent(Side.Sell, 50), Ok with { StrategyStopped = true, Flatten = true, Position = 50m }));
        Assert.Equal(OrderRejectReason.StrategyHalted, Check(Intent(Side.Sell, 51), Ok with { StrategyStopped = true, Flatten = true, Position = 50m }));
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
        // Long side too.
        Assert.Null(Check(Intent(Side.Sell, 300), Ok with { State = TradingState.Reducing, Position = 300m }));
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Intent(Side.Sell, 301), Ok with { State = TradingState.Reducing, Position = 300m }));
    }

    [Fact]
    public void Reduces_means_toward_zero_without_crossing_it()
    {
        Assert.True(RiskGate.Reduces(100m, -100m));
        Assert.True(RiskGate.Reduces(100m, -1m));
        Assert.True(RiskGate.Reduces(-5m, 5m));
        Assert.False(RiskGate.Reduces(100m, -100.01m));
        Assert.False(RiskGate.Reduces(100m, 1m));
        Assert.False(RiskGate.Reduces(-5m, -1m));
        Assert.False(RiskGate.Reduces(0m, 1m));
        Assert.False(RiskGate.Reduces(0m, -1m));
    }

    [Fact]
    public void A_restricted_symbol_accepts_only_reducing_orders()
    {
        var restricted = Limits with { Restricted = true };
        Assert.Equal(OrderRejectReason.RestrictedSymbol, Check(Baseline, Ok, restricted));
        Assert.Null(Check(Intent(Side.Sell, 100), Ok with { Position = 100m }, restricted));
        Assert.Null(Check(Intent(Side.Buy, 40), Ok with { Position = -100m }, restricted));
        Assert.Equal(OrderRejectReason.RestrictedSymbol, Check(Intent(Side.Sell, 101), Ok with { Position = 100m }, restricted)); // flips to short
        Assert.Equal(OrderRejectReason.RestrictedSymbol, Check(Intent(Side.Buy, 1), Ok with { Position = 100m }, restricted));
    }

    [Fact]
    public void Orders_are_accepted_only_in_trading_hours_in_the_exchange_time_zone()
    {
        var hours = Limits with { Hours = NewYork };
        OrderRejectReason? At(DateTime utc) => Check(Baseline, Ok with { Now = utc }, hours);

        // 2024-03-08 is a Friday in EST (UTC-5): 09:30 = 14:30Z, 16:00 = 21:00Z.
        Assert.Null(At(Utc(2024, 3, 8, 14, 30)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 8, 14, 29, 59)));
        Assert.Null(At(Utc(2024, 3, 8, 20, 59, 59)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 8, 21, 0))); // the close is not open
        // Weekend: Saturday and Sunday at what would be midday.
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 9, 15, 0)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 10, 17, 0)));
        // DST began on Sunday 2024-03-10: on Monday 2024-03-11 (EDT, UTC-4) the open is 13:30Z.
        Assert.Null(At(Utc(2024, 3, 11, 13, 30)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 11, 13, 29, 59)));
        Assert.Null(At(Utc(2024, 3, 11, 19, 59, 59)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 11, 20, 0)));
        // DST ended on Sunday 2024-11-03: Friday 11-01 opens 13:30Z (EDT), Monday 11-04 opens 14:30Z (EST).
        Assert.Null(At(Utc(2024, 11, 1, 13, 30)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 11, 4, 13, 30)));
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 11, 4, 14, 29, 59)));
        Assert.Null(At(Utc(2024, 11, 4, 14, 30)));
        Assert.Null(At(Utc(2024, 11, 4, 20, 59, 59)));
        // A Friday evening in New York is already Saturday in UTC: still Friday, closed by the clock only.
        Assert.Equal(OrderRejectReason.OutsideTradingHours, At(Utc(2024, 3, 9, 0, 30)));
        // Without hours, any time goes.
        Assert.Null(Check(Baseline, Ok with { Now = Utc(2024, 3, 9, 3, 0) }));
    }

    [Fact]
    public void An_order_decided_on_a_daily_bar_is_for_the_next_session_and_passes_the_hours_check()
    {
        var hours = Limits with { Hours = NewYork };
        // A daily bar is known at the 16:00 close (21:00Z in EST): LEAN fills its order at the next open.
        var atClose = Ok with { Now = Utc(2024, 3, 8, 21, 0) };

        Assert.Equal(OrderRejectReason.OutsideTradingHours, Check(Baseline, atClose, hours));
        Assert.Null(Check(Baseline, atClose with { ForNextSession = true }, hours));
        // Only the hours check is lifted: the other checks still hold.
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, Check(Intent(Side.Buy, Limits.MaxOrderQuantity + 1), atClose with { ForNextSession = true }, hours));
    }

    [Fact]
    public void Trading_hours_session_open_and_trading_day_follow_daylight_saving_time()
    {
        Assert.Equal(Utc(2024, 3, 8, 14, 30), NewYork.SessionOpenUtc(Utc(2024, 3, 8, 18, 0)));
        Assert.Equal(Utc(2024, 3, 11, 13, 30), NewYork.SessionOpenUtc(Utc(2024, 3, 11, 18, 0)));
        Assert.Equal(Utc(2024, 11, 4, 14, 30), NewYork.SessionOpenUtc(Utc(2024, 11, 4, 18, 0)));
        Assert.Null(NewYork.SessionOpenUtc(Utc(2024, 3, 11, 21, 0)));
        Assert.Null(NewYork.SessionOpenUtc(Utc(2024, 3, 9, 15, 0)));
        // 23:30 New York on a Monday in March (EDT) is Tuesday 03:30Z, still Monday's trading day.
        Assert.Equal(new DateOnly(2024, 3, 11), NewYork.TradingDay(Utc(2024, 3, 12, 3, 30)));
        Assert.Equal(new DateOnly(2024, 3, 12), NewYork.TradingDay(Utc(2024, 3, 12, 4, 0)));
    }

    [Fact]
    public void No_reference_price()
    {
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Baseline, Ok with { ReferencePrice = null }));
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Baseline, Ok with { ReferencePrice = 0m }));
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Baseline, Ok with { ReferencePrice = -1m }));
        Assert.Equal(OrderRejectReason.NoReferencePrice, Check(Intent(Side.Buy, 100, 20m), Ok with { ReferencePrice = null }));
    }

    [Fact]
    public void Max_order_quantity_and_notional_at_the_boundary()
    {
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, Check(Intent(Side.Buy, 1001), Ok));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, Check(Intent(Side.Buy, 1000.0001m), Ok));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, Check(Intent(Side.Sell, 1001), Ok with { Position = 5000m }));
        Assert.Null(Check(Intent(Side.Sell, 1000), Ok with { ReferencePrice = 50m, Position = 1000m })); // exactly 50k
        Assert.Equal(OrderRejectReason.MaxOrderNotional, Check(Intent(Side.Sell, 1000), Ok with { ReferencePrice = 50.01m, Position = 1000m }));
        Assert.Equal(OrderRejectReason.MaxOrderNotional, Check(Intent(Side.Sell, 1000), Ok with { ReferencePrice = 60m, Position = 1000m }));
        // A limit order is valued at its limit price, not the reference.
        Assert.Equal(OrderRejectReason.MaxOrderNotional, Check(Intent(Side.Sell, 1000, 50.5m), Ok with { ReferencePrice = 50m, Position = 1000m }));
        Assert.Null(Check(Intent(Side.Sell, 1000, 49.9m), Ok with { ReferencePrice = 50.2m, Position = 1000m }));
    }

    [Fact]
    public void Price_collar_in_percent_and_in_price_units()
    {
        Assert.Null(Check(Intent(Side.Buy, 100, 21m), Ok)); // exactly 5%
        Assert.Null(Check(Intent(Side.Buy, 100, 19m), Ok));
        Assert.Null(Check(Intent(Side.Buy, 100, 20.9m), Ok));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 21.002m), Ok)); // 5.01%
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 21.01m), Ok));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 21.5m), Ok));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Sell, 100, 18.99m), Ok));
        var abs = Limits with { PriceCollarAbs = 0.5m };
        Assert.Null(Check(Intent(Side.Buy, 100, 20.5m), Ok, abs));
        Assert.Null(Check(Intent(Side.Sell, 100, 19.5m), Ok, abs));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 20.51m), Ok, abs));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Sell, 100, 19.49m), Ok, abs));
        // Both set: the tighter binds. 5% of 20 is 1.00, so 20.6 passes the percentage but not 0.5 absolute.
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 20.6m), Ok, abs));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 20.4m), Ok, abs with { PriceCollarPct = 1m }));
        // An absolute collar of 0 is off: only the percentage applies.
        Assert.Null(Check(Intent(Side.Buy, 100, 29m), Ok, Limits with { PriceCollarPct = 50m, PriceCollarAbs = 0m }));
        Assert.Equal(OrderRejectReason.PriceCollar, Check(Intent(Side.Buy, 100, 29m), Ok, Limits with { PriceCollarPct = 50m, PriceCollarAbs = 8.99m }));
        // Market orders have no price to collar.
        Assert.Null(Check(Baseline, Ok, Limits with { PriceCollarPct = 0.0001m, PriceCollarAbs = 0.0001m }));
    }

    [Fact]
    public void Position_limits_per_strategy_in_quantity_and_notional()
    {
        Assert.Null(Check(Intent(Side.Buy, 500), Ok with { Position = 1000m, ReferencePrice = 10m })); // to exactly 1500
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Buy, 501), Ok with { Position = 1000m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Buy, 600), Ok with { Position = 1000m, ReferencePrice = 10m }));
        Assert.Null(Check(Intent(Side.Sell, 500), Ok with { Position = -1000m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Sell, 501), Ok with { Position = -1000m, ReferencePrice = 10m }));
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 40m })); // exactly 40k
        Assert.Equal(OrderRejectReason.MaxPositionNotional, Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 40.01m }));
        Assert.Equal(OrderRejectReason.MaxPositionNotional, Check(Intent(Side.Sell, 500), Ok with { Position = -500m, ReferencePrice = 40.01m }));
        // The position is valued at the reference price, also for a limit order.
        Assert.Null(Check(Intent(Side.Buy, 1000, 40.5m), Ok with { ReferencePrice = 40m }));
    }

    [Fact]
    public void Symbol_position_limit_counts_every_strategy_in_the_symbol()
    {
        Assert.Null(Check(Intent(Side.Buy, 500), Ok with { SymbolPosition = 1500m, ReferencePrice = 10m })); // to exactly 2000
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Buy, 501), Ok with { SymbolPosition = 1500m, ReferencePrice = 10m }));
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Sell, 501), Ok with { SymbolPosition = -1500m, ReferencePrice = 10m }));
        // Notional: 2000 shares at 22.50 is exactly 45k; at 22.51 it is over.
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok with { SymbolPosition = 1000m, ReferencePrice = 22.5m }));
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Buy, 1000), Ok with { SymbolPosition = 1000m, ReferencePrice = 22.51m }));
        Assert.Equal(OrderRejectReason.MaxSymbolPosition, Check(Intent(Side.Buy, 100), Ok with { SymbolPosition = 2200m, ReferencePrice = 20.5m }));
        // Another strategy's opposite position makes room.
        Assert.Null(Check(Intent(Side.Buy, 1000), Ok with { SymbolPosition = -1500m, ReferencePrice = 10m }));
        // An order that shrinks the symbol's total but grows this strategy's position passes the symbol limit.
        Assert.Null(Check(Intent(Side.Sell, 100), Ok with { Position = 0m, SymbolPosition = 3000m, ReferencePrice = 10m }));
    }

    [Fact]
    public void Orders_that_shrink_a_position_pass_the_position_limits()
    {
        Assert.Null(Check(Intent(Side.Sell, 100), Ok with { Position = 2000m, SymbolPosition = 3000m }));
        Assert.Null(Check(Intent(Side.Buy, 100), Ok with { Position = -2000m, SymbolPosition = -3000m }));
        Assert.Null(Check(Intent(Side.Sell, 400), Ok with { Position = 1000m, ReferencePrice = 100m })); // a 100k position, notional limit 40k
        // Through zero: limited only if the absolute position grows.
        Assert.Null(Check(Intent(Side.Sell, 900), Ok with { Position = 600m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 100m }));
        Assert.Equal(OrderRejectReason.MaxPosition, Check(Intent(Side.Sell, 1000), Ok with { Position = 200m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 300m }));
    }

    [Fact]
    public void Max_open_orders()
    {
        Assert.Null(Check(Baseline, Ok with { OpenOrders = 1 }));
        Assert.Equal(OrderRejectReason.MaxOpenOrders, Check(Baseline, Ok with { OpenOrders = 2 }));
        Assert.Equal(OrderRejectReason.MaxOpenOrders, Check(Intent(Side.Sell, 100), Ok with { OpenOrders = 3, Position = 100m })); // reducing too
    }

    [Fact]
    public void Order_rate_counts_new_orders_in_the_sliding_window()
    {
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((50, false), (30, false)) }));
        Assert.Equal(OrderRejectReason.OrderRate, Check(Baseline, Ok with { RecentMessages = Sent((59.999, false), (10, false), (0, false)) }));
        Assert.Equal(OrderRejectReason.OrderRate, Check(Baseline, Ok with { RecentMessages = Sent((50, false), (20, false), (1, false)) }));
        // Exactly one window ago is outside: the window is (now - 1m, now].
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((90, false), (60, false), (10, false), (0, false)) }));
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((61, false), (20, false), (1, false)) }));
        // Cancels are not orders.
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((30, true), (20, false), (10, false)) }, Limits with { MaxMessagesPerWindow = 10 }));
    }

    [Fact]
    public void Message_rate_counts_cancels_too()
    {
        var twoOrdersTwoCancels = Sent((40, false), (30, true), (20, false), (10, true));
        Assert.Equal(OrderRejectReason.MessageRate, Check(Baseline, Ok with { RecentMessages = twoOrdersTwoCancels }));
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((40, false), (30, true), (10, true)) }));
        Assert.Equal(OrderRejectReason.MessageRate, Check(Baseline, Ok with { RecentMessages = Sent((40, true), (30, true), (20, true), (10, true)) }));
        // The window is (now - 1m, now] for messages as well.
        Assert.Null(Check(Baseline, Ok with { RecentMessages = Sent((60, true), (30, true), (20, true), (10, true)) }));
        Assert.Equal(OrderRejectReason.MessageRate, Check(Baseline, Ok with { RecentMessages = Sent((59.999, true), (30, true), (20, true), (10, true)) }));
    }

    [Fact]
    public void Count_in_window_counts_strictly_after_the_window_start()
    {
        var messages = Sent((60, false), (30, true), (0, false));
        Assert.Equal(2, RiskGate.CountInWindow(messages, Now.AddMinutes(-1), ordersOnly: false));
        Assert.Equal(1, RiskGate.CountInWindow(messages, Now.AddMinutes(-1), ordersOnly: true));
        Assert.Equal(3, RiskGate.CountInWindow(messages, Now.AddMinutes(-1).AddTicks(-1), ordersOnly: false));
        Assert.Equal(0, RiskGate.CountInWindow(messages, Now, ordersOnly: false));
    }

    [Fact]
    public void Duplicate_orders_within_the_window_are_refused()
    {
        var same = new[] { new OrderMessage(Now.AddSeconds(-4), false, Side.Buy, 100m, 19.9m) };
        Assert.Equal(OrderRejectReason.DuplicateOrder, Check(Intent(Side.Buy, 100, 19.9m), Ok with { RecentMessages = same }));
        Assert.Equal(OrderRejectReason.DuplicateOrder, Check(Intent(Side.Buy, 100, 19.9m), Ok with { RecentMessages = new[] { same[0] with { Time = Now.AddSeconds(-4.999) } } }));
        Assert.Null(Check(Intent(Side.Buy, 100, 19.91m), Ok with { RecentMessages = same }));
        Assert.Null(Check(Intent(Side.Buy, 101, 19.9m), Ok with { RecentMessages = same }));
        Assert.Null(Check(Intent(Side.Buy, 100), Ok with { RecentMessages = same })); // market vs limit
        Assert.Null(Check(Intent(Side.Sell, 100, 19.9m), Ok with { RecentMessages = same, Position = 100m }));
        // Two market orders of the same side and size are duplicates too.
        Assert.Equal(OrderRejectReason.DuplicateOrder, Check(Intent(Side.Buy, 100), Ok with { RecentMessages = new[] { same[0] with { LimitPrice = null } } }));
        // Exactly one duplicate window ago is outside it.
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

    [Fact]
    public void Every_reject_reason_has_a_distinct_code_and_a_stable_wire_number()
    {
        var reasons = Enum.GetValues<OrderRejectReason>();
        var codes = reasons.Select(r => r.Code()).ToArray();
        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z]+(_[a-z]+)*$", c));
        // Journaled by number: the existing numbers never move.
        Assert.Equal(0, (int)OrderRejectReason.KillSwitch);
        Assert.Equal(8, (int)OrderRejectReason.InvalidOrder);
        Assert.Equal(16, (int)OrderRejectReason.DuplicateOrder);
        Assert.Equal(21, (int)OrderRejectReason.AccountMessageRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((OrderRejectReason)999).Code());
    }

    /// <summary>
    /// Resting orders are not netted: a resting sell that reduces must not make room for another buy,
    /// because the buy may fill first.
    /// </summary>
    [Fact]
    public void A_strategy_position_stays_within_the_limit_whatever_order_its_resting_orders_fill_in()
    {
        var limits = Limits with { MaxPositionQuantity = 100m };
        decimal position = 0m, openBuy = 0m, openSell = 0m;
        bool Send(Side side, decimal qty)
        {
            var ctx = Ok with
            {
                Position = position,
                OpenBuy = openBuy,
                OpenSell = openSell,
                SymbolPosition = position,
                SymbolOpenBuy = openBuy,
                SymbolOpenSell = openSell,
                OpenOrders = 0,
            };
            if (Check(Intent(side, qty), ctx, limits) is not null) return false;
            if (side == Side.Buy) openBuy += qty;
            else openSell += qty;
            return true;
        }

        Assert.True(Send(Side.Buy, 100));   // to the limit
        position += openBuy; openBuy = 0m;  // filled: long 100
        Assert.True(Send(Side.Sell, 100));  // reduces: resting
        // Netting the resting sell would call this 100 again; if it filled first the position would be 200.
        Assert.False(Send(Side.Buy, 100));
        Assert.True(Math.Abs(position + openBuy) <= limits.MaxPositionQuantity);
    }

    [Fact]
    public void Reducing_judges_an_order_against_the_resting_orders_on_its_side()
    {
        // Flat with a resting buy: a sell is not reducing, since the buy may be cancelled and the sell fill.
        var flatWithBuy = Ok with { State = TradingState.Reducing, Position = 0m, OpenBuy = 100m, SymbolOpenBuy = 100m };
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Intent(Side.Sell, 100), flatWithBuy));
        // Long 100 with a resting sell of 60: only 40 more may be sold as reducing.
        var longWithSell = Ok with { State = TradingState.Reducing, Position = 100m, OpenSell = 60m, SymbolPosition = 100m, SymbolOpenSell = 60m };
        Assert.Null(Check(Intent(Side.Sell, 40), longWithSell));
        Assert.Equal(OrderRejectReason.ReduceOnly, Check(Intent(Side.Sell, 41), longWithSell));
    }
}

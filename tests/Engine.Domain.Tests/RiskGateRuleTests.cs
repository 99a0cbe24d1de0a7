using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

public sealed class RiskGateRuleTests
{
    private static readonly DateTime Now = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    // Quantity 1000, notional 50k, position 1500, collar 5%, 3 orders a minute.
    private static readonly RiskLimits Limits = new(1000m, 50_000m, 1500m, 5m, 3, TimeSpan.FromMinutes(1));

    /// <summary>A context every baseline order passes; each test changes exactly one thing.</summary>
    private static readonly RiskContext Ok = new(false, false, 20m, 0m, Array.Empty<DateTime>(), Now);

    private static OrderIntent Intent(Side side, decimal qty, decimal? limit = null) =>
        new("s", "X", side, qty, limit is null ? OrderType.Market : OrderType.Limit, limit);

    private static readonly OrderIntent Baseline = Intent(Side.Buy, 100);

    [Fact]
    public void The_baseline_passes()
    {
        Assert.Null(RiskGate.Check(Baseline, Ok, Limits));
        Assert.Null(RiskGate.Check(Intent(Side.Sell, 100, 20m), Ok, Limits));
    }

    [Fact]
    public void Kill_switch() =>
        Assert.Equal(OrderRejectReason.KillSwitch, RiskGate.Check(Baseline, Ok with { KillSwitchEngaged = true }, Limits));

    [Fact]
    public void Kill_switch_rejects_even_a_reducing_order() =>
        Assert.Equal(OrderRejectReason.KillSwitch,
            RiskGate.Check(Intent(Side.Sell, 100), Ok with { KillSwitchEngaged = true, Position = 100m }, Limits));

    [Fact]
    public void Strategy_halted() =>
        Assert.Equal(OrderRejectReason.StrategyHalted, RiskGate.Check(Baseline, Ok with { StrategyHalted = true }, Limits));

    [Fact]
    public void No_reference_price()
    {
        Assert.Equal(OrderRejectReason.NoReferencePrice, RiskGate.Check(Baseline, Ok with { ReferencePrice = null }, Limits));
        Assert.Equal(OrderRejectReason.NoReferencePrice, RiskGate.Check(Baseline, Ok with { ReferencePrice = 0m }, Limits));
    }

    [Fact]
    public void Max_order_quantity()
    {
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 1000), Ok, Limits));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, RiskGate.Check(Intent(Side.Buy, 1001), Ok, Limits));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, RiskGate.Check(Intent(Side.Sell, 1001), Ok, Limits));
    }

    [Fact]
    public void Max_order_notional_uses_the_reference_for_market_and_the_limit_for_limit_orders()
    {
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 50m }, Limits)); // exactly 50k
        Assert.Equal(OrderRejectReason.MaxOrderNotional, RiskGate.Check(Intent(Side.Buy, 1000), Ok with { ReferencePrice = 50.01m }, Limits));
        // 1000 @ limit 50.5 is 50.5k although the reference of 50 would make it 50k.
        Assert.Equal(OrderRejectReason.MaxOrderNotional,
            RiskGate.Check(Intent(Side.Sell, 1000, 50.5m), Ok with { ReferencePrice = 50m }, Limits));
    }

    [Fact]
    public void Max_position_on_either_side()
    {
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 500), Ok with { Position = 1000m }, Limits)); // to exactly 1500
        Assert.Equal(OrderRejectReason.MaxPosition, RiskGate.Check(Intent(Side.Buy, 501), Ok with { Position = 1000m }, Limits));
        Assert.Equal(OrderRejectReason.MaxPosition, RiskGate.Check(Intent(Side.Sell, 501), Ok with { Position = -1000m }, Limits));
        // A flip from 200 to -800 grows the absolute position beyond the limit: refused.
        Assert.Equal(OrderRejectReason.MaxPosition, RiskGate.Check(Intent(Side.Sell, 1000), Ok with { Position = 200m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 300m }));
    }

    [Fact]
    public void A_position_reducing_order_passes_the_position_limit()
    {
        // Already over the limit (the limit was lowered, or fills overshot): shrinking is always allowed.
        Assert.Null(RiskGate.Check(Intent(Side.Sell, 100), Ok with { Position = 2000m }, Limits));
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 100), Ok with { Position = -2000m }, Limits));
        // A flip from 600 to -300 shrinks the absolute position: allowed although 300 is over the limit of 100.
        Assert.Null(RiskGate.Check(Intent(Side.Sell, 900), Ok with { Position = 600m, ReferencePrice = 10m }, Limits with { MaxPositionQuantity = 100m }));
    }

    [Fact]
    public void Price_collar_on_either_side_of_the_reference()
    {
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 100, 21m), Ok, Limits));   // exactly 5%
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 100, 19m), Ok, Limits));
        Assert.Equal(OrderRejectReason.PriceCollar, RiskGate.Check(Intent(Side.Buy, 100, 21.01m), Ok, Limits));
        Assert.Equal(OrderRejectReason.PriceCollar, RiskGate.Check(Intent(Side.Sell, 100, 18.99m), Ok, Limits));
        Assert.Null(RiskGate.Check(Intent(Side.Buy, 100), Ok with { ReferencePrice = 20m }, Limits with { PriceCollarPct = 0.0001m })); // market orders have no limit to collar
    }

    [Fact]
    public void Order_rate_counts_orders_inside_the_sliding_window()
    {
        DateTime[] Ago(params double[] seconds) => seconds.Select(s => Now.AddSeconds(-s)).ToArray();
        Assert.Null(RiskGate.Check(Baseline, Ok with { RecentOrderTimes = Ago(30, 10) }, Limits));
        Assert.Equal(OrderRejectReason.OrderRate, RiskGate.Check(Baseline, Ok with { RecentOrderTimes = Ago(59.999, 10, 0) }, Limits));
        // An order exactly one window ago has left it.
        Assert.Null(RiskGate.Check(Baseline, Ok with { RecentOrderTimes = Ago(90, 60, 10, 0) }, Limits));
    }

    public sealed record OrderStream(int MaxOrders, int WindowMs, int[] GapsMs)
    {
        public override string ToString() => $"max {MaxOrders} per {WindowMs} ms, gaps [{string.Join(",", GapsMs)}]";
    }

    public static class Generators
    {
        public static Arbitrary<OrderStream> Streams() =>
            (from max in Gen.Choose(1, 6)
             from window in Gen.Choose(1, 5_000)
             from gaps in Gen.ListOf(Gen.Frequency((3, Gen.Choose(0, 0)), (6, Gen.Choose(1, window)), (1, Gen.Choose(window, 3 * window))))
             select new OrderStream(max, window, gaps.ToArray())).ToArbitrary();
    }

    /// <summary>
    /// Whatever the order times (bursts at one instant included), feeding accepted times back into
    /// the gate never lets more than MaxOrdersPerWindow into any window of RateWindow.
    /// </summary>
    [Property(MaxTest = 1000, Arbitrary = [typeof(Generators)])]
    public void The_order_rate_limit_holds_in_every_window(OrderStream stream)
    {
        var limits = Limits with { MaxOrdersPerWindow = stream.MaxOrders, RateWindow = TimeSpan.FromMilliseconds(stream.WindowMs) };
        var accepted = new List<DateTime>();
        var t = Now;
        foreach (var gap in stream.GapsMs)
        {
            t = t.AddMilliseconds(gap);
            var verdict = RiskGate.Check(Baseline, Ok with { RecentOrderTimes = accepted, Now = t }, limits);
            if (verdict is null) accepted.Add(t);
            else Assert.Equal(OrderRejectReason.OrderRate, verdict);
        }
        foreach (var end in accepted)
        {
            var inWindow = accepted.Count(a => a > end - limits.RateWindow && a <= end);
            Assert.True(inWindow <= stream.MaxOrders, $"{inWindow} orders in the window ending {end:O}");
        }
        // And the gate is not simply refusing everything: the first order always passes.
        if (stream.GapsMs.Length > 0) Assert.NotEmpty(accepted);
    }
}

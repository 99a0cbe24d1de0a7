using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

public sealed class RiskGateTests
{
    private static readonly DateTime Now = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);
    private static readonly RiskLimits Limits = new(1000m, 50_000m, 1500m, 5m, 3, TimeSpan.FromMinutes(1));

    private static RiskContext Ctx(decimal position = 0m, decimal? price = 20m, bool kill = false, IReadOnlyList<DateTime>? recent = null) =>
        new(kill, false, price, position, recent ?? Array.Empty<DateTime>(), Now);

    private static OrderIntent Buy(decimal qty, decimal? limit = null) =>
        new("s", "X", Side.Buy, qty, limit is null ? OrderType.Market : OrderType.Limit, limit);

    [Fact]
    public void Each_limit_rejects_with_its_own_reason()
    {
        Assert.Null(RiskGate.Check(Buy(100), Ctx(), Limits));
        Assert.Equal(OrderRejectReason.KillSwitch, RiskGate.Check(Buy(100), Ctx(kill: true), Limits));
        Assert.Equal(OrderRejectReason.NoReferencePrice, RiskGate.Check(Buy(100), Ctx(price: null), Limits));
        Assert.Equal(OrderRejectReason.MaxOrderQuantity, RiskGate.Check(Buy(1001), Ctx(), Limits));
        Assert.Equal(OrderRejectReason.MaxOrderNotional, RiskGate.Check(Buy(1000), Ctx(price: 60m), Limits));
        Assert.Equal(OrderRejectReason.MaxPosition, RiskGate.Check(Buy(600), Ctx(position: 1000m), Limits));
        Assert.Equal(OrderRejectReason.PriceCollar, RiskGate.Check(Buy(100, 21.5m), Ctx(), Limits));
        Assert.Null(RiskGate.Check(Buy(100, 20.9m), Ctx(), Limits));
        var busy = new[] { Now.AddSeconds(-50), Now.AddSeconds(-20), Now.AddSeconds(-1) };
        Assert.Equal(OrderRejectReason.OrderRate, RiskGate.Check(Buy(100), Ctx(recent: busy), Limits));
        // An order older than the window no longer counts.
        var old = new[] { Now.AddSeconds(-61), Now.AddSeconds(-20), Now.AddSeconds(-1) };
        Assert.Null(RiskGate.Check(Buy(100), Ctx(recent: old), Limits));
    }

    [Fact]
    public void An_order_that_shrinks_a_position_passes_the_position_limit()
    {
        var sell = new OrderIntent("s", "X", Side.Sell, 500, OrderType.Market, null);
        Assert.Null(RiskGate.Check(sell, Ctx(position: 2000m), Limits));
    }

    /// <summary>Feeding accepted orders back in, no sliding window ever holds more than the limit.</summary>
    [Property(MaxTest = 1000)]
    public void The_order_rate_limit_holds_in_every_window(PositiveInt[] gapsMs)
    {
        var accepted = new List<DateTime>();
        var t = Now;
        foreach (var gap in gapsMs)
        {
            t = t.AddMilliseconds(gap.Get % 40_000);
            if (RiskGate.Check(Buy(1), new RiskContext(false, false, 20m, 0m, accepted, t), Limits) is null) accepted.Add(t);
        }
        for (var i = 0; i < accepted.Count; i++)
        {
            var inWindow = accepted.Count(a => a > accepted[i] - Limits.RateWindow && a <= accepted[i]);
            Assert.True(inWindow <= Limits.MaxOrdersPerWindow, $"{inWindow} orders in the window ending {accepted[i]:O}");
        }
    }
}

using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// Generated order flows for one strategy in one symbol, sent through the gate as the symbol actor
/// does: every accepted order rests, then fills or is cancelled (a cancel is a message too).
/// </summary>
public sealed class RiskGateProperties
{
    private static readonly DateTime Start = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    [Property(MaxTest = 1500)]
    public void Accepted_orders_never_breach_position_or_rate_limits_and_nothing_passes_a_halt_but_a_reducing_flatten(int seed)
    {
        var random = new Random(seed);
        var limits = RiskLimits.Default with
        {
            MaxOrderQuantity = random.Next(50, 500),
            MaxPositionQuantity = random.Next(100, 1000),
            MaxPositionNotional = random.Next(5_000, 100_000),
            MaxSymbolPositionQuantity = 1_000_000m,
            MaxSymbolPositionNotional = 1_000_000_000m,
            MaxOpenOrders = random.Next(1, 4),
            MaxOrdersPerWindow = random.Next(1, 8),
            MaxMessagesPerWindow = random.Next(1, 12),
            RateWindow = TimeSpan.FromSeconds(random.Next(5, 90)),
        };
        var haltAt = random.Next(50, 400);
        var reduceFrom = random.Next(2) == 0 ? random.Next(20, 200) : int.MaxValue;
        decimal position = 0m, price = 50m;
        var resting = new List<(Side Side, decimal Qty)>();
        var messages = new List<OrderMessage>();
        var now = Start;
        for (var step = 0; step < 400; step++)
        {
            now = now.AddSeconds(random.Next(0, 6));
            price = Math.Max(1m, price + random.Next(-50, 51) / 100m);
            var state = step >= haltAt ? TradingState.Halted : step >= reduceFrom ? TradingState.Reducing : TradingState.Active;
            if (resting.Count > 0 && random.Next(3) == 0)
            {
                var (side, qty) = resting[0];
                resting.RemoveAt(0);
                if (random.Next(2) == 0) position += side.Sign() * qty;
                else messages.Add(new OrderMessage(now, true, side, qty, null));
            }

            var flatten = state == TradingState.Halted && random.Next(2) == 0;
            var orderSide = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var intent = new OrderIntent("s", "X", orderSide, random.Next(1, 400), OrderType.Market, null);
            var exposure = position + resting.Sum(r => r.Side.Sign() * r.Qty);
            var ctx = new RiskContext(state, false, flatten, price, exposure, exposure, resting.Count, messages, now);
            if (RiskGate.Check(intent, ctx, limits) is not null) continue;

            var signed = intent.Side.Sign() * intent.Quantity;
            var after = exposure + signed;
            if (state == TradingState.Halted)
                Assert.True(flatten && RiskGate.Reduces(exposure, signed), $"step {step}: accepted {signed} while halted");
            if (state == TradingState.Reducing)
                Assert.True(Math.Abs(after) < Math.Abs(exposure), $"step {step}: exposure grew from {exposure} to {after} while reducing");
            if (Math.Abs(after) > Math.Abs(exposure))
            {
                Assert.True(Math.Abs(after) <= limits.MaxPositionQuantity, $"step {step}: position {after} > {limits.MaxPositionQuantity}");
                Assert.True(Math.Abs(after) * price <= limits.MaxPositionNotional, $"step {step}: notional {after * price}");
            }
            Assert.True(resting.Count < limits.MaxOpenOrders);
            messages.Add(new OrderMessage(now, false, intent.Side, intent.Quantity, null));
            resting.Add((intent.Side, intent.Quantity));

            // Every window that ends at an accepted order holds at most the allowed orders and messages.
            var windowStart = now - limits.RateWindow;
            Assert.True(messages.Count(m => !m.IsCancel && m.Time > windowStart) <= limits.MaxOrdersPerWindow);
            Assert.True(messages.Count(m => m.Time > windowStart) <= limits.MaxMessagesPerWindow);
        }
    }
}

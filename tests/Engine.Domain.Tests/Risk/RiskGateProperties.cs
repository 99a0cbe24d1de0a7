using System.Text;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// Generated order flows for one strategy in one symbol, sent through RiskGate.Check as the symbol
/// actor does (filled Position with the resting buys and sells beside it; SymbolPosition adds the
/// other strategies). Accepted orders rest, then fill (in part or whole) or are cancelled; other strategies
/// move the symbol's position; the price walks; the clock jumps, across closes and weekends when
/// trading hours apply; the trading state tightens at random steps (REDUCING, a stop, the kill switch),
/// cancelling resting orders as it does. Every accepted order is checked against every limit.
/// </summary>
public sealed class RiskGateProperties
{
    [Property(MaxTest = 2000, Arbitrary = [typeof(GateScenarios)])]
    public void Accepted_orders_never_breach_a_limit_and_after_a_halt_only_reducing_flatten_orders_pass(GateScenario scenario)
    {
        var broken = new GateModel(scenario).Run();
        Assert.True(broken is null, broken);
    }

    /// <summary>The generated flows are not vacuous: they trade, and they hit every rule of the gate.</summary>
    [Fact]
    public void The_generated_flows_trade_and_hit_every_rule()
    {
        var stats = new GateStats();
        foreach (var scenario in GateScenarios.Generator.Sample(600, new Rnd(7), 10))
        {
            var broken = new GateModel(scenario, stats).Run();
            Assert.True(broken is null, broken);
        }

        Assert.True(stats.Accepted > 5_000, $"only {stats.Accepted} accepted");
        Assert.True(stats.AcceptedGrowingToTheLimit > 50, $"only {stats.AcceptedGrowingToTheLimit} orders took the position to within 10% of a limit");
        Assert.True(stats.FlattenAcceptedWhileHalted > 50, $"only {stats.FlattenAcceptedWhileHalted} flatten orders accepted while halted");
        Assert.True(stats.AcceptedWhileReducing > 50, $"only {stats.AcceptedWhileReducing} orders accepted while reducing");
        foreach (var reason in Enum.GetValues<OrderRejectReason>().Where(r => r < OrderRejectReason.AccountGrossExposure && r != OrderRejectReason.NoReferencePrice))
            Assert.True(stats.Rejections.GetValueOrDefault(reason) > 20, $"only {stats.Rejections.GetValueOrDefault(reason)} {reason} rejections");
    }

    public sealed record OrderStream(int MaxOrders, int WindowMs, int[] GapsMs)
    {
        public override string ToString() => $"max {MaxOrders} per {WindowMs} ms, gaps [{string.Join(",", GapsMs)}]";
    }

    public static class Streams
    {
        public static Arbitrary<OrderStream> Bursty() =>
            (from max in Gen.Choose(1, 6)
             from window in Gen.Choose(1, 5_000)
             from gaps in Gen.Frequency((3, Gen.Constant(0)), (6, Gen.Choose(1, window)), (1, Gen.Choose(window, 3 * window))).ListOf()
             select new OrderStream(max, window, gaps.ToArray())).ToArbitrary();
    }

    /// <summary>
    /// Whatever the order times (bursts at one instant included), feeding accepted orders back into
    /// the gate never lets more than MaxOrdersPerWindow into any window (t - RateWindow, t].
    /// </summary>
    [Property(MaxTest = 1000, Arbitrary = [typeof(Streams)])]
    public void The_order_rate_limit_holds_in_every_window_even_for_bursts_at_one_instant(OrderStream stream)
    {
        var limits = RiskLimits.Default with
        {
            MaxOrdersPerWindow = stream.MaxOrders,
            MaxMessagesPerWindow = 1000,
            RateWindow = TimeSpan.FromMilliseconds(stream.WindowMs),
            DuplicateWindow = TimeSpan.Zero,
        };
        var sent = new List<OrderMessage>();
        var t = new DateTime(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);
        foreach (var gap in stream.GapsMs)
        {
            t = t.AddMilliseconds(gap);
            var ctx = new RiskContext(TradingState.Active, false, false, 20m, 0m, 0m, 0, sent, t);
            var verdict = RiskGate.Check(new OrderIntent("s", "X", Side.Buy, 1m, OrderType.Market, null), ctx, limits);
            if (verdict is null) sent.Add(new OrderMessage(t, false, Side.Buy, 1m, null));
            else Assert.Equal(OrderRejectReason.OrderRate, verdict);
        }
        foreach (var end in sent.Select(m => m.Time))
        {
            var inWindow = sent.Count(a => a.Time > end - limits.RateWindow && a.Time <= end);
            Assert.True(inWindow <= stream.MaxOrders, $"{inWindow} orders in the window ending {end:O}");
        }
        // And the gate is not simply refusing everything: the first order always passes.
        if (stream.GapsMs.Length > 0) Assert.NotEmpty(sent);
    }
}

public enum GateStepKind
{
    Order,
    Fill,
    Cancel,
    OthersTrade,
}

/// <summary>
/// One step. Pick chooses a resting order modulo how many there are; OffsetBps 0 means a market
/// order, else a limit that far from the reference; Flatten marks the order as part of a flatten
/// while the strategy is halted or stopped, and then sends it against the position.
/// </summary>
public readonly record struct GateStep(
    GateStepKind Kind, Side Side, int Quantity, int OffsetBps, bool Flatten, int Pick, int AdvanceMs, int PriceMoveCents)
{
    public override string ToString() => Kind switch
    {
        GateStepKind.Order => $"+{AdvanceMs}ms {PriceMoveCents:+0;-0}c {(Flatten ? "flatten " : "")}{Side} {Quantity}{(OffsetBps == 0 ? "" : $" @{OffsetBps}bps")}",
        GateStepKind.Fill => $"+{AdvanceMs}ms {PriceMoveCents:+0;-0}c fill #{Pick} up to {Quantity}",
        GateStepKind.Cancel => $"+{AdvanceMs}ms {PriceMoveCents:+0;-0}c cancel #{Pick}",
        _ => $"+{AdvanceMs}ms {PriceMoveCents:+0;-0}c others {Side} {Quantity}",
    };
}

/// <summary>A flow: the limits, when the state tightens (a step index; past the end = never), the start time and the steps.</summary>
public sealed record GateScenario(RiskLimits Limits, int ReduceAt, int StopAt, int HaltAt, DateTime Start, GateStep[] Steps)
{
    public override string ToString()
    {
        var l = Limits;
        return new StringBuilder()
            .Append($"order {l.MaxOrderQuantity}/{l.MaxOrderNotional}, position {l.MaxPositionQuantity}/{l.MaxPositionNotional}, ")
            .Append($"symbol {l.MaxSymbolPositionQuantity}/{l.MaxSymbolPositionNotional}, collar {l.PriceCollarPct}%/{l.PriceCollarAbs}, ")
            .Append($"open {l.MaxOpenOrders}, rate {l.MaxOrdersPerWindow}/{l.MaxMessagesPerWindow} per {l.RateWindow.TotalMilliseconds}ms, ")
            .Append($"duplicate {l.DuplicateWindow.TotalMilliseconds}ms, restricted {l.Restricted}, hours {l.Hours is not null}; ")
            .Append($"reduce at {ReduceAt}, stop at {StopAt}, halt at {HaltAt}, start {Start:O}; {Steps.Length} steps: ")
            .Append(string.Join("; ", Steps))
            .ToString();
    }
}

public static class GateScenarios
{
    private static readonly TradingHours NewYork = new(
        TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));

    // Prices walk around 50; orders are 1-400 shares. Limits are small against that, so they bind.
    private static readonly Gen<RiskLimits> Limits =
        from orderQty in Gen.Choose(20, 500)
        from orderNotional in Gen.Choose(1, 25)
        from positionQty in Gen.Choose(50, 1000)
        from positionNotional in Gen.Choose(2, 50)
        from symbolQty in Gen.Choose(50, 2000)
        from symbolNotional in Gen.Choose(2, 100)
        from collarPct in Gen.Choose(5, 100)
        from collarAbs in Gen.Frequency((1, Gen.Constant(0)), (1, Gen.Choose(5, 300)))
        from openOrders in Gen.Choose(1, 6)
        from orders in Gen.Choose(1, 10)
        from messages in Gen.Choose(1, 15)
        from windowMs in Gen.Choose(500, 60_000)
        from duplicateMs in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 20_000)))
        from restricted in Gen.Frequency((15, Gen.Constant(false)), (1, Gen.Constant(true)))
        from hours in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RiskLimits(
            orderQty, orderNotional * 1000m, positionQty, positionNotional * 1000m, symbolQty, symbolNotional * 1000m,
            collarPct / 10m, collarAbs / 100m, openOrders, orders, messages,
            TimeSpan.FromMilliseconds(windowMs), TimeSpan.FromMilliseconds(duplicateMs), restricted, hours ? NewYork : null);

    private static readonly Gen<GateStepKind> Kinds = Gen.Frequency(
        (6, Gen.Constant(GateStepKind.Order)),
        (3, Gen.Constant(GateStepKind.Fill)),
        (2, Gen.Constant(GateStepKind.Cancel)),
        (1, Gen.Constant(GateStepKind.OthersTrade)));

    private static readonly Gen<GateStep> Steps =
        from kind in Kinds
        from side in Gen.Elements(new[] { Side.Buy, Side.Sell })
        from qty in Gen.Frequency((30, Gen.Choose(1, 150)), (10, Gen.Choose(1, 400)), (30, Gen.Elements(new[] { 10, 50, 100 })), (1, Gen.Choose(-5, 0)))
        from offset in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Choose(-150, 150)), (1, Gen.Choose(-1200, 1200)))
        from flatten in Gen.Elements(new[] { false, true })
        from pick in Gen.Choose(0, 9999)
        from advance in Gen.Frequency((80, Gen.Choose(0, 3000)), (1, Gen.Choose(0, 4 * 3_600_000)))
        from move in Gen.Choose(-50, 50)
        select new GateStep(kind, side, qty, offset, flatten, pick, advance, move);

    public static readonly Gen<GateScenario> Generator =
        from limits in Limits
        from length in Gen.Choose(50, 300)
        from reduceAt in Gen.Choose(length / 3, 3 * length)
        from stopAt in Gen.Choose(length / 2, 5 * length)
        from haltAt in Gen.Choose(length / 2, 3 * length)
        from startDay in Gen.Frequency((10, Gen.Choose(0, 4)), (1, Gen.Choose(5, 6)))
        from startMinutes in Gen.Choose(-30, 420)
        from steps in Steps.ArrayOf(length)
        select new GateScenario(limits, reduceAt, stopAt, haltAt,
            new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc).AddDays(startDay).AddMinutes(startMinutes), steps);

    public static Arbitrary<GateScenario> Scenarios() => Arb.From(Generator, Shrink);

    /// <summary>Drops ever smaller runs of steps, and moves the state changes along with them.</summary>
    private static IEnumerable<GateScenario> Shrink(GateScenario s)
    {
        var n = s.Steps.Length;
        for (var chunk = n / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= n; start += chunk)
            {
                int Moved(int at) => at >= start + chunk ? at - chunk : Math.Min(at, start);
                yield return s with
                {
                    Steps = [.. s.Steps[..start], .. s.Steps[(start + chunk)..]],
                    ReduceAt = Moved(s.ReduceAt),
                    StopAt = Moved(s.StopAt),
                    HaltAt = Moved(s.HaltAt),
                };
            }
        }
    }
}

internal sealed class GateStats
{
    public Dictionary<OrderRejectReason, int> Rejections { get; } = new();

    public int Accepted { get; set; }

    public int AcceptedGrowingToTheLimit { get; set; }

    public int FlattenAcceptedWhileHalted { get; set; }

    public int AcceptedWhileReducing { get; set; }
}

/// <summary>One strategy in one symbol, its resting orders and messages, driven by a script.</summary>
internal sealed class GateModel(GateScenario scenario, GateStats? stats = null)
{
    private readonly GateStats _stats = stats ?? new GateStats();
    private readonly RiskLimits _limits = scenario.Limits;
    private readonly List<(Side Side, decimal Remaining)> _resting = new();
    private readonly List<OrderMessage> _messages = new();
    private readonly List<(int Index, bool Flatten)> _acceptedOrders = new(); // index into _messages
    private decimal _position;
    private decimal _others;
    private decimal _price = 50m;
    private DateTime _now = scenario.Start;


    public string? Run()
    {
        var state = TradingState.Active;
        var stopped = false;
        decimal? ceiling = null; // |position| may not grow past this once the strategy is restricted
        for (var n = 0; n < scenario.Steps.Length; n++)
        {
            var step = scenario.Steps[n];
            _now = _now.AddMilliseconds(step.AdvanceMs);
            _price = Math.Max(1m, _price + step.PriceMoveCents / 100m);

            // The state only tightens. Tightening cancels what rests (the kill switch does; for REDUCING
            // and a stop the script does too, so that any growth of the position is the gate's doing).
            var newState = n >= scenario.HaltAt ? TradingState.Halted : n >= scenario.ReduceAt ? TradingState.Reducing : TradingState.Active;
            var newStopped = n >= scenario.StopAt;
            if (newState > state || newStopped != stopped)
            {
                foreach (var (side, remaining) in _resting) _messages.Add(new OrderMessage(_now, true, side, remaining, null));
                _resting.Clear();
                ceiling = Math.Abs(_position);
            }
            (state, stopped) = (newState, newStopped);

            var broken = step.Kind switch
            {
                GateStepKind.Order => Order(step, state, stopped),
                GateStepKind.Fill => Fill(step),
                GateStepKind.Cancel => Cancel(step),
                _ => OthersTrade(step),
            };
            if (broken is null && ceiling is { } c)
            {
                if (Math.Abs(_position) > c) broken = $"|position| grew from {c} to {Math.Abs(_position)} while {state}{(stopped ? ", stopped" : "")}";
                ceiling = Math.Abs(_position);
            }
            if (broken is not null) return $"step {n} ({step}): {broken}";
        }
        return Rates();
    }

    private string? Order(GateStep step, TradingState state, bool stopped)
    {
        var restricted = state != TradingState.Active || stopped;
        var flatten = step.Flatten && (state == TradingState.Halted || stopped);
        var side = flatten && _position != 0m ? (_position > 0m ? Side.Sell : Side.Buy) : step.Side;
        decimal? limit = step.OffsetBps == 0 ? null : Math.Round(_price * (1m + step.OffsetBps / 10_000m), 2);
        if (limit is <= 0m) limit = 0.01m;
        var intent = new OrderIntent("s", "X", side, step.Quantity, limit is null ? OrderType.Market : OrderType.Limit, limit);
        var openBuy = _resting.Where(r => r.Side == Side.Buy).Sum(r => r.Remaining);
        var openSell = _resting.Where(r => r.Side == Side.Sell).Sum(r => r.Remaining);
        var ctx = new RiskContext(state, stopped, flatten, _price, _position, _position + _others, _resting.Count, _messages, _now,
            openBuy, openSell, openBuy, openSell);
        // The position at its worst on the order's side: every resting order on that side fills, none on the other.
        var exposure = side == Side.Buy ? _position + openBuy : _position - openSell;

        if (RiskGate.Check(intent, ctx, _limits) is { } reason)
        {
            _stats.Rejections[reason] = _stats.Rejections.GetValueOrDefault(reason) + 1;
            return null;
        }

        var signed = side.Sign() * intent.Quantity;
        var reduces = RiskGate.Reduces(exposure, signed);
        var after = exposure + signed;
        var symbolBefore = exposure + _others;
        var symbolAfter = symbolBefore + signed;
        var price = limit ?? _price;

        if (intent.Quantity <= 0m) return $"accepted an order for {intent.Quantity}";
        if ((state == TradingState.Halted || stopped) && !(flatten && reduces)) return $"accepted {signed} while {state}{(stopped ? ", stopped" : "")} (flatten {flatten}, exposure {exposure})";
        if (state == TradingState.Reducing && !reduces) return $"accepted {signed} while reducing with exposure {exposure}";
        if (_limits.Restricted && !reduces) return $"accepted {signed} in a restricted symbol with exposure {exposure}";
        if (_limits.Hours is { } hours && !hours.IsOpen(_now)) return $"accepted at {_now:O}, outside trading hours";
        if (intent.Quantity > _limits.MaxOrderQuantity) return $"order quantity {intent.Quantity} > {_limits.MaxOrderQuantity}";
        if (intent.Quantity * price > _limits.MaxOrderNotional) return $"order notional {intent.Quantity * price} > {_limits.MaxOrderNotional}";
        if (limit is { } l)
        {
            var distance = Math.Abs(l - _price);
            if (distance / _price * 100m > _limits.PriceCollarPct) return $"limit {l} is {distance / _price * 100m}% from {_price}, collar {_limits.PriceCollarPct}%";
            if (_limits.PriceCollarAbs > 0m && distance > _limits.PriceCollarAbs) return $"limit {l} is {distance} from {_price}, collar {_limits.PriceCollarAbs}";
        }
        if (Math.Abs(after) > Math.Abs(exposure))
        {
            if (Math.Abs(after) > _limits.MaxPositionQuantity) return $"position + resting {exposure} -> {after} > {_limits.MaxPositionQuantity}";
            if (Math.Abs(after) * _price > _limits.MaxPositionNotional) return $"position + resting notional {Math.Abs(after) * _price} > {_limits.MaxPositionNotional}";
            if (Math.Abs(after) * 10 >= _limits.MaxPositionQuantity * 9) _stats.AcceptedGrowingToTheLimit++;
        }
        // The symbol limit binds every order that does not shrink this strategy's own position.
        if (!reduces && Math.Abs(symbolAfter) > Math.Abs(symbolBefore))
        {
            if (Math.Abs(symbolAfter) > _limits.MaxSymbolPositionQuantity) return $"symbol position {symbolBefore} -> {symbolAfter} > {_limits.MaxSymbolPositionQuantity}";
            if (Math.Abs(symbolAfter) * _price > _limits.MaxSymbolPositionNotional) return $"symbol notional {Math.Abs(symbolAfter) * _price} > {_limits.MaxSymbolPositionNotional}";
        }
        if (_resting.Count >= _limits.MaxOpenOrders) return $"{_resting.Count} resting orders, limit {_limits.MaxOpenOrders}";
        if (!flatten)
        {
            var since = _now - _limits.DuplicateWindow;
            var duplicate = _acceptedOrders.Select(a => _messages[a.Index])
                .FirstOrDefault(m => m.Time > since && m.Side == side && m.Quantity == intent.Quantity && m.LimitPrice == limit);
            if (duplicate != default) return $"duplicate of the order sent at {duplicate.Time:O}";
        }

        _stats.Accepted++;
        if (flatten && state == TradingState.Halted) _stats.FlattenAcceptedWhileHalted++;
        if (state == TradingState.Reducing) _stats.AcceptedWhileReducing++;
        _resting.Add((side, intent.Quantity));
        _acceptedOrders.Add((_messages.Count, flatten));
        _messages.Add(new OrderMessage(_now, false, side, intent.Quantity, limit));
        return null;
    }

    private string? Fill(GateStep step)
    {
        if (_resting.Count == 0) return null;
        var i = step.Pick % _resting.Count;
        var (side, remaining) = _resting[i];
        var filled = Math.Min(Math.Max(1, step.Quantity), remaining);
        _position += side.Sign() * filled;
        if (filled == remaining) _resting.RemoveAt(i);
        else _resting[i] = (side, remaining - filled);
        // Whatever order resting orders fill in, the filled position stays within the limit.
        return Math.Abs(_position) > _limits.MaxPositionQuantity
            ? $"filled position {_position} > limit {_limits.MaxPositionQuantity}"
            : null;
    }

    private string? Cancel(GateStep step)
    {
        if (_resting.Count == 0) return null;
        var i = step.Pick % _resting.Count;
        _messages.Add(new OrderMessage(_now, true, _resting[i].Side, _resting[i].Remaining, null));
        _resting.RemoveAt(i);
        return null;
    }

    private string? OthersTrade(GateStep step)
    {
        _others += step.Side.Sign() * step.Quantity;
        return null;
    }

    /// <summary>
    /// Orders in every window (t - RateWindow, t] are within the order limit; the messages each order
    /// counted (those sent before it in its window, cancels included) plus itself are within the
    /// message limit. Cancels are never refused, so only cancels after a window's last order can add to it.
    /// </summary>
    private string? Rates()
    {
        foreach (var (index, _) in _acceptedOrders)
        {
            var end = _messages[index].Time;
            var start = end - _limits.RateWindow;
            var orders = _messages.Count(m => !m.IsCancel && m.Time > start && m.Time <= end);
            if (orders > _limits.MaxOrdersPerWindow) return $"{orders} orders in the window ending {end:O}, limit {_limits.MaxOrdersPerWindow}";
            var counted = _messages.Take(index + 1).Count(m => m.Time > start);
            if (counted > _limits.MaxMessagesPerWindow) return $"{counted} messages up to the order at {end:O}, limit {_limits.MaxMessagesPerWindow}";
        }
        return null;
    }
}

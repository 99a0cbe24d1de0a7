using System.Text;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// Design rule 2, proved over generated concurrent flows: one account (an AccountBudgetPool) and
/// 3-8 symbols (each a SymbolBudget, 1-4 strategies and a fixed price). The symbols judge orders
/// locally against the credit they hold; every message between a symbol and the pool (register,
/// request, grant, return) sits in flight until a random step delivers it, in any order, so grants
/// and returns interleave arbitrarily with orders, fills and cancels. After every step:
/// (i) credit is conserved and never more than the account has; (ii) the account's summed usage is
/// within its limits; (iii) account orders never exceed the order quota in any window, and every
/// message a later order counted lies within the message quota.
/// </summary>
public sealed class AccountBudgetConcurrencyProperties
{
    [Property(MaxTest = 3000, Arbitrary = [typeof(BudgetScenarios)])]
    public void No_interleaving_of_orders_fills_cancels_grants_and_returns_takes_the_account_past_a_limit(BudgetScenario scenario)
    {
        var model = new AccountBudgetModel(scenario);
        var broken = model.Run();
        Assert.True(broken is null, broken);
    }

    /// <summary>
    /// The property is not vacuous: the same generator, sampled with fixed seeds, produces flows that
    /// hit every account limit, trade a lot, and deliver grants and returns between orders.
    /// </summary>
    [Fact]
    public void The_generated_flows_hit_every_account_limit_and_still_trade()
    {
        var stats = new BudgetStats();
        foreach (var seed in new ulong[] { 1, 2, 3 })
        {
            foreach (var scenario in BudgetScenarios.Generator.Sample(100, new Rnd(seed), 10))
            {
                var model = new AccountBudgetModel(scenario, stats);
                var broken = model.Run();
                Assert.True(broken is null, broken);
            }
        }

        Assert.True(stats.Accepted > 3_000, $"only {stats.Accepted} orders accepted");
        Assert.True(stats.Fills > 1_000 && stats.Cancels > 1_000, $"{stats.Fills} fills, {stats.Cancels} cancels");
        foreach (var reason in new[]
        {
            OrderRejectReason.AccountGrossExposure, OrderRejectReason.AccountNetExposure, OrderRejectReason.MaxOpenPositions,
            OrderRejectReason.AccountOrderRate, OrderRejectReason.AccountMessageRate,
        })
            Assert.True(stats.Rejections.GetValueOrDefault(reason) > 100, $"only {stats.Rejections.GetValueOrDefault(reason)} {reason} rejections");
        Assert.True(stats.GrantsDelivered > 5_000 && stats.ReturnsDelivered > 300, $"{stats.GrantsDelivered} grants, {stats.ReturnsDelivered} returns delivered");
        // Orders were judged while credit was moving, and the pool ran dry: the account limits, not the chunks, were binding.
        Assert.True(stats.AcceptedWhileCreditInFlight > 2_000, $"only {stats.AcceptedWhileCreditInFlight} orders accepted while credit was in flight");
        Assert.True(stats.StepsWithPoolExhausted > 10_000, $"the pool ran dry on only {stats.StepsWithPoolExhausted} steps");
        Assert.True(stats.AcceptedAboveHalfTheGrossLimit > 300, $"only {stats.AcceptedAboveHalfTheGrossLimit} orders took gross usage past half the limit");
    }
}

public enum BudgetStepKind
{
    Order,
    Fill,
    Cancel,
    WantMore,
    GiveBack,
    Deliver,
}

/// <summary>
/// One step of a script. Symbol, Strategy and Pick are taken modulo what exists when the step runs,
/// so any sub-list of a script is a script too (which is how a failure shrinks).
/// </summary>
public readonly record struct BudgetStep(BudgetStepKind Kind, int Symbol, int Strategy, int Pick, Side Side, int Quantity, int AdvanceMs)
{
    public override string ToString() => Kind switch
    {
        BudgetStepKind.Order => $"+{AdvanceMs}ms S{Symbol}/{Strategy} {Side} {Quantity}",
        BudgetStepKind.Fill => $"+{AdvanceMs}ms fill S{Symbol} #{Pick} up to {Quantity}",
        BudgetStepKind.Cancel => $"+{AdvanceMs}ms cancel S{Symbol} #{Pick}",
        BudgetStepKind.Deliver => $"+{AdvanceMs}ms deliver #{Pick}",
        _ => $"+{AdvanceMs}ms {Kind} S{Symbol}",
    };
}

public sealed record BudgetScenario(AccountLimits Limits, decimal[] Prices, int[] Strategies, BudgetStep[] Steps)
{
    public override string ToString()
    {
        var l = Limits;
        var text = new StringBuilder()
            .Append($"gross {l.MaxGrossExposure}, net {l.MaxNetExposure}, positions {l.MaxOpenPositions}, ")
            .Append($"orders {l.MaxOrdersPerWindow} / messages {l.MaxMessagesPerWindow} per {l.RateWindow.TotalSeconds}s, chunk {l.BudgetChunkFraction}; ")
            .Append("symbols ").Append(string.Join(", ", Prices.Select((p, i) => $"S{i} @{p} x{Strategies[i]}")))
            .Append($"; {Steps.Length} steps: ").Append(string.Join("; ", Steps));
        return text.ToString();
    }
}

public static class BudgetScenarios
{
    // Orders of 1-300 shares at 5-100 are worth up to 30,000: against gross limits of 5,000-100,000,
    // net limits of 2,000-60,000 and 1-12 open positions for up to 32 strategy-symbol pairs, every
    // account limit binds often.
    private static readonly Gen<AccountLimits> Limits =
        from gross in Gen.Choose(5, 100)
        from net in Gen.Choose(2, 60)
        from positions in Gen.Choose(1, 12)
        from orders in Gen.Choose(1, 30)
        from messages in Gen.Choose(1, 50)
        from windowSeconds in Gen.Choose(1, 120)
        from chunkPercent in Gen.Choose(1, 50)
        select AccountLimits.Default with
        {
            MaxGrossExposure = gross * 1000m,
            MaxNetExposure = net * 1000m,
            MaxOpenPositions = positions,
            MaxOrdersPerWindow = orders,
            MaxMessagesPerWindow = messages,
            RateWindow = TimeSpan.FromSeconds(windowSeconds),
            BudgetChunkFraction = chunkPercent / 100m,
        };

    private static readonly Gen<BudgetStepKind> Kinds = Gen.Frequency(
        (6, Gen.Constant(BudgetStepKind.Order)),
        (2, Gen.Constant(BudgetStepKind.Fill)),
        (2, Gen.Constant(BudgetStepKind.Cancel)),
        (2, Gen.Constant(BudgetStepKind.WantMore)),
        (1, Gen.Constant(BudgetStepKind.GiveBack)),
        (5, Gen.Constant(BudgetStepKind.Deliver)));

    private static readonly Gen<BudgetStep> Steps =
        from kind in Kinds
        from symbol in Gen.Choose(0, 7)
        from strategy in Gen.Choose(0, 3)
        from pick in Gen.Choose(0, 9999)
        from side in Gen.Elements(new[] { Side.Buy, Side.Sell })
        from qty in Gen.Frequency((4, Gen.Choose(1, 100)), (1, Gen.Choose(1, 300)))
        from advance in Gen.Frequency((8, Gen.Choose(0, 2000)), (1, Gen.Choose(0, 120_000)))
        select new BudgetStep(kind, symbol, strategy, pick, side, qty, advance);

    public static readonly Gen<BudgetScenario> Generator =
        from limits in Limits
        from symbols in Gen.Choose(3, 8)
        from prices in Gen.Choose(500, 10_000).Select(c => c / 100m).ArrayOf(symbols)
        from strategies in Gen.Choose(1, 4).ArrayOf(symbols)
        from length in Gen.Choose(100, 400)
        from steps in Steps.ArrayOf(length)
        select new BudgetScenario(limits, prices, strategies, steps);

    public static Arbitrary<BudgetScenario> Scenarios() => Arb.From(Generator, Shrink);

    /// <summary>Shrinks a failing script by dropping ever smaller runs of steps.</summary>
    private static IEnumerable<BudgetScenario> Shrink(BudgetScenario s)
    {
        var n = s.Steps.Length;
        for (var chunk = n / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= n; start += chunk)
                yield return s with { Steps = [.. s.Steps[..start], .. s.Steps[(start + chunk)..]] };
        }
    }
}

/// <summary>What the generated flows did, summed over runs.</summary>
internal sealed class BudgetStats
{
    public Dictionary<OrderRejectReason, int> Rejections { get; } = new();

    public int Accepted { get; set; }

    public int Fills { get; set; }

    public int Cancels { get; set; }

    public int GrantsDelivered { get; set; }

    public int ReturnsDelivered { get; set; }

    public int AcceptedWhileCreditInFlight { get; set; }

    public int AcceptedAboveHalfTheGrossLimit { get; set; }

    public int StepsWithPoolExhausted { get; set; }
}

/// <summary>The account, its symbols and the messages in flight between them, driven by a script.</summary>
internal sealed class AccountBudgetModel
{
    private sealed class Sym(int index, decimal price, int strategies)
    {
        public string Name { get; } = $"S{index}";
        public decimal Price { get; } = price;
        public decimal[] Positions { get; } = new decimal[strategies];
        public List<(int Strategy, Side Side, decimal Remaining)> Resting { get; } = new();
        public SymbolBudget Budget { get; } = new();
        public List<OrderMessage> Messages { get; } = new();
        public bool Registered { get; set; }

        public Leg[] Legs(int? strategy = null, Side side = Side.Buy, decimal extra = 0m) =>
            Enumerable.Range(0, Positions.Length).Select(k =>
            {
                var buy = Resting.Where(r => r.Strategy == k && r.Side == Side.Buy).Sum(r => r.Remaining);
                var sell = Resting.Where(r => r.Strategy == k && r.Side == Side.Sell).Sum(r => r.Remaining);
                if (k == strategy)
                {
                    if (side == Side.Buy) buy += extra;
                    else sell += extra;
                }
                return new Leg(Positions[k], buy, sell);
            }).ToArray();

        public Usage Usage => Usage.Of(Legs(), Price);
    }

    private abstract record InFlight(int Symbol);
    private sealed record RegisterMsg(int Symbol, Usage Usage) : InFlight(Symbol);
    private sealed record RequestMsg(int Symbol, Credit Want) : InFlight(Symbol);
    private sealed record ReturnMsg(int Symbol, Credit Back) : InFlight(Symbol);
    private sealed record GrantMsg(int Symbol, Credit Grant) : InFlight(Symbol);

    private readonly BudgetScenario _scenario;
    private readonly BudgetStats _stats;
    private readonly AccountLimits _limits;
    private readonly AccountBudgetPool _pool;
    private readonly Sym[] _symbols;
    private readonly List<InFlight> _inFlight = new();
    private DateTime _now = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    public AccountBudgetModel(BudgetScenario scenario, BudgetStats? stats = null)
    {
        _scenario = scenario;
        _stats = stats ?? new BudgetStats();
        _limits = scenario.Limits;
        _pool = new AccountBudgetPool(_limits);
        _symbols = scenario.Prices.Select((p, i) => new Sym(i, p, scenario.Strategies[i])).ToArray();
        // Every symbol registers at start; the pool sees the registrations in any order.
        foreach (var s in _symbols.Select((_, i) => i)) _inFlight.Add(new RegisterMsg(s, _symbols[s].Usage));
    }

    private DateTime WindowStart => _now - _limits.RateWindow;

    /// <summary>Runs the script; returns the first broken invariant, with the step it broke at, or null.</summary>
    public string? Run()
    {
        for (var n = 0; n < _scenario.Steps.Length; n++)
        {
            var step = _scenario.Steps[n];
            _now = _now.AddMilliseconds(step.AdvanceMs);
            var s = _symbols[step.Symbol % _symbols.Length];
            var broken = step.Kind switch
            {
                BudgetStepKind.Order => Order(s, step.Strategy % s.Positions.Length, step.Side, step.Quantity),
                BudgetStepKind.Fill => Fill(s, step.Pick, step.Quantity),
                BudgetStepKind.Cancel => Cancel(s, step.Pick),
                BudgetStepKind.WantMore => WantMore(s),
                BudgetStepKind.GiveBack => GiveBack(s),
                _ => Deliver(step.Pick),
            };
            // Like the symbol actor after every journaled change (a refusal included): give back, ask for more.
            if (step.Kind is BudgetStepKind.Order or BudgetStepKind.Fill or BudgetStepKind.Cancel)
                broken ??= GiveBack(s) ?? WantMore(s);
            broken ??= Invariants();
            if (broken is not null) return $"step {n} ({step}): {broken}";
            var a = _pool.Available;
            if (a.Gross == 0m || a.Long == 0m || a.Short == 0m || a.Positions == 0) _stats.StepsWithPoolExhausted++;
        }
        return null;
    }

    private string? Order(Sym s, int strategy, Side side, decimal qty)
    {
        var before = Usage.Of(s.Legs(), s.Price);
        var after = Usage.Of(s.Legs(strategy, side, qty), s.Price);
        var orders = RiskGate.CountInWindow(s.Messages, WindowStart, ordersOnly: true);
        var messages = RiskGate.CountInWindow(s.Messages, WindowStart, ordersOnly: false);
        var held = s.Budget.Held;
        if (s.Budget.Check(before, after, orders, messages) is { } reason)
        {
            _stats.Rejections[reason] = _stats.Rejections.GetValueOrDefault(reason) + 1;
            return null;
        }

        _stats.Accepted++;
        if (_inFlight.Any(m => m is GrantMsg or ReturnMsg)) _stats.AcceptedWhileCreditInFlight++;
        // The symbol accepted only within what it holds (or without adding to what it uses)...
        if (orders >= held.Orders) return $"{s.Name} accepted with {orders} orders in the window, quota {held.Orders}";
        if (messages >= held.Messages) return $"{s.Name} accepted with {messages} messages in the window, quota {held.Messages}";
        if (after.Gross > Math.Max(held.Gross, before.Gross)) return $"{s.Name} accepted gross {after.Gross} holding {held.Gross}";
        if (after.Long > Math.Max(held.Long, before.Long)) return $"{s.Name} accepted long {after.Long} holding {held.Long}";
        if (after.Short > Math.Max(held.Short, before.Short)) return $"{s.Name} accepted short {after.Short} holding {held.Short}";
        if (after.Positions > Math.Max(held.Positions, before.Positions)) return $"{s.Name} accepted {after.Positions} positions holding {held.Positions}";

        s.Resting.Add((strategy, side, qty));
        s.Messages.Add(new OrderMessage(_now, false, side, qty, null));
        if (AccountUsage().Gross * 2 > _limits.MaxGrossExposure) _stats.AcceptedAboveHalfTheGrossLimit++;
        return AccountRates();
    }

    private string? Fill(Sym s, int pick, decimal qty)
    {
        if (s.Resting.Count == 0) return null;
        var i = pick % s.Resting.Count;
        var (strategy, side, remaining) = s.Resting[i];
        var filled = Math.Min(qty, remaining);
        s.Positions[strategy] += side.Sign() * filled;
        if (filled == remaining) s.Resting.RemoveAt(i);
        else s.Resting[i] = (strategy, side, remaining - filled);
        _stats.Fills++;
        return null;
    }

    private string? Cancel(Sym s, int pick)
    {
        if (s.Resting.Count == 0) return null;
        var i = pick % s.Resting.Count;
        var (_, side, remaining) = s.Resting[i];
        s.Resting.RemoveAt(i);
        // A cancel is never refused, but it is a message: later orders count it.
        s.Messages.Add(new OrderMessage(_now, true, side, remaining, null));
        _stats.Cancels++;
        return null;
    }

    private string? WantMore(Sym s)
    {
        if (!s.Registered) return null;
        var want = s.Budget.WantMore(
            s.Usage,
            RiskGate.CountInWindow(s.Messages, WindowStart, ordersOnly: true),
            RiskGate.CountInWindow(s.Messages, WindowStart, ordersOnly: false),
            _limits.Chunk);
        if (want is { } w) _inFlight.Add(new RequestMsg(Array.IndexOf(_symbols, s), w));
        return null;
    }

    private string? GiveBack(Sym s)
    {
        if (!s.Registered) return null;
        var heldBefore = s.Budget.Held;
        if (s.Budget.GiveBack(s.Usage, _limits.Chunk) is not { } back) return null;
        if (s.Budget.Held != heldBefore - back) return $"{s.Name} gave back {back} but holds {s.Budget.Held} of {heldBefore}";
        if (back.Orders != 0 || back.Messages != 0) return $"{s.Name} gave back rate quota {back}";
        _inFlight.Add(new ReturnMsg(Array.IndexOf(_symbols, s), back));
        return null;
    }

    private string? Deliver(int pick)
    {
        if (_inFlight.Count == 0) return null;
        var m = _inFlight[pick % _inFlight.Count];
        _inFlight.RemoveAt(pick % _inFlight.Count);
        var s = _symbols[m.Symbol];
        switch (m)
        {
            case RegisterMsg r:
                _inFlight.Add(new GrantMsg(r.Symbol, _pool.Register(s.Name, r.Usage)));
                break;
            case RequestMsg r:
                _inFlight.Add(new GrantMsg(r.Symbol, _pool.Grant(s.Name, r.Want)));
                break;
            case ReturnMsg r:
                _pool.Return(s.Name, r.Back);
                _stats.ReturnsDelivered++;
                break;
            case GrantMsg g:
                s.Registered = true;
                s.Budget.OnGranted(g.Grant);
                _stats.GrantsDelivered++;
                break;
        }
        return null;
    }

    private Usage AccountUsage() => _symbols.Select(x => x.Usage).Aggregate(
        new Usage(0m, 0m, 0m, 0), (a, b) => new Usage(a.Gross + b.Gross, a.Long + b.Long, a.Short + b.Short, a.Positions + b.Positions));

    /// <summary>
    /// (iii) Account-wide orders in the window ending now are within the order quota. For messages:
    /// every message a symbol sent up to its latest order in the window was counted by that order, so
    /// those are within the message quota. (Cancels are never refused, so cancels sent after a
    /// symbol's latest order may add to a window; no later order can be accepted over them.)
    /// </summary>
    private string? AccountRates()
    {
        int orders = 0, counted = 0;
        foreach (var x in _symbols)
        {
            var first = x.Messages.Count;
            while (first > 0 && x.Messages[first - 1].Time > WindowStart) first--;
            var lastOrder = x.Messages.FindLastIndex(msg => !msg.IsCancel);
            for (var i = first; i < x.Messages.Count; i++)
            {
                if (!x.Messages[i].IsCancel) orders++;
            }
            if (lastOrder >= first) counted += lastOrder - first + 1;
        }
        if (orders > _limits.MaxOrdersPerWindow) return $"{orders} account orders in one window, limit {_limits.MaxOrdersPerWindow}";
        if (counted > _limits.MaxMessagesPerWindow) return $"{counted} account messages counted by orders in one window, limit {_limits.MaxMessagesPerWindow}";
        return null;
    }

    /// <summary>(i) and (ii), checked after every step.</summary>
    private string? Invariants()
    {
        var total = _limits.Total;
        var allocated = _pool.Allocated;
        var held = Credit.Zero;
        var grantsInFlight = Credit.Zero;
        var usage = new Usage(0m, 0m, 0m, 0);
        for (var i = 0; i < _symbols.Length; i++)
        {
            var s = _symbols[i];
            var h = s.Budget.Held;
            var granting = _inFlight.OfType<GrantMsg>().Where(g => g.Symbol == i).Aggregate(Credit.Zero, (a, g) => a + g.Grant);
            var returning = _inFlight.OfType<ReturnMsg>().Where(r => r.Symbol == i).Aggregate(Credit.Zero, (a, r) => a + r.Back);
            // Credit is conserved: what the pool lent a symbol is what it holds plus what is on the way either way.
            var lent = _pool.Granted.GetValueOrDefault(s.Name);
            if (lent != h + granting + returning)
                return $"{s.Name}: pool lent {lent} but the symbol holds {h}, {granting} is being granted and {returning} returned";
            // Each symbol uses no more than it holds.
            var u = s.Usage;
            if (u.Gross > h.Gross || u.Long > h.Long || u.Short > h.Short || u.Positions > h.Positions)
                return $"{s.Name} uses {u} but holds {h}";
            held += h;
            grantsInFlight += granting;
            usage = new Usage(usage.Gross + u.Gross, usage.Long + u.Long, usage.Short + u.Short, usage.Positions + u.Positions);
        }
        if (!held.FitsIn(total)) return $"symbols hold {held}, more than the account's {total}";
        if (!(held + grantsInFlight).FitsIn(allocated)) return $"symbols hold {held} and {grantsInFlight} is in flight, more than the pool lent ({allocated})";
        if (!allocated.FitsIn(total)) return $"the pool lent {allocated}, more than the account's {total}";

        if (usage.Gross > _limits.MaxGrossExposure) return $"account gross {usage.Gross} > {_limits.MaxGrossExposure}";
        if (usage.Long > _limits.MaxNetExposure) return $"account long {usage.Long} > {_limits.MaxNetExposure}";
        if (usage.Short > _limits.MaxNetExposure) return $"account short {usage.Short} > {_limits.MaxNetExposure}";
        if (usage.Positions > _limits.MaxOpenPositions) return $"account positions {usage.Positions} > {_limits.MaxOpenPositions}";
        return null;
    }
}

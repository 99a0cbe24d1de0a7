using System.Text;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// Generated multi-slice flows of one account with 1 to 200 symbols, run through the real
/// AccountAllocator, SymbolCredit and Usage exactly as the protocol goes (no actors). A third of the
/// accounts have funds (cash, or margin at 2x or 4x), so buying power (AccountFunds.WithMargin of the
/// usage, against the starting cash) is one more limit, and usually the first to bind:
///
/// At each boundary (market time B) prices move, then every symbol, idle, reports what it uses
/// (Usage.Of its strategies' legs at its price, and its orders and messages in the account's rate
/// window (B - RateWindow, B]) and what its waiting orders need on top (SymbolCredit.Need of all of
/// them together, one order and one message each). AccountAllocator.Allocate gives each its credit;
/// each waiting order is then retried once, at B, and accepted or rejected for good.
///
/// During the slice each step is one symbol's: an order of one of its 1-4 strategies (accepted when
/// SymbolCredit.Check finds nothing lacking, else deferred to the next boundary; a strategy's new
/// order replaces the one it has waiting), a fill of a resting order (in part or whole), a cancel
/// (never refused; it counts as a message, as in SymbolCore), or a price tick. Steps of different
/// symbols interleave in any order; each symbol's own steps are in market-time order within the slice.
///
/// What is modelled for the rate limits: new orders count toward both quotas, cancels toward the
/// message quota only, as in SymbolCore. Cancels cannot be refused, so they can carry the account's
/// messages past the quota. The safety property holds the budget to what its INVARIANT promises for
/// that case, as for usage that price moves carried past a limit: messages past the quota at a
/// boundary may be kept up through the next slice but not added to, except by cancels. (That the
/// overshoot is handed back as credit at all is weaker than the quota, see
/// AccountAllocatorTests.Cancels_that_carried_the_account_past_its_message_quota_are_not_handed_back_as_credit_for_new_orders;
/// the statistics count the windows where it shows.)
/// </summary>
public sealed class AccountBudgetProperties
{
    /// <summary>
    /// SAFETY, after every step of every interleaving: for gross, long, short, open positions and buying power the
    /// account's summed usage is within its limit, or within what it already was at the slice's
    /// boundary when price moves had carried it past (nobody may increase it then), plus only what
    /// price ticks within the slice alone put on a symbol beyond its credit (and, for buying power, the
    /// fees of orders that add no exposure, which are never refused for it). The allocations never add
    /// up to more than the limits and each covers its symbol's usage on every limit the account is within. Account orders in every window
    /// (t - RateWindow, t] are within the order quota; account messages in every window are within the
    /// message quota (or what was in the window at the slice's boundary, if more) plus the cancels sent
    /// since the boundary while their symbol had used up its message credit. Fills never increase usage.
    /// </summary>
    [Property(MaxTest = 1200, Arbitrary = [typeof(BudgetFlows)])]
    public void No_interleaving_within_slices_takes_the_account_past_a_limit(BudgetFlow flow)
    {
        var result = new BudgetModel(flow).Run();
        Assert.True(result.Safety is null, result.Safety);
    }

    /// <summary>
    /// LIVENESS: mid-slice, a symbol accepts every order whose need fits what is left of its credit
    /// (and defers the others, naming the first limit lacking); at a boundary, a symbol whose waiting
    /// orders' want fitted the account's free room left at its turn (first fit, in symbol order) has
    /// every one of them accepted, so every waiting order rejected at its retry is one whose symbol's
    /// want did not fit; and it is rejected with an account reason.
    /// </summary>
    [Property(MaxTest = 1200, Arbitrary = [typeof(BudgetFlows)])]
    public void An_order_that_fits_the_accounts_free_room_is_not_refused_for_lack_of_credit_once_the_boundary_has_answered(BudgetFlow flow)
    {
        var result = new BudgetModel(flow).Run();
        Assert.True(result.Liveness is null, result.Liveness);
    }

    /// <summary>The generated flows are not vacuous: they defer, retry both ways, and reach every account limit.</summary>
    [Fact]
    public void The_generated_flows_defer_retry_and_reach_every_account_limit()
    {
        var stats = new BudgetStats();
        foreach (var seed in new ulong[] { 3, 17, 29 })
        {
            foreach (var flow in BudgetFlows.Generator.Sample(150, new Rnd(seed), 10))
            {
                var result = new BudgetModel(flow, stats).Run();
                Assert.True(result.Safety is null, result.Safety);
                Assert.True(result.Liveness is null, result.Liveness);
            }
        }

        var summary = stats.ToString();
        Assert.True(stats.Flows == 450, summary);
        Assert.True(stats.FlowsWith200Symbols >= 5, summary);
        Assert.True(stats.FlowsWithOver30Symbols >= 30, summary);
        Assert.True(stats.Accepted > 5_000, summary);
        Assert.True(stats.Deferred.Values.Sum() > 5_000, summary);
        Assert.True(stats.RetriesAccepted > 1_000, summary);
        Assert.True(stats.RetriesRejected.Values.Sum() > 1_000, summary);
        Assert.True(stats.WantsGranted > 1_000 && stats.WantsNotFitting > 1_000, summary);
        Assert.True(stats.Superseded > 100, summary);
        foreach (var reason in new[]
                 {
                     OrderRejectReason.AccountGrossExposure, OrderRejectReason.AccountNetExposure, OrderRejectReason.MaxOpenPositions,
                     OrderRejectReason.AccountOrderRate, OrderRejectReason.AccountMessageRate, OrderRejectReason.InsufficientBuyingPower,
                 })
        {
            Assert.True(stats.Deferred.GetValueOrDefault(reason) >= 100, $"{reason}: {summary}");
            Assert.True(stats.RetriesRejected.GetValueOrDefault(reason) >= 20, $"{reason}: {summary}");
        }
        Assert.True(stats.FlowsNearGrossLimit >= 30 && stats.FlowsNearNetLimit >= 30 && stats.FlowsAtPositionLimit >= 30, summary);
        Assert.True(stats.FlowsAtOrderQuota >= 30 && stats.FlowsAtMessageQuota >= 30, summary);
        Assert.True(stats.FlowsWithFunds >= 60 && stats.FlowsNearBuyingPower >= 20, summary);
        Assert.True(stats.PastLimitAtBoundary >= 15, summary);
        Assert.True(stats.AcceptedPastCreditWithoutIncrease >= 15, summary);
        Assert.True(stats.RefusedPastCreditByPriceTicks >= 30, summary);
        Assert.True(stats.CancelsPastMessageCredit >= 100, summary);
        Assert.True(stats.Fills > 3_000 && stats.Cancels > 2_000 && stats.Ticks > 2_000, summary);
    }

    /// <summary>SymbolCredit.Check refuses exactly the orders whose Need does not fit what is left of the credit, naming the first limit lacking.</summary>
    [Property(MaxTest = 3000, Arbitrary = [typeof(CreditCases)])]
    public void A_symbol_accepts_an_order_exactly_when_its_need_fits_the_room_left_in_its_credit(CreditCase c)
    {
        var expected = BudgetModel.Lacking(c.Held, c.Before, c.After, c.Orders, c.Messages);
        Assert.Equal(expected, SymbolCredit.Check(c.Held, c.Before, c.After, c.Orders, c.Messages));
    }

    /// <summary>What the safety of the budget rests on between orders: fills and cancels of resting orders never increase a symbol's usage.</summary>
    [Property(MaxTest = 2000, Arbitrary = [typeof(CreditCases)])]
    public void Fills_and_cancels_of_resting_orders_never_increase_a_symbols_usage(LegCase c)
    {
        var before = Usage.Of(c.Legs, c.Price);
        var legs = c.Legs.ToArray();
        var i = c.Pick % legs.Length;
        var l = legs[i];
        var q = c.Quantity;
        legs[i] = c.Op switch
        {
            0 => l with { Position = l.Position + Math.Min(q, l.OpenBuy), OpenBuy = l.OpenBuy - Math.Min(q, l.OpenBuy) },
            1 => l with { Position = l.Position - Math.Min(q, l.OpenSell), OpenSell = l.OpenSell - Math.Min(q, l.OpenSell) },
            2 => l with { OpenBuy = Math.Max(0m, l.OpenBuy - q) },
            _ => l with { OpenSell = Math.Max(0m, l.OpenSell - q) },
        };
        var after = Usage.Of(legs, c.Price);
        Assert.True(SymbolCredit.Need(before, after) == new Credit(0m, 0m, 0m, 0, 1, 1), $"{before} -> {after}");
        // Nor their margin: the value they are counted at shrinks and so do the fees still to pay.
        var funds = new AccountFunds(AccountType.Margin, 100_000m, 2m);
        var marginBefore = funds.WithMargin(before, c.Legs, c.Price, VenueSettings.Default);
        var marginAfter = funds.WithMargin(after, legs, c.Price, VenueSettings.Default);
        Assert.True(SymbolCredit.Need(marginBefore, marginAfter) == new Credit(0m, 0m, 0m, 0, 1, 1), $"{marginBefore} -> {marginAfter}");
    }
}

// ---- small cases for SymbolCredit.Check and Usage.Of ----

public sealed record CreditCase(Credit Held, Usage Before, Usage After, int Orders, int Messages);

public sealed record LegCase(Leg[] Legs, decimal Price, int Pick, decimal Quantity, int Op)
{
    public override string ToString() => $"[{string.Join(", ", Legs)}] @{Price} op {Op} #{Pick} q {Quantity}";
}

public static class CreditCases
{
    // Few distinct values, so that equalities (exactly at the credit, unchanged usage) come up often.
    private static readonly Gen<decimal> Amount = Gen.Frequency(
        (3, Gen.Choose(0, 6).Select(x => x * 100m)),
        (1, Gen.Choose(0, 600_000).Select(x => x / 1000m)));

    private static readonly Gen<Usage> Usages =
        from g in Amount
        from l in Amount
        from s in Amount
        from p in Gen.Choose(0, 6)
        from b in Amount
        select new Usage(g, l, s, p, b);

    public static Arbitrary<CreditCase> Cases() =>
        (from held in Usages
         from orders in Gen.Choose(0, 6)
         from messages in Gen.Choose(0, 6)
         from before in Usages
         from after in Gen.Frequency((3, Usages), (1, Gen.Constant(before)), (1, Usages.Select(u => u with { Gross = before.Gross })))
         from o in Gen.Choose(0, 7)
         from m in Gen.Choose(0, 7)
         select new CreditCase(new Credit(held.Gross, held.Long, held.Short, held.Positions, orders, messages, held.BuyingPower), before, after, o, m)).ToArbitrary();

    public static Arbitrary<LegCase> Legs() =>
        (from n in Gen.Choose(1, 4)
         from legs in (from p in Gen.Choose(-300, 300)
                       from b in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 300)))
                       from s in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 300)))
                       select new Leg(p, b, s)).ArrayOf(n)
         from price in Gen.Choose(1, 50_000)
         from pick in Gen.Choose(0, 99)
         from q in Gen.Choose(1, 400)
         from op in Gen.Choose(0, 3)
         select new LegCase(legs, price / 100m, pick, q, op)).ToArbitrary();
}

// ---- the flows ----

public enum BudgetStepKind
{
    Order,
    Fill,
    Cancel,
    Tick,
}

/// <summary>
/// One step of one symbol within a slice. Strategy is taken modulo the symbol's strategies, Pick
/// modulo its resting orders; a Closing order goes against the strategy's position, for at most
/// its size (the side is Side's when the strategy is flat); AtPpm places the step in its slice (parts per million of its length;
/// a symbol's steps get its times in increasing order); MoveBps is a tick's price move.
/// </summary>
public readonly record struct BudgetStep(BudgetStepKind Kind, int Symbol, int Strategy, Side Side, bool Closing, int Quantity, int Pick, int AtPpm, int MoveBps)
{
    public override string ToString() => Kind switch
    {
        BudgetStepKind.Order => $"S{Symbol}/{Strategy} {(Closing ? "close" : Side)} {Quantity}",
        BudgetStepKind.Fill => $"S{Symbol} fill #{Pick} {Quantity}",
        BudgetStepKind.Cancel => $"S{Symbol} cancel #{Pick}",
        _ => $"S{Symbol} tick {MoveBps:+0;-0}bp",
    } + $" @{AtPpm}ppm";
}

/// <summary>A price move at a boundary: Symbol -1 moves every symbol.</summary>
public readonly record struct BoundaryMove(int Symbol, int Bps)
{
    public override string ToString() => $"{(Symbol < 0 ? "all" : $"S{Symbol}")} {Bps:+0;-0}bp";
}

public sealed record BudgetSlice(int LengthMs, BoundaryMove[] Moves, BudgetStep[] Steps)
{
    public override string ToString() => $"slice {LengthMs}ms, moves [{string.Join(", ", Moves)}]: {string.Join("; ", Steps)}";
}

public sealed record BudgetFlow(AccountLimits Limits, int[] Strategies, int[] PriceCents, BudgetSlice[] Slices)
{
    public override string ToString()
    {
        var l = Limits;
        return new StringBuilder()
            .Append($"{Strategies.Length} symbols (strategies {string.Join(",", Strategies.Take(20))}{(Strategies.Length > 20 ? ",..." : "")}), ")
            .Append($"prices {string.Join(",", PriceCents.Take(20).Select(p => p / 100m))}{(PriceCents.Length > 20 ? ",..." : "")}; ")
            .Append($"limits gross {l.MaxGrossExposure}, net {l.MaxNetExposure}, positions {l.MaxOpenPositions}, ")
            .Append($"orders {l.MaxOrdersPerWindow}, messages {l.MaxMessagesPerWindow} per {l.RateWindow.TotalMilliseconds}ms; ")
            .Append(l.Funds is { } f ? $"funds {f.StartingCash} at {f.Leverage}x; " : "no funds; ")
            .Append($"{Slices.Length} slices: ")
            .Append(string.Join(" | ", Slices.AsEnumerable()))
            .ToString();
    }
}

public static class BudgetFlows
{
    private static readonly Gen<int> SymbolCounts = Gen.Frequency(
        (10, Gen.Choose(1, 4)),
        (6, Gen.Choose(5, 30)),
        (3, Gen.Choose(31, 199)),
        (1, Gen.Constant(200)));

    // Orders are typically 1-100 shares at 1-100 (a few thousand); the limits scale with the number of
    // symbols but are often tight, so that shares are small and wants compete for the free room.
    private static Gen<AccountLimits> LimitsFor(int n) =>
        from grossUnits in Gen.Frequency((2, Gen.Choose(1, 20)), (3, Gen.Choose(20, 300)))
        from scale in Gen.Choose(1, 1 + n / 3)
        from grossFraction in Gen.Choose(0, 9999)
        from netPercent in Gen.Choose(15, 100)
        from positions in Gen.Frequency((1, Gen.Choose(1, 2 + n / 2)), (3, Gen.Choose(2 * n, 4 * n + 8)))
        from orders in Gen.Frequency((1, Gen.Choose(1, 3 + n / 2)), (3, Gen.Choose(2 * n + 5, 10 * n + 40)))
        from extra in Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(0, orders)))
        from windowMs in Gen.Frequency((1, Gen.Choose(50, 1_000)), (2, Gen.Choose(1_000, 30_000)))
        let gross = grossUnits * 2_000m * scale + grossFraction / 10_000m
        from funded in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from leverage in Gen.Elements(1m, 2m, 4m)
        from cashPercent in Gen.Choose(10, 150)
        select AccountLimits.Default with
        {
            // With funds, the equity (starting cash: the model has no P&L) often binds before gross does.
            Funds = funded ? new AccountFunds(leverage == 1m ? AccountType.Cash : AccountType.Margin, decimal.Round(gross * cashPercent / 100m / leverage, 2), leverage) : null,
            MaxGrossExposure = gross,
            MaxNetExposure = decimal.Round(gross * netPercent / 100m, 4, MidpointRounding.ToZero),
            MaxOpenPositions = positions,
            MaxOrdersPerWindow = orders,
            MaxMessagesPerWindow = orders + extra,
            RateWindow = TimeSpan.FromMilliseconds(windowMs),
        };

    private static readonly Gen<BudgetStepKind> Kinds = Gen.Frequency(
        (6, Gen.Constant(BudgetStepKind.Order)), (5, Gen.Constant(BudgetStepKind.Fill)),
        (3, Gen.Constant(BudgetStepKind.Cancel)), (1, Gen.Constant(BudgetStepKind.Tick)));

    private static readonly Gen<int> Quantities = Gen.Frequency((6, Gen.Choose(1, 100)), (2, Gen.Choose(100, 600)));

    private static readonly Gen<int> Ticks = Gen.Frequency((5, Gen.Choose(-200, 200)), (1, Gen.Choose(-2_000, 4_000)));

    // Few binds per step (generation is most of the cost of a flow): one number gives the strategy,
    // the side, whether the order closes and which resting order a fill or cancel picks.
    private static Gen<BudgetStep> StepsFor(int n) =>
        from kind in Kinds
        from symbol in Gen.Frequency((3, Gen.Choose(0, n - 1)), (2, Gen.Choose(0, Math.Min(n - 1, 3))))
        from mix in Gen.Choose(0, int.MaxValue)
        from qty in Quantities
        from at in Gen.Choose(0, 999_999)
        from move in Ticks
        select new BudgetStep(kind, symbol, mix & 3, (mix & 4) == 0 ? Side.Buy : Side.Sell, (mix >> 3) % 3 == 0, qty, (mix >> 5) % 10_000, at, move);

    private static Gen<BoundaryMove> MovesFor(int n) =>
        from symbol in Gen.Frequency((1, Gen.Constant(-1)), (4, Gen.Choose(0, n - 1)))
        from bps in Gen.Frequency((6, Gen.Choose(-300, 300)), (1, Gen.Choose(-3_000, 6_000)))
        select new BoundaryMove(symbol, bps);

    private static Gen<BudgetSlice> SlicesFor(int n) =>
        from length in Gen.Frequency((2, Gen.Choose(20, 1_000)), (1, Gen.Choose(1_000, 10_000)))
        from moveCount in Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(1, 4)))
        from moves in MovesFor(n).ArrayOf(moveCount)
        from count in Gen.Choose(0, Math.Min(10 + 3 * n, 240))
        from steps in StepsFor(n).ArrayOf(count)
        select new BudgetSlice(length, moves, steps);

    public static readonly Gen<BudgetFlow> Generator =
        from n in SymbolCounts
        from strategies in Gen.Choose(1, 4).ArrayOf(n)
        from prices in Gen.Frequency((4, Gen.Choose(100, 10_000)), (1, Gen.Choose(1, 50_000))).ArrayOf(n)
        from limits in LimitsFor(n)
        from sliceCount in Gen.Choose(2, 10)
        from slices in SlicesFor(n).ArrayOf(sliceCount)
        select new BudgetFlow(limits, strategies, prices, slices);

    public static Arbitrary<BudgetFlow> Flows() => Arb.From(Generator, Shrink);

    /// <summary>Drops slices, then ever smaller runs of steps within each slice.</summary>
    private static IEnumerable<BudgetFlow> Shrink(BudgetFlow f)
    {
        for (var i = 0; i < f.Slices.Length && f.Slices.Length > 1; i++)
            yield return f with { Slices = [.. f.Slices[..i], .. f.Slices[(i + 1)..]] };
        for (var i = 0; i < f.Slices.Length; i++)
        {
            var steps = f.Slices[i].Steps;
            for (var chunk = steps.Length / 2; chunk >= 1; chunk /= 2)
            {
                for (var start = 0; start + chunk <= steps.Length; start += chunk)
                {
                    var slices = f.Slices.ToArray();
                    slices[i] = slices[i] with { Steps = [.. steps[..start], .. steps[(start + chunk)..]] };
                    yield return f with { Slices = slices };
                }
            }
        }
    }
}

internal sealed class BudgetStats
{
    public int Flows { get; set; }
    public int FlowsWith200Symbols { get; set; }
    public int FlowsWithOver30Symbols { get; set; }
    public int Accepted { get; set; }
    public Dictionary<OrderRejectReason, int> Deferred { get; } = new();
    public int Superseded { get; set; }
    public int RetriesAccepted { get; set; }
    public Dictionary<OrderRejectReason, int> RetriesRejected { get; } = new();
    public int WantsGranted { get; set; }
    public int WantsNotFitting { get; set; }
    public int FlowsNearGrossLimit { get; set; }

    public int FlowsWithFunds { get; set; }

    public int FlowsNearBuyingPower { get; set; }
    public int FlowsNearNetLimit { get; set; }
    public int FlowsAtPositionLimit { get; set; }
    public int FlowsAtOrderQuota { get; set; }
    public int FlowsAtMessageQuota { get; set; }
    public int PastLimitAtBoundary { get; set; }
    public int AcceptedPastCreditWithoutIncrease { get; set; }
    public int RefusedPastCreditByPriceTicks { get; set; }
    public int CancelsPastMessageCredit { get; set; }
    public int WindowsPastMessageQuota { get; set; }
    public int WindowsPastMessageQuotaBeyondThisSlicesCancels { get; set; }
    public int Fills { get; set; }
    public int Cancels { get; set; }
    public int Ticks { get; set; }

    public override string ToString() =>
        $"{Flows} flows ({FlowsWith200Symbols} with 200 symbols, {FlowsWithOver30Symbols} with more than 30); {Accepted} accepted mid-slice; " +
        $"deferred [{string.Join(", ", Deferred.OrderBy(kv => kv.Key))}]; {Superseded} superseded; " +
        $"retries {RetriesAccepted} accepted, rejected [{string.Join(", ", RetriesRejected.OrderBy(kv => kv.Key))}]; " +
        $"wants {WantsGranted} granted, {WantsNotFitting} not fitting; flows within 10% of gross {FlowsNearGrossLimit}, of net {FlowsNearNetLimit}, " +
        $"{FlowsWithFunds} with funds, {FlowsNearBuyingPower} within 10% of the buying power, " +
        $"at positions {FlowsAtPositionLimit}, at order quota {FlowsAtOrderQuota}, at message quota {FlowsAtMessageQuota}; " +
        $"{PastLimitAtBoundary} boundaries past a limit after price moves; {AcceptedPastCreditWithoutIncrease} accepted past the credit without increase; " +
        $"{RefusedPastCreditByPriceTicks} refused past the credit after ticks; {CancelsPastMessageCredit} cancels past the message credit; " +
        $"{WindowsPastMessageQuota} windows past the message quota, {WindowsPastMessageQuotaBeyondThisSlicesCancels} of them by more than this slice's cancels; " +
        $"{Fills} fills, {Cancels} cancels, {Ticks} ticks";
}

/// <summary>One account's symbols following the protocol, step by step, with every invariant checked as it goes.</summary>
internal sealed class BudgetModel
{
    private sealed class Sym(string name, decimal price, int strategies)
    {
        public string Name { get; } = name;
        public decimal Price { get; set; } = price;
        public Leg[] Legs { get; } = new Leg[strategies];
        public List<(int Strategy, Side Side, decimal Remaining)> Resting { get; } = new();
        public List<OrderMessage> Messages { get; } = new();
        public (Side Side, decimal Quantity)?[] Deferred { get; } = new (Side, decimal)?[strategies];
        public Usage Usage { get; set; }
        public Credit Held { get; set; }
        public Credit Excess { get; set; } // what the latest tick alone put beyond the credit
    }

    private readonly BudgetFlow _flow;
    private readonly BudgetStats _stats;
    private readonly AccountLimits _limits;
    private readonly Sym[] _syms;
    private readonly List<(DateTime Time, bool IsCancel, bool PastCredit)> _log = new();
    private readonly List<(DateTime At, int Messages)> _boundaries = new();
    private Credit _sum;    // the account's usage (exposure and positions)
    private Credit _excess; // summed Excess of the symbols
    private decimal _exitFees; // margin added this slice by orders that add no exposure (their fees), which buying power never refuses
    private Credit _cap;    // max(limit, usage) at the slice's boundary
    private string? _safety;
    private string? _liveness;
    private Func<string> _where = () => "";
    private bool _nearGross, _nearNet, _atPositions, _nearBuyingPower;

    public BudgetModel(BudgetFlow flow, BudgetStats? stats = null)
    {
        _flow = flow;
        _stats = stats ?? new BudgetStats();
        _limits = flow.Limits;
        _syms = new Sym[flow.Strategies.Length];
        for (var i = 0; i < _syms.Length; i++) _syms[i] = new Sym($"S{i:D3}", flow.PriceCents[i] / 100m, flow.Strategies[i]);
    }

    private static readonly DateTime Start = new(2024, 3, 4, 15, 0, 0, DateTimeKind.Utc);

    public (string? Safety, string? Liveness) Run()
    {
        var n = _syms.Length;
        _stats.Flows++;
        if (n == 200) _stats.FlowsWith200Symbols++;
        if (n > 30) _stats.FlowsWithOver30Symbols++;
        var at = Start;
        var offsets = new List<int>[n];
        var next = new int[n];
        for (var m = 0; m < _flow.Slices.Length && _safety is null; m++)
        {
            var slice = _flow.Slices[m];
            var boundaryAt = at;
            var sliceIndex = m;
            _where = () => $"boundary {sliceIndex} at +{(boundaryAt - Start).TotalMilliseconds}ms";
            Boundary(slice, at);

            // Each symbol's steps get its share of the slice's times in increasing order.
            for (var i = 0; i < n; i++) { offsets[i]?.Clear(); next[i] = 0; }
            foreach (var s in slice.Steps) (offsets[s.Symbol % n] ??= new List<int>()).Add(s.AtPpm);
            foreach (var list in offsets) list?.Sort();
            for (var k = 0; k < slice.Steps.Length && _safety is null; k++)
            {
                var step = slice.Steps[k];
                var i = step.Symbol % n;
                var t = at.AddTicks((long)offsets[i][next[i]++] * slice.LengthMs * TimeSpan.TicksPerMillisecond / 1_000_000);
                var stepIndex = k;
                _where = () => $"slice {sliceIndex} step {stepIndex} ({step}) at +{(t - Start).TotalMilliseconds}ms";
                switch (step.Kind)
                {
                    case BudgetStepKind.Order:
                        var sym = _syms[i];
                        var strategy = step.Strategy % sym.Legs.Length;
                        if (sym.Deferred[strategy] is not null) _stats.Superseded++;
                        sym.Deferred[strategy] = null;
                        var position = sym.Legs[strategy].Position;
                        if (step.Closing && position != 0m)
                            Submit(i, strategy, position > 0m ? Side.Sell : Side.Buy, Math.Min(step.Quantity, Math.Abs(position)), t, retry: false, granted: false);
                        else Submit(i, strategy, step.Side, step.Quantity, t, retry: false, granted: false);
                        break;
                    case BudgetStepKind.Fill:
                        Fill(i, step);
                        break;
                    case BudgetStepKind.Cancel:
                        Cancel(i, step, t);
                        break;
                    default:
                        Tick(i, step);
                        break;
                }
                CheckAccount();
            }
            at = at.AddMilliseconds(slice.LengthMs);
        }
        if (_safety is null) CheckWindows();
        if (_nearGross) _stats.FlowsNearGrossLimit++;
        if (_nearNet) _stats.FlowsNearNetLimit++;
        if (_atPositions) _stats.FlowsAtPositionLimit++;
        if (_nearBuyingPower) _stats.FlowsNearBuyingPower++;
        if (_limits.Funds is not null) _stats.FlowsWithFunds++;
        return (_safety, _liveness);
    }

    private static Credit Cr(Usage u, int orders = 0, int messages = 0) => new(u.Gross, u.Long, u.Short, u.Positions, orders, messages, u.BuyingPower);

    private static Credit Max(Credit a, Credit b) => new(
        Math.Max(a.Gross, b.Gross), Math.Max(a.Long, b.Long), Math.Max(a.Short, b.Short),
        Math.Max(a.Positions, b.Positions), Math.Max(a.Orders, b.Orders), Math.Max(a.Messages, b.Messages),
        Math.Max(a.BuyingPower, b.BuyingPower));

    /// <summary>What legs use at a price, as SymbolCore computes it: with the margin they take when the account has funds.</summary>
    private Usage UsageOf(Leg[] legs, decimal price) =>
        _limits.Funds is { } funds ? funds.WithMargin(Usage.Of(legs, price), legs, price, VenueSettings.Default) : Usage.Of(legs, price);

    /// <summary>
    /// Whether a symbol's allocation covers what it needs on every component where the account's usage is
    /// within the limit. Where price moves or cancels carried the account past one, the allocator scales each
    /// user down to it (nobody may increase it, and what closes is not handed out again until it is back within).
    /// </summary>
    private bool Covers(Credit allocation, Credit need, Credit accountUsed)
    {
        var limit = _limits.Total;
        return (accountUsed.Gross > limit.Gross || need.Gross <= allocation.Gross)
            && (accountUsed.Long > limit.Long || need.Long <= allocation.Long)
            && (accountUsed.Short > limit.Short || need.Short <= allocation.Short)
            && (accountUsed.Positions > limit.Positions || need.Positions <= allocation.Positions)
            && (accountUsed.Orders > limit.Orders || need.Orders <= allocation.Orders)
            && (accountUsed.Messages > limit.Messages || need.Messages <= allocation.Messages)
            && (accountUsed.BuyingPower > limit.BuyingPower || need.BuyingPower <= allocation.BuyingPower);
    }

    private static Credit Exposure(Credit c) => c with { Orders = 0, Messages = 0 };

    private (int Orders, int Messages) Counts(Sym s, DateTime t) =>
        (RiskGate.CountInWindow(s.Messages, t - _limits.RateWindow, ordersOnly: true),
         RiskGate.CountInWindow(s.Messages, t - _limits.RateWindow, ordersOnly: false));

    private void SetUsage(Sym s, Usage u)
    {
        _sum = _sum - Cr(s.Usage) + Cr(u);
        s.Usage = u;
    }

    private void Boundary(BudgetSlice slice, DateTime at)
    {
        var n = _syms.Length;
        foreach (var move in slice.Moves)
        {
            if (move.Symbol < 0) foreach (var s in _syms) s.Price = Moved(s.Price, move.Bps);
            else _syms[move.Symbol % n].Price = Moved(_syms[move.Symbol % n].Price, move.Bps);
        }

        // Every symbol reports, idle: its usage at its price, its messages in the window ending here, its waiting orders' want.
        var demands = new CreditDemand[n];
        var used = Credit.Zero;
        for (var i = 0; i < n; i++)
        {
            var s = _syms[i];
            SetUsage(s, UsageOf(s.Legs, s.Price));
            var (orders, messages) = Counts(s, at);
            demands[i] = new CreditDemand(s.Name, Cr(s.Usage, orders, messages), Wanted(s));
            used += demands[i].Used;
        }
        var allocations = AccountAllocator.Allocate(_limits, demands);

        // The INVARIANT: each keeps its usage where the account is within the limit (scaled down to it where past); together no more than the limits.
        _cap = Max(_limits.Total, used);
        var total = Credit.Zero;
        for (var i = 0; i < n; i++)
        {
            if (!Covers(allocations[i], demands[i].Used, used)) Safety($"{demands[i].Symbol} allocated {allocations[i]}, less than it uses, {demands[i].Used}");
            total += allocations[i];
        }
        if (!total.FitsIn(_limits.Total)) Safety($"allocations add up to {total}, past the limits {_limits.Total} (usage {used})");
        if (used.Gross > _limits.MaxGrossExposure || used.Long > _limits.MaxNetExposure || used.Short > _limits.MaxNetExposure
            || used.BuyingPower > _limits.Total.BuyingPower)
            _stats.PastLimitAtBoundary++;
        _boundaries.Add((at, used.Messages));

        // Which wants fit the free room left at their turn, first fit in symbol order.
        var free = Credit.NonNegative(_limits.Total - used);
        var granted = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var want = demands[i].Wanted;
            if (want.IsZero) continue;
            if (want.FitsIn(free))
            {
                granted[i] = true;
                free -= want;
                _stats.WantsGranted++;
                if (!Covers(allocations[i], demands[i].Used + want, used))
                    Liveness($"{demands[i].Symbol} wanted {want}, which fitted the free room at its turn, but was allocated {allocations[i]} for its usage {demands[i].Used}");
            }
            else _stats.WantsNotFitting++;
        }

        _excess = Credit.Zero;
        _exitFees = 0m;
        for (var i = 0; i < n; i++)
        {
            _syms[i].Held = allocations[i];
            _syms[i].Excess = Credit.Zero;
        }

        // Every waiting order is retried once, now, and accepted or rejected for good.
        for (var i = 0; i < n; i++)
        {
            var s = _syms[i];
            for (var k = 0; k < s.Deferred.Length; k++)
            {
                if (s.Deferred[k] is not { } d) continue;
                s.Deferred[k] = null;
                Submit(i, k, d.Side, d.Quantity, at, retry: true, granted[i]);
            }
        }
        CheckAccount();
    }

    private static decimal Moved(decimal price, int bps) => Math.Max(0.01m, decimal.Round(price * (1m + bps / 10_000m), 2));

    /// <summary>What the symbol's waiting orders need together on top of its usage, one order and one message each (as SymbolCore reports it).</summary>
    private Credit Wanted(Sym s)
    {
        if (Array.TrueForAll(s.Deferred, d => d is null)) return Credit.Zero;
        var legs = s.Legs.ToArray();
        var count = 0;
        for (var k = 0; k < legs.Length; k++)
        {
            if (s.Deferred[k] is not { } d) continue;
            legs[k] = d.Side == Side.Buy ? legs[k] with { OpenBuy = legs[k].OpenBuy + d.Quantity } : legs[k] with { OpenSell = legs[k].OpenSell + d.Quantity };
            count++;
        }
        return count == 0 ? Credit.Zero : SymbolCredit.Need(s.Usage, UsageOf(legs, s.Price)) with { Orders = count, Messages = count };
    }

    /// <summary>The first account limit an order lacks credit for, computed from Need and what is left of the credit; null when it fits.</summary>
    public static OrderRejectReason? Lacking(Credit held, Usage before, Usage after, int orders, int messages)
    {
        var room = Credit.NonNegative(held - Cr(before, orders, messages));
        var need = SymbolCredit.Need(before, after);
        // Need asks no margin of an order that adds no exposure: a sale or a flatten is never refused for buying power.
        if (need.BuyingPower > room.BuyingPower) return OrderRejectReason.InsufficientBuyingPower;
        if (need.Gross > room.Gross) return OrderRejectReason.AccountGrossExposure;
        if (need.Long > room.Long || need.Short > room.Short) return OrderRejectReason.AccountNetExposure;
        if (need.Positions > room.Positions) return OrderRejectReason.MaxOpenPositions;
        if (need.Orders > room.Orders) return OrderRejectReason.AccountOrderRate;
        if (need.Messages > room.Messages) return OrderRejectReason.AccountMessageRate;
        return null;
    }

    private void Submit(int i, int strategy, Side side, decimal quantity, DateTime t, bool retry, bool granted)
    {
        var s = _syms[i];
        var before = s.Usage;
        var leg = s.Legs[strategy];
        var added = side == Side.Buy ? leg with { OpenBuy = leg.OpenBuy + quantity } : leg with { OpenSell = leg.OpenSell + quantity };
        var legs = s.Legs.ToArray();
        legs[strategy] = added;
        var after = UsageOf(legs, s.Price);
        var (orders, messages) = Counts(s, t);
        var verdict = SymbolCredit.Check(s.Held, before, after, orders, messages);
        var expected = Lacking(s.Held, before, after, orders, messages);
        string Order() => $"{(retry ? "retry of " : "")}{s.Name}/{strategy} {side} {quantity} ({before} -> {after}, {orders} orders and {messages} messages in the window, credit {s.Held})";
        if (verdict is null && expected is not null) Safety($"accepted {Order()}, though it lacks {expected}");
        else if (verdict != expected) Liveness($"{Order()}: {(verdict is null ? "accepted" : $"refused for {verdict}")}, but it {(expected is null ? "fits" : $"lacks {expected} first")}");

        if (Cr(before).FitsIn(s.Held) == false && !Cr(after).FitsIn(s.Held))
        {
            if (verdict is null) _stats.AcceptedPastCreditWithoutIncrease++;
            else if (!Exposure(s.Excess).IsZero) _stats.RefusedPastCreditByPriceTicks++;
        }

        if (verdict is null)
        {
            if (!SymbolCredit.AddsExposure(before, after)) _exitFees += Math.Max(0m, after.BuyingPower - before.BuyingPower);
            s.Legs[strategy] = added;
            s.Resting.Add((strategy, side, quantity));
            s.Messages.Add(new OrderMessage(t, false, side, quantity, null));
            _log.Add((t, false, false));
            SetUsage(s, after);
            if (retry) _stats.RetriesAccepted++;
            else _stats.Accepted++;
            return;
        }
        if (retry)
        {
            _stats.RetriesRejected[verdict.Value] = _stats.RetriesRejected.GetValueOrDefault(verdict.Value) + 1;
            if (granted) Liveness($"{Order()} was rejected for {verdict} at its retry, though its symbol's want fitted the account's free room at its turn");
            if (verdict < OrderRejectReason.AccountGrossExposure) Liveness($"{Order()} was rejected with {verdict}, not an account reason");
            return;
        }
        _stats.Deferred[verdict.Value] = _stats.Deferred.GetValueOrDefault(verdict.Value) + 1;
        s.Deferred[strategy] = (side, quantity);
    }

    private void Fill(int i, BudgetStep step)
    {
        var s = _syms[i];
        if (s.Resting.Count == 0) return;
        _stats.Fills++;
        var k = step.Pick % s.Resting.Count;
        var (strategy, side, remaining) = s.Resting[k];
        var q = Math.Min(Math.Max(1, step.Quantity), remaining);
        var l = s.Legs[strategy];
        s.Legs[strategy] = side == Side.Buy
            ? l with { Position = l.Position + q, OpenBuy = l.OpenBuy - q }
            : l with { Position = l.Position - q, OpenSell = l.OpenSell - q };
        if (q == remaining) s.Resting.RemoveAt(k);
        else s.Resting[k] = (strategy, side, remaining - q);
        Changed(s, "a fill");
    }

    private void Cancel(int i, BudgetStep step, DateTime t)
    {
        var s = _syms[i];
        if (s.Resting.Count == 0) return;
        _stats.Cancels++;
        var k = step.Pick % s.Resting.Count;
        var (strategy, side, remaining) = s.Resting[k];
        var pastCredit = Counts(s, t).Messages >= s.Held.Messages;
        if (pastCredit) _stats.CancelsPastMessageCredit++;
        s.Resting.RemoveAt(k);
        var l = s.Legs[strategy];
        s.Legs[strategy] = side == Side.Buy ? l with { OpenBuy = l.OpenBuy - remaining } : l with { OpenSell = l.OpenSell - remaining };
        s.Messages.Add(new OrderMessage(t, true, side, remaining, null));
        _log.Add((t, true, pastCredit));
        Changed(s, "a cancel");
    }

    private void Changed(Sym s, string what)
    {
        var before = s.Usage;
        var after = UsageOf(s.Legs, s.Price);
        if (!Cr(after).FitsIn(Cr(before))) Safety($"{what} in {s.Name} increased its usage from {before} to {after}");
        SetUsage(s, after);
    }

    private void Tick(int i, BudgetStep step)
    {
        var s = _syms[i];
        _stats.Ticks++;
        s.Price = Moved(s.Price, step.MoveBps);
        SetUsage(s, UsageOf(s.Legs, s.Price));
        var excess = Exposure(Credit.NonNegative(Cr(s.Usage) - s.Held));
        _excess = _excess - s.Excess + excess;
        s.Excess = excess;
    }

    private void CheckAccount()
    {
        var bound = Exposure(_cap) + _excess + Credit.Zero with { BuyingPower = _exitFees };
        if (!_sum.FitsIn(bound))
            Safety($"the account uses {_sum}, past {bound} (the limits {_limits.Total}, the usage at the boundary where past them, and {_excess} put on by this slice's ticks alone)");
        if (_sum.Gross * 10 >= _limits.MaxGrossExposure * 9) _nearGross = true;
        if (_sum.Long * 10 >= _limits.MaxNetExposure * 9 || _sum.Short * 10 >= _limits.MaxNetExposure * 9) _nearNet = true;
        if (_sum.Positions >= _limits.MaxOpenPositions) _atPositions = true;
        if (_limits.Funds is not null && _sum.BuyingPower * 10 >= _limits.Total.BuyingPower * 9) _nearBuyingPower = true;
    }

    /// <summary>Every window (T - RateWindow, T], T any message's time, over the whole account's messages.</summary>
    private void CheckWindows()
    {
        var log = _log.OrderBy(m => m.Time).ToArray();
        var n = log.Length;
        var orders = new int[n + 1];
        var messages = new int[n + 1];
        var pastCredit = new int[n + 1];
        for (var j = 0; j < n; j++)
        {
            orders[j + 1] = orders[j] + (log[j].IsCancel ? 0 : 1);
            messages[j + 1] = messages[j] + 1;
            pastCredit[j + 1] = pastCredit[j] + (log[j].PastCredit ? 1 : 0);
        }
        int lo = 0, slice = 0, sliceStart = 0;
        bool atOrders = false, atMessages = false;
        for (var hi = 0; hi < n; hi++)
        {
            var end = log[hi].Time;
            if (hi + 1 < n && log[hi + 1].Time == end) continue; // the window ending at `end` holds every message at `end`
            while (log[lo].Time <= end - _limits.RateWindow) lo++;
            while (slice + 1 < _boundaries.Count && _boundaries[slice + 1].At <= end) slice++;
            while (log[sliceStart].Time < _boundaries[slice].At) sliceStart++;
            var o = orders[hi + 1] - orders[lo];
            var m = messages[hi + 1] - messages[lo];
            var cancels = pastCredit[hi + 1] - pastCredit[Math.Max(lo, sliceStart)];
            var allowed = Math.Max(_limits.MaxMessagesPerWindow, _boundaries[slice].Messages) + cancels;
            if (o > _limits.MaxOrdersPerWindow)
                Safety($"{o} orders in the window ending at +{(end - Start).TotalMilliseconds}ms, quota {_limits.MaxOrdersPerWindow}");
            if (m > allowed)
                Safety($"{m} messages in the window ending at +{(end - Start).TotalMilliseconds}ms: quota {_limits.MaxMessagesPerWindow}, " +
                       $"{_boundaries[slice].Messages} in the window at the slice's boundary, {cancels} cancels past their symbol's credit since");
            if (o >= _limits.MaxOrdersPerWindow) atOrders = true;
            if (m >= _limits.MaxMessagesPerWindow) atMessages = true;
            if (m > _limits.MaxMessagesPerWindow)
            {
                _stats.WindowsPastMessageQuota++;
                if (m > _limits.MaxMessagesPerWindow + cancels) _stats.WindowsPastMessageQuotaBeyondThisSlicesCancels++;
            }
            if (_safety is not null) return;
        }
        if (atOrders) _stats.FlowsAtOrderQuota++;
        if (atMessages) _stats.FlowsAtMessageQuota++;
    }

    private void Safety(string what) => _safety ??= $"{_where()}: {what}";

    private void Liveness(string what) => _liveness ??= $"{_where()}: {what}";
}

using System.Globalization;
using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

/// <summary>
/// The account exposure budget at its edges: what AccountAllocator hands each symbol at a boundary
/// (its usage, its waiting orders' want first-fit and only in full, an equal rounded-down share of
/// the rest), what SymbolCredit.Check lets through during the slice, SymbolCredit.Need and Usage.Of.
/// </summary>
public sealed class AccountAllocatorTests
{
    // Total = (gross 1000, long 600, short 600, positions 10, orders 20, messages 30).
    private static readonly AccountLimits Limits = AccountLimits.Default with
    {
        MaxGrossExposure = 1000m,
        MaxNetExposure = 600m,
        MaxOpenPositions = 10,
        MaxOrdersPerWindow = 20,
        MaxMessagesPerWindow = 30,
        RateWindow = TimeSpan.FromSeconds(10),
    };

    private static CreditDemand D(string symbol, Credit used, Credit? wanted = null) => new(symbol, used, wanted ?? Credit.Zero);

    private static Credit C(decimal gross, decimal @long, decimal @short, int positions, int orders, int messages) =>
        new(gross, @long, @short, positions, orders, messages);

    private static Credit Sum(IEnumerable<Credit> credits) => credits.Aggregate(Credit.Zero, (a, b) => a + b);

    // ---- AccountAllocator ----

    [Fact]
    public void No_symbols_no_allocations()
    {
        Assert.Empty(AccountAllocator.Allocate(Limits, Array.Empty<CreditDemand>()));
    }

    [Fact]
    public void A_single_symbol_is_allocated_the_whole_account()
    {
        var used = C(100m, 80m, 20m, 1, 2, 3);
        Assert.Equal(new[] { Limits.Total }, AccountAllocator.Allocate(Limits, [D("A", used)]));
        Assert.Equal(new[] { Limits.Total }, AccountAllocator.Allocate(Limits, [D("A", Credit.Zero)]));
    }

    [Fact]
    public void Each_symbol_keeps_what_it_uses_and_the_free_room_is_shared_equally_rounded_down()
    {
        var a = C(100m, 80m, 0m, 1, 2, 3);
        var b = C(200m, 0m, 150m, 2, 4, 6);
        // Free: gross 700, long 520, short 450, positions 7, orders 14, messages 21; shared by 3.
        var result = AccountAllocator.Allocate(Limits, [D("A", a), D("B", b), D("C", Credit.Zero)]);
        var share = C(233.3333m, 173.3333m, 150m, 2, 4, 7);
        Assert.Equal(new[] { a + share, b + share, share }, result);
        Assert.True(Sum(result).FitsIn(Limits.Total));
        Assert.All(result.Zip(new[] { a, b, Credit.Zero }), p => Assert.True(p.Second.FitsIn(p.First)));
    }

    [Fact]
    public void Wants_are_granted_first_fit_in_the_given_order_and_only_in_full()
    {
        var wantA = C(600m, 600m, 0m, 1, 1, 1);
        var wantB = C(500m, 0m, 500m, 1, 1, 1); // gross 500 > the 400 left after A: not granted, not even in part
        var wantC = C(400m, 0m, 0m, 1, 1, 1);   // exactly the 400 left: granted
        var result = AccountAllocator.Allocate(Limits, [D("A", Credit.Zero, wantA), D("B", Credit.Zero, wantB), D("C", Credit.Zero, wantC)]);
        // Left: gross 0, long 0, short 600, positions 8, orders 18, messages 28.
        var share = C(0m, 0m, 200m, 2, 6, 9);
        Assert.Equal(new[] { wantA + share, share, wantC + share }, result);
        Assert.Equal(1000m, Sum(result).Gross);

        // The order decides: C first, then B fits, and A no longer does.
        var reversed = AccountAllocator.Allocate(Limits, [D("C", Credit.Zero, wantC), D("B", Credit.Zero, wantB), D("A", Credit.Zero, wantA)]);
        // Left: gross 100, long 600, short 100, positions 8, orders 18, messages 28.
        var rest = C(33.3333m, 200m, 33.3333m, 2, 6, 9);
        Assert.Equal(new[] { wantC + rest, wantB + rest, rest }, reversed);
        Assert.True(Sum(reversed).FitsIn(Limits.Total));
    }

    [Fact]
    public void A_want_that_misses_in_one_component_only_is_not_granted_at_all()
    {
        var used = C(0m, 0m, 0m, 4, 0, 0);
        foreach (var want in new[]
                 {
                     C(10m, 10m, 0m, 7, 1, 1),   // positions: 4 used, 6 free
                     C(10m, 10m, 0m, 1, 21, 21), // orders
                     C(10m, 10m, 0m, 1, 1, 31),  // messages
                     C(10m, 0m, 601m, 1, 1, 1),  // short
                     C(1000.0001m, 0m, 0m, 0, 1, 1),
                 })
        {
            var result = AccountAllocator.Allocate(Limits, [D("A", used, want), D("B", Credit.Zero)]);
            var share = C(500m, 300m, 300m, 3, 10, 15);
            Assert.Equal(new[] { used + share, share }, result);
        }
    }

    [Fact]
    public void A_want_equal_to_the_free_room_is_granted_and_leaves_nothing_to_share()
    {
        var used = C(300m, 100m, 200m, 3, 5, 7);
        var want = Limits.Total - used - used; // two symbols use `used` each
        var result = AccountAllocator.Allocate(Limits, [D("A", used), D("B", used, want)]);
        Assert.Equal(new[] { used, used + want }, result);
        Assert.Equal(Limits.Total, Sum(result));
    }

    [Fact]
    public void Negative_components_of_a_want_count_as_nothing()
    {
        var result = AccountAllocator.Allocate(Limits, [D("A", Credit.Zero, C(-50m, 0m, -1m, -2, 1, 1)), D("B", Credit.Zero)]);
        // Granted as (0, 0, 0, 0, 1, 1); the rest shared by 2.
        Assert.Equal(new[] { C(500m, 300m, 300m, 5, 10, 15), C(500m, 300m, 300m, 5, 9, 14) }, result);
        Assert.True(Sum(result).FitsIn(Limits.Total));
    }

    [Fact]
    public void Wants_are_granted_in_full_or_not_at_all_even_when_the_share_would_have_covered_part_of_them()
    {
        // 10 free orders between 3 symbols: A wants 11 (not granted), B wants 4 (granted), C wants 7 (not: 6 left).
        var limits = Limits with { MaxOrdersPerWindow = 10 };
        var result = AccountAllocator.Allocate(limits,
            [D("A", Credit.Zero, C(0m, 0m, 0m, 0, 11, 11)), D("B", Credit.Zero, C(0m, 0m, 0m, 0, 4, 4)), D("C", Credit.Zero, C(0m, 0m, 0m, 0, 7, 7))]);
        Assert.Equal(new[] { 2, 4 + 2, 2 }, result.Select(c => c.Orders));
        Assert.Equal(new[] { 8, 4 + 8, 8 }, result.Select(c => c.Messages)); // (30 - 4) / 3 = 8, rounded down
        Assert.Equal(10, result.Sum(c => c.Orders));
        Assert.Equal(28, result.Sum(c => c.Messages));
    }

    [Theory]
    [InlineData(3, "1000", 10, 20, 30)]
    [InlineData(7, "1000", 10, 20, 30)]
    [InlineData(7, "2500000.0001", 3, 100, 101)]
    [InlineData(3, "0.0002", 2, 1, 2)]
    [InlineData(7, "0.0006", 6, 6, 6)]
    [InlineData(7, "333.3333", 13, 13, 13)]
    [InlineData(11, "1", 1, 10, 12)]
    [InlineData(200, "999999.9999", 199, 1999, 4001)]
    [InlineData(200, "5000000", 100, 1000, 2000)]
    public void Shares_are_equal_and_rounded_down_so_the_allocations_never_add_up_to_more_than_the_limits(
        int symbols, string limitText, int positions, int orders, int messages)
    {
        var limit = decimal.Parse(limitText, CultureInfo.InvariantCulture);
        var limits = Limits with
        {
            MaxGrossExposure = limit,
            MaxNetExposure = limit / 3m, // awkward on purpose: 0.3333...
            MaxOpenPositions = positions,
            MaxOrdersPerWindow = orders,
            MaxMessagesPerWindow = messages,
        };
        // One symbol already uses an awkward amount; the others nothing.
        var used = C(Math.Round(limit / 7m, 4, MidpointRounding.ToZero), 0m, 0m, positions > 0 ? 1 : 0, 1, 1);
        var demands = Enumerable.Range(0, symbols).Select(i => D($"S{i:D3}", i == 1 ? used : Credit.Zero)).ToArray();
        var result = AccountAllocator.Allocate(limits, demands);

        // Every symbol gets the same share on top of its usage: at most an n-th of the free room, by less
        // than 0.0001 (a whole unit for counts), with no more than 4 decimals.
        var free = limits.Total - used;
        var share = result[0] - demands[0].Used;
        for (var i = 0; i < symbols; i++) Assert.Equal(demands[i].Used + share, result[i]);
        foreach (var (room, part) in new[] { (free.Gross, share.Gross), (free.Long, share.Long), (free.Short, share.Short) })
        {
            Assert.True(part * symbols <= room && room / symbols - part < 0.0001m, $"share {part} of {room} between {symbols}");
            Assert.Equal(part, decimal.Round(part, 4));
        }
        Assert.Equal((free.Positions / symbols, free.Orders / symbols, free.Messages / symbols), (share.Positions, share.Orders, share.Messages));

        var total = Sum(result);
        Assert.True(total.FitsIn(limits.Total), $"{total} exceeds {limits.Total}");
        // Rounding down loses less than 0.0001 per symbol (and less than one unit per symbol for counts).
        var lost = limits.Total - total;
        Assert.True(lost.Gross < symbols * 0.0001m && lost.Long < symbols * 0.0001m && lost.Short < symbols * 0.0001m, $"lost {lost}");
        Assert.True(lost.Positions < symbols && lost.Orders < symbols && lost.Messages < symbols, $"lost {lost}");
    }

    [Fact]
    public void Usage_already_past_a_limit_after_price_moves_leaves_no_free_room_there_and_no_increase()
    {
        // Prices rose: gross 700 + 500 = 1200 > 1000, long 700 > 600. Short, positions and rates still have room.
        var a = C(700m, 700m, 0m, 1, 1, 1);
        var b = C(500m, 0m, 500m, 1, 1, 1);
        var result = AccountAllocator.Allocate(Limits,
            [D("A", a, C(10m, 10m, 0m, 0, 1, 1)), D("B", b, C(0m, 0m, 0m, 0, 1, 1)), D("C", Credit.Zero, C(1m, 0m, 1m, 1, 1, 1))]);
        // A and C want exposure: none is free, so neither is granted; B wants only an order and a message: granted.
        // Where the account is past a limit each user's usage is scaled down to it (gross 1000/1200, long 600/700),
        // so that as positions close the account comes back within the limit rather than being handed the excess.
        // Left to share: gross 0, long 0, short 100, positions 8, orders 17, messages 27.
        var share = C(0m, 0m, 33.3333m, 2, 5, 9);
        Assert.Equal(new[] { C(583.3333m, 600m, 0m, 1, 1, 1) + share, C(416.6666m, 0m, 500m, 1, 1, 1) + C(0m, 0m, 0m, 0, 1, 1) + share, share }, result);
        Assert.Equal((999.9999m, 600m), (Sum(result).Gross, Sum(result).Long)); // within the limits: nobody may add

        // During the slice A may not add a cent of gross or long exposure, but may reduce it, and C may not add any.
        var before = new Usage(700m, 700m, 0m, 1);
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(result[0], before, before with { Gross = 700.01m, Long = 700.01m }, 0, 0));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(result[0], before, before with { Long = 700.01m }, 0, 0));
        Assert.Null(SymbolCredit.Check(result[0], before, before with { Gross = 650m, Long = 650m }, 0, 0));
        // Nor may it win back what it reduced while still past its scaled credit.
        var reduced = before with { Gross = 650m, Long = 650m };
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(result[0], reduced, before, 0, 0));
        Assert.Null(SymbolCredit.Check(result[0], before, before with { Short = 33.3333m, Positions = 3 }, 0, 0));
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(result[2], default, new Usage(0.01m, 0m, 0.01m, 1), 0, 0));
    }

    [Fact]
    public void Usage_exactly_at_a_limit_leaves_nothing_free_there()
    {
        var a = C(1000m, 600m, 600m, 10, 20, 30);
        var result = AccountAllocator.Allocate(Limits, [D("A", a), D("B", Credit.Zero, C(0m, 0m, 0m, 0, 1, 1))]);
        Assert.Equal(new[] { a, Credit.Zero }, result);
        Assert.Equal(OrderRejectReason.AccountOrderRate, SymbolCredit.Check(result[1], default, default, 0, 0));
    }

    [Fact]
    public void Unused_shares_return_to_the_pool_because_the_next_allocation_starts_from_usage()
    {
        var first = AccountAllocator.Allocate(Limits, [D("A", Credit.Zero), D("B", Credit.Zero)]);
        Assert.Equal(500m, first[0].Gross);
        // A used nothing of its 500; B wants 900: granted, since the allocation is absolute, not a loan.
        var second = AccountAllocator.Allocate(Limits, [D("A", Credit.Zero), D("B", Credit.Zero, C(900m, 0m, 0m, 0, 1, 1))]);
        Assert.Equal(new[] { 50m, 950m }, second.Select(c => c.Gross));
    }

    [Fact]
    public void A_granted_want_lets_every_waiting_order_of_the_symbol_through_at_the_retry()
    {
        // Two strategies in one symbol wait: one buys 30, the other sells 20, at 10.
        var price = 10m;
        Leg[] legs = [new(50m, 0m, 0m), new(0m, 0m, 0m)];
        var before = Usage.Of(legs, price);
        Leg[] all = [legs[0] with { OpenBuy = 30m }, legs[1] with { OpenSell = 20m }];
        var want = SymbolCredit.Need(before, Usage.Of(all, price)) with { Orders = 2, Messages = 2 };
        var used = new Credit(before.Gross, before.Long, before.Short, before.Positions, 3, 5);
        var others = Enumerable.Range(0, 6).Select(i => D($"Z{i}", C(100m, 0m, 40m, 1, 2, 3)));
        var limits = Limits with { MaxGrossExposure = 2000m, MaxNetExposure = 1000m };
        var held = AccountAllocator.Allocate(limits, [D("A", used, want), .. others])[0];
        Assert.True((used + want).FitsIn(held));

        Leg[] first = [legs[0] with { OpenBuy = 30m }, legs[1]];
        Assert.Null(SymbolCredit.Check(held, before, Usage.Of(first, price), 3, 5));
        Assert.Null(SymbolCredit.Check(held, Usage.Of(first, price), Usage.Of(all, price), 4, 6));
    }

    /// <summary>
    /// Cancels are never refused and count as messages, so they can carry the account past its
    /// message quota. The next boundary must not hand that overshoot back as credit: the quota is new
    /// orders plus cancels of the whole account within the window, so while the window still holds
    /// as many messages as the quota, no new order may be accepted.
    /// </summary>
    [Fact]
    public void Cancels_that_carried_the_account_past_its_message_quota_are_not_handed_back_as_credit_for_new_orders()
    {
        // Quota: 2 messages per 10 s. Slice [0 s, 5 s): the only symbol holds 2 messages; it sends an order
        // at 1 s and another at 2 s (2 of 2), then cancels one at 3 s (never refused: 3 messages).
        var limits = Limits with { MaxOrdersPerWindow = 10, MaxMessagesPerWindow = 2 };
        var held = AccountAllocator.Allocate(limits, [D("A", C(0m, 0m, 0m, 0, 2, 3))])[0];
        // At 11.5 s the order of 1 s has left the window (1.5 s, 11.5 s]: it still holds the order of 2 s and
        // the cancel of 3 s, 2 messages, the whole quota. A new order would make 3.
        var verdict = SymbolCredit.Check(held, default, new Usage(10m, 10m, 0m, 1), ordersInWindow: 1, messagesInWindow: 2);
        Assert.True(verdict == OrderRejectReason.AccountMessageRate,
            $"held {held.Messages} messages for a quota of {limits.MaxMessagesPerWindow}: an order was {(verdict is null ? "accepted" : $"refused for {verdict}")} with 2 messages already in the window");
    }

    // ---- SymbolCredit.Check ----

    private static readonly Credit Held = C(1000m, 600m, 400m, 5, 10, 20);
    private static readonly Usage Before = new(500m, 300m, 100m, 3);

    [Fact]
    public void Check_passes_up_to_the_credit_held_and_fails_a_hair_past_it_on_each_component()
    {
        Assert.Null(SymbolCredit.Check(Held, Before, new Usage(1000m, 600m, 400m, 5), 9, 19));
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(Held, Before, Before with { Gross = 1000.0001m }, 0, 0));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(Held, Before, Before with { Long = 600.0001m }, 0, 0));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(Held, Before, Before with { Short = 400.0001m }, 0, 0));
        Assert.Equal(OrderRejectReason.MaxOpenPositions, SymbolCredit.Check(Held, Before, Before with { Positions = 6 }, 0, 0));
        Assert.Equal(OrderRejectReason.AccountOrderRate, SymbolCredit.Check(Held, Before, Before, 10, 0));
        Assert.Equal(OrderRejectReason.AccountMessageRate, SymbolCredit.Check(Held, Before, Before, 9, 20));
    }

    [Fact]
    public void Check_names_the_first_limit_in_a_fixed_order_gross_net_positions_orders_messages()
    {
        var allOver = new Usage(1001m, 601m, 401m, 6);
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(Held, Before, allOver, 10, 20));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(Held, Before, allOver with { Gross = 1000m }, 10, 20));
        Assert.Equal(OrderRejectReason.MaxOpenPositions, SymbolCredit.Check(Held, Before, new Usage(1000m, 600m, 400m, 6), 10, 20));
        Assert.Equal(OrderRejectReason.AccountOrderRate, SymbolCredit.Check(Held, Before, Before, 10, 20));
        Assert.Equal(OrderRejectReason.AccountMessageRate, SymbolCredit.Check(Held, Before, Before, 0, 20));
    }

    [Fact]
    public void An_order_that_does_not_increase_a_component_never_fails_on_it_even_past_the_credit()
    {
        // Price moves have carried everything past the credit held.
        var past = new Usage(1500m, 900m, 700m, 8);
        Assert.Null(SymbolCredit.Check(Held, past, past, 0, 0));                        // unchanged
        Assert.Null(SymbolCredit.Check(Held, past, new Usage(1200m, 800m, 500m, 7), 0, 0)); // smaller, still past the credit
        Assert.Null(SymbolCredit.Check(Held, past, past with { Gross = 1499.9999m }, 0, 0));
        // Each component is judged on its own: gross may not grow past the credit while the rest shrinks.
        Assert.Equal(OrderRejectReason.AccountGrossExposure, SymbolCredit.Check(Held, past, new Usage(1500.0001m, 0m, 0m, 0), 0, 0));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(Held, past, past with { Short = 700.0001m }, 0, 0));
        Assert.Equal(OrderRejectReason.MaxOpenPositions, SymbolCredit.Check(Held, past, past with { Positions = 9 }, 0, 0));
        // A component past the credit that stays put does not stop another from growing within its credit.
        Assert.Null(SymbolCredit.Check(Held, new Usage(1500m, 100m, 100m, 8), new Usage(1500m, 600m, 400m, 8), 0, 0));
    }

    [Fact]
    public void Every_order_is_one_order_and_one_message_so_the_rate_credit_binds_even_an_order_that_reduces()
    {
        var past = new Usage(1500m, 900m, 700m, 8);
        var smaller = new Usage(1000m, 500m, 300m, 4);
        Assert.Equal(OrderRejectReason.AccountOrderRate, SymbolCredit.Check(Held, past, smaller, 10, 0));
        Assert.Equal(OrderRejectReason.AccountMessageRate, SymbolCredit.Check(Held, past, smaller, 0, 20));
        Assert.Equal(OrderRejectReason.AccountOrderRate, SymbolCredit.Check(Credit.Zero, past, smaller, 0, 0));
        Assert.Null(SymbolCredit.Check(Held, past, smaller, 9, 19));
    }

    // ---- SymbolCredit.Need ----

    [Fact]
    public void Need_is_the_increase_of_each_component_plus_one_order_and_one_message()
    {
        Assert.Equal(C(0m, 0m, 0m, 0, 1, 1), SymbolCredit.Need(Before, Before));
        Assert.Equal(C(250.5m, 0m, 0.0001m, 2, 1, 1), SymbolCredit.Need(Before, new Usage(750.5m, 300m, 100.0001m, 5)));
        // Decreases need nothing, and do not offset the increases of other components.
        Assert.Equal(C(0m, 100m, 0m, 0, 1, 1), SymbolCredit.Need(Before, new Usage(400m, 400m, 0m, 1)));
    }

    [Fact]
    public void An_order_passes_exactly_when_its_need_fits_what_is_left_of_the_credit()
    {
        var held = C(1000m, 600m, 400m, 5, 10, 20);
        var before = new Usage(500m, 300m, 100m, 3);
        var room = Credit.NonNegative(held - new Credit(before.Gross, before.Long, before.Short, before.Positions, 9, 19));
        var exact = new Usage(before.Gross + room.Gross, before.Long + room.Long, before.Short + room.Short, before.Positions + room.Positions);
        Assert.True(SymbolCredit.Need(before, exact).FitsIn(room));
        Assert.Null(SymbolCredit.Check(held, before, exact, 9, 19));
        var over = exact with { Short = exact.Short + 0.0001m };
        Assert.False(SymbolCredit.Need(before, over).FitsIn(room));
        Assert.Equal(OrderRejectReason.AccountNetExposure, SymbolCredit.Check(held, before, over, 9, 19));
    }

    // ---- Usage.Of ----

    [Fact]
    public void Usage_counts_every_resting_order_as_filled_on_its_worst_side()
    {
        // Long 100, resting buy 50 and sell 200: at worst +150 (buys fill) or -100 (sells fill).
        var u = Usage.Of([new Leg(100m, 50m, 200m)], 10m);
        Assert.Equal(new Usage(1500m, 1500m, 1000m, 1), u);
        Assert.Equal(new Usage(0m, 0m, 0m, 0), Usage.Of([new Leg(0m, 0m, 0m)], 10m));
        Assert.Equal(new Usage(100m, 100m, 0m, 1), Usage.Of([new Leg(0m, 10m, 0m)], 10m));
        Assert.Equal(new Usage(100m, 0m, 100m, 1), Usage.Of([new Leg(0m, 0m, 10m)], 10m));
        Assert.Equal(new Usage(0m, 0m, 0m, 0), Usage.Of(Array.Empty<Leg>(), 10m));
    }

    [Fact]
    public void Usage_adds_gross_over_strategies_but_nets_long_and_short_within_the_symbol()
    {
        var u = Usage.Of([new Leg(100m, 0m, 0m), new Leg(-100m, 0m, 0m), new Leg(0m, 0m, 0m)], 2.5m);
        Assert.Equal(new Usage(500m, 0m, 0m, 2), u);
        var v = Usage.Of(new List<Leg> { new(100m, 20m, 0m), new(-30m, 0m, 40m) }, 2m);
        // Up: 120 - 30 = 90; down: 100 - 70 = 30 (no short side).
        Assert.Equal(new Usage(2m * (120m + 70m), 180m, 0m, 2), v);
    }

    [Fact]
    public void A_fill_or_a_cancel_of_a_resting_order_never_increases_the_usage()
    {
        var legs = new[] { new Leg(-40m, 100m, 30m) };
        var before = Usage.Of(legs, 5m);
        var filledBuy = Usage.Of([new Leg(20m, 40m, 30m)], 5m);
        var filledSell = Usage.Of([new Leg(-70m, 100m, 0m)], 5m);
        var cancelled = Usage.Of([new Leg(-40m, 0m, 30m)], 5m);
        foreach (var after in new[] { filledBuy, filledSell, cancelled })
            Assert.True(SymbolCredit.Need(before, after) == C(0m, 0m, 0m, 0, 1, 1), $"{before} -> {after}");
    }
}

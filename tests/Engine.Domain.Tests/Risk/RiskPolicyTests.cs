using Engine.Domain.Risk;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>How the layers of limits resolve: the tightest value of every layer that applies wins.</summary>
public sealed class RiskPolicyTests
{
    private static readonly RiskLimits Defaults = RiskLimits.Default;

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> Layer(
        params (string Id, (string Key, decimal Value)[] Overrides)[] entries) =>
        entries.ToDictionary(e => e.Id, e => (IReadOnlyDictionary<string, decimal>)e.Overrides.ToDictionary(o => o.Key, o => o.Value));

    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> None = Layer();

    private static RiskPolicy Policy(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>>? accounts = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>>? strategies = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>>? symbols = null,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? restricted = null) =>
        new(Defaults, accounts ?? None, strategies ?? None, symbols ?? None, restricted ?? new Dictionary<string, IReadOnlySet<string>>());

    [Fact]
    public void Without_overrides_every_key_resolves_to_the_defaults()
    {
        Assert.Equal(Defaults, RiskPolicy.Uniform(Defaults).Resolve("main", "ma", "AAPL"));
        Assert.Equal(Defaults, Policy().Resolve("main", "ma", "AAPL"));
    }

    [Fact]
    public void Account_strategy_and_symbol_overrides_each_tighten_only_what_they_cover()
    {
        var policy = Policy(
            accounts: Layer(("desk-a", [("max-order-quantity", 500m)])),
            strategies: Layer(("ma", [("max-position-quantity", 700m), ("max-open-orders", 3m)])),
            symbols: Layer(("AAPL", [("max-order-notional", 20_000m), ("max-messages-per-window", 7m)])));

        var all = policy.Resolve("desk-a", "ma", "AAPL");
        Assert.Equal(
            Defaults with
            {
                MaxOrderQuantity = 500m,
                MaxPositionQuantity = 700m,
                MaxOpenOrders = 3,
                MaxOrderNotional = 20_000m,
                MaxMessagesPerWindow = 7,
            },
            all);
        Assert.Equal(Defaults with { MaxOrderQuantity = 500m }, policy.Resolve("desk-a", "other", "MSFT"));
        Assert.Equal(Defaults with { MaxPositionQuantity = 700m, MaxOpenOrders = 3 }, policy.Resolve("desk-b", "ma", "MSFT"));
        Assert.Equal(Defaults with { MaxOrderNotional = 20_000m, MaxMessagesPerWindow = 7 }, policy.Resolve("desk-b", "other", "AAPL"));
    }

    [Fact]
    public void When_layers_set_the_same_key_the_tightest_wins_whichever_layer_it_is_in()
    {
        foreach (var (account, strategy, symbol) in new[] { (300m, 400m, 500m), (500m, 300m, 400m), (400m, 500m, 300m) })
        {
            var policy = Policy(
                accounts: Layer(("a", [("max-order-quantity", account)])),
                strategies: Layer(("s", [("max-order-quantity", strategy)])),
                symbols: Layer(("X", [("max-order-quantity", symbol)])));
            Assert.Equal(300m, policy.Resolve("a", "s", "X").MaxOrderQuantity);
        }
    }

    [Fact]
    public void A_looser_override_never_widens_a_limit()
    {
        var policy = Policy(
            accounts: Layer(("a", [("max-order-quantity", 200m)])),
            strategies: Layer(("s", [("max-order-quantity", 900m), ("max-position-quantity", 1_000_000m), ("price-collar-pct", 50m)])),
            symbols: Layer(("X", [("max-open-orders", 1_000m), ("max-orders-per-window", 1_000_000m)])));
        var limits = policy.Resolve("a", "s", "X");
        Assert.Equal(Defaults with { MaxOrderQuantity = 200m }, limits);

        // Every overridable key, set far looser than the defaults, changes nothing.
        foreach (var key in RiskLimits.OverridableKeys.Where(k => k is not ("price-collar-abs" or "duplicate-window")))
            Assert.Equal(Defaults, Defaults.Tighten(key, 1_000_000_000m));
        // And set tighter, every key changes something.
        foreach (var key in RiskLimits.OverridableKeys.Where(k => k is not ("price-collar-abs" or "duplicate-window")))
            Assert.NotEqual(Defaults, Defaults.Tighten(key, 1m));
    }

    [Fact]
    public void Restricted_symbols_apply_to_their_account_only()
    {
        var policy = Policy(restricted: new Dictionary<string, IReadOnlySet<string>>
        {
            ["desk-a"] = new HashSet<string> { "GME" },
        });
        Assert.True(policy.Resolve("desk-a", "s", "GME").Restricted);
        Assert.False(policy.Resolve("desk-a", "s", "AAPL").Restricted);
        Assert.False(policy.Resolve("desk-b", "s", "GME").Restricted);
    }

    [Fact]
    public void An_unknown_key_throws_an_argument_exception_naming_the_key()
    {
        var direct = Assert.Throws<ArgumentException>(() => Defaults.Tighten("max-order-qty", 1m));
        Assert.Contains("'max-order-qty'", direct.Message);
        Assert.Equal("key", direct.ParamName);
        // The known keys are listed to help whoever made the typo.
        Assert.Contains("max-order-quantity", direct.Message);

        // Through a policy, on resolving the limits the typo is part of.
        var policy = Policy(strategies: Layer(("s", [("rate-window", 10m)])));
        var resolved = Assert.Throws<ArgumentException>(() => policy.Resolve("a", "s", "X"));
        Assert.Contains("'rate-window'", resolved.Message);
        Assert.Equal(Defaults, policy.Resolve("a", "other", "X"));
    }

    [Fact]
    public void Price_collar_abs_zero_means_off_so_any_positive_value_tightens_it_and_zero_never_lifts_it()
    {
        Assert.Equal(0m, Defaults.PriceCollarAbs);
        var set = Defaults.Tighten("price-collar-abs", 0.5m);
        Assert.Equal(0.5m, set.PriceCollarAbs);
        Assert.Equal(0.5m, set.Tighten("price-collar-abs", 0m).PriceCollarAbs);
        Assert.Equal(0.3m, set.Tighten("price-collar-abs", 0.3m).PriceCollarAbs);
        Assert.Equal(0.5m, set.Tighten("price-collar-abs", 0.8m).PriceCollarAbs);
        Assert.Equal(0m, Defaults.Tighten("price-collar-abs", 0m).PriceCollarAbs);

        var policy = Policy(
            accounts: Layer(("a", [("price-collar-abs", 0.25m)])),
            symbols: Layer(("X", [("price-collar-abs", 0m)])));
        Assert.Equal(0.25m, policy.Resolve("a", "s", "X").PriceCollarAbs);
        Assert.Equal(0m, policy.Resolve("b", "s", "X").PriceCollarAbs);
    }

    [Fact]
    public void Duplicate_window_is_given_in_ticks_and_the_longer_window_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Defaults.DuplicateWindow);
        Assert.Equal(TimeSpan.FromSeconds(30), Defaults.Tighten("duplicate-window", TimeSpan.FromSeconds(30).Ticks).DuplicateWindow);
        Assert.Equal(TimeSpan.FromSeconds(5), Defaults.Tighten("duplicate-window", TimeSpan.FromSeconds(1).Ticks).DuplicateWindow);
        Assert.Equal(TimeSpan.FromSeconds(5), Defaults.Tighten("duplicate-window", 0m).DuplicateWindow);

        var policy = Policy(
            strategies: Layer(("s", [("duplicate-window", TimeSpan.FromSeconds(2).Ticks)])),
            symbols: Layer(("X", [("duplicate-window", TimeSpan.FromSeconds(12).Ticks)])));
        Assert.Equal(TimeSpan.FromSeconds(12), policy.Resolve("a", "s", "X").DuplicateWindow);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Resolve("a", "s", "Y").DuplicateWindow);
    }

    [Fact]
    public void Integer_limits_truncate_fractional_overrides()
    {
        var limits = Defaults.Tighten("max-open-orders", 3.9m).Tighten("max-orders-per-window", 5.5m).Tighten("max-messages-per-window", 8.1m);
        Assert.Equal((3, 5, 8), (limits.MaxOpenOrders, limits.MaxOrdersPerWindow, limits.MaxMessagesPerWindow));
    }

    public sealed record Override(string Key, decimal Value)
    {
        public override string ToString() => $"{Key}={Value}";
    }

    public static class Overrides
    {
        public static Arbitrary<Override[]> Lists() =>
            (from key in Gen.Elements(RiskLimits.OverridableKeys.ToArray())
             from value in Gen.Frequency(
                 (1, Gen.Constant(0m)),
                 (4, Gen.Choose(1, 100).Select(v => (decimal)v)),
                 (4, Gen.Choose(1, 3_000_000).Select(v => (decimal)v)),
                 (1, Gen.Choose(1, 100).Select(v => v / 100m)),
                 (2, Gen.Choose(1, 100).Select(v => v * 1_000_000m)))
             select new Override(key, value)).ArrayOf().ToArbitrary();
    }

    /// <summary>
    /// Whatever overrides the layers hold, the result is the same in any order (so it does not matter
    /// which layer a value sits in), and no limit is looser than the defaults.
    /// </summary>
    [Property(MaxTest = 1000, Arbitrary = [typeof(Overrides)])]
    public void Tightening_is_order_independent_and_never_looser_than_the_defaults(Override[] overrides)
    {
        var forward = overrides.Aggregate(Defaults, (l, o) => l.Tighten(o.Key, o.Value));
        var backward = overrides.Reverse().Aggregate(Defaults, (l, o) => l.Tighten(o.Key, o.Value));
        Assert.Equal(forward, backward);

        var third = overrides.Length / 3;
        var policy = Policy(
            accounts: Layer(("a", Distinct(overrides[..third]))),
            strategies: Layer(("s", Distinct(overrides[third..(2 * third)]))),
            symbols: Layer(("X", Distinct(overrides[(2 * third)..]))));
        var layered = policy.Resolve("a", "s", "X");
        var flat = new[] { overrides[..third], overrides[third..(2 * third)], overrides[(2 * third)..] }
            .SelectMany(Distinct).Aggregate(Defaults, (l, o) => l.Tighten(o.Key, o.Value));
        Assert.Equal(flat, layered);

        Assert.True(forward.MaxOrderQuantity <= Defaults.MaxOrderQuantity);
        Assert.True(forward.MaxOrderNotional <= Defaults.MaxOrderNotional);
        Assert.True(forward.MaxPositionQuantity <= Defaults.MaxPositionQuantity);
        Assert.True(forward.MaxPositionNotional <= Defaults.MaxPositionNotional);
        Assert.True(forward.MaxSymbolPositionQuantity <= Defaults.MaxSymbolPositionQuantity);
        Assert.True(forward.MaxSymbolPositionNotional <= Defaults.MaxSymbolPositionNotional);
        Assert.True(forward.PriceCollarPct <= Defaults.PriceCollarPct);
        Assert.True(forward.MaxOpenOrders <= Defaults.MaxOpenOrders);
        Assert.True(forward.MaxOrdersPerWindow <= Defaults.MaxOrdersPerWindow);
        Assert.True(forward.MaxMessagesPerWindow <= Defaults.MaxMessagesPerWindow);
        var longest = overrides.Where(o => o.Key == "duplicate-window").Select(o => (long)o.Value).Append(Defaults.DuplicateWindow.Ticks).Max();
        Assert.Equal(TimeSpan.FromTicks(longest), forward.DuplicateWindow);
        Assert.Equal(Defaults.RateWindow, forward.RateWindow);
        // The absolute collar ends at the smallest positive value set, or off if none was.
        var abs = overrides.Where(o => o.Key == "price-collar-abs" && o.Value > 0m).Select(o => o.Value).DefaultIfEmpty(0m).Min();
        Assert.Equal(abs, forward.PriceCollarAbs);
    }

    // One layer holds one value per key: keep the first the list has for each.
    private static (string Key, decimal Value)[] Distinct(Override[] overrides) =>
        overrides.GroupBy(o => o.Key).Select(g => (g.Key, g.First().Value)).ToArray();
}

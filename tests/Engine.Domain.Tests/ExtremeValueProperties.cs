using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Engine.Domain.Tests.Symbols;
using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

/// <summary>
/// Values at and beyond the ends of what the domain accepts (ValueBounds): the validator refuses
/// what is outside as out of range and never throws, and everything it accepts goes through bars,
/// strategies, the risk gate, the venue, positions, P&amp;L and the account budget without an
/// overflow, with every setting at its largest allowed value.
/// </summary>
public sealed class ExtremeValueProperties
{
    [Property(MaxTest = 500, Arbitrary = [typeof(ExtremeFeeds)])]
    public void The_validator_never_throws_and_accepts_only_values_inside_the_bounds(ExtremeFeed feed)
    {
        var validator = new MarketDataValidator();
        foreach (var e in feed.Events)
        {
            if (validator.Validate(e) is not null) continue;
            Assert.True(ValueBounds.IsTime(e.Time), $"accepted time {e.Time:O}");
            foreach (var (price, size) in Values(e))
            {
                Assert.True(ValueBounds.IsPrice(price), $"accepted price {price} in {e}");
                Assert.True(ValueBounds.IsQuantity(size), $"accepted size {size} in {e}");
                Assert.True(price * size <= ValueBounds.MaxNotional, $"accepted notional {price} x {size} in {e}");
            }
        }
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(ExtremeFeeds)])]
    public void Accepted_extremes_trade_through_the_symbol_core_without_overflow(ExtremeFeed feed)
    {
        var run = ExtremeRun.Of(feed);
        Assert.True(run.Failure is null, run.Failure);
    }

    /// <summary>The generated feeds are not vacuous: extremes are accepted, traded, filled and refused.</summary>
    [Fact]
    public void The_generated_feeds_reach_every_part_of_the_domain()
    {
        long accepted = 0, outOfRange = 0, fills = 0, rejects = 0, bigFills = 0;
        foreach (var feed in ExtremeFeeds.Generator.Sample(200, new Rnd(11), 30))
        {
            var run = ExtremeRun.Of(feed);
            Assert.True(run.Failure is null, run.Failure);
            accepted += run.Accepted;
            outOfRange += run.OutOfRange;
            fills += run.Fills;
            bigFills += run.BigFills;
            rejects += run.Rejected;
        }
        Assert.True(accepted > 2_000, $"only {accepted} events accepted");
        Assert.True(outOfRange > 500, $"only {outOfRange} events out of range");
        Assert.True(fills > 300, $"only {fills} fills");
        Assert.True(bigFills > 20, $"only {bigFills} fills of a notional above 1e15");
        Assert.True(rejects > 100, $"only {rejects} orders rejected");
    }

    [Property(MaxTest = 2000)]
    public void The_allocator_stays_within_the_limits_whatever_the_usage(PositiveInt seed)
    {
        var rnd = new Random(seed.Get);
        var n = rnd.Next(1, 6);
        var limits = AccountLimits.Default with
        {
            MaxGrossExposure = Pick(rnd, 1m, ValueBounds.MaxNotional),
            MaxNetExposure = Pick(rnd, 1m, ValueBounds.MaxNotional),
        };
        // Usage: up to a full position at the largest price in each symbol, far past any limit.
        var demands = Enumerable.Range(0, n).Select(i => new CreditDemand($"S{i}",
            new Credit(Pick(rnd, 0m, 1e21m), Pick(rnd, 0m, 1e21m), Pick(rnd, 0m, 1e21m), rnd.Next(0, 5), rnd.Next(0, 5), rnd.Next(0, 5)),
            new Credit(Pick(rnd, 0m, 1e21m), Pick(rnd, 0m, 1e21m), Pick(rnd, 0m, 1e21m), 0, 0, 0))).ToArray();
        var allocation = AccountAllocator.Allocate(limits, demands);
        var total = limits.Total;
        Assert.True(allocation.Sum(c => c.Gross) <= Math.Max(total.Gross, demands.Sum(d => d.Used.Gross)));
        var usedGross = demands.Sum(d => d.Used.Gross);
        if (usedGross > total.Gross) Assert.True(allocation.Sum(c => c.Gross) <= total.Gross, "scaled allocations exceed the gross limit");
    }

    private static decimal Pick(Random rnd, decimal min, decimal max) => rnd.Next(4) switch
    {
        0 => min,
        1 => max,
        _ => min + (max - min) * (decimal)rnd.NextDouble(),
    };

    internal static IEnumerable<(decimal Price, decimal Size)> Values(MarketEvent e) => e switch
    {
        TradeTick t => [(t.Price, t.Quantity)],
        QuoteTick q => [(q.Bid, q.BidSize), (q.Ask, q.AskSize)],
        TradeBar b => [(b.Low, b.Volume), (b.High, b.Volume), (b.Open, 0m), (b.Close, 0m)],
        _ => [],
    };
}

public sealed record ExtremeFeed(MarketEvent[] Events, decimal Quantity)
{
    public override string ToString() =>
        $"quantity {Quantity}, {Events.Length} events: {string.Join("; ", Events.Take(12))}{(Events.Length > 12 ? " ..." : "")}";
}

public static class ExtremeFeeds
{
    private static readonly decimal[] Powers = Enumerable.Range(0, 29).Select(i => Pow10(i)).ToArray();

    private static decimal Pow10(int n)
    {
        var d = 1m;
        for (var i = 0; i < n; i++) d *= 10m;
        return d;
    }

    // Any magnitude from 1e-8 to 1e9 with up to 9 significant digits, the exact bounds, and values just past them.
    private static readonly Gen<decimal> Price = Gen.Frequency(
        (2, Gen.Elements(ValueBounds.MinPrice, ValueBounds.MaxPrice)),
        (10, from exp in Gen.Choose(0, 17)
             from mantissa in Gen.Choose(1, 999_999_999)
             select mantissa * Powers[exp] / Powers[16]),
        (1, Gen.Elements(0m, -1m, ValueBounds.MinPrice / 10m, ValueBounds.MaxPrice + 0.0001m, decimal.MaxValue, 1e-28m)));

    private static readonly Gen<decimal> Size = Gen.Frequency(
        (2, Gen.Elements(0m, ValueBounds.MaxQuantity)),
        (10, from exp in Gen.Choose(0, 12) from mantissa in Gen.Choose(1, 9_999) select mantissa * Powers[exp] / 1000m),
        (1, Gen.Elements(-1m, ValueBounds.MaxQuantity + 1m, decimal.MaxValue)));

    // Starts near both ends of the accepted calendar (and past them); steps of milliseconds to days.
    private static readonly Gen<DateTime> Start = Gen.Elements(
        ValueBounds.MinTime, ValueBounds.MinTime.AddDays(-1), ValueBounds.MaxTime.AddDays(-3), ValueBounds.MaxTime.AddMinutes(-30),
        new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc), DateTime.MinValue.AddDays(1).ToUniversalTimeKind(), DateTime.MaxValue.AddDays(-1).ToUniversalTimeKind());

    private static readonly Gen<long> StepTicks = Gen.Frequency(
        (1, Gen.Constant(0L)),
        (6, Gen.Choose(1, 90_000).Select(ms => ms * TimeSpan.TicksPerMillisecond)),
        (1, Gen.Choose(1, 3).Select(d => d * TimeSpan.TicksPerDay)));

    private static Gen<MarketEvent> Event(DateTime t) => Gen.Frequency(
        (4, from p in Price from q in Size select (MarketEvent)new TradeTick("SYM", t, p, q)),
        (2, from a in Price
            from b in Price
            from sa in Size
            from sb in Size
            select (MarketEvent)new QuoteTick("SYM", t, Math.Min(a, b), sa, Math.Max(a, b), sb)),
        (2, from prices in Gen.ArrayOf(Price, 4)
            from v in Size
            select (MarketEvent)Bar(t, prices, v)));

    private static TradeBar Bar(DateTime t, decimal[] p, decimal volume)
    {
        Array.Sort(p);
        return new TradeBar("SYM", t, TimeSpan.FromMinutes(1), p[1], p[3], p[0], p[2], volume);
    }

    public static readonly Gen<ExtremeFeed> Generator =
        from start in Start
        from steps in Gen.ListOf(StepTicks, 60)
        from quantity in Gen.Elements(1m, 1_000m, 1_000_000m, ValueBounds.MaxQuantity)
        from events in Gen.ListOf(Event(default), 60)
        select new ExtremeFeed(events.Zip(Times(start, steps), (e, t) => e with { Time = t }).ToArray(), quantity);

    private static IEnumerable<DateTime> Times(DateTime start, IEnumerable<long> steps)
    {
        var t = start;
        foreach (var step in steps)
        {
            // Stops at the end of the calendar rather than overflowing while generating.
            if (DateTime.MaxValue.Ticks - t.Ticks > step) t = new DateTime(t.Ticks + step, DateTimeKind.Utc);
            yield return t;
        }
    }

    public static Arbitrary<ExtremeFeed> Feeds() => Generator.ToArbitrary();

    private static DateTime ToUniversalTimeKind(this DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);
}

/// <summary>
/// Validates the feed, then runs what was accepted through a SymbolCore whose every setting is at
/// its largest: a strategy that flips long and short on every bar with market orders, another with
/// limit orders, full credit at a boundary every few events.
/// </summary>
internal sealed class ExtremeRun
{
    public string? Failure { get; private set; }
    public long Accepted { get; private set; }
    public long OutOfRange { get; private set; }
    public long Fills { get; private set; }
    public long BigFills { get; private set; }
    public long Rejected { get; private set; }

    public static ExtremeRun Of(ExtremeFeed feed)
    {
        var run = new ExtremeRun();
        try { run.Run(feed); }
        catch (Exception ex) { run.Failure = $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}"; }
        return run;
    }

    private void Run(ExtremeFeed feed)
    {
        var widest = new RiskLimits(
            ValueBounds.MaxQuantity, ValueBounds.MaxNotional, ValueBounds.MaxQuantity, ValueBounds.MaxNotional,
            ValueBounds.MaxQuantity, ValueBounds.MaxNotional, 1_000m, 0m, 100_000, 1_000_000, 1_000_000,
            TimeSpan.FromDays(1), TimeSpan.FromMilliseconds(1));
        var account = new AccountLimits(
            ValueBounds.MaxNotional, ValueBounds.MaxNotional, 1_000_000, 10_000_000, 10_000_000, TimeSpan.FromDays(1),
            ValueBounds.MaxNotional, ValueBounds.MaxNotional, 1m, true, TimeSpan.FromDays(30));
        var settings = new SymbolCoreSettings(
            new VenueSettings(1_000m, 1_000m, 1_000_000m, ValueBounds.MinPrice), TimeSpan.FromDays(1), 1_000m, TimeSpan.FromDays(1),
            new Dictionary<string, AccountLimits> { ["A"] = account });
        var fixture = new CoreFixture(
            settings,
            CoreFixture.Slot("flip-market", qty: feed.Quantity, limits: widest), new Flip(),
            CoreFixture.Slot("flip-limit", qty: feed.Quantity, type: OrderType.Limit, offsetBps: 1_000m, limits: widest), new Flip());
        var validator = new MarketDataValidator();
        var full = new Credit(ValueBounds.MaxNotional, ValueBounds.MaxNotional, ValueBounds.MaxNotional, 1_000_000, 10_000_000, 10_000_000);
        var n = 0;
        foreach (var e in feed.Events)
        {
            if (validator.Validate(e) is { } bad)
            {
                if (bad.Reason == DataRejectReason.OutOfRange) OutOfRange++;
                continue;
            }
            Accepted++;
            Count(fixture.Feed(e));
            if (++n % 5 == 0) Count(fixture.Boundary(new Dictionary<string, Credit> { ["A"] = full }));
        }
        Count(fixture.Boundary(new Dictionary<string, Credit> { ["A"] = full }));
        foreach (var report in fixture.Core.Report(ValueBounds.MaxTime))
            _ = report.ToString();
    }

    private void Count(List<ISymbolEvent> output)
    {
        foreach (var e in output)
        {
            switch (e)
            {
                case OrderFilled f:
                    Fills++;
                    if (f.Fill.Quantity * f.Fill.Price > 1e15m) BigFills++;
                    break;
                case OrderRejected:
                    Rejected++;
                    break;
            }
        }
    }

    /// <summary>Long, then short, then long again on every bar.</summary>
    private sealed class Flip : IStrategy
    {
        private decimal _target = -1m;

        public decimal? OnBar(TradeBar bar) => _target = -_target;
    }
}

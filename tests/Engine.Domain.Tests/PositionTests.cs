using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

/// <summary>Position accounting: average cost, realized and unrealized P&amp;L, fees, flips through zero.</summary>
public sealed class PositionTests
{
    // ---- Opening and adding ----

    [Fact]
    public void Opening_and_adding_to_a_long_averages_the_cost()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 1m);
        Assert.Equal(new Position(100m, 10m, 0m, 1m), p);
        p = p.Apply(Side.Buy, 300, 14m, 1.5m);
        Assert.Equal(400m, p.Quantity);
        Assert.Equal(13m, p.AverageCost); // (100*10 + 300*14) / 400
        Assert.Equal(0m, p.RealizedPnl);
        Assert.Equal(2.5m, p.Fees);
        Assert.Equal(400m * (15m - 13m), p.Unrealized(15m));
    }

    [Fact]
    public void Opening_and_adding_to_a_short_averages_the_cost()
    {
        var p = Position.Flat.Apply(Side.Sell, 200, 50m, 0m).Apply(Side.Sell, 200, 40m, 0m);
        Assert.Equal(-400m, p.Quantity);
        Assert.Equal(45m, p.AverageCost);
        Assert.Equal(400m, p.Unrealized(44m)); // -400 * (44 - 45): a short gains when the price falls
        Assert.Equal(-400m, p.Unrealized(46m));
    }

    [Fact]
    public void Fractional_quantities_average_exactly_enough()
    {
        var p = Position.Flat.Apply(Side.Buy, 0.3m, 1m, 0m).Apply(Side.Buy, 0.7m, 2m, 0m).Apply(Side.Buy, 2m, 3m, 0m);
        Assert.Equal(3m, p.Quantity);
        Assert.Equal(7.7m / 3m, p.AverageCost); // (0.3*1 + 0.7*2 + 2*3) / 3
    }

    // ---- Reducing and closing ----

    [Fact]
    public void Partially_closing_a_long_keeps_the_average_and_realizes_the_closed_part()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 1m).Apply(Side.Buy, 100, 12m, 1m);
        Assert.Equal(200m, p.Quantity);
        Assert.Equal(11m, p.AverageCost);
        p = p.Apply(Side.Sell, 50, 13m, 1m);
        Assert.Equal(150m, p.Quantity);
        Assert.Equal(11m, p.AverageCost);
        Assert.Equal(100m, p.RealizedPnl); // 50 * (13 - 11)
        Assert.Equal(3m, p.Fees);
        Assert.Equal(150m * 2m, p.Unrealized(13m));
    }

    [Fact]
    public void Partially_closing_a_short_keeps_the_average_and_realizes_the_closed_part()
    {
        var p = Position.Flat.Apply(Side.Sell, 300, 20m, 1m).Apply(Side.Buy, 100, 17m, 1m);
        Assert.Equal(-200m, p.Quantity);
        Assert.Equal(20m, p.AverageCost);
        Assert.Equal(300m, p.RealizedPnl); // 100 * (20 - 17)
        Assert.Equal(2m, p.Fees);
    }

    [Theory]
    [InlineData(Side.Sell, 20, 18, 200)]   // a short profits when the price falls
    [InlineData(Side.Buy, 10, 9.5, -50)]   // a long closed lower realizes the loss
    public void Closing_a_position_realizes_the_difference_and_leaves_no_cost(Side opening, decimal open, decimal close, decimal realized)
    {
        var p = Position.Flat.Apply(opening, 100, open, 0m).Apply(opening == Side.Buy ? Side.Sell : Side.Buy, 100, close, 0m);
        Assert.Equal(Position.Flat with { RealizedPnl = realized }, p);
        Assert.Equal(0m, p.Unrealized(123m));
    }

    [Fact]
    public void Fees_accumulate_apart_from_realized_pnl()
    {
        var p = Position.Flat.Apply(Side.Buy, 10, 100m, 1m).Apply(Side.Sell, 10, 100m, 1.25m);
        Assert.Equal(0m, p.RealizedPnl);
        Assert.Equal(2.25m, p.Fees);
        Assert.Equal(0m, p.AverageCost);
    }

    // ---- Flips through zero ----

    [Fact]
    public void Flipping_long_to_short_closes_the_long_and_opens_the_rest_at_the_fill_price()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 0m).Apply(Side.Buy, 100, 12m, 0m) // 200 @ 11
            .Apply(Side.Sell, 500, 13m, 2m);
        Assert.Equal(-300m, p.Quantity);
        Assert.Equal(13m, p.AverageCost);
        Assert.Equal(400m, p.RealizedPnl); // 200 * (13 - 11)
        Assert.Equal(2m, p.Fees);
    }

    [Fact]
    public void Flipping_short_to_long_closes_the_short_and_opens_the_rest_at_the_fill_price()
    {
        var p = Position.Flat.Apply(Side.Sell, 100, 30m, 0m).Apply(Side.Buy, 150, 32m, 0m);
        Assert.Equal(50m, p.Quantity);
        Assert.Equal(32m, p.AverageCost);
        Assert.Equal(-200m, p.RealizedPnl); // 100 * (30 - 32)
    }

    [Fact]
    public void Flipping_back_and_forth_accumulates_the_realized_pnl_of_each_closed_side()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 0m).Apply(Side.Sell, 300, 11m, 0m);
        Assert.Equal(-200m, p.Quantity);
        Assert.Equal(11m, p.AverageCost);
        Assert.Equal(100m, p.RealizedPnl);

        p = p.Apply(Side.Buy, 250, 9m, 0m);
        Assert.Equal(50m, p.Quantity);
        Assert.Equal(9m, p.AverageCost);
        Assert.Equal(100m + 200m * 2m, p.RealizedPnl);
    }

    // ---- Inputs ----

    [Fact]
    public void A_fill_applies_like_its_parts()
    {
        var fill = new Fill("X-1", "s", "X", Side.Sell, 25m, 99.5m, 1m, DateTime.UnixEpoch, 3);
        var open = Position.Flat.Apply(Side.Buy, 100, 100m, 1m);
        Assert.Equal(open.Apply(Side.Sell, 25m, 99.5m, 1m), open.Apply(fill));
    }

    [Fact]
    public void Non_positive_fill_values_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Position.Flat.Apply(Side.Buy, 0, 10m, 0m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Position.Flat.Apply(Side.Buy, 1, 0m, 0m));
    }

    // ---- The accounting identity over generated fills ----
    // Two generators on purpose: whole shares at prices up to 10,000 (large notionals, identity checked
    // at the end against |lhs|), and few price levels with fractional quantities (flips and exact closes
    // are common, identity checked after every fill).

    /// <summary>
    /// Cash + positions are conserved: for any fill sequence, what the fills paid and received plus
    /// the marked position equals realized + unrealized - fees; the quantity is the signed sum of fills;
    /// a flat position carries no average cost.
    /// </summary>
    [Property(MaxTest = 2000)]
    public void Accounting_conserves_cash_and_positions_for_whole_share_fills((bool Buy, PositiveInt Qty, PositiveInt PriceCents, byte FeeCents)[] fills, PositiveInt markCents)
    {
        var p = Position.Flat;
        var cash = 0m;
        var signed = 0m;
        foreach (var (buy, qty, priceCents, feeCents) in fills)
        {
            var side = buy ? Side.Buy : Side.Sell;
            decimal q = qty.Get % 10_000 + 1;
            var price = priceCents.Get % 1_000_000 / 100m + 0.01m;
            var fee = feeCents / 100m;
            p = p.Apply(side, q, price, fee);
            cash += -side.Sign() * q * price - fee;
            signed += side.Sign() * q;
        }
        var mark = markCents.Get % 1_000_000 / 100m + 0.01m;
        Assert.Equal(signed, p.Quantity);
        var lhs = cash + p.Quantity * mark;
        var rhs = p.RealizedPnl + p.Unrealized(mark) - p.Fees;
        Assert.True(Math.Abs(lhs - rhs) <= 1e-9m * Math.Max(1m, Math.Abs(lhs)), $"cash+marked {lhs} vs pnl {rhs}");
        if (p.Quantity == 0m) Assert.Equal(0m, p.AverageCost);
    }

    /// <summary>One fill of a generated sequence: small quantities and few price levels, so flips and exact closes are common.</summary>
    public sealed record ScriptedFill(Side Side, decimal Quantity, decimal Price, decimal Fee)
    {
        public override string ToString() => $"{Side} {Quantity} @ {Price} fee {Fee}";
    }

    public sealed record FillScript(ScriptedFill[] Fills, decimal Mark)
    {
        public override string ToString() => $"[{string.Join("; ", Fills.Select(f => f.ToString()))}] mark {Mark}";
    }

    public static class Generators
    {
        private static readonly Gen<decimal> Quantity = Gen.OneOf(
            Gen.Choose(1, 10).Select(q => (decimal)q),              // whole shares, flips through zero often
            Gen.Choose(1, 100_000).Select(q => q / 1000m));          // fractional quantities (crypto, FX)

        private static readonly Gen<decimal> Price = Gen.OneOf(
            Gen.Choose(1, 5).Select(p => p * 10m),
            Gen.Choose(1, 10_000_000).Select(p => p / 10_000m));    // 0.0001 .. 1000, four decimals: averages divide unevenly

        private static readonly Gen<ScriptedFill> Fill =
            from buy in Gen.Elements(true, false)
            from qty in Quantity
            from price in Price
            from fee in Gen.Choose(0, 500).Select(c => c / 100m)
            select new ScriptedFill(buy ? Side.Buy : Side.Sell, qty, price, fee);

        public static Arbitrary<FillScript> FillScripts() =>
            (from fills in Gen.ListOf(Fill).Select(l => l.ToArray())
             from mark in Price
             select new FillScript(fills, mark)).ToArbitrary();
    }

    /// <summary>
    /// Over any fill sequence: cash + quantity*mark == realized + unrealized(mark) - fees (up to the
    /// rounding of average costs), quantity is the signed sum of the fills, and flat means no cost.
    /// </summary>
    [Property(MaxTest = 3000, Arbitrary = [typeof(Generators)])]
    public void Accounting_identity_holds_after_every_fill_of_any_sequence(FillScript script)
    {
        var p = Position.Flat;
        var cash = 0m;
        var signed = 0m;
        foreach (var f in script.Fills)
        {
            p = p.Apply(f.Side, f.Quantity, f.Price, f.Fee);
            cash += -f.Side.Sign() * f.Quantity * f.Price - f.Fee;
            signed += f.Side.Sign() * f.Quantity;

            Assert.Equal(signed, p.Quantity);
            if (p.Quantity == 0m) Assert.Equal(0m, p.AverageCost);
            else Assert.True(p.AverageCost > 0m, $"average cost {p.AverageCost} of an open position");
            var lhs = cash + p.Quantity * script.Mark;
            var rhs = p.RealizedPnl + p.Unrealized(script.Mark) - p.Fees;
            var scale = Math.Max(1m, Math.Abs(cash) + Math.Abs(p.Quantity * script.Mark));
            Assert.True(Math.Abs(lhs - rhs) <= 1e-9m * scale, $"cash+marked {lhs} vs pnl {rhs}");
        }
    }
}

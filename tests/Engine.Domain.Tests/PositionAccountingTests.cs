using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

public sealed class PositionAccountingTests
{
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
        Assert.Equal(-400m * (44m - 45m), p.Unrealized(44m)); // a short gains when the price falls
        Assert.Equal(400m, p.Unrealized(44m));
        Assert.Equal(-400m, p.Unrealized(46m));
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

    [Fact]
    public void Closing_a_long_at_a_loss_realizes_the_loss_and_leaves_no_cost()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 0m).Apply(Side.Sell, 100, 9.5m, 0m);
        Assert.Equal(Position.Flat with { RealizedPnl = -50m }, p);
        Assert.Equal(0m, p.Unrealized(123m));
    }

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
    public void Fees_accumulate_apart_from_realized_pnl()
    {
        var p = Position.Flat.Apply(Side.Buy, 10, 100m, 1m).Apply(Side.Sell, 10, 100m, 1.25m);
        Assert.Equal(0m, p.RealizedPnl);
        Assert.Equal(2.25m, p.Fees);
        Assert.Equal(0m, p.AverageCost);
    }

    [Fact]
    public void A_fill_applies_like_its_parts()
    {
        var fill = new Fill("X-1", "s", "X", Side.Sell, 25m, 99.5m, 1m, DateTime.UnixEpoch, 3);
        var open = Position.Flat.Apply(Side.Buy, 100, 100m, 1m);
        Assert.Equal(open.Apply(Side.Sell, 25m, 99.5m, 1m), open.Apply(fill));
    }

    [Fact]
    public void Fractional_quantities_average_exactly_enough()
    {
        var p = Position.Flat.Apply(Side.Buy, 0.3m, 1m, 0m).Apply(Side.Buy, 0.7m, 2m, 0m).Apply(Side.Buy, 2m, 3m, 0m);
        Assert.Equal(3m, p.Quantity);
        Assert.Equal(7.7m / 3m, p.AverageCost); // (0.3*1 + 0.7*2 + 2*3) / 3
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
    public void Accounting_identity_holds_for_any_fill_sequence(FillScript script)
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

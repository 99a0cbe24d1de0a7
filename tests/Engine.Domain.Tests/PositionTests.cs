using Engine.Domain.Trading;
using FsCheck;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

public sealed class PositionTests
{
    [Fact]
    public void Long_then_partial_close_keeps_the_average_and_realizes_the_difference()
    {
        var p = Position.Flat.Apply(Side.Buy, 100, 10m, 1m).Apply(Side.Buy, 100, 12m, 1m);
        Assert.Equal(200m, p.Quantity);
        Assert.Equal(11m, p.AverageCost);
        p = p.Apply(Side.Sell, 50, 13m, 1m);
        Assert.Equal(150m, p.Quantity);
        Assert.Equal(11m, p.AverageCost);
        Assert.Equal(100m, p.RealizedPnl);
        Assert.Equal(3m, p.Fees);
        Assert.Equal(150m * 2m, p.Unrealized(13m));
    }

    [Fact]
    public void Short_profits_when_the_price_falls()
    {
        var p = Position.Flat.Apply(Side.Sell, 100, 20m, 0m).Apply(Side.Buy, 100, 18m, 0m);
        Assert.Equal(0m, p.Quantity);
        Assert.Equal(0m, p.AverageCost);
        Assert.Equal(200m, p.RealizedPnl);
    }

    [Fact]
    public void A_flip_through_zero_realizes_the_old_side_and_opens_the_new_at_the_fill_price()
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

    [Fact]
    public void Non_positive_fill_values_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Position.Flat.Apply(Side.Buy, 0, 10m, 0m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Position.Flat.Apply(Side.Buy, 1, 0m, 0m));
    }

    /// <summary>
    /// Cash + positions are conserved: for any fill sequence, what the fills paid and received plus
    /// the marked position equals realized + unrealized - fees; the quantity is the signed sum of fills;
    /// a flat position carries no average cost.
    /// </summary>
    [Property(MaxTest = 2000)]
    public void Accounting_conserves_cash_and_positions((bool Buy, PositiveInt Qty, PositiveInt PriceCents, byte FeeCents)[] fills, PositiveInt markCents)
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
}

namespace Engine.Domain.Trading;

/// <summary>
/// One strategy's position in one symbol, by average cost. Quantity is signed (short &lt; 0).
/// RealizedPnl is gross of fees; Fees accumulate separately so both can be reported.
/// Accounting identity (property-tested): cash + Quantity*mark == RealizedPnl + Unrealized(mark) - Fees,
/// where cash is what the fills paid and received.
/// </summary>
public readonly record struct Position(decimal Quantity, decimal AverageCost, decimal RealizedPnl, decimal Fees)
{
    public static readonly Position Flat = new(0m, 0m, 0m, 0m);

    public decimal Unrealized(decimal mark) => Quantity == 0m ? 0m : (mark - AverageCost) * Quantity;

    public Position Apply(Side side, decimal quantity, decimal price, decimal fee)
    {
        if (quantity <= 0m) throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "fill quantity must be positive");
        if (price <= 0m) throw new ArgumentOutOfRangeException(nameof(price), price, "fill price must be positive");
        var signed = side.Sign() * quantity;
        var fees = Fees + fee;

        if (Quantity == 0m || Math.Sign(Quantity) == Math.Sign(signed))
        {
            var newQty = Quantity + signed;
            var avg = (Math.Abs(Quantity) * AverageCost + quantity * price) / Math.Abs(newQty);
            return new Position(newQty, avg, RealizedPnl, fees);
        }

        var closing = Math.Min(quantity, Math.Abs(Quantity));
        var realized = RealizedPnl + closing * (price - AverageCost) * Math.Sign(Quantity);
        var remaining = Quantity + signed;
        if (remaining == 0m) return new Position(0m, 0m, realized, fees);
        // Same sign as before: a partial close keeps the average; otherwise it flipped through zero.
        var average = Math.Sign(remaining) == Math.Sign(Quantity) ? AverageCost : price;
        return new Position(remaining, average, realized, fees);
    }

    public Position Apply(Fill fill) => Apply(fill.Side, fill.Quantity, fill.Price, fill.Fee);
}

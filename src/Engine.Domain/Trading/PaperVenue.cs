using Engine.Domain.MarketData;

namespace Engine.Domain.Trading;

/// <summary>Paper-venue economics, configured per engine.</summary>
public sealed record VenueSettings(decimal SlippageBps, decimal FeePerShare, decimal MinFeePerOrder, decimal PriceIncrement)
{
    public static readonly VenueSettings Default = new(1m, 0.005m, 1m, 0.0001m);

    /// <summary>
    /// A cap on an order's fee in percent of its value (0 = none). 0.5 with the default per-share
    /// fee and minimum is LEAN's equity (Interactive Brokers) fee model.
    /// </summary>
    public decimal MaxFeePctOfValue { get; init; }
}

/// <summary>
/// Pure matching rules of the paper venue. Market orders fill in full at the next tradable price
/// after acceptance (trade price, the touch of a quote, or a bar's open) moved against the order by
/// the slippage. Limit orders fill when the market trades or quotes through the limit, at the limit,
/// or at the better market price when the market is already through it (a marketable limit on its
/// first event, or a bar that opens through it). Whole-quantity fills: the paper venue models price,
/// not queue position or depth.
/// </summary>
public static class PaperVenue
{
    public static Fill? TryFill(Order order, MarketEvent e, long feedSeq, VenueSettings settings)
    {
        if (feedSeq <= order.AcceptedSeq) return null; // only events after acceptance are tradable
        var firstEvent = feedSeq == order.AcceptedSeq + 1;
        decimal? price = order.Type switch
        {
            OrderType.Market => MarketPrice(order.Side, e) is { } p ? Slip(order.Side, p, settings) : null,
            OrderType.Limit => LimitPrice(order, e, firstEvent),
            _ => null,
        };
        // A price that rounds to nothing on the price grid is not tradable (sub-increment symbols).
        if (price is not { } tradable || tradable <= 0m) return null;
        return new Fill(order.OrderId, order.StrategyId, order.Symbol, order.Side, order.Quantity,
            price.Value, Fee(order.Quantity, price.Value, settings), e.Time, feedSeq);
    }

    /// <summary>Per share with a minimum per order, then capped at MaxFeePctOfValue of the order's value when set (LEAN applies the cap last too).</summary>
    public static decimal Fee(decimal quantity, decimal price, VenueSettings s)
    {
        var fee = Math.Max(quantity * s.FeePerShare, s.MinFeePerOrder);
        return s.MaxFeePctOfValue > 0m ? Math.Min(fee, quantity * price * s.MaxFeePctOfValue / 100m) : fee;
    }

    private static decimal? MarketPrice(Side side, MarketEvent e) => e switch
    {
        TradeTick t => t.Price,
        QuoteTick q => side == Side.Buy ? q.Ask : q.Bid,
        TradeBar b => b.Open,
        _ => null,
    };

    private static decimal Slip(Side side, decimal price, VenueSettings s)
    {
        var slipped = price * (1m + side.Sign() * s.SlippageBps / 10_000m);
        return RoundAgainst(side, slipped, s.PriceIncrement);
    }

    /// <summary>Rounds to the price grid in the direction that costs the order, never flattering it.</summary>
    private static decimal RoundAgainst(Side side, decimal price, decimal increment)
    {
        var steps = price / increment;
        var rounded = side == Side.Buy ? Math.Ceiling(steps) : Math.Floor(steps);
        return rounded * increment;
    }

    private static decimal? LimitPrice(Order order, MarketEvent e, bool firstEvent)
    {
        var limit = order.LimitPrice!.Value;
        bool buy = order.Side == Side.Buy;
        switch (e)
        {
            case TradeTick t:
                if (buy ? t.Price <= limit : t.Price >= limit) return firstEvent ? t.Price : limit;
                return null;
            case QuoteTick q:
                var touch = buy ? q.Ask : q.Bid;
                if (buy ? touch <= limit : touch >= limit) return firstEvent ? touch : limit;
                return null;
            case TradeBar b:
                if (buy ? b.Open <= limit : b.Open >= limit) return b.Open;
                if (buy ? b.Low <= limit : b.High >= limit) return limit;
                return null;
            default:
                return null;
        }
    }
}

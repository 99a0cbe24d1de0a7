namespace Engine.Domain.MarketData;

/// <summary>
/// Semantic checks on parsed events (design rule 5). Parsers catch malformed text; this catches
/// values that parse but must not reach a strategy. Stateful per symbol and event kind, because
/// ordering is a property of the sequence, not of one event.
/// Ticks may share a timestamp (venues print many trades in one millisecond); bars may not.
/// </summary>
public sealed class MarketDataValidator
{
    private readonly IReadOnlySet<string>? _universe;
    // Bars of different periods for one symbol are separate series (a folder may hold minute and daily).
    private readonly Dictionary<(string Symbol, Type Kind, TimeSpan Period), DateTime> _lastTime = new();

    /// <param name="universe">Symbols the engine trades; null accepts any symbol.</param>
    public MarketDataValidator(IReadOnlySet<string>? universe = null) => _universe = universe;

    public (DataRejectReason Reason, string Detail)? Validate(MarketEvent e)
    {
        if (_universe is not null && !_universe.Contains(e.Symbol))
            return (DataRejectReason.UnknownSymbol, $"symbol '{e.Symbol}' is not in the configured universe");

        if (!ValueBounds.IsTime(e.Time))
            return (DataRejectReason.OutOfRange, $"time {e.Time:O} is outside {ValueBounds.MinTime:yyyy}..{ValueBounds.MaxTime.Year - 1}");
        var valueCheck = e switch
        {
            TradeTick t => CheckTrade(t),
            QuoteTick q => CheckQuote(q),
            TradeBar b => CheckBar(b),
            _ => (DataRejectReason.Malformed, $"unsupported event type {e.GetType().Name}"),
        };
        if (valueCheck is not null) return valueCheck;

        var key = (e.Symbol, e.GetType(), (e as TradeBar)?.Period ?? TimeSpan.Zero);
        if (_lastTime.TryGetValue(key, out var last))
        {
            if (e.Time < last)
                return (DataRejectReason.OutOfOrder, $"{e.Time:O} is before the previous {last:O}");
            if (e.Time == last && e is TradeBar)
                return (DataRejectReason.Duplicate, $"a bar ending {e.Time:O} was already seen");
        }
        _lastTime[key] = e.Time;
        return null;
    }

    private static (DataRejectReason, string)? CheckTrade(TradeTick t)
    {
        if (t.Price <= 0) return (DataRejectReason.NonPositivePrice, $"trade price {t.Price}");
        if (t.Quantity < 0) return (DataRejectReason.NegativeSize, $"trade quantity {t.Quantity}");
        return Price(t.Price) ?? Size(t.Quantity) ?? Notional(t.Price, t.Quantity);
    }

    private static (DataRejectReason, string)? CheckQuote(QuoteTick q)
    {
        if (q.Bid < 0 || q.Ask < 0) return (DataRejectReason.NonPositivePrice, $"bid {q.Bid} ask {q.Ask}");
        if (q.Bid == 0 || q.Ask == 0) return (DataRejectReason.OneSidedQuote, $"bid {q.Bid} ask {q.Ask}");
        if (q.BidSize < 0 || q.AskSize < 0) return (DataRejectReason.NegativeSize, $"bid size {q.BidSize} ask size {q.AskSize}");
        if (q.Bid > q.Ask) return (DataRejectReason.CrossedQuote, $"bid {q.Bid} > ask {q.Ask}");
        return Price(q.Bid) ?? Price(q.Ask) ?? Size(q.BidSize) ?? Size(q.AskSize)
            ?? Notional(q.Bid, q.BidSize) ?? Notional(q.Ask, q.AskSize);
    }

    private static (DataRejectReason, string)? CheckBar(TradeBar b)
    {
        if (b.Open <= 0 || b.High <= 0 || b.Low <= 0 || b.Close <= 0)
            return (DataRejectReason.NonPositivePrice, $"bar O {b.Open} H {b.High} L {b.Low} C {b.Close}");
        if (b.Volume < 0) return (DataRejectReason.NegativeSize, $"bar volume {b.Volume}");
        if (b.High < b.Low || b.Open > b.High || b.Open < b.Low || b.Close > b.High || b.Close < b.Low)
            return (DataRejectReason.Malformed, $"bar O {b.Open} H {b.High} L {b.Low} C {b.Close} is inconsistent");
        // Low <= Open, Close <= High, so the two extremes bound all four prices.
        if (b.Period <= TimeSpan.Zero || b.Period > MaxBarPeriod)
            return (DataRejectReason.OutOfRange, $"bar period {b.Period} is outside (0, {MaxBarPeriod.TotalDays:0} days]");
        return Price(b.Low) ?? Price(b.High) ?? Size(b.Volume) ?? Notional(b.High, b.Volume);
    }

    // A weekly bar is the longest anyone feeds; it keeps Start = Time - Period inside the calendar.
    private static readonly TimeSpan MaxBarPeriod = TimeSpan.FromDays(7);

    private static (DataRejectReason, string)? Price(decimal price) => ValueBounds.IsPrice(price)
        ? null
        : (DataRejectReason.OutOfRange, $"price {price} is outside {ValueBounds.MinPrice}..{ValueBounds.MaxPrice}");

    private static (DataRejectReason, string)? Size(decimal size) => size <= ValueBounds.MaxQuantity
        ? null
        : (DataRejectReason.OutOfRange, $"size {size} is above {ValueBounds.MaxQuantity}");

    // Both factors are bounded here, so the product cannot overflow.
    private static (DataRejectReason, string)? Notional(decimal price, decimal size) => price * size <= ValueBounds.MaxNotional
        ? null
        : (DataRejectReason.OutOfRange, $"notional {price} x {size} is above {ValueBounds.MaxNotional}");
}

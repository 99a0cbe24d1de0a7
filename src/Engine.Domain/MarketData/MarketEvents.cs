namespace Engine.Domain.MarketData;

/// <summary>One market observation for one symbol. Time is UTC and is the moment the data became
/// known (a bar's end, not its start), so nothing downstream can look ahead.</summary>
public abstract record MarketEvent(string Symbol, DateTime Time);

public sealed record TradeTick(string Symbol, DateTime Time, decimal Price, decimal Quantity)
    : MarketEvent(Symbol, Time);

public sealed record QuoteTick(string Symbol, DateTime Time, decimal Bid, decimal BidSize, decimal Ask, decimal AskSize)
    : MarketEvent(Symbol, Time)
{
    public decimal Mid => (Bid + Ask) / 2m;
}

/// <summary>An OHLCV trade bar; <see cref="MarketEvent.Time"/> is the bar's end.</summary>
public sealed record TradeBar(
    string Symbol, DateTime Time, TimeSpan Period,
    decimal Open, decimal High, decimal Low, decimal Close, decimal Volume)
    : MarketEvent(Symbol, Time)
{
    public DateTime Start => Time - Period;
}

/// <summary>An accepted market event with its position in the merged feed: 1-based and gap-free.</summary>
public sealed record SequencedEvent(long Sequence, MarketEvent Event);

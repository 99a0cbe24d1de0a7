using Engine.Domain.MarketData;
using Engine.Domain.Risk;

namespace Engine.Actors.Symbols;

/// <summary>Messages to a symbol entity; one extractor shards them all by Symbol.</summary>
public interface IWithSymbol
{
    string Symbol { get; }
}

/// <summary>One market event from the feed, with its global sequence number. Answered with DeliveryAck.</summary>
public sealed record MarketDataDelivery(long Sequence, MarketEvent Event) : IWithSymbol
{
    public string Symbol => Event.Symbol;
}

/// <summary>
/// Sent once the event and everything it caused are journaled: the feed's backpressure signal.
/// Time is the event's market time: a backtest's engine clock advances with acknowledged events.
/// </summary>
public sealed record DeliveryAck(long Sequence, int Fills, decimal RealizedPnlDelta, DateTime Time);

public sealed record GetSymbolReport(string Symbol) : IWithSymbol;

public sealed record StrategyPositionReport(
    string StrategyId, decimal Quantity, decimal AverageCost, decimal RealizedPnl, decimal UnrealizedPnl,
    decimal Fees, long OrdersAccepted, long Fills, long Cancels,
    IReadOnlyDictionary<OrderRejectReason, long> Rejections, bool Stopped,
    string Account = "", TradingState State = TradingState.Active);

public sealed record SymbolReport(
    string Symbol, decimal? LastPrice, long Watermark, int OpenOrders,
    IReadOnlyList<StrategyPositionReport> Strategies, bool KillSwitchEngaged);

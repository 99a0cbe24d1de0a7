using Engine.Domain.MarketData;

namespace Engine.Domain.Strategies;

/// <summary>
/// A trading strategy as a pure function of the bars it has seen. It answers each completed bar
/// with the exposure it wants as a fraction of its configured full size (-1 full short, 0 flat,
/// 1 full long) or null to leave things as they are. It never sees
/// fills, positions or the venue: the StrategyActor turns a changed target into an order intent.
/// Because the target depends on data alone, replaying the same bars rebuilds the same state,
/// which is how a restarted strategy (or a restarted engine) recovers it.
/// </summary>
public interface IStrategy
{
    /// <summary>Feeds one completed bar of the strategy's symbol, in time order.</summary>
    /// <returns>
    /// The new target (-1, 0 or 1) only when it differs from the last one returned, else null: the
    /// engine turns every non-null answer into an order, so repeating a target would repeat trades.
    /// </returns>
    decimal? OnBar(TradeBar bar);
}

/// <summary>How a strategy's target becomes orders.</summary>
/// <param name="Quantity">The size of a full position, in shares.</param>
/// <param name="AllowShort">When false, short targets become flat.</param>
/// <param name="OrderType">Market, or limit at the bar close moved by LimitOffsetBps in the order's favour.</param>
public sealed record OrderSizing(decimal Quantity, bool AllowShort, Trading.OrderType OrderType, decimal LimitOffsetBps)
{
    public static readonly OrderSizing Default = new(100m, true, Trading.OrderType.Market, 0m);
}

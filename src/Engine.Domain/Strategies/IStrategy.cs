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

/// <summary>What a full position is sized by.</summary>
public enum SizeBasis
{
    /// <summary>A fixed number of shares (OrderSizing.Quantity).</summary>
    Quantity,

    /// <summary>A fixed value: Amount in the account's currency, at the price when the target changes.</summary>
    Notional,

    /// <summary>Amount percent of the account's equity (LEAN's SetHoldings), at the price when the target changes.</summary>
    PercentOfEquity,
}

/// <summary>How a strategy's target becomes orders.</summary>
/// <param name="Quantity">The size of a full position, in shares, when sized by quantity.</param>
/// <param name="AllowShort">When false, short targets become flat.</param>
/// <param name="OrderType">Market, or limit at the bar close moved by LimitOffsetBps in the order's favour.</param>
public sealed record OrderSizing(decimal Quantity, bool AllowShort, Trading.OrderType OrderType, decimal LimitOffsetBps)
{
    public static readonly OrderSizing Default = new(100m, true, Trading.OrderType.Market, 0m);

    public SizeBasis Basis { get; init; } = SizeBasis.Quantity;

    /// <summary>The notional (Notional) or the percent of equity (PercentOfEquity); unused by Quantity.</summary>
    public decimal Amount { get; init; }

    /// <summary>
    /// Shares in a full position at this price and account equity: whole shares, rounded down as
    /// LEAN rounds to the lot size, so a full position never costs more than asked. 0 when the
    /// price or equity gives nothing to buy.
    /// </summary>
    public decimal FullSize(decimal price, decimal equity) => Basis switch
    {
        SizeBasis.Quantity => Quantity,
        _ when price <= 0m => 0m,
        SizeBasis.Notional => Math.Floor(Amount / price),
        SizeBasis.PercentOfEquity => equity <= 0m ? 0m : Math.Floor(equity * Amount / 100m / price),
        _ => throw new InvalidOperationException($"unknown size basis {Basis}"),
    };

    /// <summary>How the size reads in settings and views, e.g. "100 shares", "$10,000", "25% of equity".</summary>
    public string Describe() => Basis switch
    {
        SizeBasis.Notional => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Amount:0.##} notional"),
        SizeBasis.PercentOfEquity => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Amount:0.##}% of equity"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Quantity:0.##} shares"),
    };
}

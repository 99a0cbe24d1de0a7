using Engine.Domain.MarketData;

namespace Engine.Domain.Strategies;

/// <summary>
/// Goes fully long on the first bar it sees and never changes its mind: the passive benchmark a
/// report compares every other strategy with. No parameters.
/// </summary>
public sealed class BuyAndHold : IStrategy
{
    private bool _invested;

    public decimal? OnBar(TradeBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (_invested) return null;
        _invested = true;
        return 1m;
    }
}

namespace Engine.Domain.Risk;

/// <summary>
/// An account's limits across all its symbols, and how its risk supervisor watches them.
/// </summary>
/// <param name="MaxGrossExposure">Sum over symbols of absolute position value (resting orders counted at their worst).</param>
/// <param name="MaxNetExposure">Absolute value of long minus short position value.</param>
/// <param name="MaxOpenPositions">Strategy-symbol pairs holding a position or a resting order.</param>
/// <param name="MaxOrdersPerWindow">New orders of the whole account within RateWindow.</param>
/// <param name="MaxMessagesPerWindow">New orders plus cancels of the whole account within RateWindow.</param>
/// <param name="RateWindow">The account rate limits' sliding window.</param>
/// <param name="MaxDailyLoss">Loss since the start of the trading day (realized + unrealized - fees) that engages the kill switch.</param>
/// <param name="MaxDrawdown">Fall from the intraday high-water mark of P&amp;L that engages the kill switch.</param>
/// <param name="ReduceAtFraction">At this fraction of either loss limit the account moves to REDUCING.</param>
/// <param name="FlattenOnBreach">Whether the automatic kill switch also flattens the account's positions.</param>
/// <param name="BudgetChunkFraction">Share of each account limit a symbol is granted at a time.</param>
/// <param name="StaleDataAfter">Market data older than this, for a symbol with a position during trading hours, engages the kill switch for it.</param>
public sealed record AccountLimits(
    decimal MaxGrossExposure,
    decimal MaxNetExposure,
    int MaxOpenPositions,
    int MaxOrdersPerWindow,
    int MaxMessagesPerWindow,
    TimeSpan RateWindow,
    decimal MaxDailyLoss,
    decimal MaxDrawdown,
    decimal ReduceAtFraction,
    bool FlattenOnBreach,
    decimal BudgetChunkFraction,
    TimeSpan StaleDataAfter)
{
    public static readonly AccountLimits Default = new(
        5_000_000m, 2_500_000m, 100, 1_000, 2_000, TimeSpan.FromMinutes(1),
        100_000m, 150_000m, 0.8m, true, 0.1m, TimeSpan.FromMinutes(2));

    /// <summary>Everything the account may use, as one credit.</summary>
    public Credit Total => new(MaxGrossExposure, MaxNetExposure, MaxNetExposure, MaxOpenPositions, MaxOrdersPerWindow, MaxMessagesPerWindow);

    /// <summary>What a symbol is granted at a time: BudgetChunkFraction of each limit, at least one of each count.</summary>
    public Credit Chunk => new(
        MaxGrossExposure * BudgetChunkFraction,
        MaxNetExposure * BudgetChunkFraction,
        MaxNetExposure * BudgetChunkFraction,
        Math.Max(1, (int)(MaxOpenPositions * BudgetChunkFraction)),
        Math.Max(1, (int)(MaxOrdersPerWindow * BudgetChunkFraction)),
        Math.Max(1, (int)(MaxMessagesPerWindow * BudgetChunkFraction)));
}

/// <summary>
/// A share of an account's limits. Gross, Long and Short are position values; Positions counts
/// strategy-symbol pairs; Orders and Messages are per rate window.
/// </summary>
public readonly record struct Credit(decimal Gross, decimal Long, decimal Short, int Positions, int Orders, int Messages)
{
    public static readonly Credit Zero = default;

    public static Credit operator +(Credit a, Credit b) =>
        new(a.Gross + b.Gross, a.Long + b.Long, a.Short + b.Short, a.Positions + b.Positions, a.Orders + b.Orders, a.Messages + b.Messages);

    public static Credit operator -(Credit a, Credit b) =>
        new(a.Gross - b.Gross, a.Long - b.Long, a.Short - b.Short, a.Positions - b.Positions, a.Orders - b.Orders, a.Messages - b.Messages);

    public static Credit Min(Credit a, Credit b) => new(
        Math.Min(a.Gross, b.Gross), Math.Min(a.Long, b.Long), Math.Min(a.Short, b.Short),
        Math.Min(a.Positions, b.Positions), Math.Min(a.Orders, b.Orders), Math.Min(a.Messages, b.Messages));

    public static Credit NonNegative(Credit a) => new(
        Math.Max(0m, a.Gross), Math.Max(0m, a.Long), Math.Max(0m, a.Short),
        Math.Max(0, a.Positions), Math.Max(0, a.Orders), Math.Max(0, a.Messages));

    public bool IsZero => this == Zero;

    /// <summary>Every component at most the other's.</summary>
    public bool FitsIn(Credit other) =>
        Gross <= other.Gross && Long <= other.Long && Short <= other.Short &&
        Positions <= other.Positions && Orders <= other.Orders && Messages <= other.Messages;
}

/// <summary>One strategy's stake in a symbol: its position and its resting buy and sell quantities.</summary>
public readonly record struct Leg(decimal Position, decimal OpenBuy, decimal OpenSell);

/// <summary>
/// What one symbol uses of an account's limits at a price: every resting order is counted as if it
/// filled, on whichever side makes the exposure larger.
/// </summary>
public readonly record struct Usage(decimal Gross, decimal Long, decimal Short, int Positions)
{
    public static Usage Of(IEnumerable<Leg> legs, decimal price)
    {
        decimal gross = 0m, longWorst = 0m, shortWorst = 0m;
        var positions = 0;
        foreach (var l in legs)
        {
            var up = l.Position + l.OpenBuy;
            var down = l.Position - l.OpenSell;
            gross += Math.Max(Math.Abs(up), Math.Abs(down));
            longWorst += up;
            shortWorst += down;
            if (l.Position != 0m || l.OpenBuy > 0m || l.OpenSell > 0m) positions++;
        }
        return new Usage(gross * price, Math.Max(0m, longWorst) * price, Math.Max(0m, -shortWorst) * price, positions);
    }
}

/// <summary>
/// The supervisor's side of the exposure budget: it owns an account's limits and lends shares of
/// them to symbols.
///
/// INVARIANT (design rule 2): at every instant, the sum over symbols of the credit each symbol holds
/// is at most the account's Total. It holds because credit only moves in two ways, each of which
/// gives it up before the other side can use it: the pool records a grant before sending it (so a
/// grant in flight is already counted here), and a symbol subtracts a return from what it holds
/// before sending it (so a return in flight is still counted here). An order is accepted only if it
/// leaves its symbol's usage within the credit the symbol holds, or does not increase that usage
/// (SymbolBudget.Check). Therefore no interleaving of orders across symbols takes the account's
/// usage past a limit; only price moves can, and the supervisor answers those with REDUCING.
/// Order and message quotas are never returned: messages sent in the current window still count
/// against the symbol that sent them, so re-lending that quota could break the rate limit.
/// </summary>
public sealed class AccountBudgetPool
{
    private readonly SortedDictionary<string, Credit> _granted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _incarnations = new(StringComparer.Ordinal);

    public AccountBudgetPool(AccountLimits limits) => Limits = limits;

    public AccountLimits Limits { get; }

    public IReadOnlyDictionary<string, Credit> Granted => _granted;

    public Credit Allocated => _granted.Values.Aggregate(Credit.Zero, (a, b) => a + b);

    public Credit Available => Credit.NonNegative(Limits.Total - Allocated);

    /// <summary>
    /// A symbol (re)starts: it holds nothing, so its earlier exposure credit is free again. Its rate
    /// quotas stay, because its journaled recent messages still count against them. Answers the
    /// symbol's first grant: enough for its current usage plus one chunk, as far as the pool allows.
    /// </summary>
    /// <param name="incarnation">Identifies this start of the symbol: requests and returns sent by an
    /// earlier one (still in flight, e.g. from a node the symbol has left) are then ignored.</param>
    public Credit Register(string symbol, Usage usage, long incarnation = 0)
    {
        _incarnations[symbol] = incarnation;
        var kept = _granted.GetValueOrDefault(symbol);
        _granted[symbol] = Credit.Zero with { Orders = kept.Orders, Messages = kept.Messages };
        var chunk = Limits.Chunk;
        var wanted = new Credit(
            usage.Gross + chunk.Gross, usage.Long + chunk.Long, usage.Short + chunk.Short,
            usage.Positions + chunk.Positions,
            Math.Max(0, chunk.Orders - kept.Orders), Math.Max(0, chunk.Messages - kept.Messages));
        var grant = Grant(symbol, wanted, incarnation);
        // The symbol's view starts from zero: tell it the quotas it keeps as well.
        return grant with { Orders = grant.Orders + kept.Orders, Messages = grant.Messages + kept.Messages };
    }

    /// <summary>Grants as much of what is wanted as is unallocated, recording it before it is sent.</summary>
    public Credit Grant(string symbol, Credit wanted, long incarnation = 0)
    {
        if (!Current(symbol, incarnation)) return Credit.Zero;
        var grant = Credit.Min(Credit.NonNegative(wanted), Available);
        _granted[symbol] = _granted.GetValueOrDefault(symbol) + grant;
        return grant;
    }

    /// <summary>Takes back exposure credit the symbol has already stopped counting on.</summary>
    public void Return(string symbol, Credit returned, long incarnation = 0)
    {
        if (!Current(symbol, incarnation)) return;
        var exposure = Credit.NonNegative(returned with { Orders = 0, Messages = 0 });
        _granted[symbol] = Credit.NonNegative(_granted.GetValueOrDefault(symbol) - exposure);
    }

    private bool Current(string symbol, long incarnation) =>
        !_incarnations.TryGetValue(symbol, out var current) || current == incarnation;
}

/// <summary>
/// A symbol's side of the exposure budget for one account: spends the credit it holds locally,
/// asks for more ahead of need, and gives back what it does not need. Never waits on the supervisor:
/// an order beyond the credit held is refused, not queued.
/// </summary>
public sealed class SymbolBudget
{
    private Credit _shortfall;

    public Credit Held { get; private set; }

    /// <summary>A request is in flight; no second one is sent until it is answered.</summary>
    public bool Requesting { get; private set; }

    /// <summary>
    /// Judges an order by the usage before and after it and the account messages this symbol sent in
    /// the window. A refusal remembers how much was missing, so the next request asks for at least that.
    /// </summary>
    public OrderRejectReason? Check(Usage before, Usage after, int ordersInWindow, int messagesInWindow)
    {
        if (after.Gross > Held.Gross && after.Gross > before.Gross)
        {
            _shortfall = _shortfall with { Gross = Math.Max(_shortfall.Gross, after.Gross - Held.Gross) };
            return OrderRejectReason.AccountGrossExposure;
        }
        if ((after.Long > Held.Long && after.Long > before.Long) || (after.Short > Held.Short && after.Short > before.Short))
        {
            _shortfall = _shortfall with
            {
                Long = Math.Max(_shortfall.Long, after.Long - Held.Long),
                Short = Math.Max(_shortfall.Short, after.Short - Held.Short),
            };
            return OrderRejectReason.AccountNetExposure;
        }
        if (after.Positions > Held.Positions && after.Positions > before.Positions)
        {
            _shortfall = _shortfall with { Positions = Math.Max(_shortfall.Positions, after.Positions - Held.Positions) };
            return OrderRejectReason.MaxOpenPositions;
        }
        if (ordersInWindow >= Held.Orders)
        {
            _shortfall = _shortfall with { Orders = Math.Max(_shortfall.Orders, 1) };
            return OrderRejectReason.AccountOrderRate;
        }
        if (messagesInWindow >= Held.Messages)
        {
            _shortfall = _shortfall with { Messages = Math.Max(_shortfall.Messages, 1) };
            return OrderRejectReason.AccountMessageRate;
        }
        return null;
    }

    /// <summary>
    /// When less than half a chunk of anything is left, asks for a chunk of it, and for at least what
    /// a refused order was missing. Returns the request to send, or null.
    /// </summary>
    public Credit? WantMore(Usage usage, int ordersInWindow, int messagesInWindow, Credit chunk)
    {
        if (Requesting) return null;
        var ahead = new Credit(
            Held.Gross - usage.Gross < chunk.Gross / 2 ? chunk.Gross : 0m,
            Held.Long - usage.Long < chunk.Long / 2 ? chunk.Long : 0m,
            Held.Short - usage.Short < chunk.Short / 2 ? chunk.Short : 0m,
            Held.Positions - usage.Positions < Math.Max(1, chunk.Positions / 2) ? chunk.Positions : 0,
            Held.Orders - ordersInWindow < Math.Max(1, chunk.Orders / 2) ? chunk.Orders : 0,
            Held.Messages - messagesInWindow < Math.Max(1, chunk.Messages / 2) ? chunk.Messages : 0);
        var s = _shortfall;
        var want = new Credit(
            Math.Max(ahead.Gross, s.Gross), Math.Max(ahead.Long, s.Long), Math.Max(ahead.Short, s.Short),
            Math.Max(ahead.Positions, s.Positions), Math.Max(ahead.Orders, s.Orders), Math.Max(ahead.Messages, s.Messages));
        if (want.IsZero) return null;
        _shortfall = Credit.Zero;
        Requesting = true;
        return want;
    }

    /// <summary>
    /// Exposure credit beyond two chunks of headroom, down to one chunk: subtracted from what is
    /// held here first, then to be sent to the supervisor. Null when there is nothing to give back.
    /// </summary>
    public Credit? GiveBack(Usage usage, Credit chunk)
    {
        var giveBack = new Credit(
            Excess(Held.Gross - usage.Gross, chunk.Gross),
            Excess(Held.Long - usage.Long, chunk.Long),
            Excess(Held.Short - usage.Short, chunk.Short),
            (int)Excess(Held.Positions - usage.Positions, chunk.Positions),
            0, 0);
        if (giveBack.IsZero) return null;
        Held -= giveBack;
        return giveBack;
    }

    public void OnGranted(Credit grant)
    {
        Held += grant;
        Requesting = false;
    }

    /// <summary>A new supervisor incarnation: everything held so far was forgotten by the pool.</summary>
    public void Reset()
    {
        Held = Credit.Zero;
        _shortfall = Credit.Zero;
        Requesting = false;
    }

    private static decimal Excess(decimal free, decimal chunk) => free > 2 * chunk ? free - chunk : 0m;
}

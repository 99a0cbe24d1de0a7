using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Actors.Symbols;

/// <summary>Per-strategy book-keeping within one symbol.</summary>
public sealed record StrategyBook(
    Position Position, long OrdersAccepted, long Fills, long Cancels,
    IReadOnlyDictionary<OrderRejectReason, long> Rejections)
{
    public static readonly StrategyBook Empty = new(Position.Flat, 0, 0, 0, new Dictionary<OrderRejectReason, long>());
}

/// <summary>
/// The journaled state of one symbol: everything here is derived only from ISymbolEvents, so
/// recovery (snapshot + replay) rebuilds it exactly. Transient market state (last price, bars,
/// strategy targets) lives in the actor and is rebuilt from the feed.
/// </summary>
public sealed class SymbolState
{
    // A list, not a dictionary: matching walks open orders in acceptance order, deterministically.
    private readonly List<Order> _openOrders = new();
    private readonly SortedDictionary<string, StrategyBook> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTime>> _recentOrders = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _stopped = new(StringComparer.Ordinal);

    public SymbolState(string symbol) => Symbol = symbol;

    public string Symbol { get; }

    /// <summary>Highest FeedSeq of any applied event: market events up to here are fully processed.</summary>
    public long Watermark { get; private set; }

    /// <summary>Counter behind deterministic order ids.</summary>
    public long OrderCounter { get; private set; }

    public IReadOnlyList<Order> OpenOrders => _openOrders;

    public IReadOnlyDictionary<string, StrategyBook> Books => _books;

    public IReadOnlySet<string> StoppedStrategies => _stopped;

    public StrategyBook Book(string strategyId) => _books.GetValueOrDefault(strategyId) ?? StrategyBook.Empty;

    public IReadOnlyList<DateTime> RecentOrderTimes(string strategyId) =>
        _recentOrders.TryGetValue(strategyId, out var l) ? l : Array.Empty<DateTime>();

    public string NextOrderId() => $"{Symbol}-{OrderCounter + 1}";

    public void Apply(ISymbolEvent e, TimeSpan rateWindow)
    {
        switch (e)
        {
            case OrderAccepted a:
                OrderCounter++;
                _openOrders.Add(a.Order);
                Update(a.Order.StrategyId, b => b with { OrdersAccepted = b.OrdersAccepted + 1 });
                RecordOrderTime(a.Order.StrategyId, a.Order.AcceptedAt, rateWindow);
                break;
            case OrderRejected r:
                Update(r.StrategyId, b =>
                {
                    var rej = new Dictionary<OrderRejectReason, long>(b.Rejections);
                    rej[r.Reason] = rej.GetValueOrDefault(r.Reason) + 1;
                    return b with { Rejections = rej };
                });
                break;
            case OrderFilled f:
                RemoveOpen(f.Fill.OrderId);
                Update(f.Fill.StrategyId, b => b with { Position = b.Position.Apply(f.Fill), Fills = b.Fills + 1 });
                break;
            case OrderCancelled c:
                if (RemoveOpen(c.OrderId) is { } o)
                    Update(o.StrategyId, b => b with { Cancels = b.Cancels + 1 });
                break;
            case StrategyStopped s:
                _stopped.Add(s.StrategyId);
                break;
        }
        if (e.FeedSeq > Watermark) Watermark = e.FeedSeq;
    }

    private Order? RemoveOpen(string orderId)
    {
        var i = _openOrders.FindIndex(o => o.OrderId == orderId);
        if (i < 0) return null;
        var order = _openOrders[i];
        _openOrders.RemoveAt(i);
        return order;
    }

    private void Update(string strategyId, Func<StrategyBook, StrategyBook> change) =>
        _books[strategyId] = change(Book(strategyId));

    private void RecordOrderTime(string strategyId, DateTime time, TimeSpan window)
    {
        if (!_recentOrders.TryGetValue(strategyId, out var list)) _recentOrders[strategyId] = list = new List<DateTime>();
        list.Add(time);
        // Keep only what the rate window can still see, so the list stays small.
        var cutoff = time - window;
        var drop = 0;
        while (drop < list.Count && list[drop] <= cutoff) drop++;
        if (drop > 0) list.RemoveRange(0, drop);
    }

    public SymbolSnapshot ToSnapshot() => new(
        Symbol, Watermark, OrderCounter,
        _openOrders.ToArray(),
        _books.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        _recentOrders.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<DateTime>)kv.Value.ToArray(), StringComparer.Ordinal),
        _stopped.ToArray());

    public static SymbolState FromSnapshot(SymbolSnapshot s)
    {
        var state = new SymbolState(s.Symbol) { Watermark = s.Watermark, OrderCounter = s.OrderCounter };
        state._openOrders.AddRange(s.OpenOrders);
        foreach (var (k, v) in s.Books) state._books[k] = v;
        foreach (var (k, v) in s.RecentOrderTimes) state._recentOrders[k] = v.ToList();
        foreach (var id in s.StoppedStrategies) state._stopped.Add(id);
        return state;
    }
}

/// <summary>An immutable copy of SymbolState for the snapshot store.</summary>
public sealed record SymbolSnapshot(
    string Symbol, long Watermark, long OrderCounter,
    IReadOnlyList<Order> OpenOrders,
    IReadOnlyDictionary<string, StrategyBook> Books,
    IReadOnlyDictionary<string, IReadOnlyList<DateTime>> RecentOrderTimes,
    IReadOnlyList<string> StoppedStrategies);

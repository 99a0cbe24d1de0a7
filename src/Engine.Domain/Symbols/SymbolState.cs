using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Domain.Symbols;

/// <summary>Per-strategy book-keeping within one symbol.</summary>
public sealed record StrategyBook(
    Position Position, long OrdersAccepted, long Fills, long Cancels,
    IReadOnlyDictionary<OrderRejectReason, long> Rejections, long Deferrals = 0)
{
    public static readonly StrategyBook Empty = new(Position.Flat, 0, 0, 0, new Dictionary<OrderRejectReason, long>());
}

/// <summary>
/// The journaled state of one symbol: everything here is derived only from ISymbolEvents, so
/// recovery (snapshot + events) rebuilds it exactly. Transient market state (last price, bars,
/// strategy targets, trading states, credit) lives in SymbolCore and is rebuilt from the feed.
/// Resting quantities per strategy are kept as running totals, so the risk checks of an order
/// never walk the order list.
/// </summary>
public sealed class SymbolState
{
    private sealed class OpenTotals
    {
        public decimal Buy;
        public decimal Sell;
        public int Count;
    }

    // A list, not a dictionary: matching walks open orders in acceptance order, deterministically.
    private readonly List<Order> _openOrders = new();
    private readonly SortedDictionary<string, StrategyBook> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenTotals> _open = new(StringComparer.Ordinal);
    // Orders and cancels per strategy, oldest first, for the rate limits and the duplicate guard.
    private readonly Dictionary<string, List<OrderMessage>> _recentMessages = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _stopped = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _paused = new(StringComparer.Ordinal);

    public SymbolState(string symbol) => Symbol = symbol;

    public string Symbol { get; }

    /// <summary>Highest FeedSeq of any applied event.</summary>
    public long Watermark { get; private set; }

    /// <summary>The feed step of the last applied event (FeedStep): past its market event, or past the boundary after it.</summary>
    public long Step { get; private set; }

    /// <summary>The epoch of the last kill-switch change applied (TradingStateApplied).</summary>
    public long AppliedEpoch { get; private set; }

    /// <summary>Counter behind deterministic order ids.</summary>
    public long OrderCounter { get; private set; }

    public IReadOnlyList<Order> OpenOrders => _openOrders;

    public IReadOnlyDictionary<string, StrategyBook> Books => _books;

    public IReadOnlySet<string> StoppedStrategies => _stopped;

    /// <summary>Strategies an operator paused here (StrategyPauseChanged).</summary>
    public IReadOnlySet<string> PausedStrategies => _paused;

    public StrategyBook Book(string strategyId) => _books.GetValueOrDefault(strategyId) ?? StrategyBook.Empty;

    public IReadOnlyList<OrderMessage> RecentMessages(string strategyId) =>
        _recentMessages.TryGetValue(strategyId, out var l) ? l : Array.Empty<OrderMessage>();

    /// <summary>The strategy's filled position and resting buy and sell quantities.</summary>
    public Leg LegOf(string strategyId) => _open.TryGetValue(strategyId, out var o)
        ? new Leg(Book(strategyId).Position.Quantity, o.Buy, o.Sell)
        : new Leg(Book(strategyId).Position.Quantity, 0m, 0m);

    public int OpenOrderCount(string strategyId) => _open.TryGetValue(strategyId, out var o) ? o.Count : 0;

    public string NextOrderId() => $"{Symbol}-{OrderCounter + 1}";

    /// <param name="keepMessages">How long a sent message can still matter to a rate limit or the duplicate guard.</param>
    public void Apply(ISymbolEvent e, TimeSpan keepMessages)
    {
        switch (e)
        {
            case OrderAccepted a:
                OrderCounter++;
                _openOrders.Add(a.Order);
                Track(a.Order, +1);
                Update(a.Order.StrategyId, b => b with { OrdersAccepted = b.OrdersAccepted + 1 });
                var o = a.Order;
                RecordMessage(o.StrategyId, new OrderMessage(o.AcceptedAt, false, o.Side, o.Quantity, o.LimitPrice), keepMessages);
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
                if (RemoveOpen(f.Fill.OrderId) is { } filled) Track(filled, -1);
                Update(f.Fill.StrategyId, b => b with { Position = b.Position.Apply(f.Fill), Fills = b.Fills + 1 });
                break;
            case OrderCancelled c:
                if (RemoveOpen(c.OrderId) is { } cancelled)
                {
                    Track(cancelled, -1);
                    Update(cancelled.StrategyId, b => b with { Cancels = b.Cancels + 1 });
                    RecordMessage(cancelled.StrategyId,
                        new OrderMessage(c.Time, true, cancelled.Side, cancelled.Quantity, cancelled.LimitPrice), keepMessages);
                }
                break;
            case OrderDeferred d:
                Update(d.StrategyId, b => b with { Deferrals = b.Deferrals + 1 });
                break;
            case StrategyStopped s:
                _stopped.Add(s.StrategyId);
                break;
            case TradingStateApplied t:
                AppliedEpoch = Math.Max(AppliedEpoch, t.Epoch);
                break;
            case StrategyPauseChanged p:
                if (p.Paused) _paused.Add(p.StrategyId);
                else _paused.Remove(p.StrategyId);
                break;
        }
        if (e.FeedSeq > Watermark) Watermark = e.FeedSeq;
        Step = Math.Max(Step, FeedStep.Of(e));
    }

    private void Track(Order order, int sign)
    {
        if (!_open.TryGetValue(order.StrategyId, out var t)) _open[order.StrategyId] = t = new OpenTotals();
        if (order.Side == Side.Buy) t.Buy += sign * order.Quantity;
        else t.Sell += sign * order.Quantity;
        t.Count += sign;
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

    private void RecordMessage(string strategyId, OrderMessage message, TimeSpan keep)
    {
        if (!_recentMessages.TryGetValue(strategyId, out var list)) _recentMessages[strategyId] = list = new List<OrderMessage>();
        list.Add(message);
        // Keep only what a window can still see, so the list stays small.
        var cutoff = message.Time - keep;
        var drop = 0;
        while (drop < list.Count && list[drop].Time <= cutoff) drop++;
        if (drop > 0) list.RemoveRange(0, drop);
    }

    public SymbolSnapshot ToSnapshot() => new(
        Symbol, Watermark, OrderCounter,
        _openOrders.ToArray(),
        _books.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        _recentMessages.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<OrderMessage>)kv.Value.ToArray(), StringComparer.Ordinal),
        _stopped.ToArray(), Step, AppliedEpoch, _paused.ToArray());

    public static SymbolState FromSnapshot(SymbolSnapshot s)
    {
        var state = new SymbolState(s.Symbol)
        {
            Watermark = s.Watermark,
            OrderCounter = s.OrderCounter,
            // Snapshots written before steps were journaled: past the market event of the watermark.
            Step = Math.Max(s.Step, FeedStep.At(s.Watermark)),
            AppliedEpoch = s.AppliedEpoch,
        };
        foreach (var order in s.OpenOrders)
        {
            state._openOrders.Add(order);
            state.Track(order, +1);
        }
        foreach (var (k, v) in s.Books) state._books[k] = v;
        foreach (var (k, v) in s.RecentMessages) state._recentMessages[k] = v.ToList();
        foreach (var id in s.StoppedStrategies) state._stopped.Add(id);
        foreach (var id in s.PausedStrategies ?? []) state._paused.Add(id);
        return state;
    }
}

/// <summary>An immutable copy of SymbolState for the snapshot store.</summary>
public sealed record SymbolSnapshot(
    string Symbol, long Watermark, long OrderCounter,
    IReadOnlyList<Order> OpenOrders,
    IReadOnlyDictionary<string, StrategyBook> Books,
    IReadOnlyDictionary<string, IReadOnlyList<OrderMessage>> RecentMessages,
    IReadOnlyList<string> StoppedStrategies, long Step = 0, long AppliedEpoch = 0, IReadOnlyList<string>? PausedStrategies = null);

/// <summary>
/// Positions in the feed that say what happened before what. Market event n is step 3n; the
/// time-slice boundary after it (n the slice's last event) has two: 3n + 1 once the symbols have
/// reported (the supervisors' decisions take effect there) and 3n + 2 once the boundary's credit
/// and retries are done. A kill-switch change's point is a step: it governs every later step.
/// </summary>
public static class FeedStep
{
    public static long At(long sequence) => 3 * sequence;

    /// <summary>The boundary after sequence, reported and not yet retried: where its decisions take effect.</summary>
    public static long AtBoundary(long sequence) => 3 * sequence + 1;

    /// <summary>The boundary after sequence, done.</summary>
    public static long AfterBoundary(long sequence) => 3 * sequence + 2;

    /// <summary>The step a journaled event was caused at, as far as the event itself says (what follows a BoundaryPassed is at its boundary).</summary>
    public static long Of(ISymbolEvent e) => e is BoundaryPassed ? AtBoundary(e.FeedSeq) : At(e.FeedSeq);

    /// <summary>The market event of a step (the slice's last, for a boundary).</summary>
    public static long SequenceOf(long step) => step / 3;
}

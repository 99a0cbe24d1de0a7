namespace Engine.Domain.MarketData;

/// <summary>
/// Aggregates ticks into fixed-period bars aligned to UTC multiples of the period. A bar is
/// complete when the first event at or after its end arrives. Trades build bars; quote mids do
/// only for a symbol that has never traded (quote-only feeds such as forex): once a trade or an input
/// trade bar arrives, quotes are quotes only (for fills), never bars.
/// </summary>
public sealed class BarBuilder
{
    private readonly string _symbol;
    private readonly TimeSpan _period;
    private bool _sawTrade;
    private bool _open;
    private DateTime _end;
    private decimal _o, _h, _l, _c, _v;

    public BarBuilder(string symbol, TimeSpan period)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), "bar period must be positive");
        _symbol = symbol;
        _period = period;
    }

    /// <summary>Feeds one event; returns the bar it completed, if any. Input bars pass straight through.</summary>
    public TradeBar? On(MarketEvent e) => e switch
    {
        TradeTick t => Add(t.Time, t.Price, t.Quantity, isTrade: true),
        QuoteTick q => Add(q.Time, q.Mid, 0m, isTrade: false),
        TradeBar b => Through(b),
        _ => null,
    };

    private TradeBar Through(TradeBar bar)
    {
        // Trade bars define the series from here on: a bar begun from quote mids is dropped, not completed.
        _sawTrade = true;
        _open = false;
        return bar;
    }

    private TradeBar? Add(DateTime time, decimal price, decimal qty, bool isTrade)
    {
        if (isTrade && !_sawTrade)
        {
            // First trade: discard any mid-built bar so trades alone define bars from here on.
            _sawTrade = true;
            _open = false;
        }
        TradeBar? completed = null;
        if (_open && time >= _end)
        {
            completed = new TradeBar(_symbol, _end, _period, _o, _h, _l, _c, _v);
            _open = false;
        }
        if (!isTrade && _sawTrade) return completed;
        if (!_open)
        {
            var start = new DateTime(time.Ticks - time.Ticks % _period.Ticks, DateTimeKind.Utc);
            _end = start + _period;
            _o = _h = _l = _c = price;
            _v = 0m;
            _open = true;
        }
        if (price > _h) _h = price;
        if (price < _l) _l = price;
        _c = price;
        _v += qty;
        return completed;
    }
}

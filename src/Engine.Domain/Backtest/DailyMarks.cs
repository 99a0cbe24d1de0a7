using Engine.Domain.MarketData;

namespace Engine.Domain.Backtest;

/// <summary>
/// Each symbol's closing price on each market date: its last trade (a tick's price or a bar's
/// close), or the mid of its last two-sided quote on a date it did not trade. The portfolio is
/// marked to these closes, as LEAN samples equity once a day.
/// </summary>
public sealed class DailyMarks
{
    private readonly TimeZoneInfo _zone;
    private readonly SortedDictionary<DateOnly, Dictionary<string, decimal>> _trades = new();
    private readonly SortedDictionary<DateOnly, Dictionary<string, decimal>> _mids = new();
    // The UTC span of the date last seen: converting every event's time to the market's zone would
    // dominate the cost of a re-read, and events come in time order.
    private DateTime _dayStartUtc = DateTime.MaxValue;
    private DateTime _dayEndUtc = DateTime.MinValue;
    private DateOnly _day;

    public DailyMarks(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _zone = zone;
    }

    /// <summary>Market dates with at least one price, in order.</summary>
    public IReadOnlyList<DateOnly> Dates => _trades.Keys.Union(_mids.Keys).Order().ToArray();

    /// <summary>Every symbol that has a price on some date, in ordinal order.</summary>
    public IReadOnlyList<string> Symbols =>
        _trades.Values.Concat(_mids.Values).SelectMany(d => d.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();

    public void Observe(MarketEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case TradeTick t:
                Book(_trades, t.Time)[t.Symbol] = t.Price;
                break;
            case TradeBar b:
                Book(_trades, b.Time)[b.Symbol] = b.Close;
                break;
            case QuoteTick q when q.Bid > 0 && q.Ask > 0:
                Book(_mids, q.Time)[q.Symbol] = (q.Bid + q.Ask) / 2m;
                break;
        }
    }

    /// <summary>The symbol's close on the date, or null when it has no price that day.</summary>
    public decimal? Close(DateOnly date, string symbol)
    {
        if (_trades.TryGetValue(date, out var trades) && trades.TryGetValue(symbol, out var trade)) return trade;
        if (_mids.TryGetValue(date, out var mids) && mids.TryGetValue(symbol, out var mid)) return mid;
        return null;
    }

    /// <summary>The market date of an instant (its local date in the market's zone).</summary>
    public DateOnly MarketDate(DateTime utc)
    {
        if (utc >= _dayStartUtc && utc < _dayEndUtc) return _day;
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone);
        _day = DateOnly.FromDateTime(local);
        _dayStartUtc = ToUtc(local.Date);
        _dayEndUtc = ToUtc(local.Date.AddDays(1));
        return _day;
    }

    private DateTime ToUtc(DateTime localMidnight)
    {
        var local = DateTime.SpecifyKind(localMidnight, DateTimeKind.Unspecified);
        // A zone whose clocks jump at midnight has no such local time: the day then starts an hour later.
        if (_zone.IsInvalidTime(local)) local = local.AddHours(1);
        return TimeZoneInfo.ConvertTimeToUtc(local, _zone);
    }

    private Dictionary<string, decimal> Book(SortedDictionary<DateOnly, Dictionary<string, decimal>> book, DateTime time)
    {
        var date = MarketDate(time);
        if (!book.TryGetValue(date, out var prices))
        {
            prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
            book[date] = prices;
        }
        return prices;
    }
}

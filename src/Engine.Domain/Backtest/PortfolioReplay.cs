using Engine.Domain.Trading;

namespace Engine.Domain.Backtest;

/// <summary>The portfolio at a market date's close: cash, what the holdings are worth at the day's closes, and their sum.</summary>
public sealed record PortfolioDay(DateOnly Date, decimal Cash, decimal HoldingsValue, decimal Equity, decimal GrossExposure)
{
    /// <summary>Gross holdings value over equity (0 when equity is not positive): LEAN's exposure of a day.</summary>
    public decimal ExposureFraction => Equity > 0m ? GrossExposure / Equity : 0m;
}

/// <summary>One strategy as if it traded the whole starting cash alone: its curve is starting cash plus its own P&amp;L.</summary>
public sealed record StrategyCurve(
    string Strategy, IReadOnlyList<PortfolioDay> Days, IReadOnlyList<ClosedTrade> Trades, long Fills, decimal Fees, decimal TradedNotional);

public sealed record PortfolioReplayResult(
    decimal StartingCash,
    IReadOnlyList<PortfolioDay> Days,
    IReadOnlyList<ClosedTrade> Trades,
    IReadOnlyList<EquityPoint> Benchmark,
    IReadOnlyList<string> BenchmarkSymbols,
    long Fills,
    decimal TotalFees,
    decimal TradedNotional,
    IReadOnlyList<StrategyCurve> Strategies)
{
    public IReadOnlyList<EquityPoint> Equity => Days.Select(d => new EquityPoint(d.Date, d.Equity)).ToArray();
}

/// <summary>
/// Replays a run's fills (in feed order) against the daily closes into a cash account: each fill
/// moves cash by its notional and fee, holdings are marked at each market date's close, and
/// round trips (flat to flat; a reversal closes one trade and opens the next) become closed trades.
/// The benchmark buys every symbol priced on the first date in equal parts of the starting cash
/// at that close and holds (buy and hold, the benchmark of every report).
/// </summary>
public static class PortfolioReplay
{
    public const decimal DefaultStartingCash = 100_000m;

    public static PortfolioReplayResult Run(decimal startingCash, IReadOnlyList<Fill> fills, DailyMarks marks)
    {
        ArgumentNullException.ThrowIfNull(fills);
        ArgumentNullException.ThrowIfNull(marks);
        if (startingCash <= 0m) throw new ArgumentOutOfRangeException(nameof(startingCash), startingCash, "starting cash must be positive");

        var byDate = fills.GroupBy(f => marks.MarketDate(f.Time)).ToDictionary(g => g.Key, g => g.ToArray());
        var dates = marks.Dates.Union(byDate.Keys).Order().ToArray();
        var symbols = marks.Symbols.Union(fills.Select(f => f.Symbol)).Distinct().Order(StringComparer.Ordinal).ToArray();

        var total = new Book(startingCash);
        var books = new SortedDictionary<string, Book>(StringComparer.Ordinal);
        var lastClose = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var benchmark = new List<EquityPoint>(dates.Length);
        Dictionary<string, decimal>? benchmarkShares = null;
        decimal tradedNotional = 0m, fees = 0m;

        foreach (var date in dates)
        {
            foreach (var fill in byDate.GetValueOrDefault(date, []))
            {
                total.Apply(fill);
                if (!books.TryGetValue(fill.StrategyId, out var book)) books[fill.StrategyId] = book = new Book(startingCash);
                book.Apply(fill);
                tradedNotional += fill.Quantity * fill.Price;
                fees += fill.Fee;
                // A symbol that trades before it has a close is worth its fill price until then.
                lastClose.TryAdd(fill.Symbol, fill.Price);
            }
            foreach (var symbol in symbols)
            {
                if (marks.Close(date, symbol) is { } close) lastClose[symbol] = close;
            }

            total.Mark(date, lastClose);
            foreach (var book in books.Values) book.Mark(date, lastClose);
            // A strategy that has not traded yet still has a curve: flat at the starting cash.
            benchmarkShares ??= BuyAndHold(startingCash, date, marks, symbols);
            benchmark.Add(new EquityPoint(date, benchmarkShares.Count == 0
                ? startingCash
                : benchmarkShares.Sum(s => s.Value * lastClose[s.Key])));
        }

        var strategies = books.Select(kv => new StrategyCurve(
            kv.Key, PadFront(kv.Value.Days, dates, startingCash), kv.Value.Trades, kv.Value.Fills, kv.Value.Fees, kv.Value.TradedNotional)).ToArray();
        return new PortfolioReplayResult(
            startingCash, total.Days, total.Trades.OrderBy(t => t.ExitTime).ToArray(), benchmark,
            benchmarkShares?.Keys.Order(StringComparer.Ordinal).ToArray() ?? [], fills.Count, fees, tradedNotional, strategies);
    }

    private static Dictionary<string, decimal> BuyAndHold(decimal cash, DateOnly first, DailyMarks marks, IReadOnlyList<string> symbols)
    {
        var priced = symbols.Where(s => marks.Close(first, s) is > 0m).ToArray();
        return priced.ToDictionary(s => s, s => cash / priced.Length / marks.Close(first, s)!.Value, StringComparer.Ordinal);
    }

    private static IReadOnlyList<PortfolioDay> PadFront(IReadOnlyList<PortfolioDay> days, IReadOnlyList<DateOnly> dates, decimal cash)
    {
        if (days.Count == dates.Count) return days;
        var missing = dates.Take(dates.Count - days.Count).Select(d => new PortfolioDay(d, cash, 0m, cash, 0m));
        return missing.Concat(days).ToArray();
    }

    /// <summary>Cash, positions and trades of one account (the portfolio, or one strategy's share of it).</summary>
    private sealed class Book(decimal startingCash)
    {
        private readonly Dictionary<(string Strategy, string Symbol), Position> _positions = new();
        private readonly Dictionary<(string Strategy, string Symbol), OpenTrade> _open = new();
        private decimal _cash = startingCash;

        public List<PortfolioDay> Days { get; } = new();

        public List<ClosedTrade> Trades { get; } = new();

        public long Fills { get; private set; }

        public decimal Fees { get; private set; }

        public decimal TradedNotional { get; private set; }

        public void Apply(Fill fill)
        {
            var key = (fill.StrategyId, fill.Symbol);
            var before = _positions.GetValueOrDefault(key, Position.Flat);
            var after = before.Apply(fill);
            _positions[key] = after;
            _cash -= fill.Side.Sign() * fill.Quantity * fill.Price + fill.Fee;
            Fills++;
            Fees += fill.Fee;
            TradedNotional += fill.Quantity * fill.Price;
            Track(key, before, after, fill);
        }

        public void Mark(DateOnly date, IReadOnlyDictionary<string, decimal> closes)
        {
            decimal value = 0m, gross = 0m;
            foreach (var ((_, symbol), position) in _positions)
            {
                if (position.Quantity == 0m) continue;
                var worth = position.Quantity * closes[symbol];
                value += worth;
                gross += Math.Abs(worth);
            }
            Days.Add(new PortfolioDay(date, _cash, value, _cash + value, gross));
        }

        private void Track((string Strategy, string Symbol) key, Position before, Position after, Fill fill)
        {
            var signed = fill.Side.Sign() * fill.Quantity;
            if (before.Quantity == 0m)
            {
                _open[key] = OpenTrade.Start(fill, fill.Quantity, fill.Fee, after.RealizedPnl);
                return;
            }
            var trade = _open[key];
            if (Math.Sign(signed) == Math.Sign(before.Quantity))
            {
                trade.Add(fill.Price, fill.Quantity, fill.Fee, Math.Abs(after.Quantity));
                return;
            }
            var closing = Math.Min(fill.Quantity, Math.Abs(before.Quantity));
            var closingFee = fill.Fee * closing / fill.Quantity;
            trade.Reduce(fill.Price, closing, closingFee);
            if (after.Quantity != 0m && Math.Sign(after.Quantity) == Math.Sign(before.Quantity)) return;

            Trades.Add(trade.Close(key.Strategy, key.Symbol, fill.Time, after.RealizedPnl));
            _open.Remove(key);
            if (after.Quantity != 0m)
                _open[key] = OpenTrade.Start(fill, fill.Quantity - closing, fill.Fee - closingFee, after.RealizedPnl);
        }
    }

    private sealed class OpenTrade
    {
        private DateTime _entryTime;
        private decimal _entryQuantity, _entryNotional, _exitQuantity, _exitNotional, _fees, _maxQuantity, _realizedAtOpen;

        public static OpenTrade Start(Fill fill, decimal quantity, decimal fee, decimal realizedAtOpen) => new()
        {
            _entryTime = fill.Time,
            _entryQuantity = quantity,
            _entryNotional = quantity * fill.Price,
            _fees = fee,
            _maxQuantity = quantity,
            _realizedAtOpen = realizedAtOpen,
        };

        public void Add(decimal price, decimal quantity, decimal fee, decimal held)
        {
            _entryQuantity += quantity;
            _entryNotional += quantity * price;
            _fees += fee;
            _maxQuantity = Math.Max(_maxQuantity, held);
        }

        public void Reduce(decimal price, decimal quantity, decimal fee)
        {
            _exitQuantity += quantity;
            _exitNotional += quantity * price;
            _fees += fee;
        }

        /// <summary>Profit is the realized P&amp;L of the round trip less every fee paid in it.</summary>
        public ClosedTrade Close(string strategy, string symbol, DateTime exitTime, decimal realizedNow) => new(
            strategy, symbol, _entryTime, exitTime, _maxQuantity,
            _entryNotional / _entryQuantity, _exitNotional / _exitQuantity,
            realizedNow - _realizedAtOpen - _fees, _fees);
    }
}

namespace Engine.Domain.Risk;

/// <summary>
/// One symbol's contribution to an account, as the symbol last reported it. P&amp;L is net of fees.
/// </summary>
/// <param name="Time">Market time of the symbol's latest event when it reported.</param>
/// <param name="LastData">Market time of the symbol's latest market data; null before any.</param>
/// <param name="Exposed">The symbol holds a position or a resting order for this account.</param>
public readonly record struct SymbolRisk(
    string Symbol, DateTime Time, decimal Realized, decimal Unrealized, Usage Usage, decimal NetExposure,
    DateTime? LastData, bool Exposed);

/// <summary>What an AccountRiskTracker knows: each symbol's last report, the trading day and its P&amp;L marks.</summary>
public sealed record TrackerState(
    IReadOnlyList<SymbolRisk> Symbols, DateOnly? Day, decimal DayStart, decimal HighWater, DateTime? LatestTime);

/// <summary>The account as its supervisor sees it.</summary>
/// <param name="Equity">Starting cash plus Pnl; null for an account without funds.</param>
public sealed record AccountRiskView(
    decimal Realized, decimal Unrealized, decimal Pnl, decimal DayStartPnl, decimal HighWaterMark,
    decimal Drawdown, decimal DailyLoss, decimal GrossExposure, decimal NetExposure, int OpenPositions, DateOnly? TradingDay,
    decimal? Equity = null)
{
    /// <summary>Equity minus the holdings' value (NetExposure: longs count, shorts are owed); null without funds.</summary>
    public decimal? Cash => Equity - NetExposure;
}

/// <summary>What the supervisor wants for its account, and why.</summary>
public readonly record struct RiskVerdict(TradingState State, string? Reason);

/// <summary>
/// The risk supervisor's book-keeping for one account, as pure logic: P&amp;L (realized + unrealized
/// - fees) over all symbols, the trading day's starting P&amp;L and intraday high-water mark, drawdown
/// and exposure, and the verdict they lead to. Day boundaries are in the trading-hours time zone.
/// </summary>
public sealed class AccountRiskTracker
{
    private readonly SortedDictionary<string, SymbolRisk> _symbols = new(StringComparer.Ordinal);
    private readonly AccountLimits _limits;
    private readonly TradingHours? _hours;
    private DateOnly? _day;
    private decimal _dayStart;
    private decimal _highWater;

    public AccountRiskTracker(AccountLimits limits, TradingHours? hours)
    {
        _limits = limits;
        _hours = hours;
    }

    public IReadOnlyDictionary<string, SymbolRisk> Symbols => _symbols;

    /// <summary>The newest market time any symbol has reported; null before any report.</summary>
    public DateTime? LatestTime { get; private set; }

    /// <summary>
    /// A time-slice boundary at this market time: a new trading day starts from the P&amp;L carried
    /// over from the last one.
    /// </summary>
    public void BeginBoundary(DateTime time)
    {
        var day = _hours?.TradingDay(time) ?? DateOnly.FromDateTime(time);
        if (_day is not null && day <= _day) return;
        _day = day;
        _dayStart = Pnl();
        _highWater = _dayStart;
    }

    /// <summary>A symbol's report at the boundary.</summary>
    public void Update(SymbolRisk report)
    {
        _symbols[report.Symbol] = report;
        if (LatestTime is null || report.Time > LatestTime) LatestTime = report.Time;
    }

    /// <summary>All of the boundary's reports are in: the high-water mark is judged on the account's P&amp;L now.</summary>
    public void EndBoundary() => _highWater = Math.Max(_highWater, Pnl());

    /// <summary>Everything the tracker knows, for a checkpoint.</summary>
    public TrackerState Save() => new(_symbols.Values.ToArray(), _day, _dayStart, _highWater, LatestTime);

    public void Restore(TrackerState state)
    {
        _symbols.Clear();
        foreach (var s in state.Symbols) _symbols[s.Symbol] = s;
        _day = state.Day;
        _dayStart = state.DayStart;
        _highWater = state.HighWater;
        LatestTime = state.LatestTime;
    }

    public AccountRiskView View()
    {
        decimal realized = 0m, unrealized = 0m, gross = 0m, net = 0m;
        var positions = 0;
        foreach (var s in _symbols.Values)
        {
            realized += s.Realized;
            unrealized += s.Unrealized;
            gross += s.Usage.Gross;
            net += s.NetExposure;
            positions += s.Usage.Positions;
        }
        var pnl = realized + unrealized;
        var equity = _limits.Equity(pnl);
        return new AccountRiskView(
            realized, unrealized, pnl, _dayStart, _highWater, _highWater - pnl, Math.Max(0m, _dayStart - pnl),
            gross, net, positions, _day, equity);
    }

    /// <summary>
    /// HALTED past the daily-loss or drawdown limit; REDUCING past ReduceAtFraction of either, or when
    /// price moves have carried exposure past an account limit; ACTIVE otherwise.
    /// </summary>
    public RiskVerdict Assess()
    {
        var v = View();
        if (v.DailyLoss >= _limits.MaxDailyLoss)
            return new RiskVerdict(TradingState.Halted, $"daily loss {v.DailyLoss:0.##} reached the limit {_limits.MaxDailyLoss:0.##}");
        if (v.Drawdown >= _limits.MaxDrawdown)
            return new RiskVerdict(TradingState.Halted, $"drawdown {v.Drawdown:0.##} reached the limit {_limits.MaxDrawdown:0.##}");
        if (v.DailyLoss >= _limits.MaxDailyLoss * _limits.ReduceAtFraction)
            return new RiskVerdict(TradingState.Reducing, $"daily loss {v.DailyLoss:0.##} passed {_limits.ReduceAtFraction:P0} of the limit {_limits.MaxDailyLoss:0.##}");
        if (v.Drawdown >= _limits.MaxDrawdown * _limits.ReduceAtFraction)
            return new RiskVerdict(TradingState.Reducing, $"drawdown {v.Drawdown:0.##} passed {_limits.ReduceAtFraction:P0} of the limit {_limits.MaxDrawdown:0.##}");
        if (v.GrossExposure > _limits.MaxGrossExposure)
            return new RiskVerdict(TradingState.Reducing, $"gross exposure {v.GrossExposure:0.##} above the limit {_limits.MaxGrossExposure:0.##} after price moves");
        if (Math.Abs(v.NetExposure) > _limits.MaxNetExposure)
            return new RiskVerdict(TradingState.Reducing, $"net exposure {v.NetExposure:0.##} beyond the limit {_limits.MaxNetExposure:0.##} after price moves");
        return new RiskVerdict(TradingState.Active, null);
    }

    /// <summary>
    /// Symbols with a position or resting order whose market data is older than StaleDataAfter while
    /// the market is open. Staleness counts from the session open at the earliest, so the first
    /// minutes of a day are not blamed on the previous close.
    /// </summary>
    public IReadOnlyList<string> StaleSymbols(DateTime now)
    {
        if (_hours is not null && _hours.SessionOpenUtc(now) is null) return Array.Empty<string>();
        var since = _hours?.SessionOpenUtc(now) ?? DateTime.MinValue;
        var stale = new List<string>();
        foreach (var s in _symbols.Values)
        {
            if (!s.Exposed || s.LastData is not { } last) continue;
            var from = last > since ? last : since;
            if (now - from > _limits.StaleDataAfter) stale.Add(s.Symbol);
        }
        return stale;
    }

    /// <summary>Realized plus unrealized P&amp;L, net of fees, over the symbols' last reports.</summary>
    public decimal Pnl()
    {
        var pnl = 0m;
        foreach (var s in _symbols.Values) pnl += s.Realized + s.Unrealized;
        return pnl;
    }
}

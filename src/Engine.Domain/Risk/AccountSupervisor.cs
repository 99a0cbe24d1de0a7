namespace Engine.Domain.Risk;

public enum RiskCommandKind
{
    Engage,
    Reduce,
    Release,
}

/// <summary>
/// A trading-state change the supervisor asks the kill switch for. DecisionId names the decision
/// (scope, trigger and boundary), so when a replay after a restart decides it again the kill switch
/// recognises it instead of applying it twice. Trigger is the metric label of the automatic action.
/// </summary>
public sealed record RiskCommand(RiskCommandKind Kind, string Scope, string Reason, bool Flatten, string DecisionId, string Trigger);

/// <summary>What a supervisor decided at one boundary: commands for the kill switch, and each symbol's credit.</summary>
/// <param name="Equity">The account's equity at the boundary (what percent-of-equity sizing sizes on); null without funds or for a boundary not decided.</param>
public sealed record AccountDecisions(IReadOnlyList<RiskCommand> Commands, IReadOnlyDictionary<string, Credit> Allocations, decimal? Equity = null);

/// <summary>Everything a supervisor must remember across a restart, as of one boundary.</summary>
public sealed record AccountCheckpoint(
    DateTime Boundary, TrackerState Tracker, DateOnly? HaltedOn, DateOnly? ReducedOn,
    IReadOnlyList<string> StaleEngaged, IReadOnlyDictionary<string, Credit> Used, IReadOnlyDictionary<string, Credit> Allocated);

/// <summary>
/// One account's risk supervision as pure logic, driven by time-slice boundaries in market time: it
/// follows P&amp;L (realized + unrealized - fees), the trading day's start and its high-water mark,
/// drawdown and exposure from the symbols' reports; moves the account to REDUCING near its loss
/// limits (or when price moves carry exposure past a limit) and engages its kill switch at them;
/// engages a symbol's kill switch when its data goes stale while it holds a position during trading
/// hours, and a strategy's when it was stopped for failing; and re-divides the account's credit.
/// Every decision is a function of the reports and the boundary's time, so a replay decides alike.
/// </summary>
public sealed class AccountSupervisor
{
    private readonly AccountLimits _limits;
    private readonly AccountRiskTracker _tracker;
    private readonly SortedSet<string> _staleEngaged = new(StringComparer.Ordinal);
    // Usage last reported by every symbol that ever reported: quiet symbols keep what they hold.
    private readonly SortedDictionary<string, Credit> _used = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, Credit> _allocated = new SortedDictionary<string, Credit>(StringComparer.Ordinal);
    private DateOnly? _haltedOn;
    private DateOnly? _reducedOn;

    public AccountSupervisor(string account, AccountLimits limits, TradingHours? hours)
    {
        Account = account;
        _limits = limits;
        _tracker = new AccountRiskTracker(limits, hours);
    }

    public string Account { get; }

    public AccountLimits Limits => _limits;

    public AccountRiskTracker Tracker => _tracker;

    /// <summary>The last boundary decided (or restored from a checkpoint); null before any.</summary>
    public DateTime? LastBoundary { get; private set; }

    /// <summary>The credit the last boundary allocated (its waiting orders' wants included).</summary>
    public IReadOnlyDictionary<string, Credit> LastAllocations => _allocated;

    public IReadOnlyCollection<string> StaleSymbols(DateTime now) =>
        _tracker.LatestTime is { } latest ? _tracker.StaleSymbols(latest < now ? latest : now) : Array.Empty<string>();

    public AccountDecisions OnBoundary(DateTime boundary, IReadOnlyList<AccountSliceReport> reports)
    {
        LastBoundary = boundary;
        _tracker.BeginBoundary(boundary);
        var wanted = new Dictionary<string, Credit>(StringComparer.Ordinal);
        var commands = new List<RiskCommand>();
        foreach (var r in reports)
        {
            _tracker.Update(r.Risk);
            _used[r.Risk.Symbol] = r.Used;
            if (!r.Wanted.IsZero) wanted[r.Risk.Symbol] = r.Wanted;
            foreach (var strategy in r.StoppedStrategies)
            {
                var scope = RiskScope.Strategy(strategy).ToString();
                commands.Add(new RiskCommand(RiskCommandKind.Engage, scope, $"strategy kept failing on {r.Risk.Symbol}",
                    false, $"{scope} crash on {r.Risk.Symbol} at {boundary:O}", "strategy_crash"));
            }
        }
        _tracker.EndBoundary();
        ForgetExpiredMessages(boundary, reports);
        // Staleness is judged at the newest data any symbol reported, never past it.
        var now = _tracker.LatestTime is { } latest && latest < boundary ? latest : boundary;
        foreach (var (symbol, risk) in _tracker.Symbols)
        {
            if (risk.LastData is { } last && now - last <= _limits.StaleDataAfter) _staleEngaged.Remove(symbol); // data is back
        }

        var view = _tracker.View();
        var verdict = _tracker.Assess();
        var day = view.TradingDay;
        var account = RiskScope.Account(Account).ToString();
        switch (verdict.State)
        {
            // Once per trading day each: an operator's release is not fought, but tomorrow starts afresh.
            case TradingState.Halted when _haltedOn != day:
                _haltedOn = day;
                // A halt is lifted by an operator only: the new day's release of REDUCING must not lift it.
                _reducedOn = null;
                commands.Add(new RiskCommand(RiskCommandKind.Engage, account, verdict.Reason!, _limits.FlattenOnBreach,
                    $"{account} halt at {boundary:O}",
                    verdict.Reason!.StartsWith("daily", StringComparison.Ordinal) ? "daily_loss" : "drawdown"));
                break;
            case TradingState.Reducing when _reducedOn != day && _haltedOn != day:
                _reducedOn = day;
                commands.Add(new RiskCommand(RiskCommandKind.Reduce, account, verdict.Reason!, false,
                    $"{account} reduce at {boundary:O}",
                    verdict.Reason!.Contains("exposure", StringComparison.Ordinal) ? "exposure" : "loss_warning"));
                break;
            case TradingState.Active when _reducedOn is { } on && day > on && _haltedOn != day:
                // The supervisor lifts only what it set, and only on a new trading day.
                _reducedOn = null;
                commands.Add(new RiskCommand(RiskCommandKind.Release, account, "new trading day", false,
                    $"{account} release at {boundary:O}", "new_day"));
                break;
        }

        foreach (var symbol in _tracker.StaleSymbols(now))
        {
            if (!_staleEngaged.Add(symbol)) continue;
            var last = _tracker.Symbols[symbol].LastData;
            var scope = RiskScope.Symbol(symbol).ToString();
            commands.Add(new RiskCommand(RiskCommandKind.Engage, scope,
                $"stale market data: none since {last:yyyy-MM-dd HH:mm:ss}Z, market time {now:yyyy-MM-dd HH:mm:ss}Z",
                false, $"{scope} stale at {boundary:O}", "stale_data"));
        }
        _allocated = Allocate(wanted);
        return new AccountDecisions(commands, _allocated, Equity);
    }

    /// <summary>
    /// A symbol that has not reported for a whole rate window has no order or message left in it:
    /// its counts stop holding the account's quotas (its exposure, which changes only with its own
    /// events, stays as reported).
    /// </summary>
    private void ForgetExpiredMessages(DateTime boundary, IReadOnlyList<AccountSliceReport> reports)
    {
        foreach (var (symbol, risk) in _tracker.Symbols)
        {
            if (boundary - risk.Time < _limits.RateWindow || !_used.TryGetValue(symbol, out var used)) continue;
            if (reports.Any(r => r.Risk.Symbol == symbol)) continue; // reported now: its counts are current
            if (used.Orders != 0 || used.Messages != 0) _used[symbol] = used with { Orders = 0, Messages = 0 };
        }
    }

    /// <summary>Starting cash plus the P&amp;L (net of fees) of the last reports; null without funds.</summary>
    public decimal? Equity => _limits.Equity(_tracker.Pnl());

    /// <summary>Every known symbol's credit, from what each uses and what its waiting orders need.</summary>
    public IReadOnlyDictionary<string, Credit> Allocate(IReadOnlyDictionary<string, Credit> wanted)
    {
        var demands = _used.Select(kv => new CreditDemand(kv.Key, kv.Value, wanted.GetValueOrDefault(kv.Key))).ToArray();
        var credits = AccountAllocator.Allocate(_limits, demands, _tracker.Pnl());
        var result = new SortedDictionary<string, Credit>(StringComparer.Ordinal);
        for (var i = 0; i < demands.Length; i++) result[demands[i].Symbol] = credits[i];
        return result;
    }

    public AccountCheckpoint Save() => new(
        LastBoundary ?? DateTime.MinValue, _tracker.Save(), _haltedOn, _reducedOn, _staleEngaged.ToArray(),
        new SortedDictionary<string, Credit>(_used, StringComparer.Ordinal), _allocated);

    public void Restore(AccountCheckpoint checkpoint)
    {
        LastBoundary = checkpoint.Boundary == DateTime.MinValue ? null : checkpoint.Boundary;
        _tracker.Restore(checkpoint.Tracker);
        _haltedOn = checkpoint.HaltedOn;
        _reducedOn = checkpoint.ReducedOn;
        _staleEngaged.Clear();
        foreach (var s in checkpoint.StaleEngaged) _staleEngaged.Add(s);
        _used.Clear();
        foreach (var (k, v) in checkpoint.Used) _used[k] = v;
        _allocated = new SortedDictionary<string, Credit>(checkpoint.Allocated.ToDictionary(), StringComparer.Ordinal);
    }
}

/// <summary>
/// What one symbol reports to one account's supervisor at a time-slice boundary: its P&amp;L and
/// exposure, the credit it uses and what its waiting orders need, and strategies that stopped.
/// </summary>
public sealed record AccountSliceReport(
    string Account, SymbolRisk Risk, Credit Used, Credit Wanted, IReadOnlyList<string> StoppedStrategies);

using Akka.Actor;
using Akka.Event;
using Engine.Actors.Metrics;
using Engine.Domain.Risk;
using Engine.Domain.Time;

namespace Engine.Actors.Risk;

/// <summary>Messages to an account's risk supervisor; the parent routes them by Account.</summary>
public interface IWithAccount
{
    string Account { get; }
}

/// <summary>
/// One account's risk supervisor, off the hot path. It lends each symbol a share of the account's
/// limits (the exposure budget, see AccountBudgetPool for the invariant), so symbols never ask it
/// before an order. It follows P&amp;L and exposure from the symbols' batched reports and moves the
/// account to REDUCING, or engages its kill switch, when the loss limits are breached; and it
/// engages a symbol's kill switch when that symbol's market data goes stale while it holds a
/// position during trading hours. Every change goes through the kill switch, which audits it.
/// </summary>
public sealed class RiskSupervisor : ReceiveActor, IWithTimers
{
    /// <summary>A symbol (re)started: answered with its first BudgetGranted. Incarnation is new at every start.</summary>
    public sealed record RegisterSymbol(string Account, string Symbol, Usage Usage, long Incarnation) : IWithAccount;

    public sealed record RequestBudget(string Account, string Symbol, Credit Wanted, long Incarnation) : IWithAccount;

    /// <summary>Credit the symbol has already stopped counting on.</summary>
    public sealed record ReturnBudget(string Account, string Symbol, Credit Returned, long Incarnation) : IWithAccount;

    /// <summary>Initial: the answer to RegisterSymbol, which replaces whatever the symbol held.</summary>
    public sealed record BudgetGranted(string Account, Credit Grant, bool Initial, long Incarnation);

    /// <summary>A symbol's P&amp;L, exposure and data time for this account, sent when they change (at most once per market event).</summary>
    public sealed record SymbolRiskUpdate(string Account, SymbolRisk Risk) : IWithAccount;

    public sealed record GetAccountRisk(string Account) : IWithAccount;

    public sealed record AccountRiskReport(
        string Account, AccountRiskView View, RiskVerdict Verdict, Credit Allocated, Credit Available,
        IReadOnlyList<string> StaleSymbols);

    private sealed record Check;

    private readonly string _account;
    private readonly AccountLimits _limits;
    private readonly IActorRef _killSwitch;
    private readonly EngineClock _clock;
    private readonly AccountBudgetPool _pool;
    private readonly AccountRiskTracker _tracker;
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _staleEngaged = new(StringComparer.Ordinal);
    private DateOnly? _haltedOn;
    private DateOnly? _reducedOn;

    public RiskSupervisor(string account, AccountLimits limits, TradingHours? hours, IActorRef killSwitch, EngineClock clock, TimeSpan checkInterval)
    {
        _account = account;
        _limits = limits;
        _killSwitch = killSwitch;
        _clock = clock;
        _pool = new AccountBudgetPool(limits);
        _tracker = new AccountRiskTracker(limits, hours);

        Receive<RegisterSymbol>(r => Sender.Tell(
            new BudgetGranted(_account, _pool.Register(r.Symbol, r.Usage, r.Incarnation), Initial: true, r.Incarnation)));
        Receive<RequestBudget>(r => Sender.Tell(
            new BudgetGranted(_account, _pool.Grant(r.Symbol, r.Wanted, r.Incarnation), Initial: false, r.Incarnation)));
        Receive<ReturnBudget>(r => _pool.Return(r.Symbol, r.Returned, r.Incarnation));
        Receive<SymbolRiskUpdate>(Handle);
        Receive<GetAccountRisk>(_ => Sender.Tell(Report()));
        Receive<Check>(_ => CheckStaleData());
        // Answers of the kill switch to this supervisor's own commands.
        Receive<KillSwitchActor.Acknowledged>(_ => { });
        Receive<KillSwitchActor.Refused>(r => _log.Warning("account {0}: kill switch refused: {1}", _account, r.Why));

        Timers.StartPeriodicTimer("check", new Check(), checkInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string account, AccountLimits limits, TradingHours? hours, IActorRef killSwitch, EngineClock clock, TimeSpan checkInterval) =>
        Akka.Actor.Props.Create(() => new RiskSupervisor(account, limits, hours, killSwitch, clock, checkInterval));

    private string Scope => RiskScope.Account(_account).ToString();

    private void Handle(SymbolRiskUpdate u)
    {
        _tracker.Update(u.Risk);
        if (u.Risk.LastData is { } last && _staleEngaged.Contains(u.Risk.Symbol) && _clock.UtcNow - last <= _limits.StaleDataAfter)
            _staleEngaged.Remove(u.Risk.Symbol); // data is back; a new gap is a new engagement
        var view = _tracker.View();
        _counters.Account(_account, view);
        var verdict = _tracker.Assess();
        var day = view.TradingDay;
        switch (verdict.State)
        {
            // Once per trading day each: an operator's release is not fought, but tomorrow starts afresh.
            case TradingState.Halted when _haltedOn != day:
                _haltedOn = day;
                _counters.Automatic(verdict.Reason!.StartsWith("daily", StringComparison.Ordinal) ? "daily_loss" : "drawdown");
                _log.Error("account {0}: {1}; engaging its kill switch", _account, verdict.Reason);
                _killSwitch.Tell(new KillSwitchActor.Engage(Scope, verdict.Reason!, "risk-supervisor", _limits.FlattenOnBreach));
                break;
            case TradingState.Reducing when _reducedOn != day && _haltedOn != day:
                _reducedOn = day;
                _counters.Automatic(verdict.Reason!.Contains("exposure", StringComparison.Ordinal) ? "exposure" : "loss_warning");
                _log.Warning("account {0}: {1}; REDUCING", _account, verdict.Reason);
                _killSwitch.Tell(new KillSwitchActor.Reduce(Scope, verdict.Reason!, "risk-supervisor"));
                break;
            case TradingState.Active when _reducedOn is { } on && day > on && _haltedOn != day:
                // The supervisor lifts only what it set, and only on a new trading day.
                _reducedOn = null;
                _killSwitch.Tell(new KillSwitchActor.Release(Scope, "risk-supervisor", "new trading day"));
                break;
        }
    }

    /// <summary>
    /// Staleness is judged against the engine clock, but never past the newest data the account's
    /// symbols have reported: a backtest then decides it from the data alone (not from how far the
    /// feed has read ahead), and a gap every symbol shares is not blamed on one of them.
    /// </summary>
    private void CheckStaleData()
    {
        if (_tracker.LatestTime is not { } latest) return;
        var clock = _clock.UtcNow;
        var now = clock < latest ? clock : latest;
        foreach (var symbol in _tracker.StaleSymbols(now))
        {
            if (!_staleEngaged.Add(symbol)) continue;
            var last = _tracker.Symbols[symbol].LastData;
            var reason = $"stale market data: none since {last:yyyy-MM-dd HH:mm:ss}Z, engine clock {now:yyyy-MM-dd HH:mm:ss}Z";
            _counters.Automatic("stale_data");
            _log.Error("account {0}: {1} for {2}; engaging its kill switch", _account, reason, symbol);
            _killSwitch.Tell(new KillSwitchActor.Engage(RiskScope.Symbol(symbol).ToString(), reason, "risk-supervisor"));
        }
    }

    private AccountRiskReport Report() => new(
        _account, _tracker.View(), _tracker.Assess(), _pool.Allocated, _pool.Available,
        _tracker.LatestTime is { } latest ? _tracker.StaleSymbols(latest < _clock.UtcNow ? latest : _clock.UtcNow) : Array.Empty<string>());
}

/// <summary>
/// /user/engine/risk: one RiskSupervisor per configured account. A supervisor that fails is not
/// restarted in place: a fresh one would not know the credit symbols hold and could lend it twice.
/// Instead the engine's kill switch is engaged; symbols keep only the credit they already hold,
/// and a process restart rebuilds the budgets from the symbols' journaled positions.
/// </summary>
public sealed class RiskSupervisors : ReceiveActor
{
    private readonly IActorRef _killSwitch;

    public RiskSupervisors(IReadOnlyDictionary<string, AccountLimits> accounts, TradingHours? hours, IActorRef killSwitch, EngineClock clock, TimeSpan checkInterval)
    {
        _killSwitch = killSwitch;
        foreach (var (id, limits) in accounts)
            Context.ActorOf(RiskSupervisor.Props(id, limits, hours, killSwitch, clock, checkInterval), id);

        Receive<IWithAccount>(m =>
        {
            var child = Context.Child(m.Account);
            if (child.IsNobody())
            {
                Context.GetLogger().Error("no risk supervisor for account '{0}' (dropped {1})", m.Account, m.GetType().Name);
                return;
            }
            child.Forward(m);
        });
    }

    public static Props Props(IReadOnlyDictionary<string, AccountLimits> accounts, TradingHours? hours, IActorRef killSwitch, EngineClock clock, TimeSpan checkInterval) =>
        Akka.Actor.Props.Create(() => new RiskSupervisors(accounts, hours, killSwitch, clock, checkInterval));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(ex =>
    {
        EngineCounters.For(Context.System).Automatic("engine_failure");
        _killSwitch.Tell(new KillSwitchActor.Engage("engine", $"risk supervisor failed: {ex.GetType().Name}: {ex.Message}", "engine-guardian"));
        return Directive.Stop;
    }));
}

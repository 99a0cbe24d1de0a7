using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Trading;

namespace Engine.Domain.Symbols;

/// <summary>One strategy instance trading this symbol, with the limits that apply to it here.</summary>
public sealed record StrategySlotConfig(string Id, string Account, OrderSizing Sizing, RiskLimits Limits);

/// <summary>What the symbol core needs from the engine's settings.</summary>
/// <param name="KeepMessages">How long a sent order or cancel can still matter to a rate window or the duplicate guard.</param>
public sealed record SymbolCoreSettings(
    VenueSettings Venue, TimeSpan BarPeriod, decimal FlattenOffsetBps, TimeSpan KeepMessages,
    IReadOnlyDictionary<string, AccountLimits> Accounts);

/// <summary>A bar completed by the market event at EventIndex of a batch.</summary>
public readonly record struct BarAt(int EventIndex, TradeBar Bar);

public sealed record StrategyPositionReport(
    string StrategyId, decimal Quantity, decimal AverageCost, decimal RealizedPnl, decimal UnrealizedPnl,
    decimal Fees, long OrdersAccepted, long Fills, long Cancels,
    IReadOnlyDictionary<OrderRejectReason, long> Rejections, bool Stopped,
    string Account = "", TradingState State = TradingState.Active, long Deferrals = 0, bool Paused = false);

/// <summary>What a pause or resume did: Changed false when it was so already; Refused says why nothing was done.</summary>
public readonly record struct PauseResult(bool Changed, string? Refused);

public sealed record SymbolReport(
    string Symbol, decimal? LastPrice, long Watermark, int OpenOrders,
    IReadOnlyList<StrategyPositionReport> Strategies, bool KillSwitchEngaged);

/// <summary>
/// Everything one symbol decides, as pure logic (LMAX's business-logic processor; the matching
/// engine of Petabridge's Akka.CQRS sample): bars, the paper venue's matching, the pre-trade gate
/// and the account credit, orders from strategy targets, flatten, positions and P&amp;L.
///
/// It takes market events in feed order, in batches, and appends to an output list the events to
/// journal. Each decided event is applied at once through <see cref="Apply"/>, the same function
/// recovery uses, so later decisions in the batch see it; the caller journals the output before it
/// acknowledges or reports anything, and if the write fails the core is discarded and rebuilt from
/// the journal.
///
/// A replay (after a restart the feed is read again from its start) takes the journal as its
/// oracle: events up to the journal's end only rebuild market and strategy state, and the journaled
/// events are applied at the step they were caused at (after the market event they name, or at the
/// boundary after it), so the state at every step of the feed, and every report, equals the
/// original run's. Kill-switch changes are applied where the journal says they were
/// (TradingStateApplied), never by their points, until the journal's end; from there on a change
/// is applied before the first step after its point, one change at a time, which is where the
/// original run applied it too. Decisions resume where the journal ends.
/// </summary>
public sealed class SymbolCore
{
    private sealed class Slot(StrategySlotConfig config, int index, int account)
    {
        public StrategySlotConfig Config { get; } = config;
        public int Index { get; } = index;
        public int Account { get; } = account;
        public string Id => Config.Id;
        public decimal Target { get; set; }
        public decimal? Deferred { get; set; }
        public bool Stopped { get; set; }
        public ScopeChange? Governing { get; set; }
        public TradingState State => Governing?.State ?? TradingState.Active;
        public bool Flattening => Governing is { State: TradingState.Halted, Flatten: true };
    }

    private sealed class AccountSlot(string id, AccountLimits limits, int[] slots)
    {
        public string Id { get; } = id;
        public AccountLimits Limits { get; } = limits;
        public int[] Slots { get; } = slots;
        public Credit Held { get; set; }
        // As of the last boundary (starting cash before the first); what percent-of-equity sizing sizes on.
        public decimal Equity { get; set; } = limits.Funds?.StartingCash ?? 0m;
    }

    private static readonly ScopeChange Unavailable = new(0, "engine", TradingState.Halted, false,
        "kill switch unavailable: no order is accepted until it is back", "engine", DateTime.MinValue, 0);

    private readonly SymbolCoreSettings _settings;
    private readonly Slot[] _slots;
    private readonly AccountSlot[] _accounts;
    private readonly Dictionary<string, int> _slotById = new(StringComparer.Ordinal);
    private readonly BarBuilder _bars;
    private readonly TradingStateBook _states = new();
    private readonly Queue<ISymbolEvent> _oracle = new();
    private readonly List<string> _stoppedSinceReport = new();
    private readonly List<string> _orderIds = new();
    private readonly Leg[] _legs;
    private SymbolState _state;
    // The step of the journal's end: steps up to it are replayed, not decided.
    private long _replayUntil;
    // The step this core has reached (FeedStep).
    private long _step;
    // Set at a boundary: the first event caused there is preceded by BoundaryPassed.
    private bool _boundaryMarkerDue;
    private bool _killSwitchAvailable = true;
    private decimal? _lastPrice;
    private bool _sawTrades;
    // The last event was a daily bar: orders decided now are for the next session (see RiskContext.ForNextSession).
    private bool _afterSessionBar;
    private DateTime _now;
    private DateTime? _lastData;

    public SymbolCore(string symbol, SymbolCoreSettings settings, IReadOnlyList<StrategySlotConfig> strategies)
    {
        Symbol = symbol;
        _settings = settings;
        _state = new SymbolState(symbol);
        _bars = new BarBuilder(symbol, settings.BarPeriod);
        var accountIds = strategies.Select(s => s.Account).Distinct().OrderBy(a => a, StringComparer.Ordinal).ToArray();
        _slots = new Slot[strategies.Count];
        for (var i = 0; i < strategies.Count; i++)
        {
            _slots[i] = new Slot(strategies[i], i, Array.IndexOf(accountIds, strategies[i].Account));
            _slotById[strategies[i].Id] = i;
        }
        _accounts = accountIds
            .Select((a, i) => new AccountSlot(a, settings.Accounts[a], _slots.Where(s => s.Account == i).Select(s => s.Index).ToArray()))
            .ToArray();
        _legs = new Leg[_slots.Length];
    }

    public string Symbol { get; }

    public SymbolState State => _state;

    /// <summary>The last market event processed (its feed sequence number); 0 before any.</summary>
    public long Position { get; private set; }

    public decimal? LastPrice => _lastPrice;

    public IReadOnlyList<string> Accounts => _accounts.Select(a => a.Id).ToArray();

    public IReadOnlyList<StrategySlotConfig> Strategies => _slots.Select(s => s.Config).ToArray();

    /// <summary>The epoch of the last trading-state change applied.</summary>
    public long AppliedEpoch => _states.AppliedEpoch;

    /// <summary>True while the journal still knows more than this core has processed.</summary>
    public bool Replaying => !LiveBetweenSteps;

    // ---- recovery ----

    /// <summary>Starts from a snapshot instead of an empty state.</summary>
    public void Restore(SymbolSnapshot snapshot)
    {
        _state = SymbolState.FromSnapshot(snapshot);
        foreach (var slot in _slots) slot.Stopped = _state.StoppedStrategies.Contains(slot.Id);
    }

    /// <summary>A journaled event read back after the snapshot: kept, and applied when the replay reaches it.</summary>
    public void Recovered(ISymbolEvent e) => _oracle.Enqueue(e);

    /// <summary>Recovery is done: the feed up to the journal's end is a replay.</summary>
    public void RecoveryCompleted()
    {
        _replayUntil = _state.Step;
        foreach (var e in _oracle) _replayUntil = Math.Max(_replayUntil, FeedStep.Of(e));
    }

    /// <summary>
    /// The one function that turns a journaled event into state: used for what this core decides,
    /// for the journal's events during a replay, and by nobody else.
    /// </summary>
    public void Apply(ISymbolEvent e)
    {
        _state.Apply(e, _settings.KeepMessages);
        switch (e)
        {
            case OrderDeferred d when SlotOf(d.StrategyId) is { } deferred:
                deferred.Deferred = d.Target;
                break;
            case OrderAccepted a when SlotOf(a.Order.StrategyId) is { } accepted:
                accepted.Deferred = null;
                break;
            case OrderRejected r when SlotOf(r.StrategyId) is { } rejected:
                rejected.Deferred = null;
                break;
            case StrategyPauseChanged { Paused: true } p when SlotOf(p.StrategyId) is { } paused:
                paused.Deferred = null;
                break;
            case StrategyStopped s when SlotOf(s.StrategyId) is { } stopped:
                stopped.Stopped = true;
                stopped.Deferred = null;
                _stoppedSinceReport.Add(s.StrategyId);
                break;
            case TradingStateApplied t:
                _states.ApplyThrough(t.Epoch);
                Regovern();
                break;
        }
    }

    // ---- trading states ----

    /// <summary>
    /// A trading-state change the kill switch has just published: it takes effect at once. The kill
    /// switch publishes a change only once every step up to its point is done everywhere (the feeds
    /// pause for an operator's change; a boundary's decisions come after every report), so this is
    /// the symbol's last step at or before the point, where a replay applies it too. (During a replay
    /// it waits like a change of the history.)
    /// </summary>
    public void OnStateChange(ScopeChange change, List<ISymbolEvent> output)
    {
        if (Learn(change))
        {
            if (LiveBetweenSteps) ApplyStates(long.MaxValue, output);
        }
        else if (LiveBetweenSteps && change.Epoch > _states.AppliedEpoch)
        {
            // Known from the history but still waiting for its point, and arriving again past the
            // journal's end: its arrival is where the original run applied it. Waiting for the point
            // would put it after whatever came between (the kill switch going away), and decide its
            // effects (a flatten retried) under other trading states.
            ApplyStates(long.MaxValue, output, change.Epoch);
        }
    }

    /// <summary>
    /// The kill switch's history, on subscribing (at start, or after it restarted): a change takes
    /// effect where the journal says it did, else before the first step after its point (at once if
    /// that step is past).
    /// </summary>
    public void OnStateHistory(IReadOnlyList<ScopeChange> changes, List<ISymbolEvent> output)
    {
        foreach (var change in changes) Learn(change);
        if (LiveBetweenSteps) ApplyStates(_step + 1, output);
    }

    /// <summary>Adds a change to the book; false if it was known. One applied before the snapshot this core started from is applied now, silently.</summary>
    private bool Learn(ScopeChange change)
    {
        if (!_states.Add(change)) return false;
        if (change.Epoch > _state.AppliedEpoch) return true;
        _states.ApplyThrough(_state.AppliedEpoch);
        Regovern();
        return false;
    }

    /// <summary>While the kill switch is unknown (restarting, its journal failing) no order is accepted.</summary>
    public void SetKillSwitchAvailable(bool available, List<ISymbolEvent> output)
    {
        if (_killSwitchAvailable == available) return;
        _killSwitchAvailable = available;
        Regovern();
        if (LiveBetweenSteps) DecideOnStates(output);
    }

    /// <summary>
    /// Every waiting change that governs nextStep takes effect, one at a time and each journaled,
    /// with what it causes decided right after it: two changes with the same point have the same
    /// effect whether they arrived together or one by one.
    /// </summary>
    private void ApplyStates(long nextStep, List<ISymbolEvent> output, long throughEpoch = long.MaxValue)
    {
        while (_states.NextPending is { } change && change.Point < nextStep && change.Epoch <= throughEpoch)
        {
            Emit(new TradingStateApplied(change.Epoch, CurrentSeq), output);
            DecideOnStates(output);
        }
    }

    private void Regovern()
    {
        foreach (var slot in _slots)
            slot.Governing = _killSwitchAvailable ? _states.Governing(slot.Config.Account, slot.Id, Symbol) : Unavailable;
    }

    /// <summary>What the trading states now in force require: cancels of what they forbid, and flatten orders.</summary>
    private void DecideOnStates(List<ISymbolEvent> output)
    {
        var seq = CurrentSeq;
        foreach (var order in _state.OpenOrders.ToArray())
        {
            if (SlotOf(order.StrategyId) is not { } slot) continue;
            // Not ACTIVE: the strategy's own orders go (unless the halt keeps them). A flatten's orders go once its halt is lifted.
            var cancel = order.Flatten ? !slot.Flattening : slot.State != TradingState.Active && slot.Governing is not { KeepOrders: true };
            if (cancel) Emit(new OrderCancelled(order.OrderId, CancelReason(slot), _now, seq), output);
        }
        foreach (var slot in _slots)
        {
            if (slot.Flattening) TryFlatten(slot, seq, output);
        }
    }

    private static string CancelReason(Slot slot) => slot.Governing switch
    {
        { State: TradingState.Halted } g => $"kill switch ({g.Scope}): {g.Reason}",
        { State: TradingState.Reducing } g => $"reducing ({g.Scope}): {g.Reason}",
        _ => "flatten no longer requested",
    };

    // ---- a batch of market events ----

    /// <summary>
    /// First pass over a batch: the bars it completes (bars depend on market data alone), so the
    /// strategies can decide on all of them in one exchange before the batch is processed.
    /// </summary>
    public void CollectBars(IReadOnlyList<SequencedEvent> batch, List<BarAt> bars)
    {
        bars.Clear();
        var position = Position;
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            if (e.Sequence <= position) continue;
            position = e.Sequence;
            if (_bars.On(e.Event) is { } bar) bars.Add(new BarAt(i, bar));
        }
    }

    /// <summary>
    /// Second pass: every event in order. Open orders are matched against it, then the strategies'
    /// outcomes for the bar it completed (if any) become orders. outcomes[slot][k] is the outcome of
    /// slot's strategy for bars[k]; a null array means the strategy gives none (stopped).
    /// </summary>
    public void Process(
        IReadOnlyList<SequencedEvent> batch, IReadOnlyList<BarAt> bars, IReadOnlyList<StrategyOutcome[]?>? outcomes,
        List<ISymbolEvent> output)
    {
        var next = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var (seq, e) = (batch[i].Sequence, batch[i].Event);
            if (seq <= Position) continue; // redelivered: already processed
            var step = FeedStep.At(seq);
            DrainOracle(seq - 1, throughBoundary: true);
            if (LiveBetweenSteps) ApplyStates(step, output);
            Position = seq;
            _step = step;
            _boundaryMarkerDue = false;
            _now = e.Time;
            _lastData = e.Time;
            _lastPrice = e switch
            {
                TradeTick t => t.Price,
                TradeBar b => b.Close,
                QuoteTick q when _lastPrice is null || !_sawTrades => q.Mid,
                _ => _lastPrice,
            };
            if (e is TradeTick or TradeBar) _sawTrades = true;
            _afterSessionBar = e is TradeBar { Period.TotalDays: >= 1 };

            var live = step > _replayUntil && _oracle.Count == 0;
            if (live) Match(e, seq, output);
            if (next < bars.Count && bars[next].EventIndex == i)
            {
                OnBar(bars[next].Bar, next, outcomes, seq, live, output);
                next++;
            }
            if (!live) DrainOracle(seq, throughBoundary: false);
        }
    }

    /// <summary>
    /// Applies the journal's events up to FeedSeq upTo; without throughBoundary it stops at a
    /// BoundaryPassed, whose events belong to the boundary after upTo.
    /// </summary>
    private void DrainOracle(long upTo, bool throughBoundary)
    {
        while (_oracle.Count > 0 && _oracle.Peek() is var next && next.FeedSeq <= upTo && (throughBoundary || next is not BoundaryPassed))
            Apply(_oracle.Dequeue());
    }

    /// <summary>Between steps: true once the journal's end is behind this core, so what happens now is decided, not replayed.</summary>
    private bool LiveBetweenSteps => _oracle.Count == 0 && _step >= _replayUntil;

    /// <summary>The FeedSeq of what is decided now: the market event of the step reached (the slice's last, at a boundary).</summary>
    private long CurrentSeq => FeedStep.SequenceOf(_step);

    private void Match(MarketEvent e, long seq, List<ISymbolEvent> output)
    {
        var open = _state.OpenOrders;
        if (open.Count == 0) return;
        // Fills remove orders from the list: decide on a copy of the ids first, in acceptance order.
        List<Fill>? fills = null;
        foreach (var order in open)
        {
            if (PaperVenue.TryFill(order, e, seq, _settings.Venue) is { } fill) (fills ??= new List<Fill>()).Add(fill);
        }
        if (fills is null) return;
        foreach (var fill in fills) Emit(new OrderFilled(fill), output);
    }

    private void OnBar(TradeBar bar, int k, IReadOnlyList<StrategyOutcome[]?>? outcomes, long seq, bool live, List<ISymbolEvent> output)
    {
        if (outcomes is not null)
        {
            foreach (var slot in _slots)
            {
                if (slot.Index >= outcomes.Count || outcomes[slot.Index] is not { } decided) continue;
                var outcome = decided[k];
                switch (outcome.Kind)
                {
                    case StrategyOutcomeKind.Stopped when !slot.Stopped && live:
                        Emit(new StrategyStopped(slot.Id, outcome.Reason ?? "stopped", bar.Time, seq), output);
                        break;
                    case StrategyOutcomeKind.Target when !slot.Stopped:
                        var target = !slot.Config.Sizing.AllowShort && outcome.Target < 0m ? 0m : outcome.Target;
                        if (target == slot.Target) break;
                        slot.Target = target;
                        slot.Deferred = null;
                        // A paused strategy's target is followed, not traded (until it is resumed).
                        if (live && !_state.PausedStrategies.Contains(slot.Id)) TradeToTarget(slot, seq, allowDefer: true, output);
                        break;
                }
            }
        }
        // A flatten whose order was refused (rate, collar, hours) is retried once per bar.
        if (!live) return;
        foreach (var slot in _slots)
        {
            if (slot.Flattening) TryFlatten(slot, seq, output);
        }
    }

    // ---- an operator's pause ----

    /// <summary>
    /// Pauses or resumes a strategy here, between steps (at the step this core has reached, where a
    /// replay applies it too). Pausing cancels the strategy's resting orders (not a flatten's) and
    /// keeps its later targets from becoming orders; resuming trades to its current target at once.
    /// Refused while the journal still knows more than this core has processed: the journal's later
    /// events were decided without it.
    /// </summary>
    public PauseResult SetPaused(string strategyId, bool paused, string by, string reason, List<ISymbolEvent> output)
    {
        if (SlotOf(strategyId) is not { } slot) return new PauseResult(false, $"{Symbol} has no strategy '{strategyId}'");
        if (!LiveBetweenSteps) return new PauseResult(false, $"{Symbol} is replaying its journal (up to feed event {FeedStep.SequenceOf(_replayUntil)}); try again once it has caught up");
        if (_state.PausedStrategies.Contains(strategyId) == paused) return new PauseResult(false, null);
        var seq = CurrentSeq;
        Emit(new StrategyPauseChanged(strategyId, paused, by, reason, _now, seq), output);
        if (paused)
        {
            _orderIds.Clear();
            foreach (var order in _state.OpenOrders)
            {
                if (order.StrategyId == strategyId && !order.Flatten) _orderIds.Add(order.OrderId);
            }
            foreach (var id in _orderIds) Emit(new OrderCancelled(id, $"strategy paused by {by}: {reason}", _now, seq), output);
        }
        else if (!slot.Stopped)
        {
            TradeToTarget(slot, seq, allowDefer: true, output);
        }
        return new PauseResult(true, null);
    }

    // ---- orders ----

    /// <summary>Cancel the strategy's resting orders, then trade the difference to its target.</summary>
    private void TradeToTarget(Slot slot, long seq, bool allowDefer, List<ISymbolEvent> output)
    {
        // A halted strategy's wish is refused, and its resting orders (a flatten's) are left alone.
        if (slot.State != TradingState.Halted)
        {
            _orderIds.Clear();
            foreach (var order in _state.OpenOrders)
            {
                if (order.StrategyId == slot.Id) _orderIds.Add(order.OrderId);
            }
            foreach (var id in _orderIds) Emit(new OrderCancelled(id, "replaced by new target", _now, seq), output);
        }
        if (IntentFor(slot) is { } intent) Submit(slot, intent, flatten: false, seq, allowDefer, output);
    }

    private OrderIntent? IntentFor(Slot slot)
    {
        var sizing = slot.Config.Sizing;
        var full = sizing.FullSize(_lastPrice ?? 0m, _accounts[slot.Account].Equity);
        var delta = slot.Target * full - _state.LegOf(slot.Id).Position;
        if (delta == 0m) return null;
        var side = delta > 0 ? Side.Buy : Side.Sell;
        decimal? limit = null;
        if (sizing.OrderType == OrderType.Limit && _lastPrice is { } px)
        {
            // A limit placed inside the last price by the offset: buys below, sells above.
            limit = RoundToIncrement(px * (1m - side.Sign() * sizing.LimitOffsetBps / 10_000m));
        }
        var type = sizing.OrderType == OrderType.Limit ? OrderType.Limit : OrderType.Market;
        return new OrderIntent(slot.Id, Symbol, side, Math.Abs(delta), type, limit);
    }

    /// <summary>A reduce-only limit order closing the strategy's position, marketable by flatten-offset-bps.</summary>
    private void TryFlatten(Slot slot, long seq, List<ISymbolEvent> output)
    {
        var leg = _state.LegOf(slot.Id);
        if (leg.Position == 0m || leg.OpenBuy > 0m || leg.OpenSell > 0m) return;
        var side = leg.Position > 0m ? Side.Sell : Side.Buy;
        decimal? limit = _lastPrice is { } px
            ? RoundToIncrement(px * (1m + side.Sign() * _settings.FlattenOffsetBps / 10_000m))
            : null;
        var intent = new OrderIntent(slot.Id, Symbol, side, Math.Abs(leg.Position), OrderType.Limit, limit);
        Submit(slot, intent, flatten: true, seq, allowDefer: false, output);
    }

    /// <summary>
    /// The local gate, then the account credit. An order that passes the gate but lacks credit waits
    /// for the next boundary (deferred) when allowed; everything else is accepted or rejected with
    /// its reason, and all of it is journaled.
    /// </summary>
    private void Submit(Slot slot, OrderIntent intent, bool flatten, long seq, bool allowDefer, List<ISymbolEvent> output)
    {
        var leg = _state.LegOf(slot.Id);
        decimal symbolPosition = 0m, symbolBuy = 0m, symbolSell = 0m;
        foreach (var s in _slots)
        {
            var l = _state.LegOf(s.Id);
            symbolPosition += l.Position;
            symbolBuy += l.OpenBuy;
            symbolSell += l.OpenSell;
        }
        var ctx = new RiskContext(
            slot.State, slot.Stopped, flatten, _lastPrice, leg.Position, symbolPosition,
            _state.OpenOrderCount(slot.Id), _state.RecentMessages(slot.Id), _now,
            leg.OpenBuy, leg.OpenSell, symbolBuy, symbolSell, _afterSessionBar);
        var reason = RiskGate.Check(intent, ctx, slot.Config.Limits);
        if (reason is null && _lastPrice is { } price)
        {
            var account = _accounts[slot.Account];
            var before = UsageOf(account, price, null, null);
            var after = UsageOf(account, price, slot, intent);
            var (orders, messages) = AccountMessages(account, _now);
            // Never deferred: no credit at a boundary lets a cash account sell what it does not hold.
            if (account.Limits.Funds is { Type: AccountType.Cash } && after.Short > before.Short)
                reason = OrderRejectReason.CashAccountShort;
            else if (SymbolCredit.Check(account.Held, before, after, orders, messages) is { } lacking)
            {
                if (allowDefer)
                {
                    Emit(new OrderDeferred(slot.Id, slot.Target, intent.Side, intent.Quantity, intent.Type, intent.LimitPrice,
                        lacking, _now, seq), output);
                    return;
                }
                reason = lacking;
            }
        }
        if (reason is { } r)
        {
            Emit(new OrderRejected(slot.Id, intent.Side, intent.Quantity, intent.Type, intent.LimitPrice, r, _now, seq), output);
            return;
        }
        Emit(new OrderAccepted(new Order(
            _state.NextOrderId(), slot.Id, Symbol, intent.Side, intent.Quantity, intent.Type, intent.LimitPrice, _now, seq, flatten)), output);
    }

    private void Emit(ISymbolEvent e, List<ISymbolEvent> output)
    {
        if (_boundaryMarkerDue)
        {
            _boundaryMarkerDue = false;
            var marker = new BoundaryPassed(CurrentSeq);
            Apply(marker);
            output.Add(marker);
        }
        Apply(e);
        output.Add(e);
    }

    // ---- time-slice boundaries ----

    /// <summary>
    /// The slice whose last market event is lastSeq ends at sliceEnd: what this symbol reports to each
    /// of its accounts' supervisors. Rate counts are as of the slice's end, which is never before any
    /// message they count. From here on the symbol is at the boundary: what it decides before the
    /// boundary's credit arrives (the supervisors' decisions) is the boundary's.
    /// </summary>
    public IReadOnlyList<AccountSliceReport> Report(long lastSeq, DateTime sliceEnd)
    {
        var reports = Report(sliceEnd);
        var step = FeedStep.AtBoundary(lastSeq);
        if (step > _step)
        {
            _boundaryMarkerDue = step > _replayUntil && _oracle.Count == 0;
            _step = step;
        }
        return reports;
    }

    /// <summary>What the symbol would report at sliceEnd, without reaching a boundary (for tests and views).</summary>
    public IReadOnlyList<AccountSliceReport> Report(DateTime sliceEnd)
    {
        var mark = MarkPrice();
        var reports = new AccountSliceReport[_accounts.Length];
        for (var a = 0; a < _accounts.Length; a++)
        {
            var account = _accounts[a];
            var usage = UsageOf(account, mark, null, null);
            var (orders, messages) = AccountMessages(account, sliceEnd > _now ? sliceEnd : _now);
            var wanted = Wanted(account, mark, usage);
            decimal realized = 0m, unrealized = 0m, net = 0m;
            var exposed = false;
            foreach (var i in account.Slots)
            {
                var slot = _slots[i];
                var p = _state.Book(slot.Id).Position;
                realized += p.RealizedPnl - p.Fees;
                unrealized += p.Unrealized(mark);
                net += p.Quantity * mark;
                exposed |= p.Quantity != 0m || _state.OpenOrderCount(slot.Id) > 0;
            }
            var stopped = _stoppedSinceReport.Where(id => _slots[_slotById[id]].Account == a).ToArray();
            reports[a] = new AccountSliceReport(
                account.Id,
                new SymbolRisk(Symbol, _now, realized, unrealized, usage, net, _lastData, exposed),
                new Credit(usage.Gross, usage.Long, usage.Short, usage.Positions, orders, messages, usage.BuyingPower),
                wanted, stopped);
        }
        _stoppedSinceReport.Clear();
        return reports;
    }

    /// <summary>
    /// The boundary after the slice whose last market event is lastSeq: the changes the slice's
    /// decisions made take effect, the credit each account allocated is held (absent: unchanged),
    /// then every waiting order is tried once more, now accepted or rejected for good.
    /// </summary>
    /// <param name="equity">Each account's equity at the boundary (absent: unchanged); taken on after the retries, which
    /// are sized as the wants the credit was allocated for.</param>
    public void OnBoundary(
        long lastSeq, IReadOnlyDictionary<string, Credit>? allocations, List<ISymbolEvent> output,
        IReadOnlyDictionary<string, decimal>? equity = null)
    {
        var atBoundary = FeedStep.AtBoundary(lastSeq);
        var step = FeedStep.AfterBoundary(lastSeq);
        if (step <= _step) throw new ArgumentException($"{Symbol}: the boundary after {lastSeq} is not after step {_step}", nameof(lastSeq));
        // What the journal says happened at this boundary, then the symbol is at the boundary (if it
        // did not report, it reaches it only now; a replayed boundary's marker is in the journal).
        DrainOracle(lastSeq, throughBoundary: true);
        if (_step < atBoundary)
        {
            _boundaryMarkerDue = _oracle.Count == 0 && atBoundary > _replayUntil;
            _step = atBoundary;
        }
        // Live once the journal is behind; a retry the journal holds left nothing waiting to retry again.
        var live = LiveBetweenSteps;
        // The slice's decisions (points before this step) take effect first, under the credit they
        // were decided with, as when they arrive before the boundary's credit.
        if (live) ApplyStates(step, output);
        if (allocations is not null)
        {
            foreach (var account in _accounts)
            {
                if (allocations.TryGetValue(account.Id, out var credit)) account.Held = credit;
            }
        }
        _step = step;
        foreach (var slot in _slots)
        {
            if (slot.Deferred is not { } deferred) continue;
            slot.Deferred = null;
            if (live && !slot.Stopped && deferred == slot.Target) TradeToTarget(slot, lastSeq, allowDefer: false, output);
        }
        if (equity is null) return;
        foreach (var account in _accounts)
        {
            if (equity.TryGetValue(account.Id, out var e)) account.Equity = e;
        }
    }

    /// <summary>Each account's equity as the last boundary decided it, for a symbol that has not been at one yet.</summary>
    public void SetEquity(IReadOnlyDictionary<string, decimal> equity)
    {
        foreach (var account in _accounts)
        {
            if (equity.TryGetValue(account.Id, out var e)) account.Equity = e;
        }
    }

    /// <summary>The credit held for an account, as last allocated.</summary>
    public Credit Held(string account) => _accounts.First(a => a.Id == account).Held;

    /// <summary>What the waiting orders of an account's strategies would add to its usage, together.</summary>
    private Credit Wanted(AccountSlot account, decimal mark, Usage before)
    {
        if (mark <= 0m) return Credit.Zero;
        var count = 0;
        var legs = _legs.AsSpan(0, account.Slots.Length);
        for (var j = 0; j < account.Slots.Length; j++)
        {
            var slot = _slots[account.Slots[j]];
            var leg = _state.LegOf(slot.Id);
            if (slot.Deferred is { } target && target == slot.Target && !slot.Stopped && IntentFor(slot) is { } intent)
            {
                leg = intent.Side == Side.Buy ? leg with { OpenBuy = leg.OpenBuy + intent.Quantity } : leg with { OpenSell = leg.OpenSell + intent.Quantity };
                count++;
            }
            legs[j] = leg;
        }
        if (count == 0) return Credit.Zero;
        var need = SymbolCredit.Need(before, WithMargin(account, Usage.Of(legs, mark), legs, mark));
        return need with { Orders = count, Messages = count };
    }

    private Usage UsageOf(AccountSlot account, decimal price, Slot? adding, OrderIntent? intent)
    {
        var legs = _legs.AsSpan(0, account.Slots.Length);
        for (var j = 0; j < account.Slots.Length; j++)
        {
            var slot = _slots[account.Slots[j]];
            var leg = _state.LegOf(slot.Id);
            if (ReferenceEquals(slot, adding) && intent is not null)
                leg = intent.Side == Side.Buy ? leg with { OpenBuy = leg.OpenBuy + intent.Quantity } : leg with { OpenSell = leg.OpenSell + intent.Quantity };
            legs[j] = leg;
        }
        return WithMargin(account, Usage.Of(legs, price), legs, price);
    }

    private Usage WithMargin(AccountSlot account, Usage usage, ReadOnlySpan<Leg> legs, decimal price) =>
        account.Limits.Funds is { } funds ? funds.WithMargin(usage, legs, price, _settings.Venue) : usage;

    /// <summary>Orders and messages this symbol sent for the account within the account's rate window ending at `at`.</summary>
    private (int Orders, int Messages) AccountMessages(AccountSlot account, DateTime at)
    {
        var windowStart = at - account.Limits.RateWindow;
        int orders = 0, messages = 0;
        foreach (var i in account.Slots)
        {
            var list = _state.RecentMessages(_slots[i].Id);
            orders += RiskGate.CountInWindow(list, windowStart, ordersOnly: true);
            messages += RiskGate.CountInWindow(list, windowStart, ordersOnly: false);
        }
        return (orders, messages);
    }

    /// <summary>The last price, or before any market data the average cost of the largest position.</summary>
    private decimal MarkPrice()
    {
        if (_lastPrice is { } p) return p;
        var mark = 0m;
        foreach (var b in _state.Books.Values)
        {
            if (b.Position.Quantity != 0m && b.Position.AverageCost > mark) mark = b.Position.AverageCost;
        }
        return mark;
    }

    private decimal RoundToIncrement(decimal price) =>
        Math.Round(price / _settings.Venue.PriceIncrement) * _settings.Venue.PriceIncrement;

    private Slot? SlotOf(string strategyId) => _slotById.TryGetValue(strategyId, out var i) ? _slots[i] : null;

    /// <summary>
    /// Positions and counts per strategy. Trading states include changes that wait for their point
    /// (they govern the symbol's next market event), so a symbol halted after its last event shows as halted.
    /// </summary>
    public SymbolReport Report()
    {
        var states = _slots.Select(slot => _killSwitchAvailable
            ? _states.GoverningOnceApplied(slot.Config.Account, slot.Id, Symbol)?.State ?? TradingState.Active
            : TradingState.Halted).ToArray();
        return new SymbolReport(
            Symbol, _lastPrice, _state.Watermark, _state.OpenOrders.Count,
            _slots.Select(slot =>
            {
                var b = _state.Book(slot.Id);
                var mark = _lastPrice ?? b.Position.AverageCost;
                return new StrategyPositionReport(
                    slot.Id, b.Position.Quantity, b.Position.AverageCost, b.Position.RealizedPnl,
                    b.Position.Unrealized(mark), b.Position.Fees, b.OrdersAccepted, b.Fills, b.Cancels,
                    b.Rejections, _state.StoppedStrategies.Contains(slot.Id), slot.Config.Account, states[slot.Index], b.Deferrals,
                    _state.PausedStrategies.Contains(slot.Id));
            }).ToArray(),
            states.Any(s => s == TradingState.Halted));
    }
}

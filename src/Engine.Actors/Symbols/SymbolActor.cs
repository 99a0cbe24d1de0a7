using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Strategies;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Trading;

namespace Engine.Actors.Symbols;

/// <summary>
/// One symbol: market state, bars, its paper venue, open orders and a position per strategy.
/// Each market event is one step: match open orders, let every strategy child decide on a
/// completed bar, pass their orders through the risk gate and the account budget, then journal
/// everything the step caused in one atomic write, and only then change state and acknowledge the
/// feed (rule 1). A step waits for every strategy's decision before the next event is taken, so the
/// same data and config give the same fills, whatever the thread scheduling.
///
/// Risk is decided here, locally, without asking anyone: the trading state of every scope comes from
/// the kill switch (pushed on change, confirmed after the cancels are journaled), and account limits
/// from the credit the account's supervisor lent this symbol (topped up ahead of need, after the step).
///
/// After a crash the feed is replayed from its start. Events at or below the recovered
/// watermark (the highest FeedSeq in the journal) only rebuild market and strategy state; their
/// effects are already in the recovered state, so nothing is matched or journaled twice.
/// </summary>
public sealed class SymbolActor : ReceivePersistentActor, IWithTimers
{
    private sealed record DecisionTimeout(long Seq);

    private sealed record StartTimeout;

    private sealed class StrategySlot(StrategyConfig config, IActorRef child, RiskLimits limits)
    {
        public StrategyConfig Config { get; } = config;
        public string Id => Config.Id;
        public string Account => Config.Account;
        public IActorRef Child { get; } = child;
        public RiskLimits Limits { get; } = limits;
        public decimal LastTarget { get; set; }
        public List<DateTime> Failures { get; } = new();
        public HashSet<DateTime> PoisonedBars { get; } = new();
        public DateTime? SuspendedUntil { get; set; }
        public bool Stopped { get; set; }
        public KillSwitchActor.ScopeStatus? Governing { get; set; }
        public TradingState State => Governing?.State ?? TradingState.Active;
        public bool Flattening => Governing is { State: TradingState.Halted, Flatten: true };
    }

    private sealed class Step(MarketDataDelivery delivery, IActorRef replyTo, bool replay)
    {
        public MarketDataDelivery Delivery { get; } = delivery;
        public IActorRef ReplyTo { get; } = replyTo;
        public bool Replay { get; } = replay;
        public TradeBar? Bar { get; set; }
        public List<Fill> Fills { get; } = new();
        public Dictionary<string, StrategyActor.Decision> Decisions { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Awaiting { get; } = new(StringComparer.Ordinal);
    }

    private readonly string _symbol;
    private readonly EngineSettings _settings;
    private readonly IActorRef _killSwitch;
    private readonly IActorRef _risk;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private readonly BarBuilder _bars;
    private readonly Queue<TradeBar> _history = new();
    private readonly List<StrategySlot> _strategies = new();
    private readonly SortedDictionary<string, SymbolBudget> _budgets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _awaitingInitialGrant = new(StringComparer.Ordinal);
    private readonly TimeSpan _keepMessages;
    // New at every start, so the supervisor can tell this start's budget messages from an earlier one's.
    private readonly long _incarnation = Random.Shared.NextInt64(1, long.MaxValue);
    private SymbolState _state;
    private KillSwitchActor.Status? _status;
    private long _recoveredWatermark;
    private long _lastSeenSeq;
    private decimal? _lastPrice;
    private bool _sawTrades;
    private DateTime _now;
    private DateTime? _lastData;
    private long _eventsSinceSnapshot;
    private Step? _step;

    public SymbolActor(string symbol, EngineSettings settings, IActorRef killSwitch, IActorRef risk)
    {
        _symbol = symbol;
        _settings = settings;
        _killSwitch = killSwitch;
        _risk = risk;
        _state = new SymbolState(symbol);
        _bars = new BarBuilder(symbol, settings.BarPeriod);
        _keepMessages = settings.Risk.KeepMessages;

        Recover<SnapshotOffer>(offer => _state = SymbolState.FromSnapshot((SymbolSnapshot)offer.Snapshot));
        Recover<ISymbolEvent>(e => _state.Apply(e, _keepMessages));
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Starting();
    }

    public override string PersistenceId => $"symbol-{_symbol}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string symbol, EngineSettings settings, IActorRef killSwitch, IActorRef risk) =>
        Akka.Actor.Props.Create(() => new SymbolActor(symbol, settings, killSwitch, risk));

    // A strategy that throws is restarted by Akka with a fresh instance; this actor decides on
    // backoff and on giving up, in market time, so crash handling replays deterministically.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(Decider.From(_ => Directive.Restart));

    // ---- start-up: nothing is traded before the trading states and the first budgets are known ----

    private void OnRecovered()
    {
        _recoveredWatermark = _state.Watermark;
        foreach (var config in _settings.Strategies)
        {
            var limits = _settings.Risk.LimitsFor(config.Account, config.Id, _symbol);
            if (_state.StoppedStrategies.Contains(config.Id))
            {
                _strategies.Add(new StrategySlot(config, ActorRefs.Nobody, limits) { Stopped = true });
                continue;
            }
            var child = Context.ActorOf(StrategyActor.Props(config.Id, config.Create), $"strategy-{config.Id}");
            _strategies.Add(new StrategySlot(config, child, limits));
        }
        foreach (var account in _strategies.Select(s => s.Account).Distinct())
        {
            _budgets[account] = new SymbolBudget();
            _awaitingInitialGrant.Add(account);
            _risk.Tell(new RiskSupervisor.RegisterSymbol(account, _symbol, UsageOf(account, new List<ISymbolEvent>()), _incarnation));
        }
        if (_recoveredWatermark > 0)
            _log.Info("{0} recovered: watermark {1}, {2} open orders", _symbol, _recoveredWatermark, _state.OpenOrders.Count);
        _killSwitch.Tell(new KillSwitchActor.Subscribe(_symbol));
        Timers.StartSingleTimer("start", new StartTimeout(), _settings.AskTimeout);
    }

    private void Starting()
    {
        Command<KillSwitchActor.Status>(status =>
        {
            _status = status;
            MaybeReady();
        });
        Command<RiskSupervisor.BudgetGranted>(g =>
        {
            Handle(g);
            MaybeReady();
        });
        Command<StartTimeout>(_ =>
        {
            if (_status is null) return; // never trade without knowing the kill switch
            _log.Error("{0}: no budget from the risk supervisor of {1} within {2}; only orders that reduce exposure will pass",
                _symbol, string.Join(", ", _awaitingInitialGrant), _settings.AskTimeout);
            _awaitingInitialGrant.Clear();
            MaybeReady();
        });
        CommandAny(_ => Stash.Stash());
    }

    private void MaybeReady()
    {
        if (_status is null || _awaitingInitialGrant.Count > 0) return;
        Timers.Cancel("start");
        Become(Ready);
        Stash.UnstashAll();
        Handle(_status);
    }

    private void Ready()
    {
        Command<MarketDataDelivery>(Handle);
        Command<GetSymbolReport>(_ => Sender.Tell(Report()));
        Command<KillSwitchActor.Status>(Handle);
        Command<RiskSupervisor.BudgetGranted>(Handle);
        Command<KillSwitchActor.Acknowledged>(_ => { }); // answers to engagements this symbol asked for
        Command<KillSwitchActor.Refused>(r => _log.Warning("{0}: kill switch refused: {1}", _symbol, r.Why));
        Command<StrategyActor.Decision>(_ => { }); // a late answer to a step that timed out
        Command<DecisionTimeout>(_ => { });
        Command<StartTimeout>(_ => { });
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("{0}: snapshot failed: {1}", _symbol, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("{0}: deleting old snapshots failed: {1}", _symbol, f.Cause.Message));
    }

    private void AwaitingDecisions()
    {
        Command<StrategyActor.Decision>(Handle);
        Command<DecisionTimeout>(Handle);
        Command<GetSymbolReport>(_ => Sender.Tell(Report()));
        Command<RiskSupervisor.BudgetGranted>(Handle);
        CommandAny(_ => Stash.Stash());
    }

    // ---- one market event ----

    private void Handle(MarketDataDelivery d)
    {
        if (d.Sequence <= _lastSeenSeq)
        {
            // Redelivery of what this incarnation already processed: acknowledge, change nothing.
            Sender.Tell(new DeliveryAck(d.Sequence, 0, 0m, d.Event.Time));
            return;
        }
        _lastSeenSeq = d.Sequence;
        var step = new Step(d, Sender, replay: d.Sequence <= _recoveredWatermark);
        var e = d.Event;
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

        if (!step.Replay)
        {
            foreach (var order in _state.OpenOrders)
            {
                if (PaperVenue.TryFill(order, e, d.Sequence, _settings.Venue) is { } fill) step.Fills.Add(fill);
            }
        }

        step.Bar = _bars.On(e);
        if (step.Bar is { } bar)
        {
            AddToHistory(bar);
            foreach (var slot in _strategies)
            {
                if (slot.Stopped) continue;
                if (slot.SuspendedUntil is { } until)
                {
                    if (bar.Time < until) continue;
                    slot.SuspendedUntil = null;
                    var history = _history.Where(b => b.Time < bar.Time && !slot.PoisonedBars.Contains(b.Time)).ToArray();
                    slot.Child.Tell(new StrategyActor.Rebuild(d.Sequence, history, bar));
                }
                else
                {
                    slot.Child.Tell(new StrategyActor.Evaluate(d.Sequence, bar));
                }
                step.Awaiting.Add(slot.Id);
            }
        }

        _step = step;
        if (step.Awaiting.Count == 0)
        {
            FinishStep();
            return;
        }
        Timers.StartSingleTimer("decisions", new DecisionTimeout(d.Sequence), _settings.AskTimeout);
        BecomeStacked(AwaitingDecisions);
    }

    private void Handle(StrategyActor.Decision d)
    {
        if (_step is not { } step || d.Seq != step.Delivery.Sequence || !step.Awaiting.Remove(d.StrategyId)) return;
        step.Decisions[d.StrategyId] = d;
        if (step.Awaiting.Count > 0) return;
        Timers.Cancel("decisions");
        UnbecomeStacked();
        FinishStep();
    }

    private void Handle(DecisionTimeout t)
    {
        if (_step is not { } step || t.Seq != step.Delivery.Sequence) return;
        foreach (var id in step.Awaiting)
            step.Decisions[id] = new StrategyActor.Decision(id, t.Seq, null, "no decision within engine.ask-timeout");
        step.Awaiting.Clear();
        UnbecomeStacked();
        FinishStep();
    }

    private void FinishStep()
    {
        var step = _step!;
        var seq = step.Delivery.Sequence;
        var events = new List<ISymbolEvent>();
        foreach (var fill in step.Fills) events.Add(new OrderFilled(fill));

        foreach (var slot in _strategies)
        {
            if (!step.Decisions.TryGetValue(slot.Id, out var decision)) continue;
            if (decision.Failure is not null)
            {
                if (OnStrategyFailure(slot, decision.Failure, step.Bar!) is { } stopped) events.Add(stopped);
                continue;
            }
            if (decision.Target is not { } target) continue;
            if (!slot.Config.Sizing.AllowShort && target < 0m) target = 0m;
            if (target == slot.LastTarget) continue;
            slot.LastTarget = target;
            if (step.Replay) continue;
            AddOrdersForTarget(slot, target, seq, events);
        }

        // A flatten whose order was refused (rate, collar, hours) is retried once per bar.
        if (!step.Replay && step.Bar is not null)
        {
            foreach (var slot in _strategies.Where(s => s.Flattening)) TryFlatten(slot, seq, events);
        }

        _step = null;
        Stash.UnstashAll();
        var time = step.Delivery.Event.Time;
        if (step.Replay || events.Count == 0)
        {
            // Risk reports go out before the ack, so a supervisor never sees the clock ahead of them.
            if (!step.Replay && step.Bar is not null) AfterChange(events);
            step.ReplyTo.Tell(new DeliveryAck(seq, 0, 0m, time));
            return;
        }

        var realizedBefore = RealizedTotal();
        PersistAll(events, Applied);
        DeferAsync(seq, _ =>
        {
            AfterChange(events);
            step.ReplyTo.Tell(new DeliveryAck(seq, step.Fills.Count, RealizedTotal() - realizedBefore, time));
            MaybeSnapshot(events.Count);
        });
    }

    /// <summary>One journaled event becomes state, and is counted for the metrics.</summary>
    private void Applied(ISymbolEvent e)
    {
        _state.Apply(e, _keepMessages);
        switch (e)
        {
            case OrderAccepted a: _counters.OrderAccepted(a.Order.Flatten); break;
            case OrderRejected r: _counters.OrderRejected(r.Reason); break;
            case OrderFilled: _counters.OrderFilled(); break;
            case OrderCancelled: _counters.OrderCancelled(); break;
        }
    }

    /// <summary>After a journaled change: report risk to the supervisors, settle budgets, escalate a stopped strategy.</summary>
    private void AfterChange(List<ISymbolEvent> events)
    {
        foreach (var stopped in events.OfType<StrategyStopped>())
        {
            _counters.Automatic("strategy_crash");
            _killSwitch.Tell(new KillSwitchActor.Engage(
                RiskScope.Strategy(stopped.StrategyId).ToString(),
                $"strategy kept failing on {_symbol}: {stopped.Reason}", PersistenceId));
        }
        var none = new List<ISymbolEvent>();
        foreach (var (account, budget) in _budgets)
        {
            var usage = UsageOf(account, none);
            var (orders, messages) = AccountMessages(account, none);
            var chunk = _settings.Risk.Account(account).Chunk;
            if (budget.GiveBack(usage, chunk) is { } back) _risk.Tell(new RiskSupervisor.ReturnBudget(account, _symbol, back, _incarnation));
            if (budget.WantMore(usage, orders, messages, chunk) is { } want) _risk.Tell(new RiskSupervisor.RequestBudget(account, _symbol, want, _incarnation));
            _risk.Tell(new RiskSupervisor.SymbolRiskUpdate(account, RiskOf(account, usage)));
        }
    }

    /// <summary>Cancel the strategy's resting orders, then trade the difference to the new target.</summary>
    private void AddOrdersForTarget(StrategySlot slot, decimal target, long seq, List<ISymbolEvent> events)
    {
        // A halted strategy's wish is refused, and its resting orders (a flatten's) are left alone.
        if (slot.State != TradingState.Halted)
        {
            var gone = Gone(events);
            foreach (var order in _state.OpenOrders)
            {
                if (order.StrategyId == slot.Id && !gone.Contains(order.OrderId))
                    events.Add(new OrderCancelled(order.OrderId, "replaced by new target", _now, seq));
            }
        }

        var position = LegOf(slot.Id, events).Position;
        var delta = target * slot.Config.Sizing.Quantity - position;
        if (delta == 0m) return;

        var side = delta > 0 ? Side.Buy : Side.Sell;
        var qty = Math.Abs(delta);
        var sizing = slot.Config.Sizing;
        decimal? limit = null;
        if (sizing.OrderType == OrderType.Limit && _lastPrice is { } px)
        {
            // A limit placed inside the last price by the offset: buys below, sells above.
            limit = RoundToIncrement(px * (1m - side.Sign() * sizing.LimitOffsetBps / 10_000m));
        }
        var type = sizing.OrderType == OrderType.Limit ? OrderType.Limit : OrderType.Market;
        Submit(slot, new OrderIntent(slot.Id, _symbol, side, qty, type, limit), flatten: false, seq, events);
    }

    /// <summary>A reduce-only limit order closing the strategy's position, marketable by flatten-offset-bps.</summary>
    private void TryFlatten(StrategySlot slot, long seq, List<ISymbolEvent> events)
    {
        var leg = LegOf(slot.Id, events);
        if (leg.Position == 0m || leg.OpenBuy > 0m || leg.OpenSell > 0m) return;
        var side = leg.Position > 0m ? Side.Sell : Side.Buy;
        decimal? limit = _lastPrice is { } px
            ? RoundToIncrement(px * (1m + side.Sign() * _settings.Risk.FlattenOffsetBps / 10_000m))
            : null;
        var intent = new OrderIntent(slot.Id, _symbol, side, Math.Abs(leg.Position), OrderType.Limit, limit);
        Submit(slot, intent, flatten: true, seq, events);
    }

    /// <summary>The local gate, then the account budget; the order is journaled as accepted or rejected with its reason.</summary>
    private void Submit(StrategySlot slot, OrderIntent intent, bool flatten, long seq, List<ISymbolEvent> events)
    {
        var leg = LegOf(slot.Id, events);
        var all = _strategies.Select(s => LegOf(s.Id, events)).ToList();
        var ctx = new RiskContext(
            slot.State, slot.Stopped, flatten, _lastPrice, leg.Position, all.Sum(l => l.Position),
            OpenOrderCount(slot.Id, events), MessagesOf(slot.Id, events), _now,
            leg.OpenBuy, leg.OpenSell, all.Sum(l => l.OpenBuy), all.Sum(l => l.OpenSell));
        var reason = RiskGate.Check(intent, ctx, slot.Limits) ?? CheckBudget(slot, intent, events);
        if (reason is { } r)
        {
            events.Add(new OrderRejected(slot.Id, intent.Side, intent.Quantity, intent.Type, intent.LimitPrice, r, _now, seq));
            return;
        }
        var accepted = events.OfType<OrderAccepted>().Count();
        var orderId = $"{_symbol}-{_state.OrderCounter + accepted + 1}";
        events.Add(new OrderAccepted(new Order(
            orderId, slot.Id, _symbol, intent.Side, intent.Quantity, intent.Type, intent.LimitPrice, _now, seq, flatten)));
    }

    private OrderRejectReason? CheckBudget(StrategySlot slot, OrderIntent intent, List<ISymbolEvent> events)
    {
        if (!_budgets.TryGetValue(slot.Account, out var budget) || _lastPrice is not { } price) return null;
        var legs = _strategies.Where(s => s.Account == slot.Account).Select(s => (s.Id, Leg: LegOf(s.Id, events))).ToList();
        var before = Usage.Of(legs.Select(l => l.Leg), price);
        var after = Usage.Of(legs.Select(l => l.Id == slot.Id
            ? l.Leg with
            {
                OpenBuy = l.Leg.OpenBuy + (intent.Side == Side.Buy ? intent.Quantity : 0m),
                OpenSell = l.Leg.OpenSell + (intent.Side == Side.Sell ? intent.Quantity : 0m),
            }
            : l.Leg), price);
        var (orders, messages) = AccountMessages(slot.Account, events);
        return budget.Check(before, after, orders, messages);
    }

    private void Handle(RiskSupervisor.BudgetGranted g)
    {
        if (g.Incarnation != _incarnation || !_budgets.TryGetValue(g.Account, out var budget)) return;
        if (g.Initial)
        {
            // The answer to RegisterSymbol replaces what was held, even when it comes after the start timeout.
            _awaitingInitialGrant.Remove(g.Account);
            budget.Reset();
        }
        budget.OnGranted(g.Grant);
    }

    // ---- trading states ----

    private void Handle(KillSwitchActor.Status status)
    {
        _status = status;
        foreach (var slot in _strategies) slot.Governing = status.Governing(slot.Account, slot.Id, _symbol);
        var seq = Math.Max(_state.Watermark, _lastSeenSeq);
        var events = new List<ISymbolEvent>();
        foreach (var order in _state.OpenOrders)
        {
            var slot = _strategies.FirstOrDefault(s => s.Id == order.StrategyId);
            if (slot is null) continue;
            // Not ACTIVE: the strategy's own orders go. A flatten's orders go once its halt is lifted.
            var cancel = order.Flatten ? !slot.Flattening : slot.State != TradingState.Active;
            if (cancel)
                events.Add(new OrderCancelled(order.OrderId, CancelReason(slot), _now, seq));
        }
        foreach (var slot in _strategies.Where(s => s.Flattening)) TryFlatten(slot, seq, events);

        if (events.Count == 0)
        {
            _killSwitch.Tell(new KillSwitchActor.Confirmed(_symbol, status.Epoch, _lastSeenSeq));
            return;
        }
        PersistAll(events, Applied);
        DeferAsync(status.Epoch, epoch =>
        {
            _killSwitch.Tell(new KillSwitchActor.Confirmed(_symbol, epoch, _lastSeenSeq));
            AfterChange(events);
        });
    }

    private static string CancelReason(StrategySlot slot) => slot.Governing switch
    {
        { State: TradingState.Halted } g => $"kill switch ({g.Scope}): {g.Reason}",
        { State: TradingState.Reducing } g => $"reducing ({g.Scope}): {g.Reason}",
        _ => "flatten no longer requested",
    };

    // ---- failures escalate to the kill switch ----

    /// <summary>The journal refused or failed a write: nothing this symbol does can count, so halt the engine.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _counters.Automatic("journal_failure");
        _killSwitch.Tell(new KillSwitchActor.Engage("engine", $"journal failure in {PersistenceId}: {cause.Message}", PersistenceId));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _counters.Automatic("journal_failure");
        _killSwitch.Tell(new KillSwitchActor.Engage("engine", $"journal rejected an event of {PersistenceId}: {cause.Message}", PersistenceId));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>An unexpected exception in this actor: halt the symbol until an operator has looked.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _counters.Automatic("engine_failure");
        _killSwitch.Tell(new KillSwitchActor.Engage(
            RiskScope.Symbol(_symbol).ToString(), $"unexpected failure: {reason.GetType().Name}: {reason.Message}", PersistenceId));
        base.PreRestart(reason, message);
    }

    /// <summary>Counts the failure in market time; suspends with backoff, or stops the strategy for good.</summary>
    private StrategyStopped? OnStrategyFailure(StrategySlot slot, string failure, TradeBar bar)
    {
        slot.PoisonedBars.Add(bar.Time);
        slot.Failures.Add(bar.Time);
        slot.Failures.RemoveAll(t => t <= bar.Time - _settings.Supervision.FailureWindow);
        var count = slot.Failures.Count;
        if (count > _settings.Supervision.MaxFailures)
        {
            slot.Stopped = true;
            Context.Stop(slot.Child);
            _log.Error("{0}: strategy '{1}' stopped after {2} failures within {3}: {4}",
                _symbol, slot.Id, count, _settings.Supervision.FailureWindow, failure);
            return new StrategyStopped(slot.Id, failure, bar.Time, _step!.Delivery.Sequence);
        }
        var backoff = _settings.Supervision.Backoff(count);
        slot.SuspendedUntil = bar.Time + backoff;
        _log.Warning("{0}: strategy '{1}' failed ({2}); restarting after {3} of market time",
            _symbol, slot.Id, failure, backoff);
        return null;
    }

    // ---- projections of state plus the events of the step being built ----

    private static HashSet<string> Gone(List<ISymbolEvent> events)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e is OrderFilled f) gone.Add(f.Fill.OrderId);
            else if (e is OrderCancelled c) gone.Add(c.OrderId);
        }
        return gone;
    }

    private IEnumerable<Order> OpenOrdersAfter(List<ISymbolEvent> events)
    {
        var gone = Gone(events);
        foreach (var o in _state.OpenOrders)
        {
            if (!gone.Contains(o.OrderId)) yield return o;
        }
        foreach (var e in events)
        {
            if (e is OrderAccepted a) yield return a.Order;
        }
    }

    private Leg LegOf(string strategyId, List<ISymbolEvent> events)
    {
        var position = _state.Book(strategyId).Position.Quantity;
        foreach (var e in events)
        {
            if (e is OrderFilled f && f.Fill.StrategyId == strategyId) position += f.Fill.Side.Sign() * f.Fill.Quantity;
        }
        decimal buy = 0m, sell = 0m;
        foreach (var o in OpenOrdersAfter(events))
        {
            if (o.StrategyId != strategyId) continue;
            if (o.Side == Side.Buy) buy += o.Quantity;
            else sell += o.Quantity;
        }
        return new Leg(position, buy, sell);
    }

    private int OpenOrderCount(string strategyId, List<ISymbolEvent> events) =>
        OpenOrdersAfter(events).Count(o => o.StrategyId == strategyId);

    /// <summary>The strategy's journaled recent orders and cancels, plus those of this step.</summary>
    private IReadOnlyList<OrderMessage> MessagesOf(string strategyId, List<ISymbolEvent> events)
    {
        var journaled = _state.RecentMessages(strategyId);
        List<OrderMessage>? pending = null;
        foreach (var e in events)
        {
            OrderMessage? m = e switch
            {
                OrderAccepted a when a.Order.StrategyId == strategyId =>
                    new OrderMessage(a.Order.AcceptedAt, false, a.Order.Side, a.Order.Quantity, a.Order.LimitPrice),
                OrderCancelled c when _state.OpenOrders.FirstOrDefault(o => o.OrderId == c.OrderId) is { } o && o.StrategyId == strategyId =>
                    new OrderMessage(c.Time, true, o.Side, o.Quantity, o.LimitPrice),
                _ => null,
            };
            if (m is null) continue;
            pending ??= new List<OrderMessage>(journaled);
            pending.Add(m.Value);
        }
        return pending ?? journaled;
    }

    /// <summary>Orders and messages this symbol sent for the account within the account's rate window.</summary>
    private (int Orders, int Messages) AccountMessages(string account, List<ISymbolEvent> events)
    {
        var windowStart = _now - _settings.Risk.Account(account).RateWindow;
        int orders = 0, messages = 0;
        foreach (var slot in _strategies)
        {
            if (slot.Account != account) continue;
            var list = MessagesOf(slot.Id, events);
            orders += RiskGate.CountInWindow(list, windowStart, ordersOnly: true);
            messages += RiskGate.CountInWindow(list, windowStart, ordersOnly: false);
        }
        return (orders, messages);
    }

    private Usage UsageOf(string account, List<ISymbolEvent> events) =>
        Usage.Of(_strategies.Where(s => s.Account == account).Select(s => LegOf(s.Id, events)), MarkPrice());

    /// <summary>The last price, or before any market data the average cost of the largest position.</summary>
    private decimal MarkPrice() => _lastPrice
        ?? _state.Books.Values.Where(b => b.Position.Quantity != 0m).Select(b => b.Position.AverageCost).DefaultIfEmpty(0m).Max();

    private SymbolRisk RiskOf(string account, Usage usage)
    {
        var mark = MarkPrice();
        decimal realized = 0m, unrealized = 0m, net = 0m;
        var exposed = false;
        foreach (var slot in _strategies.Where(s => s.Account == account))
        {
            var p = _state.Book(slot.Id).Position;
            realized += p.RealizedPnl - p.Fees;
            unrealized += p.Unrealized(mark);
            net += p.Quantity * mark;
            exposed |= p.Quantity != 0m || _state.OpenOrders.Any(o => o.StrategyId == slot.Id);
        }
        return new SymbolRisk(_symbol, _now, realized, unrealized, usage, net, _lastData, exposed);
    }

    private decimal RoundToIncrement(decimal price) =>
        Math.Round(price / _settings.Venue.PriceIncrement) * _settings.Venue.PriceIncrement;

    private void AddToHistory(TradeBar bar)
    {
        _history.Enqueue(bar);
        while (_history.Count > _settings.HistoryBars) _history.Dequeue();
    }

    private decimal RealizedTotal() => _state.Books.Values.Sum(b => b.Position.RealizedPnl);

    private void MaybeSnapshot(int persisted)
    {
        _eventsSinceSnapshot += persisted;
        if (_eventsSinceSnapshot < _settings.SnapshotEvery) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(_state.ToSnapshot());
    }

    private SymbolReport Report()
    {
        var rows = _strategies.Select(slot =>
        {
            var b = _state.Book(slot.Id);
            var mark = _lastPrice ?? b.Position.AverageCost;
            return new StrategyPositionReport(
                slot.Id, b.Position.Quantity, b.Position.AverageCost, b.Position.RealizedPnl,
                b.Position.Unrealized(mark), b.Position.Fees, b.OrdersAccepted, b.Fills, b.Cancels,
                b.Rejections, _state.StoppedStrategies.Contains(slot.Id), slot.Account, slot.State);
        }).ToArray();
        return new SymbolReport(_symbol, _lastPrice, _state.Watermark, _state.OpenOrders.Count, rows,
            _strategies.Any(s => s.State == TradingState.Halted));
    }
}

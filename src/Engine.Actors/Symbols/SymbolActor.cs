using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
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
/// completed bar, pass their orders through the risk gate, then journal everything the step
/// caused in one atomic write, and only then change state and acknowledge the feed (rule 1).
/// A step waits for every strategy's decision before the next event is taken, so the same
/// data and config give the same fills, whatever the thread scheduling.
///
/// After a crash the feed is replayed from its start. Events at or below the recovered
/// watermark (the highest FeedSeq in the journal) only rebuild market and strategy state; their
/// effects are already in the recovered state, so nothing is matched or journaled twice.
/// </summary>
public sealed class SymbolActor : ReceivePersistentActor, IWithTimers
{
    private sealed record DecisionTimeout(long Seq);

    private sealed class StrategySlot(StrategyConfig config, IActorRef child)
    {
        public StrategyConfig Config { get; } = config;
        public IActorRef Child { get; } = child;
        public decimal LastTarget { get; set; }
        public List<DateTime> Failures { get; } = new();
        public HashSet<DateTime> PoisonedBars { get; } = new();
        public DateTime? SuspendedUntil { get; set; }
        public bool Stopped { get; set; }
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
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly BarBuilder _bars;
    private readonly Queue<TradeBar> _history = new();
    private readonly List<StrategySlot> _strategies = new();
    private SymbolState _state;
    private long _recoveredWatermark;
    private long _lastSeenSeq;
    private decimal? _lastPrice;
    private DateTime _now;
    private bool _killSwitchEngaged;
    private long _killSwitchEpoch = -1;
    private Step? _step;

    public SymbolActor(string symbol, EngineSettings settings, IActorRef killSwitch)
    {
        _symbol = symbol;
        _settings = settings;
        _killSwitch = killSwitch;
        _state = new SymbolState(symbol);
        _bars = new BarBuilder(symbol, settings.BarPeriod);

        Recover<SnapshotOffer>(offer => _state = SymbolState.FromSnapshot((SymbolSnapshot)offer.Snapshot));
        Recover<ISymbolEvent>(e => _state.Apply(e, _settings.Risk.RateWindow));
        Recover<RecoveryCompleted>(_ => OnRecovered());
        WaitingForKillSwitch();
    }

    public override string PersistenceId => $"symbol-{_symbol}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string symbol, EngineSettings settings, IActorRef killSwitch) =>
        Akka.Actor.Props.Create(() => new SymbolActor(symbol, settings, killSwitch));

    // A strategy that throws is restarted by Akka with a fresh instance; this actor decides on
    // backoff and on giving up, in market time, so crash handling replays deterministically.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(Decider.From(_ => Directive.Restart));

    private void OnRecovered()
    {
        _recoveredWatermark = _state.Watermark;
        foreach (var config in _settings.Strategies)
        {
            if (_state.StoppedStrategies.Contains(config.Id)) continue;
            var child = Context.ActorOf(StrategyActor.Props(config.Id, config.Create), $"strategy-{config.Id}");
            _strategies.Add(new StrategySlot(config, child));
        }
        if (_recoveredWatermark > 0)
            _log.Info("{0} recovered: watermark {1}, {2} open orders", _symbol, _recoveredWatermark, _state.OpenOrders.Count);
        _killSwitch.Tell(new KillSwitchActor.Subscribe(_symbol));
    }

    /// <summary>Until the kill switch answers, nothing is traded: the safe default.</summary>
    private void WaitingForKillSwitch()
    {
        Command<KillSwitchActor.Status>(status =>
        {
            Become(Ready);
            Stash.UnstashAll();
            HandleKillSwitch(status);
        });
        CommandAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Command<MarketDataDelivery>(Handle);
        Command<GetSymbolReport>(_ => Sender.Tell(Report()));
        Command<KillSwitchActor.Status>(HandleKillSwitch);
        Command<StrategyActor.Decision>(_ => { }); // a late answer to a step that timed out
        Command<DecisionTimeout>(_ => { });
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
        CommandAny(_ => Stash.Stash());
    }

    private void Handle(MarketDataDelivery d)
    {
        if (d.Sequence <= _lastSeenSeq)
        {
            // Redelivery of what this incarnation already processed: acknowledge, change nothing.
            Sender.Tell(new DeliveryAck(d.Sequence, 0, 0m));
            return;
        }
        _lastSeenSeq = d.Sequence;
        var step = new Step(d, Sender, replay: d.Sequence <= _recoveredWatermark);
        var e = d.Event;
        _now = e.Time;
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
                step.Awaiting.Add(slot.Config.Id);
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

    private bool _sawTrades;

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
            if (!step.Decisions.TryGetValue(slot.Config.Id, out var decision)) continue;
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
            AddOrdersForTarget(slot, target, step, events);
        }

        _step = null;
        Stash.UnstashAll();
        if (step.Replay || events.Count == 0)
        {
            step.ReplyTo.Tell(new DeliveryAck(seq, 0, 0m));
            return;
        }

        var realizedBefore = RealizedTotal();
        PersistAll(events, e => _state.Apply(e, _settings.Risk.RateWindow));
        DeferAsync(seq, _ =>
        {
            step.ReplyTo.Tell(new DeliveryAck(seq, step.Fills.Count, RealizedTotal() - realizedBefore));
            MaybeSnapshot(events.Count);
        });
    }

    /// <summary>Cancel the strategy's resting orders, then trade the difference to the new target.</summary>
    private void AddOrdersForTarget(StrategySlot slot, decimal target, Step step, List<ISymbolEvent> events)
    {
        var id = slot.Config.Id;
        var filledNow = step.Fills.Where(f => f.StrategyId == id).Select(f => f.OrderId).ToHashSet(StringComparer.Ordinal);
        foreach (var order in _state.OpenOrders)
        {
            if (order.StrategyId == id && !filledNow.Contains(order.OrderId))
                events.Add(new OrderCancelled(order.OrderId, "replaced by new target", _now, step.Delivery.Sequence));
        }

        var position = _state.Book(id).Position;
        foreach (var f in step.Fills.Where(f => f.StrategyId == id)) position = position.Apply(f);
        var delta = target * slot.Config.Sizing.Quantity - position.Quantity;
        if (delta == 0m) return;

        var side = delta > 0 ? Side.Buy : Side.Sell;
        var qty = Math.Abs(delta);
        var sizing = slot.Config.Sizing;
        decimal? limit = null;
        if (sizing.OrderType == OrderType.Limit && _lastPrice is { } px)
        {
            // A limit placed inside the last price by the offset: buys below, sells above.
            var raw = px * (1m - side.Sign() * sizing.LimitOffsetBps / 10_000m);
            limit = Math.Round(raw / _settings.Venue.PriceIncrement) * _settings.Venue.PriceIncrement;
        }
        var intent = new OrderIntent(id, _symbol, side, qty, limit is null ? OrderType.Market : OrderType.Limit, limit);
        var ctx = new RiskContext(
            _killSwitchEngaged, slot.Stopped, _lastPrice, position.Quantity,
            _state.RecentOrderTimes(id), _now);
        var seq = step.Delivery.Sequence;
        if (RiskGate.Check(intent, ctx, _settings.Risk) is { } reason)
        {
            events.Add(new OrderRejected(id, side, qty, intent.Type, limit, reason, _now, seq));
            return;
        }
        var accepted = events.OfType<OrderAccepted>().Count();
        var orderId = $"{_symbol}-{_state.OrderCounter + accepted + 1}";
        events.Add(new OrderAccepted(new Order(orderId, id, _symbol, side, qty, intent.Type, limit, _now, seq)));
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
                _symbol, slot.Config.Id, count, _settings.Supervision.FailureWindow, failure);
            return new StrategyStopped(slot.Config.Id, failure, bar.Time, _step!.Delivery.Sequence);
        }
        var backoff = _settings.Supervision.Backoff(count);
        slot.SuspendedUntil = bar.Time + backoff;
        _log.Warning("{0}: strategy '{1}' failed ({2}); restarting after {3} of market time",
            _symbol, slot.Config.Id, failure, backoff);
        return null;
    }

    private void HandleKillSwitch(KillSwitchActor.Status status)
    {
        var known = status.Epoch == _killSwitchEpoch;
        _killSwitchEngaged = status.Engaged;
        _killSwitchEpoch = status.Epoch;
        // Engaged: cancel every resting order (also on a status already seen at start-up, in case a
        // crash came between the engagement and the cancels), then confirm.
        var cancels = status.Engaged
            ? _state.OpenOrders.Select(o => (ISymbolEvent)new OrderCancelled(
                o.OrderId, "kill switch: " + status.Reason, _now, Math.Max(_state.Watermark, _lastSeenSeq))).ToList()
            : new List<ISymbolEvent>();
        if (cancels.Count == 0)
        {
            if (!known || status.Engaged) _killSwitch.Tell(new KillSwitchActor.Confirmed(_symbol, status.Epoch));
            return;
        }
        PersistAll(cancels, e => _state.Apply(e, _settings.Risk.RateWindow));
        DeferAsync(status.Epoch, epoch => _killSwitch.Tell(new KillSwitchActor.Confirmed(_symbol, epoch)));
    }

    private void AddToHistory(TradeBar bar)
    {
        _history.Enqueue(bar);
        while (_history.Count > _settings.HistoryBars) _history.Dequeue();
    }

    private decimal RealizedTotal() => _state.Books.Values.Sum(b => b.Position.RealizedPnl);

    private long _eventsSinceSnapshot;

    private void MaybeSnapshot(int persisted)
    {
        _eventsSinceSnapshot += persisted;
        if (_eventsSinceSnapshot < _settings.SnapshotEvery) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(_state.ToSnapshot());
    }

    private SymbolReport Report()
    {
        var rows = _settings.Strategies.Select(c =>
        {
            var b = _state.Book(c.Id);
            var mark = _lastPrice ?? b.Position.AverageCost;
            return new StrategyPositionReport(
                c.Id, b.Position.Quantity, b.Position.AverageCost, b.Position.RealizedPnl,
                b.Position.Unrealized(mark), b.Position.Fees, b.OrdersAccepted, b.Fills, b.Cancels,
                b.Rejections, _state.StoppedStrategies.Contains(c.Id));
        }).ToArray();
        return new SymbolReport(_symbol, _lastPrice, _state.Watermark, _state.OpenOrders.Count, rows, _killSwitchEngaged);
    }
}

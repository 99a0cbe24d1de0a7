using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Strategies;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;
using Engine.Actors.Serialization;

namespace Engine.Actors.Symbols;

/// <summary>
/// One symbol's shell around its pure SymbolCore: messaging, persistence, recovery, supervision of
/// its strategy children and snapshots. The core decides; this actor journals what it decided
/// before anything is acknowledged, confirmed or counted, with at most one write in flight (group
/// commit: what the next batches cause waits in one buffer and goes out as one write), so the cost of
/// a journal write is paid per write, not per batch or event.
/// </summary>
public sealed class SymbolActor : ReceivePersistentActor, IWithTimers
{
    // Local only: timer ticks to itself.
    private sealed record DecisionTimeout(long BatchId) : ILocalOnlyMessage;

    private sealed record SubscribeAgain : ILocalOnlyMessage;

    private sealed record FlushNow : ILocalOnlyMessage;

    /// <summary>What one journal write carries and whom it lets go once written.</summary>
    private sealed class PendingWrite
    {
        public List<ISymbolEvent> Events { get; } = new();
        public long UpToBatch { get; set; } = -1;
        public int Fills { get; set; }
        public decimal Realized { get; set; }
        public List<long> OrderArrivals { get; } = new();
        public List<(long Epoch, long AsOf)> Confirmations { get; } = new();
        // Operators' answers, told once what their command caused is journaled.
        public List<(IActorRef To, object Answer)> Answers { get; } = new();

        public void Clear()
        {
            Answers.Clear();
            Events.Clear();
            UpToBatch = -1;
            Fills = 0;
            Realized = 0m;
            OrderArrivals.Clear();
            Confirmations.Clear();
        }
    }

    private sealed class Pending(SymbolBatch batch, IActorRef replyTo, int awaiting)
    {
        public SymbolBatch Batch { get; } = batch;
        public IActorRef ReplyTo { get; } = replyTo;
        public int Awaiting { get; set; } = awaiting;
    }

    private readonly string _symbol;
    private readonly EngineSettings _settings;
    private readonly IActorRef _killSwitch;
    private readonly SymbolCore _core;
    private readonly IActorRef?[] _children;
    private readonly StrategyOutcome[]?[] _outcomes;
    private readonly List<BarAt> _bars = new();
    private readonly List<TradeBar> _barList = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EngineCounters _counters = EngineCounters.For(Context.System);
    private readonly EngineLatency _latency = EngineLatency.For(Context.System);
    // Metrics, by strategy index: the counters, whether it holds a position here, and when each open
    // order was decided and at what last price (order-to-fill latency and slippage).
    private readonly StrategyCounters[] _strategyCounters;
    private readonly bool[] _positionOpen;
    private readonly Dictionary<string, (long DecidedAt, decimal? Price, int Strategy)> _orderClock = new(StringComparer.Ordinal);
    private PendingWrite _current = new();
    private PendingWrite _spare = new();
    private PendingWrite? _inFlight;
    private long _lastWriteStarted = long.MinValue / 2;
    private bool _flushScheduled;
    // LastSequenceNr counts stored events only; this counts those handed to the journal too.
    private long _assignedSequenceNr;
    private (DateTime Boundary, SymbolSnapshot Snapshot, long SequenceNr, bool Write)? _captured;
    private Pending? _pending;
    private IActorRef? _killSwitchChild;
    // The feed that sent the last batch or boundary: it hears when they are journaled.
    private IActorRef? _coordinator;
    // The feed whose messages this incarnation follows, its last message processed here (0: none),
    // and the gap already asked to be filled.
    private IActorRef? _chainFeed;
    private long _lastBatchId;
    private long? _rewindAsked;
    // Handed off (its shard moves): stops once nothing is left to write.
    private bool _stopping;
    // Passivating for a new feed's replay: the feed's messages go back to the shard for the next incarnation.
    private bool _restarting;

    public SymbolActor(string symbol, EngineSettings settings, IActorRef killSwitch)
    {
        _symbol = symbol;
        _settings = settings;
        _killSwitch = killSwitch;
        _core = new SymbolCore(symbol, settings.CoreSettings(), settings.Strategies
            .Select(s => new StrategySlotConfig(s.Id, s.Account, s.Sizing, settings.Risk.LimitsFor(s.Account, s.Id, symbol)))
            .ToArray());
        _children = new IActorRef?[settings.Strategies.Count];
        _outcomes = new StrategyOutcome[]?[settings.Strategies.Count];
        _strategyCounters = settings.Strategies.Select(s => _counters.Strategy(s.Id)).ToArray();
        _positionOpen = new bool[settings.Strategies.Count];

        Recover<SnapshotOffer>(offer => _core.Restore((SymbolSnapshot)offer.Snapshot));
        Recover<ISymbolEvent>(_core.Recovered);
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Starting();
    }

    public override string PersistenceId => $"symbol-{_symbol}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string symbol, EngineSettings settings, IActorRef killSwitch) =>
        Akka.Actor.Props.Create(() => new SymbolActor(symbol, settings, killSwitch)).WithDispatcher(EngineDispatcher.Id);

    // ---- start-up: nothing is processed before the trading states are known ----

    private void OnRecovered()
    {
        _assignedSequenceNr = LastSequenceNr;
        _core.RecoveryCompleted();
        CountOpenPositions();
        for (var i = 0; i < _settings.Strategies.Count; i++)
        {
            var config = _settings.Strategies[i];
            if (_core.State.StoppedStrategies.Contains(config.Id)) continue;
            _children[i] = Context.ActorOf(
                StrategyActor.Props(config.Id, config.Create, _settings.Supervision, _settings.HistoryBars), $"strategy-{config.Id}");
        }
        // Where a symbol lives (its node is in the log source), for operators and the cluster tests.
        _log.Info("{0} started: journal up to feed event {1}, {2} open orders", _symbol, _core.State.Watermark, _core.State.OpenOrders.Count);
        Subscribe();
    }

    private void Subscribe()
    {
        _killSwitch.Tell(new KillSwitchActor.Subscribe(_symbol));
        Timers.StartSingleTimer("subscribe", new SubscribeAgain(), TimeSpan.FromSeconds(1));
    }

    private void Starting()
    {
        Command<KillSwitchActor.StateHistory>(history =>
        {
            OnHistory(history);
            Become(Ready);
            Stash.UnstashAll();
        });
        Command<SubscribeAgain>(_ => Subscribe());
        CommandAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Command<SymbolBatch>(b =>
        {
            if (InOrder(b, b.BatchId, b.PreviousBatchId, b.Events.Count > 0 ? b.Events[0].Sequence : b.SliceLastSeq)) Handle(b);
        });
        Command<SliceBoundary>(b =>
        {
            if (InOrder(b, b.BatchId, b.PreviousBatchId, b.LastSeq)) Handle(b);
        });
        Command<StopSymbol>(_ =>
        {
            _stopping = true;
            StopIfIdle();
        });
        // The copy includes what waits to be written; those events get the next sequence numbers, in order.
        Command<CaptureSnapshot>(c => _captured = (c.Boundary, _core.State.ToSnapshot(), _assignedSequenceNr + _current.Events.Count, false));
        Command<WriteSnapshot>(Handle);
        Command<GetSymbolReport>(_ => Sender.Tell(_core.Report()));
        Command<GetSymbolOrders>(_ => Sender.Tell(Orders()));
        Command<PauseStrategy>(Handle);
        Command<KillSwitchActor.StateChanged>(Handle);
        Command<KillSwitchActor.StateHistory>(OnHistory);
        Command<Resubscribe>(_ => Subscribe());
        Command<SubscribeAgain>(_ => Subscribe());
        Command<FlushNow>(_ =>
        {
            _flushScheduled = false;
            Flush();
        });
        Command<Terminated>(Handle);
        Command<KillSwitchActor.Acknowledged>(_ => { }); // answers to engagements this symbol asked for
        Command<KillSwitchActor.Refused>(r => _log.Warning("{0}: kill switch refused: {1}", _symbol, r.Why));
        Command<StrategyActor.Evaluated>(_ => { }); // a late answer to a batch that timed out
        Command<DecisionTimeout>(_ => { });
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("{0}: snapshot failed: {1}", _symbol, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("{0}: deleting old snapshots failed: {1}", _symbol, f.Cause.Message));
    }

    private void AwaitingDecisions()
    {
        Command<StrategyActor.Evaluated>(Handle);
        Command<DecisionTimeout>(Handle);
        Command<GetSymbolReport>(_ => Sender.Tell(_core.Report()));
        Command<GetSymbolOrders>(_ => Sender.Tell(Orders()));
        CommandAny(_ => Stash.Stash());
    }

    /// <summary>An operator's pause or resume: answered once it (and the cancels or orders it caused) is journaled.</summary>
    private void Handle(PauseStrategy p)
    {
        var start = _current.Events.Count;
        var result = _core.SetPaused(p.StrategyId, p.Paused, p.Operator, p.Reason, _current.Events);
        if (result.Refused is { } why)
        {
            Sender.Tell(new StrategyPauseAnswer(_symbol, p.StrategyId, p.Paused, false, why));
            return;
        }
        CountApplied(start);
        if (result.Changed) _log.Info("{0}: strategy '{1}' {2} by {3}: {4}", _symbol, p.StrategyId, p.Paused ? "paused" : "resumed", p.Operator, p.Reason);
        _current.Answers.Add((Sender, new StrategyPauseAnswer(_symbol, p.StrategyId, p.Paused, result.Changed, null)));
        Flush();
    }

    private SymbolOrders Orders() => new(_symbol, _core.LastPrice, _core.State.OpenOrders.ToArray());

    // ---- trading states ----

    private void OnHistory(KillSwitchActor.StateHistory history)
    {
        Timers.Cancel("subscribe");
        if (!Equals(_killSwitchChild, Sender))
        {
            if (_killSwitchChild is not null) Context.Unwatch(_killSwitchChild);
            _killSwitchChild = Sender;
            Context.Watch(Sender);
        }
        var start = _current.Events.Count;
        _core.SetKillSwitchAvailable(true, _current.Events);
        _core.OnStateHistory(history.Changes, _current.Events);
        Confirm(history.Epoch, start);
    }

    private void Handle(KillSwitchActor.StateChanged changed)
    {
        var start = _current.Events.Count;
        _core.OnStateChange(changed.Change, _current.Events);
        Confirm(changed.Change.Epoch, start);
    }

    /// <summary>Confirmed only once the cancels the change caused are journaled.</summary>
    private void Confirm(long epoch, int start)
    {
        CountApplied(start);
        _current.Confirmations.Add((epoch, _core.Position));
        Flush();
    }

    private void Handle(Terminated t)
    {
        if (!t.ActorRef.Equals(_killSwitchChild)) return;
        _log.Warning("{0}: the kill switch stopped; no order is accepted until it is back", _symbol);
        _killSwitchChild = null;
        var start = _current.Events.Count;
        _core.SetKillSwitchAvailable(false, _current.Events);
        CountApplied(start);
        Flush();
        Subscribe();
    }

    // ---- the feed's order: what this incarnation has not seen is asked for, duplicates are dropped ----

    /// <summary>
    /// True if the message follows the last one processed. One that follows a message never
    /// processed here (this symbol started again on another member mid-run, its bars and strategies
    /// empty) is dropped, and the feed asked once for everything after the last one processed: the
    /// replay rebuilds the strategies from the bars and applies the journal as after a restart. One
    /// already processed (sent again) is dropped. A new feed that starts with events this incarnation
    /// has processed already (the feed started again from its start on another member, its node
    /// gone) restarts the symbol from its journal, as after a crash: see <see cref="RestartForReplay"/>.
    /// </summary>
    private bool InOrder(IWithSymbol message, long batchId, long? previous, long firstSequence)
    {
        if (_restarting)
        {
            Context.Parent.Tell(message, Sender);
            return false;
        }
        if (_stopping) return false;
        if (previous is { } && !Equals(Sender, _chainFeed))
        {
            if (_chainFeed is not null && firstSequence <= _core.Position)
            {
                RestartForReplay(message);
                return false;
            }
            // Another feed that goes on from here (a later run in the same system): its messages are numbered from its start.
            _chainFeed = Sender;
            _lastBatchId = 0;
            _rewindAsked = null;
        }
        if (previous is not { } p || p == _lastBatchId)
        {
            _lastBatchId = batchId;
            return true;
        }
        if (p > _lastBatchId && _rewindAsked != _lastBatchId)
        {
            _log.Info("{0}: feed message {1} follows {2}, not {3}: asking the feed for everything after {3}", _symbol, batchId, p, _lastBatchId);
            _rewindAsked = _lastBatchId;
            Sender.Tell(new RewindSymbol(_symbol, _lastBatchId));
        }
        return false;
    }

    /// <summary>
    /// The feed's replay from its start needs what a restarted run has: bars and strategies empty,
    /// the journal as the oracle. Processing it here would not rebuild the strategies (they have seen
    /// these bars) nor repeat the boundaries' reports as they were. So this incarnation passivates
    /// once no write is in flight, and hands the message (and any after it) back to its shard, which
    /// keeps them for the next incarnation, recovered from the journal.
    /// </summary>
    private void RestartForReplay(IWithSymbol message)
    {
        _log.Info("{0}: a new feed replays events this symbol has processed (up to {1}): restarting it from its journal", _symbol, _core.Position);
        _restarting = true;
        Context.Parent.Tell(new Passivate(StopSymbol.Instance));
        Context.Parent.Tell(message, Sender);
    }

    private void StopIfIdle()
    {
        if (_stopping && _inFlight is null && _current.Events.Count == 0 && _pending is null) Context.Stop(Self);
    }

    // ---- a batch of market events ----

    private void Handle(SymbolBatch batch)
    {
        if (batch.Equity is { } equity) _core.SetEquity(equity);
        _core.CollectBars(batch.Events, _bars);
        var awaiting = 0;
        if (_bars.Count > 0)
        {
            _barList.Clear();
            foreach (var b in _bars) _barList.Add(b.Bar);
            var bars = _barList.ToArray();
            for (var i = 0; i < _children.Length; i++)
            {
                _outcomes[i] = null;
                if (_children[i] is not { } child) continue;
                child.Tell(new StrategyActor.Evaluate(batch.BatchId, bars));
                awaiting++;
            }
        }
        if (awaiting == 0)
        {
            Array.Clear(_outcomes);
            Finish(batch, Sender);
            return;
        }
        _pending = new Pending(batch, Sender, awaiting);
        Timers.StartSingleTimer("decisions", new DecisionTimeout(batch.BatchId), _settings.AskTimeout);
        BecomeStacked(AwaitingDecisions);
    }

    private void Handle(StrategyActor.Evaluated e)
    {
        if (_pending is not { } p || e.BatchId != p.Batch.BatchId) return;
        var i = IndexOf(e.StrategyId);
        if (i < 0 || _outcomes[i] is not null) return;
        _outcomes[i] = e.Outcomes;
        if (--p.Awaiting > 0) return;
        Timers.Cancel("decisions");
        UnbecomeStacked();
        _pending = null;
        Finish(p.Batch, p.ReplyTo);
        Stash.UnstashAll();
    }

    /// <summary>A strategy that gives no answer within engine.ask-timeout is stopped like one that keeps throwing.</summary>
    private void Handle(DecisionTimeout t)
    {
        if (_pending is not { } p || t.BatchId != p.Batch.BatchId) return;
        for (var i = 0; i < _children.Length; i++)
        {
            if (_children[i] is not { } child || _outcomes[i] is not null) continue;
            _log.Error("{0}: strategy '{1}' gave no decision within {2}; stopping it", _symbol, _settings.Strategies[i].Id, _settings.AskTimeout);
            var outcomes = new StrategyOutcome[_bars.Count];
            outcomes[0] = new StrategyOutcome(StrategyOutcomeKind.Stopped, 0m, $"no decision within engine.ask-timeout ({_settings.AskTimeout})");
            _outcomes[i] = outcomes;
            Context.Stop(child);
            _children[i] = null;
        }
        UnbecomeStacked();
        _pending = null;
        Finish(p.Batch, p.ReplyTo);
        Stash.UnstashAll();
    }

    private void Finish(SymbolBatch batch, IActorRef coordinator)
    {
        var start = _current.Events.Count;
        var realizedBefore = RealizedTotal();
        _core.Process(batch.Events, _bars, _outcomes, _current.Events);
        var decided = Stopwatch.GetTimestamp();
        for (var i = start; i < _current.Events.Count; i++)
        {
            if (_current.Events[i] is OrderAccepted accepted)
            {
                _orderClock[accepted.Order.OrderId] = (decided, _core.LastPrice, IndexOf(accepted.Order.StrategyId));
                _current.OrderArrivals.Add(batch.DispatchedAt);
                _latency.TickToDecision(decided - batch.DispatchedAt);
            }
            else if (_current.Events[i] is OrderFilled) _current.Fills++;
            else if (_current.Events[i] is StrategyStopped s) StopChild(s.StrategyId);
        }
        _current.Realized += RealizedTotal() - realizedBefore;
        _current.UpToBatch = batch.BatchId;
        // Processed: the feed may close the slice. What it caused is acknowledged once journaled.
        coordinator.Tell(new BatchDone(_symbol, batch.BatchId, batch.ClosesSlice ? _core.Report(batch.SliceLastSeq, batch.SliceEnd) : null));
        _coordinator = coordinator;
        Flush();
    }

    private void Handle(SliceBoundary boundary)
    {
        var start = _current.Events.Count;
        _core.OnBoundary(boundary.LastSeq, boundary.Allocations, _current.Events, boundary.Equity);
        CountApplied(start);
        _current.UpToBatch = boundary.BatchId;
        _coordinator = Sender;
        Sender.Tell(new BatchDone(_symbol, boundary.BatchId, null));
        Flush();
    }

    /// <summary>
    /// Saves the copy captured at the boundary, under the journal sequence number it had reached
    /// then, once everything up to that number is journaled (a snapshot never covers an event the
    /// journal lacks).
    /// </summary>
    private void Handle(WriteSnapshot w)
    {
        if (_captured is not { } c || c.Boundary != w.Boundary) return;
        _captured = c with { Write = true };
        MaybeWriteSnapshot();
    }

    private void MaybeWriteSnapshot()
    {
        if (_captured is not { Write: true } c || LastSequenceNr < c.SequenceNr) return;
        _captured = null;
        SnapshotStore.Tell(new Akka.Persistence.SaveSnapshot(new SnapshotMetadata(PersistenceId, c.SequenceNr, DateTime.UtcNow), c.Snapshot));
    }

    private void CountApplied(int start)
    {
        for (var i = start; i < _current.Events.Count; i++)
        {
            if (_current.Events[i] is OrderFilled) _current.Fills++;
        }
    }

    private void StopChild(string strategyId)
    {
        var i = IndexOf(strategyId);
        if (i < 0 || _children[i] is not { } child) return;
        Context.Stop(child);
        _children[i] = null;
    }

    private int IndexOf(string strategyId)
    {
        for (var i = 0; i < _settings.Strategies.Count; i++)
        {
            if (_settings.Strategies[i].Id == strategyId) return i;
        }
        return -1;
    }

    private decimal RealizedTotal()
    {
        var total = 0m;
        foreach (var b in _core.State.Books.Values) total += b.Position.RealizedPnl;
        return total;
    }

    // ---- the journal: group commit ----

    /// <summary>
    /// Writes what is waiting if no write is in flight; with nothing to write, lets its waiters go at
    /// once. Under load writes are spaced by engine.persistence.min-write-interval, so each carries
    /// more; an idle symbol writes at once.
    /// </summary>
    private void Flush()
    {
        if (_inFlight is not null) return;
        if (_current.Events.Count == 0)
        {
            Release(_current);
            _current.Clear();
            return;
        }
        var wait = _settings.MinWriteInterval - Stopwatch.GetElapsedTime(_lastWriteStarted);
        if (wait > TimeSpan.Zero)
        {
            if (!_flushScheduled) Timers.StartSingleTimer("flush", new FlushNow(), wait);
            _flushScheduled = true;
            return;
        }
        _lastWriteStarted = Stopwatch.GetTimestamp();
        var write = _current;
        _current = _spare;
        _inFlight = write;
        PersistAllAsync(write.Events, _ => { });
        _assignedSequenceNr += write.Events.Count;
        DeferAsync(write, Written);
    }

    private void Written(PendingWrite write)
    {
        var now = Stopwatch.GetTimestamp();
        _latency.JournalWrite.Record(now - _lastWriteStarted);
        var filled = false;
        foreach (var e in write.Events)
        {
            switch (e)
            {
                case OrderAccepted a:
                    _counters.OrderAccepted(a.Order.Flatten);
                    CountersOf(a.Order.StrategyId)?.OrderAccepted();
                    break;
                case OrderRejected r:
                    _counters.OrderRejected(r.Reason);
                    CountersOf(r.StrategyId)?.OrderRejected();
                    break;
                case OrderFilled f:
                    _counters.OrderFilled();
                    Filled(f.Fill, now);
                    filled = true;
                    break;
                case OrderCancelled c:
                    _counters.OrderCancelled();
                    // Orders decided before a restart are not in the clock: counted in the total only.
                    if (_orderClock.Remove(c.OrderId, out var cancelled) && cancelled.Strategy >= 0) _strategyCounters[cancelled.Strategy].OrderCancelled();
                    break;
                case OrderDeferred d:
                    _counters.OrderDeferred();
                    CountersOf(d.StrategyId)?.OrderDeferred();
                    break;
            }
        }
        if (filled) CountOpenPositions();
        foreach (var arrived in write.OrderArrivals) _latency.TickToOrder(now - arrived);
        MaybeWriteSnapshot();
        _inFlight = null;
        Release(write);
        write.Clear();
        _spare = write;
        Flush();
        StopIfIdle();
    }

    private StrategyCounters? CountersOf(string strategyId) => IndexOf(strategyId) is var i and >= 0 ? _strategyCounters[i] : null;

    /// <summary>A journaled fill: its strategy's count, its order's time to fill and its slippage against the price it was decided at.</summary>
    private void Filled(Fill fill, long now)
    {
        var counters = CountersOf(fill.StrategyId);
        counters?.OrderFilled();
        if (!_orderClock.Remove(fill.OrderId, out var decided)) return; // decided before a restart
        _latency.OrderToFill.Record(now - decided.DecidedAt);
        if (decided.Price is { } p && p > 0m)
            counters?.Slippage((double)((fill.Price - p) / p * 10_000m) * fill.Side.Sign());
    }

    /// <summary>Whether each strategy holds a position here, reflected in its open-positions gauge.</summary>
    private void CountOpenPositions(bool stopping = false)
    {
        for (var i = 0; i < _positionOpen.Length; i++)
        {
            var open = !stopping && _core.State.Books.TryGetValue(_settings.Strategies[i].Id, out var book) && book.Position.Quantity != 0m;
            if (open == _positionOpen[i]) continue;
            _positionOpen[i] = open;
            if (open) _strategyCounters[i].PositionOpened();
            else _strategyCounters[i].PositionClosed();
        }
    }

    protected override void PostStop()
    {
        // Its positions are counted by the node where it starts next.
        CountOpenPositions(stopping: true);
        base.PostStop();
    }

    /// <summary>Everything in this write, and before it, is journaled: acknowledge and confirm.</summary>
    private void Release(PendingWrite write)
    {
        if (write.UpToBatch >= 0 && _coordinator is not null)
            _coordinator.Tell(new BatchesJournaled(_symbol, write.UpToBatch, write.Events.Count, write.Fills, write.Realized));
        foreach (var (epoch, asOf) in write.Confirmations)
            _killSwitch.Tell(new KillSwitchActor.Confirmed(_symbol, epoch, asOf));
        foreach (var (to, answer) in write.Answers) to.Tell(answer);
    }

    // ---- failures: a journal fault stops the feed, anything else escalates to the kill switch ----

    /// <summary>
    /// The journal failed a write: nothing this symbol does can count, so trading stops with the feed,
    /// at once. The halt is not journaled (the journal is what failed, and a halt written by a later
    /// write that happened to fit would outlive the fault): once the fault is fixed, the same run
    /// resumes from what the journal holds.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        JournalFault($"its journal failed: {cause.Message}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        JournalFault($"its journal rejected an event: {cause.Message}");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void JournalFault(string why)
    {
        _counters.Automatic("journal_failure");
        _counters.JournalWriteFailed();
        if (_coordinator is null) _log.Error("symbol {0}: {1}; it stops and recovers from the journal on its next message", _symbol, why);
        _coordinator?.Tell(new SymbolFailed(_symbol, why));
    }

    /// <summary>
    /// An unexpected exception in this actor: halt the symbol until an operator has looked, and stop the
    /// feed. What was in flight is lost, and a restarted symbol that went on with the next batch would
    /// trade on partial data; a new run replays the feed from its start and recovers exactly.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _counters.Automatic("engine_failure");
        var why = $"unexpected failure: {reason.GetType().Name}: {reason.Message}";
        Halt(RiskScope.Symbol(_symbol).ToString(), why);
        _coordinator?.Tell(new SymbolFailed(_symbol, why));
        base.PreRestart(reason, message);
    }

    /// <summary>Through the engine's halt requests, which keep it until the kill switch has it (it may be restarting).</summary>
    private void Halt(string scope, string reason) =>
        Context.ActorSelection(KillSwitchRequests.Path).Tell(new KillSwitchActor.Engage(scope, reason, PersistenceId));
}

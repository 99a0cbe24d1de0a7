using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Engine.Actors.Metrics;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Domain.Risk;
using Prometheus;

namespace Engine.Host.Http;

/// <summary>
/// The engine's Prometheus metrics. Nothing here runs on the trade path: the actors keep plain
/// Interlocked counters (EngineCounters, EngineLatency, FeedStatistics) and this copies them into
/// prometheus-net collectors when Prometheus scrapes (a before-collect callback). The cluster's
/// sharding statistics and the kill switch's state are asked for then, with a short limit; if an
/// answer does not come, the last one stays.
/// </summary>
public sealed class EngineMetrics
{
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(2);
    private static readonly MemberStatus[] Statuses = Enum.GetValues<MemberStatus>();
    // Components whose series exist from the start (at 0), so alerts and dashboards see them before the first error.
    private static readonly string[] KnownComponents = ["SymbolActor", "StrategyActor", "FeedCoordinator", "KillSwitchActor", "RiskSupervisor", "EngineGuardian", "RunDirector"];
    private static readonly string[] OrderOutcomes = ["accepted", "rejected", "filled", "cancelled", "deferred"];

    private readonly ActorSystem _system;
    private readonly EngineSettings _settings;
    private readonly IActorRef _killSwitch;
    private readonly IActorRef _symbols;
    private readonly EngineCounters _counters;
    private readonly EngineLatency _latency;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private readonly Gauge _pnl;
    private readonly Gauge _positions;
    private readonly Gauge _exposure;
    private readonly Gauge _killSwitchState;
    private readonly Gauge _fillRate;
    private readonly Gauge _slippage;
    private readonly Counter _errors;
    private readonly Counter _marketEvents;
    private readonly Counter _orders;
    private readonly Counter _rejections;
    private readonly Gauge _drawdown;
    private readonly Gauge _equity;
    private readonly Gauge _highWaterMark;
    private readonly Gauge _dailyLoss;
    private readonly Gauge _drawdownLimit;
    private readonly Gauge _dailyLossLimit;
    private readonly Gauge _reducing;
    private readonly Gauge _members;
    private readonly Gauge _unreachable;
    private readonly Gauge _shards;
    private readonly Gauge _entities;
    private readonly Gauge _backlog;
    private readonly Counter _journalFailures;
    private readonly Gauge _feedLag;
    private readonly HistogramFeed _tickToOrder;
    private readonly HistogramFeed _orderToFill;
    private readonly HistogramFeed _journalWrite;

    public EngineMetrics(CollectorRegistry registry, ActorSystem system, EngineSettings settings, IActorRef killSwitch, IActorRef symbols)
    {
        _system = system;
        _settings = settings;
        _killSwitch = killSwitch;
        _symbols = symbols;
        _counters = EngineCounters.For(system);
        _latency = EngineLatency.For(system);
        var f = Metrics.WithCustomRegistry(registry);
        _pnl = f.CreateGauge("trading_pnl_total", "P&L of every account, by type (realized after fees, unrealized at the last price)", "type");
        _positions = f.CreateGauge("trading_positions_open", "Symbols on this node where the strategy holds a position", "strategy");
        _exposure = f.CreateGauge("trading_exposure_pct", "Exposure as a percentage of the account's limit (gross, or absolute net)", "account", "type");
        _killSwitchState = f.CreateGauge("trading_kill_switch", "Kill switch per scope: 1 engaged (halted or reducing), 0 released", "scope");
        _fillRate = f.CreateGauge("trading_fill_rate", "Fills per accepted order on this node", "strategy");
        _slippage = f.CreateGauge("trading_slippage_bps", "Mean slippage of fills against the last price when the order was decided, basis points (positive: cost)", "strategy");
        _errors = f.CreateCounter("trading_errors_total", "Warnings and errors logged, by the component (type) that logged them", "component", "severity");
        _marketEvents = f.CreateCounter("trading_market_events_total", "Market events read, by feed and outcome (accepted, or the rejection reason)", "feed", "outcome");
        _orders = f.CreateCounter("trading_orders_total", "Orders by strategy and outcome, counted once journaled", "strategy", "outcome");
        _rejections = f.CreateCounter("trading_rejections_total", "Orders rejected, by reason", "reason");
        _drawdown = f.CreateGauge("trading_drawdown", "Fall of the account's P&L from its intraday high-water mark", "account");
        _equity = f.CreateGauge("trading_account_value", "The account's funds at the last boundary, by type (equity: starting cash + P&L; cash: equity - holdings)", "account", "type");
        _highWaterMark = f.CreateGauge("trading_high_water_mark", "The account's intraday high-water mark of P&L", "account");
        _dailyLoss = f.CreateGauge("trading_daily_loss", "The account's loss since the start of its trading day", "account");
        // The limits beside the figures, so alerts compare with the configured limit rather than a copy of it.
        _drawdownLimit = f.CreateGauge("trading_drawdown_limit", "The account's max-drawdown setting", "account");
        _dailyLossLimit = f.CreateGauge("trading_daily_loss_limit", "The account's max-daily-loss setting", "account");
        _reducing = f.CreateGauge("trading_reducing", "Kill switch per scope: 1 REDUCING (only orders that shrink a position), 0 otherwise", "scope");
        _members = f.CreateGauge("engine_cluster_members", "Cluster members by status, as this node sees them", "status");
        _unreachable = f.CreateGauge("engine_cluster_unreachable_members", "Cluster members this node's failure detector finds unreachable");
        _shards = f.CreateGauge("engine_shards", "Symbol shards hosted, per node", "node");
        _entities = f.CreateGauge("engine_entities", "Symbol entities (actors) running, per node", "node");
        _backlog = f.CreateGauge("engine_symbol_mailbox_backlog", "Market events sent to symbols and not yet processed (this node's feed)");
        var latencyBuckets = new HistogramConfiguration { Buckets = BucketHistogram.LatencyBoundsSeconds, LabelNames = ["kind"] };
        var orderLatency = f.CreateHistogram("trading_order_latency_seconds",
            "tick_to_order: a market event's dispatch to its symbol until the order it caused is journaled; order_to_fill: an order's decision until its fill is journaled",
            latencyBuckets);
        _journalWrite = new HistogramFeed(f.CreateHistogram("engine_journal_write_seconds", "One journal write of a symbol, start to completion",
            new HistogramConfiguration { Buckets = BucketHistogram.LatencyBoundsSeconds }), _latency.JournalWrite);
        _journalFailures = f.CreateCounter("engine_journal_write_failures_total", "Journal writes that failed or were rejected");
        _feedLag = f.CreateGauge("engine_feed_lag_seconds", "Market time between the newest event read and the last time-slice boundary every symbol passed");
        _tickToOrder = new HistogramFeed(orderLatency.WithLabels("tick_to_order"), _latency.TickToOrderBuckets);
        _orderToFill = new HistogramFeed(orderLatency.WithLabels("order_to_fill"), _latency.OrderToFill);

        foreach (var c in KnownComponents)
        {
            _errors.WithLabels(c, "error");
            _errors.WithLabels(c, "warning");
        }
        _killSwitchState.WithLabels("engine").Set(0);
        _reducing.WithLabels("engine").Set(0);
        foreach (var (account, limits) in settings.Risk.Accounts)
        {
            _drawdownLimit.WithLabels(account).Set((double)limits.MaxDrawdown);
            _dailyLossLimit.WithLabels(account).Set((double)limits.MaxDailyLoss);
        }
        registry.AddBeforeCollectCallback(UpdateAsync);
    }

    private async Task UpdateAsync(CancellationToken cancellation)
    {
        // Two scrapes at once would replay the histograms' new observations twice.
        await _gate.WaitAsync(cancellation);
        try
        {
            var sharding = ShardingAsync(cancellation);
            var kill = KillSwitchAsync(cancellation);
            Counters();
            Cluster();
            _tickToOrder.Update();
            _orderToFill.Update();
            _journalWrite.Update();
            await sharding;
            await kill;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Counters()
    {
        var s = _counters.Snapshot();
        decimal realized = 0, unrealized = 0;
        foreach (var (account, view) in s.Accounts)
        {
            realized += view.Realized;
            unrealized += view.Unrealized;
            _drawdown.WithLabels(account).Set((double)view.Drawdown);
            _highWaterMark.WithLabels(account).Set((double)view.HighWaterMark);
            _dailyLoss.WithLabels(account).Set((double)view.DailyLoss);
            if (view.Equity is { } equity) _equity.WithLabels(account, "equity").Set((double)equity);
            if (view.Cash is { } cash) _equity.WithLabels(account, "cash").Set((double)cash);
            if (_settings.Risk.Accounts.TryGetValue(account, out var limits)) Exposure(account, view, limits);
        }
        _pnl.WithLabels("realized").Set((double)realized);
        _pnl.WithLabels("unrealized").Set((double)unrealized);
        foreach (var strategy in _settings.Strategies)
        {
            var c = _counters.Strategy(strategy.Id);
            _positions.WithLabels(strategy.Id).Set(c.OpenPositions);
            var accepted = c.Accepted;
            _fillRate.WithLabels(strategy.Id).Set(accepted == 0 ? 0 : (double)c.Filled / accepted);
            _slippage.WithLabels(strategy.Id).Set(c.SlippageBps ?? 0);
            long[] counts = [accepted, c.Rejected, c.Filled, c.Cancelled, c.Deferred];
            for (var i = 0; i < OrderOutcomes.Length; i++) _orders.WithLabels(strategy.Id, OrderOutcomes[i]).IncTo(counts[i]);
        }
        foreach (var (reason, n) in s.RejectionsByReason) _rejections.WithLabels(reason).IncTo(n);
        foreach (var ((component, severity), n) in _counters.LoggedBySource) _errors.WithLabels(component, severity).IncTo(n);
        foreach (var (feed, accepted, rejected) in FeedMetrics.Read())
        {
            _marketEvents.WithLabels(feed, "accepted").IncTo(accepted);
            foreach (var (reason, n) in rejected) _marketEvents.WithLabels(feed, reason).IncTo(n);
        }
        // Scopes this node's kill switch changed; the singleton's own answer (below) covers the others.
        foreach (var (scope, gauge) in s.Scopes) _killSwitchState.WithLabels(scope).Set(gauge.State == TradingState.Active ? 0 : 1);
        var (backlog, lag) = _counters.Feed();
        _backlog.Set(backlog);
        if (lag is { } l) _feedLag.Set(l.TotalSeconds);
        _journalFailures.IncTo(_counters.JournalWriteFailures);
    }

    private void Exposure(string account, AccountRiskView view, AccountLimits limits)
    {
        if (limits.MaxGrossExposure > 0) _exposure.WithLabels(account, "gross").Set((double)(view.GrossExposure / limits.MaxGrossExposure * 100m));
        if (limits.MaxNetExposure > 0) _exposure.WithLabels(account, "net").Set((double)(Math.Abs(view.NetExposure) / limits.MaxNetExposure * 100m));
    }

    private void Cluster()
    {
        var state = Akka.Cluster.Cluster.Get(_system).State;
        foreach (var status in Statuses)
            _members.WithLabels(status.ToString().ToLowerInvariant()).Set(state.Members.Count(m => m.Status == status));
        _unreachable.Set(state.Unreachable.Count);
    }

    private async Task ShardingAsync(CancellationToken cancellation)
    {
        ClusterShardingStats stats;
        try
        {
            stats = await _symbols.Ask<ClusterShardingStats>(new GetClusterShardingStats(AskLimit), AskLimit + AskLimit, cancellation);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            return; // the last answer stays
        }
        var nodes = stats.Regions.Keys.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var gauge in new[] { _shards, _entities })
        {
            foreach (var labels in gauge.GetAllLabelValues().ToList())
                if (!nodes.Contains(labels[0])) gauge.RemoveLabelled(labels);
        }
        foreach (var (address, region) in stats.Regions)
        {
            _shards.WithLabels(address.ToString()).Set(region.Stats.Count);
            _entities.WithLabels(address.ToString()).Set(region.Stats.Values.Sum());
        }
    }

    private async Task KillSwitchAsync(CancellationToken cancellation)
    {
        try
        {
            var status = await _killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), AskLimit, cancellation);
            foreach (var (scope, change) in status.Scopes)
            {
                _killSwitchState.WithLabels(scope).Set(change.State == TradingState.Active ? 0 : 1);
                _reducing.WithLabels(scope).Set(change.State == TradingState.Reducing ? 1 : 0);
            }
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            // the singleton is moving or starting: the last answer stays
        }
    }

    /// <summary>
    /// Copies a BucketHistogram into a prometheus-net histogram with the same bounds: each bucket's new
    /// observations since the last scrape are observed once, at their mean, which lies in that bucket.
    /// </summary>
    private sealed class HistogramFeed(IHistogram target, BucketHistogram source)
    {
        private readonly (long Count, double SumSeconds)[] _seen = new (long, double)[source.BoundsSeconds.Count + 1];

        public void Update()
        {
            var now = source.Read();
            for (var i = 0; i < now.Length; i++)
            {
                var count = now[i].Count - _seen[i].Count;
                if (count <= 0) continue; // a sum recorded before its count waits for the count
                var lo = i == 0 ? 0 : source.BoundsSeconds[i - 1];
                var hi = i < source.BoundsSeconds.Count ? source.BoundsSeconds[i] : double.MaxValue;
                var mean = Math.Clamp((now[i].SumSeconds - _seen[i].SumSeconds) / count, lo, hi);
                if (mean <= lo && i > 0) mean = Math.BitIncrement(lo);
                target.Observe(mean, count);
                _seen[i] = now[i];
            }
        }
    }
}

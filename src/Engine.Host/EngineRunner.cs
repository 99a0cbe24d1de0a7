using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors;
using Engine.Actors.Feeds;
using Engine.Actors.Persistence;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.MarketData;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;
using Engine.MarketData;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Engine.Host;

/// <summary>
/// The engine's main job on one node: start the actor system (cluster of one, sharding, SQLite
/// journal), run the feed through the symbol actors, then read the summary back from the actors and
/// the fills from the journal.
/// </summary>
/// <param name="shapeFeed">Lets a benchmark pace or reshape the feed; null for the feed as read.</param>
public sealed class EngineRunner(
    EngineOptions options, Config config, EngineSettings settings, TextWriter progress,
    Func<Source<IReadOnlyList<SequencedEvent>, NotUsed>, Source<IReadOnlyList<SequencedEvent>, NotUsed>>? shapeFeed = null)
{
    /// <summary>The actor system of the run in progress (for benchmarks that read its metrics).</summary>
    public ActorSystem? System { get; private set; }

    public async Task<RunSummary> RunAsync(CancellationToken cancellation)
    {
        var (sources, sourceName, universe, skipped) = OpenInput(options, config);
        // Each skipped file once, a few per reason, at start (the folder scan's) and as the readers
        // find more (corrupt or misnamed archives); all of them are in the summary.
        var skipLog = new SkippedFileLog(line => progress.WriteLine($"[data] {line}"));
        if (skipped is not null)
        {
            skipped.Subscribe(skipLog.OnSkipped);
            skipLog.Flush();
        }
        // Held until the actor system is gone: one engine per journal, and the journal knows its input.
        using var hold = Journals.Hold(config, RunInput.Of(options, config), options.ContinueAnyway, progress);
        var sqlite = SqliteJournal.Prepare(config, FaultJournalMaxPages());

        using var host = EngineHost.Build(config, settings, sqlite);
        await host.StartAsync(cancellation);
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            System = system;
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            await EngineHost.WaitUntilUpAsync(system, cancellation);
            var guardian = await registry.GetAsync<EngineGuardian>(cancellation);
            var killSwitch = await registry.GetAsync<KillSwitchActor>(cancellation);
            var risk = await registry.GetAsync<RiskSupervisors>(cancellation);
            var region = await registry.GetAsync<SymbolRegion>(cancellation);

            var stats = new FeedStatistics();
            var rejectionLog = new FirstRejectionPerReason(r => progress.WriteLine(
                $"[data] rejected {r.Reason.Code()} at {r.Source}:{r.Line}: {r.Detail} (further '{r.Reason.Code()}' rejections are only counted)"));
            var feed = MarketDataFeed.Create(sources, new MarketDataValidator(universe), stats, rejectionLog.OnRejected);
            if (options.SpeedMultiplier is { } speed) feed = feed.Paced(speed);
            if (shapeFeed is not null) feed = shapeFeed(feed);

            var progressState = new Progress { KillAfterJournaledEvents = FaultKillAfterJournaledEvents() };
            var latency = Engine.Actors.Metrics.EngineLatency.For(system);
            latency.Reset();
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var clock = Stopwatch.StartNew();
            var done = new TaskCompletionSource<FeedCoordinator.FeedCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = system.ActorOf(Props.Create(() => new CompletionListener(done)));
            var coordinator = await guardian.Ask<IActorRef>(
                new EngineGuardian.StartFeed("main", feed, region, progressState, listener), TimeSpan.FromSeconds(10), cancellation);
            FeedCoordinator.FeedCompleted completed;
            await using (cancellation.Register(() => coordinator.Tell(new FeedCoordinator.Stop())))
            {
                using var ticker = StartProgress(progressState, stats, clock);
                using var watchdog = WatchJournal(hold, system, coordinator);
                completed = await done.Task;
            }
            var elapsed = clock.Elapsed.TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            // Stopped by a signal: what was read is processed and journaled (the feed's Stop), and the
            // summary so far is still read back, so nothing below may be cancelled.
            var stopped = completed.Stopped || cancellation.IsCancellationRequested;

            try
            {
                // A run that failed already (its journal may be gone) shows what can still be read and
                // names the rest, so the summary so far is never lost to a second failure.
                return await Summarize(partial: completed.Error is not null);
            }
            catch (Exception ex)
            {
                // Nothing here is cancelled by a signal, so any failure is the journal's or the system's:
                // one line instead of a stack trace.
                var cause = ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message;
                throw new RunFailedException($"the run ended but its summary could not be read back from the journal: {cause}");
            }

            async Task<RunSummary> Summarize(bool partial)
            {
                // Partial: every read shares one ask timeout, and a read that fails is named instead.
                var budget = Stopwatch.StartNew();
                var unread = new List<string>();
                async Task<T> Read<T>(string what, Func<TimeSpan, Task<T>> read, T fallback)
                {
                    if (!partial) return await read(settings.AskTimeout);
                    var left = settings.AskTimeout - budget.Elapsed;
                    try
                    {
                        if (left > TimeSpan.Zero) return await read(left).WaitAsync(left);
                    }
                    catch (Exception ex)
                    {
                        unread.Add($"{what} ({(ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message)})");
                        return fallback;
                    }
                    unread.Add($"{what} (no time left)");
                    return fallback;
                }

                var reports = new List<SymbolReport>();
                foreach (var symbol in completed.Symbols)
                {
                    if (await Read($"{symbol}'s report", async t => (SymbolReport?)await AskSymbol(region, symbol, t), null) is { } report) reports.Add(report);
                }
                var (fills, journaled) = await Read("the fill log", _ => ReadFillsFromJournal(system, completed.Symbols),
                    ((IReadOnlyList<Fill>)Array.Empty<Fill>(), 0L));
                var snap = stats.Snapshot();
                skipLog.Flush();
                var feedSummary = new FeedSummary(sourceName, snap.Read, snap.Accepted, snap.Rejected,
                    snap.RejectedByReason.ToDictionary(kv => kv.Key.Code(), kv => kv.Value))
                {
                    SkippedFiles = skipped?.Snapshot().Select(f => new SkippedFileRow(f.Path, f.Reason.Code(), f.Detail)).ToArray() ?? [],
                };
                var status = await Read("the trading states", t => killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), t),
                    new KillSwitchActor.Status(new Dictionary<string, Engine.Domain.Risk.ScopeChange>(), 0));
                var audit = await Read("the kill-switch audit", t => killSwitch.Ask<KillSwitchActor.AuditTrail>(new KillSwitchActor.GetAudit(), t),
                    new KillSwitchActor.AuditTrail(Array.Empty<IKillSwitchEvent>()));
                var accounts = new List<RiskSupervisor.AccountRiskReport>();
                foreach (var account in settings.Risk.Accounts.Keys)
                {
                    if (await Read($"account {account}", async t => (RiskSupervisor.AccountRiskReport?)await risk.Ask<RiskSupervisor.AccountRiskReport>(new RiskSupervisor.GetAccountRisk(account), t),
                            null) is { } a) accounts.Add(a);
                }
                return RunSummary.Build(feedSummary, reports, fills, elapsed, status, audit.Events, accounts, completed.Error, journaled) with
                {
                    TickToDecision = LatencyRow.Of(latency.TickToDecisionNanoseconds()),
                    TickToOrder = LatencyRow.Of(latency.TickToOrderNanoseconds()),
                    FeedAllocatedBytes = allocated,
                    Stopped = stopped,
                    Unread = unread,
                };
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            System = null;
        }
    }

    /// <summary>
    /// A symbol's report, asked again in short tries until the ask timeout: a query that reaches an
    /// entity as it stops (its journal failed) is lost, and the next one starts it from its journal.
    /// </summary>
    private static async Task<SymbolReport> AskSymbol(IActorRef region, string symbol, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var attempt = TimeSpan.FromTicks(Math.Min(timeout.Ticks, TimeSpan.FromSeconds(3).Ticks));
        while (true)
        {
            try
            {
                return await region.Ask<SymbolReport>(new GetSymbolReport(symbol), attempt);
            }
            catch (AskTimeoutException) when (deadline.Elapsed + attempt <= timeout)
            {
            }
        }
    }

    /// <summary>
    /// ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS=N makes the process SIGKILL itself once N events are
    /// journaled: a crash at a point set by the journal, not by the clock, for the restart tests.
    /// </summary>
    private static long? FaultKillAfterJournaledEvents() =>
        long.TryParse(Environment.GetEnvironmentVariable("ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS"), out var n) && n > 0 ? n : null;

    /// <summary>
    /// A journal this run no longer holds (its SQLite file removed, its PostgreSQL lease gone) is a
    /// journal failure: trading stops with the feed and the run ends at once, naming it.
    /// </summary>
    private static Timer WatchJournal(IJournalHold hold, ActorSystem system, IActorRef coordinator)
    {
        var busy = 0;
        var reported = false;
        return new Timer(_ =>
        {
            if (reported || Interlocked.Exchange(ref busy, 1) == 1) return;
            try
            {
                if (hold.Lost() is not { } why) return;
                reported = true;
                // Not a kill-switch halt: that would be journaled where the fault is (see SymbolActor.JournalFault).
                coordinator.Tell(new FeedCoordinator.Abort(why));
            }
            finally
            {
                Volatile.Write(ref busy, 0);
            }
        }, null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500));
    }

    /// <summary>
    /// ENGINE_FAULT_JOURNAL_MAX_PAGES=N lets the SQLite journal grow to N pages only, so a write fails
    /// mid-run exactly as on a full disk: the journal-fault tests use it.
    /// </summary>
    private static long? FaultJournalMaxPages() =>
        long.TryParse(Environment.GetEnvironmentVariable("ENGINE_FAULT_JOURNAL_MAX_PAGES"), out var n) && n > 0 ? n : null;

    /// <summary>Passes the feed's completion from the actor world to the host's task.</summary>
    private sealed class CompletionListener : ReceiveActor
    {
        public CompletionListener(TaskCompletionSource<FeedCoordinator.FeedCompleted> done) =>
            Receive<FeedCoordinator.FeedCompleted>(c =>
            {
                done.TrySetResult(c);
                Context.Stop(Self);
            });
    }

    /// <summary>The feed's sources as the options and configuration name them: --data, or the synthetic feed.</summary>
    public static (IReadOnlyList<IFeedSource> Sources, string Name, IReadOnlySet<string>? Universe) OpenSources(EngineOptions options, Config config)
    {
        var (sources, name, universe, _) = OpenInput(options, config);
        return (sources, name, universe);
    }

    /// <summary><see cref="OpenSources"/> with the files of --data that are not read and why (null for
    /// the synthetic feed); the sources add to it the files they refuse as they read.</summary>
    public static (IReadOnlyList<IFeedSource> Sources, string Name, IReadOnlySet<string>? Universe, SkippedFiles? Skipped) OpenInput(
        EngineOptions options, Config config)
    {
        if (options.DataPath is { } path)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                throw new UsageException($"--data: '{path}' does not exist");
            try
            {
                var detected = FeedDetector.Detect(path);
                return (detected.Sources, Path.GetFullPath(path), null, detected.Skipped);
            }
            catch (FeedFormatException ex)
            {
                throw new UsageException($"--data: {ex.Message}");
            }
        }
        var synthetic = SyntheticConfig.Read(config);
        var name = $"synthetic (seed {synthetic.Seed}, {string.Join(",", synthetic.Symbols)}, {synthetic.TradingDays} days from {synthetic.StartDate:yyyy-MM-dd})";
        return (SyntheticFeedSource.Create(synthetic), name, synthetic.Symbols.ToHashSet(StringComparer.Ordinal), null);
    }

    /// <summary>The fill log comes from the journal, the record of what counted, not from memory.</summary>
    private static async Task<(IReadOnlyList<Fill> Fills, long Events)> ReadFillsFromJournal(ActorSystem system, IEnumerable<string> symbols)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = system.Materializer();
        var fills = new List<Fill>();
        long events = 0;
        foreach (var symbol in symbols)
        {
            await journal.CurrentEventsByPersistenceId($"symbol-{symbol}", 0, long.MaxValue)
                .RunForeach(env =>
                {
                    events++;
                    if (env.Event is OrderFilled f) fills.Add(f.Fill);
                }, materializer);
        }
        return (fills, events);
    }

    private IDisposable StartProgress(Progress state, FeedStatistics stats, Stopwatch clock)
    {
        if (options.Quiet) return new Timer(_ => { });
        long lastRead = 0;
        var last = TimeSpan.Zero;
        return new Timer(_ =>
        {
            var s = stats.Snapshot();
            var now = clock.Elapsed;
            var rate = (s.Read - lastRead) / Math.Max(0.001, (now - last).TotalSeconds);
            lastRead = s.Read;
            last = now;
            progress.WriteLine(
                $"[{now:hh\\:mm\\:ss}] events {s.Read:N0} ({rate:N0}/s)  rejected {s.Rejected:N0}  fills {state.Fills:N0}  realized P&L {state.Realized:N2}");
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    /// <summary>What the progress line shows, fed by the feed (fills and P&amp;L once journaled).</summary>
    private sealed class Progress : IFeedObserver
    {
        private long _fills;
        private decimal _realized;
        private readonly object _gate = new();

        public long Fills => Interlocked.Read(ref _fills);

        public decimal Realized
        {
            get { lock (_gate) return _realized; }
        }

        public void Dispatched(int events)
        {
        }

        private long _journaled;

        /// <summary>Fault injection for crash tests: the process kills itself (SIGKILL) once this many events are journaled.</summary>
        public long? KillAfterJournaledEvents { get; init; }

        public void Journaled(int events, int fills, decimal realizedPnlDelta)
        {
            Interlocked.Add(ref _fills, fills);
            lock (_gate) _realized += realizedPnlDelta;
            if (Interlocked.Add(ref _journaled, events) >= KillAfterJournaledEvents)
                Process.GetCurrentProcess().Kill(); // a crash, not a shutdown: nothing after it runs
        }

        public void Boundary(DateTime marketTime)
        {
        }
    }
}

/// <summary>The run ended and its outcome cannot be reported (exit 1); the message names why.</summary>
public sealed class RunFailedException(string message) : Exception(message);

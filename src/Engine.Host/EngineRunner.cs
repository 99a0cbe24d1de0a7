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
        if (config.GetStringList("akka.cluster.seed-nodes").Count > 0) return await RunOnClusterAsync(cancellation);

        // Held until the actor system is gone: one engine per journal, and the journal knows its input.
        using var run = RunFeed.Open(options, config, progress, shapeFeed);
        var sqlite = SqliteJournal.Prepare(config, FaultJournalMaxPages());

        using var host = EngineHost.Build(config, settings, sqlite, announce: options.Quiet ? TextWriter.Null : Console.Error);
        await host.StartAsync(cancellation);
        try
        {
            var (system, registry) = await StartedAsync(host, cancellation);
            var guardian = await registry.GetAsync<EngineGuardian>(cancellation);
            var region = await registry.GetAsync<SymbolRegion>(cancellation);

            var latency = Engine.Actors.Metrics.EngineLatency.For(system);
            latency.Reset();
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var clock = Stopwatch.StartNew();
            var done = new TaskCompletionSource<FeedCoordinator.FeedCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = system.ActorOf(Props.Create(() => new CompletionListener(done)));
            var coordinator = await guardian.Ask<IActorRef>(
                new EngineGuardian.StartFeed("main", run.Feed, region, run.Observer, listener), TimeSpan.FromSeconds(10), cancellation);
            FeedCoordinator.FeedCompleted completed;
            await using (cancellation.Register(() => coordinator.Tell(new FeedCoordinator.Stop())))
            {
                run.Watch(coordinator);
                completed = await done.Task;
            }
            var elapsed = clock.Elapsed.TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            // Stopped by a signal: what was read is processed and journaled (the feed's Stop), and the
            // summary so far is still read back, so nothing below may be cancelled.
            var stopped = completed.Stopped || cancellation.IsCancellationRequested;
            var summary = await SummarizeAsync(system, registry, completed.Symbols, completed.Error, run.Tally(), elapsed, stopped);
            return summary with { FeedAllocatedBytes = allocated };
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            System = null;
        }
    }

    /// <summary>
    /// Cluster mode: this node joins, submits the run to the run singleton (the oldest member reads the
    /// feed) and follows it until it is done, submitting it again if the singleton moved (its member
    /// died or left: the run then starts again from its input there). The summary is read back from
    /// the cluster and the journal as on one node.
    /// </summary>
    private async Task<RunSummary> RunOnClusterAsync(CancellationToken cancellation)
    {
        var input = RunInput.Of(options, config);
        var request = new RunRequest(Guid.NewGuid().ToString("N"), options.DataPath is { } path ? Path.GetFullPath(path) : null,
            options.SyntheticSymbols ?? [], options.SpeedMultiplier, options.ContinueAnyway, RunInput.Digest(input));
        using var host = EngineHost.Build(config, settings, journalSetup: null, new ClusterRunLauncher(options.ConfigFile, Environment.GetEnvironmentVariable, progress),
            options.Quiet ? TextWriter.Null : Console.Error);
        await host.StartAsync(cancellation);
        try
        {
            var (system, registry) = await StartedAsync(host, cancellation);
            var director = await registry.GetAsync<RunDirector>(cancellation);
            var latency = Engine.Actors.Metrics.EngineLatency.For(system);
            latency.Reset();
            var clock = Stopwatch.StartNew();
            await SubmitAsync(director, request, cancellation);
            var stopSent = false;
            var lastLine = TimeSpan.Zero;
            long lastRead = 0;
            string? halted = null;
            RunResult result;
            while (true)
            {
                if (cancellation.IsCancellationRequested && !stopSent)
                {
                    director.Tell(new RunDirector.StopRun(request.RunId));
                    stopSent = true;
                }
                RunDirector.RunStatus status;
                try
                {
                    status = await director.Ask<RunDirector.RunStatus>(new RunDirector.GetRun(request.RunId), TimeSpan.FromSeconds(5));
                }
                catch (AskTimeoutException)
                {
                    continue; // the singleton is moving: its proxy keeps the question until it is back
                }
                if (status.Result is { } r)
                {
                    result = r;
                    break;
                }
                if (status.Progress is not { } p)
                {
                    progress.WriteLine("[cluster] the run's node is gone; the run starts again from its input on the next oldest member");
                    await SubmitAsync(director, request, CancellationToken.None);
                    stopSent = false;
                    continue;
                }
                if (p.Halted != halted)
                {
                    progress.WriteLine(p.Halted is { } why
                        ? $"[cluster] trading halted: {why}. The run waits for the journal; then an operator releases the engine scope " +
                          "(engine-cli <node>:9110 kill-switch release -r <why>) and the feed is read again from its start"
                        : "[cluster] the engine scope was released: the feed is read again from its start");
                    halted = p.Halted;
                }
                if (!options.Quiet && clock.Elapsed - lastLine >= TimeSpan.FromSeconds(2))
                {
                    var now = clock.Elapsed;
                    progress.WriteLine(RunFeed.ProgressLine(now, p, (p.Read - lastRead) / Math.Max(0.001, (now - lastLine).TotalSeconds)));
                    (lastLine, lastRead) = (now, p.Read);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
            var stopped = result.Stopped || cancellation.IsCancellationRequested;
            return await SummarizeAsync(system, registry, result.Symbols, result.Error, result.Feed, clock.Elapsed.TotalSeconds, stopped);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            System = null;
        }
    }

    /// <summary>Until the run singleton has taken the run (it may be moving, or waiting for the journal); refused: why.</summary>
    private async Task SubmitAsync(IActorRef director, RunRequest request, CancellationToken cancellation)
    {
        while (true)
        {
            object reply;
            try
            {
                reply = await director.Ask<object>(new RunDirector.StartRun(request), TimeSpan.FromSeconds(30), cancellation);
            }
            catch (AskTimeoutException)
            {
                progress.WriteLine("[cluster] the run singleton has not answered yet; asking again");
                continue;
            }
            if (reply is RunDirector.RunRefused refused) throw new UsageException($"the cluster refused the run: {refused.Reason}");
            return;
        }
    }

    private async Task<(ActorSystem System, ActorRegistry Registry)> StartedAsync(IHost host, CancellationToken cancellation)
    {
        var system = host.Services.GetRequiredService<ActorSystem>();
        System = system;
        await EngineHost.WaitUntilUpAsync(system, cancellation);
        return (system, host.Services.GetRequiredService<ActorRegistry>());
    }

    /// <summary>
    /// The run's summary, read back from the actors and the journal. A run that failed already (its
    /// journal may be gone) shows what can still be read and names the rest, so the summary so far is
    /// never lost to a second failure.
    /// </summary>
    private async Task<RunSummary> SummarizeAsync(ActorSystem system, ActorRegistry registry, IReadOnlyList<string> symbols, string? error,
        FeedTally tally, double elapsed, bool stopped)
    {
        var killSwitch = await registry.GetAsync<KillSwitchActor>();
        var risk = await registry.GetAsync<RiskSupervisors>();
        var region = await registry.GetAsync<SymbolRegion>();
        var latency = Engine.Actors.Metrics.EngineLatency.For(system);
        var partial = error is not null;
        try
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
            foreach (var symbol in symbols)
            {
                if (await Read($"{symbol}'s report", async t => (SymbolReport?)await AskSymbol(region, symbol, t), null) is { } report) reports.Add(report);
            }
            var (fills, journaled) = await Read("the fill log", _ => ReadFillsFromJournal(system, symbols),
                ((IReadOnlyList<Fill>)Array.Empty<Fill>(), 0L));
            var feedSummary = new FeedSummary(tally.Source, tally.Read, tally.Accepted, tally.Rejected, tally.RejectedByReason.ToDictionary(kv => kv.Key, kv => kv.Value))
            {
                SkippedFiles = tally.Skipped.Select(f => new SkippedFileRow(f.Path, f.Reason, f.Detail)).ToArray(),
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
            return RunSummary.Build(feedSummary, reports, fills, elapsed, status, audit.Events, accounts, error, journaled) with
            {
                TickToDecision = LatencyRow.Of(latency.TickToDecisionNanoseconds()),
                TickToOrder = LatencyRow.Of(latency.TickToOrderNanoseconds()),
                Stopped = stopped,
                Unread = unread,
            };
        }
        catch (Exception ex)
        {
            // Nothing here is cancelled by a signal, so any failure is the journal's or the system's:
            // one line instead of a stack trace.
            var cause = ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message;
            throw new RunFailedException($"the run ended but its summary could not be read back from the journal: {cause}");
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
        var (sources, name, universe, _, _) = OpenInput(options, config);
        return (sources, name, universe);
    }

    /// <summary><see cref="OpenSources"/> with the files of --data that are not read and why (null for
    /// the synthetic feed); the sources add to it the files they refuse as they read.</summary>
    /// <remarks>Series: one line per LEAN series read (its resolution, kinds and reading), for the log.</remarks>
    public static (IReadOnlyList<IFeedSource> Sources, string Name, IReadOnlySet<string>? Universe, SkippedFiles? Skipped, IReadOnlyList<string> Series) OpenInput(
        EngineOptions options, Config config)
    {
        if (options.DataPath is { } path)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                throw new UsageException($"--data: '{path}' does not exist");
            try
            {
                var read = MarketDataConfig.Read(config);
                var detected = FeedDetector.Detect(path, read);
                return (detected.Sources, Path.GetFullPath(path), null, detected.Skipped, detected.Describe(read).ToArray());
            }
            catch (FeedFormatException ex)
            {
                throw new UsageException($"--data: {ex.Message}");
            }
        }
        var synthetic = SyntheticConfig.Read(config);
        var name = $"synthetic (seed {synthetic.Seed}, {string.Join(",", synthetic.Symbols)}, {synthetic.TradingDays} days from {synthetic.StartDate:yyyy-MM-dd})";
        return (SyntheticFeedSource.Create(synthetic), name, synthetic.Symbols.ToHashSet(StringComparer.Ordinal), null, []);
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
}

/// <summary>The run ended and its outcome cannot be reported (exit 1); the message names why.</summary>
public sealed class RunFailedException(string message) : Exception(message);

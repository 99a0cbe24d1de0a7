using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams.Dsl;
using Engine.Actors.Feeds;
using Engine.Actors.Settings;
using Engine.Domain.MarketData;
using Engine.MarketData;

namespace Engine.Host;

/// <summary>
/// A run's feed on the node that reads it (the run's own process on one node, the run singleton's
/// node in a cluster): its input opened, the journal held for it, the data problems and progress
/// lines it prints, and the tally its summary reports. The journal is let go on Dispose.
/// </summary>
public sealed class RunFeed : ILaunchedRun
{
    private readonly EngineOptions _options;
    private readonly TextWriter _log;
    private readonly IJournalHold _hold;
    private readonly FeedStatistics _stats;
    private readonly SkippedFiles? _skipped;
    private readonly SkippedFileLog _skipLog;
    private readonly string _sourceName;
    private readonly JournaledProgress _progress;
    private readonly List<IDisposable> _timers = new();
    // The journal watch asks the lease's session while the run goes on; Dispose closes that session.
    // One at a time: an Npgsql connection is not safe for concurrent use.
    private readonly object _holdGate = new();
    private bool _disposed;

    private RunFeed(EngineOptions options, TextWriter log, IJournalHold hold, FeedStatistics stats, SkippedFiles? skipped, SkippedFileLog skipLog,
        string sourceName, Source<IReadOnlyList<SequencedEvent>, NotUsed> feed)
    {
        _options = options;
        _log = log;
        _hold = hold;
        _stats = stats;
        _skipped = skipped;
        _skipLog = skipLog;
        _sourceName = sourceName;
        Feed = feed;
        _progress = new JournaledProgress { KillAfterJournaledEvents = FaultKillAfterJournaledEvents() };
    }

    public Source<IReadOnlyList<SequencedEvent>, NotUsed> Feed { get; }

    public IFeedObserver Observer => _progress;

    public IJournalHold Hold => _hold;

    /// <exception cref="UsageException">--data names nothing readable.</exception>
    /// <exception cref="JournalRefusedException">The journal is held by another engine or was recorded for other input.</exception>
    /// <param name="shapeFeed">Lets a benchmark pace or reshape the feed; null for the feed as read.</param>
    public static RunFeed Open(EngineOptions options, Config config, TextWriter log,
        Func<Source<IReadOnlyList<SequencedEvent>, NotUsed>, Source<IReadOnlyList<SequencedEvent>, NotUsed>>? shapeFeed = null)
    {
        var (sources, sourceName, universe, skipped, series) = EngineRunner.OpenInput(options, config);
        // Which resolution and reading each LEAN symbol got: a run never mixes them silently.
        foreach (var line in series) log.WriteLine($"[data] {line}");
        // Each skipped file once, a few per reason, at start (the folder scan's) and as the readers
        // find more (corrupt or misnamed archives); all of them are in the summary.
        var skipLog = new SkippedFileLog(line => log.WriteLine($"[data] {line}"));
        if (skipped is not null)
        {
            skipped.Subscribe(skipLog.OnSkipped);
            skipLog.Flush();
        }
        // Held until the run is over: one engine per journal, and the journal knows its input.
        var hold = Journals.Hold(config, RunInput.Of(options, config), options.ContinueAnyway, log);
        var stats = new FeedStatistics();
        Http.FeedMetrics.Register(Http.FeedMetrics.Label(options.DataPath), stats);
        var rejectionLog = new FirstRejectionPerReason(r => log.WriteLine(
            $"[data] rejected {r.Reason.Code()} at {r.Source}:{r.Line}: {r.Detail} (further '{r.Reason.Code()}' rejections are only counted)"));
        var feed = MarketDataFeed.Create(sources, new MarketDataValidator(universe), stats, rejectionLog.OnRejected);
        if (options.SpeedMultiplier is { } speed) feed = feed.Paced(speed);
        if (shapeFeed is not null) feed = shapeFeed(feed);
        return new RunFeed(options, log, hold, stats, skipped, skipLog, sourceName, feed);
    }

    /// <summary>The feed is running: progress lines (unless --quiet), and the journal watched.</summary>
    public void Watch(IActorRef feed)
    {
        _timers.Add(WatchJournal(feed));
        if (!_options.Quiet) _timers.Add(StartProgress(line => _log.WriteLine(line)));
    }

    public string? JournalFault()
    {
        lock (_holdGate) return _disposed ? "the run's journal hold is closed" : _hold.Lost();
    }

    public RunProgress Progress()
    {
        var s = _stats.Snapshot();
        return new RunProgress(s.Read, s.Rejected, _progress.Fills, _progress.Realized);
    }

    public FeedTally Tally()
    {
        var s = _stats.Snapshot();
        _skipLog.Flush();
        return new FeedTally(_sourceName, s.Read, s.Accepted, s.Rejected,
            s.RejectedByReason.ToDictionary(kv => kv.Key.Code(), kv => kv.Value, StringComparer.Ordinal),
            _skipped?.Snapshot().Select(f => new SkippedFileEntry(f.Path, f.Reason.Code(), f.Detail)).ToArray() ?? []);
    }

    public void Dispose()
    {
        foreach (var t in _timers) t.Dispose();
        _timers.Clear();
        lock (_holdGate)
        {
            if (_disposed) return;
            _disposed = true;
            _hold.Dispose();
        }
    }

    /// <summary>One progress line every 2 s: events read and their rate, rejections, fills and realized P&amp;L.</summary>
    private Timer StartProgress(Action<string> write)
    {
        var clock = Stopwatch.StartNew();
        long lastRead = 0;
        var last = TimeSpan.Zero;
        return new Timer(_ =>
        {
            var p = Progress();
            var now = clock.Elapsed;
            var rate = (p.Read - lastRead) / Math.Max(0.001, (now - last).TotalSeconds);
            lastRead = p.Read;
            last = now;
            write(ProgressLine(now, p, rate));
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    public static string ProgressLine(TimeSpan elapsed, RunProgress p, double rate) =>
        $"[{elapsed:hh\\:mm\\:ss}] events {p.Read:N0} ({rate:N0}/s)  rejected {p.Rejected:N0}  fills {p.Fills:N0}  realized P&L {p.Realized:N2}";

    /// <summary>
    /// A journal this run no longer holds (its SQLite file removed, its PostgreSQL lease gone) is a
    /// journal failure: trading stops with the feed and the run ends at once, naming it.
    /// </summary>
    private Timer WatchJournal(IActorRef feed)
    {
        var busy = 0;
        var reported = false;
        return new Timer(_ =>
        {
            if (reported || Interlocked.Exchange(ref busy, 1) == 1) return;
            try
            {
                string? why;
                lock (_holdGate)
                {
                    if (_disposed) return;
                    why = _hold.Lost();
                }
                if (why is null) return;
                reported = true;
                // Not a kill-switch halt: that would be journaled where the fault is (see SymbolActor.JournalFault).
                feed.Tell(new FeedCoordinator.Abort(why));
            }
            finally
            {
                Volatile.Write(ref busy, 0);
            }
        }, null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500));
    }

    /// <summary>
    /// ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS=N makes the process SIGKILL itself once N events are
    /// journaled: a crash at a point set by the journal, not by the clock, for the restart tests.
    /// </summary>
    private static long? FaultKillAfterJournaledEvents() =>
        long.TryParse(Environment.GetEnvironmentVariable("ENGINE_FAULT_KILL_AFTER_JOURNALED_EVENTS"), out var n) && n > 0 ? n : null;

    /// <summary>What the progress line shows, fed by the feed (fills and P&amp;L once journaled).</summary>
    private sealed class JournaledProgress : IFeedObserver
    {
        private long _fills;
        private decimal _realized;
        private long _journaled;
        private readonly object _gate = new();

        public long Fills => Interlocked.Read(ref _fills);

        public decimal Realized
        {
            get { lock (_gate) return _realized; }
        }

        /// <summary>Fault injection for crash tests: the process kills itself (SIGKILL) once this many events are journaled.</summary>
        public long? KillAfterJournaledEvents { get; init; }

        public void Dispatched(int events)
        {
        }

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

/// <summary>
/// Launches a submitted run on the run singleton's node (cluster mode): the run's options with this
/// node's settings file and environment, refused if they give another input than the submitter's.
/// A journal still held by the run's previous node (its session not yet ended by PostgreSQL) is
/// waited for, up to a limit.
/// </summary>
public sealed class ClusterRunLauncher(string? configFile, Func<string, string?> environment, TextWriter log) : IRunLauncher
{
    private static readonly TimeSpan JournalWait = TimeSpan.FromSeconds(60);

    public Task<ILaunchedRun> LaunchAsync(RunRequest request, CancellationToken cancellation) => Task.Run<ILaunchedRun>(async () =>
    {
        var options = new EngineOptions(request.DataPath, request.Symbols.Count > 0 ? request.Symbols : null, configFile, request.Speed,
            DatabaseFile: null, SummaryJsonFile: null, Quiet: false, request.ContinueAnyway);
        Config config;
        try
        {
            config = ConfigLoader.Load(options, environment);
            var digest = RunInput.Digest(RunInput.Of(options, config));
            if (digest != request.InputDigest)
                throw new RunRefusedException(
                    $"the run's node reads other input or settings than the submitter (input digest {digest[..12]} here, {request.InputDigest[..12]} there): " +
                    "start every node with the same settings and the same data at the same path");
        }
        catch (Exception ex) when (ex is UsageException or EngineConfigException or ConfigurationException)
        {
            throw new RunRefusedException(ex.Message);
        }
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return RunFeed.Open(options, config, log);
            }
            catch (JournalInUseException) when (waited.Elapsed < JournalWait && !cancellation.IsCancellationRequested)
            {
                // The previous holder's session ends when PostgreSQL sees its connection close.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
            catch (Exception ex) when (ex is UsageException or JournalRefusedException)
            {
                throw new RunRefusedException(ex.Message);
            }
        }
    }, cancellation);
}

using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Feeds;
using Engine.Actors.Persistence;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.MarketData;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// One engine node in-process: the engine guardian (kill switch, risk supervisors, feeds), symbol
/// actors behind a local router standing in for the shard region, and a SQLite journal prepared as
/// the host prepares it. Feeds run through the real FeedCoordinator, so time slices, boundaries,
/// batches and journal acknowledgements are exactly the engine's.
/// </summary>
public sealed class Simulation : IAsyncDisposable
{
    private int _feeds;

    private Simulation(ActorSystem system, EngineSettings settings)
    {
        System = system;
        Settings = settings;
        var watch = system.ActorOf(Props.Create(() => new SerializationWatch(SerializationFailures)), "serialization-watch");
        system.EventStream.Subscribe(watch, typeof(Akka.Event.Error));
        // The engine's singletons, here plain actors of the one node (the host runs them as cluster singletons).
        KillSwitch = system.ActorOf(KillSwitchActor.Supervised(settings.KillSwitchAckTimeout), "kill-switch");
        Risk = system.ActorOf(RiskSupervisors.Props(settings.Risk.Accounts, settings.Risk.Hours, KillSwitch, settings.KillSwitchAckTimeout), "risk");
        Guardian = system.ActorOf(EngineGuardian.Props(settings, KillSwitch, Risk), "engine");
        var ks = KillSwitch;
        Symbols = system.ActorOf(LocalSymbolRouter.Props(symbol => SymbolActor.Props(symbol, settings, ks)), "symbols");
        ActorRegistry.For(system).Register<SymbolRegion>(Symbols);
    }

    public ActorSystem System { get; }
    public EngineSettings Settings { get; }
    public IActorRef Guardian { get; }
    public IActorRef KillSwitch { get; }
    public IActorRef Risk { get; }
    public IActorRef Symbols { get; }

    /// <summary>Market time of the last boundary any feed of this simulation passed.</summary>
    public DateTime LastBoundary => Observer.LastBoundary;

    public FeedObserver Observer { get; } = new();

    /// <summary>
    /// Messages that could not be serialized and read back (serialize-messages is on, see
    /// TestEngine.SerializeMessages): Akka drops such a message and logs an error, so disposing the
    /// simulation fails if there was any.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> SerializationFailures { get; } = new();

    /// <summary>A node journaling to SQLite at db (write-ahead log, as the host sets it up).</summary>
    public static Simulation Start(string db, EngineSettings settings)
    {
        var config = TestEngine.ActorSystemConfig(db);
        var setup = SqliteJournal.Prepare(config)!;
        return new Simulation(ActorSystem.Create("sim", ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), setup)), settings);
    }

    /// <summary>A node on the given system configuration (e.g. FlakyJournal's), as an actor system of that name.</summary>
    public static Simulation Start((Akka.Configuration.Config Config, string Name) system, EngineSettings settings) =>
        new(ActorSystem.Create(system.Name, system.Config), settings);

    /// <summary>Runs the events through a feed of its own (the next feed continues where this one ended) and waits until all of it is journaled.</summary>
    public Task<FeedCoordinator.FeedCompleted> RunAsync(IEnumerable<SequencedEvent> events, Func<FeedSettings, FeedSettings>? feed = null) =>
        StartFeed(Source.From(events.Chunk(64).Select(c => (IReadOnlyList<SequencedEvent>)c)), feed).Completion;

    /// <summary>Starts a feed and returns it with its completion, for tests that act while it runs.</summary>
    public (IActorRef Feed, Task<FeedCoordinator.FeedCompleted> Completion) StartFeed(
        Source<IReadOnlyList<SequencedEvent>, NotUsed> source, Func<FeedSettings, FeedSettings>? feed = null)
    {
        var done = new TaskCompletionSource<FeedCoordinator.FeedCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = System.ActorOf(Props.Create(() => new CompletionListener(done)));
        var settings = feed is null ? Settings : Settings with { Feed = feed(Settings.Feed) };
        var coordinator = System.ActorOf(FeedCoordinator.Props(
            $"feed-{++_feeds}", source, Symbols, KillSwitch, Risk, settings.Risk.Accounts.Keys.ToArray(), settings.Feed, Observer, listener),
            $"feed-{_feeds}");
        return (coordinator, done.Task.WaitAsync(TimeSpan.FromMinutes(3)));
    }

    public Task<KillSwitchActor.Acknowledged> EngageAsync(string scope, string reason, string by = "test-operator", bool flatten = false) =>
        KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Engage(scope, reason, by, flatten), TimeSpan.FromSeconds(30));

    public Task<KillSwitchActor.Acknowledged> ReleaseAsync(string scope, string by = "test-operator") =>
        KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Release(scope, by, "test"), TimeSpan.FromSeconds(30));

    public Task<KillSwitchActor.Status> StatusAsync() =>
        KillSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<IKillSwitchEvent>> AuditAsync() =>
        (await KillSwitch.Ask<KillSwitchActor.AuditTrail>(new KillSwitchActor.GetAudit(), TimeSpan.FromSeconds(30))).Events;

    public Task<RiskSupervisor.AccountRiskReport> AccountAsync(string account = "main") =>
        Risk.Ask<RiskSupervisor.AccountRiskReport>(new RiskSupervisor.GetAccountRisk(account), TimeSpan.FromSeconds(30));

    public Task<SymbolReport> ReportAsync(string symbol) =>
        Symbols.Ask<SymbolReport>(new GetSymbolReport(symbol), TimeSpan.FromSeconds(30));

    /// <summary>Fills as journaled, in the global order the host reports them.</summary>
    public async Task<IReadOnlyList<Fill>> JournaledFillsAsync(IEnumerable<string> symbols) =>
        (await JournalAsync(symbols)).Values.SelectMany(v => v).OfType<OrderFilled>().Select(f => f.Fill)
            .OrderBy(f => f.FeedSeq).ThenBy(f => f.Symbol, StringComparer.Ordinal).ThenBy(f => f.OrderId, StringComparer.Ordinal).ToList();

    /// <summary>Every journaled event of the symbols, per symbol in journal order.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ISymbolEvent>>> JournalAsync(IEnumerable<string> symbols)
    {
        var journal = PersistenceQuery.Get(System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var result = new SortedDictionary<string, IReadOnlyList<ISymbolEvent>>(StringComparer.Ordinal);
        foreach (var s in symbols)
        {
            var events = new List<ISymbolEvent>();
            await journal.CurrentEventsByPersistenceId($"symbol-{s}", 0, long.MaxValue)
                .RunForeach(env => events.Add((ISymbolEvent)env.Event), System.Materializer());
            result[s] = events;
        }
        return result;
    }

    /// <summary>Waits until the condition holds, for effects that are asynchronous by design (a restart's backoff, dead letters).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out waiting for: " + what);
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        if (!SerializationFailures.IsEmpty)
            throw new Xunit.Sdk.XunitException("messages failed to serialize: " + string.Join(" | ", SerializationFailures.Distinct()));
        var defaulted = DefaultSerializerWatch.EngineTypes(System.Name);
        if (defaulted.Count > 0)
            throw new Xunit.Sdk.XunitException("engine messages went through Akka's default serializer: " + string.Join(", ", defaulted));
    }

    private sealed class SerializationWatch : ReceiveActor
    {
        public SerializationWatch(System.Collections.Concurrent.ConcurrentQueue<string> failures) =>
            Receive<Akka.Event.Error>(e =>
            {
                // A message that fails the check is dropped with this error (an exception while reporting
                // it, too, when its recipient has stopped).
                if (e.Message?.ToString() is { } m && m.StartsWith("Swallowing exception during message send", StringComparison.Ordinal))
                    failures.Enqueue(e.Cause?.Message ?? m);
            });
    }

    private sealed class CompletionListener : ReceiveActor
    {
        public CompletionListener(TaskCompletionSource<FeedCoordinator.FeedCompleted> done) =>
            Receive<FeedCoordinator.FeedCompleted>(c =>
            {
                done.TrySetResult(c);
                Context.Stop(Self);
            });
    }
}

/// <summary>What the feeds of a simulation report, for tests that trigger on progress.</summary>
public sealed class FeedObserver : IFeedObserver
{
    private readonly object _gate = new();
    private DateTime _lastBoundary;
    private long _fills;

    public DateTime LastBoundary
    {
        get { lock (_gate) return _lastBoundary; }
    }

    public long Fills => Interlocked.Read(ref _fills);

    /// <summary>Called at every boundary, on the feed's thread: what a test does here happens exactly at that boundary.</summary>
    public Action<DateTime>? OnBoundary { get; set; }

    public void Dispatched(int events)
    {
    }

    /// <summary>Called with the fills journaled so far as the feed hears of each journal write, on the feed's thread.</summary>
    public Action<long>? OnJournaled { get; set; }

    public void Journaled(int events, int fills, decimal realizedPnlDelta) => OnJournaled?.Invoke(Interlocked.Add(ref _fills, fills));

    public void Boundary(DateTime marketTime)
    {
        lock (_gate) _lastBoundary = marketTime;
        OnBoundary?.Invoke(marketTime);
    }
}

/// <summary>
/// Stands in for the shard region in single-process simulations: one SymbolActor child per symbol,
/// created on first message, exactly as sharding would; it answers GetShardRegionState like a region,
/// so a restarted kill switch can find the live symbols.
/// </summary>
public sealed class LocalSymbolRouter : ReceiveActor
{
    public LocalSymbolRouter(Func<string, Props> props)
    {
        Receive<GetShardRegionState>(_ => Sender.Tell(new CurrentShardRegionState(ImmutableHashSet.Create(
            new ShardState("local", Context.GetChildren().Select(c => c.Path.Name).ToImmutableHashSet())), ImmutableHashSet<string>.Empty)));
        ReceiveAny(msg =>
        {
            if (msg is not IWithSymbol m)
            {
                Unhandled(msg);
                return;
            }
            var child = Context.Child(m.Symbol);
            if (child.IsNobody()) child = Context.ActorOf(props(m.Symbol), m.Symbol);
            child.Forward(msg);
        });
    }

    public static Props Props(Func<string, Props> props) =>
        Akka.Actor.Props.Create(() => new LocalSymbolRouter(props)).WithDispatcher(EngineDispatcher.Id);
}

using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.Time;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// One engine node in-process: the engine guardian (kill switch, risk supervisors), symbol actors
/// behind a local router, a SQLite journal, and a virtual clock advanced by the feed.
/// </summary>
public sealed class Simulation : IAsyncDisposable
{
    private Simulation(ActorSystem system, EngineSettings settings)
    {
        System = system;
        Settings = settings;
        var guardian = system.ActorOf(EngineGuardian.Props(settings, Clock), "engine");
        KillSwitch = guardian.Ask<IActorRef>(new EngineGuardian.GetKillSwitch(), TimeSpan.FromSeconds(10)).Result;
        Risk = guardian.Ask<IActorRef>(new EngineGuardian.GetRisk(), TimeSpan.FromSeconds(10)).Result;
        var (ks, risk) = (KillSwitch, Risk);
        Symbols = system.ActorOf(LocalSymbolRouter.Props(symbol => SymbolActor.Props(symbol, settings, ks, risk)), "symbols");
    }

    public ActorSystem System { get; }
    public EngineSettings Settings { get; }
    public VirtualClock Clock { get; } = new();
    public IActorRef KillSwitch { get; }
    public IActorRef Risk { get; }
    public IActorRef Symbols { get; }

    public static Simulation Start(string db, EngineSettings settings) =>
        new(ActorSystem.Create("sim", TestEngine.ActorSystemConfig(db)), settings);

    public static Simulation Start(Akka.Configuration.Config systemConfig, EngineSettings settings) =>
        new(ActorSystem.Create("sim", systemConfig), settings);

    /// <summary>Runs the events through the same backpressured runner the host uses.</summary>
    public async Task RunAsync(IEnumerable<SequencedEvent> events, int parallelism = 16)
    {
        var (_, done) = FeedRunner.Run(System, Source.From(events), Symbols,
            new FeedRunOptions(null, parallelism, TimeSpan.FromSeconds(30)), _ => { }, ack => Clock.Advance(ack.Time));
        await done.WaitAsync(TimeSpan.FromMinutes(3));
    }

    public async Task<DeliveryAck> DeliverAsync(SequencedEvent e)
    {
        var ack = await Symbols.Ask<DeliveryAck>(new MarketDataDelivery(e.Sequence, e.Event), TimeSpan.FromSeconds(30));
        Clock.Advance(ack.Time);
        return ack;
    }

    public Task<KillSwitchActor.Acknowledged> EngageAsync(string scope, string reason, string by = "test-operator", bool flatten = false) =>
        KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Engage(scope, reason, by, flatten), TimeSpan.FromSeconds(30));

    public Task<KillSwitchActor.Acknowledged> ReleaseAsync(string scope, string by = "test-operator") =>
        KillSwitch.Ask<KillSwitchActor.Acknowledged>(new KillSwitchActor.Release(scope, by, "test"), TimeSpan.FromSeconds(30));

    public Task<KillSwitchActor.Status> StatusAsync() =>
        KillSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), TimeSpan.FromSeconds(30));

    public Task<RiskSupervisor.AccountRiskReport> AccountAsync(string account = "main") =>
        Risk.Ask<RiskSupervisor.AccountRiskReport>(new RiskSupervisor.GetAccountRisk(account), TimeSpan.FromSeconds(30));

    public Task<SymbolReport> ReportAsync(string symbol) =>
        Symbols.Ask<SymbolReport>(new GetSymbolReport(symbol), TimeSpan.FromSeconds(30));

    /// <summary>Fills as journaled, in the global order the host reports them.</summary>
    public async Task<IReadOnlyList<Fill>> JournaledFillsAsync(IEnumerable<string> symbols)
    {
        var journal = PersistenceQuery.Get(System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var fills = new List<Fill>();
        foreach (var s in symbols)
        {
            await journal.CurrentEventsByPersistenceId($"symbol-{s}", 0, long.MaxValue)
                .RunForeach(env => { if (env.Event is OrderFilled f) fills.Add(f.Fill); }, System.Materializer());
        }
        return fills.OrderBy(f => f.FeedSeq).ThenBy(f => f.OrderId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every journaled event of the symbols, per symbol in journal order.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ISymbolEvent>>> JournalAsync(IEnumerable<string> symbols)
    {
        var journal = PersistenceQuery.Get(System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var result = new Dictionary<string, IReadOnlyList<ISymbolEvent>>(StringComparer.Ordinal);
        foreach (var s in symbols)
        {
            var events = new List<ISymbolEvent>();
            await journal.CurrentEventsByPersistenceId($"symbol-{s}", 0, long.MaxValue)
                .RunForeach(env => events.Add((ISymbolEvent)env.Event), System.Materializer());
            result[s] = events;
        }
        return result;
    }

    /// <summary>Polls until the condition holds (the supervisor acts off the hot path, asynchronously).</summary>
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
    }
}

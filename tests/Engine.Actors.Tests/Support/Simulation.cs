using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Actors.Tests.Support;

/// <summary>One engine node in-process: kill switch, symbol actors behind a local router, a SQLite journal.</summary>
public sealed class Simulation : IAsyncDisposable
{
    private Simulation(ActorSystem system, EngineSettings settings)
    {
        System = system;
        Settings = settings;
        KillSwitch = system.ActorOf(KillSwitchActor.Props(TimeSpan.FromSeconds(10)), "kill-switch");
        var ks = KillSwitch;
        Symbols = system.ActorOf(LocalSymbolRouter.Props(symbol => SymbolActor.Props(symbol, settings, ks)), "symbols");
    }

    public ActorSystem System { get; }
    public EngineSettings Settings { get; }
    public IActorRef KillSwitch { get; }
    public IActorRef Symbols { get; }

    public static Simulation Start(string db, EngineSettings settings) =>
        new(ActorSystem.Create("sim", TestEngine.ActorSystemConfig(db)), settings);

    /// <summary>Runs the events through the same backpressured runner the host uses.</summary>
    public async Task RunAsync(IEnumerable<SequencedEvent> events, int parallelism = 16)
    {
        var (_, done) = FeedRunner.Run(System, Source.From(events), Symbols,
            new FeedRunOptions(null, parallelism, TimeSpan.FromSeconds(30)), _ => { }, _ => { });
        await done.WaitAsync(TimeSpan.FromMinutes(3));
    }

    public Task<DeliveryAck> DeliverAsync(SequencedEvent e) =>
        Symbols.Ask<DeliveryAck>(new MarketDataDelivery(e.Sequence, e.Event), TimeSpan.FromSeconds(30));

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

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }
}

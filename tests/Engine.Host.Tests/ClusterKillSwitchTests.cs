using Akka.Actor;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Domain.Risk;
using Engine.Domain.Symbols;

namespace Engine.Host.Tests;

/// <summary>
/// The kill switch's promise across three nodes: once an engagement is acknowledged, every symbol in
/// its scope, on every node, has applied it, and none of them accepts an order in scope until it is
/// released. Two members run in this process (each its own actor system, talking over loopback
/// TCP with the wire serializer), the feed's node is a real `engine run` process; scopes and the
/// pauses between rounds are random (seeded, printed on failure).
/// </summary>
[Collection("postgres")]
public sealed class ClusterKillSwitchTests(PostgresServer server)
{
    private static readonly string[] Symbols = ["AAPL", "MSFT", "NVDA", "SPY", "AMZN", "GOOG", "META", "TSLA", "JPM", "XOM", "KO", "IBM"];
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task After_an_acknowledgement_no_order_in_scope_is_accepted_on_any_node_over_200_random_rounds()
    {
        const int rounds = 200;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var dir = EngineProcess.TempDir();
        var config = Path.Combine(dir, "cluster.conf");
        // Several synthetic days, in the file every node reads: the members must see the run's input as the submitter does.
        File.WriteAllText(config, $"engine.synthetic.symbols = [{string.Join(", ", Symbols)}]\nengine.synthetic.trading-days = 20\n");
        // Pooled, as production connection strings are: each engagement is a few journal writes.
        var database = server.NewDatabase(pooling: true);
        var ports = InProcessMember.FreePorts(3);
        var seeds = $"akka.tcp://engine@127.0.0.1:{ports[0]}";

        // The members in this process are the oldest (lowest ports): the kill switch lives here.
        using var b = await InProcessMember.StartAsync(database, seeds, ports[0], 3, config);
        using var c = await InProcessMember.StartAsync(database, seeds, ports[1], 3, config);
        // Paced: the rounds all happen while it trades.
        using var feed = EngineProcess.Start(dir, new Dictionary<string, string>
        {
            ["ENGINE_PERSISTENCE"] = "postgres",
            ["ENGINE_DB_CONNECTION"] = database,
            ["ENGINE_CLUSTER_SEED_NODES"] = seeds,
            ["ENGINE_REMOTE_PORT"] = ports[2].ToString(),
            ["ENGINE_CLUSTER_MIN_NODES"] = "3",
        }, "--config", config, "--speed", "300");

        var settings = EngineSettings.FromConfig(b.Config);
        var scopes = new List<string> { "engine" };
        scopes.AddRange(Symbols.Select(s => $"symbol:{s}"));
        scopes.AddRange(settings.Strategies.Select(s => $"strategy:{s.Id}"));
        scopes.AddRange(settings.Strategies.Select(s => $"account:{s.Account}").Distinct());

        // Every symbol trading first, so each round sees all twelve (they are spread over the three nodes).
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await ReportsAsync(b)).Any(r => r.Watermark == 0))
        {
            Assert.False(feed.HasExited || DateTime.UtcNow > deadline, $"the feed did not reach every symbol\n{feed.Stdout}\n{feed.Stderr}");
            await Task.Delay(200);
        }

        for (var round = 0; round < rounds; round++)
        {
            var scope = scopes[random.Next(scopes.Count)];
            var node = random.Next(2) == 0 ? b : c;
            var at = $"round {round} (seed {seed}), {scope} through {node.Name}";
            await Task.Delay(random.Next(0, 60));

            var answer = await node.KillSwitch.Ask<object>(new KillSwitchActor.Engage(scope, $"test round {round}", "chaos"), Ask);
            var ack = Assert.IsType<KillSwitchActor.Acknowledged>(answer);
            Assert.True(ack.Unconfirmed.Count == 0, $"{at}: acknowledged with unconfirmed symbols {string.Join(", ", ack.Unconfirmed)}");

            // Asked through either node: every symbol's strategies in scope are halted already.
            var halted = await ReportsAsync(random.Next(2) == 0 ? b : c);
            foreach (var (report, strategy) in InScope(halted, scope, settings))
                Assert.True(strategy.State == TradingState.Halted, $"{at}: {report.Symbol}/{strategy.StrategyId} is {strategy.State} after the acknowledgement");

            await Task.Delay(random.Next(0, 120));
            var before = await ReportsAsync(random.Next(2) == 0 ? b : c);
            foreach (var (report, strategy) in InScope(before, scope, settings))
            {
                var accepted = halted.Single(r => r.Symbol == report.Symbol).Strategies.Single(s => s.StrategyId == strategy.StrategyId).OrdersAccepted;
                Assert.True(strategy.OrdersAccepted == accepted,
                    $"{at}: {report.Symbol}/{strategy.StrategyId} accepted {strategy.OrdersAccepted - accepted} orders while halted");
            }

            var released = await node.KillSwitch.Ask<object>(new KillSwitchActor.Release(scope, "chaos", $"test round {round} done"), Ask);
            Assert.IsType<KillSwitchActor.Acknowledged>(released);
            Assert.False(feed.HasExited, $"{at}: the run ended before the rounds did\n{feed.Stdout}\n{feed.Stderr}");
        }

        // Trading went on between the rounds: the symbols kept their orders flowing.
        var end = await ReportsAsync(b);
        Assert.True(end.Sum(r => r.Strategies.Sum(s => s.OrdersAccepted)) > 0, "no order was accepted during the run");
        feed.Kill();
    }

    private static IEnumerable<(SymbolReport Report, StrategyPositionReport Strategy)> InScope(
        IReadOnlyList<SymbolReport> reports, string scope, EngineSettings settings)
    {
        Assert.True(RiskScope.TryParse(scope, out var parsed));
        foreach (var report in reports)
        {
            foreach (var strategy in report.Strategies)
            {
                var config = settings.Strategies.Single(s => s.Id == strategy.StrategyId);
                if (parsed.Covers(config.Account, config.Id, report.Symbol)) yield return (report, strategy);
            }
        }
    }

    private static async Task<IReadOnlyList<SymbolReport>> ReportsAsync(InProcessMember member) =>
        await Task.WhenAll(Symbols.Select(s => member.Symbols.Ask<SymbolReport>(new GetSymbolReport(s), Ask)));
}

using Engine.Actors.Settings;

namespace Engine.Host.Tests;

/// <summary>A parameter sweep runs every set in one run, and the summary reports each set on its own.</summary>
public sealed class StrategySweepRunTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    // One symbol, one day; the per-symbol limits are raised so that the sets cannot refuse each other's orders.
    private const string Common = """
        engine.synthetic { symbols = [AAPL], trading-days = 1 }
        engine.risk.limits { max-symbol-position-quantity = 100000, max-symbol-position-notional = 100000000 }

        """;

    [Fact]
    public void The_example_sweep_loads_strictly_and_expands()
    {
        var file = Path.Combine(EngineProcess.RepoRoot, "docs", "examples", "sweep.conf");
        var config = ConfigLoader.Load(new EngineOptions(null, null, file, null, null, null, Quiet: true), _ => null);
        var settings = EngineSettings.FromConfig(config);
        Assert.Equal(11, settings.Strategies.Count);
        Assert.Equal(6, settings.Strategies.Count(s => s.SweepOf == "ma-cross"));
        Assert.Equal(4, settings.Strategies.Count(s => s.SweepOf == "rsi"));
        Assert.Equal("ma-cross.fast=5.slow=30", settings.Strategies[0].Id);
        Assert.Empty(settings.SkippedSweepSets);
    }

    [Fact]
    public async Task Each_set_of_a_sweep_trades_as_it_would_alone_and_has_its_own_results()
    {
        var dir = EngineProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "sweep.conf"), Common + """
            engine.strategies = [
              { id = ma, kind = ma-crossover, quantity = 100
                sweep { fast = [5, 10], slow = [10, 30] } }
            ]
            """);
        File.WriteAllText(Path.Combine(dir, "alone.conf"), Common + """
            engine.strategies = [ { id = alone, kind = ma-crossover, quantity = 100, params { fast = 5, slow = 30 } } ]
            """);

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--config", "sweep.conf", "--db", "sweep.db", "--summary-json", "sweep.json", "--quiet");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("warning: engine.strategies[0].sweep: skipped ma.fast=10.slow=10: fast must be a positive integer less than slow (fast=10, slow=10)", stderr);
        var sweep = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "sweep.json")));
        var ids = new[] { "ma.fast=10.slow=30", "ma.fast=5.slow=10", "ma.fast=5.slow=30" };
        Assert.Equal(ids, sweep.Positions.Select(p => p.Strategy).Distinct());
        Assert.All(ids, id =>
        {
            Assert.True(sweep.Positions.Single(p => p.Strategy == id).Fills > 0, $"{id} never traded");
            Assert.Matches($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(id)} +total ", stdout);
        });

        (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--config", "alone.conf", "--db", "alone.db", "--summary-json", "alone.json", "--quiet");
        Assert.True(code == 0, stdout + stderr);
        var alone = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "alone.json")));
        var set = sweep.Positions.Single(p => p.Strategy == "ma.fast=5.slow=30");
        Assert.Equal(alone.Positions.Single() with { Strategy = set.Strategy }, set);
        Assert.Equal(
            alone.FillLog.Select(f => (f.Side, f.Quantity, f.Price, f.Fee, f.Time)),
            sweep.FillLog.Where(f => f.Strategy == set.Strategy).Select(f => (f.Side, f.Quantity, f.Price, f.Fee, f.Time)));
    }
}

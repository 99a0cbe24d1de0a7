using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.Actors.Tests.Support;
using Engine.Domain.Strategies;

namespace Engine.Actors.Tests;

/// <summary>engine.strategies[i].sweep: a grid of parameters expanded into one strategy instance per set.</summary>
public sealed class StrategySweepSettingsTests
{
    private static EngineSettings Load(string strategies, string extra = "") =>
        EngineSettings.FromConfig(ConfigurationFactory.ParseString($"engine.strategies = [{strategies}]\n{extra}").WithFallback(TestEngine.ShippedConfig()));

    private static EngineConfigException Refused(string strategies) =>
        Assert.Throws<EngineConfigException>(() => Load(strategies));

    [Fact]
    public void A_sweep_expands_into_one_instance_per_parameter_set_in_a_stable_order()
    {
        // Keys written slow first: the order follows the kind's keys (fast, slow), the first slowest.
        var settings = Load("""
            { id = ma-cross, kind = ma-crossover, quantity = 50, order-type = limit, limit-offset-bps = 3,
              params { ma-type = sma }
              sweep { slow = [30, 50], fast = [5, 10, 20] } }
            { id = breakout, kind = breakout }
            """);
        Assert.Equal(
            new[]
            {
                "ma-cross.fast=5.slow=30", "ma-cross.fast=5.slow=50", "ma-cross.fast=10.slow=30",
                "ma-cross.fast=10.slow=50", "ma-cross.fast=20.slow=30", "ma-cross.fast=20.slow=50", "breakout",
            },
            settings.Strategies.Select(s => s.Id));
        Assert.Empty(settings.SkippedSweepSets);

        var set = settings.Strategies[3];
        Assert.Equal("ma-cross", set.SweepOf);
        Assert.Equal(new Dictionary<string, string> { ["fast"] = "10", ["slow"] = "50" }, set.SweepParameters);
        Assert.Equal(["fast", "slow"], set.SweepParameters.Keys);
        Assert.Equal("sma", set.Parameters["ma-type"]);
        Assert.Equal(new MovingAverageCrossoverParameters(10, 50, MovingAverageKind.Sma), Assert.IsType<MovingAverageCrossover>(set.Create()).Parameters);
        // Everything but the id and the parameters is the configured strategy's.
        Assert.All(settings.Strategies.Take(6), s =>
        {
            Assert.Equal(settings.Strategies[0].Sizing, s.Sizing);
            Assert.Equal(50m, s.Sizing.Quantity);
            Assert.Equal("main", s.Account);
        });

        var plain = settings.Strategies[6];
        Assert.Null(plain.SweepOf);
        Assert.Empty(plain.SweepParameters);
    }

    [Fact]
    public void Sets_the_kind_refuses_are_skipped_and_listed()
    {
        var settings = Load("{ id = ma, kind = ma-crossover, sweep { fast = [5, 20], slow = [10, 30] } }");
        Assert.Equal(new[] { "ma.fast=5.slow=10", "ma.fast=5.slow=30", "ma.fast=20.slow=30" }, settings.Strategies.Select(s => s.Id));
        var skipped = Assert.Single(settings.SkippedSweepSets);
        Assert.Equal("engine.strategies[0].sweep: skipped ma.fast=20.slow=10: fast must be a positive integer less than slow (fast=20, slow=10)",
            skipped.ToString());
    }

    [Fact]
    public void Sweeps_of_the_new_kinds_mix_swept_and_fixed_parameters()
    {
        var settings = Load("""
            { id = macd, kind = macd-trend, params = { signal = 5 }, sweep { tolerance = [0, 0.0025] } }
            { id = rsi, kind = rsi-mean-reversion, sweep { period = [2, 14], oversold = [20, 30] } }
            """);
        Assert.Equal(
            new[]
            {
                "macd.tolerance=0", "macd.tolerance=0.0025",
                "rsi.period=2.oversold=20", "rsi.period=2.oversold=30", "rsi.period=14.oversold=20", "rsi.period=14.oversold=30",
            },
            settings.Strategies.Select(s => s.Id));
        Assert.Equal(new MacdTrendParameters(12, 26, 5, 0.0025), ((MacdTrend)settings.Strategies[1].Create()).Parameters);
        Assert.Equal(new RsiMeanReversionParameters(14, 20, 70, 50), ((RsiMeanReversion)settings.Strategies[4].Create()).Parameters);
    }

    [Theory]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fast = [5, 40], slow = [30] } }", "engine.strategies[0].sweep.fast",
        "value '40' is in no parameter set ma-crossover accepts: fast must be a positive integer less than slow (fast=40, slow=30)")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fast = [5, 1O] } }", "engine.strategies[0].sweep.fast",
        "value '1O' is in no parameter set ma-crossover accepts: fast must be an integer, got '1O'")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fats = [5] } }", "engine.strategies[0].sweep.fats",
        "is not a parameter of ma-crossover; did you mean fast? (known: fast, slow, ma-type)")]
    [InlineData("{ id = bh, kind = buy-and-hold, sweep { fast = [5] } }", "engine.strategies[0].sweep.fast",
        "is not a parameter of buy-and-hold (known: none)")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep = { fast = [5, 10] }, params { fast = 5 } }", "engine.strategies[0].sweep.fast",
        "is also set in params; give it in one place")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fast = 5 } }", "engine.strategies[0].sweep.fast",
        "must be a list of values, e.g. [5, 10], got '5'")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fast = [] } }", "engine.strategies[0].sweep.fast",
        "is an empty list; give at least one value")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { fast = [5, 5] } }", "engine.strategies[0].sweep.fast",
        "value '5' is listed twice")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep { ma-type = [\"e ma\"] } }", "engine.strategies[0].sweep.ma-type",
        "value 'e ma' may contain only letters, digits, '.', '-' and '_' (it becomes part of the strategy id)")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep = [5] }", "engine.strategies[0].sweep",
        "must be an object of parameter lists, e.g. sweep { fast = [5, 10], slow = [30, 50] }")]
    [InlineData("{ id = ma, kind = ma-crossover, sweep {} }", "engine.strategies[0].sweep",
        "must be an object of parameter lists, e.g. sweep { fast = [5, 10], slow = [30, 50] }")]
    [InlineData("{ id = ma, kind = momentum, sweep { fast = [5] } }", "engine.strategies[0].kind",
        "unknown strategy kind 'momentum'; expected one of: ma-crossover, mean-reversion, breakout, buy-and-hold, macd-trend, rsi-mean-reversion")]
    [InlineData("{ id = ma, kind = ma-crossover, swept { fast = [5] } }", "engine.strategies[0].swept",
        "is not a strategy setting; did you mean sweep? (known: id, kind, account, quantity, notional, percent-of-equity, allow-short, order-type, limit-offset-bps, params, sweep)")]
    public void A_bad_sweep_names_its_path_and_value(string strategies, string path, string problem)
    {
        var ex = Refused(strategies);
        Assert.Equal(path, ex.Path);
        Assert.Equal($"setting '{path}': {problem}", ex.Message);
    }

    [Fact]
    public void A_sweep_is_capped_in_size()
    {
        var values = string.Join(", ", Enumerable.Range(1, 40));
        var ex = Refused($"{{ id = mr, kind = mean-reversion, sweep {{ lookback = [{values}], entry-z = [{values}] }} }}");
        Assert.Equal("setting 'engine.strategies[0].sweep': expands to 1600 parameter sets; at most 1000 (each runs in every symbol)", ex.Message);
    }

    [Fact]
    public void Risk_limits_for_the_sweep_id_hold_for_each_parameter_set()
    {
        var settings = Load(
            "{ id = ma-cross, kind = ma-crossover, sweep { fast = [5, 10] } }, { id = breakout, kind = breakout }",
            "engine.risk.strategies { ma-cross { max-order-quantity = 7 } }");
        Assert.Equal(7m, settings.Risk.LimitsFor("main", "ma-cross.fast=5", "AAPL").MaxOrderQuantity);
        Assert.Equal(7m, settings.Risk.LimitsFor("main", "ma-cross.fast=10", "AAPL").MaxOrderQuantity);
        Assert.Equal(1000m, settings.Risk.LimitsFor("main", "breakout", "AAPL").MaxOrderQuantity);
    }

    [Fact]
    public void A_sweep_id_is_taken_like_any_strategy_id()
    {
        var ex = Refused("{ id = ma, kind = ma-crossover, sweep { fast = [5] } }, { id = ma, kind = breakout }");
        Assert.Equal("engine.strategies[1].id", ex.Path);
    }
}

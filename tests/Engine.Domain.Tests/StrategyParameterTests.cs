using Engine.Domain.Strategies;

namespace Engine.Domain.Tests;

public sealed class StrategyParameterTests
{
    private static string Refused(Action build) => Assert.Throws<ArgumentException>(build).Message;

    private static Dictionary<string, string> P(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Crossover_parameters_name_the_offending_key_and_value()
    {
        Assert.Equal("fast must be a positive integer less than slow (fast=20, slow=10)",
            Refused(() => new MovingAverageCrossoverParameters(20, 10, MovingAverageKind.Sma).Validate()));
        Assert.Equal("fast must be a positive integer less than slow (fast=10, slow=10)",
            Refused(() => new MovingAverageCrossoverParameters(10, 10, MovingAverageKind.Sma).Validate()));
        Assert.Equal("fast must be a positive integer less than slow (fast=0, slow=10)",
            Refused(() => new MovingAverageCrossoverParameters(0, 10, MovingAverageKind.Ema).Validate()));
        Assert.Equal("slow must be an integer from 2 to 100000 (slow=1)",
            Refused(() => new MovingAverageCrossoverParameters(1, 1, MovingAverageKind.Ema).Validate()));
        Assert.Equal("ma-type must be sma or ema (ma-type=7)",
            Refused(() => new MovingAverageCrossoverParameters(1, 2, (MovingAverageKind)7).Validate()));
        new MovingAverageCrossoverParameters(1, 2, MovingAverageKind.Sma).Validate();
    }

    [Fact]
    public void Mean_reversion_parameters_name_the_offending_key_and_value()
    {
        Assert.Equal("lookback must be an integer from 2 to 100000 (lookback=1)",
            Refused(() => new MeanReversionParameters(1, 2.0, 0.5).Validate()));
        Assert.Equal("entry-z must be a positive number (entry-z=0)",
            Refused(() => new MeanReversionParameters(20, 0, 0).Validate()));
        Assert.Equal("entry-z must be a positive number (entry-z=NaN)",
            Refused(() => new MeanReversionParameters(20, double.NaN, 0).Validate()));
        Assert.Equal("exit-z must be a number in [0, entry-z) (exit-z=2.5, entry-z=2)",
            Refused(() => new MeanReversionParameters(20, 2.0, 2.5).Validate()));
        Assert.Equal("exit-z must be a number in [0, entry-z) (exit-z=-0.1, entry-z=2)",
            Refused(() => new MeanReversionParameters(20, 2.0, -0.1).Validate()));
        // With the scored bar in its own window |z| <= sqrt(n - 1): 4 bars can never reach 2.
        Assert.Equal("entry-z must be less than sqrt(lookback - 1) = 1.732, the largest |z| a 4-bar window can produce (entry-z=2, lookback=4)",
            Refused(() => new MeanReversionParameters(4, 2.0, 0.5).Validate()));
        new MeanReversionParameters(5, 1.9, 0).Validate();
    }

    [Fact]
    public void Breakout_parameters_name_the_offending_key_and_value()
    {
        Assert.Equal("entry-lookback must be an integer from 1 to 100000 (entry-lookback=0)",
            Refused(() => new BreakoutParameters(0, 10).Validate()));
        Assert.Equal("exit-lookback must be an integer from 1 to 100000 (exit-lookback=-3)",
            Refused(() => new BreakoutParameters(20, -3).Validate()));
        new BreakoutParameters(1, 1).Validate();
    }

    [Fact]
    public void Strategies_validate_their_parameters_on_construction()
    {
        Assert.Throws<ArgumentException>(() => new MovingAverageCrossover(new(5, 5, MovingAverageKind.Sma)));
        Assert.Throws<ArgumentException>(() => new MeanReversion(new(20, 1.0, 1.0)));
        Assert.Throws<ArgumentException>(() => new Breakout(new(20, 0)));
    }

    [Fact]
    public void Catalog_defaults_fill_missing_keys()
    {
        var none = new Dictionary<string, string>();
        Assert.Equal(new MovingAverageCrossoverParameters(10, 30, MovingAverageKind.Ema),
            Assert.IsType<MovingAverageCrossover>(StrategyCatalog.Create("ma-crossover", none)).Parameters);
        Assert.Equal(new MeanReversionParameters(20, 2.0, 0.5),
            Assert.IsType<MeanReversion>(StrategyCatalog.Create("mean-reversion", none)).Parameters);
        Assert.Equal(new BreakoutParameters(20, 10),
            Assert.IsType<Breakout>(StrategyCatalog.Create("breakout", none)).Parameters);
        Assert.Equal(new[] { "ma-crossover", "mean-reversion", "breakout", "buy-and-hold", "macd-trend", "rsi-mean-reversion" }, StrategyCatalog.Kinds);
    }

    [Fact]
    public void Catalog_reads_hocon_keys_with_the_invariant_culture()
    {
        Assert.Equal(new MovingAverageCrossoverParameters(5, 50, MovingAverageKind.Sma),
            ((MovingAverageCrossover)StrategyCatalog.Create("ma-crossover", P(("fast", "5"), ("slow", "50"), ("ma-type", "sma")))).Parameters);
        Assert.Equal(new MeanReversionParameters(30, 2.5, 0.25),
            ((MeanReversion)StrategyCatalog.Create("mean-reversion", P(("lookback", "30"), ("entry-z", "2.5"), ("exit-z", "0.25")))).Parameters);
        Assert.Equal(new BreakoutParameters(55, 20),
            ((Breakout)StrategyCatalog.Create("breakout", P(("entry-lookback", "55"), ("exit-lookback", "20")))).Parameters);
        // Only the exit-z given: the others default.
        Assert.Equal(new MeanReversionParameters(20, 2.0, 0),
            ((MeanReversion)StrategyCatalog.Create("mean-reversion", P(("exit-z", "0")))).Parameters);
    }

    [Theory]
    [InlineData("momentum", "fast", "5", "unknown strategy kind 'momentum'; expected one of: ma-crossover, mean-reversion, breakout, buy-and-hold, macd-trend, rsi-mean-reversion")]
    [InlineData("martingale", "a", "1", "unknown strategy kind 'martingale'; expected one of: ma-crossover, mean-reversion, breakout, buy-and-hold, macd-trend, rsi-mean-reversion")]
    [InlineData("ma-crossover", "fats", "5", "unknown parameter 'fats' (value '5') for ma-crossover; expected: fast, slow, ma-type")]
    [InlineData("breakout", "lookback", "5", "unknown parameter 'lookback' (value '5') for breakout; expected: entry-lookback, exit-lookback")]
    [InlineData("ma-crossover", "fast", "ten", "fast must be an integer, got 'ten'")]
    [InlineData("ma-crossover", "slow", "30.5", "slow must be an integer, got '30.5'")]
    [InlineData("ma-crossover", "ma-type", "wma", "ma-type must be 'sma' or 'ema', got 'wma'")]
    [InlineData("ma-crossover", "fast", "40", "fast must be a positive integer less than slow (fast=40, slow=30)")]
    [InlineData("ma-crossover", "fast", "50", "fast must be a positive integer less than slow (fast=50, slow=30)")]
    [InlineData("mean-reversion", "entry-z", "2,5", "entry-z must be a finite number, got '2,5'")]
    [InlineData("mean-reversion", "entry-z", "NaN", "entry-z must be a finite number, got 'NaN'")]
    [InlineData("mean-reversion", "exit-z", "abc", "exit-z must be a finite number, got 'abc'")]
    [InlineData("mean-reversion", "exit-z", "3", "exit-z must be a number in [0, entry-z) (exit-z=3, entry-z=2)")]
    [InlineData("mean-reversion", "lookback", "1", "lookback must be an integer from 2 to 100000 (lookback=1)")]
    [InlineData("breakout", "entry-lookback", "x", "entry-lookback must be an integer, got 'x'")]
    [InlineData("breakout", "exit-lookback", "0", "exit-lookback must be an integer from 1 to 100000 (exit-lookback=0)")]
    [InlineData("breakout", "entry-lookback", "2000000000", "entry-lookback must be an integer from 1 to 100000 (entry-lookback=2000000000)")]
    [InlineData("mean-reversion", "lookback", "100001", "lookback must be an integer from 2 to 100000 (lookback=100001)")]
    public void Catalog_refuses_bad_input_naming_the_key_and_value(string kind, string key, string value, string message)
    {
        Assert.Equal(message, Refused(() => StrategyCatalog.Create(kind, P((key, value)))));
    }
}

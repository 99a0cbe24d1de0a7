using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Tests;

public sealed class StrategyTests
{
    private static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    private static TradeBar Bar(int i, decimal close, decimal? high = null, decimal? low = null) =>
        new("X", T0.AddMinutes(i + 1), TimeSpan.FromMinutes(1), close, high ?? close, low ?? close, close, 100);

    private static List<(int Bar, decimal Target)> Run(IStrategy s, IReadOnlyList<decimal> closes)
    {
        var signals = new List<(int, decimal)>();
        for (var i = 0; i < closes.Count; i++)
            if (s.OnBar(Bar(i, closes[i])) is { } t) signals.Add((i, t));
        return signals;
    }

    [Fact]
    public void Indicators_match_hand_computed_values()
    {
        var sma = new SimpleMovingAverage(3);
        foreach (var v in new[] { 1m, 2, 3, 4 }) sma.Add(v);
        Assert.True(sma.IsReady);
        Assert.Equal(3.0, sma.Value, 10);

        var ema = new ExponentialMovingAverage(3); // alpha 0.5, seeded with SMA(1,2,3) = 2
        foreach (var v in new[] { 1m, 2, 3, 4 }) ema.Add(v);
        Assert.Equal(3.0, ema.Value, 10);

        var stats = new RollingStatistics(4);
        foreach (var v in new[] { 2m, 4, 4, 4, 5 }) stats.Add(v); // window 4,4,4,5
        Assert.Equal(4.25, stats.Mean, 10);
        Assert.Equal(Math.Sqrt(0.1875), stats.PopulationStandardDeviation, 10);

        var ch = new DonchianChannel(2);
        ch.Add(10, 8);
        ch.Add(12, 9);
        ch.Add(11, 7); // judged against the two bars before it, so its own low of 7 is not in the channel
        Assert.Equal(12m, ch.Upper);
        Assert.Equal(8m, ch.Lower);
    }

    [Fact]
    public void Crossover_goes_long_when_the_fast_average_crosses_above_and_short_when_below()
    {
        var closes = Enumerable.Repeat(100m, 10).Concat(Enumerable.Range(1, 10).Select(i => 100m - i))
            .Concat(Enumerable.Range(1, 15).Select(i => 90m + 2 * i)).ToList();
        var s = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 6, MovingAverageKind.Sma));
        var signals = Run(s, closes);
        Assert.Equal(new[] { 1m }, signals.Select(x => x.Target).Distinct());
        Assert.InRange(signals[0].Bar, 20, 23);

        var down = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 6, MovingAverageKind.Ema));
        var sigs = Run(down, Enumerable.Range(0, 20).Select(i => 100m + i).Concat(Enumerable.Range(0, 20).Select(i => 119m - 2 * i)).ToList());
        Assert.Equal(-1m, sigs.Single().Target);
    }

    [Fact]
    public void Mean_reversion_enters_against_a_stretch_and_exits_near_the_mean()
    {
        var closes = new List<decimal>();
        for (var i = 0; i < 20; i++) closes.Add(i % 2 == 0 ? 100m : 101m);
        closes.Add(90m);                                   // far below: long
        for (var i = 0; i < 20; i++) closes.Add(i % 2 == 0 ? 100m : 101m); // back to the mean: flat
        var s = new MeanReversion(new MeanReversionParameters(10, 2.0, 0.5));
        var signals = Run(s, closes);
        Assert.Equal((20, 1m), signals[0]);
        Assert.Equal(0m, signals[1].Target);
    }

    [Fact]
    public void Breakout_follows_a_new_channel_high_and_exits_on_the_exit_channel()
    {
        var closes = Enumerable.Repeat(100m, 10).Append(105m).Concat(Enumerable.Repeat(106m, 3)).Append(95m).ToList();
        var s = new Breakout(new BreakoutParameters(5, 3));
        var signals = Run(s, closes);
        Assert.Equal((10, 1m), signals[0]);
        Assert.Equal(14, signals[1].Bar); // 95 breaks below both channels: from long straight to short
        Assert.Equal(-1m, signals[1].Target);
    }

    [Fact]
    public void Strategies_are_deterministic_functions_of_the_bars()
    {
        var rng = new Random(3);
        var closes = new List<decimal> { 100m };
        for (var i = 0; i < 2000; i++) closes.Add(Math.Max(1m, closes[^1] + (decimal)(rng.NextDouble() - 0.5)));
        foreach (var kind in StrategyCatalog.Kinds)
        {
            var a = Run(StrategyCatalog.Create(kind, new Dictionary<string, string>()), closes);
            var b = Run(StrategyCatalog.Create(kind, new Dictionary<string, string>()), closes);
            Assert.NotEmpty(a);
            Assert.Equal(a, b);
        }
    }

    [Theory]
    [InlineData("ma-crossover", "fast", "50", "fast must be a positive integer less than slow (fast=50, slow=30)")]
    [InlineData("ma-crossover", "ma-type", "wma", "ma-type")]
    [InlineData("mean-reversion", "exit-z", "3", "exit-z")]
    [InlineData("breakout", "entry-lookback", "x", "entry-lookback")]
    [InlineData("martingale", "a", "1", "unknown strategy kind 'martingale'")]
    public void Bad_parameters_are_refused_naming_them(string kind, string key, string value, string named)
    {
        var ex = Assert.Throws<ArgumentException>(() => StrategyCatalog.Create(kind, new Dictionary<string, string> { [key] = value }));
        Assert.Contains(named, ex.Message);
    }
}

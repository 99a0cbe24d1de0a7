using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using FsCheck;
using FsCheck.Xunit;

namespace Engine.Domain.Tests;

/// <summary>
/// What each strategy signals on scripted bar series (hand-worked signals at known bars), and that
/// signals are a deterministic function of the bars. Parameter validation is in StrategyParameterTests,
/// the indicators underneath in IndicatorTests.
/// </summary>
public sealed class StrategySignalTests
{
    private static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    private static TradeBar Bar(int i, decimal close, decimal? high = null, decimal? low = null) =>
        new("X", T0.AddMinutes(i + 1), TimeSpan.FromMinutes(1), close, high ?? close, low ?? close, close, 100);

    private static List<(int Bar, decimal Target)> Run(IStrategy s, IEnumerable<TradeBar> bars)
    {
        var signals = new List<(int, decimal)>();
        var i = 0;
        foreach (var bar in bars)
        {
            if (s.OnBar(bar) is { } t) signals.Add((i, t));
            i++;
        }
        return signals;
    }

    private static List<(int Bar, decimal Target)> Run(IStrategy s, params decimal[] closes) =>
        Run(s, closes.Select((c, i) => Bar(i, c)));

    [Fact]
    public void Sma_crossover_signals_on_the_bar_where_the_fast_average_changes_side()
    {
        // fast 2 / slow 4. Bar 3: both 10 (touching, no side). Bar 4: 9.5 < 9.75 (first side: below,
        // silent). Bar 6: 10 > 9.75 (cross up). Bar 8: 9 < 9.5 (cross down).
        var s = new MovingAverageCrossover(new MovingAverageCrossoverParameters(2, 4, MovingAverageKind.Sma));
        Assert.Equal(new[] { (6, 1m), (8, -1m) }, Run(s, 10m, 10, 10, 10, 9, 8, 12, 12, 6));
    }

    [Fact]
    public void Ema_crossover_signals_on_the_bar_where_the_fast_average_changes_side()
    {
        // fast 2 (alpha 2/3) / slow 3 (alpha 1/2), both seeded at 10.
        // Bar 3: 12 vs 11.5 (first side: above, silent). Bar 4: 8.67 vs 9.25 (cross down).
        // Bar 5: 9.56 vs 9.625 (still below). Bar 6: 10.52 vs 10.31 (cross up).
        var s = new MovingAverageCrossover(new MovingAverageCrossoverParameters(2, 3, MovingAverageKind.Ema));
        Assert.Equal(new[] { (4, -1m), (6, 1m) }, Run(s, 10m, 10, 10, 13, 7, 10, 11));
    }

    [Fact]
    public void Crossover_is_silent_until_a_real_cross()
    {
        var up = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 8, MovingAverageKind.Sma));
        Assert.Empty(Run(up, Enumerable.Range(0, 50).Select(i => 100m + i).ToArray()));

        var flat = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 8, MovingAverageKind.Ema));
        Assert.Empty(Run(flat, Enumerable.Repeat(100.1m, 50).ToArray()));
    }

    [Fact]
    public void Crossover_after_a_trend_change()
    {
        // Down 30 bars, then up: the one cross is upward, a few bars after the turn.
        var closes = Enumerable.Range(0, 30).Select(i => 200m - i).Concat(Enumerable.Range(1, 30).Select(i => 171m + i)).ToArray();
        var s = new MovingAverageCrossover(new MovingAverageCrossoverParameters(5, 20, MovingAverageKind.Sma));
        var signal = Assert.Single(Run(s, closes));
        Assert.Equal(1m, signal.Target);
        // Bar 36: SMA5 176 < SMA20 176.3; bar 37: 177 > 176.1.
        Assert.Equal(37, signal.Bar);
    }

    [Fact]
    public void Crossover_goes_long_when_the_fast_average_crosses_above_and_short_when_below()
    {
        // Flat, down 10, then up 15: every signal is long, and the first comes a few bars into the rise.
        var closes = Enumerable.Repeat(100m, 10).Concat(Enumerable.Range(1, 10).Select(i => 100m - i))
            .Concat(Enumerable.Range(1, 15).Select(i => 90m + 2 * i)).ToArray();
        var s = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 6, MovingAverageKind.Sma));
        var signals = Run(s, closes);
        Assert.Equal(new[] { 1m }, signals.Select(x => x.Target).Distinct());
        Assert.InRange(signals[0].Bar, 20, 23);

        // Up 20, then down: the one cross is downward.
        var down = new MovingAverageCrossover(new MovingAverageCrossoverParameters(3, 6, MovingAverageKind.Ema));
        var sigs = Run(down, Enumerable.Range(0, 20).Select(i => 100m + i).Concat(Enumerable.Range(0, 20).Select(i => 119m - 2 * i)).ToArray());
        Assert.Equal(-1m, sigs.Single().Target);
    }

    [Fact]
    public void Mean_reversion_enters_on_a_stretch_and_exits_near_the_mean()
    {
        // Lookback 5: four equal closes and an outlier give |z| = sqrt(4) = 2 > 1.5.
        var s = new MeanReversion(new MeanReversionParameters(5, 1.5, 0.5));
        var signals = Run(s, 10m, 10, 10, 10, 10, 6, 9, 9, 9, 9, 9, 13, 10);
        // Bar 5: z = -2, long. Bar 6: window 10,10,10,6,9 has mean 9, z = 0, flat.
        // Bar 10: flat window, nothing. Bar 11: z = +2, short. Bar 12: window 9,9,9,13,10 has mean 10, flat.
        Assert.Equal(new[] { (5, 1m), (6, 0m), (11, -1m), (12, 0m) }, signals);
    }

    [Fact]
    public void Mean_reversion_enters_against_an_outlier_in_a_choppy_series_and_exits_near_the_mean()
    {
        var closes = new List<decimal>();
        for (var i = 0; i < 20; i++) closes.Add(i % 2 == 0 ? 100m : 101m);
        closes.Add(90m);                                   // far below: long
        for (var i = 0; i < 20; i++) closes.Add(i % 2 == 0 ? 100m : 101m); // back to the mean: flat
        var s = new MeanReversion(new MeanReversionParameters(10, 2.0, 0.5));
        var signals = Run(s, closes.ToArray());
        Assert.Equal((20, 1m), signals[0]);
        Assert.Equal(0m, signals[1].Target);
    }

    [Fact]
    public void Mean_reversion_flips_directly_on_an_opposite_stretch()
    {
        // Bar 6: window 10,10,10,6,14 has mean 10, std 2.53, z = +1.58 > 1.5.
        var s = new MeanReversion(new MeanReversionParameters(5, 1.5, 0.5));
        Assert.Equal(new[] { (5, 1m), (6, -1m) }, Run(s, 10m, 10, 10, 10, 10, 6, 14));
    }

    [Fact]
    public void Mean_reversion_does_nothing_on_a_flat_window()
    {
        // Long at bar 5; z of the 10s afterwards is 0.5 (not under exit-z 0.4), and once the window
        // is all 10s the deviation is 0, which decides nothing: the position is held.
        var s = new MeanReversion(new MeanReversionParameters(5, 1.5, 0.4));
        Assert.Equal(new[] { (5, 1m) }, Run(s, 10m, 10, 10, 10, 10, 6, 10, 10, 10, 10, 10, 10));
        Assert.Empty(Run(new MeanReversion(new MeanReversionParameters(5, 1.5, 0.4)), Enumerable.Repeat(42m, 30).ToArray()));
    }

    [Fact]
    public void Breakout_enters_on_the_channel_and_exits_on_the_shorter_one()
    {
        var s = new Breakout(new BreakoutParameters(4, 2));
        var bars = new (decimal C, decimal H, decimal L)[]
        {
            (10, 11, 9), (10, 11, 9), (10, 11, 9), (10, 11, 9),
            (11, 11.5m, 10),     // 4: closes AT the previous high of 11: not a breakout
            (12, 12, 11),        // 5: above the previous 4-bar high 11.5: long
            (12.5m, 13, 12),     // 6
            (11.5m, 12.5m, 11.4m), // 7: exit low (bars 5-6) is 11: hold
            (10.9m, 11.5m, 10.8m), // 8: below exit low 11.4 (bars 6-7), above entry low 10: flat
            (9.5m, 10.9m, 9.4m),  // 9: below entry low 10.8 (bars 5-8): short
            (10, 10.2m, 9.6m),    // 10: exit high (bars 8-9) 11.5: hold
            (10.5m, 10.6m, 10),   // 11: exit high (bars 9-10) 10.9: hold
            (11, 11.2m, 10.5m),   // 12: above exit high 10.6 (bars 10-11), below entry high 11.5: flat
        };
        var signals = Run(s, bars.Select((b, i) => Bar(i, b.C, b.H, b.L)));
        Assert.Equal(new[] { (5, 1m), (8, 0m), (9, -1m), (12, 0m) }, signals);
    }

    [Fact]
    public void Breakout_follows_a_new_channel_high_and_exits_on_the_exit_channel()
    {
        var s = new Breakout(new BreakoutParameters(5, 3));
        var signals = Run(s, Enumerable.Repeat(100m, 10).Append(105m).Concat(Enumerable.Repeat(106m, 3)).Append(95m).ToArray());
        Assert.Equal((10, 1m), signals[0]);
        Assert.Equal(14, signals[1].Bar); // 95 breaks below both channels: from long straight to short
        Assert.Equal(-1m, signals[1].Target);
    }

    [Fact]
    public void Breakout_waits_for_a_full_entry_channel()
    {
        var s = new Breakout(new BreakoutParameters(3, 2));
        // Bars 1 and 2 close far above everything before them, but only bar 3 has three bars behind it.
        Assert.Equal(new[] { (3, 1m) }, Run(s, 10m, 20, 30, 40));
    }

    // Two series on purpose: a random walk with bar ranges (breakouts read highs and lows) and a
    // close-only drift whose steps carry many decimal places (averages and z-scores on uneven decimals).
    public static TheoryData<string, string, int> KindsAndSeries()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var kind in StrategyCatalog.Kinds)
        {
            // Buy-and-hold trades once by design.
            data.Add(kind, "walk", kind == "buy-and-hold" ? 1 : 6);
            data.Add(kind, "drift", 1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndSeries))]
    public void Replaying_the_same_bars_reproduces_the_same_signals(string kind, string series, int minSignals)
    {
        var bars = series == "walk" ? RandomWalk(seed: 7, count: 3000) : Drift(seed: 3, count: 2000);
        var first = Run(StrategyCatalog.Create(kind, new Dictionary<string, string>()), bars);
        var second = Run(StrategyCatalog.Create(kind, new Dictionary<string, string>()), bars);
        Assert.True(first.Count >= minSignals, $"{kind} traded only {first.Count} times on {bars.Count} bars of the {series}");
        Assert.Equal(first, second);
    }

    /// <summary>
    /// On any random walk, for any valid parameters: targets are -1, 0 or 1, never repeat (a repeat
    /// would be a duplicate order), and a second instance fed the same bars says exactly the same.
    /// </summary>
    [Property(MaxTest = 200)]
    public void Signals_are_deterministic_changes_of_target(int seed, PositiveInt a, PositiveInt b, bool ema)
    {
        var bars = RandomWalk(seed, 400);
        var shortN = a.Get % 10 + 2;
        var longN = shortN + b.Get % 20 + 1;
        Func<IStrategy>[] factories =
        [
            () => new MovingAverageCrossover(new(shortN, longN, ema ? MovingAverageKind.Ema : MovingAverageKind.Sma)),
            () => new MeanReversion(new(longN, Math.Min(2.0, Math.Sqrt(longN - 1) - 0.01), 0.3)),
            () => new Breakout(new(longN, shortN)),
            () => new BuyAndHold(),
            () => new MacdTrend(new(shortN, longN, shortN, ema ? 0.0025 : 0)),
            () => new RsiMeanReversion(new(shortN, 30, 70, 50)),
        ];
        foreach (var create in factories)
        {
            var first = Run(create(), bars);
            Assert.Equal(first, Run(create(), bars));
            Assert.All(first, s => Assert.Contains(s.Target, new[] { -1m, 0m, 1m }));
            for (var i = 1; i < first.Count; i++) Assert.NotEqual(first[i - 1].Target, first[i].Target);
            if (first.Count > 0) Assert.NotEqual(0m, first[0].Target); // the initial target is already flat
        }
    }

    /// <summary>Close-only bars (open = high = low = close) drifting by up to half a unit a bar.</summary>
    private static List<TradeBar> Drift(int seed, int count)
    {
        var rng = new Random(seed);
        var closes = new List<decimal> { 100m };
        for (var i = 0; i < count; i++) closes.Add(Math.Max(1m, closes[^1] + (decimal)(rng.NextDouble() - 0.5)));
        return closes.Select((c, i) => Bar(i, c)).ToList();
    }

    private static List<TradeBar> RandomWalk(int seed, int count)
    {
        var rng = new Random(seed);
        var bars = new List<TradeBar>(count);
        var close = 100m;
        for (var i = 0; i < count; i++)
        {
            var open = close;
            close = Math.Max(1m, close + rng.Next(-100, 101) / 100m);
            var high = Math.Max(open, close) + rng.Next(0, 30) / 100m;
            var low = Math.Max(0.5m, Math.Min(open, close) - rng.Next(0, 30) / 100m);
            bars.Add(new TradeBar("X", T0.AddMinutes(i + 1), TimeSpan.FromMinutes(1), open, high, low, close, 100));
        }
        return bars;
    }
}

using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Tests;

public sealed class IndicatorTests
{
    [Fact]
    public void Rolling_window_keeps_the_last_n_values_newest_first()
    {
        var w = new RollingWindow<int>(3);
        Assert.Equal(0, w.Count);
        w.Add(1);
        w.Add(2);
        Assert.False(w.IsFull);
        Assert.Equal(2, w[0]);
        Assert.Equal(1, w[1]);
        w.Add(3);
        w.Add(4);
        Assert.True(w.IsFull);
        Assert.Equal(3, w.Count);
        Assert.Equal(new[] { 4, 3, 2 }, new[] { w[0], w[1], w[2] });
        Assert.Equal(new[] { 2, 3, 4 }, w.Values.ToArray().Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => w[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RollingWindow<int>(0));
    }

    [Fact]
    public void Sma_is_the_mean_of_the_last_n_values()
    {
        var sma = new SimpleMovingAverage(3);
        var expected = new[] { (1m, 1.0, false), (2m, 1.5, false), (3m, 2.0, true), (4m, 3.0, true), (8m, 5.0, true) };
        foreach (var (input, value, ready) in expected)
        {
            sma.Add(input);
            Assert.Equal(value, sma.Value, 12);
            Assert.Equal(ready, sma.IsReady);
        }
        Assert.Equal(3, sma.Period);
    }

    [Fact]
    public void Ema_is_seeded_with_the_sma_then_uses_alpha_two_over_n_plus_one()
    {
        var ema = new ExponentialMovingAverage(4); // alpha = 0.4
        foreach (var v in new[] { 2m, 4m, 6m })
        {
            ema.Add(v);
            Assert.False(ema.IsReady);
        }
        ema.Add(8m);
        Assert.True(ema.IsReady);
        Assert.Equal(5.0, ema.Value, 12);        // (2+4+6+8)/4
        ema.Add(10m);
        Assert.Equal(7.0, ema.Value, 12);        // 5 + 0.4 * (10 - 5)
        ema.Add(0m);
        Assert.Equal(4.2, ema.Value, 12);        // 7 + 0.4 * (0 - 7)
    }

    [Fact]
    public void Averages_of_a_flat_series_are_exactly_the_price()
    {
        // 100.1 has no exact double; a naive sum/n drifts by an ulp, which a crossover would read as a cross.
        var sma = new SimpleMovingAverage(7);
        var ema = new ExponentialMovingAverage(7);
        var stats = new RollingStatistics(7);
        for (var i = 0; i < 50; i++)
        {
            sma.Add(100.1m);
            ema.Add(100.1m);
            stats.Add(100.1m);
        }
        Assert.Equal((double)100.1m, sma.Value);
        Assert.Equal((double)100.1m, ema.Value);
        Assert.Equal((double)100.1m, stats.Mean);
        Assert.Equal(0.0, stats.PopulationStandardDeviation);
        Assert.Equal(0.0, stats.SampleStandardDeviation);
    }

    [Fact]
    public void Rolling_statistics_give_population_and_sample_deviation_over_the_window()
    {
        var s = new RollingStatistics(8);
        foreach (var v in new[] { 2m, 4, 4, 4, 5, 5, 7, 9 }) s.Add(v);
        Assert.True(s.IsReady);
        Assert.Equal(5.0, s.Mean, 12);
        Assert.Equal(2.0, s.PopulationStandardDeviation, 12);      // sum of squares 32 / 8 = 4
        Assert.Equal(Math.Sqrt(32.0 / 7), s.SampleStandardDeviation, 12);

        s.Add(9m); // window 4,4,4,5,5,7,9,9: mean 5.875, sum of squares 32.875
        Assert.Equal(5.875, s.Mean, 12);
        Assert.Equal(32.875 / 8, s.PopulationVariance, 12);
        Assert.Equal(Math.Sqrt(32.875 / 7), s.SampleStandardDeviation, 12);
    }

    [Fact]
    public void Rolling_statistics_stay_accurate_for_large_prices_and_long_runs()
    {
        // Small dispersion on a large level defeats the sum-of-squares formula; the shifted two-pass does not.
        var s = new RollingStatistics(3);
        foreach (var v in new[] { 1_000_000_001m, 1_000_000_002m, 1_000_000_003m }) s.Add(v);
        Assert.Equal(Math.Sqrt(2.0 / 3), s.PopulationStandardDeviation, 9);

        var rng = new Random(11);
        var long_ = new RollingStatistics(20);
        var tail = new Queue<decimal>();
        for (var i = 0; i < 100_000; i++)
        {
            var v = 100m + (decimal)rng.Next(-500, 500) / 100m;
            long_.Add(v);
            tail.Enqueue(v);
            if (tail.Count > 20) tail.Dequeue();
        }
        var fresh = new RollingStatistics(20);
        foreach (var v in tail) fresh.Add(v);
        Assert.Equal(fresh.Mean, long_.Mean, 12);
        Assert.Equal(fresh.PopulationStandardDeviation, long_.PopulationStandardDeviation, 12);
    }

    [Fact]
    public void Donchian_channel_spans_the_previous_n_bars_and_excludes_the_current_one()
    {
        var ch = new DonchianChannel(3);
        ch.Add(10m, 8m);
        ch.Add(12m, 9m);
        ch.Add(11m, 7m);
        Assert.False(ch.IsReady); // only two bars precede the third
        ch.Add(13m, 10m);
        Assert.True(ch.IsReady);
        Assert.Equal(12m, ch.Upper); // bars 1-3; the 13 of the current bar is excluded
        Assert.Equal(7m, ch.Lower);
        ch.Add(9m, 6m);
        Assert.Equal(13m, ch.Upper); // bars 2-4
        Assert.Equal(7m, ch.Lower);
        ch.Add(9m, 8m);
        Assert.Equal(13m, ch.Upper); // bars 3-5
        Assert.Equal(6m, ch.Lower);
    }

    [Fact]
    public void Short_windows_match_hand_computed_values()
    {
        // Small periods worked by hand; the SMA of 1..4 over 3 is already checked in Sma_is_the_mean_of_the_last_n_values.
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
    public void Periods_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleMovingAverage(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RollingStatistics(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DonchianChannel(0));
    }

    [Fact]
    public void Updates_allocate_nothing()
    {
        var sma = new SimpleMovingAverage(20);
        var ema = new ExponentialMovingAverage(20);
        var stats = new RollingStatistics(20);
        var ch = new DonchianChannel(20);
        void Run(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var p = 100m + i % 17;
                sma.Add(p);
                ema.Add(p);
                stats.Add(p);
                ch.Add(p + 1, p - 1);
            }
        }
        Run(100); // warm up (tiered JIT)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Strategies_allocate_nothing_per_bar()
    {
        var bars = Enumerable.Range(0, 1000)
            .Select(i => 100m + i % 23 - i % 7)
            .Select((c, i) => new TradeBar("X", DateTime.UnixEpoch.AddMinutes(i + 1), TimeSpan.FromMinutes(1), c, c + 1, c - 1, c, 1))
            .ToArray();
        IStrategy[] strategies =
        [
            new MovingAverageCrossover(new(5, 20, MovingAverageKind.Sma)),
            new MovingAverageCrossover(new(5, 20, MovingAverageKind.Ema)),
            new MeanReversion(new(20, 1.5, 0.5)),
            new Breakout(new(20, 10)),
        ];
        var signals = 0;
        void Run(int from, int to)
        {
            foreach (var s in strategies)
                for (var i = from; i < to; i++)
                    if (s.OnBar(bars[i]) is not null) signals++;
        }
        Run(0, 100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(100, bars.Length);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(signals > 0);
    }
}

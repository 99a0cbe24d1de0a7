using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Domain.Strategies.Indicators;

namespace Engine.Domain.Tests.Strategies;

/// <summary>
/// buy-and-hold, macd-trend and rsi-mean-reversion: their indicators against hand-worked and
/// published values, their signals at known bars, and their parameters' validation and catalog entries.
/// </summary>
public sealed class NewStrategyTests
{
    private static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    private static TradeBar Bar(int i, decimal close) =>
        new("X", T0.AddMinutes(i + 1), TimeSpan.FromMinutes(1), close, close, close, close, 100);

    private static List<(int Bar, decimal Target)> Run(IStrategy s, params decimal[] closes)
    {
        var signals = new List<(int, decimal)>();
        for (var i = 0; i < closes.Length; i++)
        {
            if (s.OnBar(Bar(i, closes[i])) is { } t) signals.Add((i, t));
        }
        return signals;
    }

    private static string Refused(Action build) => Assert.Throws<ArgumentException>(build).Message;

    private static Dictionary<string, string> P(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    // StockCharts' ChartSchool RSI example (14 periods): the closes and the RSI it publishes from the
    // 15th close on. The publication rounds its average gain and loss to 2 decimals before dividing,
    // so it differs from the exact values by up to 0.07.
    private static readonly decimal[] StockChartsCloses =
    [
        44.34m, 44.09m, 44.15m, 43.61m, 44.33m, 44.83m, 45.10m, 45.42m, 45.84m, 46.08m, 45.89m, 46.03m, 45.61m,
        46.28m, 46.28m, 46.00m, 46.03m, 46.41m, 46.22m, 45.64m, 46.21m, 46.25m, 45.71m, 46.45m, 45.78m, 45.35m,
        44.03m, 44.18m, 44.22m, 44.57m, 43.42m, 42.66m, 43.13m,
    ];

    private static readonly double[] StockChartsRsi =
    [
        70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46,
        41.87, 45.46, 37.30, 33.08, 37.77,
    ];

    [Fact]
    public void Wilder_rsi_is_seeded_with_the_mean_change_then_smoothed_by_one_over_n()
    {
        var rsi = new RelativeStrengthIndex(14);
        for (var i = 0; i < 14; i++)
        {
            rsi.Add(StockChartsCloses[i]);
            Assert.False(rsi.IsReady);
        }
        rsi.Add(StockChartsCloses[14]);
        Assert.True(rsi.IsReady);
        // The first 14 changes gain 3.34 and lose 1.40 in all: RS = 0.238571 / 0.1.
        Assert.Equal(3.34 / 14, rsi.AverageGain, 12);
        Assert.Equal(1.40 / 14, rsi.AverageLoss, 12);
        Assert.Equal(100 - 100 / (1 + 3.34 / 1.40), rsi.Value, 10); // 70.464
        // Next close 46.00 (a loss of 0.28): gain 0.238571 * 13 / 14, loss (0.1 * 13 + 0.28) / 14.
        rsi.Add(StockChartsCloses[15]);
        var gain = 3.34 / 14 * 13 / 14;
        var loss = (1.40 / 14 * 13 + 0.28) / 14;
        Assert.Equal(gain, rsi.AverageGain, 12);
        Assert.Equal(loss, rsi.AverageLoss, 12);
        Assert.Equal(100 - 100 / (1 + gain / loss), rsi.Value, 10); // 66.25
    }

    [Fact]
    public void Wilder_rsi_matches_the_published_stockcharts_example()
    {
        var rsi = new RelativeStrengthIndex(14);
        var values = new List<double>();
        foreach (var close in StockChartsCloses)
        {
            rsi.Add(close);
            if (rsi.IsReady) values.Add(rsi.Value);
        }
        Assert.Equal(StockChartsRsi.Length, values.Count);
        for (var i = 0; i < values.Count; i++)
            Assert.True(Math.Abs(values[i] - StockChartsRsi[i]) < 0.1, $"RSI #{i}: {values[i]:0.00} vs published {StockChartsRsi[i]}");
    }

    [Fact]
    public void Rsi_is_100_without_losses_and_50_without_any_change()
    {
        var rising = new RelativeStrengthIndex(3);
        foreach (var c in new[] { 1m, 2m, 3m, 4m }) rising.Add(c);
        Assert.Equal(100, rising.Value);
        var flat = new RelativeStrengthIndex(3);
        foreach (var c in new[] { 5m, 5m, 5m, 5m }) flat.Add(c);
        Assert.Equal(50, flat.Value);
        var falling = new RelativeStrengthIndex(3);
        foreach (var c in new[] { 4m, 3m, 2m, 1m }) falling.Add(c);
        Assert.Equal(0, falling.Value);
    }

    [Fact]
    public void Macd_is_fast_minus_slow_ema_and_its_signal_starts_once_both_are_ready()
    {
        // fast 2 (alpha 2/3), slow 3 (alpha 1/2), signal 2 (alpha 2/3); every value an exact fraction.
        var macd = new MovingAverageConvergenceDivergence(2, 3, 2);
        macd.Add(10m);
        macd.Add(11m);
        macd.Add(12m); // fast 10.5 + 2/3 * 1.5 = 11.5, slow seeded at 11: MACD 0.5, the signal's first value
        Assert.Equal(0.5, macd.Macd, 12);
        Assert.False(macd.IsReady);
        macd.Add(11m); // fast 11 1/6, slow 11: MACD 1/6; signal seeded at (0.5 + 1/6) / 2 = 1/3
        Assert.True(macd.IsReady);
        Assert.Equal(11 + 1 / 6.0, macd.Fast, 12);
        Assert.Equal(11, macd.Slow, 12);
        Assert.Equal(1 / 6.0, macd.Macd, 12);
        Assert.Equal(1 / 3.0, macd.Signal, 12);
        Assert.Equal(-1 / 6.0, macd.Histogram, 12);
        macd.Add(13m); // fast 12 7/18, slow 12: MACD 7/18; signal 1/3 + 2/3 * (7/18 - 1/3) = 10/27
        Assert.Equal(7 / 18.0, macd.Macd, 12);
        Assert.Equal(10 / 27.0, macd.Signal, 12);
        macd.Add(14m); // MACD 25/54; signal 35/81
        Assert.Equal(25 / 54.0, macd.Macd, 12);
        Assert.Equal(35 / 81.0, macd.Signal, 12);
        macd.Add(12m); // MACD -1/81; signal 11/81
        Assert.Equal(-1 / 81.0, macd.Macd, 12);
        Assert.Equal(11 / 81.0, macd.Signal, 12);
    }

    [Fact]
    public void Macd_trend_goes_long_above_the_band_and_flat_below_it()
    {
        // The series of the MACD test: delta = histogram / fast is -0.0149 (bar 3), +0.00149 (bar 4),
        // +0.00229 (bar 5), -0.0119 (bar 6).
        decimal[] closes = [10m, 11, 12, 11, 13, 14, 12];
        Assert.Equal(new[] { (4, 1m), (6, 0m) }, Run(new MacdTrend(new(2, 3, 2, 0)), closes));
        // A band of 0.0015 ignores bar 4's 0.00149: long one bar later.
        Assert.Equal(new[] { (5, 1m), (6, 0m) }, Run(new MacdTrend(new(2, 3, 2, 0.0015)), closes));
        // LEAN's 0.0025 is wider than either rise: never long, and never short.
        Assert.Empty(Run(new MacdTrend(new(2, 3, 2, 0.0025)), closes));
    }

    [Fact]
    public void Macd_trend_is_silent_until_ready_and_on_a_flat_series()
    {
        var s = new MacdTrend(new(12, 26, 9, 0.0025));
        Assert.Empty(Run(s, Enumerable.Repeat(100m, 200).ToArray()));
        // A steady rise: MACD above its signal from the first ready bar (26 + 9 - 1 = 34th, index 33) on.
        var rising = Enumerable.Range(0, 60).Select(i => 100m * (decimal)Math.Pow(1.01, i)).ToArray();
        var signals = Run(new MacdTrend(new(12, 26, 9, 0)), rising);
        Assert.Equal(1m, Assert.Single(signals).Target);
        Assert.True(signals[0].Bar >= 33, $"signalled at bar {signals[0].Bar}, before the MACD was ready");
    }

    [Fact]
    public void Rsi_mean_reversion_enters_at_the_extremes_and_exits_at_the_exit_level()
    {
        // period 2. RSI from bar 2: 0, 0, 57.1, 90.3, 59.6, 35.4, 10.3, 76.6 -> long, (hold),
        // flat (>= 50), short (> 70), (hold, > 50), flat (<= 50), long (< 30), short directly (> 70).
        var s = new RsiMeanReversion(new(2, 30, 70, 50));
        Assert.Equal(new[] { (2, 1m), (4, 0m), (5, -1m), (7, 0m), (8, 1m), (9, -1m) },
            Run(s, 10m, 10, 9, 8, 9, 12, 11, 10, 7, 13));
    }

    [Fact]
    public void Buy_and_hold_goes_long_on_its_first_bar_and_never_trades_again()
    {
        Assert.Equal(new[] { (0, 1m) }, Run(new BuyAndHold(), 100m, 50, 200, 1, 1000));
    }

    [Fact]
    public void New_parameters_name_the_offending_key_and_value()
    {
        Assert.Equal("fast must be a positive integer less than slow (fast=26, slow=26)",
            Refused(() => new MacdTrendParameters(26, 26, 9, 0.0025).Validate()));
        Assert.Equal("slow must be an integer from 2 to 100000 (slow=1)",
            Refused(() => new MacdTrendParameters(1, 1, 9, 0.0025).Validate()));
        Assert.Equal("signal must be an integer from 1 to 100000 (signal=0)",
            Refused(() => new MacdTrendParameters(12, 26, 0, 0.0025).Validate()));
        Assert.Equal("tolerance must be a number in [0, 1) (tolerance=-0.01)",
            Refused(() => new MacdTrendParameters(12, 26, 9, -0.01).Validate()));
        Assert.Equal("period must be an integer from 2 to 100000 (period=1)",
            Refused(() => new RsiMeanReversionParameters(1, 30, 70, 50).Validate()));
        Assert.Equal("oversold must be a number in (0, 100) (oversold=0)",
            Refused(() => new RsiMeanReversionParameters(14, 0, 70, 50).Validate()));
        Assert.Equal("overbought must be a number in (oversold, 100) (overbought=25, oversold=30)",
            Refused(() => new RsiMeanReversionParameters(14, 30, 25, 50).Validate()));
        Assert.Equal("exit must be a number in (oversold, overbought) (exit=80, oversold=30, overbought=70)",
            Refused(() => new RsiMeanReversionParameters(14, 30, 70, 80).Validate()));
        new MacdTrendParameters(1, 2, 1, 0).Validate();
        new RsiMeanReversionParameters(2, 1, 99, 50).Validate();
    }

    [Fact]
    public void Catalog_builds_the_new_kinds_with_their_defaults()
    {
        var none = new Dictionary<string, string>();
        Assert.IsType<BuyAndHold>(StrategyCatalog.Create("buy-and-hold", none));
        Assert.Equal(new MacdTrendParameters(12, 26, 9, 0.0025),
            Assert.IsType<MacdTrend>(StrategyCatalog.Create("macd-trend", none)).Parameters);
        Assert.Equal(new RsiMeanReversionParameters(14, 30, 70, 50),
            Assert.IsType<RsiMeanReversion>(StrategyCatalog.Create("rsi-mean-reversion", none)).Parameters);
        Assert.Equal(new MacdTrendParameters(5, 35, 5, 0.01),
            ((MacdTrend)StrategyCatalog.Create("macd-trend", P(("fast", "5"), ("slow", "35"), ("signal", "5"), ("tolerance", "0.01")))).Parameters);
        Assert.Equal(new RsiMeanReversionParameters(2, 10, 90, 55.5),
            ((RsiMeanReversion)StrategyCatalog.Create("rsi-mean-reversion",
                P(("period", "2"), ("oversold", "10"), ("overbought", "90"), ("exit", "55.5")))).Parameters);
    }

    [Theory]
    [InlineData("buy-and-hold", "quantity", "5", "unknown parameter 'quantity' (value '5') for buy-and-hold; it takes none")]
    [InlineData("macd-trend", "signl", "9", "unknown parameter 'signl' (value '9') for macd-trend; expected: fast, slow, signal, tolerance")]
    [InlineData("macd-trend", "fast", "30", "fast must be a positive integer less than slow (fast=30, slow=26)")]
    [InlineData("macd-trend", "signal", "nine", "signal must be an integer, got 'nine'")]
    [InlineData("macd-trend", "tolerance", "1", "tolerance must be a number in [0, 1) (tolerance=1)")]
    [InlineData("rsi-mean-reversion", "exit", "20", "exit must be a number in (oversold, overbought) (exit=20, oversold=30, overbought=70)")]
    [InlineData("rsi-mean-reversion", "oversold", "abc", "oversold must be a finite number, got 'abc'")]
    [InlineData("rsi-mean-reversion", "overbought", "100", "overbought must be a number in (oversold, 100) (overbought=100, oversold=30)")]
    [InlineData("rsi-mean-reversion", "period", "100001", "period must be an integer from 2 to 100000 (period=100001)")]
    public void Catalog_refuses_bad_new_parameters_naming_the_key_and_value(string kind, string key, string value, string message)
    {
        Assert.Equal(message, Refused(() => StrategyCatalog.Create(kind, P((key, value)))));
    }
}

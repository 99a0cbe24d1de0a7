using Engine.Domain.Backtest;

namespace Engine.Domain.Tests.Backtest;

/// <summary>
/// BacktestStatistics.Compute on a five-day curve whose every figure is worked out by hand below
/// (and was cross-checked with Python's statistics.NormalDist), plus the degenerate inputs.
/// </summary>
public sealed class BacktestStatisticsTests
{
    // Starting cash 100; daily returns r = +1%, -1%, +3%, -2%, +2% on Tue 2 .. Mon 8 January 2024:
    // closes 101, 99.99, 102.9897, 100.929906, 102.94850412 (exact in decimal).
    private static readonly double[] R = [0.01, -0.01, 0.03, -0.02, 0.02];

    // Benchmark returns b = +0.5%, -0.5%, +1%, -1%, +1.5% from the same starting cash.
    private static readonly double[] B = [0.005, -0.005, 0.01, -0.01, 0.015];

    private static readonly DateOnly[] Dates =
        [new(2024, 1, 2), new(2024, 1, 3), new(2024, 1, 4), new(2024, 1, 5), new(2024, 1, 8)];

    private static List<EquityPoint> Curve(decimal start, IReadOnlyList<double> returns, IReadOnlyList<DateOnly>? dates = null)
    {
        dates ??= Dates;
        var points = new List<EquityPoint>();
        var equity = start;
        for (var i = 0; i < returns.Count; i++)
        {
            equity *= 1 + (decimal)returns[i];
            points.Add(new EquityPoint(dates[i], equity));
        }

        return points;
    }

    private static ClosedTrade Trade(int exitDay, decimal pnl) => new(
        "sma", "SPY", new DateTime(2024, 1, 2, 15, 0, 0), new DateTime(2024, 1, exitDay, 15, 0, 0), 1m, 100m, 100m + pnl, pnl, 0m);

    private static StatisticsInput Input(
        IReadOnlyList<EquityPoint>? equity = null,
        IReadOnlyList<EquityPoint>? benchmark = null,
        IReadOnlyList<ClosedTrade>? trades = null,
        IReadOnlyList<decimal>? exposure = null,
        double riskFree = 0)
    {
        equity ??= Curve(100m, R);
        return new StatisticsInput(
            StartingCash: 100m,
            Equity: equity,
            Benchmark: benchmark ?? Curve(100m, B),
            Trades: trades ?? [],
            TotalOrders: 8,
            TotalFees: 1.25m,
            TradedNotional: 500m,
            DailyExposureFraction: exposure ?? new[] { 0.5m, 1m, 0m, 0.25m, 0.25m }[..equity.Count],
            RiskFreeRate: riskFree);
    }

    [Fact]
    public void The_curve_is_built_from_the_returns_exactly()
    {
        var curve = Curve(100m, R);
        Assert.Equal([101m, 99.99m, 102.9897m, 100.929906m, 102.94850412m], curve.Select(p => p.Equity));
        Assert.Equal(R, BacktestStatistics.DailyReturns(100m, curve));
    }

    [Fact]
    public void Sharpe_step_by_step()
    {
        // mean(r) = 0.03 / 5 = 0.006.
        // Deviations 0.004, -0.016, 0.024, -0.026, 0.014; squares sum to
        // 0.000016 + 0.000256 + 0.000576 + 0.000676 + 0.000196 = 0.00172; var = 0.00172 / 4 = 0.00043.
        // AnnualReturn = 1.006^252 - 1 = 3.515347107908597.
        // AnnualVolatility = sqrt(0.00043 · 252) = sqrt(0.10836) = 0.3291808013842849.
        // Sharpe = 3.515347107908597 / 0.3291808013842849 = 10.67907694836914.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(Math.Pow(1.006, 252) - 1, s.AnnualReturn, 1e-9);
        Assert.Equal(3.515347107908597, s.AnnualReturn, 1e-9);
        Assert.Equal(Math.Sqrt(0.00043 * 252), s.AnnualVolatility, 1e-12);
        Assert.Equal(10.67907694836914, s.Sharpe, 1e-9);
    }

    [Fact]
    public void Risk_free_rate_is_taken_from_the_annual_return()
    {
        // (3.515347107908597 - 0.02) / 0.3291808013842849 = 10.618320063654432.
        var s = BacktestStatistics.Compute(Input(riskFree: 0.02));
        Assert.Equal(10.618320063654432, s.Sharpe, 1e-9);
    }

    [Fact]
    public void Sortino_divides_by_the_downside_deviation_of_all_days()
    {
        // Losing days -1% and -2%: Σ min(r, 0)² = 0.0001 + 0.0004 = 0.0005 over n = 5 days -> 0.0001;
        // annualised sqrt(252 · 0.0001) = 0.15874507866387544; Sortino = 3.515347107908597 / that = 22.144605284753066.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(22.144605284753066, s.Sortino, 1e-9);
    }

    [Fact]
    public void Probabilistic_sharpe_follows_the_published_formula()
    {
        // SR = 0.006 / sqrt(0.00043) = 0.28934569330224724 (per day).
        // Population moments: m2 = 0.00172 / 5 = 0.000344, m3 = mean(d³), m4 = mean(d⁴) with the deviations above:
        // γ3 = m3 / m2^1.5 = -0.15798755143759596, γ4 = m4 / m2² = 1.5091941590048676.
        // σ(SR) = sqrt((1 - γ3·SR + (γ4 - 1)/4·SR²) / 4); PSR = Φ(SR / σ(SR)) = 0.7132960099383969.
        var d = R.Select(x => x - 0.006).ToArray();
        var m2 = d.Average(x => x * x);
        var g3 = d.Average(x => x * x * x) / Math.Pow(m2, 1.5);
        var g4 = d.Average(x => x * x * x * x) / (m2 * m2);
        var sr = 0.006 / Math.Sqrt(0.00043);
        var sigma = Math.Sqrt((1 - g3 * sr + (g4 - 1) / 4 * sr * sr) / 4);
        Assert.Equal(-0.15798755143759596, g3, 1e-12);
        Assert.Equal(1.5091941590048676, g4, 1e-12);

        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(SampleStatistics.NormalCdf(sr / sigma), s.ProbabilisticSharpe, 1e-12);
        Assert.Equal(0.7132960099383969, s.ProbabilisticSharpe, 1e-9);
    }

    [Fact]
    public void Probabilistic_sharpe_falls_as_the_benchmark_sharpe_rises()
    {
        var low = BacktestStatistics.ProbabilisticSharpe(R, 0);
        var high = BacktestStatistics.ProbabilisticSharpe(R, 0.2);
        Assert.True(high < low);
        Assert.Equal(0.5, BacktestStatistics.ProbabilisticSharpe(R, 0.006 / Math.Sqrt(0.00043)), 1e-12);
    }

    [Fact]
    public void Net_profit_and_cagr()
    {
        // Final 102.94850412: net profit 2.94850412 = 2.94850412%.
        // CAGR over 2 Jan -> 8 Jan = 6 days = 6/365 years: 1.0294850412^(365/6) - 1 = 4.857592194704428.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(2.94850412m, s.NetProfit);
        Assert.Equal(2.94850412, s.NetProfitPct, 1e-9);
        Assert.Equal(4.857592194704428, s.Cagr, 1e-6);
    }

    [Fact]
    public void Drawdown_and_its_duration()
    {
        // Peaks: 100 (start), 101 (2 Jan), 102.9897 (4 Jan). 99.99 is 1% under 101, recovered on 4 Jan
        // (2 days). 100.929906 is 2% under 102.9897 and 102.94850412 still under it on 8 Jan: 4 days.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(2.0, s.MaxDrawdownPct, 1e-12);
        Assert.Equal(4, s.MaxDrawdownDurationDays);
    }

    [Fact]
    public void A_first_day_below_the_starting_cash_is_a_drawdown_from_it()
    {
        // 100 -> 90 (-10%) -> 95 -> 100 (back at the starting cash on 4 Jan, 2 days after the first date).
        var curve = new List<EquityPoint> { new(Dates[0], 90m), new(Dates[1], 95m), new(Dates[2], 100m) };
        var s = BacktestStatistics.Compute(Input(curve, benchmark: []));
        Assert.Equal(10.0, s.MaxDrawdownPct, 1e-12);
        Assert.Equal(2, s.MaxDrawdownDurationDays);
    }

    [Fact]
    public void Alpha_beta_and_information_ratio_against_the_benchmark()
    {
        // mean(b) = 0.015 / 5 = 0.003; var(b) = (0.002² + 0.008² + 0.007² + 0.013² + 0.012²) / 4 = 0.000430 / 4 = 0.0001075.
        // cov(r, b) = Σ (r - 0.006)(b - 0.003) / 4 = (0.000008 + 0.000128 + 0.000168 + 0.000338 + 0.000168) / 4 = 0.0002025.
        // Beta = 0.0002025 / 0.0001075 = 1.8837209302325584.
        // BenchmarkAnnualReturn = 1.003^252 - 1 = 1.1273312564640139.
        // Alpha = 3.515347107908597 - 1.8837209302325584 · 1.1273312564640139 = 1.3917696248019658.
        // Active returns r - b = 0.005, -0.005, 0.02, -0.01, 0.005; TrackingError = sqrt(252 · var) = 0.1827293079940927.
        // IR = (3.515347107908597 - 1.1273312564640139) / 0.1827293079940927 = 13.068597903965046.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(0.0002025 / 0.0001075, s.Beta!.Value, 1e-9);
        Assert.Equal(1.3917696248019658, s.Alpha!.Value, 1e-8);
        Assert.Equal(13.068597903965046, s.InformationRatio!.Value, 1e-8);
    }

    [Fact]
    public void Without_a_benchmark_alpha_beta_and_information_ratio_are_null()
    {
        var s = BacktestStatistics.Compute(Input(benchmark: []));
        Assert.Null(s.Alpha);
        Assert.Null(s.Beta);
        Assert.Null(s.InformationRatio);
    }

    [Fact]
    public void A_flat_benchmark_has_no_beta_and_the_strategy_is_its_own_benchmark_with_zero_information_ratio()
    {
        var flat = Dates.Select(d => new EquityPoint(d, 100m)).ToList();
        var s = BacktestStatistics.Compute(Input(benchmark: flat));
        Assert.Null(s.Beta);
        Assert.Null(s.Alpha);
        Assert.NotNull(s.InformationRatio);

        var same = BacktestStatistics.Compute(Input(benchmark: Curve(100m, R)));
        Assert.Equal(1.0, same.Beta!.Value, 1e-12);
        Assert.Equal(0.0, same.Alpha!.Value, 1e-9);
        Assert.Equal(0.0, same.InformationRatio!.Value);
    }

    [Fact]
    public void Trade_figures_as_lean_computes_them()
    {
        // In exit order: +2 on capital 100 (rate 0.02), -1 on 102 (-1/102), +3 on 101 (3/101), 0 on 104 (a loss, rate 0).
        // Wins 2, losses 2: WinRate = LossRate = 0.5. AverageWin = (2 + 3) / 2 = 2.5, AverageLoss = (-1 + 0) / 2 = -0.5.
        // ProfitLossRatio = ((0.02 + 3/101) / 2) / |(-1/102 + 0) / 2| = 5.06970297029703.
        // Expectancy = 0.5 · 5.06970297029703 - 0.5 = 2.034851485148515.
        var trades = new[] { Trade(5, 3m), Trade(3, 2m), Trade(8, 0m), Trade(4, -1m) };
        var s = BacktestStatistics.Compute(Input(trades: trades));
        Assert.Equal(4, s.TotalTrades);
        Assert.Equal(0.5, s.WinRate);
        Assert.Equal(0.5, s.LossRate);
        Assert.Equal(2.5m, s.AverageWin);
        Assert.Equal(-0.5m, s.AverageLoss);
        Assert.Equal(5.06970297029703, s.ProfitLossRatio, 1e-9);
        Assert.Equal(2.034851485148515, s.Expectancy, 1e-9);
    }

    [Fact]
    public void Only_winning_trades_have_no_profit_loss_ratio()
    {
        var s = BacktestStatistics.Compute(Input(trades: [Trade(3, 2m), Trade(4, 1m)]));
        Assert.Equal(1.0, s.WinRate);
        Assert.Equal(0.0, s.LossRate);
        Assert.Equal(0.0, s.ProfitLossRatio);
        Assert.Equal(0.0, s.Expectancy);
        Assert.Equal(0m, s.AverageLoss);
    }

    [Fact]
    public void Totals_turnover_and_exposure()
    {
        // Turnover: 500 traded over 5 days = 100 a day, over the mean close
        // (101 + 99.99 + 102.9897 + 100.929906 + 102.94850412) / 5 = 101.57082202 -> 0.9845269575036555.
        // Exposure: mean(0.5, 1, 0, 0.25, 0.25) = 0.4.
        var s = BacktestStatistics.Compute(Input());
        Assert.Equal(8, s.TotalOrders);
        Assert.Equal(1.25m, s.TotalFees);
        Assert.Equal(0.9845269575036555, s.Turnover, 1e-12);
        Assert.Equal(0.4, s.Exposure, 1e-12);
    }

    public static TheoryData<string, int> DegenerateCurves => new()
    {
        { "no points", 0 },
        { "one point", 1 },
    };

    [Theory]
    [MemberData(nameof(DegenerateCurves))]
    public void Degenerate_curves_give_zero_or_null_never_nan(string why, int points)
    {
        var curve = Curve(100m, R).Take(points).ToList();
        var s = BacktestStatistics.Compute(Input(curve, benchmark: Curve(100m, B).Take(points).ToList()));
        AssertAllFinite(s, why);
        Assert.Equal(0, s.Sharpe);
        Assert.Equal(0, s.Sortino);
        Assert.Equal(0, s.ProbabilisticSharpe);
        Assert.Equal(0, s.Cagr);
        Assert.Equal(0, s.AnnualVolatility);
        Assert.Null(s.Beta);
        Assert.Null(s.InformationRatio);
    }

    [Fact]
    public void A_flat_curve_has_zero_ratios()
    {
        var flat = Dates.Select(d => new EquityPoint(d, 100m)).ToList();
        var s = BacktestStatistics.Compute(Input(flat, benchmark: flat, exposure: [0m, 0m, 0m, 0m, 0m]));
        AssertAllFinite(s, "flat");
        Assert.Equal(0, s.Sharpe);
        Assert.Equal(0, s.Sortino);
        Assert.Equal(0, s.ProbabilisticSharpe);
        Assert.Equal(0, s.MaxDrawdownPct);
        Assert.Equal(0, s.MaxDrawdownDurationDays);
        Assert.Equal(0, s.AnnualReturn);
        Assert.Null(s.Beta);
        Assert.Equal(0, s.InformationRatio);
    }

    [Fact]
    public void A_wipe_out_and_an_explosive_gain_stay_finite()
    {
        // Equity to zero (then a return after zero has no meaning), and a 1000x day whose annualisation overflows.
        var wipe = new List<EquityPoint> { new(Dates[0], 50m), new(Dates[1], 0m), new(Dates[2], 0m) };
        AssertAllFinite(BacktestStatistics.Compute(Input(wipe, benchmark: [])), "wipe-out");

        var boom = new List<EquityPoint> { new(Dates[0], 100_000m), new(Dates[1], 100m), new(Dates[2], 100_000_000m) };
        var s = BacktestStatistics.Compute(Input(boom, benchmark: []));
        AssertAllFinite(s, "explosive");
        Assert.Equal(double.MaxValue, s.AnnualReturn);
    }

    [Fact]
    public void Inputs_that_break_the_contract_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BacktestStatistics.Compute(Input() with { StartingCash = 0m }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BacktestStatistics.Compute(Input() with { TradingDaysPerYear = 0 }));
        Assert.Throws<ArgumentException>(() => BacktestStatistics.Compute(Input() with { RiskFreeRate = double.NaN }));
        var shuffled = Curve(100m, R);
        (shuffled[1], shuffled[2]) = (shuffled[2], shuffled[1]);
        var e = Assert.Throws<ArgumentException>(() => BacktestStatistics.Compute(Input(shuffled)));
        Assert.Contains("strictly increasing", e.Message);
        Assert.Throws<ArgumentException>(() => BacktestStatistics.Compute(Input(benchmark: Curve(100m, B).Take(4).ToList())));
        Assert.Throws<ArgumentException>(() => BacktestStatistics.Compute(Input(exposure: [0m, 0m])));
        var otherDates = Curve(100m, B, [.. Dates.Select(d => d.AddDays(1))]);
        Assert.Throws<ArgumentException>(() => BacktestStatistics.Compute(Input(benchmark: otherDates)));
    }

    private static void AssertAllFinite(PortfolioStatistics s, string why)
    {
        double?[] figures =
        [
            s.NetProfitPct, s.Cagr, s.Sharpe, s.Sortino, s.ProbabilisticSharpe, s.MaxDrawdownPct, s.WinRate, s.LossRate,
            s.ProfitLossRatio, s.Expectancy, s.Turnover, s.Exposure, s.Alpha, s.Beta, s.InformationRatio, s.AnnualReturn,
            s.AnnualVolatility,
        ];
        foreach (var f in figures)
        {
            Assert.True(f is null || double.IsFinite(f.Value), $"{why}: {s}");
        }
    }
}

using Engine.Domain.Backtest;

namespace Engine.Domain.Tests.Backtest;

/// <summary>
/// CSCV probability of backtest overfitting, the deflated Sharpe ratio and the positive walk-forward
/// windows, on hand-worked cases and on seeded random trials whose answer theory gives.
/// </summary>
public sealed class OverfittingTests
{
    private static double[] Noise(Random random, int count, double mean, double sd)
    {
        var xs = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller: two uniforms to one standard normal.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            xs[i] = mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return xs;
    }

    // ---- PBO ----

    [Fact]
    public void Pbo_of_two_partitions_by_hand()
    {
        // S = 2: blocks b0 = periods 0-1 and b1 = periods 2-3; two combinations (IS b0 / OOS b1 and back).
        // A pair {x, x + 0.02} has Sharpe (x + 0.01) / 0.01414: {0.01, 0.03} √2, {0, 0.02} √2/2,
        // {-0.01, 0.01} 0, {-0.02, 0} -√2/2.
        //          b0      b1
        // T0       √2      0
        // T1       √2/2    √2
        // T2       0       √2/2
        // T3      -√2/2   -√2/2
        // IS b0: best T0; OOS b1 ranks T0 2nd of 4 (above T3): ω = 2/5, λ = ln(2/3) < 0 -> overfit.
        // IS b1: best T1; OOS b0 ranks T1 3rd of 4: ω = 3/5, λ = ln(3/2) > 0 -> not.
        // PBO = 1/2.
        IReadOnlyList<double>[] trials =
        [
            [0.01, 0.03, -0.01, 0.01],
            [0.00, 0.02, 0.01, 0.03],
            [-0.01, 0.01, 0.00, 0.02],
            [-0.02, 0.00, -0.02, 0.00],
        ];
        Assert.Equal(0.5, Overfitting.ProbabilityOfBacktestOverfitting(trials, partitions: 2));

        // A fifth, older period cannot fill a block and is dropped: same answer whatever it holds.
        var longer = trials.Select(t => (IReadOnlyList<double>)[1e6, .. t]).ToArray();
        Assert.Equal(0.5, Overfitting.ProbabilityOfBacktestOverfitting(longer, partitions: 2));
    }

    [Fact]
    public void Pbo_is_zero_when_one_trial_dominates_in_every_partition()
    {
        // Trial 0 earns 1% a day with 1% noise (per-day Sharpe 1); the others are zero-mean noise.
        // Each half has 160 returns, so a noise trial's Sharpe is within ±0.3 of 0 (about 4 standard
        // errors): trial 0 is best in sample and best out of sample in all 12,870 combinations.
        var random = new Random(12);
        var trials = new List<IReadOnlyList<double>> { Noise(random, 320, 0.01, 0.01) };
        for (var n = 1; n < 8; n++)
        {
            trials.Add(Noise(random, 320, 0, 0.01));
        }

        Assert.Equal(0.0, Overfitting.ProbabilityOfBacktestOverfitting(trials));
    }

    [Fact]
    public void Pbo_is_one_when_the_in_sample_winner_always_loses_out_of_sample()
    {
        // Trial 1 mirrors trial 0 (r1 = -r0) and r0 sums to zero, so in any split the half where one
        // trial's mean is positive is the half where it is negative out of sample, with the same spread:
        // the in-sample winner ranks last out of sample, every time.
        var r0 = Noise(new Random(3), 320, 0, 0.01);
        var mean = r0.Average();
        r0 = [.. r0.Select(x => x - mean)];
        IReadOnlyList<double>[] trials = [r0, [.. r0.Select(x => -x)]];
        Assert.Equal(1.0, Overfitting.ProbabilityOfBacktestOverfitting(trials));
    }

    [Fact]
    public void Pbo_of_pure_noise_trials_is_near_one_half()
    {
        // With N exchangeable zero-skill trials the in-sample winner's out-of-sample rank is uniform on
        // 1..N, so for even N P(λ ≤ 0) = P(rank ≤ N/2) = 1/2. One draw's estimate still varies (the
        // combinations share data), so the test bounds each seed loosely and their average tightly.
        var estimates = new List<double>();
        foreach (var seed in new[] { 1, 2, 3, 4, 5, 6 })
        {
            var random = new Random(seed);
            var trials = Enumerable.Range(0, 20).Select(_ => (IReadOnlyList<double>)Noise(random, 640, 0, 0.01)).ToList();
            var pbo = Overfitting.ProbabilityOfBacktestOverfitting(trials)!.Value;
            Assert.InRange(pbo, 0.15, 0.85);
            estimates.Add(pbo);
        }

        Assert.InRange(estimates.Average(), 0.35, 0.65);
    }

    [Fact]
    public void Pbo_needs_two_trials_and_two_periods_per_partition()
    {
        var random = new Random(7);
        Assert.Null(Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 100, 0, 1)]));
        Assert.Null(Overfitting.ProbabilityOfBacktestOverfitting([]));
        Assert.Null(Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 31, 0, 1), Noise(random, 31, 0, 1)], 16));
        Assert.NotNull(Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 32, 0, 1), Noise(random, 32, 0, 1)], 16));
    }

    [Fact]
    public void Pbo_refuses_ragged_trials_odd_partitions_and_non_finite_returns()
    {
        var random = new Random(8);
        Assert.Throws<ArgumentException>(() =>
            Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 64, 0, 1), Noise(random, 63, 0, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 64, 0, 1), Noise(random, 64, 0, 1)], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Overfitting.ProbabilityOfBacktestOverfitting([Noise(random, 64, 0, 1), Noise(random, 64, 0, 1)], 22));
        var bad = Noise(random, 64, 0, 1);
        bad[10] = double.NaN;
        Assert.Throws<ArgumentException>(() => Overfitting.ProbabilityOfBacktestOverfitting([bad, Noise(random, 64, 0, 1)]));
    }

    // ---- Deflated Sharpe ----

    private static readonly double[] Selected = [0.01, -0.01, 0.03, -0.02, 0.02];

    [Theory]
    [InlineData(10, 0.157459830134575)]
    [InlineData(100, 0.2530602893201685)]
    [InlineData(1000, 0.32551215136527234)]
    public void Expected_maximum_sharpe_of_unskilled_trials(int trials, double expected)
    {
        // SR0 = sqrt(0.01) · (0.4227843350984671 · Φ⁻¹(1 - 1/N) + 0.5772156649015329 · Φ⁻¹(1 - 1/(N·e))),
        // values from Python's NormalDist.inv_cdf.
        Assert.Equal(expected, Overfitting.ExpectedMaxSharpe(trials, 0.01), 1e-12);
    }

    [Fact]
    public void Deflated_sharpe_is_the_psr_against_the_expected_maximum()
    {
        // Ten trials with Sharpe variance 0.01: SR0 = 0.157459830134575; PSR of the five returns
        // (SR 0.28934569330224724) against it = 0.6012706834815549.
        var dsr = Overfitting.DeflatedSharpe(Selected, 10, 0.01)!.Value;
        Assert.Equal(BacktestStatistics.ProbabilisticSharpe(Selected, 0.157459830134575), dsr, 1e-12);
        Assert.Equal(0.6012706834815549, dsr, 1e-9);
    }

    [Fact]
    public void Deflated_sharpe_falls_as_trials_grow()
    {
        var previous = 1.0;
        foreach (var trials in new[] { 2, 3, 5, 10, 20, 50, 100, 1000, 10_000 })
        {
            var dsr = Overfitting.DeflatedSharpe(Selected, trials, 0.01)!.Value;
            Assert.True(dsr < previous, $"{trials} trials: {dsr} is not below {previous}");
            previous = dsr;
        }

        // And below the undeflated PSR (benchmark 0) from two trials on.
        Assert.True(Overfitting.DeflatedSharpe(Selected, 2, 0.01) < BacktestStatistics.ProbabilisticSharpe(Selected, 0));
    }

    [Fact]
    public void Deflated_sharpe_from_trial_sharpes_uses_their_count_and_sample_variance()
    {
        double[] sharpes = [0.1, 0.3, -0.1, 0.2];
        // mean 0.125; deviations -0.025, 0.175, -0.225, 0.075; Σ² = 0.0875; sample variance 0.0875 / 3.
        Assert.Equal(
            Overfitting.DeflatedSharpe(Selected, 4, 0.0875 / 3)!.Value,
            Overfitting.DeflatedSharpe(Selected, sharpes)!.Value,
            1e-12);
        Assert.Equal(Overfitting.PeriodSharpe(Selected), 0.006 / Math.Sqrt(0.00043), 1e-12);
    }

    [Fact]
    public void Deflated_sharpe_with_identical_trials_is_the_plain_psr()
    {
        Assert.Equal(BacktestStatistics.ProbabilisticSharpe(Selected, 0), Overfitting.DeflatedSharpe(Selected, [0.2, 0.2, 0.2])!.Value, 1e-12);
    }

    [Fact]
    public void Deflated_sharpe_is_null_when_it_cannot_be_measured()
    {
        Assert.Null(Overfitting.DeflatedSharpe(Selected, [0.3]));
        Assert.Null(Overfitting.DeflatedSharpe(Selected, []));
        Assert.Null(Overfitting.DeflatedSharpe([0.01], [0.1, 0.2]));
        Assert.Null(Overfitting.DeflatedSharpe([0.01, 0.01, 0.01], [0.1, 0.2]));
        Assert.Throws<ArgumentException>(() => Overfitting.DeflatedSharpe(Selected, [0.1, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Overfitting.DeflatedSharpe(Selected, 3, -1));
    }

    // ---- Positive windows ----

    private static List<EquityPoint> Curve(params decimal[] equity) =>
        [.. equity.Select((e, i) => new EquityPoint(new DateOnly(2024, 1, 1).AddDays(i), e))];

    [Fact]
    public void One_step_windows_count_the_rising_days()
    {
        // 11 points, 10 windows of one step each: up, up, down, up, flat, up, up, down, up, up -> 7 of 10.
        var curve = Curve(100, 101, 102, 101, 102, 102, 103, 104, 103, 104, 105);
        Assert.Equal(0.7, Overfitting.PositiveWindowsFraction(curve, 10));
    }

    [Fact]
    public void Longer_windows_share_their_boundary_points()
    {
        // 11 points = 10 steps in 3 windows: points 0-3, 3-6, 6-10 (floor(k·10/3)).
        // 100 -> 103 up; 103 -> 99 down; 99 -> 99 flat (not positive) -> 1 of 3.
        var curve = Curve(100, 120, 90, 103, 80, 110, 99, 150, 50, 70, 99);
        Assert.Equal(1.0 / 3, Overfitting.PositiveWindowsFraction(curve, 3));
    }

    [Fact]
    public void Too_short_a_curve_has_no_windows()
    {
        Assert.Null(Overfitting.PositiveWindowsFraction(Curve(100, 101, 102), 3));
        Assert.Equal(1.0, Overfitting.PositiveWindowsFraction(Curve(100, 101, 102, 103), 3));
        Assert.Null(Overfitting.PositiveWindowsFraction([], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Overfitting.PositiveWindowsFraction(Curve(100, 101), 0));
    }
}

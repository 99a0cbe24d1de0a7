using System.Numerics;

namespace Engine.Domain.Backtest;

/// <summary>
/// Measures of how much a backtest's result owes to the selection among many trials (parameter sets)
/// rather than to an edge that lasts.
/// </summary>
public static class Overfitting
{
    /// <summary>Largest partition count accepted: C(20, 10) = 184,756 combinations is already seconds of work.</summary>
    public const int MaxPartitions = 20;

    /// <summary>The Euler–Mascheroni constant γ, in the expected maximum of N normal Sharpe ratios.</summary>
    private const double EulerGamma = 0.5772156649015329;

    /// <summary>
    /// Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein,
    /// López de Prado and Zhu 2015). The T periods (trials' returns aligned by index) are cut into
    /// <paramref name="partitions"/> = S consecutive blocks of equal size; the first T mod S periods, the
    /// oldest, are dropped so that they are. For each of the C(S, S/2) ways of choosing S/2 blocks as the
    /// in-sample half (the rest is the out-of-sample half), the trial with the highest in-sample Sharpe
    /// ratio (mean / sample standard deviation, per period; the first on a tie) is found, ω is its
    /// out-of-sample rank among the N trials divided by N + 1 (ties take their average rank), and
    /// λ = ln(ω / (1 - ω)). PBO is the fraction of combinations with λ ≤ 0, i.e. where the in-sample best
    /// is at or below the out-of-sample median.
    /// A half with zero variance ranks by the sign of its mean (a constant gain beats any noisy trial).
    /// </summary>
    /// <param name="trialDailyReturns">One row per trial, each with the same number T of daily returns.</param>
    /// <param name="partitions">S: even, 2 to <see cref="MaxPartitions"/>.</param>
    /// <returns>Null with fewer than 2 trials or fewer than 2·S periods (a block needs two returns).</returns>
    public static double? ProbabilityOfBacktestOverfitting(IReadOnlyList<IReadOnlyList<double>> trialDailyReturns, int partitions = 16)
    {
        ArgumentNullException.ThrowIfNull(trialDailyReturns);
        if (partitions < 2 || partitions > MaxPartitions || partitions % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(partitions), partitions, $"The partition count must be even and between 2 and {MaxPartitions}.");
        }

        var trials = trialDailyReturns.Count;
        if (trials < 2)
        {
            return null;
        }

        var periods = trialDailyReturns[0].Count;
        for (var n = 1; n < trials; n++)
        {
            if (trialDailyReturns[n].Count != periods)
            {
                throw new ArgumentException(
                    $"Every trial needs the same number of returns: trial 0 has {periods}, trial {n} has {trialDailyReturns[n].Count}.",
                    nameof(trialDailyReturns));
            }
        }

        var blockSize = periods / partitions;
        if (blockSize < 2)
        {
            return null;
        }

        // Per trial and block: count is blockSize, so sum and sum of squares give any union's Sharpe ratio.
        var skip = periods - blockSize * partitions;
        var sums = new double[trials, partitions];
        var squares = new double[trials, partitions];
        for (var n = 0; n < trials; n++)
        {
            var row = trialDailyReturns[n];
            for (var t = skip; t < periods; t++)
            {
                var x = row[t];
                if (!double.IsFinite(x))
                {
                    throw new ArgumentException($"Trial {n} has a non-finite return at period {t}.", nameof(trialDailyReturns));
                }

                var block = (t - skip) / blockSize;
                sums[n, block] += x;
                squares[n, block] += x * x;
            }
        }

        var half = partitions / 2;
        var halfCount = half * blockSize;
        var inSample = new double[trials];
        var outOfSample = new double[trials];
        var combinations = 0;
        var overfit = 0;
        var all = (1 << partitions) - 1;
        for (var mask = 0; mask <= all; mask++)
        {
            if (BitOperations.PopCount((uint)mask) != half)
            {
                continue;
            }

            for (var n = 0; n < trials; n++)
            {
                double inSum = 0, inSquares = 0, outSum = 0, outSquares = 0;
                for (var b = 0; b < partitions; b++)
                {
                    if ((mask & (1 << b)) != 0)
                    {
                        inSum += sums[n, b];
                        inSquares += squares[n, b];
                    }
                    else
                    {
                        outSum += sums[n, b];
                        outSquares += squares[n, b];
                    }
                }

                inSample[n] = Sharpe(inSum, inSquares, halfCount);
                outOfSample[n] = Sharpe(outSum, outSquares, halfCount);
            }

            var best = 0;
            for (var n = 1; n < trials; n++)
            {
                if (inSample[n] > inSample[best])
                {
                    best = n;
                }
            }

            double below = 0, equal = 0;
            foreach (var s in outOfSample)
            {
                if (s < outOfSample[best])
                {
                    below++;
                }
                else if (s == outOfSample[best])
                {
                    equal++;
                }
            }

            var rank = below + (equal + 1) / 2;
            var omega = rank / (trials + 1);
            combinations++;
            if (Math.Log(omega / (1 - omega)) <= 0)
            {
                overfit++;
            }
        }

        return (double)overfit / combinations;
    }

    /// <summary>
    /// Deflated Sharpe ratio (Bailey and López de Prado 2014): the probabilistic Sharpe ratio of the selected
    /// trial (<see cref="BacktestStatistics.ProbabilisticSharpe"/>) against the Sharpe ratio expected of the
    /// best of N unskilled trials, SR0 = sqrt(V) · ((1 - γ)·Φ⁻¹(1 - 1/N) + γ·Φ⁻¹(1 - 1/(N·e))), where N is the
    /// number of trials and V the sample variance of their Sharpe ratios.
    /// </summary>
    /// <param name="selectedDailyReturns">The chosen trial's daily returns.</param>
    /// <param name="trialSharpes">
    /// Every trial's Sharpe ratio (the selected one included) per period, not annualised: mean / sample
    /// standard deviation of its daily returns, as <see cref="PeriodSharpe"/> computes it. Annualised
    /// figures would inflate SR0 by sqrt(252).
    /// </param>
    /// <returns>Null with fewer than 2 trials, or when the selected returns' Sharpe ratio is undefined (fewer than 2 returns or zero variance).</returns>
    public static double? DeflatedSharpe(IReadOnlyList<double> selectedDailyReturns, IReadOnlyList<double> trialSharpes)
    {
        ArgumentNullException.ThrowIfNull(trialSharpes);
        foreach (var s in trialSharpes)
        {
            if (!double.IsFinite(s))
            {
                throw new ArgumentException($"Trial Sharpe ratios must be finite, not {s}.", nameof(trialSharpes));
            }
        }

        return trialSharpes.Count < 2
            ? null
            : DeflatedSharpe(selectedDailyReturns, trialSharpes.Count, SampleStatistics.Variance(trialSharpes));
    }

    /// <summary>
    /// <see cref="DeflatedSharpe(IReadOnlyList{double}, IReadOnlyList{double})"/> from the number of trials
    /// and the variance of their per-period Sharpe ratios.
    /// </summary>
    public static double? DeflatedSharpe(IReadOnlyList<double> selectedDailyReturns, int trials, double trialSharpeVariance)
    {
        ArgumentNullException.ThrowIfNull(selectedDailyReturns);
        if (trials < 2)
        {
            return null;
        }

        if (!(trialSharpeVariance >= 0) || double.IsInfinity(trialSharpeVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(trialSharpeVariance), trialSharpeVariance, "A variance is finite and not negative.");
        }

        if (selectedDailyReturns.Count < 2 || !(SampleStatistics.StandardDeviation(selectedDailyReturns) > 0))
        {
            return null;
        }

        return BacktestStatistics.ProbabilisticSharpe(selectedDailyReturns, ExpectedMaxSharpe(trials, trialSharpeVariance));
    }

    /// <summary>
    /// SR0 = sqrt(V) · ((1 - γ)·Φ⁻¹(1 - 1/N) + γ·Φ⁻¹(1 - 1/(N·e))): the expected maximum Sharpe ratio of
    /// <paramref name="trials"/> = N independent trials whose true Sharpe ratio is 0 and whose estimates
    /// have variance <paramref name="trialSharpeVariance"/> = V (false strategy theorem).
    /// </summary>
    public static double ExpectedMaxSharpe(int trials, double trialSharpeVariance)
    {
        if (trials < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "The expected maximum needs at least 2 trials.");
        }

        return Math.Sqrt(trialSharpeVariance)
            * ((1 - EulerGamma) * SampleStatistics.NormalInverseCdf(1 - 1.0 / trials)
               + EulerGamma * SampleStatistics.NormalInverseCdf(1 - 1.0 / (trials * Math.E)));
    }

    /// <summary>
    /// The per-period Sharpe ratio a trial contributes to <see cref="DeflatedSharpe(IReadOnlyList{double}, IReadOnlyList{double})"/>:
    /// mean / sample standard deviation of its returns, not annualised; 0 when undefined.
    /// </summary>
    public static double PeriodSharpe(IReadOnlyList<double> dailyReturns)
    {
        var sd = SampleStatistics.StandardDeviation(dailyReturns);
        return sd > 0 ? BacktestStatistics.Finite(SampleStatistics.Mean(dailyReturns) / sd) : 0;
    }

    /// <summary>
    /// Fraction of walk-forward windows with a positive return: the n - 1 daily steps of the curve are cut
    /// into <paramref name="windows"/> = W consecutive slices of floor or ceiling (n - 1) / W steps (window k
    /// runs from point floor(k·(n - 1)/W) to point floor((k + 1)·(n - 1)/W), so neighbours share their
    /// boundary point), and a window is positive when its last equity is strictly above its first.
    /// </summary>
    /// <returns>Null when the curve has fewer than W + 1 points (a window needs one step).</returns>
    public static double? PositiveWindowsFraction(IReadOnlyList<EquityPoint> equity, int windows = 10)
    {
        ArgumentNullException.ThrowIfNull(equity);
        if (windows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(windows), windows, "At least one window.");
        }

        var steps = equity.Count - 1;
        if (steps < windows)
        {
            return null;
        }

        var positive = 0;
        for (var k = 0; k < windows; k++)
        {
            var first = (int)((long)k * steps / windows);
            var last = (int)((long)(k + 1) * steps / windows);
            if (equity[last].Equity > equity[first].Equity)
            {
                positive++;
            }
        }

        return (double)positive / windows;
    }

    private static double Sharpe(double sum, double squares, int count)
    {
        var mean = sum / count;
        // Sample variance from the sums; rounding can leave a tiny negative for a constant series.
        var variance = Math.Max(0, (squares - sum * mean) / (count - 1));
        var sd = Math.Sqrt(variance);
        if (sd > 1e-12 * Math.Max(1, Math.Abs(mean)))
        {
            return mean / sd;
        }

        return mean > 0 ? double.PositiveInfinity : mean < 0 ? double.NegativeInfinity : 0;
    }
}

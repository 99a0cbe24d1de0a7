namespace Engine.Domain.Backtest;

/// <summary>
/// Moments of a sample and the standard normal distribution, in plain doubles: the project takes no
/// numerics package for the handful of functions the statistics need.
/// </summary>
public static class SampleStatistics
{
    /// <summary>Arithmetic mean; 0 for an empty sample.</summary>
    public static double Mean(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var x in xs)
        {
            sum += x;
        }

        return sum / xs.Count;
    }

    /// <summary>Unbiased sample variance (divisor n - 1, as MathNet's Variance that LEAN uses); 0 below 2 points.</summary>
    public static double Variance(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2)
        {
            return 0;
        }

        var mean = Mean(xs);
        var ss = 0.0;
        foreach (var x in xs)
        {
            ss += (x - mean) * (x - mean);
        }

        return ss / (xs.Count - 1);
    }

    /// <summary>Sample standard deviation (divisor n - 1); 0 below 2 points.</summary>
    public static double StandardDeviation(IReadOnlyList<double> xs) => Math.Sqrt(Variance(xs));

    /// <summary>Unbiased sample covariance (divisor n - 1) of two equally long samples; 0 below 2 points.</summary>
    public static double Covariance(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count)
        {
            throw new ArgumentException($"Covariance needs equally long samples ({xs.Count} and {ys.Count}).");
        }

        if (xs.Count < 2)
        {
            return 0;
        }

        var mx = Mean(xs);
        var my = Mean(ys);
        var s = 0.0;
        for (var i = 0; i < xs.Count; i++)
        {
            s += (xs[i] - mx) * (ys[i] - my);
        }

        return s / (xs.Count - 1);
    }

    /// <summary>
    /// Moment skewness m3 / m2^1.5 and (non-excess) kurtosis m4 / m2^2 with population central
    /// moments mk = mean((x - mean)^k), as Bailey and López de Prado use them; (0, 3) when m2 is 0.
    /// </summary>
    public static (double Skewness, double Kurtosis) SkewnessKurtosis(IReadOnlyList<double> xs)
    {
        var mean = Mean(xs);
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (var x in xs)
        {
            var d = x - mean;
            var d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }

        if (xs.Count == 0 || m2 <= 0)
        {
            return (0, 3);
        }

        m2 /= xs.Count;
        m3 /= xs.Count;
        m4 /= xs.Count;
        return (m3 / Math.Pow(m2, 1.5), m4 / (m2 * m2));
    }

    /// <summary>
    /// Standard normal cumulative distribution Φ(x): Hart's double-precision rational approximation
    /// (algorithm 5666, as given by West 2005): absolute error about 1e-15, relative error in the tails
    /// about 1e-11 near |x| = 5 and 1e-8 beyond |x| = 7.07, where it switches to a continued fraction.
    /// </summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var a = Math.Abs(x);
        double tail;
        if (a > 37)
        {
            tail = 0;
        }
        else
        {
            var e = Math.Exp(-a * a / 2);
            if (a < 7.07106781186547)
            {
                var n = 3.52624965998911E-02 * a + 0.700383064443688;
                n = n * a + 6.37396220353165;
                n = n * a + 33.912866078383;
                n = n * a + 112.079291497871;
                n = n * a + 221.213596169931;
                n = n * a + 220.206867912376;
                var d = 8.83883476483184E-02 * a + 1.75566716318264;
                d = d * a + 16.064177579207;
                d = d * a + 86.7807322029461;
                d = d * a + 296.564248779674;
                d = d * a + 637.333633378831;
                d = d * a + 793.826512519948;
                d = d * a + 440.413735824752;
                tail = e * n / d;
            }
            else
            {
                var f = a + 0.65;
                f = a + 4 / f;
                f = a + 3 / f;
                f = a + 2 / f;
                f = a + 1 / f;
                tail = e / f / 2.506628274631;
            }
        }

        return x > 0 ? 1 - tail : tail;
    }

    /// <summary>
    /// Inverse of the standard normal distribution Φ⁻¹(p) for 0 &lt; p &lt; 1: Acklam's rational
    /// approximation (relative error 1.15e-9) refined by one Halley step against <see cref="NormalCdf"/>.
    /// -∞ at 0 and +∞ at 1.
    /// </summary>
    public static double NormalInverseCdf(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability is between 0 and 1.");
        }

        if (p == 0)
        {
            return double.NegativeInfinity;
        }

        if (p == 1)
        {
            return double.PositiveInfinity;
        }

        const double pLow = 0.02425;
        double x;
        if (p < pLow)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = TailNumerator(q) / TailDenominator(q);
        }
        else if (p <= 1 - pLow)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                    + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
                / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                    + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -TailNumerator(q) / TailDenominator(q);
        }

        // One Halley step takes Acklam's 1e-9 to full double precision.
        var err = NormalCdf(x) - p;
        var u = err * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);

        static double TailNumerator(double q) =>
            ((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00;

        static double TailDenominator(double q) =>
            (((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                + 3.754408661907416e+00) * q + 1;
    }
}

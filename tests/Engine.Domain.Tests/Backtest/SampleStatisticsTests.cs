using Engine.Domain.Backtest;

namespace Engine.Domain.Tests.Backtest;

/// <summary>
/// The moments and the normal distribution the statistics rest on, against published values
/// (Φ and Φ⁻¹ as printed by Python's statistics.NormalDist, which is accurate to double precision).
/// </summary>
public sealed class SampleStatisticsTests
{
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(-1.96, 0.024997895148220428)]
    [InlineData(3.5, 0.9997673709209645)]
    public void Normal_cdf_matches_published_values(double x, double expected)
    {
        Assert.Equal(expected, SampleStatistics.NormalCdf(x), 1e-14);
    }

    [Fact]
    public void Normal_cdf_is_accurate_far_in_the_tail()
    {
        // Φ(-8) = 6.220960574271819e-16 (0.5·erfc(8/√2) with Python's math.erfc; NormalDist.cdf goes through
        // 1 + erf and loses the digits out here). Relative accuracy (Hart's continued fraction beyond 7.07
        // gives about 1e-8), where 1 - Φ(8) computed naively would be 0.
        Assert.Equal(1, SampleStatistics.NormalCdf(-8) / 6.220960574271819e-16, 1e-7);
        Assert.Equal(0, SampleStatistics.NormalCdf(-40));
        Assert.Equal(1, SampleStatistics.NormalCdf(40));
    }

    [Theory]
    [InlineData(0.975, 1.9599639845400536, 1e-12)]
    [InlineData(0.3, -0.5244005127080407, 1e-12)]
    [InlineData(0.5, 0.0, 1e-12)]
    // Out in the tail Φ's relative error (about 2e-11 at -4.75) bounds the refined inverse.
    [InlineData(1e-6, -4.753424308822899, 1e-9)]
    public void Normal_inverse_cdf_matches_published_values(double p, double expected, double tolerance)
    {
        Assert.Equal(expected, SampleStatistics.NormalInverseCdf(p), tolerance);
    }

    [Fact]
    public void Normal_inverse_cdf_inverts_the_cdf()
    {
        for (var p = 0.001; p < 1; p += 0.0137)
        {
            Assert.Equal(p, SampleStatistics.NormalCdf(SampleStatistics.NormalInverseCdf(p)), 1e-14);
        }

        Assert.Equal(double.NegativeInfinity, SampleStatistics.NormalInverseCdf(0));
        Assert.Equal(double.PositiveInfinity, SampleStatistics.NormalInverseCdf(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleStatistics.NormalInverseCdf(1.5));
    }

    [Fact]
    public void Moments_of_a_small_sample()
    {
        // 1, 2, 3, 4, 10: mean 4, deviations -3, -2, -1, 0, 6; Σd² = 50, Σd³ = -27 - 8 - 1 + 216 = 180,
        // Σd⁴ = 81 + 16 + 1 + 1296 = 1394. Sample variance 50/4 = 12.5; m2 = 10, m3 = 36, m4 = 278.8;
        // skewness 36 / 10^1.5 = 1.1384199576606167, kurtosis 278.8 / 100 = 2.788.
        double[] xs = [1, 2, 3, 4, 10];
        Assert.Equal(4, SampleStatistics.Mean(xs));
        Assert.Equal(12.5, SampleStatistics.Variance(xs), 1e-12);
        var (skewness, kurtosis) = SampleStatistics.SkewnessKurtosis(xs);
        Assert.Equal(36 / Math.Pow(10, 1.5), skewness, 1e-12);
        Assert.Equal(2.788, kurtosis, 1e-12);
        // Against 1, 2, 1, 3, 1 (mean 1.6): Σ dx·dy = 1.8 - 0.8 + 0.6 + 0 - 3.6 = -2, covariance -2 / 4.
        Assert.Equal(-0.5, SampleStatistics.Covariance(xs, [1, 2, 1, 3, 1]), 1e-12);
    }

    [Fact]
    public void Degenerate_samples_have_zero_spread_and_normal_shape()
    {
        Assert.Equal(0, SampleStatistics.Mean([]));
        Assert.Equal(0, SampleStatistics.Variance([7]));
        Assert.Equal((0.0, 3.0), SampleStatistics.SkewnessKurtosis([2, 2, 2]));
        Assert.Throws<ArgumentException>(() => SampleStatistics.Covariance([1, 2], [1]));
    }
}

using Engine.Domain.Backtest;

namespace Engine.Domain.Tests.Backtest;

/// <summary>Gate evaluation: min_/max_ comparisons, not-applicable keys, unmeasurable figures, unknown keys.</summary>
public sealed class PromotionGateEvaluatorTests
{
    private static readonly PortfolioStatistics Stats = new(
        NetProfit: 1000m, NetProfitPct: 10, Cagr: 0.1, Sharpe: 1.2, Sortino: 1.8, ProbabilisticSharpe: 0.9,
        MaxDrawdownPct: 8.5, MaxDrawdownDurationDays: 30, WinRate: 0.5, LossRate: 0.5, ProfitLossRatio: 1.5,
        AverageWin: 30m, AverageLoss: -20m, Expectancy: 0.25, TotalOrders: 240, TotalTrades: 120, TotalFees: 50m,
        Turnover: 0.2, Exposure: 0.6, Alpha: 0.02, Beta: 0.8, InformationRatio: 0.3, AnnualReturn: 0.12, AnnualVolatility: 0.1);

    private static readonly GateMeasurements Good = new(Stats, Pbo: 0.2, DeflatedSharpe: 0.7, PositiveWindowsFraction: 0.8);

    private static PromotionGates Gates(params (string Section, string Key, double? Threshold)[] gates) =>
        new(gates.GroupBy(g => g.Section).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, double?>)g.ToDictionary(x => x.Key, x => x.Threshold)));

    private static readonly PromotionGates Standard = Gates(
        ("performance_thresholds", "min_sortino_ratio", 1.0),
        ("performance_thresholds", "min_sharpe_ratio", 1.0),
        ("performance_thresholds", "max_drawdown_pct", 10.0),
        ("performance_thresholds", "min_win_rate", 0.45),
        ("performance_thresholds", "min_total_trades", 100),
        ("anti_overfitting", "max_pbo", 0.5),
        ("anti_overfitting", "min_deflated_sharpe", 0.5),
        ("stability", "min_positive_windows_pct", 0.70),
        ("stability", "max_feature_importance_drift", 0.3));

    [Fact]
    public void A_good_strategy_passes_every_measured_gate_and_feature_drift_does_not_apply()
    {
        var results = PromotionGateEvaluator.Evaluate(Standard, Good);
        Assert.Equal(9, results.Count);
        Assert.All(results.Take(8), r => Assert.Equal(GateOutcome.Pass, r.Outcome));
        var drift = results[8];
        Assert.Equal(("stability", "max_feature_importance_drift", GateOutcome.NotApplicable), (drift.Section, drift.Key, drift.Outcome));
        Assert.Null(drift.Measured);
        Assert.Equal(0.3, drift.Threshold);
        Assert.Contains("not applicable", drift.Detail);
        Assert.True(PromotionGateEvaluator.Passed(results));

        var sharpe = results.Single(r => r.Key == "min_sharpe_ratio");
        Assert.Equal(1.2, sharpe.Measured);
        Assert.Equal(1.0, sharpe.Threshold);
        Assert.Equal("Sharpe ratio 1.2 >= 1", sharpe.Detail);
    }

    [Fact]
    public void Min_keys_pass_at_or_above_and_max_keys_at_or_below_the_threshold()
    {
        var atEdges = Good with
        {
            Statistics = Stats with { Sharpe = 1.0, MaxDrawdownPct = 10.0, TotalTrades = 100, WinRate = 0.45 },
            Pbo = 0.5,
        };
        Assert.All(PromotionGateEvaluator.Evaluate(Standard, atEdges).Take(8), r => Assert.Equal(GateOutcome.Pass, r.Outcome));

        var justOver = Good with
        {
            Statistics = Stats with { Sharpe = 0.999, MaxDrawdownPct = 10.01, TotalTrades = 99 },
            Pbo = 0.51,
        };
        var results = PromotionGateEvaluator.Evaluate(Standard, justOver);
        var failed = results.Where(r => r.Outcome == GateOutcome.Fail).Select(r => r.Key);
        Assert.Equal(["min_sharpe_ratio", "max_drawdown_pct", "min_total_trades", "max_pbo"], failed);
        Assert.Equal("maximum drawdown in percent 10.01 > 10", results.Single(r => r.Key == "max_drawdown_pct").Detail);
        Assert.False(PromotionGateEvaluator.Passed(results));
    }

    [Fact]
    public void A_figure_that_cannot_be_measured_fails_with_the_reason()
    {
        // One trial: no PBO and no deflated Sharpe; a short curve: no windows.
        var unmeasured = Good with { Pbo = null, DeflatedSharpe = null, PositiveWindowsFraction = null };
        var results = PromotionGateEvaluator.Evaluate(Standard, unmeasured);
        var pbo = results.Single(r => r.Key == "max_pbo");
        Assert.Equal(GateOutcome.Fail, pbo.Outcome);
        Assert.Null(pbo.Measured);
        Assert.Equal(0.5, pbo.Threshold);
        Assert.Contains("could not be measured (it needs at least 2 trials", pbo.Detail);
        Assert.Equal(GateOutcome.Fail, results.Single(r => r.Key == "min_deflated_sharpe").Outcome);
        Assert.Equal(GateOutcome.Fail, results.Single(r => r.Key == "min_positive_windows_pct").Outcome);
        Assert.False(PromotionGateEvaluator.Passed(results));
    }

    [Fact]
    public void Keys_about_features_or_models_do_not_apply_in_any_known_section_or_in_their_own_sections()
    {
        var gates = Gates(
            ("performance_thresholds", "min_sharpe_ratio", 1.0),
            ("stability", "min_model_stability", 0.9),
            ("anti_overfitting", "max_features_selected", null),
            ("model_validation", "min_auc", 0.6));
        var results = PromotionGateEvaluator.Evaluate(gates, Good);
        Assert.Equal(
            [GateOutcome.Pass, GateOutcome.NotApplicable, GateOutcome.NotApplicable, GateOutcome.NotApplicable],
            results.Select(r => r.Outcome));
        Assert.Null(results[2].Threshold);
    }

    [Fact]
    public void Only_not_applicable_gates_do_not_pass_a_strategy()
    {
        var results = PromotionGateEvaluator.Evaluate(Gates(("stability", "max_feature_importance_drift", 0.3)), Good);
        Assert.False(PromotionGateEvaluator.Passed(results));
    }

    [Theory]
    [InlineData("performance_thresholds", "min_sharp_ratio", "min_sharp_ratio")]
    [InlineData("performance_thresholds", "max_pbo", "max_pbo")]
    [InlineData("perfomance_thresholds", "min_sharpe_ratio", "perfomance_thresholds")]
    public void Unknown_keys_and_sections_are_errors_naming_them_and_the_known_ones(string section, string key, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => PromotionGateEvaluator.Evaluate(Gates((section, key, 1.0)), Good));
        Assert.Contains($"'{named}'", e.Message);
        Assert.Contains(key == "min_sharp_ratio" ? "min_sharpe_ratio" : "performance_thresholds", e.Message);
    }

    [Fact]
    public void A_measured_key_needs_a_sensible_threshold()
    {
        Assert.Throws<ArgumentException>(() => PromotionGateEvaluator.Evaluate(Gates(("performance_thresholds", "min_sharpe_ratio", null)), Good));
        var e = Assert.Throws<ArgumentException>(() =>
            PromotionGateEvaluator.Evaluate(Gates(("performance_thresholds", "min_win_rate", 45)), Good));
        Assert.Contains("fraction", e.Message);
        Assert.Throws<ArgumentException>(() => PromotionGateEvaluator.Evaluate(Gates(("performance_thresholds", "min_total_trades", 10.5)), Good));
        Assert.Throws<ArgumentException>(() => PromotionGateEvaluator.Evaluate(Gates(("performance_thresholds", "max_drawdown_pct", 150)), Good));
    }

    [Fact]
    public void The_catalog_classifies_keys()
    {
        Assert.Equal(GateKeyKind.Measured, PromotionGateCatalog.Classify("anti_overfitting", "max_pbo"));
        Assert.Equal(GateKeyKind.NotApplicable, PromotionGateCatalog.Classify("stability", "max_feature_importance_drift"));
        Assert.Throws<ArgumentException>(() => PromotionGateCatalog.Classify("stability", "min_positive_windows"));
        // A word that merely contains "model" is not about models.
        Assert.Throws<ArgumentException>(() => PromotionGateCatalog.Classify("stability", "max_remodelling"));
    }
}

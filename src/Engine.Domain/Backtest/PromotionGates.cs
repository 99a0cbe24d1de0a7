using System.Globalization;

namespace Engine.Domain.Backtest;

public enum GateOutcome
{
    Pass,
    Fail,
    NotApplicable,
}

/// <summary>One gate's verdict. Measured is null when the figure could not be measured or does not apply.</summary>
public sealed record GateResult(string Section, string Key, GateOutcome Outcome, double? Measured, double? Threshold, string Detail);

/// <summary>
/// The promotion thresholds: section -> key -> threshold (null for a not-applicable key with a
/// non-numeric value). Results come out in the dictionaries' enumeration order.
/// </summary>
public sealed record PromotionGates(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>> Sections);

/// <summary>What the gates are measured against; a null figure could not be measured.</summary>
public sealed record GateMeasurements(PortfolioStatistics Statistics, double? Pbo, double? DeflatedSharpe, double? PositiveWindowsFraction);

/// <summary>Whether a gate's key applies to this engine's rule-based strategies.</summary>
public enum GateKeyKind
{
    Measured,
    NotApplicable,
}

/// <summary>
/// The gate keys this engine knows. A key is measured when listed in <see cref="Measured"/>. A key or
/// section whose underscore-separated words include feature(s) or model(s) is known not to apply to a
/// rule-based strategy (there are no features or models to be stable), e.g.
/// stability.max_feature_importance_drift. Anything else is a mistake, e.g. a typo, and is rejected
/// rather than skipped, since a misspelt gate silently skipped is a gate not enforced.
/// </summary>
public static class PromotionGateCatalog
{
    public const string PerformanceThresholds = "performance_thresholds";
    public const string AntiOverfitting = "anti_overfitting";
    public const string Stability = "stability";

    public static IReadOnlyList<string> Sections { get; } = [PerformanceThresholds, AntiOverfitting, Stability];

    /// <summary>Every measured key: its figure, the range a threshold may take, and why a figure may be missing.</summary>
    public static IReadOnlyList<GateDefinition> Measured { get; } =
    [
        new(PerformanceThresholds, "min_sortino_ratio", "Sortino ratio", m => m.Statistics.Sortino, double.MinValue, double.MaxValue, false, ""),
        new(PerformanceThresholds, "min_sharpe_ratio", "Sharpe ratio", m => m.Statistics.Sharpe, double.MinValue, double.MaxValue, false, ""),
        new(PerformanceThresholds, "max_drawdown_pct", "maximum drawdown in percent", m => m.Statistics.MaxDrawdownPct, 0, 100, false, ""),
        new(PerformanceThresholds, "min_win_rate", "win rate (fraction)", m => m.Statistics.WinRate, 0, 1, false, ""),
        new(PerformanceThresholds, "min_total_trades", "closed trades", m => m.Statistics.TotalTrades, 0, int.MaxValue, true, ""),
        new(AntiOverfitting, "max_pbo", "probability of backtest overfitting", m => m.Pbo, 0, 1, false,
            "it needs at least 2 trials and 2 periods per partition"),
        new(AntiOverfitting, "min_deflated_sharpe", "deflated Sharpe ratio (a probability)", m => m.DeflatedSharpe, 0, 1, false,
            "it needs at least 2 trials and a selected trial whose daily returns vary"),
        new(Stability, "min_positive_windows_pct", "fraction of walk-forward windows with a positive return", m => m.PositiveWindowsFraction, 0, 1, false,
            "the equity curve has fewer points than windows + 1"),
    ];

    private static readonly HashSet<string> NotApplicableWords = new(StringComparer.Ordinal) { "feature", "features", "model", "models" };

    /// <summary>The measured key's definition, or null for a known not-applicable key.</summary>
    /// <exception cref="ArgumentException">The section or key is unknown; the message names it and the known ones.</exception>
    public static GateDefinition? Find(string section, string key)
    {
        if (IsAboutFeaturesOrModels(section))
        {
            return null;
        }

        CheckSection(section);

        var definition = Measured.FirstOrDefault(d => d.Section == section && d.Key == key);
        if (definition is not null)
        {
            return definition;
        }

        if (IsAboutFeaturesOrModels(key))
        {
            return null;
        }

        var known = Measured.Where(d => d.Section == section).Select(d => d.Key);
        throw new ArgumentException(
            $"Unknown promotion gate key '{key}' in section '{section}'; known keys there: {string.Join(", ", known)}" +
            " (and keys about features or models, which do not apply).");
    }

    /// <summary>Refuses an unknown section, so that it is reported at the section rather than at its first key.</summary>
    /// <exception cref="ArgumentException">The section is unknown; the message names it and the known ones.</exception>
    public static void CheckSection(string section)
    {
        if (!Sections.Contains(section) && !IsAboutFeaturesOrModels(section))
        {
            throw new ArgumentException(
                $"Unknown promotion gate section '{section}'; known sections: {string.Join(", ", Sections)}" +
                " (and sections about features or models, which do not apply).");
        }
    }

    /// <summary>Whether the key is measured or known not to apply.</summary>
    /// <exception cref="ArgumentException">The section or key is unknown.</exception>
    public static GateKeyKind Classify(string section, string key) =>
        Find(section, key) is null ? GateKeyKind.NotApplicable : GateKeyKind.Measured;

    private static bool IsAboutFeaturesOrModels(string name) =>
        name.Split('_').Any(NotApplicableWords.Contains);
}

/// <summary>
/// A measured gate key. Keys starting min_ pass when the figure is at least the threshold, max_ when at most.
/// </summary>
/// <param name="Figure">Reads the figure from the measurements; null when it could not be measured.</param>
/// <param name="Lowest">The smallest threshold that makes sense (e.g. 0 for a fraction).</param>
/// <param name="Highest">The largest threshold that makes sense (e.g. 1 for a fraction, 100 for a percentage).</param>
/// <param name="WholeNumber">Whether the threshold counts something.</param>
/// <param name="WhyUnmeasured">Why the figure can be null, for the gate's detail.</param>
public sealed record GateDefinition(
    string Section,
    string Key,
    string Description,
    Func<GateMeasurements, double?> Figure,
    double Lowest,
    double Highest,
    bool WholeNumber,
    string WhyUnmeasured)
{
    public bool AtLeast => Key.StartsWith("min_", StringComparison.Ordinal);

    /// <summary>Null when the threshold is acceptable, else what is wrong with it.</summary>
    public string? CheckThreshold(double threshold)
    {
        if (!double.IsFinite(threshold))
        {
            return $"{Key} must be a finite number, not {threshold.ToString(CultureInfo.InvariantCulture)}";
        }

        if (threshold < Lowest || threshold > Highest)
        {
            var range = Highest == 1 ? "a fraction between 0 and 1 (0.45 means 45%)"
                : Highest == 100 ? "a percentage between 0 and 100 (10.0 means 10%)"
                : $"at least {Lowest.ToString(CultureInfo.InvariantCulture)}";
            return $"{Key} is {range}, not {threshold.ToString(CultureInfo.InvariantCulture)}";
        }

        if (WholeNumber && threshold != Math.Floor(threshold))
        {
            return $"{Key} counts {Description} and must be a whole number, not {threshold.ToString(CultureInfo.InvariantCulture)}";
        }

        return null;
    }
}

/// <summary>
/// Checks measurements against promotion gates. A measured key passes when min_: figure ≥ threshold, or
/// max_: figure ≤ threshold. A key about features or models is NotApplicable. A measured key whose figure
/// is missing (null, e.g. PBO of a single trial) fails: a gate that cannot be checked must not let a
/// strategy through by default; the detail says why it could not be measured.
/// </summary>
public static class PromotionGateEvaluator
{
    /// <exception cref="ArgumentException">
    /// An unknown section or key, or a measured key whose threshold is missing or out of its range.
    /// </exception>
    public static IReadOnlyList<GateResult> Evaluate(PromotionGates gates, GateMeasurements m)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(m);
        var results = new List<GateResult>();
        foreach (var (section, keys) in gates.Sections)
        {
            foreach (var (key, threshold) in keys)
            {
                results.Add(EvaluateOne(section, key, threshold, m));
            }
        }

        return results;
    }

    /// <summary>True when no gate failed and at least one passed (all not-applicable proves nothing).</summary>
    public static bool Passed(IReadOnlyList<GateResult> results) =>
        results.All(r => r.Outcome != GateOutcome.Fail) && results.Any(r => r.Outcome == GateOutcome.Pass);

    private static GateResult EvaluateOne(string section, string key, double? threshold, GateMeasurements m)
    {
        var definition = PromotionGateCatalog.Find(section, key);
        if (definition is null)
        {
            return new GateResult(section, key, GateOutcome.NotApplicable, null, threshold,
                "not applicable: it is about features or models, and the strategies are rule-based");
        }

        if (threshold is not { } limit)
        {
            throw new ArgumentException($"Promotion gate {section}.{key} has no numeric threshold.");
        }

        if (definition.CheckThreshold(limit) is { } problem)
        {
            throw new ArgumentException($"Promotion gate {section}.{key}: {problem}.");
        }

        var measured = definition.Figure(m);
        if (measured is not { } value || double.IsNaN(value))
        {
            var why = definition.WhyUnmeasured.Length > 0 ? $" ({definition.WhyUnmeasured})" : "";
            return new GateResult(section, key, GateOutcome.Fail, null, limit,
                $"{definition.Description} could not be measured{why}; a gate that cannot be checked fails");
        }

        var pass = definition.AtLeast ? value >= limit : value <= limit;
        var relation = definition.AtLeast ? (pass ? ">=" : "<") : (pass ? "<=" : ">");
        return new GateResult(section, key, pass ? GateOutcome.Pass : GateOutcome.Fail, value, limit,
            $"{definition.Description} {Format(value)} {relation} {Format(limit)}");
    }

    private static string Format(double x) => x.ToString("0.####", CultureInfo.InvariantCulture);
}

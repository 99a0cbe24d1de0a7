using System.Text.Json;
using Engine.Domain.Backtest;
using Engine.Host.Backtest;

namespace Engine.Host.Tests;

/// <summary>
/// The promotion gates file: the repository's own config, the shapes YAML allows, every bad file
/// refused with its path, line and problem, and gate_summary.json.
/// </summary>
public sealed class PromotionGatesFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("promotion-gates-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, $"gates-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private PromotionGatesException Refused(string yaml, int? line, params string[] mentions)
    {
        var path = Write(yaml);
        var e = Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(path));
        Assert.Equal(path, e.Path);
        Assert.True(line == e.Line, $"expected line {line}: {e.Message}");
        Assert.StartsWith(line is { } l ? $"{path}:{l}: " : $"{path}: ", e.Message);
        foreach (var m in mentions)
        {
            Assert.Contains(m, e.Message);
        }

        return e;
    }

    private static readonly PortfolioStatistics Stats = new(
        NetProfit: 1000m, NetProfitPct: 10, Cagr: 0.1, Sharpe: 1.2, Sortino: 1.8, ProbabilisticSharpe: 0.9,
        MaxDrawdownPct: 8.5, MaxDrawdownDurationDays: 30, WinRate: 0.5, LossRate: 0.5, ProfitLossRatio: 1.5,
        AverageWin: 30m, AverageLoss: -20m, Expectancy: 0.25, TotalOrders: 240, TotalTrades: 120, TotalFees: 50m,
        Turnover: 0.2, Exposure: 0.6, Alpha: 0.02, Beta: 0.8, InformationRatio: 0.3, AnnualReturn: 0.12, AnnualVolatility: 0.1);

    // ---- good files ----

    [Fact]
    public void The_repository_config_loads_and_a_good_strategy_passes_it()
    {
        var gates = PromotionGatesFile.Load(Path.Combine(EngineProcess.RepoRoot, "config", "promotion_gates.yaml"));
        Assert.Equal(["performance_thresholds", "anti_overfitting", "stability"], gates.Sections.Keys);
        var performance = gates.Sections["performance_thresholds"];
        Assert.Equal(
            ["min_sortino_ratio", "min_sharpe_ratio", "max_drawdown_pct", "min_win_rate", "min_total_trades"],
            performance.Keys);
        Assert.Equal(10.0, performance["max_drawdown_pct"]);
        Assert.Equal(0.45, performance["min_win_rate"]);
        Assert.Equal(100, performance["min_total_trades"]);
        Assert.Equal(0.5, gates.Sections["anti_overfitting"]["max_pbo"]);
        Assert.Equal(0.70, gates.Sections["stability"]["min_positive_windows_pct"]);
        Assert.Equal(0.3, gates.Sections["stability"]["max_feature_importance_drift"]);

        var results = PromotionGateEvaluator.Evaluate(gates, new GateMeasurements(Stats, 0.2, 0.7, 0.8));
        Assert.Equal(8, results.Count(r => r.Outcome == GateOutcome.Pass));
        Assert.Equal("max_feature_importance_drift", results.Single(r => r.Outcome == GateOutcome.NotApplicable).Key);
    }

    [Fact]
    public void Flow_mappings_read_as_block_mappings()
    {
        var gates = PromotionGatesFile.Load(Write("""
            performance_thresholds: {min_sortino_ratio: 1.0, min_sharpe_ratio: 1.0, max_drawdown_pct: 10.0, min_win_rate: 0.45, min_total_trades: 100}
            anti_overfitting: {max_pbo: 0.5, min_deflated_sharpe: 0.5}
            stability: {min_positive_windows_pct: 0.70, max_feature_importance_drift: 0.3}
            """));
        Assert.Equal(5, gates.Sections["performance_thresholds"].Count);
        Assert.Equal(1e-2 * 70, gates.Sections["stability"]["min_positive_windows_pct"]!.Value, 1e-15);
    }

    [Fact]
    public void Sections_may_be_left_out_and_numbers_take_any_yaml_float_form()
    {
        var gates = PromotionGatesFile.Load(Write("""
            # only what this desk gates on
            performance_thresholds:
              min_sharpe_ratio: 5e-1
              min_sortino_ratio: -1
              min_total_trades: 100.0
            """));
        Assert.Equal(["performance_thresholds"], gates.Sections.Keys);
        Assert.Equal(0.5, gates.Sections["performance_thresholds"]["min_sharpe_ratio"]);
        Assert.Equal(-1, gates.Sections["performance_thresholds"]["min_sortino_ratio"]);
    }

    [Fact]
    public void A_not_applicable_key_may_hold_anything()
    {
        var gates = PromotionGatesFile.Load(Write("""
            stability:
              min_positive_windows_pct: 0.7
              max_feature_importance_drift: n/a
              model_features: [a, b]
            model_monitoring:
              max_prediction_drift: 0.1
            """));
        Assert.Null(gates.Sections["stability"]["max_feature_importance_drift"]);
        Assert.Null(gates.Sections["stability"]["model_features"]);
        Assert.Equal(0.1, gates.Sections["model_monitoring"]["max_prediction_drift"]);
        var results = PromotionGateEvaluator.Evaluate(gates, new GateMeasurements(Stats, null, null, 0.8));
        Assert.Equal(
            [GateOutcome.Pass, GateOutcome.NotApplicable, GateOutcome.NotApplicable, GateOutcome.NotApplicable],
            results.Select(r => r.Outcome));
    }

    // ---- bad files ----

    [Fact]
    public void A_missing_file()
    {
        var path = Path.Combine(_dir, "nowhere.yaml");
        var e = Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(path));
        Assert.Equal($"{path}: the promotion gates file does not exist", e.Message);
        Assert.Null(e.Line);
        Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(Path.Combine(_dir, "no-dir", "gates.yaml")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# nothing but a comment\n")]
    [InlineData("---\n")]
    [InlineData("~\n")]
    public void An_empty_file(string yaml)
    {
        Refused(yaml, 1, "the file is empty", "performance_thresholds");
    }

    [Fact]
    public void Invalid_yaml_names_the_line()
    {
        Refused("""
            performance_thresholds:
              min_sharpe_ratio: 1.0
             min_sortino_ratio: 1.0
            """, 3, "invalid YAML");
        Refused("anti_overfitting: {max_pbo: 0.5\nstability: {}\n", 3, "invalid YAML");
        // The tab on line 3 ends the value that began on line 2: both lines are named.
        var e = Refused("stability:\n  min_positive_windows_pct: 0.7\n\t max_pbo: 1\n", 2, "invalid YAML (from line 2 to line 3)", "tab");
        Assert.DoesNotContain("Idx:", e.Message);
    }

    [Theory]
    [InlineData("high", "'high'")]
    [InlineData("\"1.0\"", "the quoted text '1.0'")]
    [InlineData("", "nothing")]
    [InlineData("[1, 2]", "a list")]
    [InlineData("yes", "'yes'")]
    [InlineData(".inf", "'.inf'")]
    public void A_non_numeric_threshold_for_a_known_key(string value, string found)
    {
        Refused($"performance_thresholds:\n  min_win_rate: 0.45\n  min_sharpe_ratio: {value}\n", 3,
            "gate 'performance_thresholds.min_sharpe_ratio' needs a numeric threshold", $"found {found}");
    }

    [Fact]
    public void An_infinite_threshold()
    {
        Refused("performance_thresholds:\n  min_sharpe_ratio: Infinity\n", 2, "must be a finite number");
    }

    [Fact]
    public void A_misspelt_key_names_the_key_and_the_known_ones()
    {
        var e = Refused("""
            performance_thresholds:
              min_sortino_ratio: 1.0
              min_sharp_ratio: 1.0
            """, 3, "'min_sharp_ratio'", "min_sharpe_ratio", "min_sortino_ratio", "max_drawdown_pct", "min_win_rate", "min_total_trades");
        Assert.Contains("section 'performance_thresholds'", e.Message);
    }

    [Fact]
    public void A_known_key_in_the_wrong_section()
    {
        Refused("stability:\n  max_pbo: 0.5\n", 2, "'max_pbo'", "min_positive_windows_pct");
    }

    [Fact]
    public void An_unknown_section_names_the_known_ones()
    {
        Refused("""
            anti_overfitting:
              max_pbo: 0.5
            perfomance_thresholds:
              min_sharpe_ratio: 1.0
            """, 3, "'perfomance_thresholds'", "performance_thresholds, anti_overfitting, stability");
    }

    [Theory]
    [InlineData("- min_sharpe_ratio: 1.0\n", "a list")]
    [InlineData("just some text\n", "'just some text'")]
    public void A_file_that_is_not_a_mapping_of_sections(string yaml, string found)
    {
        Refused(yaml, 1, "expected a mapping of sections", $"found {found}");
    }

    [Theory]
    [InlineData("stability: 0.7\n", 1, "'0.7'")]
    [InlineData("stability:\n  - min_positive_windows_pct: 0.7\n", 2, "a list")]
    public void A_section_that_is_not_a_mapping(string yaml, int line, string found)
    {
        Refused(yaml, line, "section 'stability' must be a mapping of gate keys to thresholds", $"found {found}");
    }

    [Fact]
    public void An_empty_section()
    {
        Refused("performance_thresholds:\n  min_sharpe_ratio: 1.0\nstability:\n", 3, "section 'stability' is empty");
    }

    [Fact]
    public void A_duplicate_key_or_section()
    {
        var e = Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(Write(
            "performance_thresholds:\n  min_sharpe_ratio: 1.0\n  min_sharpe_ratio: 2.0\n")));
        Assert.Equal(3, e.Line);
        Assert.Contains("min_sharpe_ratio", e.Message);
        var s = Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(Write(
            "stability:\n  min_positive_windows_pct: 0.7\nstability:\n  min_positive_windows_pct: 0.1\n")));
        Assert.Equal(3, s.Line);
        Assert.Contains("stability", s.Message);
    }

    [Fact]
    public void A_non_scalar_key()
    {
        Refused("performance_thresholds:\n  [a, b]: 1.0\n", 2, "a gate key must be a plain name", "found a list");
    }

    [Theory]
    [InlineData("performance_thresholds", "min_win_rate", "45", "a fraction between 0 and 1 (0.45 means 45%)")]
    [InlineData("stability", "min_positive_windows_pct", "70", "a fraction between 0 and 1")]
    [InlineData("anti_overfitting", "max_pbo", "-0.1", "a fraction between 0 and 1")]
    [InlineData("performance_thresholds", "max_drawdown_pct", "0.15e3", "a percentage between 0 and 100 (10.0 means 10%)")]
    [InlineData("performance_thresholds", "min_total_trades", "99.5", "must be a whole number")]
    [InlineData("performance_thresholds", "min_total_trades", "-1", "at least 0")]
    public void A_threshold_out_of_its_range(string section, string key, string value, string why)
    {
        Refused($"{section}:\n  {key}: {value}\n", 2, $"gate '{section}.{key}'", why);
    }

    [Fact]
    public void More_than_one_document()
    {
        Refused("stability:\n  min_positive_windows_pct: 0.7\n---\nstability:\n  min_positive_windows_pct: 0.1\n", 4, "more than one YAML document");
    }

    [Fact]
    public void An_unreadable_path()
    {
        // A directory where the file should be: read fails with an I/O error, not a crash.
        var e = Assert.Throws<PromotionGatesException>(() => PromotionGatesFile.Load(_dir));
        Assert.StartsWith($"{_dir}: ", e.Message);
    }

    // ---- gate_summary.json ----

    [Fact]
    public void Gate_summary_json_has_every_gate_and_the_verdict()
    {
        GateResult[] results =
        [
            new("performance_thresholds", "min_sharpe_ratio", GateOutcome.Pass, 1.25, 1.0, "Sharpe ratio 1.25 >= 1"),
            new("anti_overfitting", "max_pbo", GateOutcome.Fail, null, 0.5, "could not be measured"),
            new("stability", "max_feature_importance_drift", GateOutcome.NotApplicable, null, null, "not applicable"),
        ];
        using var doc = JsonDocument.Parse(PromotionGatesFile.ToJson(results));
        var root = doc.RootElement;
        Assert.False(root.GetProperty("passed").GetBoolean());
        var gates = root.GetProperty("gates").EnumerateArray().ToList();
        Assert.Equal(3, gates.Count);
        Assert.Equal(
            ["section", "key", "outcome", "measured", "threshold", "detail"],
            gates[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("pass", gates[0].GetProperty("outcome").GetString());
        Assert.Equal(1.25, gates[0].GetProperty("measured").GetDouble());
        Assert.Equal(1.0, gates[0].GetProperty("threshold").GetDouble());
        Assert.Equal("Sharpe ratio 1.25 >= 1", gates[0].GetProperty("detail").GetString());
        Assert.Equal("fail", gates[1].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, gates[1].GetProperty("measured").ValueKind);
        Assert.Equal("not_applicable", gates[2].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, gates[2].GetProperty("threshold").ValueKind);
        Assert.Equal("stability", gates[2].GetProperty("section").GetString());
        Assert.Equal("max_feature_importance_drift", gates[2].GetProperty("key").GetString());
    }

    [Fact]
    public void Gate_summary_passes_when_nothing_fails_and_something_passes()
    {
        GateResult pass = new("performance_thresholds", "min_sharpe_ratio", GateOutcome.Pass, 1.25, 1.0, "");
        GateResult na = new("stability", "max_feature_importance_drift", GateOutcome.NotApplicable, null, 0.3, "");
        Assert.True(Passed([pass, na]));
        Assert.False(Passed([na]));
        Assert.False(Passed([]));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(PromotionGatesFile.ToJson(
            [pass with { Measured = double.NaN }])).RootElement.GetProperty("gates")[0].GetProperty("measured").ValueKind);

        static bool Passed(GateResult[] results) =>
            JsonDocument.Parse(PromotionGatesFile.ToJson(results)).RootElement.GetProperty("passed").GetBoolean();
    }
}

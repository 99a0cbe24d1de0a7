using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Domain.Backtest;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Engine.Host.Backtest;

/// <summary>A promotion gates file the engine refuses. The message names the file, the line (when there is one) and the problem.</summary>
public sealed class PromotionGatesException(string path, int? line, string problem)
    : Exception(line is { } l ? $"{path}:{l}: {problem}" : $"{path}: {problem}")
{
    public string Path { get; } = path;

    /// <summary>1-based line of the problem; null when it concerns the whole file (e.g. not found).</summary>
    public int? Line { get; } = line;

    public string Problem { get; } = problem;
}

/// <summary>
/// Reads promotion gate thresholds from YAML (config/promotion_gates.yaml) and writes gate results as
/// gate_summary.json. The file is a mapping of sections to mappings of keys to numbers:
/// <code>
/// performance_thresholds: {min_sharpe_ratio: 1.0, max_drawdown_pct: 10.0}
/// stability: {min_positive_windows_pct: 0.70, max_feature_importance_drift: 0.3}
/// </code>
/// Sections and keys are those of <see cref="PromotionGateCatalog"/>; a section may be left out. Every
/// problem is refused with its line rather than skipped, since a gate skipped is a gate not enforced.
/// </summary>
public static partial class PromotionGatesFile
{
    /// <exception cref="PromotionGatesException">
    /// The file is missing or unreadable, empty, not YAML, not a mapping of mappings, has an unknown section
    /// or key, a duplicate key, or a threshold that is not a number or out of its range.
    /// </exception>
    public static PromotionGates Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PromotionGatesException(path, null, "the promotion gates file does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PromotionGatesException(path, null, $"the promotion gates file cannot be read: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Parses gate YAML already in memory; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="PromotionGatesException">As <see cref="Load"/>.</exception>
    public static PromotionGates Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // The error's start can be a scalar that began lines earlier (a tab after a value): say where it ends too.
            var end = Line(e.End) > Line(e.Start) ? $" (from line {Line(e.Start)} to line {Line(e.End)})" : "";
            throw new PromotionGatesException(source, Line(e.Start), $"invalid YAML{end}: {WithoutMarks(e)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, when the text ends inside a flow collection.
            var lastLine = yaml.Count(c => c == '\n') + 1;
            throw new PromotionGatesException(source, lastLine,
                "invalid YAML: the file ends inside a flow collection (an unclosed '{' or '[' before here)");
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            throw new PromotionGatesException(source, 1,
                $"the file is empty; expected sections such as {string.Join(", ", PromotionGateCatalog.Sections)}");
        }

        if (stream.Documents.Count > 1)
        {
            throw new PromotionGatesException(source, Line(stream.Documents[1].RootNode.Start),
                "more than one YAML document; the gates are one mapping of sections");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            throw new PromotionGatesException(source, Line(node.Start),
                $"expected a mapping of sections ({string.Join(", ", PromotionGateCatalog.Sections)}), found {Describe(node)}");
        }

        var sections = new Dictionary<string, IReadOnlyDictionary<string, double?>>(StringComparer.Ordinal);
        foreach (var (sectionNode, body) in root.Children)
        {
            var section = Name(sectionNode, source, "section");
            if (sections.ContainsKey(section))
            {
                throw new PromotionGatesException(source, Line(sectionNode.Start), $"section '{section}' appears twice");
            }

            try
            {
                PromotionGateCatalog.CheckSection(section);
            }
            catch (ArgumentException e)
            {
                throw new PromotionGatesException(source, Line(sectionNode.Start), e.Message);
            }

            sections[section] = ParseSection(section, sectionNode, body, source);
        }

        return new PromotionGates(sections);
    }

    /// <summary>
    /// gate_summary.json: {"passed": bool, "gates": [{"section", "key", "outcome": "pass|fail|not_applicable",
    /// "measured", "threshold", "detail"}]}, passed as <see cref="PromotionGateEvaluator.Passed"/>; a missing
    /// or non-finite number is null.
    /// </summary>
    public static string ToJson(IReadOnlyList<GateResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("passed", PromotionGateEvaluator.Passed(results));
            json.WriteStartArray("gates");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("section", r.Section);
                json.WriteString("key", r.Key);
                json.WriteString("outcome", r.Outcome switch
                {
                    GateOutcome.Pass => "pass",
                    GateOutcome.Fail => "fail",
                    GateOutcome.NotApplicable => "not_applicable",
                    _ => throw new ArgumentOutOfRangeException(nameof(results), r.Outcome, "Unknown gate outcome."),
                });
                WriteNumber(json, "measured", r.Measured);
                WriteNumber(json, "threshold", r.Threshold);
                json.WriteString("detail", r.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, double?> ParseSection(string section, YamlNode sectionNode, YamlNode body, string source)
    {
        if (IsNull(body))
        {
            throw new PromotionGatesException(source, Line(sectionNode.Start),
                $"section '{section}' is empty; give its gates or leave the section out");
        }

        if (body is not YamlMappingNode keys)
        {
            throw new PromotionGatesException(source, Line(body.Start),
                $"section '{section}' must be a mapping of gate keys to thresholds, found {Describe(body)}");
        }

        var gates = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in keys.Children)
        {
            var key = Name(keyNode, source, "gate key");
            var line = Line(keyNode.Start);
            if (gates.ContainsKey(key))
            {
                throw new PromotionGatesException(source, line, $"gate '{section}.{key}' appears twice");
            }

            GateDefinition? definition;
            try
            {
                definition = PromotionGateCatalog.Find(section, key);
            }
            catch (ArgumentException e)
            {
                throw new PromotionGatesException(source, line, e.Message);
            }

            var number = Number(valueNode);
            if (definition is null)
            {
                // Not applicable: the value is kept when numeric, for the report, and never checked.
                gates[key] = number;
                continue;
            }

            if (number is not { } threshold)
            {
                throw new PromotionGatesException(source, Line(valueNode.Start),
                    $"gate '{section}.{key}' needs a numeric threshold ({definition.Description}), found {Describe(valueNode)}");
            }

            if (definition.CheckThreshold(threshold) is { } problem)
            {
                throw new PromotionGatesException(source, Line(valueNode.Start), $"gate '{section}.{key}': {problem}");
            }

            gates[key] = threshold;
        }

        return gates;
    }

    private static string Name(YamlNode node, string source, string what)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } name })
        {
            return name;
        }

        throw new PromotionGatesException(source, Line(node.Start), $"a {what} must be a plain name, found {Describe(node)}");
    }

    /// <summary>
    /// A plain (unquoted, untagged or number-tagged) scalar that reads as a number. A quoted "1.0" is a
    /// string in YAML and refused, so what the file says is what YAML tools read.
    /// </summary>
    private static double? Number(YamlNode node)
    {
        if (node is not YamlScalarNode { Value: { } text } scalar || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return null;
        }

        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is not ("" or "tag:yaml.org,2002:float" or "tag:yaml.org,2002:int"))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted } s => $"the quoted text '{s.Value}'",
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);

    /// <summary>YamlDotNet prefixes its message with both marks; the line is already in ours.</summary>
    private static string WithoutMarks(YamlException e) => MarksPrefix().Replace(e.Message, "");

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarksPrefix();
}

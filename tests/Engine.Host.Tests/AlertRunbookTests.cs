using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Engine.Host.Tests;

/// <summary>
/// Every alert in monitoring/rules has a runbook_url that points at a heading of docs/operations.md,
/// so the link in a Slack message or Alertmanager's UI lands on the alert's runbook entry.
/// </summary>
public sealed partial class AlertRunbookTests
{
    private static string Root => EngineProcess.RepoRoot;

    /// <summary>(file, alert, runbook_url or null) for every alerting rule of every rule file.</summary>
    private static List<(string File, string Alert, string? Url)> Alerts()
    {
        var alerts = new List<(string, string, string?)>();
        var files = Directory.GetFiles(Path.Combine(Root, "monitoring", "rules"), "*.yml")
            .Where(f => !f.EndsWith(".test.yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var doc = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(file));
            foreach (var group in ((List<object>)doc["groups"]).Cast<Dictionary<object, object>>())
                foreach (var rule in ((List<object>)group["rules"]).Cast<Dictionary<object, object>>())
                {
                    if (!rule.TryGetValue("alert", out var name)) continue; // a recording rule
                    var annotations = rule.TryGetValue("annotations", out var a) ? (Dictionary<object, object>)a : [];
                    alerts.Add((Path.GetFileName(file), (string)name, annotations.TryGetValue("runbook_url", out var u) ? (string)u : null));
                }
        }
        return alerts;
    }

    /// <summary>GitHub's anchors for a Markdown file's headings: lowercased, punctuation dropped, spaces to '-', repeats numbered.</summary>
    internal static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var fenced = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) fenced = !fenced;
            if (fenced) continue;
            var m = Heading().Match(line.TrimEnd('\r'));
            if (!m.Success) continue;
            var text = Regex.Replace(m.Groups[1].Value, @"`|\*\*|\[([^\]]*)\]\([^)]*\)", "$1").Trim();
            var slug = new StringBuilder();
            foreach (var c in text.ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c == '-' || c == '_') slug.Append(c);
                else if (c == ' ') slug.Append('-');
            }
            var anchor = slug.ToString();
            // A repeated heading gets -1, -2, ... as on GitHub.
            if (seen.TryGetValue(anchor, out var n)) { seen[anchor] = n + 1; anchor = $"{anchor}-{n + 1}"; }
            else seen[anchor] = 0;
            anchors.Add(anchor);
        }
        return anchors;
    }

    [Fact]
    public void Anchors_follow_githubs_rules()
    {
        var anchors = Anchors("# Deploy\n## Roll back (kubectl rollout undo)\n```\n# not a heading\n```\n### `KillSwitchEngaged`\n## Deploy\n");
        Assert.Equal(new HashSet<string> { "deploy", "roll-back-kubectl-rollout-undo", "killswitchengaged", "deploy-1" }, anchors);
    }

    [Fact]
    public void Every_alert_has_a_runbook_url_that_points_at_a_heading_of_docs_operations_md()
    {
        var anchors = Anchors(File.ReadAllText(Path.Combine(Root, "docs", "operations.md")));
        var alerts = Alerts();
        Assert.NotEmpty(alerts);
        var problems = new List<string>();
        foreach (var (file, alert, url) in alerts)
        {
            if (url is null) { problems.Add($"{file} {alert}: no runbook_url annotation"); continue; }
            // One form for every rule; the owner/repo part may be a fork's (docs/operations.md, "Runbook links").
            var m = RunbookUrl().Match(url);
            if (!m.Success) { problems.Add($"{file} {alert}: {url} is not https://github.com/OWNER/REPO/blob/main/docs/operations.md#ANCHOR"); continue; }
            var anchor = m.Groups[1].Value;
            if (!anchors.Contains(anchor)) problems.Add($"{file} {alert}: docs/operations.md has no heading with anchor #{anchor}");
            // The alert's own entry, not a shared one: its heading is the alert's name.
            if (anchor != alert.ToLowerInvariant()) problems.Add($"{file} {alert}: runbook_url anchor #{anchor} is not the alert's own heading #{alert.ToLowerInvariant()}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_link_within_docs_operations_md_lands_on_one_of_its_headings()
    {
        var text = File.ReadAllText(Path.Combine(Root, "docs", "operations.md"));
        var anchors = Anchors(text);
        var missing = Regex.Matches(text, @"\]\(#([^)]+)\)").Select(m => m.Groups[1].Value).Where(a => !anchors.Contains(a)).ToList();
        Assert.True(missing.Count == 0, $"no heading for: {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"^https://github\.com/[^/#]+/[^/#]+/blob/main/docs/operations\.md#([^#]+)$")]
    private static partial Regex RunbookUrl();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*$")]
    private static partial Regex Heading();
}

using System.Text.RegularExpressions;

namespace Engine.Host.Tests;

/// <summary>
/// The GitHub workflows and dependabot.yml: every workflow valid against SchemaStore's published
/// workflow schema (action-validator, installed by .ci/run from npm), and what a schema cannot see:
/// the gates CI runs, the smoke test's variables, probe path and command, the deploy's environments
/// and rollback, the ecosystems dependabot watches.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Workflows = Path.Combine(Root, ".github", "workflows");

    private static string Workflow(string name) => File.ReadAllText(Path.Combine(Workflows, name));

    [Fact]
    public void Every_workflow_is_valid_against_the_published_workflow_schema()
    {
        var validator = Path.Combine(Root, ".ci", "tools", "node_modules", ".bin", "action-validator");
        Assert.True(File.Exists(validator), $"{validator} not found: .ci/run installs @action-validator/cli with npm");
        var files = Directory.GetFiles(Workflows, "*.yml");
        Assert.Equal(["ci.yml", "deploy.yml", "docker-build.yml", "nightly-backtest.yml"], files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var (code, stdout, stderr) = Run(validator, file);
            Assert.True(code == 0, $"{Path.GetFileName(file)}:\n{stdout}{stderr}");
        }
    }

    [Fact]
    public void Ci_builds_with_warnings_as_errors_checks_format_packages_and_secrets_and_runs_the_readme_tests()
    {
        var ci = Workflow("ci.yml");
        Assert.Contains("-warnaserror", ci);
        Assert.Contains("--verify-no-changes", ci);
        Assert.Contains("--vulnerable --include-transitive", ci);
        Assert.Contains("--deprecated", ci);
        Assert.Contains("gitleaks", ci);
        Assert.Contains("XPlat Code Coverage", ci);
        Assert.Contains("upload-artifact", ci);
        // The tests run as everywhere else, through .ci/run, with LEAN's data at ../shared/data/lean.
        Assert.Contains("run: bash .ci/run", ci);
        Assert.Contains("shared/data/lean", ci);
        foreach (var project in Regex.Matches(ci, @"dotnet test (tests/[\w.]+)").Select(m => m.Groups[1].Value))
            Assert.True(Directory.Exists(Path.Combine(Root, project)), $"ci.yml tests {project}, which does not exist");
    }

    [Fact]
    public void The_image_smoke_test_uses_what_the_engine_reads_and_serves()
    {
        var build = Workflow("docker-build.yml");
        var known = EngineVariables();
        foreach (var name in Regex.Matches(build, @"\b(ENGINE_[A-Z0-9_]+)=").Select(m => m.Groups[1].Value))
            Assert.True(known.Contains(name), $"docker-build.yml sets {name}, which the engine does not read");
        var probed = Regex.Matches(build, @"http://127\.0\.0\.1:(\d+)(/\w+)").Select(m => (Port: int.Parse(m.Groups[1].Value), Path: m.Groups[2].Value)).ToArray();
        Assert.NotEmpty(probed);
        foreach (var (port, path) in probed)
        {
            Assert.Equal(HttpPort, port);
            Assert.Contains(path, ServedPaths());
        }
        Assert.Contains($"engine-cli 127.0.0.1:{AdminPort} cluster show", build);
        Assert.Contains("linux/amd64,linux/arm64", build);
        Assert.Contains("severity: HIGH,CRITICAL", build);
        foreach (var tag in new[] { "value=latest,enable={{is_default_branch}}", "type=sha,prefix=sha-", "type=ref,event=pr,prefix=pr-", "type=semver" })
            Assert.Contains(tag, build);
        Assert.Contains("push: ${{ github.event_name != 'pull_request' }}", build);
    }

    [Fact]
    public void Deploy_offers_every_overlay_waits_for_the_rollout_and_undoes_a_failed_one()
    {
        var deploy = Workflow("deploy.yml");
        var options = Regex.Match(deploy, @"options: \[([^\]]*)\]").Groups[1].Value.Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(Overlays.Order(StringComparer.Ordinal), options.Order(StringComparer.Ordinal));
        foreach (var overlay in options)
            Assert.True(Directory.Exists(Path.Combine(K8s, "overlays", overlay)), $"deploy.yml offers {overlay}, which has no overlay");
        Assert.Contains("environment: ${{ inputs.environment }}", deploy);
        Assert.Contains("rollout status statefulset/engine", deploy);
        Assert.Contains("rollout undo statefulset/engine", deploy);
        // The image the deploy rewrites is the one the overlays render.
        var image = Regex.Match(deploy, @"s#image: ([^:]+):").Groups[1].Value;
        foreach (var overlay in Overlays)
            Assert.Contains($"newName: {image}", File.ReadAllText(Path.Combine(K8s, "overlays", overlay, "kustomization.yaml")));
        Assert.Contains($"engine-cli 127.0.0.1:{AdminPort} cluster show", deploy);
    }

    [Fact]
    public void Dependabot_watches_nuget_actions_and_docker()
    {
        var docs = Documents(Path.Combine(Root, ".github", "dependabot.yml"));
        var updates = Seq(At(Assert.Single(docs), "updates"), "updates").Select(u => (string?)At(u, "package-ecosystem")).ToArray();
        Assert.Equal(["docker", "github-actions", "nuget"], updates.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_nightly_backtest_runs_at_six_with_manual_inputs_and_keys_on_the_gates_exit_code()
    {
        var nightly = Workflow("nightly-backtest.yml");
        Assert.Contains("cron: \"0 6 * * *\"", nightly);
        foreach (var input in new[] { "symbols:", "from:", "to:", "resolution:" })
            Assert.Contains(input, nightly);
        // The options it passes are the engine's own, and the gate file is the repository's.
        var program = File.ReadAllText(Path.Combine(Root, "src", "Engine.Host", "Program.cs"));
        foreach (var option in Regex.Matches(nightly, @"(?<![\w-])--(data|resolution|quiet|db|report|gates|from|to)\b").Select(m => m.Value).Distinct())
            Assert.Contains($"\"{option}\"", program);
        Assert.Contains("--gates config/promotion_gates.yaml", nightly);
        Assert.True(File.Exists(Path.Combine(Root, "config", "promotion_gates.yaml")));
        // 3 is the engine's exit code for a failed gate (EngineCommand); the issue quotes gate_summary.json.
        Assert.Contains("exit-code == '3'", nightly);
        Assert.Contains("return 3;", File.ReadAllText(Path.Combine(Root, "src", "Engine.Host", "EngineCommand.cs")));
        Assert.Contains($"report/{Engine.Host.Backtest.ReportFiles.GateSummaryName}", nightly);
        Assert.Contains("gh issue create", nightly);
        Assert.Contains("SLACK_WEBHOOK_URL", nightly);
        Assert.Contains("upload-artifact", nightly);
    }
}

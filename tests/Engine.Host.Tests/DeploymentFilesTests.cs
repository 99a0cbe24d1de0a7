using System.Diagnostics;
using System.Text.RegularExpressions;
using Akka.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Engine.Host.Tests;

/// <summary>
/// The Dockerfile, deploy/docker-compose.yml and deploy/k8s against what the engine really reads and
/// serves: environment names, ports and seed-node addresses from the engine's source and HOCON, probe
/// paths from its HTTP host, the preStop command from engine-cli's palettes, secrets documented.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = EngineProcess.RepoRoot;
    private static readonly string Deploy = Path.Combine(Root, "deploy");
    private static readonly string K8s = Path.Combine(Deploy, "k8s");
    private static readonly string[] Overlays = ["dev", "staging", "production"];

    // ---- what the engine reads and serves, from its source and HOCON ----

    /// <summary>Every ENGINE_* variable the host or the CLI reads (string literals in their source).</summary>
    private static HashSet<string> EngineVariables()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in new[] { "src/Engine.Host", "src/Engine.Cli" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, dir), "*.cs", SearchOption.AllDirectories))
                foreach (Match m in EnvLiteral().Matches(File.ReadAllText(file)))
                    names.Add(m.Groups[1].Value);
        return names;
    }

    private static Config Hocon(string file) => ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(Root, "hocon", file)));

    private static int RemotePort => Hocon("cluster.conf").GetInt("akka.remote.dot-netty.tcp.port");

    private static int HttpPort => Hocon("engine.conf").GetInt("engine.http.port");

    private static int AdminPort => Hocon("engine.conf").GetInt("engine.admin.port");

    private static HashSet<string> ServedPaths() =>
        MapGet().Matches(File.ReadAllText(Path.Combine(Root, "src/Engine.Host/Http/HttpHost.cs"))).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>An upper bound on a leaving member's hand-off: every coordinated-shutdown phase's timeout, summed.</summary>
    private static TimeSpan HandOffBound()
    {
        var config = Hocon("engine.conf").WithFallback(Hocon("cluster.conf")).WithFallback(ConfigurationFactory.Default());
        var cs = config.GetConfig("akka.coordinated-shutdown");
        var fallback = cs.GetTimeSpan("default-phase-timeout");
        var total = TimeSpan.Zero;
        foreach (var phase in cs.GetConfig("phases").AsEnumerable().Select(kv => kv.Key.Split('.')[0]).Distinct())
        {
            var timeout = cs.GetString($"phases.{phase}.timeout");
            total += string.IsNullOrEmpty(timeout) ? fallback : cs.GetTimeSpan($"phases.{phase}.timeout");
        }
        return total;
    }

    // ---- YAML ----

    private static object? Compose()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Deploy, "docker-compose.yml")));
        return new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)));
    }

    private static List<Dictionary<object, object>> Documents(string file)
    {
        using var reader = new StringReader(File.ReadAllText(file));
        var parser = new Parser(reader);
        var deserializer = new DeserializerBuilder().Build();
        var docs = new List<Dictionary<object, object>>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is Dictionary<object, object> doc) docs.Add(doc);
        }
        return docs;
    }

    private static Dictionary<object, object> Map(object? node, string what) =>
        node as Dictionary<object, object> ?? throw new Xunit.Sdk.XunitException($"{what}: not a mapping");

    private static List<object> Seq(object? node, string what) =>
        node as List<object> ?? throw new Xunit.Sdk.XunitException($"{what}: not a sequence");

    private static object? At(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not Dictionary<object, object> map || !map.TryGetValue(key, out node)) return null;
        }
        return node;
    }

    private static IEnumerable<Dictionary<object, object>> BaseDocuments() =>
        Directory.EnumerateFiles(Path.Combine(K8s, "base"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(Documents);

    private static Dictionary<object, object> EngineContainer()
    {
        var sts = BaseDocuments().Single(d => (string?)d["kind"] == "StatefulSet" && (string?)At(d, "metadata", "name") == "engine");
        return Map(Seq(At(sts, "spec", "template", "spec", "containers"), "containers").Single(c => (string?)At(c, "name") == "engine"), "container");
    }

    private static Dictionary<string, string> OverlayEnv(string overlay) =>
        File.ReadAllLines(Path.Combine(K8s, "overlays", overlay, "engine.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    // ---- the Dockerfile ----

    [Fact]
    public void Dockerfile_runs_as_non_root_with_a_healthcheck_an_exec_form_entrypoint_hocon_and_the_engines_ports()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Select(l => l.Trim()).ToList();
        var runtime = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime", runtime);
        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));

        var user = runtime.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Split(':')[0].Trim();
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);

        var check = string.Join(" ", runtime.SkipWhile(l => !l.StartsWith("HEALTHCHECK", StringComparison.Ordinal)).Take(2));
        Assert.Contains($"http://127.0.0.1:{HttpPort}/healthz", check);
        Assert.Contains("/healthz", ServedPaths());
        Assert.Contains(runtime, l => l.Contains("install", StringComparison.Ordinal) && l.Contains("curl", StringComparison.Ordinal));

        var entry = runtime.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        Assert.Matches(@"^ENTRYPOINT \[""[^""]+""(, ""[^""]+"")*\]$", entry);
        Assert.Contains(runtime, l => l == @"CMD [""node""]");
        Assert.Contains(runtime, l => Regex.IsMatch(l, @"^COPY (--from=\S+ )?hocon/? "));
        Assert.Contains(runtime, l => l.Contains("/usr/local/bin/engine-cli", StringComparison.Ordinal));

        var exposed = runtime.Where(l => l.StartsWith("EXPOSE", StringComparison.Ordinal)).SelectMany(l => l.Split(' ').Skip(1)).Select(int.Parse).ToHashSet();
        Assert.Equal(new HashSet<int> { RemotePort, HttpPort, AdminPort }, exposed);

        var ignore = File.ReadAllLines(Path.Combine(Root, ".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains(File.ReadAllLines(Path.Combine(Root, ".gitignore")), l => l == ".env");
    }

    // ---- compose ----

    [Fact]
    public void Compose_engines_use_only_variables_the_engine_reads_and_seed_each_other_by_service_name()
    {
        var known = EngineVariables();
        Assert.Contains(ConfigLoader.SeedNodesVariable, known);
        Assert.Superset(ConfigLoader.EnvironmentOverrides.Keys.ToHashSet(), known);

        var services = Map(At(Compose(), "services"), "services");
        var engines = services.Where(s => ((string)s.Key).StartsWith("engine-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, engines.Count);
        foreach (var (name, body) in engines)
        {
            var env = Map(At(body, "environment"), $"{name}.environment").ToDictionary(kv => (string)kv.Key, kv => kv.Value?.ToString() ?? "");
            var unknown = env.Keys.Where(k => !known.Contains(k)).ToList();
            Assert.True(unknown.Count == 0, $"{name}: the engine reads no {string.Join(", ", unknown)}");
            Assert.Equal("postgres", env[ConfigLoader.PersistenceVariable]);
            Assert.Equal((string)name, env["ENGINE_HOSTNAME"]);
            Assert.Equal(RemotePort.ToString(), env["ENGINE_REMOTE_PORT"]);
            Assert.Equal(HttpPort.ToString(), env["ENGINE_HTTP_PORT"]);
            Assert.Equal(AdminPort.ToString(), env["ENGINE_ADMIN_PORT"]);

            var seeds = env[ConfigLoader.SeedNodesVariable].Split(',');
            Assert.Equal(engines.Select(e => $"akka.tcp://engine@{e.Key}:{RemotePort}"), seeds);
            Assert.All(seeds, s => Assert.True(services.ContainsKey(new Uri(s).Host), $"{s}: no such service"));

            var ports = Seq(At(body, "ports"), $"{name}.ports").Select(p => int.Parse(((string)p).Split(':')[^1])).ToHashSet();
            Assert.Equal(new HashSet<int> { HttpPort, AdminPort }, ports);
        }
        Assert.Equal("postgres:15", At(services["postgres"], "image"));
        Assert.Contains(Seq(At(services["postgres"], "volumes"), "postgres.volumes"), v => ((string)v).EndsWith(":/var/lib/postgresql/data", StringComparison.Ordinal));
        foreach (var other in new[] { "prometheus", "alertmanager", "grafana" }) Assert.True(services.ContainsKey(other), other);
    }

    [Fact]
    public void Compose_mounts_the_monitoring_files_and_every_variable_it_interpolates_is_in_env_example()
    {
        var text = File.ReadAllText(Path.Combine(Deploy, "docker-compose.yml"));
        var used = Interpolation().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        var documented = File.ReadAllLines(Path.Combine(Deploy, ".env.example"))
            .Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l.Split('=')[0].Trim()).ToHashSet();
        var missing = used.Except(documented).ToList();
        Assert.True(missing.Count == 0, $"not in deploy/.env.example: {string.Join(", ", missing)}");
        foreach (var secret in new[] { "POSTGRES_PASSWORD", "ENGINE_ADMIN_TOKEN", "GRAFANA_ADMIN_PASSWORD" }) Assert.Contains(secret, used);

        var services = Map(At(Compose(), "services"), "services");
        var mounts = services.Values.SelectMany(s => At(s, "volumes") as List<object> ?? []).Cast<string>().Select(v => v.Split(':')[0]).ToHashSet();
        foreach (var path in new[] { "../monitoring/prometheus.yml", "../monitoring/rules", "../monitoring/alertmanager.yml", "../monitoring/grafana/provisioning", "../monitoring/grafana/dashboards" })
            Assert.Contains(path, mounts);
    }

    // ---- Kubernetes ----

    [Fact]
    public void K8s_statefulset_ports_env_probes_and_prestop_agree_with_the_engine()
    {
        var container = EngineContainer();
        var ports = Seq(At(container, "ports"), "ports").ToDictionary(p => (string)At(p, "name")!, p => int.Parse((string)At(p, "containerPort")!));
        Assert.Equal(new Dictionary<string, int> { ["remoting"] = RemotePort, ["http"] = HttpPort, ["admin"] = AdminPort }, ports);

        var known = EngineVariables();
        var env = Seq(At(container, "env"), "env").Select(e => Map(e, "env entry")).ToList();
        foreach (var e in env.Select(e => (string)e["name"]).Where(n => n != "POD_NAME"))
            Assert.True(known.Contains(e), $"the engine reads no {e}");
        string Value(string name) => (string)env.Single(e => (string)e["name"] == name)["value"];
        Assert.Equal("$(POD_NAME).engine-headless", Value("ENGINE_HOSTNAME"));
        Assert.Equal(RemotePort.ToString(), Value("ENGINE_REMOTE_PORT"));
        Assert.Equal(HttpPort.ToString(), Value("ENGINE_HTTP_PORT"));
        Assert.Equal(AdminPort.ToString(), Value("ENGINE_ADMIN_PORT"));

        var served = ServedPaths();
        foreach (var (probe, path) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz") })
        {
            Assert.Equal(path, At(container, probe, "httpGet", "path"));
            Assert.Contains(path, served);
            Assert.True(ports.ContainsKey((string)At(container, probe, "httpGet", "port")!) && (string)At(container, probe, "httpGet", "port")! == "http");
        }

        var preStop = Seq(At(container, "lifecycle", "preStop", "exec", "command"), "preStop").Cast<string>().ToList();
        var cliName = Regex.Match(File.ReadAllText(Path.Combine(Root, "src/Engine.Cli/Engine.Cli.csproj")), "<AssemblyName>(.+)</AssemblyName>").Groups[1].Value;
        Assert.Equal(cliName, preStop[0]);
        Assert.Equal($"127.0.0.1:{AdminPort}", preStop[1]);
        var palette = File.ReadAllText(Path.Combine(Root, "src/Engine.Host/Admin/ClusterPalette.cs"));
        Assert.Matches($@"PaletteSpec Spec {{ get; }} = new(PaletteSpec)?\(""{preStop[2]}""", palette);
        Assert.Contains($"new CommandSpec(\"{preStop[3]}\"", palette);
        Assert.Equal(4, preStop.Count);
    }

    [Fact]
    public void K8s_grace_period_outlasts_the_hand_off_and_the_headless_service_publishes_not_ready_seeds()
    {
        var docs = BaseDocuments().ToList();
        var sts = docs.Single(d => (string)d["kind"] == "StatefulSet");
        var grace = int.Parse((string)At(sts, "spec", "template", "spec", "terminationGracePeriodSeconds")!);
        var bound = HandOffBound();
        Assert.True(bound > TimeSpan.FromSeconds(10), $"hand-off bound {bound}");
        Assert.True(TimeSpan.FromSeconds(grace) > bound, $"terminationGracePeriodSeconds {grace} <= coordinated-shutdown bound {bound}");
        Assert.Equal("engine-headless", At(sts, "spec", "serviceName"));
        Assert.Equal("10001", At(sts, "spec", "template", "spec", "securityContext", "runAsUser"));

        var headless = docs.Single(d => (string)d["kind"] == "Service" && (string?)At(d, "metadata", "name") == "engine-headless");
        Assert.Equal("None", At(headless, "spec", "clusterIP"));
        Assert.Equal("true", At(headless, "spec", "publishNotReadyAddresses"));
        Assert.Contains(Seq(At(headless, "spec", "ports"), "ports"), p => (string)At(p, "port")! == RemotePort.ToString());

        var pdb = docs.Single(d => (string)d["kind"] == "PodDisruptionBudget");
        Assert.Equal(At(sts, "spec", "selector", "matchLabels", "app"), At(pdb, "spec", "selector", "matchLabels", "app"));

        var container = EngineContainer();
        foreach (var kind in new[] { "requests", "limits" })
            foreach (var res in new[] { "cpu", "memory" })
                Assert.NotNull(At(container, "resources", kind, res));
        Assert.Equal("true", At(sts, "spec", "template", "metadata", "annotations", "prometheus.io/scrape"));
        Assert.Equal(HttpPort.ToString(), At(sts, "spec", "template", "metadata", "annotations", "prometheus.io/port"));
        Assert.Equal("/metrics", At(sts, "spec", "template", "metadata", "annotations", "prometheus.io/path"));
        Assert.Contains("/metrics", ServedPaths());
    }

    [Fact]
    public void K8s_every_secret_reference_is_documented_and_no_secret_value_is_committed()
    {
        var readme = File.ReadAllText(Path.Combine(Deploy, "README.md"));
        var refs = Seq(At(EngineContainer(), "env"), "env").Select(e => At(e, "valueFrom", "secretKeyRef")).OfType<Dictionary<object, object>>().ToList();
        Assert.Equal(2, refs.Count);
        foreach (var r in refs)
        {
            var row = $"| `{r["name"]}` | `{r["key"]}` |";
            Assert.True(readme.Contains(row, StringComparison.Ordinal), $"deploy/README.md documents no {row}");
        }
        var all = Directory.EnumerateFiles(K8s, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
        Assert.DoesNotContain(all, t => Regex.IsMatch(t, @"^kind:\s*Secret\b", RegexOptions.Multiline));
        Assert.DoesNotContain(all, t => t.Contains("Password=", StringComparison.Ordinal) || t.Contains("ENGINE_ADMIN_TOKEN=", StringComparison.Ordinal));
    }

    [Fact]
    public void K8s_overlays_reference_the_base_and_existing_files_and_seed_from_the_headless_service()
    {
        var baseKustomization = Map(Documents(Path.Combine(K8s, "base", "kustomization.yaml")).Single(), "base");
        foreach (var file in Seq(baseKustomization["resources"], "resources").Cast<string>())
            Assert.True(File.Exists(Path.Combine(K8s, "base", file)), $"base: {file} missing");

        var known = EngineVariables();
        foreach (var overlay in Overlays)
        {
            var dir = Path.Combine(K8s, "overlays", overlay);
            var k = Map(Documents(Path.Combine(dir, "kustomization.yaml")).Single(), overlay);
            Assert.Equal(["../../base"], Seq(k["resources"], "resources").Cast<string>());
            var generator = Map(Seq(k["configMapGenerator"], "configMapGenerator").Single(), "generator");
            Assert.Equal("engine-config", generator["name"]);
            foreach (var f in Seq(generator["envs"], "envs").Cast<string>()) Assert.True(File.Exists(Path.Combine(dir, f)), $"{overlay}: {f} missing");

            var replicas = int.Parse((string)At(Seq(k["replicas"], "replicas").Single(), "count")!);
            var env = OverlayEnv(overlay);
            Assert.All(env.Keys, n => Assert.True(known.Contains(n), $"{overlay}: the engine reads no {n}"));
            var seeds = env[ConfigLoader.SeedNodesVariable].Split(',');
            Assert.Equal($"akka.tcp://engine@engine-0.engine-headless:{RemotePort}", seeds[0]);
            for (var i = 0; i < seeds.Length; i++)
                Assert.Equal($"akka.tcp://engine@engine-{i}.engine-headless:{RemotePort}", seeds[i]);
            Assert.InRange(seeds.Length, 1, replicas);
            Assert.InRange(int.Parse(env["ENGINE_CLUSTER_MIN_NODES"]), 1, replicas);
        }
    }

    /// <summary>kubectl's own kustomize renders every overlay (kubectl is on the machine image; Debian has no package for it).</summary>
    [Fact]
    public void K8s_overlays_render_with_kubectl_kustomize()
    {
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        Assert.True(kubectl is not null, "kubectl is not installed (the machine image carries it at /usr/bin/kubectl); the overlays cannot be rendered");
        foreach (var overlay in Overlays)
        {
            var (code, stdout, stderr) = Run(kubectl, "kustomize", Path.Combine(K8s, "overlays", overlay));
            Assert.True(code == 0, $"{overlay}: {stderr}");
            Assert.Contains($"namespace: engine-{overlay}", stdout);
            Assert.Matches(@"name: engine-config-[a-z0-9]{10}", stdout);
            Assert.DoesNotContain("name: engine-config\n", stdout);
        }
    }

    // ---- schema validation (npm packages installed by .ci/run into .ci/tools, exact versions) ----
    // Compose: dclint 3.1.0, which bundles the Compose Specification's JSON schema
    // (node_modules/dclint/schemas/compose.schema.json) and reports a violation as `invalid-schema`.
    // Kubernetes: kubernetes-models 4.5.1 (the OpenAPI schemas of Kubernetes 1.27.1, checked with Ajv
    // by @kubernetes-models/validate 4.0.0), driven over a rendered overlay by .ci/validate-k8s.cjs.

    private static string NpmTool(params string[] path)
    {
        var tool = Path.Combine([Root, ".ci", "tools", "node_modules", .. path]);
        Assert.True(File.Exists(tool), $"{tool} not found: .ci/run installs it with npm into .ci/tools");
        return tool;
    }

    private static string TempFile(string name, string text)
    {
        var file = Path.Combine(EngineProcess.TempDir(), name);
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void Compose_file_is_valid_against_the_compose_spec_schema_and_a_wrong_type_is_caught()
    {
        var dclint = NpmTool(".bin", "dclint");
        NpmTool("dclint", "schemas", "compose.schema.json");
        // -q: errors only (schema violations and dclint's error-level rules), not its style warnings.
        var (code, stdout, stderr) = Run(dclint, "-q", "--no-color", Path.Combine(Deploy, "docker-compose.yml"));
        Assert.True(code == 0, $"dclint: exit {code}\n{stdout}{stderr}");

        // The same file with deploy.replicas a list instead of a number: the schema must refuse it.
        var text = File.ReadAllText(Path.Combine(Deploy, "docker-compose.yml"));
        var broken = text.Replace("  stop_grace_period: 2m\n", "  stop_grace_period: 2m\n  deploy:\n    replicas: [3]\n", StringComparison.Ordinal);
        Assert.NotEqual(text, broken);
        var file = TempFile("docker-compose.yml", broken);
        (code, stdout, stderr) = Run(dclint, "-q", "--no-color", file);
        Assert.True(code != 0, $"dclint accepted replicas: [3]\n{stdout}{stderr}");
        Assert.Contains("invalid-schema", stdout + stderr);
        Assert.Contains("replicas", stdout + stderr);
    }

    [Fact]
    public void K8s_every_rendered_overlay_is_valid_against_the_kubernetes_openapi_schemas_and_a_wrong_type_is_caught()
    {
        NpmTool("kubernetes-models", "package.json");
        NpmTool("yaml", "package.json");
        var validator = Path.Combine(Root, ".ci", "validate-k8s.cjs");
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        Assert.True(kubectl is not null, "kubectl is not installed; the overlays cannot be rendered");
        string? dev = null;
        foreach (var overlay in Overlays)
        {
            var (code, rendered, stderr) = Run(kubectl, "kustomize", Path.Combine(K8s, "overlays", overlay));
            Assert.True(code == 0, $"{overlay}: {stderr}");
            (code, var stdout, stderr) = Run("node", validator, TempFile($"{overlay}.yaml", rendered));
            Assert.True(code == 0, $"{overlay}: exit {code}\n{stdout}{stderr}");
            // Every object was checked against a schema (ConfigMap, two Services, StatefulSet, PodDisruptionBudget).
            Assert.Contains("5 valid, 0 invalid", stdout);
            if (overlay == "dev") dev = rendered;
        }

        // The dev overlay with the StatefulSet's replicas a string: the schema must refuse it.
        var broken = ReplicasLine().Replace(dev!, "  replicas: \"one\"", 1);
        Assert.NotEqual(dev, broken);
        var (c, o, e) = Run("node", validator, TempFile("broken.yaml", broken));
        Assert.True(c != 0, $"the validator accepted replicas: \"one\"\n{o}{e}");
        Assert.Contains("StatefulSet/engine: data/spec/replicas must be integer", e);
    }

    [Fact]
    public void Yamllint_passes_on_deploy()
    {
        var yamllint = "/usr/bin/yamllint";
        Assert.True(File.Exists(yamllint), "yamllint not found: apt-get install yamllint (.ci/run installs it)");
        var (code, stdout, stderr) = Run(yamllint, "-f", "parsable", "-c", Path.Combine(Root, ".yamllint"), Deploy);
        Assert.True(code == 0, stdout + stderr);
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{file} did not finish in 60 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [GeneratedRegex(@"""(ENGINE_[A-Z0-9_]+)""")]
    private static partial Regex EnvLiteral();

    [GeneratedRegex(@"MapGet\(""([^""]+)""")]
    private static partial Regex MapGet();

    [GeneratedRegex(@"^  replicas: \d+$", RegexOptions.Multiline)]
    private static partial Regex ReplicasLine();

    [GeneratedRegex(@"\$\{([A-Z_][A-Z0-9_]*)(?:[:?-][^}]*)?\}")]
    private static partial Regex Interpolation();
}

using Akka.Configuration;
using Engine.Actors.Settings;

namespace Engine.Host.Tests;

/// <summary>
/// The configuration is read strictly, in-process: syntax errors with file, line and column, includes
/// relative to the including file, substitution cycles found before Akka's parser recurses on them,
/// settings under engine that the defaults do not define, and the order of the layers.
/// </summary>
public sealed class StrictConfigurationTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static EngineOptions Options(string? configFile = null, string? db = null, IReadOnlyList<string>? symbols = null) =>
        new(null, symbols, configFile, null, db, null, Quiet: true);

    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static ConfigurationException Refused(string hocon, out string file)
    {
        file = Write(EngineProcess.TempDir(), "user.conf", hocon);
        var path = file;
        return Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(path), NoEnvironment));
    }

    [Fact]
    public void The_shipped_defaults_load_and_make_valid_settings()
    {
        var config = ConfigLoader.Load(Options(), NoEnvironment);
        Assert.Equal(3, EngineSettings.FromConfig(config).Strategies.Count);
    }

    [Theory]
    [InlineData("engine {\n  bars.period = 2m\n", 3, 1, "'{' at line 1, column 8 is never closed")]
    [InlineData("engine.history-bars = 5\nengine.bars.period = }\n", 2, 22, "'engine.bars.period' has no value")]
    [InlineData("engine.history-bars == 5\n", 1, 22, "unexpected '='")]
    [InlineData("engine.history-bars 5\n", 1, 21, "unexpected '5' after 'engine.history-bars'")]
    [InlineData("engine.history-bars = 5 }\n", 1, 25, "unexpected '}'")]
    [InlineData("engine.risk.trading-hours.open = \"09:30\n", 1, 34, "quoted string is not closed")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout }\n", 2, 1, "'[' at line 1, column 21 is never closed")]
    [InlineData("engine.bars.period = ${engine.history-bars\n", 1, 43, "substitution at line 1, column 22 is not closed")]
    [InlineData("engine.synthetic.symbols += IBM\n", 1, 26, "'+=' is not supported")]
    [InlineData("engine.risk.trading-hours.open = 09:30\n", 1, 36, "unexpected ':'")]
    public void A_syntax_error_names_the_file_line_and_column(string hocon, int line, int column, string problem)
    {
        var ex = Refused(hocon, out var file);
        var message = Assert.Single(ex.Problems);
        Assert.StartsWith($"{file}:{line}:{column}: ", message);
        Assert.Contains(problem, message);
    }

    [Fact]
    public void The_shipped_defaults_and_valid_hocon_forms_pass_the_strict_reader()
    {
        var doc = StrictHocon.Parse("t", """"
            # comment
            // comment
            a { b = 1, c: "x", d = [1, 2,
              3,] }
            e.f { g = ${a.b} }
            h = ${a.c} "text" more text
            i = """multi
            line"""
            j = 1.5e3
            "quoted.key" = -2
            k = America/New_York // trailing comment
            """");
        var paths = doc.Items.OfType<HoconDefinition>().Select(d => d.Path).ToList();
        Assert.Equal(["a", "a.b", "a.c", "a.d", "e.f", "e.f.g", "h", "i", "j", "\"quoted.key\"", "k"], paths);
        Assert.Equal("a.b", Assert.Single(doc.Items.OfType<HoconDefinition>().Single(d => d.Path == "e.f.g").References).Path);
        foreach (var name in ConfigLoader.DefaultFiles)
            StrictHocon.Parse(name, File.ReadAllText(Path.Combine(ConfigLoader.HoconDirectory(NoEnvironment), name)));
    }

    [Fact]
    public void What_only_akka_cannot_read_is_named_by_file_line_and_column_too()
    {
        // Valid HOCON that Akka's parser refuses: a ',' after an object value.
        var dir = EngineProcess.TempDir();
        Write(dir, "inc.conf", "engine.risk.accounts { main {}, hedge {} }");
        var file = Write(dir, "user.conf", "engine.history-bars = 9\ninclude \"inc.conf\"");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(file), NoEnvironment));
        Assert.StartsWith($"{Path.Combine(dir, "inc.conf")}:1:31: Akka's HOCON parser cannot read this", Assert.Single(ex.Problems));
    }

    [Fact]
    public void Unknown_settings_are_all_refused_with_where_they_are_and_the_nearest_known_setting()
    {
        var ex = Refused("""
            engine.risk.acount.max-daily-loss = 5
            engine {
              feed { batch-sise = 3 }
              bars.period = 2m
              completely-unrelated = 1
            }
            engin.history-bars = 4
            """, out var file);
        Assert.Equal(
        [
            $"{file}:1:1: engine.risk.acount.max-daily-loss is not a known setting; did you mean engine.risk.account.max-daily-loss?",
            $"{file}:3:10: engine.feed.batch-sise is not a known setting; did you mean engine.feed.batch-size?",
            $"{file}:5:3: engine.completely-unrelated is not a known setting",
            $"{file}:7:1: engin.history-bars is not a known setting; did you mean engine.history-bars?",
        ], ex.Problems);
    }

    [Fact]
    public void A_known_key_in_the_wrong_block_is_suggested_where_it_belongs()
    {
        var ex = Refused("engine.risk.limits.max-daily-loss = 5", out _);
        Assert.EndsWith("did you mean engine.risk.account.max-daily-loss?", Assert.Single(ex.Problems));
    }

    [Fact]
    public void Blocks_named_by_the_user_and_akka_settings_are_not_unknown()
    {
        var file = Write(EngineProcess.TempDir(), "user.conf", """
            engine.risk.strategies { mean-rev { max-position-quantity = 50 } }
            engine.risk.symbols { NVDA { max-order-quantity = 200 } }
            engine.risk.accounts { main {}
              hedge { max-daily-loss = 100, limits { max-open-orders = 2 } } }
            engine.hot-path-dispatcher.throughput-deadline-time = 0ms
            akka.anything-akka-reads = 1
            """);
        var config = ConfigLoader.Load(Options(file), NoEnvironment);
        Assert.Equal(2, EngineSettings.FromConfig(config).Risk.Accounts.Count);
    }

    [Theory]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, quantiy = 5 }]", "engine.strategies[0].quantiy", "did you mean quantity?")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, params { entry-lokback = 5 } }]", "engine.strategies[0].params", "unknown parameter 'entry-lokback'")]
    [InlineData("engine.risk.accounts.main.max-daily-los = 5", "engine.risk.accounts.main.max-daily-los", "did you mean max-daily-loss?")]
    [InlineData("engine.risk.symbols.NVDA.max-order-quantty = 5", "engine.risk.symbols.NVDA.max-order-quantty", "did you mean max-order-quantity?")]
    public void Keys_inside_strategies_and_named_blocks_are_checked_by_their_reader(string hocon, string path, string problem)
    {
        var file = Write(EngineProcess.TempDir(), "user.conf", hocon);
        var config = ConfigLoader.Load(Options(file), NoEnvironment);
        var ex = Assert.Throws<EngineConfigException>(() => EngineSettings.FromConfig(config));
        Assert.Equal(path, ex.Path);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void An_include_is_relative_to_the_including_file_and_a_missing_one_names_both_files()
    {
        var dir = EngineProcess.TempDir();
        Write(dir, "sub/limits.conf", "{ max-order-quantity = 7\n include \"more.conf\" }");
        Write(dir, "sub/more.conf", "max-open-orders = 3");
        var file = Write(dir, "user.conf", "engine.risk.limits {\n  include file(\"sub/limits.conf\")\n}\nengine.history-bars = 9");
        var config = ConfigLoader.Load(Options(file), NoEnvironment);
        Assert.Equal(7, config.GetInt("engine.risk.limits.max-order-quantity"));
        Assert.Equal(3, config.GetInt("engine.risk.limits.max-open-orders"));
        Assert.Equal(9, config.GetInt("engine.history-bars"));

        var missing = Write(dir, "missing.conf", "engine.history-bars = 9\ninclude required(\"nope.conf\")");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(missing), NoEnvironment));
        Assert.Equal($"{missing}:2:1: include \"nope.conf\": file '{Path.Combine(dir, "nope.conf")}' does not exist", Assert.Single(ex.Problems));

        var typo = Write(dir, "sub/typo.conf", "engine.risk.limits.max-open-ordrs = 3");
        var included = Write(dir, "typo-includer.conf", "include \"sub/typo.conf\"");
        ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(included), NoEnvironment));
        Assert.StartsWith($"{typo}:1:1: engine.risk.limits.max-open-ordrs is not a known setting", Assert.Single(ex.Problems));

        var loop = Write(dir, "loop.conf", "include \"loop.conf\"");
        ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(loop), NoEnvironment));
        Assert.Contains("is cyclic", Assert.Single(ex.Problems));
    }

    [Theory]
    [InlineData("engine.a = ${engine.b}\nengine.b = ${engine.a}", "{file}:1:1: cyclic substitution: engine.a -> engine.b -> engine.a")]
    [InlineData("x = ${x}", "{file}:1:1: cyclic substitution: x -> x (a setting cannot refer to itself")]
    [InlineData("engine.synthetic.symbols = ${engine.synthetic.symbols} [IBM]", "cyclic substitution: engine.synthetic.symbols -> engine.synthetic.symbols")]
    [InlineData("a { b = ${c} }\nc = ${a}", "{file}:1:5: cyclic substitution: a.b -> c -> a.b")]
    [InlineData("x = ${a.b}\na = ${y}\ny = ${x}", "cyclic substitution: x -> a -> y -> x")]
    [InlineData("engine.history-bars = ${engine.nope}", "{file}:1:23: substitution ${engine.nope} in engine.history-bars refers to a setting that is not defined")]
    public void Cyclic_and_undefined_substitutions_are_refused_before_akka_parses_them(string hocon, string problem)
    {
        var ex = Refused(hocon, out var file);
        Assert.Contains(problem.Replace("{file}", file), Assert.Single(ex.Problems));
    }

    /// <summary>Nesting is parsed recursively (here and by Akka): deeper than 64 is refused, so no file can overflow the stack.</summary>
    [Fact]
    public void Deep_nesting_is_refused_before_it_can_overflow_the_stack()
    {
        var ex = Refused($"engine.x = {new string('[', 100_000)}\n", out var file);
        Assert.StartsWith($"{file}:1:", Assert.Single(ex.Problems));
        Assert.Contains("nested more than 64 deep", ex.Problems[0]);
        Assert.Throws<ConfigurationException>(() => StrictHocon.Parse("t", string.Concat(Enumerable.Repeat("a { ", 100_000))));
    }

    /// <summary>Other shapes a hostile file could use to exhaust the stack or the checks: long dotted names, huge files, long chains.</summary>
    [Fact]
    public void Long_names_huge_files_and_long_substitution_chains_are_refused_or_checked_without_overflow()
    {
        var dotted = Refused($"engine.{string.Join('.', Enumerable.Repeat("a", 100_000))} = 1\n", out _);
        Assert.Contains("more than 64 dotted parts", Assert.Single(dotted.Problems));
        var huge = Refused(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"engine.k{i} = {i}\n")), out _);
        Assert.Contains($"more than {HoconSubstitutions.MaxSettings} settings", Assert.Single(huge.Problems));
        // A chain of 4,000 substitutions ending in a cycle: found, named, no overflow.
        var chain = string.Concat(Enumerable.Range(0, 4_000).Select(i => $"x{i} = ${{x{i + 1}}}\n")) + "x4000 = ${x0}\n";
        Assert.Contains("cyclic substitution: x0 -> x1 -> x2", Assert.Single(Refused(chain, out _).Problems));
    }

    /// <summary>Akka 1.5.74's parser never returns from ${?x}, defined or not (found by the fuzz suite).</summary>
    [Fact]
    public void An_optional_substitution_is_refused_with_its_place()
    {
        var ex = Refused("engine.strategies = [\n  ${?y}{ id = a }\n]\n", out var file);
        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith($"{file}:2:3: optional substitutions", problem);
    }

    [Fact]
    public void Substitutions_that_are_not_cycles_pass()
    {
        var file = Write(EngineProcess.TempDir(), "user.conf", """
            engine.a = ${engine.b}
            engine.a = 5
            engine.b = ${engine.a}
            engine.history-bars = ${engine.synthetic.seed}
            """);
        // engine.a ends as 5: the earlier ${engine.b} is gone, so engine.b -> engine.a is no cycle
        // (the unknown engine.a and engine.b are what is refused).
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Options(file), NoEnvironment));
        Assert.All(ex.Problems, p => Assert.Contains("is not a known setting", p));
        Assert.Equal(2, ex.Problems.Count);
    }

    /// <summary>Each layer wins over the ones before it: engine.conf, persistence-sqlite.conf, --config, environment, command line.</summary>
    [Theory]
    [InlineData(false, false, false, false)]
    [InlineData(true, false, false, false)]
    [InlineData(true, true, false, false)]
    [InlineData(true, true, true, false)]
    [InlineData(true, true, true, true)]
    [InlineData(false, false, true, true)]
    public void Each_later_layer_wins(bool persistence, bool config, bool env, bool commandLine)
    {
        // The shipped defaults, with persistence-sqlite.conf also setting what engine.conf sets.
        var hocon = EngineProcess.TempDir();
        var shipped = ConfigLoader.HoconDirectory(NoEnvironment);
        File.Copy(Path.Combine(shipped, "engine.conf"), Path.Combine(hocon, "engine.conf"));
        File.WriteAllText(Path.Combine(hocon, "persistence-sqlite.conf"), File.ReadAllText(Path.Combine(shipped, "persistence-sqlite.conf"))
            + (persistence ? "\nengine.synthetic.seed = 2\nengine.synthetic.symbols = [P]" : ""));
        var file = config ? Write(EngineProcess.TempDir(), "user.conf", "engine.synthetic.seed = 3\nengine.synthetic.symbols = [C]") : null;
        var environment = new Dictionary<string, string> { ["ENGINE_HOCON_DIR"] = hocon };
        if (env) environment["ENGINE_SYNTHETIC_SEED"] = "4";
        // The environment can set the seed but not the symbols, the command line the symbols (--synthetic) but not the seed.
        var loaded = ConfigLoader.Load(Options(file, commandLine ? "cli.db" : null, commandLine ? ["CLI"] : null), v => environment.GetValueOrDefault(v));

        Assert.Equal(env ? 4 : config ? 3 : persistence ? 2 : 42, loaded.GetInt("engine.synthetic.seed"));
        Assert.Equal(commandLine ? "CLI" : config ? "C" : persistence ? "P" : "AAPL", loaded.GetStringList("engine.synthetic.symbols")[0]);
        // What an earlier layer substitutes follows the later value too.
        Assert.Equal(commandLine, loaded.GetString("akka.persistence.journal.sql.connection-string").Contains("cli.db"));
    }

    [Theory]
    [InlineData("engine.risk.acount.max-daily-loss", "engine.risk.account.max-daily-loss")]
    [InlineData("engine.bars.perod", "engine.bars.period")]
    [InlineData("engine.totally.different", null)]
    [InlineData("engine.risk.limits.max-daily-loss", "engine.risk.account.max-daily-loss")]
    public void The_nearest_known_setting_is_suggested_only_when_close(string unknown, string? expected)
    {
        string[] known = ["engine.risk.account.max-daily-loss", "engine.risk.account.max-drawdown", "engine.bars.period", "engine.history-bars"];
        Assert.Equal(expected, SettingNames.Nearest(unknown, known));
    }
}

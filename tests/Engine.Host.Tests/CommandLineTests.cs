namespace Engine.Host.Tests;

/// <summary>Bad options, settings and paths fail at start with exit code 2 and a message naming them.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("--speed", "fast", "--speed")]
    [InlineData("--speed", "-3", "--speed")]
    [InlineData("--data", "/no/such/folder", "/no/such/folder")]
    [InlineData("--config", "/no/such/file.conf", "/no/such/file.conf")]
    [InlineData("--synthetic", "AA PL", "--synthetic")]
    [InlineData("--bogus", "1", "--bogus")]
    [InlineData("--resolution", "weekly", "--resolution")]
    [InlineData("--price-adjustment", "total", "--price-adjustment")]
    [InlineData("--from", "2013-13-01", "--from")]
    [InlineData("--to", "10/11/2013", "--to")]
    public async Task A_bad_option_exits_2_naming_it(string option, string value, string named)
    {
        var (code, _, stderr) = await EngineProcess.RunAsync(EngineProcess.TempDir(), Limit, option, value);
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
    }

    [Theory]
    [InlineData("engine.risk.limits.max-order-quantity = -5", "engine.risk.limits.max-order-quantity")]
    [InlineData("engine.bars.period = soon", "engine.bars.period")]
    [InlineData("engine.strategies = [{ id = x, kind = martingale }]", "engine.strategies[0]")]
    [InlineData("engine.strategies = [{ id = x, kind = ma-crossover, params { fast = 50, slow = 10 } }]", "engine.strategies[0].params")]
    [InlineData("engine.synthetic.trading-days = 0", "engine.synthetic.trading-days")]
    [InlineData("engine.ask-timeout = 1ms", "engine.ask-timeout")]
    [InlineData("engine.synthetic.start-date = \"1900-01-02\"", "engine.synthetic.start-date")]
    [InlineData("engine.synthetic.start-date = \"9999-01-01\"", "engine.synthetic.start-date")]
    [InlineData("engine.market-data.resolution = weekly", "engine.market-data.resolution")]
    [InlineData("engine.market-data { from = \"2013-10-09\", to = \"2013-10-08\" }", "engine.market-data.from")]
    public async Task A_bad_setting_exits_2_naming_its_path(string hocon, string path)
    {
        var dir = EngineProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "bad.conf"), hocon);
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "--config", "bad.conf", "--db", "x.db");
        Assert.Equal(2, code);
        Assert.Contains(path, stderr);
        Assert.False(File.Exists(Path.Combine(dir, "x.db")), "nothing may be written when the configuration is refused");
    }

    /// <summary>
    /// Each problem is one `error:` line naming where it is. A cycle would overflow the stack in Akka's
    /// parser, which no handler catches: only a process shows it is found first.
    /// </summary>
    [Theory]
    [InlineData("engine.risk.acount.max-daily-loss = 5\nengine.feed.batch-sise = 3",
        "bad.conf:1:1: engine.risk.acount.max-daily-loss is not a known setting; did you mean engine.risk.account.max-daily-loss?|bad.conf:2:1: engine.feed.batch-sise is not a known setting; did you mean engine.feed.batch-size?")]
    [InlineData("engine {\n  bars.period = 2m\n", "bad.conf:3:1: '{' at line 1, column 8 is never closed; expected '}'")]
    [InlineData("engine.history-bars = }", "bad.conf:1:23: 'engine.history-bars' has no value; expected one before '}'")]
    [InlineData("include \"nope.conf\"", "bad.conf:1:1: include \"nope.conf\": file '{dir}/nope.conf' does not exist")]
    [InlineData("engine.a = ${engine.b}\nengine.b = ${engine.a}", "bad.conf:1:1: cyclic substitution: engine.a -> engine.b -> engine.a")]
    [InlineData("x = ${x}", "bad.conf:1:1: cyclic substitution: x -> x (a setting cannot refer to itself, not even to an earlier value: Akka's parser would never finish)")]
    public async Task A_bad_configuration_exits_2_with_a_line_naming_where_each_problem_is(string hocon, string expected)
    {
        var dir = EngineProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "bad.conf"), hocon);
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "--config", "bad.conf", "--db", "x.db");
        Assert.Equal(2, code);
        Assert.Equal(expected.Replace("{dir}", dir).Split('|').Select(line => $"error: {line}"), stderr.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "x.db")), "nothing may be written when the configuration is refused");
    }

    [Fact]
    public async Task From_after_to_exits_2_naming_both()
    {
        var (code, _, stderr) = await EngineProcess.RunAsync(EngineProcess.TempDir(), Limit, "--from", "2013-10-09", "--to", "2013-10-08");
        Assert.Equal(2, code);
        Assert.Contains("--from 2013-10-09 is after --to 2013-10-08", stderr);
    }

    [Fact]
    public async Task Help_lists_the_options_and_exits_0()
    {
        var (code, stdout, _) = await EngineProcess.RunAsync(EngineProcess.TempDir(), Limit, "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "--data", "--synthetic", "--config", "--speed", "--db", "--summary-json", "--resolution", "--price-adjustment", "--extended-hours", "--from", "--to" })
            Assert.Contains(o, stdout);
    }
}

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
    public async Task A_bad_setting_exits_2_naming_its_path(string hocon, string path)
    {
        var dir = EngineProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "bad.conf"), hocon);
        var (code, _, stderr) = await EngineProcess.RunAsync(dir, Limit, "--config", "bad.conf", "--db", "x.db");
        Assert.Equal(2, code);
        Assert.Contains(path, stderr);
        Assert.False(File.Exists(Path.Combine(dir, "x.db")), "nothing may be written when the configuration is refused");
    }

    [Fact]
    public async Task Help_lists_the_options_and_exits_0()
    {
        var (code, stdout, _) = await EngineProcess.RunAsync(EngineProcess.TempDir(), Limit, "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "--data", "--synthetic", "--config", "--speed", "--db", "--summary-json" })
            Assert.Contains(o, stdout);
    }
}

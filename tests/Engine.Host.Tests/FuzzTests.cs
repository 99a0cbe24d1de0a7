using System.Globalization;
using System.Text;
using Engine.Actors.Settings;
using Engine.Domain.MarketData;
using Engine.MarketData;
using Engine.TestSupport;

namespace Engine.Host.Tests;

/// <summary>
/// Issue 8's fuzz suite for the host, bounded by fixed seeded case counts: mutated HOCON is loaded
/// or refused with a configuration error (never another exception, never a stack overflow, which
/// would end this test process); mutated CSV feeds run in the real executable end with exit 0 and
/// their rejections counted, or exit 2 with one line, and trade exactly as a feed holding only the
/// accepted lines does, so no rejected value ever reaches a trade.
/// </summary>
public sealed class FuzzTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private const string UserConfig = """
        # a desk's settings
        engine {
          ask-timeout = 20s
          bars.period = 1m
          feed { batch-size = 512, time-slice = 1m }
          risk {
            limits { max-order-quantity = 500, duplicate-window = 5s }
            strategies { ma-cross { max-position-quantity = 300 } }
            symbols { AAPL { price-collar-pct = 3 } }
            account { max-daily-loss = 20000, max-drawdown = ${engine.risk.account.max-daily-loss} }
            restricted-symbols = [GME, "AMC"]
          }
          strategies = [
            { id = ma-cross, kind = ma-crossover, quantity = 100, params { fast = 10, slow = 30, ma-type = ema } }
            { id = mean-rev, kind = mean-reversion, quantity = 50, order-type = limit, limit-offset-bps = 2,
              params { lookback = 30, entry-z = 2.0, exit-z = 0.5 } }
          ]
        }
        akka.loglevel = WARNING
        """;

    [Fact]
    public async Task Mutated_hocon_is_loaded_or_refused_with_a_configuration_error()
    {
        var dir = EngineProcess.TempDir();
        int loaded = 0, refused = 0, cases = Mutator.Cases(400);
        // The base itself loads: the mutations start from a valid file.
        Load(Write(dir, "base.conf", UserConfig));
        for (var seed = 0; seed < cases; seed++)
        {
            var (text, what) = Mutator.Text(UserConfig, new Random(seed), Mutator.HoconTokens);
            var file = Write(dir, $"fuzz{seed}.conf", text);
            try
            {
                // A parser that never returns (Akka's on ${?x} did) fails this case with its seed, not the suite.
                await Task.Run(() => Load(file)).WaitAsync(TimeSpan.FromSeconds(30));
                loaded++;
            }
            catch (TimeoutException)
            {
                Assert.Fail($"seed {seed} ({what}): loading did not finish in 30 s\n--- file:\n{text}");
            }
            catch (Exception ex) when (ex is ConfigurationException or EngineConfigException or UsageException)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message), $"seed {seed} ({what}): refused without a message");
                Assert.DoesNotContain("Object reference", ex.Message);
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed} ({what}): unhandled {ex}\n--- file:\n{text}");
            }
        }
        Assert.True(refused > cases / 2, $"only {refused} of {cases} mutated files were refused");
        Assert.True(loaded > cases / 40, $"only {loaded} of {cases} mutated files still loaded");
    }

    private static void Load(string file)
    {
        var config = ConfigLoader.Load(new EngineOptions(null, null, file, null, null, null, Quiet: true), _ => null);
        EngineSettings.FromConfig(config);
        SyntheticConfig.Read(config);
    }

    /// <summary>
    /// Regression for issue 8's extreme values: times at the ends of the calendar, prices and sizes
    /// near decimal's range, a 10 MB line. Each is refused and counted, the run completes, and it
    /// trades exactly as the good lines alone do.
    /// </summary>
    [Fact]
    public async Task Extreme_values_in_a_feed_are_refused_and_counted_and_change_no_trade()
    {
        var dir = EngineProcess.TempDir();
        var good = GoodLines();
        var bad = new[]
        {
            "9999-12-31T23:59:59.9999999Z,AAA,100,1",
            "0001-01-01T00:00:00Z,AAA,100,1",
            "2200-01-01T00:00:00Z,BBB,100,1",
            "2024-03-04T15:00:00.500Z,AAA,79228162514264337593543950335,1",
            "2024-03-04T15:00:00.500Z,AAA,0.000000000000000000001,1",
            "2024-03-04T15:00:00.500Z,BBB,100,100000000000000000000",
            "2024-03-04T15:00:00.500Z,BBB,1000000000,999999999999",
            "2024-03-04T15:00:00.500Z,BBB,1e400,1",
            "2024-03-04T15:00:00.500Z,AAA," + new string('9', 10 * 1024 * 1024) + ",1",
        };
        var lines = new List<string>(good);
        for (var i = 0; i < bad.Length; i++) lines.Insert(40 + i * 30, bad[i]);
        File.WriteAllText(Path.Combine(dir, "extreme.csv"), Csv(lines));
        File.WriteAllText(Path.Combine(dir, "good.csv"), Csv(good));

        var extreme = await Run(dir, "extreme");
        var reference = await Run(dir, "good");
        Assert.Equal(good.Count, extreme.Feed.Accepted);
        Assert.Equal(bad.Length, extreme.Feed.Rejected);
        Assert.Equal(7, extreme.Feed.RejectedByReason.GetValueOrDefault("out_of_range"));
        Assert.Equal(1, extreme.Feed.RejectedByReason.GetValueOrDefault("malformed")); // 1e400 is no decimal
        Assert.Equal(1, extreme.Feed.RejectedByReason.GetValueOrDefault("line_too_long"));
        Assert.NotEmpty(reference.FillLog);
        Assert.Equal(reference.FillLog, extreme.FillLog);
    }

    /// <summary>Mutated feeds through the real executable; each must trade as its accepted lines alone do.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task A_mutated_feed_completes_with_its_rejections_counted_and_trades_only_on_accepted_lines(int seed)
    {
        var dir = EngineProcess.TempDir();
        var text = Csv(GoodLines());
        var what = new List<string>();
        var rnd = new Random(seed);
        // Several rounds, so most lines of the feed survive but many are broken.
        for (var round = 0; round < 12; round++)
        {
            var (mutated, w) = Mutator.Text(text, rnd);
            text = mutated;
            what.Add(w);
        }
        var path = Path.Combine(dir, "fuzz.csv");
        File.WriteAllText(path, text);

        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--data", "fuzz.csv", "--db", "fuzz.db", "--summary-json", "fuzz.json", "--quiet");
        if (code == 2)
        {
            // The file as a whole is not a feed (its header was broken): one clear line.
            Assert.True(stderr.Trim().StartsWith("error: ", StringComparison.Ordinal) && !stderr.Trim().Contains('\n'),
                $"seed {seed}: exit 2 without one clear line:\n{stderr}");
            return;
        }
        Assert.True(code == 0, $"seed {seed} ({string.Join(" | ", what)}): exit {code}\n{stdout}\n{stderr}");
        Assert.DoesNotContain("Exception", stdout + stderr);
        var fuzzed = RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, "fuzz.json")));

        // What the readers accepted, written back as a clean feed: the same trades must follow.
        var accepted = AcceptedTrades(path, out var rejected);
        Assert.Equal(rejected, fuzzed.Feed.Rejected);
        Assert.True(rejected > 0, $"seed {seed}: the mutations broke nothing");
        File.WriteAllText(Path.Combine(dir, "accepted.csv"), Csv(accepted));
        var reference = await Run(dir, "accepted");
        Assert.Equal(accepted.Count, fuzzed.Feed.Accepted);
        Assert.Equal(reference.FillLog, fuzzed.FillLog);
    }

    private static async Task<RunSummary> Run(string dir, string name)
    {
        var (code, stdout, stderr) = await EngineProcess.RunAsync(dir, Limit,
            "--data", $"{name}.csv", "--db", $"{name}.db", "--summary-json", $"{name}.json", "--quiet");
        Assert.True(code == 0, $"{name}: exit {code}\n{stdout}\n{stderr}");
        return RunSummary.FromJson(File.ReadAllText(Path.Combine(dir, $"{name}.json")));
    }

    private static List<string> AcceptedTrades(string path, out long rejected)
    {
        var stats = new FeedStatistics();
        var lines = MarketDataFeed.Merge(FeedDetector.FromPath(path), new MarketDataValidator(), stats, _ => { })
            .Select(e => e.Event is TradeTick t
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Time:yyyy-MM-ddTHH:mm:ss.fffffffZ},{t.Symbol},{t.Price},{t.Quantity}")
                : throw new InvalidOperationException($"a trade feed yielded {e.Event}"))
            .ToList();
        rejected = stats.Rejected;
        return lines;
    }

    /// <summary>One regular session of two symbols' trades, a random walk, 30 seconds apart: enough bars to trade on.</summary>
    private static List<string> GoodLines()
    {
        var rnd = new Random(42);
        var t0 = new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
        var prices = new Dictionary<string, decimal> { ["AAA"] = 100m, ["BBB"] = 50m };
        var lines = new List<string>();
        for (var i = 0; i < 700; i++)
        {
            foreach (var symbol in prices.Keys.ToArray())
            {
                prices[symbol] = Math.Max(1m, prices[symbol] + (rnd.Next(-20, 21) / 100m));
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{t0.AddSeconds(i * 30):yyyy-MM-ddTHH:mm:ss.fffZ},{symbol},{prices[symbol]},{rnd.Next(1, 500)}"));
            }
        }
        return lines;
    }

    private static string Csv(IEnumerable<string> lines) =>
        new StringBuilder("timestamp,symbol,price,quantity\n").AppendJoin('\n', lines).Append('\n').ToString();

    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}

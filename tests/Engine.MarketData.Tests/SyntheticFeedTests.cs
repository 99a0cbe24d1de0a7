using System.Security.Cryptography;
using System.Text;
using Engine.Domain.MarketData;

namespace Engine.MarketData.Tests;

public sealed class SyntheticFeedTests
{
    private static readonly TimeZoneInfo NewYork = EasternTime.Zone;

    private static SyntheticFeedSettings Settings(int days = 1, int seed = 42, string[]? symbols = null, DateOnly? start = null, double seconds = 60) =>
        new(symbols ?? new[] { "AAA", "BBB" }, seed, start ?? new DateOnly(2024, 3, 4), days, TimeSpan.FromSeconds(seconds), 0.40, 2m, 100m);

    private static List<MarketEvent> Events(SyntheticFeedSettings s) =>
        new FeedRun(SyntheticFeedSource.Create(s)).Events.Select(e => e.Event).ToList();

    private static string Fingerprint(IEnumerable<MarketEvent> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append(e switch
            {
                QuoteTick q => FormattableString.Invariant($"Q {q.Symbol} {q.Time.Ticks} {q.Bid} {q.BidSize} {q.Ask} {q.AskSize}\n"),
                TradeTick t => FormattableString.Invariant($"T {t.Symbol} {t.Time.Ticks} {t.Price} {t.Quantity}\n"),
                _ => throw new InvalidOperationException(),
            });
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    [Fact]
    public void Same_settings_give_identical_events_in_every_run_and_process()
    {
        var a = Events(Settings());
        var b = Events(Settings());

        Assert.Equal(a, b);
        // Pinned: a change here means yesterday's runs no longer replay byte for byte.
        Assert.Equal("061675992D0B1801", Fingerprint(a));
    }

    [Fact]
    public void The_symbol_seed_is_a_stable_hash_not_string_GetHashCode()
    {
        Assert.Equal(PinnedSeed, SyntheticFeedSource.SymbolSeed(42, "AAPL"));
        Assert.NotEqual(SyntheticFeedSource.SymbolSeed(42, "AAPL"), SyntheticFeedSource.SymbolSeed(42, "MSFT"));
        Assert.NotEqual(Events(Settings(symbols: new[] { "AAA" })), Events(Settings(symbols: new[] { "AAA" }, seed: 43)));
    }

    // 42 XOR FNV-1a over the UTF-16LE bytes of "AAPL" (checked independently).
    private const int PinnedSeed = 140046555;

    [Fact]
    public void Prices_are_positive_cents_with_bid_below_ask_and_round_lot_sizes()
    {
        var events = Events(Settings(days: 2, seconds: 5));

        Assert.Equal(2 * 2 * 2 * (390 * 12), events.Count);
        foreach (var e in events)
        {
            switch (e)
            {
                case QuoteTick q:
                    Assert.True(q.Bid > 0 && q.Bid < q.Ask, $"{q}");
                    AssertCents(q.Bid);
                    AssertCents(q.Ask);
                    AssertLot(q.BidSize);
                    AssertLot(q.AskSize);
                    break;
                case TradeTick t:
                    Assert.True(t.Price > 0);
                    AssertCents(t.Price);
                    AssertLot(t.Quantity);
                    break;
            }
        }
    }

    [Fact]
    public void Trades_print_at_the_bid_the_ask_or_the_mid_of_the_quote_just_before()
    {
        var events = Events(Settings(symbols: new[] { "AAA" }));

        for (var i = 0; i < events.Count; i += 2)
        {
            var q = Assert.IsType<QuoteTick>(events[i]);
            var t = Assert.IsType<TradeTick>(events[i + 1]);
            Assert.Equal(q.Time, t.Time);
            Assert.Contains(t.Price, new[] { q.Bid, q.Ask, q.Mid });
        }
    }

    [Fact]
    public void Events_fall_inside_new_york_sessions_on_weekdays_across_a_dst_change()
    {
        // Friday 2024-03-08 is EST, Monday 2024-03-11 is EDT; start on a Saturday to skip the weekend.
        var events = Events(Settings(days: 3, start: new DateOnly(2024, 3, 2), seconds: 300));

        var days = events.GroupBy(e => e.Time.Date).ToList();
        foreach (var e in events)
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(e.Time, NewYork);
            Assert.InRange(local.TimeOfDay, new TimeSpan(9, 35, 0), new TimeSpan(16, 0, 0));
            Assert.DoesNotContain(local.DayOfWeek, new[] { DayOfWeek.Saturday, DayOfWeek.Sunday });
        }
        Assert.Equal(new[] { new DateTime(2024, 3, 4), new DateTime(2024, 3, 5), new DateTime(2024, 3, 6) }, days.Select(d => d.Key));
        var fri = Events(Settings(start: new DateOnly(2024, 3, 8), seconds: 300));
        var mon = Events(Settings(start: new DateOnly(2024, 3, 11), seconds: 300));
        Assert.Equal(new DateTime(2024, 3, 8, 14, 35, 0, DateTimeKind.Utc), fri[0].Time);
        Assert.Equal(new DateTime(2024, 3, 8, 21, 0, 0, DateTimeKind.Utc), fri[^1].Time);
        Assert.Equal(new DateTime(2024, 3, 11, 13, 35, 0, DateTimeKind.Utc), mon[0].Time);
        Assert.Equal(new DateTime(2024, 3, 11, 20, 0, 0, DateTimeKind.Utc), mon[^1].Time);
    }

    [Fact]
    public void Realized_volatility_is_of_the_configured_order_and_the_path_moves()
    {
        var settings = Settings(days: 20, symbols: new[] { "AAA" });
        var mids = Events(settings).OfType<QuoteTick>().Select(q => (double)q.Mid).ToList();

        var returns = mids.Zip(mids.Skip(1), (a, b) => Math.Log(b / a)).ToList();
        var mean = returns.Average();
        var perMinute = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Count - 1));
        var annual = perMinute * Math.Sqrt(252 * 390);
        // Noise is 40%; the regimes add trend and take some back with the range pull.
        Assert.InRange(annual, 0.30, 0.60);
        Assert.True(mids.Max() / mids.Min() > 1.03, "the path should wander over a month");
    }

    [Theory]
    [InlineData("Symbols")]
    [InlineData("TradingDays")]
    [InlineData("EventInterval")]
    [InlineData("AnnualVolatility")]
    [InlineData("SpreadBps")]
    [InlineData("StartPrice")]
    public void Validate_names_the_bad_field(string field)
    {
        var good = Settings();
        var bad = field switch
        {
            "Symbols" => good with { Symbols = new[] { "AAA", "AAA" } },
            "TradingDays" => good with { TradingDays = 0 },
            "EventInterval" => good with { EventInterval = TimeSpan.Zero },
            "AnnualVolatility" => good with { AnnualVolatility = double.NaN },
            "SpreadBps" => good with { SpreadBps = -1m },
            _ => good with { StartPrice = 0m },
        };

        good.Validate();
        var ex = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal(field, ex.ParamName);
        Assert.Throws<ArgumentException>(() => SyntheticFeedSource.Create(bad));
    }

    private static void AssertCents(decimal price) => Assert.Equal(price, Math.Round(price, 2));

    private static void AssertLot(decimal size)
    {
        Assert.InRange(size, 100m, 1000m);
        Assert.Equal(0m, size % 100m);
    }
}

using Engine.Domain.Backtest;
using Engine.Domain.MarketData;
using Engine.Domain.Trading;
using Xunit;

namespace Engine.Domain.Tests.Backtest;

public sealed class PortfolioReplayTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    // 15:59 New York in January (UTC-5) is 20:59 UTC.
    private static DateTime At(int day, int hourUtc = 20, int minute = 59) => new(2024, 1, day, hourUtc, minute, 0, DateTimeKind.Utc);

    private static DailyMarks Marks(params (int Day, string Symbol, decimal Close)[] closes)
    {
        var marks = new DailyMarks(NewYork);
        foreach (var (day, symbol, close) in closes)
            marks.Observe(new TradeTick(symbol, At(day), close, 1m));
        return marks;
    }

    private static Fill Fill(string strategy, string symbol, Side side, decimal qty, decimal price, decimal fee, int day) =>
        new($"{symbol}-{day}-{side}", strategy, symbol, side, qty, price, fee, At(day, 15), day);

    [Fact]
    public void Cash_moves_by_notional_and_fee_and_holdings_are_marked_at_each_close()
    {
        var marks = Marks((2, "A", 10m), (3, "A", 12m), (4, "A", 11m));
        var fills = new[] { Fill("s", "A", Side.Buy, 100m, 10m, 1m, 2), Fill("s", "A", Side.Sell, 100m, 11m, 1m, 4) };

        var r = PortfolioReplay.Run(10_000m, fills, marks);

        // Day 2: cash 10,000 - 1,000 - 1 = 8,999; 100 × 10 = 1,000 held; equity 9,999.
        Assert.Equal(new PortfolioDay(new DateOnly(2024, 1, 2), 8_999m, 1_000m, 9_999m, 1_000m), r.Days[0]);
        // Day 3: marked at 12: 8,999 + 1,200.
        Assert.Equal(10_199m, r.Days[1].Equity);
        // Day 4: sold at 11: cash 8,999 + 1,100 - 1 = 10,098, flat.
        Assert.Equal(new PortfolioDay(new DateOnly(2024, 1, 4), 10_098m, 0m, 10_098m, 0m), r.Days[2]);
        var trade = Assert.Single(r.Trades);
        // 100 × (11 - 10) less 2 of fees.
        Assert.Equal(98m, trade.ProfitLoss);
        Assert.Equal(2m, trade.Fees);
        Assert.Equal((10m, 11m, 100m), (trade.EntryPrice, trade.ExitPrice, trade.Quantity));
        Assert.Equal(2_100m, r.TradedNotional);
    }

    [Fact]
    public void A_reversal_closes_one_trade_and_opens_the_next_with_the_fee_split_by_quantity()
    {
        var marks = Marks((2, "A", 10m), (3, "A", 8m), (4, "A", 9m));
        var fills = new[]
        {
            Fill("s", "A", Side.Buy, 100m, 10m, 2m, 2),
            Fill("s", "A", Side.Sell, 200m, 8m, 4m, 3), // closes 100 long (fee 2), opens 100 short (fee 2)
            Fill("s", "A", Side.Buy, 100m, 9m, 2m, 4),
        };

        var r = PortfolioReplay.Run(10_000m, fills, marks);

        Assert.Equal(2, r.Trades.Count);
        Assert.Equal(-200m - 4m, r.Trades[0].ProfitLoss); // 100 × (8 - 10), fees 2 + 2
        Assert.Equal(-100m - 4m, r.Trades[1].ProfitLoss); // short 100 at 8, covered at 9, fees 2 + 2
        // Equity = starting cash + the trades' profits once flat.
        Assert.Equal(10_000m - 204m - 104m, r.Days[^1].Equity);
        Assert.Equal(r.Days[^1].Equity, r.Days[^1].Cash);
    }

    [Fact]
    public void Each_strategy_has_its_own_curve_over_every_date_and_the_benchmark_buys_every_symbol_equally()
    {
        var marks = Marks((2, "A", 10m), (2, "B", 50m), (3, "A", 20m), (3, "B", 50m));
        var fills = new[] { Fill("late", "B", Side.Buy, 10m, 50m, 0m, 3) };

        var r = PortfolioReplay.Run(1_000m, fills, marks);

        var late = Assert.Single(r.Strategies);
        Assert.Equal([1_000m, 1_000m], late.Days.Select(d => d.Equity));
        // 500 in A at 10 (50 shares) and 500 in B at 50 (10 shares): day 3 = 50 × 20 + 10 × 50.
        Assert.Equal([1_000m, 1_500m], r.Benchmark.Select(p => p.Equity));
        Assert.Equal(["A", "B"], r.BenchmarkSymbols);
    }

    [Fact]
    public void A_symbol_without_a_trade_on_a_date_is_marked_at_its_quote_mid_and_otherwise_at_its_last_close()
    {
        var marks = new DailyMarks(NewYork);
        marks.Observe(new TradeTick("A", At(2), 10m, 1m));
        marks.Observe(new QuoteTick("A", At(3), 11m, 1m, 13m, 1m));
        marks.Observe(new TradeTick("B", At(4), 1m, 1m));

        Assert.Equal(12m, marks.Close(new DateOnly(2024, 1, 3), "A"));
        var r = PortfolioReplay.Run(1_000m, [Fill("s", "A", Side.Buy, 10m, 10m, 0m, 2)], marks);
        Assert.Equal([1_000m, 1_020m, 1_020m], r.Days.Select(d => d.Equity));
    }

    [Fact]
    public void The_market_date_is_the_new_york_date_not_the_utc_date()
    {
        var marks = new DailyMarks(NewYork);
        // 2024-01-03 01:00 UTC is 20:00 on the 2nd in New York.
        Assert.Equal(new DateOnly(2024, 1, 2), marks.MarketDate(new DateTime(2024, 1, 3, 1, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(new DateOnly(2024, 1, 3), marks.MarketDate(new DateTime(2024, 1, 3, 5, 0, 0, DateTimeKind.Utc)));
    }
}

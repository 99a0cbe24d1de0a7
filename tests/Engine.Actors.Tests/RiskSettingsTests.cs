using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.Actors.Tests.Support;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;

namespace Engine.Actors.Tests;

/// <summary>engine.risk as shipped and as a deployer might get it wrong.</summary>
public sealed class RiskSettingsTests
{
    private static EngineSettings Load(string hocon) =>
        EngineSettings.FromConfig(ConfigurationFactory.ParseString(hocon).WithFallback(TestEngine.ShippedConfig()));

    [Theory]
    [InlineData("engine.risk.strategies { ma-cross { max-order-qty = 5 } }", "engine.risk.strategies.ma-cross.max-order-qty")]
    [InlineData("engine.risk.strategies { nosuch { max-order-quantity = 5 } }", "engine.risk.strategies.nosuch")]
    [InlineData("engine.risk.symbols { AAPL { max-open-orders = 0 } }", "engine.risk.symbols.AAPL.max-open-orders")]
    [InlineData("engine.risk.account.reduce-at-fraction = 1.5", "engine.risk.accounts.main.reduce-at-fraction")]
    [InlineData("engine.risk.accounts { main { max-daily-loss = -1 } }", "engine.risk.accounts.main.max-daily-loss")]
    [InlineData("engine.risk.trading-hours.open = \"25:00\"", "engine.risk.trading-hours.open")]
    [InlineData("engine.risk.trading-hours.time-zone = \"Mars/Olympus\"", "engine.risk.trading-hours.time-zone")]
    [InlineData("engine.risk.limits.rate-window = never", "engine.risk.limits.rate-window")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, account = nobody }]", "engine.strategies[0].account")]
    [InlineData("engine.risk.account.type = credit", "engine.risk.accounts.main.type")]
    [InlineData("engine.risk.accounts { main { starting-cash = 0 } }", "engine.risk.accounts.main.starting-cash")]
    [InlineData("engine.risk.account { type = margin, leverage = 0.5 }", "engine.risk.accounts.main.leverage")]
    [InlineData("engine.risk.account { type = margin, leverage = 101 }", "engine.risk.accounts.main.leverage")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, allow-short = true }]", "engine.strategies[0].allow-short")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, quantity = 10, notional = 1000 }]", "engine.strategies[0].notional")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, notional = 0 }]", "engine.strategies[0].notional")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, percent-of-equity = -5 }]", "engine.strategies[0].percent-of-equity")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, percent-of-equity = 20000 }]", "engine.strategies[0].percent-of-equity")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, percent-of-equity = 100.5 }]", "engine.strategies[0].percent-of-equity")]
    [InlineData("engine.risk.account { type = margin, leverage = 2 }\nengine.strategies = [{ id = x, kind = breakout, percent-of-equity = 201 }]", "engine.strategies[0].percent-of-equity")]
    public void A_bad_risk_setting_names_its_path(string hocon, string path)
    {
        var ex = Assert.Throws<EngineConfigException>(() => Load(hocon));
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void Accounts_are_cash_accounts_of_100000_by_default_and_their_strategies_do_not_short()
    {
        var s = Load("");
        Assert.Equal(new AccountFunds(AccountType.Cash, 100_000m, 1m), s.Risk.Accounts["main"].Funds);
        Assert.All(s.Strategies, x => Assert.False(x.Sizing.AllowShort));
        Assert.All(s.Strategies, x => Assert.Equal((SizeBasis.Quantity, 100m), (x.Sizing.Basis, x.Sizing.Quantity)));
    }

    [Fact]
    public void A_margin_account_takes_its_leverage_and_lets_its_strategies_short_unless_told_not_to()
    {
        var s = Load("""
            engine.risk.accounts { main {}
              hedge { type = margin, leverage = 4, starting-cash = 250000 } }
            engine.strategies = [
              { id = a, kind = breakout }
              { id = b, kind = breakout, account = hedge, notional = 25000 }
              { id = c, kind = breakout, account = hedge, percent-of-equity = 12.5, allow-short = false }
            ]
            """);
        Assert.Equal(new AccountFunds(AccountType.Margin, 250_000m, 4m), s.Risk.Accounts["hedge"].Funds);
        Assert.Equal(1m, s.Risk.Accounts["main"].Funds!.Leverage);
        var byId = s.Strategies.ToDictionary(x => x.Id);
        Assert.False(byId["a"].Sizing.AllowShort);
        Assert.True(byId["b"].Sizing.AllowShort);
        Assert.Equal((SizeBasis.Notional, 25_000m), (byId["b"].Sizing.Basis, byId["b"].Sizing.Amount));
        Assert.False(byId["c"].Sizing.AllowShort);
        Assert.Equal((SizeBasis.PercentOfEquity, 12.5m), (byId["c"].Sizing.Basis, byId["c"].Sizing.Amount));
        Assert.Equal("12.5% of equity", byId["c"].Sizing.Describe());
    }

    [Fact]
    public void Shorting_in_a_cash_account_is_refused_with_what_to_change()
    {
        var ex = Assert.Throws<EngineConfigException>(() => Load("engine.strategies = [{ id = x, kind = breakout, allow-short = true }]"));
        Assert.Contains("account 'main' is a cash account", ex.Message);
        Assert.Contains("engine.risk.accounts.main.type = margin", ex.Message);
    }

    /// <summary>Every timeout and size setting has a minimum and a maximum; both ends are refused past them, naming the bounds.</summary>
    [Theory]
    [InlineData("engine.ask-timeout = 1ms", "engine.ask-timeout", "from 1s to 10m")]
    [InlineData("engine.ask-timeout = 1h", "engine.ask-timeout", "from 1s to 10m")]
    [InlineData("engine.kill-switch.ack-timeout = 1ms", "engine.kill-switch.ack-timeout", "from 100ms to 10m")]
    [InlineData("engine.bars.period = 100ms", "engine.bars.period", "from 1s to 1d")]
    [InlineData("engine.bars.period = 2d", "engine.bars.period", "from 1s to 1d")]
    [InlineData("engine.feed.time-slice = 10ms", "engine.feed.time-slice", "from 1s to 1d")]
    [InlineData("engine.checkpoint-every = 400d", "engine.checkpoint-every", "from 1s to 366d")]
    [InlineData("engine.persistence.min-write-interval = 1m", "engine.persistence.min-write-interval", "from 0ms to 10s")]
    [InlineData("engine.feed.batch-size = 0", "engine.feed.batch-size", "from 1 to 100000")]
    [InlineData("engine.feed.batch-size = 2000000", "engine.feed.batch-size", "from 1 to 100000")]
    [InlineData("engine.feed.read-ahead = 99999999999", "engine.feed.read-ahead", "from 1 to 1000000")]
    [InlineData("engine.feed.max-in-flight = 2000000", "engine.feed.max-in-flight", "from 1 to 1000000")]
    [InlineData("engine.history-bars = 1000000", "engine.history-bars", "from 1 to 100000")]
    [InlineData("engine.venue.price-increment = 0", "engine.venue.price-increment", "from 0.00000001 to 1000")]
    [InlineData("engine.venue.slippage-bps = 5000", "engine.venue.slippage-bps", "from 0 to 1000")]
    [InlineData("engine.strategy-supervision.max-failures = 0", "engine.strategy-supervision.max-failures", "from 1 to 1000")]
    [InlineData("engine.risk.limits.max-order-notional = 1e30", "engine.risk.limits.max-order-notional", "at most 1000000000000000000")]
    [InlineData("engine.risk.limits.max-order-quantity = 79228162514264337593543950335", "engine.risk.limits.max-order-quantity", "at most 1000000000000")]
    [InlineData("engine.risk.limits.duplicate-window = 30d", "engine.risk.limits.duplicate-window", "from 1ms to 1d")]
    [InlineData("engine.risk.symbols { AAPL { max-position-notional = 1e25 } }", "engine.risk.symbols.AAPL.max-position-notional", "at most 1000000000000000000")]
    [InlineData("engine.risk.account.max-gross-exposure = 1e20", "engine.risk.accounts.main.max-gross-exposure", "at most 1000000000000000000")]
    [InlineData("engine.risk.account.stale-data-after = 100ms", "engine.risk.accounts.main.stale-data-after", "from 1s to 30d")]
    [InlineData("engine.strategies = [{ id = x, kind = breakout, quantity = 1e13 }]", "engine.strategies[0].quantity", "at most 1000000000000")]
    public void Every_size_and_timeout_setting_is_refused_outside_its_bounds(string hocon, string path, string bounds)
    {
        var ex = Assert.Throws<EngineConfigException>(() => Load(hocon));
        Assert.Equal(path, ex.Path);
        Assert.Contains(bounds, ex.Message);
    }

    [Fact]
    public void Settings_at_their_bounds_are_accepted()
    {
        var s = Load("""
            engine.ask-timeout = 1s
            engine.kill-switch.ack-timeout = 10m
            engine.feed.batch-size = 100000
            engine.venue.price-increment = 0.00000001
            engine.risk.limits.max-order-notional = 1000000000000000000
            engine.risk.limits.max-order-quantity = 1000000000000
            """);
        Assert.Equal(TimeSpan.FromSeconds(1), s.AskTimeout);
        Assert.Equal(100_000, s.Feed.BatchSize);
        Assert.Equal(1_000_000_000_000_000_000m, s.Risk.Policy.Resolve("main", "ma-cross", "AAPL").MaxOrderNotional);
    }

    [Fact]
    public void Layers_resolve_to_the_tightest_value_and_the_restricted_list_applies_per_account()
    {
        var s = Load("""
            engine.risk {
              strategies { mean-rev { max-position-quantity = 300, max-order-quantity = 5000 } }
              symbols { NVDA { max-position-quantity = 200, price-collar-abs = 0.5 } }
              restricted-symbols = [gme]
              accounts { main { limits { max-open-orders = 2 }
                restricted-symbols = [AMC] } }
            }
            """);
        var l = s.Risk.LimitsFor("main", "mean-rev", "NVDA");
        Assert.Equal(200m, l.MaxPositionQuantity);          // the symbol layer is tighter than the strategy's 300
        Assert.Equal(1000m, l.MaxOrderQuantity);            // 5000 cannot widen the engine's 1000
        Assert.Equal(0.5m, l.PriceCollarAbs);
        Assert.Equal(2, l.MaxOpenOrders);
        Assert.NotNull(l.Hours);
        Assert.Equal(300m, s.Risk.LimitsFor("main", "mean-rev", "AAPL").MaxPositionQuantity);
        Assert.Equal(1000m, s.Risk.LimitsFor("main", "ma-cross", "AAPL").MaxPositionQuantity);
        Assert.True(s.Risk.LimitsFor("main", "ma-cross", "GME").Restricted);
        Assert.True(s.Risk.LimitsFor("main", "ma-cross", "AMC").Restricted);
        Assert.False(s.Risk.LimitsFor("main", "ma-cross", "AAPL").Restricted);
    }

    [Fact]
    public void The_shipped_defaults_load_with_one_account_and_new_york_hours()
    {
        var s = TestEngine.Settings();
        Assert.Equal(new[] { "main" }, s.Risk.Accounts.Keys);
        Assert.All(s.Strategies, c => Assert.Equal("main", c.Account));
        var hours = Assert.IsType<TradingHours>(s.Risk.Hours);
        Assert.True(hours.IsOpen(new DateTime(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc)));
        Assert.False(hours.IsOpen(new DateTime(2024, 3, 4, 21, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(s.Risk.Accounts["main"].RateWindow, s.Risk.KeepMessages);
    }
}

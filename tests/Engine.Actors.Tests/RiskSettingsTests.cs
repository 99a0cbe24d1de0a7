using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.Actors.Tests.Support;
using Engine.Domain.Risk;

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
    public void A_bad_risk_setting_names_its_path(string hocon, string path)
    {
        var ex = Assert.Throws<EngineConfigException>(() => Load(hocon));
        Assert.Equal(path, ex.Path);
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

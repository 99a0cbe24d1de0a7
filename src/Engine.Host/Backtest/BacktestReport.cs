using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Configuration;
using Engine.Actors.Settings;
using Engine.Domain.Backtest;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using Engine.MarketData;

namespace Engine.Host.Backtest;

/// <summary>How a run's statistics are computed (HOCON engine.backtest; the starting cash is the traded accounts').</summary>
public sealed record BacktestSettings(decimal StartingCash, double RiskFreeRate, int TradingDaysPerYear, int WalkForwardWindows)
{
    public static BacktestSettings FromConfig(Config config, EngineSettings engine)
    {
        var traded = engine.Strategies.Select(s => s.Account).Distinct(StringComparer.Ordinal);
        var s = new BacktestSettings(
            traded.Sum(a => engine.Risk.Accounts[a].Funds?.StartingCash ?? AccountFunds.DefaultStartingCash),
            config.GetDouble("engine.backtest.risk-free-rate", 0.0),
            config.GetInt("engine.backtest.trading-days-per-year", 252),
            config.GetInt("engine.backtest.walk-forward-windows", 10));
        if (s.RiskFreeRate is < 0 or > 1 || !double.IsFinite(s.RiskFreeRate))
            throw new EngineConfigException("engine.backtest.risk-free-rate", $"must be an annual rate from 0 to 1, got {s.RiskFreeRate}");
        if (s.TradingDaysPerYear is < 1 or > 366)
            throw new EngineConfigException("engine.backtest.trading-days-per-year", $"must be from 1 to 366, got {s.TradingDaysPerYear}");
        if (s.WalkForwardWindows is < 2 or > 1000)
            throw new EngineConfigException("engine.backtest.walk-forward-windows", $"must be from 2 to 1000, got {s.WalkForwardWindows}");
        return s;
    }
}

public sealed record StrategyResult(string Strategy, string? SweepOf, PortfolioStatistics Statistics, long Fills, decimal Fees);

public sealed record DailyRow(DateOnly Date, decimal Equity, decimal Benchmark, decimal Cash, decimal Holdings, double DrawdownPct);

public sealed record MonthlyReturn(int Year, int Month, double ReturnPct);

/// <summary>Anti-overfitting measures over the trials a run tried (a sweep's parameter sets, else its strategies).</summary>
public sealed record OverfittingResult(string Trials, int TrialCount, string? Selected, double? Pbo, double? DeflatedSharpe, double? PositiveWindowsFraction);

/// <summary>
/// A backtest's results: the portfolio replayed from the run's fills at each market date's close,
/// its statistics and each strategy's, the benchmark, the trades and, when asked, the promotion gates.
/// </summary>
public sealed record BacktestReport(
    string Source,
    DateOnly? FirstDate,
    DateOnly? LastDate,
    decimal StartingCash,
    string Benchmark,
    PortfolioStatistics Portfolio,
    PortfolioStatistics? BenchmarkStatistics,
    IReadOnlyList<StrategyResult> Strategies,
    IReadOnlyList<DailyRow> Daily,
    IReadOnlyList<MonthlyReturn> Monthly,
    IReadOnlyList<ClosedTrade> Trades,
    OverfittingResult Overfitting)
{
    public IReadOnlyList<GateResult>? Gates { get; init; }

    /// <summary>The exit code, the printed verdict and gate_summary.json agree: one rule, the evaluator's.</summary>
    public bool GatesPassed => Gates is null || PromotionGateEvaluator.Passed(Gates);

    /// <summary>
    /// Re-reads the run's input (the same sources and validator, so the same accepted events) for
    /// each symbol's daily closes; a stopped run is read only as far as it got.
    /// </summary>
    public static DailyMarks ReadMarks(EngineOptions options, Config config, long acceptedEvents)
    {
        var (sources, _, universe, _, _) = EngineRunner.OpenInput(options, config);
        var marks = new DailyMarks(EasternTime.Zone);
        long seen = 0;
        foreach (var e in MarketDataFeed.Merge(sources, new MarketDataValidator(universe), new FeedStatistics(), _ => { }))
        {
            if (++seen > acceptedEvents) break;
            marks.Observe(e.Event);
        }
        return marks;
    }

    public static BacktestReport Build(RunSummary summary, DailyMarks marks, BacktestSettings settings)
    {
        var fills = summary.FillLog.Select(f => new Fill(
            f.OrderId, f.Strategy, f.Symbol, f.Side == "buy" ? Side.Buy : Side.Sell, f.Quantity, f.Price, f.Fee, f.Time, f.FeedSeq)).ToArray();
        var replay = PortfolioReplay.Run(settings.StartingCash, fills, marks);
        var ordersByStrategy = summary.Positions.GroupBy(p => p.Strategy).ToDictionary(g => g.Key, g => g.Sum(p => p.Orders), StringComparer.Ordinal);

        var portfolio = Compute(settings, replay.Days, replay.Benchmark, replay.Trades, summary.OrdersAccepted, replay.TotalFees, replay.TradedNotional);
        var benchmarkStatistics = replay.Benchmark.Count == 0 ? null : Compute(settings,
            replay.Benchmark.Select(p => new PortfolioDay(p.Date, 0m, p.Equity, p.Equity, p.Equity)).ToArray(), [], [], 0, 0m, 0m);
        var strategies = replay.Strategies.Select(s => new StrategyResult(
            s.Strategy, SweepOf(s.Strategy),
            Compute(settings, s.Days, replay.Benchmark, s.Trades, ordersByStrategy.GetValueOrDefault(s.Strategy), s.Fees, s.TradedNotional),
            s.Fills, s.Fees)).ToArray();

        // The starting cash is the first peak, as in the statistics' drawdown.
        var peak = settings.StartingCash;
        var daily = replay.Days.Zip(replay.Benchmark, (d, b) =>
        {
            peak = Math.Max(peak, d.Equity);
            return new DailyRow(d.Date, d.Equity, b.Equity, d.Cash, d.HoldingsValue, peak > 0m ? (double)((d.Equity - peak) / peak) * 100.0 : 0.0);
        }).ToArray();

        return new BacktestReport(
            summary.Feed.Source, daily.FirstOrDefault()?.Date, daily.LastOrDefault()?.Date, settings.StartingCash,
            replay.BenchmarkSymbols.Count == 0 ? "none (no symbol priced on the first date)" : $"buy and hold, equal weight: {string.Join(", ", replay.BenchmarkSymbols)}",
            portfolio, benchmarkStatistics, strategies, daily, MonthlyReturns(settings.StartingCash, replay.Days), replay.Trades,
            Trials(replay, strategies, settings));
    }

    public BacktestReport WithGates(PromotionGates gates) => this with
    {
        Gates = PromotionGateEvaluator.Evaluate(gates, new GateMeasurements(Portfolio, Overfitting.Pbo, Overfitting.DeflatedSharpe, Overfitting.PositiveWindowsFraction)),
    };

    private static PortfolioStatistics Compute(
        BacktestSettings settings, IReadOnlyList<PortfolioDay> days, IReadOnlyList<EquityPoint> benchmark,
        IReadOnlyList<ClosedTrade> trades, long orders, decimal fees, decimal traded) =>
        BacktestStatistics.Compute(new StatisticsInput(
            settings.StartingCash, days.Select(d => new EquityPoint(d.Date, d.Equity)).ToArray(), benchmark, trades,
            orders, fees, traded, days.Select(d => d.ExposureFraction).ToArray(), settings.RiskFreeRate, settings.TradingDaysPerYear));

    /// <summary>A swept instance's id is its sweep's id followed by its parameter set: ma-cross.fast=5.slow=30.</summary>
    private static string? SweepOf(string strategy) =>
        System.Text.RegularExpressions.Regex.Match(strategy, @"^(.+?)\.[a-z0-9-]+=") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>
    /// The trials behind the chosen strategy: the largest sweep's parameter sets when the run swept
    /// one, else the run's strategies (each one the team could have picked). The selected trial is
    /// the one with the best Sharpe, as a team picking from a sweep would.
    /// </summary>
    private static OverfittingResult Trials(PortfolioReplayResult replay, IReadOnlyList<StrategyResult> strategies, BacktestSettings settings)
    {
        var sweep = strategies.Where(s => s.SweepOf is not null).GroupBy(s => s.SweepOf!).MaxBy(g => g.Count());
        var trials = sweep?.ToArray() ?? strategies.ToArray();
        var walkForward = Engine.Domain.Backtest.Overfitting.PositiveWindowsFraction(replay.Equity, settings.WalkForwardWindows);
        var label = sweep is null ? "the run's strategies" : $"the parameter sets of {sweep.Key}";
        if (trials.Length == 0) return new OverfittingResult(label, 0, null, null, null, walkForward);

        var returns = trials.Select(t => (IReadOnlyList<double>)DailyReturns(replay.Strategies.First(s => s.Strategy == t.Strategy).Days)).ToArray();
        var best = Enumerable.Range(0, trials.Length).MaxBy(i => trials[i].Statistics.Sharpe);
        return new OverfittingResult(
            label, trials.Length, trials[best].Strategy,
            Engine.Domain.Backtest.Overfitting.ProbabilityOfBacktestOverfitting(returns),
            // Per-day Sharpes: the deflation compares the selected trial with the best of N unskilled ones in the same units.
            Engine.Domain.Backtest.Overfitting.DeflatedSharpe(returns[best], returns.Select(Engine.Domain.Backtest.Overfitting.PeriodSharpe).ToArray()),
            walkForward);
    }

    private static double[] DailyReturns(IReadOnlyList<PortfolioDay> days)
    {
        var r = new double[Math.Max(0, days.Count - 1)];
        for (var i = 1; i < days.Count; i++)
            r[i - 1] = days[i - 1].Equity > 0m ? (double)(days[i].Equity / days[i - 1].Equity - 1m) : 0.0;
        return r;
    }

    /// <summary>Each calendar month's return, from the previous month's last close (the starting cash for the first).</summary>
    private static IReadOnlyList<MonthlyReturn> MonthlyReturns(decimal startingCash, IReadOnlyList<PortfolioDay> days)
    {
        var result = new List<MonthlyReturn>();
        var start = startingCash;
        foreach (var month in days.GroupBy(d => (d.Date.Year, d.Date.Month)))
        {
            var end = month.Last().Equity;
            result.Add(new MonthlyReturn(month.Key.Year, month.Key.Month, start > 0m ? (double)(end / start - 1m) * 100.0 : 0.0));
            start = end;
        }
        return result;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The statistics block of the run summary (and of report_&lt;date&gt;.txt).</summary>
    public string ToText()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var p = Portfolio;
        sb.AppendLine();
        sb.AppendLine("=== Backtest statistics ===");
        sb.AppendLine(inv, $"Period:            {FirstDate:yyyy-MM-dd} to {LastDate:yyyy-MM-dd} ({Daily.Count} market dates), starting cash {StartingCash:N2}");
        sb.AppendLine(inv, $"Benchmark:         {Benchmark}");
        sb.AppendLine(inv, $"Final equity:      {(Daily.Count > 0 ? Daily[^1].Equity : StartingCash),14:N2}   net profit {p.NetProfit:N2} ({p.NetProfitPct:0.00}%)");
        sb.AppendLine(inv, $"CAGR {p.Cagr * 100,8:0.00}%   Sharpe {p.Sharpe,7:0.000}   Sortino {p.Sortino,7:0.000}   PSR {p.ProbabilisticSharpe * 100,6:0.0}%");
        sb.AppendLine(inv, $"Max drawdown {p.MaxDrawdownPct,6:0.00}% over {p.MaxDrawdownDurationDays} days   annual return {p.AnnualReturn * 100:0.00}%   volatility {p.AnnualVolatility * 100:0.00}%");
        sb.AppendLine(inv, $"Trades {p.TotalTrades}: win rate {p.WinRate * 100:0.0}%, loss rate {p.LossRate * 100:0.0}%, average win {p.AverageWin:N2}, average loss {p.AverageLoss:N2}, profit-loss ratio {p.ProfitLossRatio:0.000}, expectancy {p.Expectancy:0.000}");
        sb.AppendLine(inv, $"Orders {p.TotalOrders}   fees {p.TotalFees:N2}   turnover {p.Turnover * 100:0.00}%   exposure {p.Exposure * 100:0.0}%");
        sb.AppendLine(inv, $"Alpha {Num(p.Alpha)}   beta {Num(p.Beta)}   information ratio {Num(p.InformationRatio)}");
        sb.AppendLine(inv, $"Overfitting ({Overfitting.TrialCount} trials: {Overfitting.Trials}): PBO {Num(Overfitting.Pbo)}, deflated Sharpe {Num(Overfitting.DeflatedSharpe)} of {Overfitting.Selected ?? "-"}; positive walk-forward windows {Num(Overfitting.PositiveWindowsFraction)}");
        var header = string.Format(inv, "{0,-28} {1,14} {2,8} {3,8} {4,9} {5,7} {6,8}", "strategy", "net profit", "Sharpe", "Sortino", "max DD %", "trades", "win %");
        sb.AppendLine(header);
        foreach (var s in Strategies)
        {
            var t = s.Statistics;
            sb.AppendLine(string.Format(inv, "{0,-28} {1,14:N2} {2,8:0.000} {3,8:0.000} {4,9:0.00} {5,7} {6,8:0.0}",
                s.Strategy, t.NetProfit, t.Sharpe, t.Sortino, t.MaxDrawdownPct, t.TotalTrades, t.WinRate * 100));
        }
        if (Gates is { } gates)
        {
            sb.AppendLine(inv, $"Promotion gates:   {(GatesPassed ? "PASSED" : "FAILED")}");
            foreach (var g in gates)
                sb.AppendLine(inv, $"  {Outcome(g.Outcome),-14} {g.Section + "." + g.Key,-44} measured {Num(g.Measured),10}  threshold {Num(g.Threshold),8}  {g.Detail}");
        }
        return sb.ToString();
    }

    public static string Outcome(GateOutcome o) => o switch
    {
        GateOutcome.Pass => "PASS",
        GateOutcome.Fail => "FAIL",
        _ => "NOT APPLICABLE",
    };

    public static string Num(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}

namespace Engine.Domain.Backtest;

/// <summary>
/// The summary statistics of a backtest, computed as QuantConnect LEAN's PortfolioStatistics does
/// unless said otherwise below. Notation: E0 = StartingCash, E1..En the daily closes of
/// <see cref="StatisticsInput.Equity"/>, D = TradingDaysPerYear, rf = RiskFreeRate.
/// <list type="bullet">
/// <item>Daily returns rt = Et / Et-1 - 1 for t = 1..n, so the first day counts against the starting
/// cash (LEAN's daily performance series does the same); a day after a non-positive equity has return 0.
/// The benchmark's returns bt are built the same way from E0 and its own closes (LEAN instead pads the
/// benchmark's first return with 0).</item>
/// <item>AnnualReturn = (1 + mean(r))^D - 1 (LEAN's annual performance).</item>
/// <item>AnnualVolatility = sqrt(D · var(r)), var with divisor n - 1.</item>
/// <item>Sharpe = (AnnualReturn - rf) / AnnualVolatility; 0 when the volatility is 0.</item>
/// <item>Sortino = (AnnualReturn - rf) / sqrt(D · Σ min(rt, 0)² / n). Differs from LEAN: LEAN divides by the
/// annualised sample standard deviation of the negative returns only, which is 0 (so Sortino 0) when
/// every losing day loses the same amount or there is a single losing day; this is the usual target
/// downside deviation of Sortino and Price with a 0 target.</item>
/// <item>ProbabilisticSharpe: see <see cref="ProbabilisticSharpe"/>; benchmark Sharpe 0 (LEAN uses an
/// annual Sharpe of 1, i.e. 1/sqrt(D) per day).</item>
/// <item>NetProfit = En - E0; NetProfitPct = 100 · (En / E0 - 1).</item>
/// <item>Cagr = (En / E0)^(1 / years) - 1 with years = (date of En - date of E1) / 365 calendar days,
/// as LEAN; 0 when that span is 0.</item>
/// <item>MaxDrawdownPct = 100 · max over t of (1 - Et / peak t), peak t = max(E0..Et). Not rounded
/// (LEAN rounds to 3 decimals). MaxDrawdownDurationDays: the longest stretch, in calendar days, from a peak's
/// date to the first date equity is back at or above it (or to the last date if it never is); E0 is a
/// peak dated the first market date. LEAN's closest figure is its drawdown recovery time.</item>
/// <item>Trades are taken in exit-time order. A trade with ProfitLoss &gt; 0 is a win, any other a loss
/// (LEAN counts a break-even trade as a loss). WinRate, LossRate: wins and losses over all trades.
/// AverageWin, AverageLoss: mean ProfitLoss, in money, of the wins and of the losses (LEAN's trade
/// statistics' average profit and loss; AverageLoss is negative). ProfitLossRatio and Expectancy follow
/// LEAN's portfolio statistics on rates: each trade's rate is ProfitLoss over the running capital
/// E0 + the ProfitLoss of the trades before it; ProfitLossRatio = mean win rate / |mean loss rate| (0 when
/// there is no loss); Expectancy = WinRate · ProfitLossRatio - LossRate. LEAN computes them only with at
/// least two daily returns; here they do not depend on the equity curve.</item>
/// <item>Turnover = (TradedNotional / n) / mean(E1..En): the average daily traded value over the average
/// equity. LEAN averages each day's traded value over that day's equity; the two agree when equity is
/// flat, and this one needs only totals.</item>
/// <item>Exposure = mean(DailyExposureFraction).</item>
/// <item>Beta = cov(r, b) / var(b); Alpha = AnnualReturn - (rf + Beta · (BenchmarkAnnualReturn - rf)),
/// BenchmarkAnnualReturn = (1 + mean(b))^D - 1 (Jensen's alpha, as LEAN). InformationRatio =
/// (AnnualReturn - BenchmarkAnnualReturn) / TrackingError, TrackingError = sqrt(D · var(r - b)); 0 when
/// the tracking error is 0. All three are null without a benchmark or with fewer than two returns, and
/// Alpha and Beta are null when the benchmark's returns do not vary (LEAN reports 0 there: 0 would read
/// as a measured "uncorrelated").</item>
/// </list>
/// Degenerate inputs (no or one point, zero variance, no trades) give 0 or null; any overflow is clamped
/// to ±double.MaxValue, so no field is ever NaN or infinite and the result serialises to JSON.
/// </summary>
public static class BacktestStatistics
{
    public static PortfolioStatistics Compute(StatisticsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validate(input);

        var start = input.StartingCash;
        var days = input.TradingDaysPerYear;
        var rf = input.RiskFreeRate;
        var equity = input.Equity;
        var final = equity.Count == 0 ? start : equity[^1].Equity;

        var returns = DailyReturns(start, equity);
        var annualReturn = AnnualReturn(returns, days);
        var annualVolatility = Math.Sqrt(days * SampleStatistics.Variance(returns));
        var sharpe = annualVolatility == 0 ? 0 : (annualReturn - rf) / annualVolatility;
        var downside = AnnualDownsideDeviation(returns, days);
        var sortino = downside == 0 ? 0 : (annualReturn - rf) / downside;

        var (drawdown, drawdownDays) = MaxDrawdown(start, equity);
        var trades = TradeFigures.Of(start, input.Trades);
        var (alpha, beta, informationRatio) = BenchmarkFigures(input, returns, annualReturn);

        return new PortfolioStatistics(
            NetProfit: final - start,
            NetProfitPct: Finite(100 * ((double)final / (double)start - 1)),
            Cagr: Finite(Cagr(start, final, equity)),
            Sharpe: Finite(sharpe),
            Sortino: Finite(sortino),
            ProbabilisticSharpe: ProbabilisticSharpe(returns, 0),
            MaxDrawdownPct: Finite(100 * drawdown),
            MaxDrawdownDurationDays: drawdownDays,
            WinRate: trades.WinRate,
            LossRate: trades.LossRate,
            ProfitLossRatio: Finite(trades.ProfitLossRatio),
            AverageWin: trades.AverageWin,
            AverageLoss: trades.AverageLoss,
            Expectancy: Finite(trades.Expectancy),
            TotalOrders: input.TotalOrders,
            TotalTrades: input.Trades.Count,
            TotalFees: input.TotalFees,
            Turnover: Finite(Turnover(input)),
            Exposure: Finite(Mean(input.DailyExposureFraction)),
            Alpha: FiniteOrNull(alpha),
            Beta: FiniteOrNull(beta),
            InformationRatio: FiniteOrNull(informationRatio),
            AnnualReturn: Finite(annualReturn),
            AnnualVolatility: Finite(annualVolatility));
    }

    /// <summary>
    /// rt = Et / Et-1 - 1 with E0 = <paramref name="startingCash"/>; 0 after a non-positive equity, where
    /// a return has no meaning.
    /// </summary>
    public static IReadOnlyList<double> DailyReturns(decimal startingCash, IReadOnlyList<EquityPoint> equity)
    {
        var returns = new double[equity.Count];
        var previous = startingCash;
        for (var i = 0; i < equity.Count; i++)
        {
            var current = equity[i].Equity;
            returns[i] = previous > 0 ? (double)(current / previous - 1) : 0;
            previous = current;
        }

        return returns;
    }

    /// <summary>
    /// Probabilistic Sharpe ratio (Bailey and López de Prado 2012): the probability that the true
    /// per-period Sharpe ratio exceeds <paramref name="benchmarkSharpe"/> (per period, not annualised),
    /// PSR = Φ((SR - SR*) · sqrt(n - 1) / sqrt(1 - γ3·SR + (γ4 - 1)/4·SR²)), with SR = mean / sample
    /// standard deviation of the n returns (not annualised, no risk-free rate, as LEAN), γ3 the moment
    /// skewness and γ4 the (non-excess) moment kurtosis. Differs from LEAN: LEAN puts MathNet's excess
    /// kurtosis (normal = 0) where the formula has the kurtosis (normal = 3), which understates the
    /// Sharpe ratio's standard error. 0 with fewer than two returns or zero variance.
    /// </summary>
    public static double ProbabilisticSharpe(IReadOnlyList<double> returns, double benchmarkSharpe)
    {
        if (returns.Count < 2)
        {
            return 0;
        }

        var sd = SampleStatistics.StandardDeviation(returns);
        if (!(sd > 0) || double.IsInfinity(sd))
        {
            return 0;
        }

        var sr = SampleStatistics.Mean(returns) / sd;
        var (skewness, kurtosis) = SampleStatistics.SkewnessKurtosis(returns);
        var radicand = (1 - skewness * sr + (kurtosis - 1) / 4 * sr * sr) / (returns.Count - 1);
        if (!(radicand > 0) || double.IsInfinity(radicand))
        {
            // γ4 ≥ 1 + γ3² keeps the radicand at or above 0; exactly 0 means no estimation error to scale by.
            return 0;
        }

        return Finite(SampleStatistics.NormalCdf((sr - benchmarkSharpe) / Math.Sqrt(radicand)));
    }

    private static void Validate(StatisticsInput input)
    {
        if (input.StartingCash <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input.StartingCash, "StartingCash must be positive.");
        }

        if (input.TradingDaysPerYear <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input.TradingDaysPerYear, "TradingDaysPerYear must be positive.");
        }

        if (!double.IsFinite(input.RiskFreeRate))
        {
            throw new ArgumentException($"RiskFreeRate must be a finite number, not {input.RiskFreeRate}.", nameof(input));
        }

        for (var i = 1; i < input.Equity.Count; i++)
        {
            if (input.Equity[i].Date <= input.Equity[i - 1].Date)
            {
                throw new ArgumentException(
                    $"Equity dates must be strictly increasing: {input.Equity[i].Date:yyyy-MM-dd} follows {input.Equity[i - 1].Date:yyyy-MM-dd}.",
                    nameof(input));
            }
        }

        if (input.Benchmark.Count > 0)
        {
            if (input.Benchmark.Count != input.Equity.Count)
            {
                throw new ArgumentException(
                    $"Benchmark has {input.Benchmark.Count} points and Equity {input.Equity.Count}: they must be on the same dates.",
                    nameof(input));
            }

            for (var i = 0; i < input.Equity.Count; i++)
            {
                if (input.Benchmark[i].Date != input.Equity[i].Date)
                {
                    throw new ArgumentException(
                        $"Benchmark point {i} is dated {input.Benchmark[i].Date:yyyy-MM-dd} but Equity's {input.Equity[i].Date:yyyy-MM-dd}.",
                        nameof(input));
                }
            }
        }

        if (input.DailyExposureFraction.Count != input.Equity.Count)
        {
            throw new ArgumentException(
                $"DailyExposureFraction has {input.DailyExposureFraction.Count} values and Equity {input.Equity.Count} points: one per date.",
                nameof(input));
        }
    }

    private static double AnnualReturn(IReadOnlyList<double> returns, int days) =>
        returns.Count == 0 ? 0 : Math.Pow(1 + SampleStatistics.Mean(returns), days) - 1;

    private static double AnnualDownsideDeviation(IReadOnlyList<double> returns, int days)
    {
        if (returns.Count == 0)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var r in returns)
        {
            if (r < 0)
            {
                sum += r * r;
            }
        }

        return Math.Sqrt(days * sum / returns.Count);
    }

    private static double Cagr(decimal start, decimal final, IReadOnlyList<EquityPoint> equity)
    {
        if (equity.Count < 2)
        {
            return 0;
        }

        var years = (equity[^1].Date.DayNumber - equity[0].Date.DayNumber) / 365.0;
        var growth = (double)final / (double)start;
        // A negative final equity has no real compound rate; LEAN reports 0 there too.
        return growth < 0 ? 0 : Math.Pow(growth, 1 / years) - 1;
    }

    private static (double Drawdown, int DurationDays) MaxDrawdown(decimal start, IReadOnlyList<EquityPoint> equity)
    {
        if (equity.Count == 0)
        {
            return (0, 0);
        }

        var peak = start;
        var peakDate = equity[0].Date;
        var underwater = false;
        var maxDrawdown = 0.0;
        var maxDays = 0;
        foreach (var point in equity)
        {
            if (point.Equity >= peak)
            {
                if (underwater)
                {
                    maxDays = Math.Max(maxDays, point.Date.DayNumber - peakDate.DayNumber);
                    underwater = false;
                }

                peak = point.Equity;
                peakDate = point.Date;
            }
            else
            {
                underwater = true;
                // peak ≥ E0 > 0, so the division is defined.
                maxDrawdown = Math.Max(maxDrawdown, (double)(1 - point.Equity / peak));
            }
        }

        if (underwater)
        {
            maxDays = Math.Max(maxDays, equity[^1].Date.DayNumber - peakDate.DayNumber);
        }

        return (maxDrawdown, maxDays);
    }

    private static double Turnover(StatisticsInput input)
    {
        if (input.Equity.Count == 0)
        {
            return 0;
        }

        var meanEquity = input.Equity.Average(p => (double)p.Equity);
        return meanEquity > 0 ? (double)input.TradedNotional / input.Equity.Count / meanEquity : 0;
    }

    private static (double? Alpha, double? Beta, double? InformationRatio) BenchmarkFigures(
        StatisticsInput input, IReadOnlyList<double> returns, double annualReturn)
    {
        if (input.Benchmark.Count == 0 || returns.Count < 2)
        {
            return (null, null, null);
        }

        var days = input.TradingDaysPerYear;
        var rf = input.RiskFreeRate;
        var benchmark = DailyReturns(input.StartingCash, input.Benchmark);
        var benchmarkAnnualReturn = AnnualReturn(benchmark, days);

        var active = new double[returns.Count];
        for (var i = 0; i < active.Length; i++)
        {
            active[i] = returns[i] - benchmark[i];
        }

        var trackingError = Math.Sqrt(days * SampleStatistics.Variance(active));
        double? informationRatio = trackingError == 0 ? 0 : (annualReturn - benchmarkAnnualReturn) / trackingError;

        var benchmarkVariance = SampleStatistics.Variance(benchmark);
        if (benchmarkVariance == 0)
        {
            return (null, null, informationRatio);
        }

        var beta = SampleStatistics.Covariance(returns, benchmark) / benchmarkVariance;
        var alpha = annualReturn - (rf + beta * (benchmarkAnnualReturn - rf));
        return (alpha, beta, informationRatio);
    }

    private static double Mean(IReadOnlyList<decimal> values) =>
        values.Count == 0 ? 0 : values.Average(v => (double)v);

    /// <summary>NaN to 0 and ±∞ to ±double.MaxValue, so every figure serialises as a JSON number.</summary>
    internal static double Finite(double x) =>
        double.IsNaN(x) ? 0 : Math.Clamp(x, -double.MaxValue, double.MaxValue);

    private static double? FiniteOrNull(double? x) => x is { } v ? Finite(v) : null;

    private sealed record TradeFigures(
        double WinRate, double LossRate, decimal AverageWin, decimal AverageLoss, double ProfitLossRatio, double Expectancy)
    {
        public static TradeFigures Of(decimal startingCash, IReadOnlyList<ClosedTrade> trades)
        {
            if (trades.Count == 0)
            {
                return new TradeFigures(0, 0, 0, 0, 0, 0);
            }

            var running = startingCash;
            int wins = 0, losses = 0;
            decimal winMoney = 0, lossMoney = 0;
            double winRates = 0, lossRates = 0;
            foreach (var trade in trades.OrderBy(t => t.ExitTime))
            {
                var pnl = trade.ProfitLoss;
                // After a loss of all the capital a rate has no meaning; count it as 0.
                var rate = running > 0 ? (double)(pnl / running) : 0;
                if (pnl > 0)
                {
                    wins++;
                    winMoney += pnl;
                    winRates += rate;
                }
                else
                {
                    losses++;
                    lossMoney += pnl;
                    lossRates += rate;
                }

                running += pnl;
            }

            var averageWinRate = wins == 0 ? 0 : winRates / wins;
            var averageLossRate = losses == 0 ? 0 : lossRates / losses;
            var profitLossRatio = averageLossRate == 0 ? 0 : averageWinRate / Math.Abs(averageLossRate);
            var winRate = (double)wins / trades.Count;
            var lossRate = (double)losses / trades.Count;
            return new TradeFigures(
                winRate,
                lossRate,
                wins == 0 ? 0 : winMoney / wins,
                losses == 0 ? 0 : lossMoney / losses,
                profitLossRatio,
                winRate * profitLossRatio - lossRate);
        }
    }
}

namespace Engine.Domain.Backtest;

/// <summary>One point of an equity curve at a market date's close.</summary>
public readonly record struct EquityPoint(DateOnly Date, decimal Equity);

/// <summary>A closed round trip (LEAN's Trade): entry to flat, profit after fees.</summary>
/// <param name="ProfitLoss">Realised profit of the round trip, fees already deducted.</param>
/// <param name="Fees">The fees paid on the round trip's fills (informational; already in ProfitLoss).</param>
public sealed record ClosedTrade(
    string Strategy,
    string Symbol,
    DateTime EntryTime,
    DateTime ExitTime,
    decimal Quantity,
    decimal EntryPrice,
    decimal ExitPrice,
    decimal ProfitLoss,
    decimal Fees);

/// <summary>
/// Everything <see cref="BacktestStatistics.Compute"/> reads from a finished backtest.
/// </summary>
/// <param name="StartingCash">Equity before the first market date; must be positive.</param>
/// <param name="Equity">One point per market date, dates strictly increasing; Equity[0] is the first day's close.</param>
/// <param name="Benchmark">
/// Buy-and-hold equity on the same dates as <paramref name="Equity"/>, started from the same
/// <paramref name="StartingCash"/> (its first return is Benchmark[0] / StartingCash - 1). Empty: alpha,
/// beta and information ratio are null.
/// </param>
/// <param name="Trades">Closed round trips; order does not matter (they are ordered by exit time).</param>
/// <param name="TotalOrders">Orders filled over the backtest (LEAN's "Total Orders").</param>
/// <param name="TradedNotional">Sum of |fill quantity × fill price| over all fills.</param>
/// <param name="DailyExposureFraction">Per date: gross holdings value / equity (0 when flat); same length as Equity.</param>
/// <param name="RiskFreeRate">Annual risk-free rate as a fraction (0.04 = 4%).</param>
/// <param name="TradingDaysPerYear">Days used to annualise daily figures.</param>
public sealed record StatisticsInput(
    decimal StartingCash,
    IReadOnlyList<EquityPoint> Equity,
    IReadOnlyList<EquityPoint> Benchmark,
    IReadOnlyList<ClosedTrade> Trades,
    long TotalOrders,
    decimal TotalFees,
    decimal TradedNotional,
    IReadOnlyList<decimal> DailyExposureFraction,
    double RiskFreeRate = 0.0,
    int TradingDaysPerYear = 252);

/// <summary>
/// The summary statistics of one backtest. Fields named *Pct are percentages (12.5 = 12.5%); every
/// other rate is a fraction (0.45 = 45%). No field is ever NaN or infinite.
/// See <see cref="BacktestStatistics"/> for each formula.
/// </summary>
public sealed record PortfolioStatistics(
    decimal NetProfit,
    double NetProfitPct,
    double Cagr,
    double Sharpe,
    double Sortino,
    double ProbabilisticSharpe,
    double MaxDrawdownPct,
    int MaxDrawdownDurationDays,
    double WinRate,
    double LossRate,
    double ProfitLossRatio,
    decimal AverageWin,
    decimal AverageLoss,
    double Expectancy,
    long TotalOrders,
    int TotalTrades,
    decimal TotalFees,
    double Turnover,
    double Exposure,
    double? Alpha,
    double? Beta,
    double? InformationRatio,
    double AnnualReturn,
    double AnnualVolatility);

namespace Engine.Domain.Backtest;

public readonly record struct EquityPoint(DateOnly Date, decimal Equity);

public sealed record ClosedTrade(string Strategy, string Symbol, DateTime EntryTime, DateTime ExitTime, decimal Quantity, decimal EntryPrice, decimal ExitPrice, decimal ProfitLoss, decimal Fees);

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

public sealed record PortfolioStatistics(
    decimal NetProfit, double NetProfitPct, double Cagr, double Sharpe, double Sortino, double ProbabilisticSharpe,
    double MaxDrawdownPct, int MaxDrawdownDurationDays, double WinRate, double LossRate, double ProfitLossRatio,
    decimal AverageWin, decimal AverageLoss, double Expectancy, long TotalOrders, int TotalTrades, decimal TotalFees,
    double Turnover, double Exposure, double? Alpha, double? Beta, double? InformationRatio,
    double AnnualReturn, double AnnualVolatility);

public static class BacktestStatistics
{
    public static PortfolioStatistics Compute(StatisticsInput input) =>
        new(input.Equity[^1].Equity - input.StartingCash, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, input.TotalOrders, input.Trades.Count, input.TotalFees, 0, 0, null, null, null, 0, 0);
}

public static class Overfitting
{
    public static double? ProbabilityOfBacktestOverfitting(IReadOnlyList<IReadOnlyList<double>> trialDailyReturns, int partitions = 16) => null;

    public static double? DeflatedSharpe(IReadOnlyList<double> selectedDailyReturns, IReadOnlyList<double> trialSharpes) => null;

    public static double? PositiveWindowsFraction(IReadOnlyList<EquityPoint> equity, int windows = 10) => null;
}

public enum GateOutcome { Pass, Fail, NotApplicable }

public sealed record GateResult(string Section, string Key, GateOutcome Outcome, double? Measured, double? Threshold, string Detail);

public sealed record PromotionGates(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>> Sections);

public sealed record GateMeasurements(PortfolioStatistics Statistics, double? Pbo, double? DeflatedSharpe, double? PositiveWindowsFraction);

public static class PromotionGateEvaluator
{
    public static IReadOnlyList<GateResult> Evaluate(PromotionGates gates, GateMeasurements m) => [];
}

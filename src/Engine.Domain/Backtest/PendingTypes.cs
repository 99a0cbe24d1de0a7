namespace Engine.Domain.Backtest;

public readonly record struct EquityPoint(DateOnly Date, decimal Equity);

public sealed record ClosedTrade(string Strategy, string Symbol, DateTime EntryTime, DateTime ExitTime, decimal Quantity, decimal EntryPrice, decimal ExitPrice, decimal ProfitLoss, decimal Fees);

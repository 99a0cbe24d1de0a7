using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

public sealed class AccountBudgetPoolTests
{
    private static readonly AccountLimits Limits = AccountLimits.Default with
    {
        MaxGrossExposure = 100m,
        MaxNetExposure = 100m,
        MaxOpenPositions = 10,
        BudgetChunkFraction = 0.5m,
    };

    [Fact]
    public void Requests_and_returns_from_an_earlier_start_of_a_symbol_are_ignored()
    {
        var pool = new AccountBudgetPool(Limits);
        var first = pool.Register("X", default, incarnation: 1);
        Assert.Equal(50m, first.Gross);
        // X restarts (say on another node) before its old return of 50 arrives.
        var second = pool.Register("X", default, incarnation: 2);
        Assert.Equal(50m, second.Gross);
        pool.Return("X", first with { Orders = 0, Messages = 0 }, incarnation: 1);
        Assert.Equal(50m, pool.Granted["X"].Gross); // the new start still holds its 50
        Assert.Equal(Credit.Zero, pool.Grant("X", first, incarnation: 1));
        Assert.Equal(50m, pool.Grant("X", first, incarnation: 2).Gross);
        Assert.Equal(100m, pool.Allocated.Gross);
    }
}

using Engine.Domain.Risk;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Risk;

/// <summary>Design rule 2, proved over generated concurrent flows (see AccountBudgetModel).</summary>
public sealed class AccountBudgetProperties
{
    [Property(MaxTest = 3000)]
    public void No_interleaving_of_orders_grants_and_returns_takes_the_account_past_a_limit(int seed)
    {
        var broken = new AccountBudgetModel(seed).Run(steps: 300);
        Assert.True(broken is null, $"seed {seed}: {broken}");
    }

    /// <summary>The property is not vacuous: the generated flows do hit every account limit and still trade.</summary>
    [Fact]
    public void The_generated_flows_hit_every_account_limit_and_still_trade()
    {
        var rejections = new Dictionary<OrderRejectReason, int>();
        var accepted = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var model = new AccountBudgetModel(seed);
            Assert.Null(model.Run(steps: 300));
            accepted += model.Accepted;
            foreach (var (r, n) in model.Rejections) rejections[r] = rejections.GetValueOrDefault(r) + n;
        }
        Assert.True(accepted > 1_000, $"only {accepted} orders accepted");
        foreach (var reason in new[]
        {
            OrderRejectReason.AccountGrossExposure, OrderRejectReason.AccountNetExposure, OrderRejectReason.MaxOpenPositions,
            OrderRejectReason.AccountOrderRate, OrderRejectReason.AccountMessageRate,
        })
            Assert.True(rejections.GetValueOrDefault(reason) > 0, $"no {reason} rejection in 300 flows");
    }
}

using Engine.Actors.Risk;
using Engine.Domain.Symbols;
using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Fixed instances of every persisted type. The golden-byte tests pin their encodings, so never
/// edit these: add a new fixture (and a new golden literal) instead.
/// </summary>
internal static class SerializationFixtures
{
    /// <summary>A time with sub-millisecond ticks, so tick precision is pinned too.</summary>
    public static readonly DateTime T = new DateTime(2024, 3, 4, 14, 30, 15, 123, DateTimeKind.Utc).AddTicks(4567);

    public static readonly Order LimitOrder =
        new("SPY-7", "sma-cross", "SPY", Side.Sell, 1234.5678m, OrderType.Limit, 512.25m, T, 42);

    public static readonly Order MarketOrder =
        new("SPY-8", "momentum", "SPY", Side.Buy, 0.001m, OrderType.Market, null, T.AddSeconds(1), 43);

    public static readonly OrderAccepted Accepted = new(LimitOrder);

    public static readonly OrderRejected Rejected =
        new("momentum", Side.Buy, 250m, OrderType.Limit, 99.99m, OrderRejectReason.PriceCollar, T, 44);

    // A negative fee is a maker rebate.
    public static readonly OrderFilled Filled =
        new(new Fill("SPY-7", "sma-cross", "SPY", Side.Sell, 1234.5678m, 512.2500m, -0.61728390m, T, 45));

    public static readonly OrderCancelled Cancelled = new("SPY-8", "kill_switch", T, 46);

    public static readonly StrategyStopped Stopped = new("momentum", "crashed 3 times in 60s", T, 47);

    public static readonly SymbolSnapshot Snapshot = new(
        "SPY", 47, 8,
        new[] { LimitOrder, MarketOrder },
        new Dictionary<string, StrategyBook>(StringComparer.Ordinal)
        {
            ["sma-cross"] = new(new Position(-1234.5678m, 512.1234567m, 1_000_000.01m, 3.75m), 5, 4, 1,
                new Dictionary<OrderRejectReason, long>
                {
                    [OrderRejectReason.OrderRate] = 2,
                    [OrderRejectReason.KillSwitch] = 1,
                }),
            ["momentum"] = new(Position.Flat, 0, 0, 0, new Dictionary<OrderRejectReason, long>()),
        },
        new Dictionary<string, IReadOnlyList<OrderMessage>>(StringComparer.Ordinal)
        {
            ["sma-cross"] = new[]
            {
                new OrderMessage(T.AddMinutes(-1), false, Side.Buy, 100m, null),
                new OrderMessage(T.AddSeconds(-30), true, Side.Buy, 100m, null),
                new OrderMessage(T, false, Side.Sell, 1234.5678m, 512.25m),
            },
            ["momentum"] = new[] { new OrderMessage(T.AddSeconds(1), false, Side.Buy, 0.001m, null) },
        },
        new[] { "momentum" });

    /// <summary>What the first release's snapshot (acceptance times only) reads back as.</summary>
    public static readonly SymbolSnapshot SnapshotV1 = Snapshot with
    {
        RecentMessages = new Dictionary<string, IReadOnlyList<OrderMessage>>(StringComparer.Ordinal)
        {
            ["sma-cross"] = new[] { new OrderMessage(T.AddMinutes(-1), false, Side.Buy, 0m, null), new OrderMessage(T, false, Side.Buy, 0m, null) },
            ["momentum"] = new[] { new OrderMessage(T.AddSeconds(1), false, Side.Buy, 0m, null) },
        },
    };

    public static readonly OrderAccepted AcceptedFlatten =
        new(new Order("SPY-9", "sma-cross", "SPY", Side.Buy, 1234.5678m, OrderType.Limit, 512.76m, T, 48, Flatten: true));

    public static readonly OrderRejected RejectedDuplicate =
        new("momentum", Side.Sell, 250m, OrderType.Market, null, OrderRejectReason.DuplicateOrder, T, 49);

    public static readonly KillSwitchEngaged Engaged = new("engine", "daily loss -2.5% breached", "ops@desk", T);

    public static readonly KillSwitchEngaged EngagedFlatten =
        new("account:main", "drawdown 75000 reached the limit 75000", "risk-supervisor", T, Flatten: true);

    public static readonly KillSwitchReleased Released = new("engine", "ops@desk", T.AddHours(1));

    public static readonly KillSwitchReleased ReleasedWithReason = new("symbol:SPY", "ops@desk", T.AddHours(2), "feed restored");

    public static readonly ScopeReduced Reduced = new("strategy:momentum", "daily loss passed 80% of the limit", "risk-supervisor", T);

    public static readonly OrderDeferred Deferred =
        new("momentum", -1m, Side.Sell, 250m, OrderType.Limit, 99.99m, OrderRejectReason.AccountGrossExposure, T, 50);

    public static readonly SymbolSnapshot SnapshotWithDeferrals = Snapshot with
    {
        Books = new Dictionary<string, StrategyBook>(StringComparer.Ordinal)
        {
            ["sma-cross"] = Snapshot.Books["sma-cross"] with { Deferrals = 3 },
            ["momentum"] = Snapshot.Books["momentum"],
        },
    };

    public static readonly KillSwitchEngaged EngagedAtPoint =
        new("account:main", "drawdown 300 reached the limit 300", "risk-supervisor", T, Flatten: true, Point: 4711,
            DecisionId: "account:main halt at 2024-03-04T14:31:00.0000000Z");

    public static readonly KillSwitchEngaged EngagedKeepingOrders =
        new("engine", "journal failure: the PostgreSQL journal db:5432/engine cannot be reached", "engine", T, KeepOrders: true);

    public static readonly KillSwitchReleased ReleasedAtPoint =
        new("account:main", "risk-supervisor", T.AddDays(1), "new trading day", 9000, "account:main release at 2024-03-05T14:31:00.0000000Z");

    public static readonly ScopeReduced ReducedAtPoint =
        new("account:main", "drawdown 240 passed 80% of the limit 300", "risk-supervisor", T, 4700, "account:main reduce at 2024-03-04T14:30:00.0000000Z");

    public static readonly AccountCheckpoint Checkpoint = new(
        new DateTime(2024, 3, 4, 21, 0, 0, DateTimeKind.Utc),
        new TrackerState(
            new[]
            {
                new SymbolRisk("AAPL", T, 0m, 0m, default, 0m, null, false),
                new SymbolRisk("SPY", T, 1_000_000.01m, -3.75m, new Usage(51_225m, 51_225m, 0m, 2), -51_225.0001m, T.AddSeconds(-5), true),
            },
            new DateOnly(2024, 3, 4), -12.5m, 150.25m, T),
        new DateOnly(2024, 3, 1), null, new[] { "NVDA" },
        new Dictionary<string, Credit>(StringComparer.Ordinal)
        {
            ["AAPL"] = Credit.Zero,
            ["SPY"] = new Credit(51_225m, 51_225m, 0m, 2, 7, 9),
        },
        new Dictionary<string, Credit>(StringComparer.Ordinal));

    /// <summary>A checkpoint with the credit its boundary allocated.</summary>
    /// <summary>An account with funds: the credit carries buying power.</summary>
    public static readonly AccountCheckpoint CheckpointWithBuyingPower = Checkpoint with
    {
        Used = new Dictionary<string, Credit>(StringComparer.Ordinal) { ["SPY"] = new Credit(51_225m, 51_225m, 0m, 2, 7, 9, 51_226.25m) },
        Allocated = new Dictionary<string, Credit>(StringComparer.Ordinal) { ["SPY"] = new Credit(60_000m, 60_000m, 0m, 2, 7, 9, 100_007.5m) },
    };

    public static readonly AccountCheckpoint CheckpointWithAllocations = Checkpoint with
    {
        Allocated = new Dictionary<string, Credit>(StringComparer.Ordinal)
        {
            ["SPY"] = new Credit(1_000_000m, 500_000.5m, 448_775m, 50, 300, 600),
            ["AAPL"] = new Credit(948_775m, 448_775m, 448_775m, 48, 293, 591),
        },
    };

    public static readonly TradingStateApplied StateApplied = new(7, 4711);

    public static readonly BoundaryPassed Boundary = new(4712);

    /// <summary>A snapshot taken past a boundary's report (step 3 x 4712 + 1), after kill-switch change 7.</summary>
    public static readonly SymbolSnapshot SnapshotWithSteps = Snapshot with { Step = 14137, AppliedEpoch = 7 };

    public static readonly StrategyPauseChanged Paused = new("momentum", true, "ana@127.0.0.1", "slippage", T, 4713);

    public static readonly StrategyPauseChanged Resumed = new("momentum", false, "ana@127.0.0.1", "", T.AddMinutes(5), 4790);

    public static readonly SymbolSnapshot SnapshotWithPaused = SnapshotWithSteps with { PausedStrategies = new[] { "momentum" } };
}

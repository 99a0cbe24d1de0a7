using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Strategies;
using Engine.Actors.Symbols;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using static Engine.Actors.Tests.Serialization.SerializationFixtures;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Fixed instances of every wire message, keyed "MANIFEST" or "MANIFEST/variant". The wire
/// golden-byte tests pin their encodings, so never edit these: add a new fixture (and a new golden
/// literal) instead.
/// </summary>
internal static class WireFixtures
{
    public static readonly TradeBar Bar = new("SPY", T, TimeSpan.FromMinutes(1), 512.25m, 513.0001m, 511.9m, 512.50m, 1_234_567m);

    public static readonly SequencedEvent[] Events =
    {
        new(41, new TradeTick("SPY", T, 512.25m, 100m)),
        new(42, new QuoteTick("SPY", T.AddTicks(1), 512.24m, 300m, 512.26m, 0.5m)),
        new(43, Bar),
        // Not the batch's symbol: written in full.
        new(44, new TradeTick("QQQ", T.AddSeconds(1), -0.0001m, decimal.MaxValue)),
    };

    public static readonly SymbolRisk Risk =
        new("SPY", T, 1_000_000.01m, -3.75m, new Usage(51_225m, 51_225m, 0m, 2), -51_225.0001m, T.AddSeconds(-5), true);

    public static readonly AccountSliceReport Report = new(
        "main", Risk, new Credit(51_225m, 51_225m, 0m, 2, 7, 9), new Credit(1_000m, 1_000m, 0m, 1, 1, 1), new[] { "momentum" });

    public static readonly AccountSliceReport QuietReport =
        new("other", new SymbolRisk("SPY", T, 0m, 0m, default, 0m, null, false), Credit.Zero, Credit.Zero, Array.Empty<string>());

    public static readonly ScopeChange Change =
        new(3, "account:main", TradingState.Halted, true, "drawdown 300 reached the limit 300", "risk-supervisor", T, 4711);

    public static readonly ScopeChange Release =
        new(4, "symbol:SPY", TradingState.Active, false, "", "ops@desk", T.AddHours(1), 4800);

    public static readonly KillSwitchActor.Status Status = new(
        new SortedDictionary<string, ScopeChange>(StringComparer.Ordinal)
        {
            ["account:main"] = Change,
            ["strategy:momentum"] = Change with { Epoch = 2, Scope = "strategy:momentum", State = TradingState.Reducing, Flatten = false },
        },
        4);

    public static readonly SymbolReport SymbolReport = new(
        "SPY", 512.25m, 47, 2,
        new[]
        {
            new StrategyPositionReport("sma-cross", -1234.5678m, 512.1234567m, 1_000_000.01m, -12.5m, 3.75m, 5, 4, 1,
                new Dictionary<OrderRejectReason, long> { [OrderRejectReason.OrderRate] = 2, [OrderRejectReason.KillSwitch] = 1 },
                false, "main", TradingState.Reducing, 3),
            new StrategyPositionReport("momentum", 0m, 0m, 0m, 0m, 0m, 0, 0, 0, new Dictionary<OrderRejectReason, long>(), true),
        },
        true);

    public static readonly Dictionary<string, object> All = new()
    {
        ["SB"] = new SymbolBatch("SPY", 7, T.AddMinutes(1), Events, true, 123_456_789, 44),
        ["SB/empty"] = new SymbolBatch("SPY", 8, T, Array.Empty<SequencedEvent>(), false, 0),
        ["SB/first"] = new SymbolBatch("SPY", 8, T, Array.Empty<SequencedEvent>(), false, 0, 0, PreviousBatchId: 0),
        ["SB/equity"] = new SymbolBatch("SPY", 8, T, Array.Empty<SequencedEvent>(), false, 0, 0, null,
            new Dictionary<string, decimal> { ["main"] = 112_500.25m, ["other"] = 0m }),
        ["BD"] = new BatchDone("SPY", 7, new[] { Report, QuietReport }),
        ["BD/no-reports"] = new BatchDone("SPY", 8, null),
        ["BD/empty-reports"] = new BatchDone("SPY", 9, Array.Empty<AccountSliceReport>()),
        ["SF"] = new SymbolFailed("SPY", "its journal failed: disk I/O error"),
        ["RW"] = new RewindSymbol("SPY", 41),
        ["BJ"] = new BatchesJournaled("SPY", 9, 1024, 3, -0.61728390m),
        ["SLB"] = new SliceBoundary("SPY", 10, 44, new Dictionary<string, Credit>
        {
            ["main"] = new Credit(1_000_000m, 500_000.5m, 448_775m, 50, 300, 600),
            ["other"] = Credit.Zero,
        }),
        ["SLB/unchanged"] = new SliceBoundary("SPY", 11, 45, null),
        ["SLB/chained"] = new SliceBoundary("SPY", 12, 46, null, PreviousBatchId: 9),
        ["CS"] = new CaptureSnapshot("SPY", T.AddMinutes(1)),
        ["WS"] = new WriteSnapshot("SPY", T.AddMinutes(1)),
        ["RS"] = new Resubscribe("SPY"),
        ["GSR"] = new GetSymbolReport("SPY"),
        ["SR"] = SymbolReport,
        ["SR/no-price"] = new SymbolReport("NEW", null, 0, 0, Array.Empty<StrategyPositionReport>(), false),
        ["EV"] = new StrategyActor.Evaluate(7, new[] { Bar, Bar with { Time = T.AddMinutes(1), Close = 0.0001m } }),
        ["EVD"] = new StrategyActor.Evaluated("sma-cross", 7, new[]
        {
            StrategyOutcome.None, StrategyOutcome.Wants(-250.5m),
            new StrategyOutcome(StrategyOutcomeKind.Failed, 0m, "NullReferenceException: boom"),
            new StrategyOutcome(StrategyOutcomeKind.Stopped, 0m, ""),
        }),
        ["EN"] = new KillSwitchActor.Engage("engine", "runaway strategy", "alice"),
        ["EN/automatic"] = new KillSwitchActor.Engage("account:main", "drawdown 300 reached the limit 300", "risk-supervisor", true, 4711,
            "account:main halt at 2024-03-04T14:31:00.0000000Z"),
        ["EN/zero"] = new KillSwitchActor.Engage("", "", "", false, 0, ""),
        ["EN/keep-orders"] = new KillSwitchActor.Engage("engine", "journal failure", "engine", KeepOrders: true),
        ["SC/keep-orders"] = new KillSwitchActor.StateChanged(Change with { KeepOrders = true }),
        ["RD"] = new KillSwitchActor.Reduce("account:main", "daily loss passed 80% of the limit", "risk-supervisor", 4700, "account:main reduce"),
        ["RD/operator"] = new KillSwitchActor.Reduce("strategy:momentum", "looks wrong", "bob"),
        ["RL"] = new KillSwitchActor.Release("engine", "bob", "checked", 9000, "account:main release"),
        ["RL/operator"] = new KillSwitchActor.Release("symbol:SPY", "bob"),
        ["GST"] = new KillSwitchActor.GetStatus(),
        ["GA"] = new KillSwitchActor.GetAudit(),
        ["AT"] = new KillSwitchActor.AuditTrail(new IKillSwitchEvent[] { EngagedAtPoint, ReducedAtPoint, ReleasedAtPoint, Engaged }),
        ["SU"] = new KillSwitchActor.Subscribe("SPY"),
        ["SH"] = new KillSwitchActor.StateHistory(4, new[] { Change, Release }),
        ["SH/empty"] = new KillSwitchActor.StateHistory(0, Array.Empty<ScopeChange>()),
        ["SC"] = new KillSwitchActor.StateChanged(Change),
        ["CF"] = new KillSwitchActor.Confirmed("SPY", 3, -1),
        ["RF"] = new KillSwitchActor.RegisterFeed(),
        ["FR"] = new KillSwitchActor.FeedRegistered(4),
        ["Q"] = new KillSwitchActor.Quiesce(12),
        ["QD"] = new KillSwitchActor.Quiesced(12, 9_423),
        ["RE"] = new KillSwitchActor.Resume(12),
        ["CNC"] = new KillSwitchActor.ChangeNotConfirmed(3, new[] { "QQQ", "SPY" }),
        ["ST"] = Status,
        ["ACK"] = new KillSwitchActor.Acknowledged(Status, new SortedDictionary<string, long>(StringComparer.Ordinal) { ["SPY"] = 44, ["QQQ"] = -1 }, new[] { "IWM" }),
        ["ACK/empty"] = new KillSwitchActor.Acknowledged(
            new KillSwitchActor.Status(new SortedDictionary<string, ScopeChange>(StringComparer.Ordinal), 0),
            new SortedDictionary<string, long>(StringComparer.Ordinal), Array.Empty<string>()),
        ["REF"] = new KillSwitchActor.Refused("'nowhere' is not a scope"),
        ["SLC"] = new RiskSupervisor.SliceClosed("main", 17, T.AddMinutes(1), new[] { Report }),
        ["SD"] = new RiskSupervisor.SliceDecided("main", 17, new AccountDecisions(
            new[]
            {
                new RiskCommand(RiskCommandKind.Engage, "account:main", "drawdown", true, "account:main halt", "drawdown"),
                new RiskCommand(RiskCommandKind.Reduce, "account:main", "near", false, "account:main reduce", "daily_loss"),
                new RiskCommand(RiskCommandKind.Release, "symbol:SPY", "fresh data", false, "symbol:SPY release", "stale_data"),
            },
            new Dictionary<string, Credit> { ["SPY"] = new Credit(51_225m, 51_225m, 0m, 2, 7, 9), ["AAPL"] = Credit.Zero })),
        ["CC"] = new RiskSupervisor.CaptureCheckpoint("main", T.AddMinutes(1)),
        ["SCP"] = new RiskSupervisor.SaveCheckpoint("main", T.AddMinutes(1)),
        ["RR"] = new RiskSupervisors.Rewind(),
        ["CPS"] = new RiskSupervisor.CheckpointSaved("main", DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)),
        ["GAR"] = new RiskSupervisor.GetAccountRisk("main"),
        ["ARR"] = new RiskSupervisor.AccountRiskReport("main",
            new AccountRiskView(1_000_000.01m, -3.75m, 999_996.26m, -12.5m, 1_000_100m, 103.74m, 0m, 51_225m, -51_225.0001m, 2, new DateOnly(2024, 3, 4)),
            new RiskVerdict(TradingState.Reducing, "drawdown 103.74 passed 80% of the limit"), new[] { "NVDA" }),
        ["ARR/quiet"] = new RiskSupervisor.AccountRiskReport("idle",
            new AccountRiskView(0m, 0m, 0m, 0m, 0m, 0m, 0m, 0m, 0m, 0, null), new RiskVerdict(TradingState.Active, null), Array.Empty<string>()),
        ["RUN"] = new RunDirector.StartRun(new RunRequest("7f3c", "/data/lean", Array.Empty<string>(), 60.5, true, "ab12cd")),
        ["RUN/synthetic"] = new RunDirector.StartRun(new RunRequest("7f3d", null, new[] { "SPY", "QQQ" }, null, false, "ef34")),
        ["RUA"] = new RunDirector.RunAccepted("7f3c"),
        ["RUR"] = new RunDirector.RunRefused("7f3c", "run 7f3b is in progress on this cluster; one run at a time"),
        ["RUG"] = new RunDirector.GetRun("7f3c"),
        ["RUS"] = new RunDirector.StopRun("7f3c"),
        ["RUT"] = new RunDirector.RunStatus("7f3c", new RunProgress(112_320, 3, 550, 1_908.87m), null),
        ["RUT/halted"] = new RunDirector.RunStatus("7f3c", new RunProgress(40_000, 3, 210, 512.5m, "the journal failed: its session ended"), null),
        ["RUT/done"] = new RunDirector.RunStatus("7f3c", null, new RunResult(new[] { "AAPL", "SPY" }, 112_320, 390, null, false,
            new FeedTally("/data/lean", 112_323, 112_320, 3, new Dictionary<string, long> { ["bad_price"] = 2, ["duplicate"] = 1 },
                new[] { new SkippedFileEntry("equity/usa/minute/x.zip", "corrupt_archive", "not a zip file") }))),
        ["RUT/failed"] = new RunDirector.RunStatus("7f3c", null, new RunResult(Array.Empty<string>(), 0, 0, "the journal failed", true,
            new FeedTally("synthetic", 0, 0, 0, new Dictionary<string, long>(), Array.Empty<SkippedFileEntry>()))),
        ["RUT/unknown"] = new RunDirector.RunStatus("7f3c", null, null),
        ["ARR/as-of"] = new RiskSupervisor.AccountRiskReport("main",
            new AccountRiskView(0m, 0m, 0m, 0m, 0m, 0m, 0m, 51_225m, 51_225m, 1, new DateOnly(2024, 3, 4)), new RiskVerdict(TradingState.Active, null),
            Array.Empty<string>(), T.AddMinutes(1), new Credit(60_000m, 60_000m, 0m, 2, 7, 9)),
        ["SR/paused"] = new SymbolReport("SPY", 512.25m, 47, 0,
            new[] { new StrategyPositionReport("momentum", 100m, 512m, 0m, 25m, 0.5m, 1, 1, 0, new Dictionary<OrderRejectReason, long>(), false, "main", Paused: true) },
            false),
        ["GSO"] = new GetSymbolOrders("SPY"),
        ["SO"] = new SymbolOrders("SPY", 512.25m, new[] { LimitOrder, MarketOrder }),
        ["SO/none"] = new SymbolOrders("NEW", null, Array.Empty<Engine.Domain.Trading.Order>()),
        ["GFS"] = new FeedCoordinator.GetFeedStatus(),
        ["FS"] = new FeedCoordinator.FeedStatus("main", true, 61_840, 515, T, 4),
        ["FS/idle"] = FeedCoordinator.FeedStatus.Idle,
        ["PSS"] = new PauseStrategy("SPY", "mean-rev", true, "ana@127.0.0.1", "slippage"),
        ["PSS/resume"] = new PauseStrategy("SPY", "mean-rev", false, "ana@127.0.0.1", ""),
        ["PSA"] = new StrategyPauseAnswer("SPY", "mean-rev", true, true, null),
        ["PSA/refused"] = new StrategyPauseAnswer("SPY", "mean-rev", false, false, "SPY is replaying its journal"),
        ["SLB/funds"] = new SliceBoundary("SPY", 13, 47, new Dictionary<string, Credit>
        {
            ["main"] = new Credit(60_000m, 60_000m, 0m, 2, 7, 9, 31_250.125m),
        }, Equity: new Dictionary<string, decimal> { ["main"] = 101_908.87m, ["other"] = -12.5m }),
        ["SD/funds"] = new RiskSupervisor.SliceDecided("main", 18, new AccountDecisions(
            Array.Empty<RiskCommand>(), new Dictionary<string, Credit> { ["SPY"] = new Credit(51_225m, 51_225m, 0m, 2, 7, 9, 48_775.5m) }, 100_000.5m)),
        ["ARR/funds"] = new RiskSupervisor.AccountRiskReport("main",
            new AccountRiskView(10m, -2.5m, 7.5m, 0m, 7.5m, 0m, 0m, 51_225m, 51_225m, 1, new DateOnly(2024, 3, 4), 100_007.5m),
            new RiskVerdict(TradingState.Active, null), Array.Empty<string>(), T.AddMinutes(1), new Credit(60_000m, 60_000m, 0m, 2, 7, 9, 100_007.5m)),
    };

    public static string ManifestOf(string key) => key.Split('/')[0];
}

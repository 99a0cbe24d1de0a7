using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Domain.Risk;
using Engine.Domain.Symbols;
using Engine.Domain.Trading;
using Google.Protobuf;
using P = Engine.Actors.Serialization.Proto;

namespace Engine.Actors.Serialization;

/// <summary>
/// Protobuf serializer (engine_events.proto) for everything the engine journals or snapshots
/// (design rule 7). Decimals are exact (the four parts of decimal.GetBits, scale included), times
/// are UTC ticks read back as DateTimeKind.Utc, enums are mapped explicitly and an unknown value on
/// read is a SerializationException naming the field.
/// <para>
/// The identifier (501) and the manifests below are STABLE FOREVER: they are stored next to every
/// journaled event and snapshot, and a changed one would make yesterday's journal unreadable and
/// break rolling upgrades. A new type gets a new manifest; an old manifest is never reused.
/// </para>
/// </summary>
public sealed class EngineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 501;

    // Manifests: stable forever (see the class summary).
    public const string OrderAcceptedManifest = "OA";
    public const string OrderRejectedManifest = "OR";
    public const string OrderFilledManifest = "OF";
    public const string OrderCancelledManifest = "OC";
    public const string StrategyStoppedManifest = "SS";
    public const string OrderDeferredManifest = "OD";
    public const string TradingStateAppliedManifest = "TSA";
    public const string BoundaryPassedManifest = "BP";
    public const string StrategyPauseChangedManifest = "SPC";
    public const string SymbolSnapshotManifest = "SNAP";
    public const string KillSwitchEngagedManifest = "KE";
    public const string KillSwitchReleasedManifest = "KR";
    public const string ScopeReducedManifest = "KD";
    public const string AccountCheckpointManifest = "ACP";
    public const string RunStartedManifest = "RST";
    public const string RunEndedManifest = "REN";

    /// <summary>
    /// The akka.actor section that registers this serializer and binds every persisted type to it.
    /// The ISymbolEvent binding is a catch-all: a new symbol event without a manifest here fails
    /// loudly at persist time instead of falling back to a reflection-based serializer.
    /// </summary>
    public const string HoconBindings = """
        akka.actor {
          serializers {
            engine = "Engine.Actors.Serialization.EngineSerializer, Engine.Actors"
          }
          serialization-bindings {
            "Engine.Domain.Symbols.ISymbolEvent, Engine.Domain" = engine
            "Engine.Domain.Symbols.OrderAccepted, Engine.Domain" = engine
            "Engine.Domain.Symbols.OrderRejected, Engine.Domain" = engine
            "Engine.Domain.Symbols.OrderFilled, Engine.Domain" = engine
            "Engine.Domain.Symbols.OrderCancelled, Engine.Domain" = engine
            "Engine.Domain.Symbols.StrategyStopped, Engine.Domain" = engine
            "Engine.Domain.Symbols.OrderDeferred, Engine.Domain" = engine
            "Engine.Domain.Symbols.TradingStateApplied, Engine.Domain" = engine
            "Engine.Domain.Symbols.BoundaryPassed, Engine.Domain" = engine
            "Engine.Domain.Symbols.StrategyPauseChanged, Engine.Domain" = engine
            "Engine.Domain.Symbols.SymbolSnapshot, Engine.Domain" = engine
            "Engine.Domain.Risk.AccountCheckpoint, Engine.Domain" = engine
            "Engine.Actors.Risk.KillSwitchEngaged, Engine.Actors" = engine
            "Engine.Actors.Risk.KillSwitchReleased, Engine.Actors" = engine
            "Engine.Actors.Risk.ScopeReduced, Engine.Actors" = engine
            "Engine.Actors.Feeds.RunStarted, Engine.Actors" = engine
            "Engine.Actors.Feeds.RunEnded, Engine.Actors" = engine
          }
        }
        """;

    /// <summary><see cref="HoconBindings"/> parsed, for use as a fallback or in tests.</summary>
    public static Config ConfigBindings() => ConfigurationFactory.ParseString(HoconBindings);

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        OrderAccepted => OrderAcceptedManifest,
        OrderRejected => OrderRejectedManifest,
        OrderFilled => OrderFilledManifest,
        OrderCancelled => OrderCancelledManifest,
        StrategyStopped => StrategyStoppedManifest,
        OrderDeferred => OrderDeferredManifest,
        TradingStateApplied => TradingStateAppliedManifest,
        BoundaryPassed => BoundaryPassedManifest,
        StrategyPauseChanged => StrategyPauseChangedManifest,
        SymbolSnapshot => SymbolSnapshotManifest,
        AccountCheckpoint => AccountCheckpointManifest,
        KillSwitchEngaged => KillSwitchEngagedManifest,
        KillSwitchReleased => KillSwitchReleasedManifest,
        ScopeReduced => ScopeReducedManifest,
        RunStarted => RunStartedManifest,
        RunEnded => RunEndedManifest,
        _ => throw CannotSerialize(o),
    };

    public override byte[] ToBinary(object o) => ToProto(o).ToByteArray();

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest switch
            {
                OrderAcceptedManifest => new OrderAccepted(
                    FromProto(Required(P.OrderAccepted.Parser.ParseFrom(bytes).Order, "OrderAccepted.order"), "OrderAccepted.order")),
                OrderRejectedManifest => FromProto(P.OrderRejected.Parser.ParseFrom(bytes)),
                OrderFilledManifest => new OrderFilled(
                    FromProto(Required(P.OrderFilled.Parser.ParseFrom(bytes).Fill, "OrderFilled.fill"), "OrderFilled.fill")),
                OrderCancelledManifest => FromProto(P.OrderCancelled.Parser.ParseFrom(bytes)),
                StrategyStoppedManifest => FromProto(P.StrategyStopped.Parser.ParseFrom(bytes)),
                OrderDeferredManifest => FromProto(P.OrderDeferred.Parser.ParseFrom(bytes)),
                TradingStateAppliedManifest => FromProto(P.TradingStateApplied.Parser.ParseFrom(bytes)),
                BoundaryPassedManifest => new BoundaryPassed(P.BoundaryPassed.Parser.ParseFrom(bytes).FeedSeq),
                StrategyPauseChangedManifest => Parse(P.StrategyPauseChanged.Parser.ParseFrom(bytes)),
                SymbolSnapshotManifest => FromProto(P.SymbolSnapshot.Parser.ParseFrom(bytes)),
                AccountCheckpointManifest => FromProto(P.AccountCheckpoint.Parser.ParseFrom(bytes)),
                KillSwitchEngagedManifest => FromProto(P.KillSwitchEngaged.Parser.ParseFrom(bytes)),
                KillSwitchReleasedManifest => FromProto(P.KillSwitchReleased.Parser.ParseFrom(bytes)),
                ScopeReducedManifest => FromProto(P.ScopeReduced.Parser.ParseFrom(bytes)),
                RunStartedManifest => new RunStarted(FromProto(Required(P.RunStarted.Parser.ParseFrom(bytes).Request, "RunStarted.request"))),
                RunEndedManifest => new RunEnded(P.RunEnded.Parser.ParseFrom(bytes).RunId),
                _ => throw new SerializationException(
                    $"EngineSerializer: unknown manifest '{manifest}' ({bytes.Length} bytes); was it written by a newer release?"),
            };
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"EngineSerializer: malformed payload for manifest '{manifest}': {e.Message}", e);
        }
    }

    private static SerializationException CannotSerialize(object o) =>
        new($"EngineSerializer cannot serialize {o?.GetType().FullName ?? "null"}; bind it to another serializer or add a manifest");

    // ---- write ----

    internal static IMessage ToProto(object o) => o switch
    {
        OrderAccepted a => new P.OrderAccepted { Order = ToProto(a.Order) },
        OrderRejected r => new P.OrderRejected
        {
            StrategyId = r.StrategyId,
            Side = ToProto(r.Side),
            Quantity = Dec(r.Quantity),
            Type = ToProto(r.Type),
            LimitPrice = r.LimitPrice is { } l ? Dec(l) : null,
            Reason = ToProto(r.Reason),
            TimeTicks = Ticks(r.Time),
            FeedSeq = r.FeedSeq,
        },
        OrderFilled f => new P.OrderFilled { Fill = ToProto(f.Fill) },
        OrderCancelled c => new P.OrderCancelled { OrderId = c.OrderId, Reason = c.Reason, TimeTicks = Ticks(c.Time), FeedSeq = c.FeedSeq },
        StrategyStopped s => new P.StrategyStopped { StrategyId = s.StrategyId, Reason = s.Reason, TimeTicks = Ticks(s.Time), FeedSeq = s.FeedSeq },
        StrategyPauseChanged c => new P.StrategyPauseChanged
        {
            StrategyId = c.StrategyId,
            Paused = c.Paused,
            Operator = c.Operator,
            Reason = c.Reason,
            TimeTicks = Ticks(c.Time),
            FeedSeq = c.FeedSeq,
        },
        OrderDeferred d => new P.OrderDeferred
        {
            StrategyId = d.StrategyId,
            Target = Dec(d.Target),
            Side = ToProto(d.Side),
            Quantity = Dec(d.Quantity),
            Type = ToProto(d.Type),
            LimitPrice = d.LimitPrice is { } l ? Dec(l) : null,
            Reason = ToProto(d.Reason),
            TimeTicks = Ticks(d.Time),
            FeedSeq = d.FeedSeq,
        },
        TradingStateApplied t => new P.TradingStateApplied { Epoch = t.Epoch, FeedSeq = t.FeedSeq },
        BoundaryPassed b => new P.BoundaryPassed { FeedSeq = b.FeedSeq },
        SymbolSnapshot s => ToProto(s),
        AccountCheckpoint c => ToProto(c),
        RunStarted r => new P.RunStarted { Request = ToProto(r.Request) },
        RunEnded r => new P.RunEnded { RunId = r.RunId },
        KillSwitchEngaged e => new P.KillSwitchEngaged
        {
            Scope = e.Scope,
            Reason = e.Reason,
            Operator = e.Operator,
            TimeTicks = Ticks(e.Time),
            Flatten = e.Flatten,
            Point = e.Point,
            DecisionId = e.DecisionId ?? "",
            KeepOrders = e.KeepOrders,
        },
        KillSwitchReleased r => new P.KillSwitchReleased
        {
            Scope = r.Scope,
            Operator = r.Operator,
            TimeTicks = Ticks(r.Time),
            Reason = r.Reason,
            Point = r.Point,
            DecisionId = r.DecisionId ?? "",
        },
        ScopeReduced r => new P.ScopeReduced
        {
            Scope = r.Scope,
            Reason = r.Reason,
            Operator = r.Operator,
            TimeTicks = Ticks(r.Time),
            Point = r.Point,
            DecisionId = r.DecisionId ?? "",
        },
        _ => throw CannotSerialize(o),
    };

    internal static P.Order ToProto(Order o) => new()
    {
        OrderId = o.OrderId,
        StrategyId = o.StrategyId,
        Symbol = o.Symbol,
        Side = ToProto(o.Side),
        Quantity = Dec(o.Quantity),
        Type = ToProto(o.Type),
        LimitPrice = o.LimitPrice is { } l ? Dec(l) : null,
        AcceptedAtTicks = Ticks(o.AcceptedAt),
        AcceptedSeq = o.AcceptedSeq,
        Flatten = o.Flatten,
    };

    internal static P.Fill ToProto(Fill f) => new()
    {
        OrderId = f.OrderId,
        StrategyId = f.StrategyId,
        Symbol = f.Symbol,
        Side = ToProto(f.Side),
        Quantity = Dec(f.Quantity),
        Price = Dec(f.Price),
        Fee = Dec(f.Fee),
        TimeTicks = Ticks(f.Time),
        FeedSeq = f.FeedSeq,
    };

    private static P.SymbolSnapshot ToProto(SymbolSnapshot s)
    {
        var p = new P.SymbolSnapshot { Symbol = s.Symbol, Watermark = s.Watermark, OrderCounter = s.OrderCounter };
        // Open orders keep their order (matching walks them in acceptance order); map-like
        // collections are sorted so equal snapshots give equal bytes.
        p.OpenOrders.AddRange(s.OpenOrders.Select(ToProto));
        foreach (var (id, b) in s.Books.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var book = new P.StrategyBook
            {
                StrategyId = id,
                Position = new P.Position
                {
                    Quantity = Dec(b.Position.Quantity),
                    AverageCost = Dec(b.Position.AverageCost),
                    RealizedPnl = Dec(b.Position.RealizedPnl),
                    Fees = Dec(b.Position.Fees),
                },
                OrdersAccepted = b.OrdersAccepted,
                Fills = b.Fills,
                Cancels = b.Cancels,
                Deferrals = b.Deferrals,
            };
            book.Rejections.AddRange(b.Rejections
                .Select(kv => new P.RejectionCount { Reason = ToProto(kv.Key), Count = kv.Value })
                .OrderBy(r => (int)r.Reason));
            p.Books.Add(book);
        }
        foreach (var (id, messages) in s.RecentMessages.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var r = new P.StrategyMessages { StrategyId = id };
            r.Messages.AddRange(messages.Select(m => new P.RecentMessage
            {
                TimeTicks = Ticks(m.Time),
                IsCancel = m.IsCancel,
                Side = ToProto(m.Side),
                Quantity = Dec(m.Quantity),
                LimitPrice = m.LimitPrice is { } l ? Dec(l) : null,
            }));
            p.RecentMessages.Add(r);
        }
        p.StoppedStrategies.AddRange(s.StoppedStrategies);
        p.PausedStrategies.AddRange(s.PausedStrategies ?? []);
        p.Step = s.Step;
        p.AppliedEpoch = s.AppliedEpoch;
        return p;
    }

    private static P.AccountCheckpoint ToProto(AccountCheckpoint c)
    {
        var p = new P.AccountCheckpoint
        {
            BoundaryTicks = Ticks(c.Boundary),
            DayStart = Dec(c.Tracker.DayStart),
            HighWater = Dec(c.Tracker.HighWater),
        };
        if (c.Tracker.Day is { } day) p.Day = day.DayNumber;
        if (c.Tracker.LatestTime is { } latest) p.LatestTicks = Ticks(latest);
        if (c.HaltedOn is { } halted) p.HaltedOn = halted.DayNumber;
        if (c.ReducedOn is { } reduced) p.ReducedOn = reduced.DayNumber;
        p.Symbols.AddRange(c.Tracker.Symbols.OrderBy(r => r.Symbol, StringComparer.Ordinal).Select(ToProto));
        p.StaleEngaged.AddRange(c.StaleEngaged.Order(StringComparer.Ordinal));
        p.Used.AddRange(ToProto(c.Used));
        p.Allocated.AddRange(ToProto(c.Allocated));
        return p;
    }

    internal static P.SymbolRisk ToProto(SymbolRisk r)
    {
        var risk = new P.SymbolRisk
        {
            Symbol = r.Symbol,
            TimeTicks = Ticks(r.Time),
            Realized = Dec(r.Realized),
            Unrealized = Dec(r.Unrealized),
            Usage = new P.Usage
            {
                Gross = Dec(r.Usage.Gross),
                LongExposure = Dec(r.Usage.Long),
                ShortExposure = Dec(r.Usage.Short),
                Positions = r.Usage.Positions,
                BuyingPower = OmitZero(r.Usage.BuyingPower),
            },
            NetExposure = Dec(r.NetExposure),
            Exposed = r.Exposed,
        };
        if (r.LastData is { } last) risk.LastDataTicks = Ticks(last);
        return risk;
    }

    internal static IEnumerable<P.SymbolCredit> ToProto(IReadOnlyDictionary<string, Credit> credits) =>
        credits.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new P.SymbolCredit
        {
            Symbol = kv.Key,
            Credit = ToProto(kv.Value),
        });

    /// <summary>UTC ticks. Engine times are UTC; a Local time is converted, Unspecified is taken as UTC.</summary>
    internal static long Ticks(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime().Ticks : t.Ticks;

    internal static P.DecimalValue Dec(decimal d)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(d, bits);
        return new P.DecimalValue { Lo = bits[0], Mid = bits[1], Hi = bits[2], Flags = bits[3] };
    }

    internal static P.Side ToProto(Side s) => s switch
    {
        Side.Buy => P.Side.Buy,
        Side.Sell => P.Side.Sell,
        _ => throw new SerializationException($"cannot serialize Side value {(int)s}"),
    };

    internal static P.OrderType ToProto(OrderType t) => t switch
    {
        OrderType.Market => P.OrderType.Market,
        OrderType.Limit => P.OrderType.Limit,
        _ => throw new SerializationException($"cannot serialize OrderType value {(int)t}"),
    };

    internal static P.RejectReason ToProto(OrderRejectReason r) => r switch
    {
        OrderRejectReason.KillSwitch => P.RejectReason.KillSwitch,
        OrderRejectReason.StrategyHalted => P.RejectReason.StrategyHalted,
        OrderRejectReason.NoReferencePrice => P.RejectReason.NoReferencePrice,
        OrderRejectReason.MaxOrderQuantity => P.RejectReason.MaxOrderQuantity,
        OrderRejectReason.MaxOrderNotional => P.RejectReason.MaxOrderNotional,
        OrderRejectReason.MaxPosition => P.RejectReason.MaxPosition,
        OrderRejectReason.PriceCollar => P.RejectReason.PriceCollar,
        OrderRejectReason.OrderRate => P.RejectReason.OrderRate,
        OrderRejectReason.InvalidOrder => P.RejectReason.InvalidOrder,
        OrderRejectReason.ReduceOnly => P.RejectReason.ReduceOnly,
        OrderRejectReason.RestrictedSymbol => P.RejectReason.RestrictedSymbol,
        OrderRejectReason.OutsideTradingHours => P.RejectReason.OutsideTradingHours,
        OrderRejectReason.MaxPositionNotional => P.RejectReason.MaxPositionNotional,
        OrderRejectReason.MaxSymbolPosition => P.RejectReason.MaxSymbolPosition,
        OrderRejectReason.MaxOpenOrders => P.RejectReason.MaxOpenOrders,
        OrderRejectReason.MessageRate => P.RejectReason.MessageRate,
        OrderRejectReason.DuplicateOrder => P.RejectReason.DuplicateOrder,
        OrderRejectReason.AccountGrossExposure => P.RejectReason.AccountGrossExposure,
        OrderRejectReason.AccountNetExposure => P.RejectReason.AccountNetExposure,
        OrderRejectReason.MaxOpenPositions => P.RejectReason.MaxOpenPositions,
        OrderRejectReason.AccountOrderRate => P.RejectReason.AccountOrderRate,
        OrderRejectReason.AccountMessageRate => P.RejectReason.AccountMessageRate,
        OrderRejectReason.InsufficientBuyingPower => P.RejectReason.InsufficientBuyingPower,
        OrderRejectReason.CashAccountShort => P.RejectReason.CashAccountShort,
        _ => throw new SerializationException($"cannot serialize OrderRejectReason value {(int)r}"),
    };

    // ---- read ----

    internal static Order FromProto(P.Order o, string field) => new(
        o.OrderId, o.StrategyId, o.Symbol,
        FromProto(o.Side, field + ".side"),
        Dec(o.Quantity, field + ".quantity"),
        FromProto(o.Type, field + ".type"),
        o.LimitPrice is null ? null : Dec(o.LimitPrice, field + ".limit_price"),
        Utc(o.AcceptedAtTicks, field + ".accepted_at_ticks"),
        o.AcceptedSeq,
        o.Flatten);

    internal static Fill FromProto(P.Fill f, string field) => new(
        f.OrderId, f.StrategyId, f.Symbol,
        FromProto(f.Side, field + ".side"),
        Dec(f.Quantity, field + ".quantity"),
        Dec(f.Price, field + ".price"),
        Dec(f.Fee, field + ".fee"),
        Utc(f.TimeTicks, field + ".time_ticks"),
        f.FeedSeq);

    private static OrderRejected FromProto(P.OrderRejected r) => new(
        r.StrategyId,
        FromProto(r.Side, "OrderRejected.side"),
        Dec(r.Quantity, "OrderRejected.quantity"),
        FromProto(r.Type, "OrderRejected.type"),
        r.LimitPrice is null ? null : Dec(r.LimitPrice, "OrderRejected.limit_price"),
        FromProto(r.Reason, "OrderRejected.reason"),
        Utc(r.TimeTicks, "OrderRejected.time_ticks"),
        r.FeedSeq);

    private static OrderCancelled FromProto(P.OrderCancelled c) =>
        new(c.OrderId, c.Reason, Utc(c.TimeTicks, "OrderCancelled.time_ticks"), c.FeedSeq);

    private static StrategyPauseChanged Parse(P.StrategyPauseChanged c) =>
        new(c.StrategyId, c.Paused, c.Operator, c.Reason, Utc(c.TimeTicks, "StrategyPauseChanged.time_ticks"), c.FeedSeq);

    private static StrategyStopped FromProto(P.StrategyStopped s) =>
        new(s.StrategyId, s.Reason, Utc(s.TimeTicks, "StrategyStopped.time_ticks"), s.FeedSeq);

    private static TradingStateApplied FromProto(P.TradingStateApplied t) => new(t.Epoch, t.FeedSeq);

    private static OrderDeferred FromProto(P.OrderDeferred d) => new(
        d.StrategyId,
        Dec(d.Target, "OrderDeferred.target"),
        FromProto(d.Side, "OrderDeferred.side"),
        Dec(d.Quantity, "OrderDeferred.quantity"),
        FromProto(d.Type, "OrderDeferred.type"),
        d.LimitPrice is null ? null : Dec(d.LimitPrice, "OrderDeferred.limit_price"),
        FromProto(d.Reason, "OrderDeferred.reason"),
        Utc(d.TimeTicks, "OrderDeferred.time_ticks"),
        d.FeedSeq);

    internal static P.RunRequest ToProto(RunRequest r)
    {
        var p = new P.RunRequest { RunId = r.RunId, ContinueAnyway = r.ContinueAnyway, InputDigest = r.InputDigest };
        if (r.DataPath is { } path) p.DataPath = path;
        if (r.Speed is { } speed) p.Speed = speed;
        p.Symbols.AddRange(r.Symbols);
        return p;
    }

    internal static RunRequest FromProto(P.RunRequest p) =>
        new(p.RunId, p.HasDataPath ? p.DataPath : null, p.Symbols.ToArray(), p.HasSpeed ? p.Speed : null, p.ContinueAnyway, p.InputDigest);

    internal static KillSwitchEngaged FromProto(P.KillSwitchEngaged e) =>
        new(e.Scope, e.Reason, e.Operator, Utc(e.TimeTicks, "KillSwitchEngaged.time_ticks"), e.Flatten, e.Point, NullIfEmpty(e.DecisionId), e.KeepOrders);

    internal static KillSwitchReleased FromProto(P.KillSwitchReleased r) =>
        new(r.Scope, r.Operator, Utc(r.TimeTicks, "KillSwitchReleased.time_ticks"), r.Reason, r.Point, NullIfEmpty(r.DecisionId));

    internal static ScopeReduced FromProto(P.ScopeReduced r) =>
        new(r.Scope, r.Reason, r.Operator, Utc(r.TimeTicks, "ScopeReduced.time_ticks"), r.Point, NullIfEmpty(r.DecisionId));

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static AccountCheckpoint FromProto(P.AccountCheckpoint p)
    {
        var symbols = p.Symbols.Select(r => FromProto(r, $"AccountCheckpoint.symbols['{r.Symbol}']")).ToArray();
        var used = FromProto(p.Used, "AccountCheckpoint.used");
        var allocated = FromProto(p.Allocated, "AccountCheckpoint.allocated");
        var tracker = new TrackerState(
            symbols,
            p.HasDay ? Day(p.Day, "AccountCheckpoint.day") : null,
            Dec(p.DayStart, "AccountCheckpoint.day_start"),
            Dec(p.HighWater, "AccountCheckpoint.high_water"),
            p.HasLatestTicks ? Utc(p.LatestTicks, "AccountCheckpoint.latest_ticks") : null);
        return new AccountCheckpoint(
            Utc(p.BoundaryTicks, "AccountCheckpoint.boundary_ticks"), tracker,
            p.HasHaltedOn ? Day(p.HaltedOn, "AccountCheckpoint.halted_on") : null,
            p.HasReducedOn ? Day(p.ReducedOn, "AccountCheckpoint.reduced_on") : null,
            p.StaleEngaged.ToArray(), used, allocated);
    }

    internal static SymbolRisk FromProto(P.SymbolRisk r, string field)
    {
        var usage = Required(r.Usage, field + ".usage");
        return new SymbolRisk(
            r.Symbol, Utc(r.TimeTicks, field + ".time_ticks"),
            Dec(r.Realized, field + ".realized"), Dec(r.Unrealized, field + ".unrealized"),
            new Usage(Dec(usage.Gross, field + ".usage.gross"), Dec(usage.LongExposure, field + ".usage.long_exposure"),
                Dec(usage.ShortExposure, field + ".usage.short_exposure"), usage.Positions,
                DecOrZero(usage.BuyingPower, field + ".usage.buying_power")),
            Dec(r.NetExposure, field + ".net_exposure"),
            r.HasLastDataTicks ? Utc(r.LastDataTicks, field + ".last_data_ticks") : null,
            r.Exposed);
    }

    internal static SortedDictionary<string, Credit> FromProto(IEnumerable<P.SymbolCredit> credits, string name)
    {
        var result = new SortedDictionary<string, Credit>(StringComparer.Ordinal);
        foreach (var u in credits)
        {
            var field = $"{name}['{u.Symbol}']";
            var c = Required(u.Credit, field);
            var credit = FromProto(c, field);
            if (!result.TryAdd(u.Symbol, credit)) throw new SerializationException($"duplicate symbol '{u.Symbol}' in {name}");
        }
        return result;
    }

    internal static DateOnly Day(int dayNumber, string field) =>
        dayNumber is >= 0 and <= 3_652_058 // DateOnly.MaxValue.DayNumber
            ? DateOnly.FromDayNumber(dayNumber)
            : throw new SerializationException($"field '{field}' has out-of-range day number {dayNumber}");

    private static SymbolSnapshot FromProto(P.SymbolSnapshot p)
    {
        var openOrders = p.OpenOrders.Select((o, i) => FromProto(o, $"SymbolSnapshot.open_orders[{i}]")).ToArray();

        var books = new Dictionary<string, StrategyBook>(StringComparer.Ordinal);
        foreach (var b in p.Books)
        {
            var field = $"SymbolSnapshot.books['{b.StrategyId}']";
            var pos = Required(b.Position, field + ".position");
            var rejections = new Dictionary<OrderRejectReason, long>();
            foreach (var r in b.Rejections)
            {
                if (!rejections.TryAdd(FromProto(r.Reason, field + ".rejections.reason"), r.Count))
                    throw new SerializationException($"duplicate reason {r.Reason} in {field}.rejections");
            }
            var book = new StrategyBook(
                new Position(
                    Dec(pos.Quantity, field + ".position.quantity"),
                    Dec(pos.AverageCost, field + ".position.average_cost"),
                    Dec(pos.RealizedPnl, field + ".position.realized_pnl"),
                    Dec(pos.Fees, field + ".position.fees")),
                b.OrdersAccepted, b.Fills, b.Cancels, rejections, b.Deferrals);
            if (!books.TryAdd(b.StrategyId, book))
                throw new SerializationException($"duplicate strategy_id '{b.StrategyId}' in SymbolSnapshot.books");
        }

        var recent = new Dictionary<string, IReadOnlyList<OrderMessage>>(StringComparer.Ordinal);
        foreach (var r in p.RecentMessages)
        {
            var field = $"SymbolSnapshot.recent_messages['{r.StrategyId}']";
            var messages = r.Messages.Select((m, i) => new OrderMessage(
                Utc(m.TimeTicks, $"{field}[{i}].time_ticks"), m.IsCancel,
                FromProto(m.Side, $"{field}[{i}].side"),
                Dec(m.Quantity, $"{field}[{i}].quantity"),
                m.LimitPrice is null ? null : Dec(m.LimitPrice, $"{field}[{i}].limit_price"))).ToArray();
            if (!recent.TryAdd(r.StrategyId, messages))
                throw new SerializationException($"duplicate strategy_id '{r.StrategyId}' in SymbolSnapshot.recent_messages");
        }
        // A snapshot of the first release has acceptance times only: they still count for the rate
        // limits, and quantity 0 never matches the duplicate guard.
        foreach (var r in p.RecentOrders)
        {
            var field = $"SymbolSnapshot.recent_orders['{r.StrategyId}'].times_ticks";
            var legacy = r.TimesTicks.Select(t => new OrderMessage(Utc(t, field), false, Side.Buy, 0m, null)).ToArray();
            if (!recent.TryAdd(r.StrategyId, legacy))
                throw new SerializationException($"duplicate strategy_id '{r.StrategyId}' in SymbolSnapshot.recent_orders");
        }

        return new SymbolSnapshot(p.Symbol, p.Watermark, p.OrderCounter, openOrders, books, recent, p.StoppedStrategies.ToArray(), p.Step, p.AppliedEpoch,
            p.PausedStrategies.ToArray());
    }

    internal static T Required<T>(T? message, string field) where T : class =>
        message ?? throw new SerializationException($"required field '{field}' is missing");

    internal static DateTime Utc(long ticks, string field) =>
        ticks is >= 0 and <= 3_155_378_975_999_999_999 // DateTime.MaxValue.Ticks
            ? new DateTime(ticks, DateTimeKind.Utc)
            : throw new SerializationException($"field '{field}' has out-of-range ticks {ticks}");

    internal static P.Credit ToProto(Credit c) => new()
    {
        Gross = Dec(c.Gross),
        LongExposure = Dec(c.Long),
        ShortExposure = Dec(c.Short),
        Positions = c.Positions,
        Orders = c.Orders,
        Messages = c.Messages,
        BuyingPower = OmitZero(c.BuyingPower),
    };

    internal static Credit FromProto(P.Credit c, string field) => new(
        Dec(c.Gross, field + ".gross"), Dec(c.LongExposure, field + ".long_exposure"), Dec(c.ShortExposure, field + ".short_exposure"),
        c.Positions, c.Orders, c.Messages, DecOrZero(c.BuyingPower, field + ".buying_power"));

    /// <summary>A decimal added after data was first written, left out when 0 so that data without it reads and writes as before.</summary>
    internal static P.DecimalValue? OmitZero(decimal d) => d == 0m ? null : Dec(d);

    /// <summary>A decimal added after data was first written: absent in older data, where it meant 0.</summary>
    internal static decimal DecOrZero(P.DecimalValue? d, string field) => d is null ? 0m : Dec(d, field);

    internal static decimal Dec(P.DecimalValue? d, string field)
    {
        if (d is null) throw new SerializationException($"required decimal field '{field}' is missing");
        try
        {
            return new decimal([d.Lo, d.Mid, d.Hi, d.Flags]);
        }
        catch (ArgumentException e)
        {
            throw new SerializationException($"field '{field}' is not a valid decimal (flags 0x{d.Flags:X8})", e);
        }
    }

    internal static Side FromProto(P.Side s, string field) => s switch
    {
        P.Side.Buy => Side.Buy,
        P.Side.Sell => Side.Sell,
        _ => throw new SerializationException($"field '{field}' has unknown Side value {(int)s}"),
    };

    internal static OrderType FromProto(P.OrderType t, string field) => t switch
    {
        P.OrderType.Market => OrderType.Market,
        P.OrderType.Limit => OrderType.Limit,
        _ => throw new SerializationException($"field '{field}' has unknown OrderType value {(int)t}"),
    };

    internal static OrderRejectReason FromProto(P.RejectReason r, string field) => r switch
    {
        P.RejectReason.KillSwitch => OrderRejectReason.KillSwitch,
        P.RejectReason.StrategyHalted => OrderRejectReason.StrategyHalted,
        P.RejectReason.NoReferencePrice => OrderRejectReason.NoReferencePrice,
        P.RejectReason.MaxOrderQuantity => OrderRejectReason.MaxOrderQuantity,
        P.RejectReason.MaxOrderNotional => OrderRejectReason.MaxOrderNotional,
        P.RejectReason.MaxPosition => OrderRejectReason.MaxPosition,
        P.RejectReason.PriceCollar => OrderRejectReason.PriceCollar,
        P.RejectReason.OrderRate => OrderRejectReason.OrderRate,
        P.RejectReason.InvalidOrder => OrderRejectReason.InvalidOrder,
        P.RejectReason.ReduceOnly => OrderRejectReason.ReduceOnly,
        P.RejectReason.RestrictedSymbol => OrderRejectReason.RestrictedSymbol,
        P.RejectReason.OutsideTradingHours => OrderRejectReason.OutsideTradingHours,
        P.RejectReason.MaxPositionNotional => OrderRejectReason.MaxPositionNotional,
        P.RejectReason.MaxSymbolPosition => OrderRejectReason.MaxSymbolPosition,
        P.RejectReason.MaxOpenOrders => OrderRejectReason.MaxOpenOrders,
        P.RejectReason.MessageRate => OrderRejectReason.MessageRate,
        P.RejectReason.DuplicateOrder => OrderRejectReason.DuplicateOrder,
        P.RejectReason.AccountGrossExposure => OrderRejectReason.AccountGrossExposure,
        P.RejectReason.AccountNetExposure => OrderRejectReason.AccountNetExposure,
        P.RejectReason.MaxOpenPositions => OrderRejectReason.MaxOpenPositions,
        P.RejectReason.AccountOrderRate => OrderRejectReason.AccountOrderRate,
        P.RejectReason.AccountMessageRate => OrderRejectReason.AccountMessageRate,
        P.RejectReason.InsufficientBuyingPower => OrderRejectReason.InsufficientBuyingPower,
        P.RejectReason.CashAccountShort => OrderRejectReason.CashAccountShort,
        _ => throw new SerializationException($"field '{field}' has unknown RejectReason value {(int)r}"),
    };
}

using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Engine.Actors.Risk;
using Engine.Actors.Symbols;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using Google.Protobuf;
using P = Engine.Actors.Serialization.Proto;

namespace Engine.Actors.Serialization;

/// <summary>
/// Protobuf serializer for everything the engine journals. Manifests are stable forever: a changed
/// manifest would make yesterday's journal unreadable. Bound in hocon/engine.conf.
/// </summary>
public sealed class EngineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 501;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        OrderAccepted => "OA",
        OrderRejected => "OR",
        OrderFilled => "OF",
        OrderCancelled => "OC",
        StrategyStopped => "SS",
        SymbolSnapshot => "SNAP",
        KillSwitchEngaged => "KE",
        KillSwitchReleased => "KR",
        _ => throw new SerializationException($"EngineSerializer cannot serialize {o.GetType().FullName}"),
    };

    public override byte[] ToBinary(object o) => (o switch
    {
        OrderAccepted a => (IMessage)new P.OrderAccepted { Order = ToProto(a.Order) },
        OrderRejected r => new P.OrderRejected
        {
            StrategyId = r.StrategyId, Side = ToProto(r.Side), Quantity = Dec(r.Quantity), Type = ToProto(r.Type),
            LimitPrice = r.LimitPrice is { } l ? Dec(l) : null, Reason = ToProto(r.Reason), TimeTicks = r.Time.Ticks, FeedSeq = r.FeedSeq,
        },
        OrderFilled f => new P.OrderFilled { Fill = ToProto(f.Fill) },
        OrderCancelled c => new P.OrderCancelled { OrderId = c.OrderId, Reason = c.Reason, TimeTicks = c.Time.Ticks, FeedSeq = c.FeedSeq },
        StrategyStopped s => new P.StrategyStopped { StrategyId = s.StrategyId, Reason = s.Reason, TimeTicks = s.Time.Ticks, FeedSeq = s.FeedSeq },
        SymbolSnapshot s => ToProto(s),
        KillSwitchEngaged e => new P.KillSwitchEngaged { Scope = e.Scope, Reason = e.Reason, Operator = e.Operator, TimeTicks = e.Time.Ticks },
        KillSwitchReleased r => new P.KillSwitchReleased { Scope = r.Scope, Operator = r.Operator, TimeTicks = r.Time.Ticks },
        _ => throw new SerializationException($"EngineSerializer cannot serialize {o.GetType().FullName}"),
    }).ToByteArray();

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "OA" => new OrderAccepted(FromProto(P.OrderAccepted.Parser.ParseFrom(bytes).Order)),
        "OR" => FromProto(P.OrderRejected.Parser.ParseFrom(bytes)),
        "OF" => new OrderFilled(FromProto(P.OrderFilled.Parser.ParseFrom(bytes).Fill)),
        "OC" => P.OrderCancelled.Parser.ParseFrom(bytes) is var c
            ? new OrderCancelled(c.OrderId, c.Reason, Utc(c.TimeTicks), c.FeedSeq) : null!,
        "SS" => P.StrategyStopped.Parser.ParseFrom(bytes) is var s
            ? new StrategyStopped(s.StrategyId, s.Reason, Utc(s.TimeTicks), s.FeedSeq) : null!,
        "SNAP" => FromProto(P.SymbolSnapshot.Parser.ParseFrom(bytes)),
        "KE" => P.KillSwitchEngaged.Parser.ParseFrom(bytes) is var e
            ? new KillSwitchEngaged(e.Scope, e.Reason, e.Operator, Utc(e.TimeTicks)) : null!,
        "KR" => P.KillSwitchReleased.Parser.ParseFrom(bytes) is var r
            ? new KillSwitchReleased(r.Scope, r.Operator, Utc(r.TimeTicks)) : null!,
        _ => throw new SerializationException($"EngineSerializer: unknown manifest '{manifest}'"),
    };

    private static DateTime Utc(long ticks) => new(ticks, DateTimeKind.Utc);

    private static P.Dec Dec(decimal d)
    {
        var bits = decimal.GetBits(d);
        return new P.Dec { Lo = bits[0], Mid = bits[1], Hi = bits[2], Flags = bits[3] };
    }

    private static decimal Dec(P.Dec? d, string field) =>
        d is null ? throw new SerializationException($"missing decimal field '{field}'") : new decimal(new[] { d.Lo, d.Mid, d.Hi, d.Flags });

    private static P.Side ToProto(Side s) => s switch
    {
        Side.Buy => P.Side.Buy,
        Side.Sell => P.Side.Sell,
        _ => throw new SerializationException($"unknown side {s}"),
    };

    private static Side FromProto(P.Side s) => s switch
    {
        P.Side.Buy => Side.Buy,
        P.Side.Sell => Side.Sell,
        _ => throw new SerializationException($"field 'side' has unknown value {s}"),
    };

    private static P.OrderType ToProto(OrderType t) => t switch
    {
        OrderType.Market => P.OrderType.Market,
        OrderType.Limit => P.OrderType.Limit,
        _ => throw new SerializationException($"unknown order type {t}"),
    };

    private static OrderType FromProto(P.OrderType t) => t switch
    {
        P.OrderType.Market => OrderType.Market,
        P.OrderType.Limit => OrderType.Limit,
        _ => throw new SerializationException($"field 'type' has unknown value {t}"),
    };

    private static readonly (OrderRejectReason Domain, P.RejectReason Wire)[] Reasons =
    {
        (OrderRejectReason.KillSwitch, P.RejectReason.KillSwitch),
        (OrderRejectReason.StrategyHalted, P.RejectReason.StrategyHalted),
        (OrderRejectReason.NoReferencePrice, P.RejectReason.NoReferencePrice),
        (OrderRejectReason.MaxOrderQuantity, P.RejectReason.MaxOrderQuantity),
        (OrderRejectReason.MaxOrderNotional, P.RejectReason.MaxOrderNotional),
        (OrderRejectReason.MaxPosition, P.RejectReason.MaxPosition),
        (OrderRejectReason.PriceCollar, P.RejectReason.PriceCollar),
        (OrderRejectReason.OrderRate, P.RejectReason.OrderRate),
    };

    private static P.RejectReason ToProto(OrderRejectReason r)
    {
        foreach (var (d, w) in Reasons) if (d == r) return w;
        throw new SerializationException($"unknown reject reason {r}");
    }

    private static OrderRejectReason FromProto(P.RejectReason r)
    {
        foreach (var (d, w) in Reasons) if (w == r) return d;
        throw new SerializationException($"field 'reason' has unknown value {r}");
    }

    private static P.Order ToProto(Order o) => new()
    {
        OrderId = o.OrderId, StrategyId = o.StrategyId, Symbol = o.Symbol, Side = ToProto(o.Side), Quantity = Dec(o.Quantity),
        Type = ToProto(o.Type), LimitPrice = o.LimitPrice is { } l ? Dec(l) : null, AcceptedAtTicks = o.AcceptedAt.Ticks,
        AcceptedSeq = o.AcceptedSeq,
    };

    private static Order FromProto(P.Order o) => new(
        o.OrderId, o.StrategyId, o.Symbol, FromProto(o.Side), Dec(o.Quantity, "quantity"), FromProto(o.Type),
        o.LimitPrice is null ? null : Dec(o.LimitPrice, "limit_price"), Utc(o.AcceptedAtTicks), o.AcceptedSeq);

    private static P.Fill ToProto(Fill f) => new()
    {
        OrderId = f.OrderId, StrategyId = f.StrategyId, Symbol = f.Symbol, Side = ToProto(f.Side), Quantity = Dec(f.Quantity),
        Price = Dec(f.Price), Fee = Dec(f.Fee), TimeTicks = f.Time.Ticks, FeedSeq = f.FeedSeq,
    };

    private static Fill FromProto(P.Fill f) => new(
        f.OrderId, f.StrategyId, f.Symbol, FromProto(f.Side), Dec(f.Quantity, "quantity"), Dec(f.Price, "price"),
        Dec(f.Fee, "fee"), Utc(f.TimeTicks), f.FeedSeq);

    private static OrderRejected FromProto(P.OrderRejected r) => new(
        r.StrategyId, FromProto(r.Side), Dec(r.Quantity, "quantity"), FromProto(r.Type),
        r.LimitPrice is null ? null : Dec(r.LimitPrice, "limit_price"), FromProto(r.Reason), Utc(r.TimeTicks), r.FeedSeq);

    private static P.SymbolSnapshot ToProto(SymbolSnapshot s)
    {
        var p = new P.SymbolSnapshot { Symbol = s.Symbol, Watermark = s.Watermark, OrderCounter = s.OrderCounter };
        p.OpenOrders.AddRange(s.OpenOrders.Select(ToProto));
        foreach (var (id, b) in s.Books.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var book = new P.StrategyBook
            {
                StrategyId = id,
                Position = new P.Position
                {
                    Quantity = Dec(b.Position.Quantity), AverageCost = Dec(b.Position.AverageCost),
                    RealizedPnl = Dec(b.Position.RealizedPnl), Fees = Dec(b.Position.Fees),
                },
                OrdersAccepted = b.OrdersAccepted, Fills = b.Fills, Cancels = b.Cancels,
            };
            book.Rejections.AddRange(b.Rejections.OrderBy(kv => kv.Key)
                .Select(kv => new P.RejectionCount { Reason = ToProto(kv.Key), Count = kv.Value }));
            p.Books.Add(book);
        }
        foreach (var (id, times) in s.RecentOrderTimes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var r = new P.RecentOrders { StrategyId = id };
            r.TimesTicks.AddRange(times.Select(t => t.Ticks));
            p.RecentOrders.Add(r);
        }
        p.StoppedStrategies.AddRange(s.StoppedStrategies);
        return p;
    }

    private static SymbolSnapshot FromProto(P.SymbolSnapshot p) => new(
        p.Symbol, p.Watermark, p.OrderCounter,
        p.OpenOrders.Select(FromProto).ToArray(),
        p.Books.ToDictionary(b => b.StrategyId, b => new StrategyBook(
            new Position(Dec(b.Position.Quantity, "quantity"), Dec(b.Position.AverageCost, "average_cost"),
                Dec(b.Position.RealizedPnl, "realized_pnl"), Dec(b.Position.Fees, "fees")),
            b.OrdersAccepted, b.Fills, b.Cancels,
            b.Rejections.ToDictionary(r => FromProto(r.Reason), r => r.Count)), StringComparer.Ordinal),
        p.RecentOrders.ToDictionary(r => r.StrategyId, r => (IReadOnlyList<DateTime>)r.TimesTicks.Select(Utc).ToArray(), StringComparer.Ordinal),
        p.StoppedStrategies.ToArray());
}

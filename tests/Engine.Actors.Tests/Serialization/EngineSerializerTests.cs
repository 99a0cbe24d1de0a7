using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Engine.Actors.Risk;
using Engine.Actors.Serialization;
using Engine.Domain.Symbols;
using Engine.Actors.Tests.Support;
using Engine.Domain.Risk;
using Engine.Domain.Trading;
using Google.Protobuf;
using static Engine.Actors.Tests.Serialization.SerializationFixtures;
using P = Engine.Actors.Serialization.Proto;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Round trips through the serializer Akka itself picks for each type, in a system configured with
/// <see cref="EngineSerializer.HoconBindings"/> and serialize-messages on.
/// </summary>
public sealed class EngineSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    public EngineSerializerTests()
        : base(EngineSerializer.HoconBindings + """

            akka.loglevel = WARNING
            akka.actor.serialize-messages = on
            """)
    {
    }

    private static readonly decimal[] Decimals =
    {
        0m, new decimal(0, 0, 0, true, 3), 1m, 1.0m, 1.00m, -1m, 0.5m, -0.5m, 512.25m, -1234.5678m,
        0.0000000000000000000000000001m, -0.0000000000000000000000000001m,
        7.9228162514264337593543950335m, 1234567890123456789.0123456789m, -98765432109876543210.12345678m,
        decimal.MaxValue, decimal.MinValue, decimal.MaxValue - 1m, 79228162514264337593543950335m / 3m,
    };

    private EngineSerializer Serializer(object o)
    {
        var s = Sys.Serialization.FindSerializerFor(o);
        Assert.IsType<EngineSerializer>(s);
        Assert.Equal(501, s.Identifier);
        return (EngineSerializer)s;
    }

    /// <summary>Serialize, deserialize through Akka's registry, and re-serialize: bytes must be identical (exact decimals, scale included).</summary>
    private T RoundTrip<T>(T value) where T : notnull
    {
        var serializer = Serializer(value);
        var manifest = serializer.Manifest(value);
        var bytes = serializer.ToBinary(value);
        var back = Sys.Serialization.Deserialize(bytes, EngineSerializer.Id, manifest);
        var typed = Assert.IsType<T>(back);
        Assert.Equal(bytes, serializer.ToBinary(typed));
        return typed;
    }

    private static void AssertBits(decimal expected, decimal actual) =>
        Assert.Equal(decimal.GetBits(expected), decimal.GetBits(actual));

    private static void AssertUtc(DateTime expected, DateTime actual)
    {
        Assert.Equal(expected.Ticks, actual.Ticks);
        Assert.Equal(DateTimeKind.Utc, actual.Kind);
    }

    private static void AssertOrder(Order expected, Order actual)
    {
        Assert.Equal(expected, actual);
        AssertBits(expected.Quantity, actual.Quantity);
        Assert.Equal(expected.LimitPrice.HasValue, actual.LimitPrice.HasValue);
        if (expected.LimitPrice is { } l) AssertBits(l, actual.LimitPrice!.Value);
        AssertUtc(expected.AcceptedAt, actual.AcceptedAt);
    }

    internal static void AssertSnapshot(SymbolSnapshot expected, SymbolSnapshot actual)
    {
        Assert.Equal(expected.Symbol, actual.Symbol);
        Assert.Equal(expected.Watermark, actual.Watermark);
        Assert.Equal(expected.OrderCounter, actual.OrderCounter);
        Assert.Equal(expected.OpenOrders, actual.OpenOrders);
        foreach (var (e, a) in expected.OpenOrders.Zip(actual.OpenOrders)) AssertUtc(e.AcceptedAt, a.AcceptedAt);
        Assert.Equal(expected.Books.Keys.Order(StringComparer.Ordinal), actual.Books.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, e) in expected.Books)
        {
            var a = actual.Books[id];
            Assert.Equal(e.Position, a.Position);
            AssertBits(e.Position.Quantity, a.Position.Quantity);
            AssertBits(e.Position.AverageCost, a.Position.AverageCost);
            AssertBits(e.Position.RealizedPnl, a.Position.RealizedPnl);
            AssertBits(e.Position.Fees, a.Position.Fees);
            Assert.Equal((e.OrdersAccepted, e.Fills, e.Cancels, e.Deferrals), (a.OrdersAccepted, a.Fills, a.Cancels, a.Deferrals));
            Assert.Equal(e.Rejections.OrderBy(kv => kv.Key), a.Rejections.OrderBy(kv => kv.Key));
        }
        Assert.Equal(expected.RecentMessages.Keys.Order(StringComparer.Ordinal), actual.RecentMessages.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, e) in expected.RecentMessages)
        {
            Assert.Equal(e, actual.RecentMessages[id]);
            Assert.All(actual.RecentMessages[id], m => Assert.Equal(DateTimeKind.Utc, m.Time.Kind));
        }
        Assert.Equal(expected.StoppedStrategies, actual.StoppedStrategies);
        Assert.Equal(expected.PausedStrategies ?? [], actual.PausedStrategies ?? []);
        Assert.Equal((expected.Step, expected.AppliedEpoch), (actual.Step, actual.AppliedEpoch));
    }

    internal static void AssertCheckpoint(AccountCheckpoint expected, AccountCheckpoint actual)
    {
        AssertUtc(expected.Boundary, actual.Boundary);
        Assert.Equal(expected.Tracker.Symbols.OrderBy(s => s.Symbol, StringComparer.Ordinal), actual.Tracker.Symbols);
        foreach (var (e, a) in expected.Tracker.Symbols.OrderBy(s => s.Symbol, StringComparer.Ordinal).Zip(actual.Tracker.Symbols))
        {
            AssertUtc(e.Time, a.Time);
            AssertBits(e.Realized, a.Realized);
            AssertBits(e.NetExposure, a.NetExposure);
            if (e.LastData is { } last) AssertUtc(last, a.LastData!.Value);
        }
        Assert.Equal((expected.Tracker.Day, expected.Tracker.DayStart, expected.Tracker.HighWater, expected.Tracker.LatestTime),
            (actual.Tracker.Day, actual.Tracker.DayStart, actual.Tracker.HighWater, actual.Tracker.LatestTime));
        AssertBits(expected.Tracker.DayStart, actual.Tracker.DayStart);
        Assert.Equal((expected.HaltedOn, expected.ReducedOn), (actual.HaltedOn, actual.ReducedOn));
        Assert.Equal(expected.StaleEngaged, actual.StaleEngaged);
        Assert.Equal(expected.Used.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Used.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Allocated.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Allocated.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_persisted_type_is_bound_to_the_engine_serializer_with_its_stable_manifest()
    {
        var expected = new (object Value, string Manifest)[]
        {
            (Accepted, "OA"), (Rejected, "OR"), (Filled, "OF"), (Cancelled, "OC"), (Stopped, "SS"),
            (Snapshot, "SNAP"), (Engaged, "KE"), (Released, "KR"), (Reduced, "KD"),
            (Deferred, "OD"), (StateApplied, "TSA"), (Boundary, "BP"), (Checkpoint, "ACP"),
            (new Engine.Actors.Feeds.RunStarted(new Engine.Actors.Feeds.RunRequest("r", null, [], null, false, "d")), "RST"),
            (new Engine.Actors.Feeds.RunEnded("r"), "REN"),
            (Paused, "SPC"),
        };
        foreach (var (value, manifest) in expected)
            Assert.Equal(manifest, Serializer(value).Manifest(value));
    }

    [Fact]
    public void Hocon_bindings_name_real_types()
    {
        var config = EngineSerializer.ConfigBindings();
        Assert.Equal(typeof(EngineSerializer), Type.GetType(config.GetString("akka.actor.serializers.engine"), throwOnError: true));
        var bound = config.GetConfig("akka.actor.serialization-bindings").AsEnumerable().ToList();
        Assert.Equal(17, bound.Count);
        foreach (var (typeName, serializer) in bound)
        {
            Assert.NotNull(Type.GetType(typeName, throwOnError: true));
            Assert.Equal("engine", serializer.GetString());
        }
    }

    [Fact]
    public void Shipped_engine_conf_binds_every_persisted_type_to_the_engine_serializer()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(TestEngine.ShippedConfig());
        using var system = ActorSystem.Create("shipped-serialization", config);
        // Every persisted type, as the golden-byte tests pin them: one list of what is journaled.
        foreach (var value in GoldenBytesTests.Fixtures.Values)
            Assert.IsType<EngineSerializer>(system.Serialization.FindSerializerFor(value));
    }

    [Fact]
    public void Events_survive_a_tell_with_serialize_messages_on()
    {
        foreach (var value in new object[]
        {
            Accepted, AcceptedFlatten, Rejected, RejectedDuplicate, Filled, Cancelled, Stopped,
            Engaged, EngagedFlatten, Released, ReleasedWithReason, Reduced,
        })
        {
            TestActor.Tell(value);
            Assert.Equal(value, ExpectMsg<object>());
        }
    }

    [Fact]
    public void OrderAccepted_round_trips_every_decimal_enum_and_limit_price()
    {
        foreach (var d in Decimals)
            foreach (var side in Enum.GetValues<Side>())
                foreach (var type in Enum.GetValues<OrderType>())
                    foreach (var limit in new decimal?[] { null, d })
                        foreach (var flatten in new[] { false, true })
                        {
                            var order = new Order("SYM-1", "strat", "SYM", side, d, type, limit, T, long.MaxValue, flatten);
                            AssertOrder(order, RoundTrip(new OrderAccepted(order)).Order);
                        }
    }

    [Fact]
    public void OrderRejected_round_trips_every_reason_side_type_and_limit_price()
    {
        foreach (var reason in Enum.GetValues<OrderRejectReason>())
            foreach (var side in Enum.GetValues<Side>())
                foreach (var type in Enum.GetValues<OrderType>())
                    foreach (var limit in new decimal?[] { null, -0.0001m, 99.990m })
                    {
                        var e = new OrderRejected("ü-strategy ✓", side, 1_000_000.000001m, type, limit, reason, DateTime.MaxValue, 0);
                        var back = RoundTrip(e);
                        Assert.Equal(e, back);
                        AssertUtc(e.Time, back.Time);
                        Assert.Equal(limit.HasValue, back.LimitPrice.HasValue);
                    }
        foreach (var d in Decimals)
        {
            var e = Rejected with { Quantity = d, LimitPrice = d };
            var back = RoundTrip(e);
            AssertBits(d, back.Quantity);
            AssertBits(d, back.LimitPrice!.Value);
        }
    }

    [Fact]
    public void Reject_reasons_are_written_with_their_wire_numbers_in_declaration_order()
    {
        // The C# enum is journaled by wire number: reason n (0-based) is wire number n + 1, 0 is
        // UNSPECIFIED. The explicit maps must agree with that, and the proto must have no extra value.
        var s = Serializer(Rejected);
        var reasons = Enum.GetValues<OrderRejectReason>();
        foreach (var reason in reasons)
        {
            var wire = P.OrderRejected.Parser.ParseFrom(s.ToBinary(Rejected with { Reason = reason })).Reason;
            Assert.Equal((int)reason + 1, (int)wire);
            var p = P.OrderRejected.Parser.ParseFrom(s.ToBinary(Rejected));
            p.Reason = (P.RejectReason)((int)reason + 1);
            Assert.Equal(reason, Assert.IsType<OrderRejected>(s.FromBinary(p.ToByteArray(), "OR")).Reason);
        }
        Assert.Equal(reasons.Length + 1, Enum.GetValues<P.RejectReason>().Length);
        Assert.Equal(24, reasons.Length);
        Assert.Equal(17, (int)P.RejectReason.DuplicateOrder);
        Assert.Equal(22, (int)P.RejectReason.AccountMessageRate);
        Assert.Equal(24, (int)P.RejectReason.CashAccountShort);
    }

    [Fact]
    public void OrderFilled_round_trips_exact_decimals()
    {
        foreach (var d in Decimals)
            foreach (var side in Enum.GetValues<Side>())
            {
                var fill = new Fill("SYM-9", "strat", "SYM", side, d, -d, d / 7m, DateTime.MinValue, 1);
                var back = RoundTrip(new OrderFilled(fill)).Fill;
                Assert.Equal(fill, back);
                AssertBits(fill.Quantity, back.Quantity);
                AssertBits(fill.Price, back.Price);
                AssertBits(fill.Fee, back.Fee);
                AssertUtc(fill.Time, back.Time);
            }
    }

    [Fact]
    public void Cancelled_stopped_and_kill_switch_events_round_trip()
    {
        Assert.Equal(Cancelled, RoundTrip(Cancelled));
        Assert.Equal(Stopped, RoundTrip(Stopped));
        Assert.Equal(Engaged, RoundTrip(Engaged));
        Assert.Equal(Released, RoundTrip(Released));
        Assert.Equal(EngagedFlatten, RoundTrip(EngagedFlatten));
        Assert.Equal(ReleasedWithReason, RoundTrip(ReleasedWithReason));
        Assert.Equal(Reduced, RoundTrip(Reduced));
        Assert.Equal(AcceptedFlatten, RoundTrip(AcceptedFlatten));
        var empty = new KillSwitchEngaged("", "", "", default);
        Assert.Equal(empty, RoundTrip(empty));
        foreach (var t in new[] { RoundTrip(Cancelled).Time, RoundTrip(Stopped).Time, RoundTrip(Engaged).Time, RoundTrip(Released).Time })
            Assert.Equal(DateTimeKind.Utc, t.Kind);
    }

    [Fact]
    public void Unspecified_times_are_taken_as_utc_and_local_times_are_converted()
    {
        var unspecified = DateTime.SpecifyKind(T, DateTimeKind.Unspecified);
        AssertUtc(T, RoundTrip(Cancelled with { Time = unspecified }).Time);
        var local = new DateTime(2024, 7, 1, 12, 0, 0, DateTimeKind.Local);
        AssertUtc(local.ToUniversalTime(), RoundTrip(Cancelled with { Time = local }).Time);
    }

    [Fact]
    public void SymbolSnapshot_round_trips_element_wise()
    {
        AssertSnapshot(Snapshot, RoundTrip(Snapshot));

        var empty = new SymbolSnapshot("", 0, 0, Array.Empty<Order>(), new Dictionary<string, StrategyBook>(),
            new Dictionary<string, IReadOnlyList<OrderMessage>>(), Array.Empty<string>());
        AssertSnapshot(empty, RoundTrip(empty));

        var allReasons = Enum.GetValues<OrderRejectReason>().ToDictionary(r => r, r => (long)r * 1000 + 1);
        var books = Decimals.Select((d, i) => (Id: $"s{i:D2}", Book: new StrategyBook(
                new Position(d, -d, d / 3m, decimal.Negate(d / 11m)), i, long.MaxValue - i, -i, allReasons)))
            .ToDictionary(x => x.Id, x => x.Book, StringComparer.Ordinal);
        var big = new SymbolSnapshot("BRK.A", long.MaxValue, 123456,
            Decimals.Select((d, i) => new Order($"BRK.A-{i}", "s", "BRK.A", i % 2 == 0 ? Side.Buy : Side.Sell, d,
                i % 3 == 0 ? OrderType.Market : OrderType.Limit, i % 3 == 0 ? null : d, T.AddTicks(i), i)).ToArray(),
            books,
            books.Keys.ToDictionary(k => k, k => (IReadOnlyList<OrderMessage>)new[]
            {
                new OrderMessage(T, false, Side.Buy, 1m, null),
                new OrderMessage(T.AddTicks(1), true, Side.Sell, decimal.MaxValue, decimal.MinValue),
                new OrderMessage(T.AddDays(1), false, Side.Sell, 0.0000001m, 1.10m),
            }, StringComparer.Ordinal),
            books.Keys.ToArray());
        var back = RoundTrip(big);
        AssertSnapshot(big, back);
        foreach (var (e, a) in big.OpenOrders.Zip(back.OpenOrders)) AssertOrder(e, a);
    }

    [Fact]
    public void Equal_snapshots_serialize_to_equal_bytes_whatever_the_dictionary_order()
    {
        var reordered = Snapshot with
        {
            Books = Snapshot.Books.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value with
            {
                Rejections = kv.Value.Rejections.Reverse().ToDictionary(r => r.Key, r => r.Value),
            }),
            RecentMessages = Snapshot.RecentMessages.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value),
        };
        var s = Serializer(Snapshot);
        Assert.Equal(s.ToBinary(Snapshot), s.ToBinary(reordered));
    }

    [Fact]
    public void Unknown_manifest_is_a_serialization_exception_naming_it()
    {
        var ex = Assert.Throws<SerializationException>(() => Serializer(Accepted).FromBinary(Array.Empty<byte>(), "ZZ-9"));
        Assert.Contains("ZZ-9", ex.Message);
    }

    [Fact]
    public void Unsupported_type_is_a_serialization_exception()
    {
        var s = Serializer(Accepted);
        Assert.Throws<SerializationException>(() => s.Manifest("not an event"));
        Assert.Throws<SerializationException>(() => s.ToBinary(42));
    }

    [Fact]
    public void Unknown_enum_values_on_read_name_the_field()
    {
        var s = Serializer(Accepted);
        void Check(IMessage message, string manifest, string field)
        {
            var ex = Assert.Throws<SerializationException>(() => s.FromBinary(message.ToByteArray(), manifest));
            Assert.Contains(field, ex.Message);
        }

        P.OrderRejected Rej() => P.OrderRejected.Parser.ParseFrom(s.ToBinary(Rejected));
        var r = Rej();
        r.Side = (P.Side)9;
        Check(r, "OR", "OrderRejected.side");
        r = Rej();
        r.Type = P.OrderType.Unspecified;
        Check(r, "OR", "OrderRejected.type");
        r = Rej();
        r.Reason = (P.RejectReason)99;
        Check(r, "OR", "OrderRejected.reason");

        var a = P.OrderAccepted.Parser.ParseFrom(s.ToBinary(Accepted));
        a.Order.Side = P.Side.Unspecified;
        Check(a, "OA", "OrderAccepted.order.side");

        var snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.Books[1].Rejections[0].Reason = (P.RejectReason)42;
        Check(snap, "SNAP", "SymbolSnapshot.books['sma-cross'].rejections.reason");

        snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.RecentMessages[1].Messages[2].Side = P.Side.Unspecified;
        Check(snap, "SNAP", "SymbolSnapshot.recent_messages['sma-cross'][2].side");
    }

    [Fact]
    public void Missing_or_invalid_required_fields_are_serialization_exceptions()
    {
        var s = Serializer(Accepted);
        Assert.Contains("OrderAccepted.order", Assert.Throws<SerializationException>(() => s.FromBinary(Array.Empty<byte>(), "OA")).Message);
        Assert.Contains("OrderFilled.fill", Assert.Throws<SerializationException>(() => s.FromBinary(Array.Empty<byte>(), "OF")).Message);

        var f = P.OrderFilled.Parser.ParseFrom(s.ToBinary(Filled));
        f.Fill.Price = null;
        Assert.Contains("OrderFilled.fill.price", Assert.Throws<SerializationException>(() => s.FromBinary(f.ToByteArray(), "OF")).Message);

        f = P.OrderFilled.Parser.ParseFrom(s.ToBinary(Filled));
        f.Fill.Fee.Flags = 29 << 16; // scale 29 is not a decimal
        Assert.Contains("OrderFilled.fill.fee", Assert.Throws<SerializationException>(() => s.FromBinary(f.ToByteArray(), "OF")).Message);

        var c = P.OrderCancelled.Parser.ParseFrom(s.ToBinary(Cancelled));
        c.TimeTicks = -1;
        Assert.Contains("OrderCancelled.time_ticks", Assert.Throws<SerializationException>(() => s.FromBinary(c.ToByteArray(), "OC")).Message);

        var snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.Books[0].Position = null;
        Assert.Contains("position", Assert.Throws<SerializationException>(() => s.FromBinary(snap.ToByteArray(), "SNAP")).Message);

        snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.Books.Add(snap.Books[0]);
        Assert.Contains("duplicate", Assert.Throws<SerializationException>(() => s.FromBinary(snap.ToByteArray(), "SNAP")).Message);

        snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.RecentMessages[0].Messages[0].Quantity = null;
        Assert.Contains("SymbolSnapshot.recent_messages['momentum'][0].quantity",
            Assert.Throws<SerializationException>(() => s.FromBinary(snap.ToByteArray(), "SNAP")).Message);

        snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.RecentMessages[0].Messages[0].TimeTicks = -5;
        Assert.Contains("SymbolSnapshot.recent_messages['momentum'][0].time_ticks",
            Assert.Throws<SerializationException>(() => s.FromBinary(snap.ToByteArray(), "SNAP")).Message);

        // A strategy in both the legacy times (6) and the messages (8) is ambiguous: refused, not merged.
        snap = P.SymbolSnapshot.Parser.ParseFrom(s.ToBinary(Snapshot));
        snap.RecentOrders.Add(new P.RecentOrders { StrategyId = "momentum", TimesTicks = { T.Ticks } });
        Assert.Contains("duplicate strategy_id 'momentum'",
            Assert.Throws<SerializationException>(() => s.FromBinary(snap.ToByteArray(), "SNAP")).Message);

        Assert.Contains("'OC'", Assert.Throws<SerializationException>(() => s.FromBinary(new byte[] { 0xFF, 0xFF }, "OC")).Message);
    }
}

using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Engine.Actors.Risk;
using Engine.Actors.Serialization;
using Engine.Actors.Strategies;
using Engine.Actors.Symbols;
using Engine.Actors.Tests.Support;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Google.Protobuf;
using static Engine.Actors.Tests.Serialization.SerializationFixtures;
using W = Engine.Actors.Serialization.Wire;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Round trips of every wire message through the serializer Akka itself picks, in a system
/// configured with both serializers' bindings and serialize-messages on.
/// </summary>
public sealed class EngineWireSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    public EngineWireSerializerTests()
        : base(EngineWireSerializer.HoconBindings + "\n" + EngineSerializer.HoconBindings + """

            akka.loglevel = WARNING
            akka.actor.serialize-messages = on
            """)
    {
    }

    private static readonly decimal[] Decimals =
    {
        0m, new decimal(0, 0, 0, true, 3), 1m, 1.0m, 1.00m, -1m, 512.25m, -1234.5678m,
        0.0000000000000000000000000001m, -0.0000000000000000000000000001m, 7.9228162514264337593543950335m,
        decimal.MaxValue, decimal.MinValue, 79228162514264337593543950335m / 3m,
    };

    public static TheoryData<string> Keys => new(WireFixtures.All.Keys);

    private EngineWireSerializer Serializer(object o)
    {
        var s = Sys.Serialization.FindSerializerFor(o);
        Assert.IsType<EngineWireSerializer>(s);
        Assert.Equal(502, s.Identifier);
        return (EngineWireSerializer)s;
    }

    /// <summary>Serialize, deserialize through Akka's registry, and re-serialize: the bytes must be identical.</summary>
    private T RoundTrip<T>(T value) where T : notnull
    {
        var serializer = Serializer(value);
        var bytes = serializer.ToBinary(value);
        var back = Sys.Serialization.Deserialize(bytes, EngineWireSerializer.Id, serializer.Manifest(value));
        Assert.IsType(value.GetType(), back);
        Assert.Equal(bytes, serializer.ToBinary(back));
        return (T)back;
    }

    private static void AssertBits(decimal expected, decimal actual) => Assert.Equal(decimal.GetBits(expected), decimal.GetBits(actual));

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_wire_message_round_trips_with_its_stable_manifest(string key)
    {
        var value = WireFixtures.All[key];
        Assert.Equal(WireFixtures.ManifestOf(key), Serializer(value).Manifest(value));
        var back = RoundTrip(value);
        // Records without collections compare by value; the rest are compared by their bytes above.
        if (value.GetType().GetProperties().All(p => p.PropertyType.IsValueType || p.PropertyType == typeof(string)))
            Assert.Equal(value, back);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_wire_message_survives_a_tell_with_serialize_messages_on(string key)
    {
        var value = WireFixtures.All[key];
        TestActor.Tell(value);
        var back = ExpectMsg<object>();
        Assert.IsType(value.GetType(), back);
        Assert.Equal(Serializer(value).ToBinary(value), Serializer(back).ToBinary(back));
    }

    [Fact]
    public void A_batch_keeps_every_event_exactly_and_restores_the_symbols_it_left_out()
    {
        var batch = (SymbolBatch)WireFixtures.All["SB"];
        var back = RoundTrip(batch);
        Assert.Equal((batch.Symbol, batch.BatchId, batch.SliceEnd, batch.ClosesSlice, batch.DispatchedAt, batch.SliceLastSeq),
            (back.Symbol, back.BatchId, back.SliceEnd, back.ClosesSlice, back.DispatchedAt, back.SliceLastSeq));
        Assert.Equal(DateTimeKind.Utc, back.SliceEnd.Kind);
        Assert.Equal(batch.Events, back.Events);
        Assert.All(back.Events, e => Assert.Equal(DateTimeKind.Utc, e.Event.Time.Kind));
        Assert.Equal("QQQ", back.Events[3].Event.Symbol);
        var wire = W.SymbolBatch.Parser.ParseFrom(Serializer(batch).ToBinary(batch));
        Assert.Equal("", wire.Events[0].Trade.Symbol);
        Assert.Equal("QQQ", wire.Events[3].Trade.Symbol);

        foreach (var d in Decimals)
        {
            var events = new SequencedEvent[]
            {
                new(1, new TradeTick("X", T, d, -d)),
                new(2, new QuoteTick("X", T, d, d, -d, d / 7m)),
                new(3, new TradeBar("X", T, TimeSpan.FromTicks(1), d, d, -d, d, 0m)),
            };
            var b = RoundTrip(new SymbolBatch("X", 1, T, events, false, long.MinValue, long.MaxValue));
            var tick = (TradeTick)b.Events[0].Event;
            AssertBits(d, tick.Price);
            AssertBits(-d, tick.Quantity);
            AssertBits(d / 7m, ((QuoteTick)b.Events[1].Event).AskSize);
            AssertBits(-d, ((TradeBar)b.Events[2].Event).Low);
            Assert.Equal(TimeSpan.FromTicks(1), ((TradeBar)b.Events[2].Event).Period);
        }
    }

    [Fact]
    public void Null_and_empty_lists_and_maps_stay_what_they_were()
    {
        Assert.Null(RoundTrip((BatchDone)WireFixtures.All["BD/no-reports"]).Reports);
        Assert.Empty(RoundTrip((BatchDone)WireFixtures.All["BD/empty-reports"]).Reports!);
        Assert.Null(RoundTrip((SliceBoundary)WireFixtures.All["SLB/unchanged"]).Allocations);
        Assert.Empty(RoundTrip(new SliceBoundary("X", 1, 1, new Dictionary<string, Credit>())).Allocations!);
        var slb = (SliceBoundary)WireFixtures.All["SLB"];
        Assert.Equal(slb.Allocations!.OrderBy(kv => kv.Key, StringComparer.Ordinal), RoundTrip(slb).Allocations!);
        Assert.Null(RoundTrip((SymbolReport)WireFixtures.All["SR/no-price"]).LastPrice);
        Assert.Null(RoundTrip((RiskSupervisor.AccountRiskReport)WireFixtures.All["ARR/quiet"]).View.TradingDay);
        Assert.Null(RoundTrip((RiskSupervisor.AccountRiskReport)WireFixtures.All["ARR/quiet"]).Verdict.Reason);
    }

    [Fact]
    public void Optional_points_and_decision_ids_keep_null_apart_from_zero_and_empty()
    {
        var manual = new KillSwitchActor.Engage("engine", "r", "op");
        Assert.Equal(manual, RoundTrip(manual));
        var zero = (KillSwitchActor.Engage)WireFixtures.All["EN/zero"];
        Assert.Equal(zero, RoundTrip(zero));
        Assert.Equal(0L, RoundTrip(zero).Point);
        Assert.Equal("", RoundTrip(zero).DecisionId);
        Assert.Equal(new KillSwitchActor.Reduce("a", "b", "c", 0, ""), RoundTrip(new KillSwitchActor.Reduce("a", "b", "c", 0, "")));
        Assert.Equal(new KillSwitchActor.Release("a", "b", "", null, null), RoundTrip(new KillSwitchActor.Release("a", "b", "", null, null)));

        var outcomes = RoundTrip((StrategyActor.Evaluated)WireFixtures.All["EVD"]).Outcomes;
        Assert.Equal(((StrategyActor.Evaluated)WireFixtures.All["EVD"]).Outcomes, outcomes);
        Assert.Null(outcomes[0].Reason);
        Assert.Equal("", outcomes[3].Reason);
    }

    [Fact]
    public void Kill_switch_statuses_and_acknowledgements_keep_every_scope_and_confirmation()
    {
        var ack = (KillSwitchActor.Acknowledged)WireFixtures.All["ACK"];
        var back = RoundTrip(ack);
        Assert.Equal(ack.Status.Scopes.OrderBy(kv => kv.Key, StringComparer.Ordinal), back.Status.Scopes);
        Assert.Equal(ack.Status.Epoch, back.Status.Epoch);
        Assert.True(back.Status.StateOf("main", "x", "SPY") == TradingState.Halted);
        Assert.Equal(ack.ConfirmedAt.OrderBy(kv => kv.Key, StringComparer.Ordinal), back.ConfirmedAt);
        Assert.Equal(ack.Unconfirmed, back.Unconfirmed);
        Assert.All(back.Status.Scopes.Values, c => Assert.Equal(DateTimeKind.Utc, c.Since.Kind));

        var history = (KillSwitchActor.StateHistory)WireFixtures.All["SH"];
        Assert.Equal(history.Changes, RoundTrip(history).Changes);
        var audit = (KillSwitchActor.AuditTrail)WireFixtures.All["AT"];
        Assert.Equal(audit.Events, RoundTrip(audit).Events);
    }

    [Fact]
    public void Reports_and_decisions_keep_exact_decimals_and_order()
    {
        var report = (SymbolReport)WireFixtures.All["SR"];
        var back = RoundTrip(report);
        Assert.Equal((report.Symbol, report.LastPrice, report.Watermark, report.OpenOrders, report.KillSwitchEngaged),
            (back.Symbol, back.LastPrice, back.Watermark, back.OpenOrders, back.KillSwitchEngaged));
        foreach (var (e, a) in report.Strategies.Zip(back.Strategies))
        {
            Assert.Equal(e with { Rejections = a.Rejections }, a);
            Assert.Equal(e.Rejections.OrderBy(kv => kv.Key), a.Rejections.OrderBy(kv => kv.Key));
            AssertBits(e.AverageCost, a.AverageCost);
        }

        var closed = (RiskSupervisor.SliceClosed)WireFixtures.All["SLC"];
        var r = RoundTrip(closed).Reports.Single();
        Assert.Equal(closed.Reports[0] with { StoppedStrategies = r.StoppedStrategies }, r);
        Assert.Equal(closed.Reports[0].StoppedStrategies, r.StoppedStrategies);
        AssertBits(closed.Reports[0].Risk.NetExposure, r.Risk.NetExposure);

        var decided = (RiskSupervisor.SliceDecided)WireFixtures.All["SD"];
        var d = RoundTrip(decided).Decisions;
        Assert.Equal(decided.Decisions.Commands, d.Commands);
        Assert.Equal(decided.Decisions.Allocations.OrderBy(kv => kv.Key, StringComparer.Ordinal), d.Allocations);

        foreach (var x in Decimals)
        {
            AssertBits(x, RoundTrip(new BatchesJournaled("X", 1, 0, 0, x)).RealizedPnlDelta);
            var credit = new Credit(x, -x, x, int.MaxValue, int.MinValue, 0);
            Assert.Equal(credit, RoundTrip(new SliceBoundary("X", 1, 1, new Dictionary<string, Credit> { ["a"] = credit })).Allocations!["a"]);
        }
    }

    [Fact]
    public void Equal_messages_serialize_to_equal_bytes_whatever_the_dictionary_order()
    {
        var slb = (SliceBoundary)WireFixtures.All["SLB"];
        var reordered = slb with { Allocations = slb.Allocations!.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value) };
        Assert.Equal(Serializer(slb).ToBinary(slb), Serializer(reordered).ToBinary(reordered));
    }

    [Fact]
    public void Hocon_bindings_name_real_types()
    {
        var config = EngineWireSerializer.ConfigBindings();
        Assert.Equal(typeof(EngineWireSerializer), Type.GetType(config.GetString("akka.actor.serializers.engine-wire"), throwOnError: true));
        foreach (var (typeName, serializer) in config.GetConfig("akka.actor.serialization-bindings").AsEnumerable())
        {
            Assert.NotNull(Type.GetType(typeName, throwOnError: true));
            Assert.Equal("engine-wire", serializer.GetString());
        }
    }

    [Fact]
    public void Shipped_engine_conf_binds_every_wire_message_to_the_wire_serializer_and_events_to_the_journal_serializer()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(TestEngine.ShippedConfig());
        using var system = ActorSystem.Create("shipped-wire", config);
        foreach (var value in WireFixtures.All.Values)
            Assert.IsType<EngineWireSerializer>(system.Serialization.FindSerializerFor(value));
        foreach (var value in new object[] { Accepted, Snapshot, Checkpoint, Engaged, Released, Reduced })
            Assert.IsType<EngineSerializer>(system.Serialization.FindSerializerFor(value));
    }

    private sealed record NotYetGivenAManifest(string Symbol) : IEngineWireMessage;

    [Fact]
    public void A_wire_message_without_a_manifest_fails_loudly_instead_of_falling_back()
    {
        var value = new NotYetGivenAManifest("SPY");
        var s = Serializer(value);
        Assert.Contains(nameof(NotYetGivenAManifest), Assert.Throws<SerializationException>(() => s.Manifest(value)).Message);
        Assert.Throws<SerializationException>(() => s.ToBinary(value));
    }

    [Fact]
    public void Unknown_manifests_and_malformed_payloads_are_serialization_exceptions_naming_them()
    {
        var s = Serializer(WireFixtures.All["SB"]);
        Assert.Contains("ZZ-9", Assert.Throws<SerializationException>(() => s.FromBinary(Array.Empty<byte>(), "ZZ-9")).Message);
        Assert.Contains("'SB'", Assert.Throws<SerializationException>(() => s.FromBinary(new byte[] { 0xFF, 0xFF }, "SB")).Message);

        var batch = W.SymbolBatch.Parser.ParseFrom(s.ToBinary(WireFixtures.All["SB"]));
        batch.Events[1].Quote.Ask = null;
        Assert.Contains("SymbolBatch.events[1].quote.ask", Assert.Throws<SerializationException>(() => s.FromBinary(batch.ToByteArray(), "SB")).Message);
        batch = W.SymbolBatch.Parser.ParseFrom(s.ToBinary(WireFixtures.All["SB"]));
        batch.Events[0].ClearEvent();
        Assert.Contains("SymbolBatch.events[0].event", Assert.Throws<SerializationException>(() => s.FromBinary(batch.ToByteArray(), "SB")).Message);

        var changed = W.StateChanged.Parser.ParseFrom(s.ToBinary(WireFixtures.All["SC"]));
        changed.Change.State = W.TradingState.Unspecified;
        Assert.Contains("StateChanged.change.state", Assert.Throws<SerializationException>(() => s.FromBinary(changed.ToByteArray(), "SC")).Message);
        Assert.Contains("StateChanged.change", Assert.Throws<SerializationException>(() => s.FromBinary(Array.Empty<byte>(), "SC")).Message);

        var decided = W.SliceDecided.Parser.ParseFrom(s.ToBinary(WireFixtures.All["SD"]));
        decided.Commands[2].Kind = (W.RiskCommandKind)9;
        Assert.Contains("SliceDecided.commands[2].kind", Assert.Throws<SerializationException>(() => s.FromBinary(decided.ToByteArray(), "SD")).Message);

        var evaluated = W.Evaluated.Parser.ParseFrom(s.ToBinary(WireFixtures.All["EVD"]));
        evaluated.Outcomes[1].Kind = W.StrategyOutcomeKind.Unspecified;
        Assert.Contains("Evaluated.outcomes[1].kind", Assert.Throws<SerializationException>(() => s.FromBinary(evaluated.ToByteArray(), "EVD")).Message);

        var ack = W.Acknowledged.Parser.ParseFrom(s.ToBinary(WireFixtures.All["ACK"]));
        ack.ConfirmedAt.Add(ack.ConfirmedAt[0]);
        Assert.Contains("duplicate", Assert.Throws<SerializationException>(() => s.FromBinary(ack.ToByteArray(), "ACK")).Message);
        Assert.Contains("Acknowledged.status", Assert.Throws<SerializationException>(() => s.FromBinary(Array.Empty<byte>(), "ACK")).Message);
    }
}

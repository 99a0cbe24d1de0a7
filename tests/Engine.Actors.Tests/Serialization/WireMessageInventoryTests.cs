using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Engine.Actors.Risk;
using Engine.Actors.Serialization;
using Engine.Actors.Symbols;
using Engine.Actors.Tests.Support;

namespace Engine.Actors.Tests.Serialization;

/// <summary>
/// Every message type of the engine either has a wire format or is local on purpose. Messages are:
/// the records declared inside an actor class, the records of the symbols' protocol
/// (Engine.Actors.Symbols), everything routed by symbol or account, and everything carrying either
/// marker. Each must implement exactly one of <see cref="IEngineWireMessage"/> and
/// <see cref="ILocalOnlyMessage"/>; each wire type must have a fixture that the shipped configuration
/// serializes with the engine's wire serializer (never Akka's default JSON); and the local-only
/// types are exactly the documented list (docs/decisions.md, "Wire format (issue 9)").
/// </summary>
public sealed class WireMessageInventoryTests
{
    private static readonly Assembly Engine = typeof(EngineWireSerializer).Assembly;

    /// <summary>Local on purpose; why is said where each is declared.</summary>
    private static readonly string[] LocalOnly =
    {
        "EngineGuardian+StartFeed", "EngineGuardian+FeedsParent+Create",
        "FeedCoordinator+Stop", "FeedCoordinator+Abort", "FeedCoordinator+FeedCompleted",
        "FeedCoordinator+StreamInit", "FeedCoordinator+StreamAck", "FeedCoordinator+StreamDone", "FeedCoordinator+StreamFailed",
        "FeedCoordinator+Chunk", "FeedCoordinator+Watchdog", "FeedCoordinator+WakeMovedAgain", "FeedCoordinator+RegisterAgain", "FeedCoordinator+CommandTimeout",
        "KillSwitchActor+AckTimeout", "KillSwitchActor+QuiesceTimeout", "KillSwitchActor+DiscoveryTimeout", "KillSwitchActor+LiveSymbols",
        "KillSwitchRequests+Answer", "KillSwitchRequests+Resend",
        "SymbolActor+DecisionTimeout", "SymbolActor+SubscribeAgain", "SymbolActor+FlushNow", "StopSymbol",
        "RunDirector+Launched", "RunDirector+LaunchFailed", "RunDirector+Relaunch", "RunDirector+HaltRecorded", "RunDirector+RecordHaltAgain",
        "RunDirector+CheckRelease", "RunDirector+EngineState",
    };

    private static bool IsRecord(Type t) => t.GetMethod("<Clone>$") is not null;

    private static bool InsideAnActor(Type t)
    {
        for (var d = t.DeclaringType; d is not null; d = d.DeclaringType)
        {
            if (typeof(ActorBase).IsAssignableFrom(d)) return true;
        }
        return false;
    }

    private static string Name(Type t) => t.FullName![(t.Namespace!.Length + 1)..];

    private static IEnumerable<Type> Messages() => Engine.GetTypes().Where(t =>
        !t.IsInterface && !t.IsAbstract && !t.Name.StartsWith('<') && (
            (IsRecord(t) && InsideAnActor(t)) ||
            (IsRecord(t) && t.DeclaringType is null && t.Namespace == typeof(SymbolBatch).Namespace) ||
            typeof(IWithSymbol).IsAssignableFrom(t) || typeof(IWithAccount).IsAssignableFrom(t) ||
            typeof(IEngineWireMessage).IsAssignableFrom(t) || typeof(ILocalOnlyMessage).IsAssignableFrom(t)));

    [Fact]
    public void Every_message_type_is_either_a_wire_message_or_local_only()
    {
        var messages = Messages().ToList();
        Assert.True(messages.Count >= 55, $"found only {messages.Count} message types; is the rule still finding them?");
        var unmarked = messages.Where(t => typeof(IEngineWireMessage).IsAssignableFrom(t) == typeof(ILocalOnlyMessage).IsAssignableFrom(t))
            .Select(Name).ToList();
        Assert.True(unmarked.Count == 0, "mark each as IEngineWireMessage (with a manifest) or ILocalOnlyMessage (with why): " + string.Join(", ", unmarked));
    }

    [Fact]
    public void The_local_only_messages_are_exactly_the_documented_ones()
    {
        var local = Messages().Where(t => typeof(ILocalOnlyMessage).IsAssignableFrom(t)).Select(Name).Order();
        Assert.Equal(LocalOnly.Order(), local);
        Assert.All(Messages().Where(t => typeof(ILocalOnlyMessage).IsAssignableFrom(t)),
            t => Assert.True(typeof(INoSerializationVerificationNeeded).IsAssignableFrom(t)));
    }

    [Fact]
    public void Every_wire_message_type_has_a_fixture_and_the_shipped_configuration_serializes_it_with_the_wire_serializer()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(TestEngine.ShippedConfig());
        using var system = ActorSystem.Create("wire-inventory", config);
        var fixtures = WireFixtures.All.Values.ToLookup(v => v.GetType());
        var wire = Messages().Where(t => typeof(IEngineWireMessage).IsAssignableFrom(t)).ToList();
        var missing = wire.Where(t => !fixtures.Contains(t)).Select(Name).ToList();
        Assert.True(missing.Count == 0, "no wire fixture for: " + string.Join(", ", missing));
        foreach (var value in WireFixtures.All.Values)
        {
            var serializer = system.Serialization.FindSerializerFor(value);
            Assert.IsNotType<NewtonSoftJsonSerializer>(serializer);
            Assert.IsType<EngineWireSerializer>(serializer);
        }
    }

    [Fact]
    public void Only_third_party_internals_are_bound_to_the_test_pass_through()
    {
        var bindings = ConfigurationFactory.ParseString(TestEngine.SerializeMessages).GetConfig("akka.actor.serialization-bindings").AsEnumerable();
        foreach (var (typeName, serializer) in bindings.Where(b => b.Value.GetString() == "plugin-internals"))
        {
            var type = Type.GetType(typeName, throwOnError: true)!;
            Assert.StartsWith("Akka.", type.FullName, StringComparison.Ordinal);
        }
    }
}

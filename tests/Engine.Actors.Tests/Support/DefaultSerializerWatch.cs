using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// Akka's default (reflection-based, Newtonsoft JSON) serializer, bound in simulations in its place
/// to record every type that falls through to it. With serialize-messages on, a simulation fails if
/// an engine type is among them (design rule 7: nothing of ours uses the default serializer).
/// </summary>
public sealed class DefaultSerializerWatch(ExtendedActorSystem system) : NewtonSoftJsonSerializer(system)
{
    public const string Hocon = """
        akka.actor {
          serializers.default-watch = "Engine.Actors.Tests.Support.DefaultSerializerWatch, Engine.Actors.Tests"
          serialization-identifiers { "Engine.Actors.Tests.Support.DefaultSerializerWatch, Engine.Actors.Tests" = 9502 }
          serialization-bindings { "System.Object" = default-watch }
        }
        """;

    /// <summary>Every type written by the default serializer, per actor system.</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentDictionary<Type, byte>> Seen = new();

    public override int Identifier => 9_502;

    public override byte[] ToBinary(object? obj)
    {
        if (obj is not null) Seen.GetOrAdd(system.Name, _ => new()).TryAdd(obj.GetType(), 0);
        return base.ToBinary(obj);
    }

    /// <summary>Engine types the default serializer wrote in the named system.</summary>
    public static IReadOnlyList<string> EngineTypes(string systemName) =>
        Seen.TryGetValue(systemName, out var seen)
            ? seen.Keys.Where(t => t.FullName?.StartsWith("Engine.", StringComparison.Ordinal) == true).Select(t => t.FullName!).Order().ToArray()
            : Array.Empty<string>();
}

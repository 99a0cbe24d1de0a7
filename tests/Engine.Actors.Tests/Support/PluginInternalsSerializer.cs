using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// Test-only stand-in for messages that a third-party plugin sends to its own actors and that do
/// not implement INoSerializationVerificationNeeded, so that akka.actor.serialize-messages = on
/// can run a whole engine: Akka.Persistence.Sql's journal pipes a WriteFinished (holding a Task) to
/// itself, which no serializer can write, and Akka.Persistence's journal resequencer hands a Desequenced (holding the
/// original message and sender) to itself, the SQL read journal's ordering-id messages lose their
/// lists through JSON, and Akka's Status.Failure (a failed PipeTo) has no serializer without Akka.Remote
/// (a cluster node has Akka.Remote's). They never cross a node. The "bytes" are a ticket for the
/// object kept here, handed back on read. Only the types in <see cref="Hocon"/> are bound to it, and
/// a test checks that no engine message is.
/// </summary>
public sealed class PluginInternalsSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const int Id = 9_501;

    public const string Hocon = """
        akka.actor {
          serializers.plugin-internals = "Engine.Actors.Tests.Support.PluginInternalsSerializer, Engine.Actors.Tests"
          serialization-identifiers { "Engine.Actors.Tests.Support.PluginInternalsSerializer, Engine.Actors.Tests" = 9501 }
          serialization-bindings {
            "Akka.Persistence.Sql.Journal.Types.WriteFinished, Akka.Persistence.Sql" = plugin-internals
            "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence" = plugin-internals
            "Akka.Persistence.Sql.Query.InternalProtocol.NewOrderingIds, Akka.Persistence.Sql" = plugin-internals
            "Akka.Persistence.Sql.Query.InternalProtocol.QueryOrderingIds, Akka.Persistence.Sql" = plugin-internals
            "Akka.Persistence.Sql.Query.InternalProtocol.ScheduleAssumeMaxOrderingId, Akka.Persistence.Sql" = plugin-internals
            "Akka.Persistence.Sql.Query.InternalProtocol.AssumeMaxOrderingId, Akka.Persistence.Sql" = plugin-internals
            "Akka.Actor.Status+Failure, Akka" = plugin-internals
          }
        }
        """;

    private static readonly ConcurrentDictionary<long, object> Kept = new();
    private static long _next;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var ticket = Interlocked.Increment(ref _next);
        Kept[ticket] = obj;
        return BitConverter.GetBytes(ticket);
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        Kept.TryRemove(BitConverter.ToInt64(bytes), out var obj) ? obj : throw new InvalidOperationException("unknown ticket");
}

using Akka.Actor;

namespace Engine.Actors.Serialization;

/// <summary>
/// A message that may cross a node (design rule 7). Bound once, in hocon/engine.conf and
/// <see cref="EngineWireSerializer.HoconBindings"/>, to the engine's wire serializer: a new message
/// that implements this without a manifest there fails loudly the first time it is sent off the node
/// (or sent at all with akka.actor.serialize-messages on), never falling back to a reflection-based
/// serializer. A reflection test (WireMessageInventoryTests) checks every message type of the engine
/// implements this or <see cref="ILocalOnlyMessage"/>.
/// </summary>
public interface IEngineWireMessage
{
}

/// <summary>
/// A message that never leaves the node it was sent on: a private timer tick or piped-back result of
/// an actor to itself, the feed's stream hand-over (it carries the stream's own objects), or a request
/// to an actor that is local by construction and carries local objects (Akka.Streams sources, Props,
/// observers). It has no wire format; Akka's serialize-messages check skips it
/// (<see cref="INoSerializationVerificationNeeded"/>). Each use says why it is local.
/// </summary>
public interface ILocalOnlyMessage : INoSerializationVerificationNeeded
{
}

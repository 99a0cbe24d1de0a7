using Akka.Cluster.Sharding;

namespace Engine.Actors.Symbols;

/// <summary>
/// Maps every IWithSymbol message to its symbol's entity. The shard count must never change once a
/// cluster has run (entities would move shards); 100 is ~10x the largest planned node count.
/// </summary>
public sealed class SymbolMessageExtractor(int maxNumberOfShards = SymbolMessageExtractor.DefaultShardCount)
    : HashCodeMessageExtractor(maxNumberOfShards)
{
    public const int DefaultShardCount = 100;
    public const string TypeName = "symbol";

    /// <summary>The cluster role of the members that host symbols (hocon: akka.cluster.roles).</summary>
    public const string Role = "trader";

    public override string? EntityId(object message) => (message as IWithSymbol)?.Symbol;
}

/// <summary>Marker for the symbol shard region (or a test's stand-in) in the Akka.Hosting actor registry.</summary>
public sealed class SymbolRegion;

using Engine.Domain.MarketData;

namespace Engine.MarketData;

/// <summary>
/// One stream of market data (a file, a chain of daily files, a synthetic symbol). Items come in
/// the source's own order; <see cref="Read"/> is lazy (files are opened when enumeration starts and
/// closed when it ends) and never throws on bad content: a bad line is a rejection item.
/// Each call to <see cref="Read"/> starts again from the beginning.
/// </summary>
public interface IFeedSource
{
    string Name { get; }

    IEnumerable<FeedItem> Read();
}

/// <summary>
/// A source that can also say where each item came from, so a rejection raised later by the
/// validator still names the file and line. The merge uses it when a source offers it.
/// </summary>
public interface ILocatedFeedSource : IFeedSource
{
    IEnumerable<LocatedFeedItem> ReadLocated();
}

/// <summary>A feed item with its origin: the file (or source name) and 1-based line.</summary>
public readonly record struct LocatedFeedItem(FeedItem Item, string Source, long Line);

/// <summary>Input that cannot be read as market data at all: a wrong path, layout or header.
/// Raised when a source is opened, never for a bad line (those are rejections).</summary>
public sealed class FeedFormatException : Exception
{
    public FeedFormatException(string message) : base(message) { }

    public FeedFormatException(string message, Exception inner) : base(message, inner) { }
}

namespace Engine.Domain.MarketData;

/// <summary>Why a line or value of market data was refused (design rule 5).</summary>
public enum DataRejectReason
{
    Malformed,
    NonPositivePrice,
    NegativeSize,
    CrossedQuote,
    OneSidedQuote,
    OutOfOrder,
    Duplicate,
    UnknownSymbol,
    Suspicious,
    OutOfRange,
    LineTooLong,
}

public static class DataRejectReasonCodes
{
    /// <summary>Stable snake_case code used in logs, metrics and summaries.</summary>
    public static string Code(this DataRejectReason reason) => reason switch
    {
        DataRejectReason.Malformed => "malformed",
        DataRejectReason.NonPositivePrice => "non_positive_price",
        DataRejectReason.NegativeSize => "negative_size",
        DataRejectReason.CrossedQuote => "crossed_quote",
        DataRejectReason.OneSidedQuote => "one_sided_quote",
        DataRejectReason.OutOfOrder => "out_of_order",
        DataRejectReason.Duplicate => "duplicate",
        DataRejectReason.UnknownSymbol => "unknown_symbol",
        DataRejectReason.Suspicious => "suspicious",
        DataRejectReason.OutOfRange => "out_of_range",
        DataRejectReason.LineTooLong => "line_too_long",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>A refused input: where it came from, why, and a short human detail.</summary>
public sealed record DataRejection(string Source, long Line, DataRejectReason Reason, string Detail);

/// <summary>What a parser yields per line: an event or a rejection, never an exception.</summary>
public readonly record struct FeedItem(MarketEvent? Event, DataRejection? Rejection)
{
    public static FeedItem Of(MarketEvent e) => new(e, null);
    public static FeedItem Reject(string source, long line, DataRejectReason reason, string detail) =>
        new(null, new DataRejection(source, line, reason, detail));
}

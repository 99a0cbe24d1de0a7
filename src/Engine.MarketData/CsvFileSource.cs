using System.Globalization;
using Engine.Domain.MarketData;

namespace Engine.MarketData;

public enum CsvFeedKind
{
    Trades,
    Quotes,
}

/// <summary>
/// A plain CSV file whose first row names its columns (case-insensitive, any order, extra columns
/// ignored). Trades: <c>timestamp,symbol,price,quantity</c>; quotes:
/// <c>timestamp,symbol,bid,bid_size,ask,ask_size</c>. Timestamps are ISO-8601 with an offset or Z
/// and become UTC; one without an offset is ambiguous and rejected as Malformed. Prices and sizes
/// are plain decimals; NaN, Infinity and non-numbers are Malformed. Symbols are upper-cased.
/// Fields are split on every comma: quoted fields are NOT supported (a line with a double quote is
/// Malformed). A line over <see cref="LineReader.MaxLineChars"/> is rejected as
/// <see cref="DataRejectReason.LineTooLong"/> without being held in memory, and reading goes on.
/// The header is read when the source is constructed: a header that fits neither layout,
/// an empty or unreadable file throws <see cref="FeedFormatException"/> naming the file.
/// </summary>
public sealed class CsvFileSource : ILocatedFeedSource
{
    internal static readonly string[] TradeColumns = { "timestamp", "symbol", "price", "quantity" };
    internal static readonly string[] QuoteColumns = { "timestamp", "symbol", "bid", "bid_size", "ask", "ask_size" };

    private readonly string _header;
    private readonly int[] _columns;
    private readonly int _needed;

    public CsvFileSource(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = System.IO.Path.GetFullPath(path);
        var header = ReadHeader(Path, out var readProblem, out _);
        if (readProblem is not null) throw new FeedFormatException($"cannot read CSV file '{Path}': {readProblem}");
        if (header is null) throw new FeedFormatException($"CSV file '{Path}' is empty; expected a header row ({Expected})");
        if (!TryLayout(header, out var kind, out var columns, out var problem))
            throw new FeedFormatException($"CSV file '{Path}': {problem}");
        _header = header;
        Kind = kind;
        _columns = columns;
        _needed = columns.Max() + 1;
    }

    public string Path { get; }

    public string Name => Path;

    public CsvFeedKind Kind { get; }

    private static string Expected =>
        $"trades: {string.Join(",", TradeColumns)}; quotes: {string.Join(",", QuoteColumns)}";

    /// <summary>Whether the file's first line names the trade or quote columns; false (never throws)
    /// for anything else, so a folder scan can skip CSVs that are not price data (LEAN factor/map
    /// files). A header with both sets counts, so that opening it then fails loudly.</summary>
    public static bool IsPriceCsv(string path) =>
        ReadHeader(path, out var problem, out _) is { } header && problem is null && NamesPriceColumns(header);

    /// <summary>The first line of a file, read with a bounded buffer (a huge first line is a problem,
    /// not an out-of-memory); null for an empty file; a problem when it cannot be read
    /// (<paramref name="unreadable"/>) or its first line is too long to be a header.</summary>
    internal static string? ReadHeader(string path, out string? problem, out bool unreadable)
    {
        unreadable = true;
        using var reader = LineReader.OpenText(path, out problem);
        if (reader is null) return null;
        if (!reader.MoveNext())
        {
            problem = reader.Error;
            return null;
        }
        if (reader.CurrentIsTooLong)
        {
            unreadable = false;
            problem = $"its first line ({reader.TooLongLength:N0} characters) is longer than {LineReader.MaxLineChars:N0}: not a CSV header";
            return null;
        }
        unreadable = false;
        return reader.Current.ToString();
    }

    internal static bool IsPriceHeader(string header) => NamesPriceColumns(header);

    private static bool NamesPriceColumns(string header)
    {
        var names = HeaderNames(header);
        return TradeColumns.All(names.Contains) || QuoteColumns.All(names.Contains);
    }

    private static List<string> HeaderNames(string header) =>
        header.Split(',').Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();

    /// <summary>Maps a header to a layout: the index of each required column, in the order of
    /// <see cref="TradeColumns"/> or <see cref="QuoteColumns"/>.</summary>
    internal static bool TryLayout(string header, out CsvFeedKind kind, out int[] columns, out string problem)
    {
        var names = HeaderNames(header);
        var trade = TradeColumns.Select(c => names.IndexOf(c)).ToArray();
        var quote = QuoteColumns.Select(c => names.IndexOf(c)).ToArray();
        var isTrade = trade.All(i => i >= 0);
        var isQuote = quote.All(i => i >= 0);
        kind = isQuote ? CsvFeedKind.Quotes : CsvFeedKind.Trades;
        columns = isQuote ? quote : trade;
        if (isTrade && isQuote)
        {
            // One row cannot honestly be both; guessing would silently drop half the data.
            problem = $"header '{LeanLineParser.Excerpt(header)}' has both trade and quote columns; split trades and quotes into separate files";
            return false;
        }
        if (isTrade || isQuote)
        {
            problem = "";
            return true;
        }
        var missingTrade = TradeColumns.Where((_, i) => trade[i] < 0);
        var missingQuote = QuoteColumns.Where((_, i) => quote[i] < 0);
        problem = $"header '{LeanLineParser.Excerpt(header)}' is neither a trade file (missing {string.Join(", ", missingTrade)}) " +
                  $"nor a quote file (missing {string.Join(", ", missingQuote)}); expected {Expected}";
        return false;
    }

    public IEnumerable<FeedItem> Read()
    {
        foreach (var located in ReadLocated()) yield return located.Item;
    }

    public IEnumerable<LocatedFeedItem> ReadLocated()
    {
        var reader = LineReader.OpenText(Path, out var openError);
        if (reader is null)
        {
            yield return Located(Reject(0, openError!), 0);
            yield break;
        }
        using (reader)
        {
            if (!reader.MoveNext())
            {
                if (reader.Error is { } e) yield return Located(Reject(1, e), 1);
                yield break;
            }
            if (!reader.Current.SequenceEqual(_header.AsSpan()))
            {
                // The file changed since it was opened; its columns can no longer be trusted.
                yield return Located(Reject(1, $"header changed since the file was opened: '{LeanLineParser.Excerpt(reader.Current)}'"), 1);
                yield break;
            }
            var symbols = new SymbolCache();
            while (reader.MoveNext())
            {
                if (reader.CurrentIsTooLong)
                {
                    var n = reader.LineNumber;
                    yield return Located(FeedItem.Reject(Path, n, DataRejectReason.LineTooLong, reader.TooLongDetail), n);
                    continue;
                }
                if (ParseLine(reader.Current, reader.LineNumber, symbols) is { } item) yield return Located(item, reader.LineNumber);
            }
            if (reader.Error is { } error) yield return Located(Reject(reader.LineNumber + 1, error), reader.LineNumber + 1);
        }
    }

    private LocatedFeedItem Located(FeedItem item, long line) => new(item, Path, line);

    private FeedItem? ParseLine(ReadOnlySpan<char> line, long n, SymbolCache symbols)
    {
        if (line.IsWhiteSpace()) return null;
        if (line.Contains('"')) return Reject(n, line, "quoted fields are not supported");
        // Enough slots for every required column; anything beyond the widest one is left unsplit.
        Span<Range> cells = stackalloc Range[_needed + 1];
        var count = line.Split(cells, ',');
        if (count < _needed) return Reject(n, line, $"expected at least {_needed} columns, found {count}");

        var ts = line[cells[_columns[0]]].Trim();
        if (!HasOffset(ts))
            return Reject(n, line, "timestamp has no UTC offset or Z; a local time is ambiguous");
        if (!DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
            return Reject(n, line, "timestamp is not ISO-8601");
        var symbolSpan = line[cells[_columns[1]]].Trim();
        if (symbolSpan.IsEmpty) return Reject(n, line, "symbol is empty");

        Span<decimal> values = stackalloc decimal[4];
        var valueCount = _columns.Length - 2;
        for (var i = 0; i < valueCount; i++)
        {
            // decimal refuses NaN and Infinity, which is what rule 5 wants.
            if (!decimal.TryParse(line[cells[_columns[i + 2]]], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                return Reject(n, line, $"{ColumnNames[i + 2]} is not a number");
        }
        var symbol = symbols.Get(symbolSpan);
        var utc = time.UtcDateTime;
        return Kind == CsvFeedKind.Quotes
            ? FeedItem.Of(new QuoteTick(symbol, utc, values[0], values[1], values[2], values[3]))
            : FeedItem.Of(new TradeTick(symbol, utc, values[0], values[1]));
    }

    private string[] ColumnNames => Kind == CsvFeedKind.Quotes ? QuoteColumns : TradeColumns;

    /// <summary>Looks for Z or a +hh/-hh offset after the time-of-day separator.</summary>
    internal static bool HasOffset(ReadOnlySpan<char> ts)
    {
        var sep = ts.IndexOfAny('T', 't', ' ');
        if (sep < 0) return false;
        return ts[(sep + 1)..].IndexOfAny("Zz+-") >= 0;
    }

    /// <summary>Reuses the symbol string while consecutive lines name the same symbol (the usual case).</summary>
    private sealed class SymbolCache
    {
        private string _raw = "";
        private string _symbol = "";

        public string Get(ReadOnlySpan<char> raw)
        {
            if (!raw.SequenceEqual(_raw.AsSpan()))
            {
                _raw = raw.ToString();
                _symbol = _raw.ToUpperInvariant();
            }
            return _symbol;
        }
    }

    private FeedItem Reject(long n, ReadOnlySpan<char> line, string detail) =>
        Reject(n, $"{detail}: '{LeanLineParser.Excerpt(line)}'");

    private FeedItem Reject(long n, string detail) => FeedItem.Reject(Path, n, DataRejectReason.Malformed, detail);
}

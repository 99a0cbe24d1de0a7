using System.Globalization;
using Engine.Domain.MarketData;

namespace Engine.MarketData;

/// <summary>
/// LEAN-format equity data: zipped CSV, one CSV per zip, prices as integers x 10,000 and times as
/// milliseconds since New York midnight (hour/daily: "yyyyMMdd HH:mm"). See
/// <see cref="LeanFileInfo"/> for the path layouts. What each file becomes:
/// <list type="bullet">
/// <item>minute/second trade bars: <see cref="TradeBar"/> stamped at the bar end;</item>
/// <item>minute/second quote bars: a <see cref="QuoteTick"/> at the bar end with the closing bid/ask
/// and the sizes (an empty bid or ask side reads as 0, left for the validator);</item>
/// <item>tick trades and quotes: <see cref="TradeTick"/> / <see cref="QuoteTick"/>; a line the vendor
/// flagged suspicious is rejected as <see cref="DataRejectReason.Suspicious"/>. LEAN writes a quote
/// tick as an update of one side (the other side's price 0): the other side keeps its last quote in
/// the file, as LEAN's own consolidators do; until the file has quoted both sides the quote stays
/// one-sided, for the validator to refuse;</item>
/// <item>hour bars end one hour after their start; daily bars end at 16:00 New York on their date
/// and have a one-day period.</item>
/// </list>
/// A source may chain several files (a symbol's daily files) read one after another, so a folder
/// of years of data keeps one file open per stream instead of one per day.
/// A path outside the LEAN layout throws <see cref="FeedFormatException"/> at construction; a
/// missing, unreadable or corrupt zip is reported while reading as one Malformed rejection (line 0,
/// or the line after the last good one) and the source moves on to its next file.
/// Extra columns are ignored; too few columns or a non-numeric value is Malformed.
/// </summary>
public sealed class LeanFileSource : ILocatedFeedSource
{
    public LeanFileSource(string path) : this(new[] { path }) { }

    /// <param name="paths">Files to read in this order.</param>
    public LeanFileSource(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<LeanFileInfo>();
        foreach (var path in paths)
        {
            if (!LeanFileInfo.TryParse(path, out var info, out var problem)) throw new FeedFormatException(problem);
            files.Add(info!);
        }
        if (files.Count == 0) throw new ArgumentException("a LEAN source needs at least one file", nameof(paths));
        Files = files;
        Name = files.Count == 1 ? files[0].Path : $"{files[0].Path} (+{files.Count - 1} more)";
    }

    public string Name { get; }

    public IReadOnlyList<LeanFileInfo> Files { get; }

    public IEnumerable<FeedItem> Read()
    {
        foreach (var located in ReadLocated()) yield return located.Item;
    }

    public IEnumerable<LocatedFeedItem> ReadLocated()
    {
        foreach (var file in Files)
        {
            foreach (var item in ReadFile(file)) yield return item;
        }
    }

    private static IEnumerable<LocatedFeedItem> ReadFile(LeanFileInfo file)
    {
        var reader = LineReader.OpenZip(file.Path, out var openError);
        if (reader is null)
        {
            yield return new LocatedFeedItem(FeedItem.Reject(file.Path, 0, DataRejectReason.Malformed, openError!), file.Path, 0);
            yield break;
        }
        using (reader)
        {
            var parser = new LeanLineParser(file);
            while (reader.MoveNext())
            {
                if (parser.Parse(reader.Current, reader.LineNumber) is { } item)
                    yield return new LocatedFeedItem(item, file.Path, reader.LineNumber);
            }
            if (reader.Error is { } error)
            {
                var line = reader.LineNumber + 1;
                yield return new LocatedFeedItem(FeedItem.Reject(file.Path, line, DataRejectReason.Malformed, error), file.Path, line);
            }
        }
    }
}

/// <summary>Turns one line of one LEAN file into an item; allocation-free except for the event itself.</summary>
internal sealed class LeanLineParser
{
    private const decimal PriceScale = 10_000m;
    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    private static readonly string[] BarColumns = { "time", "open", "high", "low", "close", "volume" };
    private static readonly string[] QuoteBarColumns =
        { "time", "bid open", "bid high", "bid low", "bid close", "bid size", "ask open", "ask high", "ask low", "ask close", "ask size" };
    private static readonly string[] TradeTickColumns = { "time", "price", "quantity", "exchange", "condition", "suspicious" };
    private static readonly string[] QuoteTickColumns = { "time", "bid", "bid size", "ask", "ask size", "exchange", "condition", "suspicious" };

    private readonly LeanFileInfo _file;
    private readonly string _symbol;
    private readonly EasternDay? _day;
    private readonly TimeSpan _period;
    // The last quote of each side in this file (tick quotes update one side at a time).
    private decimal _bid, _bidSize, _ask, _askSize;

    public LeanLineParser(LeanFileInfo file)
    {
        _file = file;
        _symbol = file.Symbol;
        _day = file.Date is { } date ? new EasternDay(date) : null;
        _period = file.Resolution switch
        {
            LeanResolution.Second => TimeSpan.FromSeconds(1),
            LeanResolution.Minute => TimeSpan.FromMinutes(1),
            LeanResolution.Hour => TimeSpan.FromHours(1),
            LeanResolution.Daily => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
    }

    /// <summary>The item for a line, or null for a blank line.</summary>
    public FeedItem? Parse(ReadOnlySpan<char> line, long lineNumber)
    {
        if (line.IsWhiteSpace()) return null;
        // One slot more than the widest format, so extra columns land in the last slot unread.
        Span<Range> cols = stackalloc Range[12];
        var count = line.Split(cols, ',');
        return (_file.Resolution, _file.Kind) switch
        {
            (LeanResolution.Tick, LeanDataKind.Trade) => TradeTick(line, cols, count, lineNumber),
            (LeanResolution.Tick, LeanDataKind.Quote) => QuoteTick(line, cols, count, lineNumber),
            (LeanResolution.Hour or LeanResolution.Daily, _) => DatedBar(line, cols, count, lineNumber),
            (_, LeanDataKind.Trade) => Bar(line, cols, count, lineNumber),
            _ => QuoteBar(line, cols, count, lineNumber),
        };
    }

    private FeedItem Bar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 6) return TooFew(line, n, 6, count, BarColumns);
        if (!TryTime(line[cols[0]], out var start)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var o)) return NotNumber(line, n, 1, BarColumns);
        if (!TryPrice(line[cols[2]], out var h)) return NotNumber(line, n, 2, BarColumns);
        if (!TryPrice(line[cols[3]], out var l)) return NotNumber(line, n, 3, BarColumns);
        if (!TryPrice(line[cols[4]], out var c)) return NotNumber(line, n, 4, BarColumns);
        if (!TryQuantity(line[cols[5]], out var v)) return NotNumber(line, n, 5, BarColumns);
        return FeedItem.Of(new TradeBar(_symbol, start + _period, _period, o, h, l, c, v));
    }

    private FeedItem QuoteBar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 11) return TooFew(line, n, 11, count, QuoteBarColumns);
        if (!TryTime(line[cols[0]], out var start)) return BadTime(line, n);
        // Only the closing quote and the sizes reach the event; the other prices are not parsed.
        if (!TryPriceOrEmpty(line[cols[4]], out var bid)) return NotNumber(line, n, 4, QuoteBarColumns);
        if (!TryQuantityOrEmpty(line[cols[5]], out var bidSize)) return NotNumber(line, n, 5, QuoteBarColumns);
        if (!TryPriceOrEmpty(line[cols[9]], out var ask)) return NotNumber(line, n, 9, QuoteBarColumns);
        if (!TryQuantityOrEmpty(line[cols[10]], out var askSize)) return NotNumber(line, n, 10, QuoteBarColumns);
        return FeedItem.Of(new QuoteTick(_symbol, start + _period, bid, bidSize, ask, askSize));
    }

    private FeedItem TradeTick(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 3) return TooFew(line, n, 3, count, TradeTickColumns);
        if (!TryTime(line[cols[0]], out var time)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var price)) return NotNumber(line, n, 1, TradeTickColumns);
        if (!TryQuantity(line[cols[2]], out var qty)) return NotNumber(line, n, 2, TradeTickColumns);
        if (count > 5 && CheckSuspicious(line, cols[5], n, TradeTickColumns) is { } rejected) return rejected;
        return FeedItem.Of(new TradeTick(_symbol, time, price, qty));
    }

    private FeedItem QuoteTick(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 5) return TooFew(line, n, 5, count, QuoteTickColumns);
        if (!TryTime(line[cols[0]], out var time)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var bid)) return NotNumber(line, n, 1, QuoteTickColumns);
        if (!TryQuantity(line[cols[2]], out var bidSize)) return NotNumber(line, n, 2, QuoteTickColumns);
        if (!TryPrice(line[cols[3]], out var ask)) return NotNumber(line, n, 3, QuoteTickColumns);
        if (!TryQuantity(line[cols[4]], out var askSize)) return NotNumber(line, n, 4, QuoteTickColumns);
        if (count > 7 && CheckSuspicious(line, cols[7], n, QuoteTickColumns) is { } rejected) return rejected;
        if (bid != 0) (_bid, _bidSize) = (bid, bidSize);
        else (bid, bidSize) = (_bid, _bidSize);
        if (ask != 0) (_ask, _askSize) = (ask, askSize);
        else (ask, askSize) = (_ask, _askSize);
        return FeedItem.Of(new QuoteTick(_symbol, time, bid, bidSize, ask, askSize));
    }

    private FeedItem DatedBar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 6) return TooFew(line, n, 6, count, BarColumns);
        if (!DateTime.TryParseExact(line[cols[0]].Trim(), "yyyyMMdd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            return Reject(line, n, DataRejectReason.Malformed, "time is not 'yyyyMMdd HH:mm'");
        // A daily bar is known at the 16:00 close of its date, an hour bar at the end of its hour.
        var endLocal = _file.Resolution == LeanResolution.Daily ? start.Date.AddHours(16) : start + _period;
        if (!EasternTime.TryToUtc(endLocal, out var end))
            return Reject(line, n, DataRejectReason.Malformed, $"{endLocal:yyyy-MM-dd HH:mm} does not exist in New York (DST gap)");
        if (!TryPrice(line[cols[1]], out var o)) return NotNumber(line, n, 1, BarColumns);
        if (!TryPrice(line[cols[2]], out var h)) return NotNumber(line, n, 2, BarColumns);
        if (!TryPrice(line[cols[3]], out var l)) return NotNumber(line, n, 3, BarColumns);
        if (!TryPrice(line[cols[4]], out var c)) return NotNumber(line, n, 4, BarColumns);
        if (!TryQuantity(line[cols[5]], out var v)) return NotNumber(line, n, 5, BarColumns);
        return FeedItem.Of(new TradeBar(_symbol, end, _period, o, h, l, c, v));
    }

    private FeedItem? CheckSuspicious(ReadOnlySpan<char> line, Range col, long n, string[] names)
    {
        var flag = line[col].Trim();
        if (flag.IsEmpty || flag.SequenceEqual("0")) return null;
        if (flag.SequenceEqual("1")) return Reject(line, n, DataRejectReason.Suspicious, "flagged suspicious by the data vendor");
        return Reject(line, n, DataRejectReason.Malformed, $"{names[^1]} flag must be 0 or 1");
    }

    private bool TryTime(ReadOnlySpan<char> field, out DateTime utc)
    {
        utc = default;
        return long.TryParse(field, IntegerStyle, CultureInfo.InvariantCulture, out var ms) && _day!.TryToUtc(ms, out utc);
    }

    private static bool TryPrice(ReadOnlySpan<char> field, out decimal price)
    {
        // Integer fast path; a decimal point is tolerated. Decimal division by 10^4 is exact.
        if (long.TryParse(field, IntegerStyle, CultureInfo.InvariantCulture, out var scaled))
        {
            price = scaled / PriceScale;
            return true;
        }
        if (decimal.TryParse(field, DecimalStyle, CultureInfo.InvariantCulture, out var d))
        {
            price = d / PriceScale;
            return true;
        }
        price = 0;
        return false;
    }

    private static bool TryQuantity(ReadOnlySpan<char> field, out decimal qty)
    {
        if (long.TryParse(field, IntegerStyle, CultureInfo.InvariantCulture, out var whole))
        {
            qty = whole;
            return true;
        }
        return decimal.TryParse(field, DecimalStyle, CultureInfo.InvariantCulture, out qty);
    }

    // Quote bars leave a side empty when it had no quote in the period.
    private static bool TryPriceOrEmpty(ReadOnlySpan<char> field, out decimal price)
    {
        price = 0;
        return field.IsWhiteSpace() || TryPrice(field, out price);
    }

    private static bool TryQuantityOrEmpty(ReadOnlySpan<char> field, out decimal qty)
    {
        qty = 0;
        return field.IsWhiteSpace() || TryQuantity(field, out qty);
    }

    private FeedItem TooFew(ReadOnlySpan<char> line, long n, int needed, int found, string[] names) =>
        Reject(line, n, DataRejectReason.Malformed,
            $"expected at least {needed} columns ({string.Join(",", names.Take(needed))}), found {found}");

    private FeedItem BadTime(ReadOnlySpan<char> line, long n) =>
        Reject(line, n, DataRejectReason.Malformed, "time is not milliseconds within the day");

    private FeedItem NotNumber(ReadOnlySpan<char> line, long n, int column, string[] names) =>
        Reject(line, n, DataRejectReason.Malformed, $"column {column + 1} ({names[column]}) is not a number");

    private FeedItem Reject(ReadOnlySpan<char> line, long n, DataRejectReason reason, string detail) =>
        FeedItem.Reject(_file.Path, n, reason, $"{detail}: '{Excerpt(line)}'");

    internal static string Excerpt(ReadOnlySpan<char> line) =>
        line.Length <= 120 ? line.ToString() : string.Concat(line[..117], "...");
}

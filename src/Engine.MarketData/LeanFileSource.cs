using Engine.Domain;
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
/// A path outside the LEAN layout throws <see cref="FeedFormatException"/> at construction. A file
/// that cannot be trusted is not read at all (see <see cref="LeanArchive"/>): a missing, unreadable or
/// corrupt zip (no file entry, CRC-32 or length mismatch, truncated), a misnamed one (its entry is not
/// named for this zip's symbol, day, resolution and kind), or one whose first line has the columns of
/// another LEAN format (quote bars in a _trade zip, ticks in a minute folder). Such a file is one
/// Malformed rejection (line 0, or the line that gave it away) and one entry in <see cref="Skipped"/>,
/// and the source moves on to its next file. Further entries of a zip are reported in
/// <see cref="Skipped"/>. A read error midway is a Malformed rejection after the last good line.
/// Within a file, a line with too few or too many columns for its format, or a non-numeric value, is
/// Malformed; a line over <see cref="LineReader.MaxLineChars"/> is <see cref="DataRejectReason.LineTooLong"/>
/// and reading goes on.
/// </summary>
public sealed class LeanFileSource : ILocatedFeedSource
{
    public LeanFileSource(string path, LeanReadOptions? options = null) : this(new[] { path }, null, options) { }

    /// <param name="paths">Files to read in this order.</param>
    /// <param name="skipped">Where to report files and archive entries not read; null for a list of
    /// this source's own (<see cref="Skipped"/>).</param>
    /// <param name="options">How to read them; null for every line as stored (<see cref="LeanReadOptions.AsStored"/>):
    /// the data path's detector passes the run's options (LEAN's way by default).</param>
    public LeanFileSource(IEnumerable<string> paths, SkippedFiles? skipped = null, LeanReadOptions? options = null)
        : this(ParseAll(paths), skipped, options)
    {
    }

    /// <param name="files">Files of one series (one symbol, resolution and kind) to read in this order.</param>
    /// <exception cref="FeedFormatException">The symbol's factor file cannot be read (adjusted prices only).</exception>
    public LeanFileSource(IReadOnlyList<LeanFileInfo> files, SkippedFiles? skipped, LeanReadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(files);
        Options = (options ?? LeanReadOptions.AsStored).Validated();
        if (Options.Adjustment == PriceAdjustment.Adjusted && files.Count > 0) Factors = LeanFactorFile.For(files[0]);
        if (files.Count == 0) throw new ArgumentException("a LEAN source needs at least one file", nameof(files));
        Files = files;
        Skipped = skipped ?? new SkippedFiles();
        Name = files.Count == 1 ? files[0].Path : $"{files[0].Path} (+{files.Count - 1} more)";
    }

    public string Name { get; }

    public IReadOnlyList<LeanFileInfo> Files { get; }

    public LeanReadOptions Options { get; }

    /// <summary>The factor file adjusting this source's prices; null for raw prices or a symbol without one.</summary>
    public LeanFactorFile? Factors { get; }

    private static List<LeanFileInfo> ParseAll(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<LeanFileInfo>();
        foreach (var path in paths)
        {
            if (!LeanFileInfo.TryParse(path, out var info, out var problem)) throw new FeedFormatException(problem);
            files.Add(info!);
        }
        return files;
    }

    /// <summary>Files (and archive entries) of this source found unfit to read, with why.</summary>
    public SkippedFiles Skipped { get; }

    public IEnumerable<FeedItem> Read()
    {
        foreach (var located in ReadLocated()) yield return located.Item;
    }

    public IEnumerable<LocatedFeedItem> ReadLocated()
    {
        // A tick quote updates one side: the other keeps its last quote, across the series' days too.
        var quotes = new LastQuote();
        foreach (var file in Files)
        {
            // A day outside --from/--to is not opened at all.
            if (file.Date is { } day && !Options.Includes(day)) continue;
            foreach (var item in ReadFile(file, quotes)) yield return item;
        }
    }

    private IEnumerable<LocatedFeedItem> ReadFile(LeanFileInfo file, LastQuote quotes)
    {
        var reader = LeanArchive.Open(file, Skipped, out var problem);
        if (reader is null)
        {
            Skipped.Add(problem!);
            yield return new LocatedFeedItem(FeedItem.Reject(file.Path, 0, DataRejectReason.Malformed, problem!.Detail), file.Path, 0);
            yield break;
        }
        using (reader)
        {
            var parser = new LeanLineParser(file, Options, Factors, quotes);
            while (reader.MoveNext())
            {
                var n = reader.LineNumber;
                if (reader.CurrentIsTooLong)
                {
                    yield return new LocatedFeedItem(FeedItem.Reject(file.Path, n, DataRejectReason.LineTooLong, reader.TooLongDetail), file.Path, n);
                    continue;
                }
                if (parser.Parse(reader.Current, n) is not { } item) continue;
                if (parser.Misnamed is { } why)
                {
                    // Its first line shows another format: none of its lines are this file's data.
                    Skipped.Add(file.Path, SkipReason.Misnamed, why);
                    yield return new LocatedFeedItem(item, file.Path, n);
                    yield break;
                }
                yield return new LocatedFeedItem(item, file.Path, n);
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

    // The regular session, New York: 09:30 to 16:00.
    private const long SessionOpenMs = 34_200_000;
    private const long SessionCloseMs = 57_600_000;
    private static readonly TimeSpan SessionOpen = TimeSpan.FromMilliseconds(SessionOpenMs);
    private static readonly TimeSpan SessionClose = TimeSpan.FromMilliseconds(SessionCloseMs);

    private readonly LeanFileInfo _file;
    private readonly string _symbol;
    private readonly EasternDay? _day;
    private readonly TimeSpan _period;
    private readonly long _periodMs;
    private readonly LeanReadOptions _options;
    private readonly LeanFactorFile? _factors;
    private readonly LastQuote _quote;
    // A day file's factors: one date, so computed once.
    private readonly decimal _priceScale = 1m, _splitFactor = 1m;
    private bool _sawData;

    public LeanLineParser(LeanFileInfo file) : this(file, LeanReadOptions.AsStored, null, new LastQuote()) { }

    public LeanLineParser(LeanFileInfo file, LeanReadOptions options, LeanFactorFile? factors, LastQuote quote)
    {
        _file = file;
        _symbol = file.Series;
        _options = options;
        _factors = options.Adjustment == PriceAdjustment.Adjusted ? factors : null;
        _quote = quote;
        _day = file.Date is { } date ? new EasternDay(date) : null;
        if (_factors is not null && file.Date is { } day)
        {
            var row = _factors.On(day);
            (_priceScale, _splitFactor) = (row.PriceFactor * row.SplitFactor, row.SplitFactor);
        }
        _period = file.Resolution switch
        {
            LeanResolution.Second => TimeSpan.FromSeconds(1),
            LeanResolution.Minute => TimeSpan.FromMinutes(1),
            LeanResolution.Hour => TimeSpan.FromHours(1),
            LeanResolution.Daily => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        _periodMs = (long)_period.TotalMilliseconds;
    }

    /// <summary>Whether a bar starting at this time of day lies within the session read.</summary>
    private bool BarInSession(long startMs) =>
        _options.ExtendedHours || startMs >= SessionOpenMs && startMs + _periodMs <= SessionCloseMs;

    private bool TickInSession(long ms) => _options.ExtendedHours || ms is >= SessionOpenMs and < SessionCloseMs;

    // Adjusted prices: raw x price factor x split factor; volumes raw / split factor, whole shares (as LEAN rounds them).
    private decimal Price(decimal raw) => _priceScale == 1m ? raw : raw * _priceScale;

    private decimal Volume(decimal raw) => _splitFactor == 1m ? raw : Math.Round(raw / _splitFactor);

    /// <summary>Set when the file's first data line has the shape of another LEAN format than its
    /// name claims: why; the item returned for that line is its rejection and the rest of the file
    /// must not be read.</summary>
    public string? Misnamed { get; private set; }

    /// <summary>The item for a line, or null for a blank line or one outside the hours or dates read.</summary>
    public FeedItem? Parse(ReadOnlySpan<char> line, long lineNumber)
    {
        if (line.IsWhiteSpace()) return null;
        // One slot more than the widest format, so extra columns land in the last slot unread.
        Span<Range> cols = stackalloc Range[12];
        var count = line.Split(cols, ',');
        if (!_sawData)
        {
            _sawData = true;
            if (CheckShape(line, cols, count) is { } why)
            {
                Misnamed = why;
                return Reject(line, lineNumber, DataRejectReason.Malformed, why);
            }
        }
        return (_file.Resolution, _file.Kind) switch
        {
            (LeanResolution.Tick, LeanDataKind.Trade) => TradeTick(line, cols, count, lineNumber),
            (LeanResolution.Tick, LeanDataKind.Quote) => QuoteTick(line, cols, count, lineNumber),
            (LeanResolution.Hour or LeanResolution.Daily, _) => DatedBar(line, cols, count, lineNumber),
            (_, LeanDataKind.Trade) => Bar(line, cols, count, lineNumber),
            _ => QuoteBar(line, cols, count, lineNumber),
        };
    }

    private enum Shape
    {
        Unknown,
        Bar,
        DatedBar,
        QuoteBar,
        TradeTick,
        QuoteTick,
    }

    private static readonly Shape[] Shapes = { Shape.QuoteBar, Shape.QuoteTick, Shape.DatedBar, Shape.Bar, Shape.TradeTick };

    private Shape Claimed => (_file.Resolution, _file.Kind) switch
    {
        (LeanResolution.Tick, LeanDataKind.Trade) => Shape.TradeTick,
        (LeanResolution.Tick, LeanDataKind.Quote) => Shape.QuoteTick,
        (LeanResolution.Hour or LeanResolution.Daily, _) => Shape.DatedBar,
        (_, LeanDataKind.Trade) => Shape.Bar,
        _ => Shape.QuoteBar,
    };

    /// <summary>Why the file is misnamed, when a line does not fit the format the file's name claims
    /// but fits another LEAN format exactly; null when it fits, or fits nothing (then it is just a bad line).</summary>
    private string? CheckShape(ReadOnlySpan<char> line, Span<Range> cols, int count)
    {
        var claimed = Claimed;
        if (Fits(claimed, line, cols, count, exact: false)) return null;
        foreach (var other in Shapes)
        {
            if (other != claimed && Fits(other, line, cols, count, exact: true))
                return $"named as LEAN {LeanArchive.Describe(_file)} data but its first line has the {count} columns of {Describe(other)}; file not read";
        }
        return null;
    }

    private static string Describe(Shape shape) => shape switch
    {
        Shape.Bar => "trade bars (minute/second)",
        Shape.DatedBar => "hour/daily bars",
        Shape.QuoteBar => "quote bars",
        Shape.TradeTick => "trade ticks",
        _ => "quote ticks",
    };

    /// <summary>Whether a line has the columns of a format: its column count (exactly the full width
    /// when <paramref name="exact"/>, else the range LEAN writes) and numbers where it needs them.</summary>
    private static bool Fits(Shape shape, ReadOnlySpan<char> line, Span<Range> cols, int count, bool exact)
    {
        var (min, max) = Width(shape);
        if (count > max || count < (exact ? max : min)) return false;
        if (shape == Shape.DatedBar)
        {
            if (!DateTime.TryParseExact(line[cols[0]].Trim(), "yyyyMMdd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return false;
        }
        else if (!long.TryParse(line[cols[0]], IntegerStyle, CultureInfo.InvariantCulture, out _)) return false;
        var numeric = shape switch
        {
            Shape.Bar or Shape.DatedBar => 5,
            Shape.QuoteBar => 10,
            Shape.TradeTick => 2,
            _ => 4,
        };
        for (var i = 1; i <= numeric && i < count; i++)
        {
            var field = line[cols[i]];
            if (shape == Shape.QuoteBar && field.IsWhiteSpace()) continue;
            if (!decimal.TryParse(field, DecimalStyle, CultureInfo.InvariantCulture, out _)) return false;
        }
        return true;
    }

    /// <summary>Fewest and most columns of a format (LEAN's tick files may leave off the trailing
    /// exchange, condition and suspicious columns).</summary>
    private static (int Min, int Max) Width(Shape shape) => shape switch
    {
        Shape.QuoteBar => (11, 11),
        Shape.TradeTick => (3, 6),
        Shape.QuoteTick => (5, 8),
        _ => (6, 6),
    };

    private FeedItem? Bar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 6) return TooFew(line, n, 6, count, BarColumns);
        if (count > 6) return TooMany(line, n, 6, count);
        if (!TryTime(line[cols[0]], out var start, out var ms)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var o)) return NotNumber(line, n, 1, BarColumns);
        if (!TryPrice(line[cols[2]], out var h)) return NotNumber(line, n, 2, BarColumns);
        if (!TryPrice(line[cols[3]], out var l)) return NotNumber(line, n, 3, BarColumns);
        if (!TryPrice(line[cols[4]], out var c)) return NotNumber(line, n, 4, BarColumns);
        if (!TryQuantity(line[cols[5]], out var v)) return NotNumber(line, n, 5, BarColumns);
        if (!BarInSession(ms)) return null;
        return FeedItem.Of(new TradeBar(_symbol, start + _period, _period, Price(o), Price(h), Price(l), Price(c), Volume(v)));
    }

    private FeedItem? QuoteBar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 11) return TooFew(line, n, 11, count, QuoteBarColumns);
        if (count > 11) return TooMany(line, n, 11, count);
        if (!TryTime(line[cols[0]], out var start, out var ms)) return BadTime(line, n);
        // Only the closing quote and the sizes reach the event; the other prices are not parsed.
        if (!TryPriceOrEmpty(line[cols[4]], out var bid)) return NotNumber(line, n, 4, QuoteBarColumns);
        if (!TryQuantityOrEmpty(line[cols[5]], out var bidSize)) return NotNumber(line, n, 5, QuoteBarColumns);
        if (!TryPriceOrEmpty(line[cols[9]], out var ask)) return NotNumber(line, n, 9, QuoteBarColumns);
        if (!TryQuantityOrEmpty(line[cols[10]], out var askSize)) return NotNumber(line, n, 10, QuoteBarColumns);
        if (!BarInSession(ms)) return null;
        return FeedItem.Of(new QuoteTick(_symbol, start + _period, Price(bid), Volume(bidSize), Price(ask), Volume(askSize)));
    }

    private FeedItem? TradeTick(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 3) return TooFew(line, n, 3, count, TradeTickColumns);
        if (count > 6) return TooMany(line, n, 6, count);
        if (!TryTime(line[cols[0]], out var time, out var ms)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var price)) return NotNumber(line, n, 1, TradeTickColumns);
        if (!TryQuantity(line[cols[2]], out var qty)) return NotNumber(line, n, 2, TradeTickColumns);
        if (!TickInSession(ms)) return null;
        if (count > 5 && CheckSuspicious(line, cols[5], n, TradeTickColumns) is { } rejected) return rejected;
        return FeedItem.Of(new TradeTick(_symbol, time, Price(price), Volume(qty)));
    }

    private FeedItem? QuoteTick(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 5) return TooFew(line, n, 5, count, QuoteTickColumns);
        if (count > 8) return TooMany(line, n, 8, count);
        if (!TryTime(line[cols[0]], out var time, out var ms)) return BadTime(line, n);
        if (!TryPrice(line[cols[1]], out var bid)) return NotNumber(line, n, 1, QuoteTickColumns);
        if (!TryQuantity(line[cols[2]], out var bidSize)) return NotNumber(line, n, 2, QuoteTickColumns);
        if (!TryPrice(line[cols[3]], out var ask)) return NotNumber(line, n, 3, QuoteTickColumns);
        if (!TryQuantity(line[cols[4]], out var askSize)) return NotNumber(line, n, 4, QuoteTickColumns);
        if (count > 7 && CheckSuspicious(line, cols[7], n, QuoteTickColumns) is { } rejected)
            return TickInSession(ms) ? rejected : null;
        // Before the session filter: a pre-market quote is still the last known quote of its side at the open.
        (bid, bidSize, ask, askSize) = _quote.Update(bid, bidSize, ask, askSize);
        if (!TickInSession(ms)) return null;
        return FeedItem.Of(new QuoteTick(_symbol, time, Price(bid), Volume(bidSize), Price(ask), Volume(askSize)));
    }

    private FeedItem? DatedBar(ReadOnlySpan<char> line, Span<Range> cols, int count, long n)
    {
        if (count < 6) return TooFew(line, n, 6, count, BarColumns);
        if (count > 6) return TooMany(line, n, 6, count);
        if (!DateTime.TryParseExact(line[cols[0]].Trim(), "yyyyMMdd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            return Reject(line, n, DataRejectReason.Malformed, "time is not 'yyyyMMdd HH:mm'");
        // Refused before the arithmetic below, which would overflow at the end of the calendar.
        if (!ValueBounds.IsTime(DateTime.SpecifyKind(start, DateTimeKind.Utc)))
            return Reject(line, n, DataRejectReason.OutOfRange, $"{start:yyyy-MM-dd HH:mm} is outside {ValueBounds.MinTime:yyyy}..{ValueBounds.MaxTime.Year - 1}");
        var date = DateOnly.FromDateTime(start);
        if (!_options.Includes(date)) return null;
        // An hour bar is read when it overlaps the session (LEAN's first is 09:00-10:00, holding the open).
        if (_file.Resolution == LeanResolution.Hour && !_options.ExtendedHours
            && (start.TimeOfDay >= SessionClose || start.TimeOfDay + _period <= SessionOpen)) return null;
        // A daily bar is known at the 16:00 close of its date, an hour bar at the end of its hour.
        var endLocal = _file.Resolution == LeanResolution.Daily ? start.Date.AddHours(16) : start + _period;
        if (!EasternTime.TryToUtc(endLocal, out var end))
            return Reject(line, n, DataRejectReason.Malformed, $"{endLocal:yyyy-MM-dd HH:mm} does not exist in New York (DST gap)");
        if (!TryPrice(line[cols[1]], out var o)) return NotNumber(line, n, 1, BarColumns);
        if (!TryPrice(line[cols[2]], out var h)) return NotNumber(line, n, 2, BarColumns);
        if (!TryPrice(line[cols[3]], out var l)) return NotNumber(line, n, 3, BarColumns);
        if (!TryPrice(line[cols[4]], out var c)) return NotNumber(line, n, 4, BarColumns);
        if (!TryQuantity(line[cols[5]], out var v)) return NotNumber(line, n, 5, BarColumns);
        if (_factors?.On(date) is { } f && (f.PriceFactor != 1m || f.SplitFactor != 1m))
        {
            var scale = f.PriceFactor * f.SplitFactor;
            (o, h, l, c, v) = (o * scale, h * scale, l * scale, c * scale, Math.Round(v / f.SplitFactor));
        }
        return FeedItem.Of(new TradeBar(_symbol, end, _period, o, h, l, c, v));
    }

    private FeedItem? CheckSuspicious(ReadOnlySpan<char> line, Range col, long n, string[] names)
    {
        var flag = line[col].Trim();
        if (flag.IsEmpty || flag.SequenceEqual("0")) return null;
        if (flag.SequenceEqual("1")) return Reject(line, n, DataRejectReason.Suspicious, "flagged suspicious by the data vendor");
        return Reject(line, n, DataRejectReason.Malformed, $"{names[^1]} flag must be 0 or 1");
    }

    private bool TryTime(ReadOnlySpan<char> field, out DateTime utc, out long ms)
    {
        utc = default;
        return long.TryParse(field, IntegerStyle, CultureInfo.InvariantCulture, out ms) && _day!.TryToUtc(ms, out utc);
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

    // A wider line is another format's or two lines run together: guessing its columns would trade garbage.
    private FeedItem TooMany(ReadOnlySpan<char> line, long n, int allowed, int found) =>
        Reject(line, n, DataRejectReason.Malformed,
            $"expected at most {allowed} columns for LEAN {LeanArchive.Describe(_file)} data, found {(found == 12 ? "12 or more" : found)}");

    private FeedItem BadTime(ReadOnlySpan<char> line, long n) =>
        Reject(line, n, DataRejectReason.Malformed, "time is not milliseconds within the day");

    private FeedItem NotNumber(ReadOnlySpan<char> line, long n, int column, string[] names) =>
        Reject(line, n, DataRejectReason.Malformed, $"column {column + 1} ({names[column]}) is not a number");

    private FeedItem Reject(ReadOnlySpan<char> line, long n, DataRejectReason reason, string detail) =>
        FeedItem.Reject(_file.Path, n, reason, $"{detail}: '{Excerpt(line)}'");

    /// <summary>A line as it may be quoted in one line of a message: at most 120 characters, control
    /// and direction-changing characters escaped (a '\r' in a bad file must not break the message).</summary>
    internal static string Excerpt(ReadOnlySpan<char> line)
    {
        var cut = line.Length <= 120 ? line : line[..117];
        var text = new System.Text.StringBuilder(cut.Length + 8);
        foreach (var c in cut)
        {
            if (char.IsControl(c) || c is '\u202a' or '\u202b' or '\u202c' or '\u202d' or '\u202e' or '\u2066' or '\u2067' or '\u2068' or '\u2069')
                text.Append(c switch { '\r' => "\\r", '\n' => "\\n", '\t' => "\\t", '\0' => "\\0", _ => $"\\u{(int)c:x4}" });
            else text.Append(c);
        }
        if (cut.Length < line.Length) text.Append("...");
        return text.ToString();
    }
}

/// <summary>The last quote of each side of one series: LEAN's tick quotes update one side at a time
/// (the other side's price 0), and the other side keeps its last quote, as LEAN's consolidators do.</summary>
public sealed class LastQuote
{
    private decimal _bid, _bidSize, _ask, _askSize;

    /// <summary>The quote after an update; a side priced 0 is the side not updated.</summary>
    public (decimal Bid, decimal BidSize, decimal Ask, decimal AskSize) Update(decimal bid, decimal bidSize, decimal ask, decimal askSize)
    {
        if (bid != 0) (_bid, _bidSize) = (bid, bidSize);
        if (ask != 0) (_ask, _askSize) = (ask, askSize);
        return (_bid, _bidSize, _ask, _askSize);
    }
}

using System.Globalization;

namespace Engine.MarketData;

/// <summary>How LEAN equity prices reach the engine: adjusted for splits and dividends (LEAN's
/// default normalization) or as traded.</summary>
public enum PriceAdjustment
{
    Adjusted,
    Raw,
}

/// <summary>
/// How a LEAN data path is read, as LEAN's own subscriptions read it by default:
/// <list type="bullet">
/// <item><see cref="Resolution"/>: the one resolution a symbol's series is read at; null picks, per
/// symbol, minute (LEAN's default resolution) when the path holds it, else the finest it holds;</item>
/// <item><see cref="Adjustment"/>: prices times the factor file's price factor x split factor, volumes
/// divided by the split factor (LEAN's Adjusted mode), or raw;</item>
/// <item><see cref="ExtendedHours"/>: off keeps the regular session 09:30-16:00 New York only
/// (daily bars are the session itself and always kept);</item>
/// <item><see cref="From"/>/<see cref="To"/>: market dates (New York), both inclusive.</item>
/// </list>
/// </summary>
public sealed record LeanReadOptions(
    LeanResolution? Resolution = null,
    PriceAdjustment Adjustment = PriceAdjustment.Adjusted,
    bool ExtendedHours = false,
    DateOnly? From = null,
    DateOnly? To = null)
{
    public static readonly LeanReadOptions Default = new();

    /// <summary>Every line as the file stores it: raw prices, pre- and post-market included.</summary>
    public static readonly LeanReadOptions AsStored = new(Adjustment: PriceAdjustment.Raw, ExtendedHours: true);

    public bool Includes(DateOnly date) => (From is not { } from || date >= from) && (To is not { } to || date <= to);

    /// <summary>"minute", "daily", ...; null for "auto".</summary>
    public static bool TryParseResolution(string text, out LeanResolution? resolution)
    {
        resolution = null;
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return true;
        if (Enum.TryParse<LeanResolution>(text, ignoreCase: true, out var r) && !int.TryParse(text, out _))
        {
            resolution = r;
            return true;
        }
        return false;
    }

    public static bool TryParseAdjustment(string text, out PriceAdjustment adjustment) =>
        Enum.TryParse(text, ignoreCase: true, out adjustment) && !int.TryParse(text, out _);

    /// <summary>A market date as yyyy-MM-dd, or why not.</summary>
    public static DateOnly ParseDate(string text, string what) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new FormatException($"{what}: expected a date as yyyy-MM-dd, got '{text}'");

    /// <summary>Throws when From is after To.</summary>
    public LeanReadOptions Validated()
    {
        if (From is { } from && To is { } to && from > to)
            throw new ArgumentException($"the date range is empty: from {from:yyyy-MM-dd} is after to {to:yyyy-MM-dd}");
        return this;
    }

    /// <summary>How the series was read, for logs and summaries.</summary>
    public string Describe()
    {
        var text = (Adjustment == PriceAdjustment.Adjusted ? "adjusted" : "raw") + " prices, "
            + (ExtendedHours ? "extended hours" : "regular hours 09:30-16:00");
        if (From is null && To is null) return text;
        return text + ", " + (From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "start") + ".."
            + (To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "end");
    }
}

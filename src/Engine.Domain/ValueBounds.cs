namespace Engine.Domain;

/// <summary>
/// The range of every value the domain accepts, in one place. Market data outside it is refused
/// as out of range; settings outside it are refused at start-up. The bounds are far beyond any
/// real market (a price of a billion, a trillion shares, 1e18 of notional, the years 1970-2199)
/// and are chosen so that the domain's decimal arithmetic cannot overflow on accepted values:
/// price x quantity is at most 1e21, and sums of a few million of those stay below decimal's
/// 7.9e28. Bar and window arithmetic adds at most a week to a time, which stays far inside
/// DateTime's range.
/// </summary>
public static class ValueBounds
{
    /// <summary>The smallest price (and price increment) accepted: a hundred-millionth.</summary>
    public const decimal MinPrice = 0.00000001m;

    public const decimal MaxPrice = 1_000_000_000m;

    /// <summary>The largest size of one tick, bar volume, order or position, in shares or units.</summary>
    public const decimal MaxQuantity = 1_000_000_000_000m;

    /// <summary>The largest notional of one market event, and of any notional limit in the settings.</summary>
    public const decimal MaxNotional = 1_000_000_000_000_000_000m;

    /// <summary>The longest history or indicator window, in bars: every strategy in every symbol holds its own.</summary>
    public const int MaxWindow = 100_000;

    public static readonly DateTime MinTime = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime MaxTime = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static bool IsPrice(decimal price) => price is >= MinPrice and <= MaxPrice;

    public static bool IsQuantity(decimal quantity) => quantity is >= 0m and <= MaxQuantity;

    public static bool IsTime(DateTime time) => time >= MinTime && time < MaxTime;
}

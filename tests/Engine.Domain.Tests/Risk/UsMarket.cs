using Engine.Domain.Risk;

namespace Engine.Domain.Tests.Risk;

/// <summary>The US equity session the account tests run in.</summary>
internal static class UsMarket
{
    public static readonly TradingHours Ny = new(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(9, 30), new TimeOnly(16, 0));

    /// <summary>Monday 2024-03-04, 09:30 New York (EST).</summary>
    public static readonly DateTime Open = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);
}

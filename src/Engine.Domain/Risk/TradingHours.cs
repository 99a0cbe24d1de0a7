namespace Engine.Domain.Risk;

/// <summary>
/// When orders may be sent: weekdays between Open and Close, local time in Zone. Times come from
/// the engine clock (market time in a backtest), never from DateTime.Now.
/// </summary>
public sealed record TradingHours(TimeZoneInfo Zone, TimeOnly Open, TimeOnly Close)
{
    public bool IsOpen(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);
        if (local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) return false;
        var t = TimeOnly.FromDateTime(local);
        return t >= Open && t < Close;
    }

    /// <summary>When the session that is open at this instant opened, in UTC; null while closed.</summary>
    public DateTime? SessionOpenUtc(DateTime utc)
    {
        if (!IsOpen(utc)) return null;
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);
        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local.Date + Open.ToTimeSpan(), DateTimeKind.Unspecified), Zone);
    }

    /// <summary>The trading day an instant belongs to: its local date.</summary>
    public DateOnly TradingDay(DateTime utc) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone));
}

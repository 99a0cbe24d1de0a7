namespace Engine.MarketData;

/// <summary>
/// US equity exchange time (America/New_York) to UTC. LEAN equity files count milliseconds from
/// local midnight, so each file needs the New York offset of its date; the offset is cached per day
/// and only a day that contains a DST change converts line by line.
/// </summary>
public static class EasternTime
{
    /// <summary>America/New_York from the OS time-zone database, or built-in US rules when the OS has
    /// none (slim container images ship without tzdata).</summary>
    public static TimeZoneInfo Zone { get; } = Load();

    /// <summary>Converts a New York wall-clock time to UTC. Returns false for a time that does not
    /// exist (inside the spring-forward gap). An ambiguous fall-back time is read as standard time.</summary>
    public static bool TryToUtc(DateTime local, out DateTime utc)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(local))
        {
            utc = default;
            return false;
        }
        utc = TimeZoneInfo.ConvertTimeToUtc(local, Zone);
        return true;
    }

    /// <summary>UTC instant of a New York wall-clock time on a date; throws for a non-existent time.</summary>
    public static DateTime ToUtc(DateOnly date, TimeSpan timeOfDay) =>
        TryToUtc(date.ToDateTime(TimeOnly.MinValue) + timeOfDay, out var utc)
            ? utc
            : throw new ArgumentOutOfRangeException(nameof(timeOfDay), $"{date:yyyy-MM-dd} {timeOfDay} does not exist in New York");

    internal static TimeZoneInfo Load()
    {
        foreach (var id in new[] { "America/New_York", "Eastern Standard Time" })
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                // Try the next id, then the built-in rules.
            }
        }
        return BuiltIn();
    }

    /// <summary>US Eastern with the federal DST rules of 1987-2006 and 2007 onwards; earlier dates
    /// get no DST, which only matters for data older than any the engine is expected to replay.</summary>
    internal static TimeZoneInfo BuiltIn()
    {
        var twoAm = new DateTime(1, 1, 1, 2, 0, 0);
        var rules = new[]
        {
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                new DateTime(1987, 1, 1), new DateTime(2006, 12, 31), TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(twoAm, 4, 1, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(twoAm, 10, 5, DayOfWeek.Sunday)),
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                new DateTime(2007, 1, 1), DateTime.MaxValue.Date, TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(twoAm, 3, 2, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(twoAm, 11, 1, DayOfWeek.Sunday)),
        };
        return TimeZoneInfo.CreateCustomTimeZone("America/New_York", TimeSpan.FromHours(-5), "Eastern", "EST", "EDT", rules);
    }
}

/// <summary>Milliseconds since New York midnight of one date to UTC, with the day's offset cached.</summary>
internal sealed class EasternDay
{
    private const long MsPerDay = 86_400_000;
    private readonly DateTime _midnight;
    private readonly long? _fixedOffsetTicks;

    public EasternDay(DateOnly date)
    {
        _midnight = date.ToDateTime(TimeOnly.MinValue);
        var first = EasternTime.Zone.GetUtcOffset(_midnight);
        var last = EasternTime.Zone.GetUtcOffset(_midnight.AddDays(1).AddTicks(-1));
        // A day without a DST change (every trading day) converts with one subtraction.
        _fixedOffsetTicks = first == last ? first.Ticks : null;
    }

    /// <summary>False when the time is outside the day or falls in the DST gap.</summary>
    public bool TryToUtc(long msSinceMidnight, out DateTime utc)
    {
        if (msSinceMidnight is < 0 or >= MsPerDay)
        {
            utc = default;
            return false;
        }
        var local = _midnight.AddTicks(msSinceMidnight * TimeSpan.TicksPerMillisecond);
        if (_fixedOffsetTicks is { } offset)
        {
            utc = new DateTime(local.Ticks - offset, DateTimeKind.Utc);
            return true;
        }
        return EasternTime.TryToUtc(local, out utc);
    }
}

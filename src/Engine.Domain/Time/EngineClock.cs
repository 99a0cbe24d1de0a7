namespace Engine.Domain.Time;

/// <summary>
/// The one clock (design rule 6). Live runs read the system clock; backtests read a virtual clock
/// that the feed advances to the time of the latest market event. Risk and strategies never read
/// DateTime.Now themselves, so a replay decides the same way.
/// </summary>
public abstract class EngineClock
{
    public abstract DateTime UtcNow { get; }
}

public sealed class SystemClock : EngineClock
{
    public static readonly SystemClock Instance = new();

    public override DateTime UtcNow => DateTime.UtcNow;
}

/// <summary>Market time: only ever moves forward, to the latest event the feed has read. Thread-safe.</summary>
public sealed class VirtualClock : EngineClock
{
    private long _ticks;

    public override DateTime UtcNow => new(Interlocked.Read(ref _ticks), DateTimeKind.Utc);

    public void Advance(DateTime utc)
    {
        var ticks = utc.Ticks;
        var seen = Interlocked.Read(ref _ticks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _ticks, ticks, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}

using Engine.Domain.Time;

namespace Engine.Domain.Tests.Risk;

/// <summary>The market-time clock risk decisions are made by: it only moves forward, from any number of threads.</summary>
public sealed class VirtualClockTests
{
    private static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void It_starts_at_the_beginning_of_time_in_utc()
    {
        var clock = new VirtualClock();
        Assert.Equal(DateTime.MinValue, clock.UtcNow);
        Assert.Equal(DateTimeKind.Utc, clock.UtcNow.Kind);
    }

    [Fact]
    public void It_only_moves_forward()
    {
        var clock = new VirtualClock();
        clock.Advance(T0);
        Assert.Equal(T0, clock.UtcNow);
        clock.Advance(T0.AddTicks(-1));
        Assert.Equal(T0, clock.UtcNow);
        clock.Advance(T0);
        Assert.Equal(T0, clock.UtcNow);
        clock.Advance(T0.AddTicks(1));
        Assert.Equal(T0.AddTicks(1), clock.UtcNow);
        clock.Advance(DateTime.MinValue);
        Assert.Equal(T0.AddTicks(1), clock.UtcNow);
        Assert.Equal(DateTimeKind.Utc, clock.UtcNow.Kind);
    }

    [Fact]
    public void Concurrent_advances_end_at_the_latest_time_and_no_reader_ever_sees_it_go_back()
    {
        for (var round = 0; round < 20; round++)
        {
            var clock = new VirtualClock();
            var latest = new long[64];
            var wentBack = 0;
            Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) }, worker =>
            {
                var random = new Random(round * 1000 + worker); // deterministic per worker
                var seen = DateTime.MinValue;
                for (var i = 0; i < 2000; i++)
                {
                    var t = T0.AddMilliseconds(random.Next(0, 1_000_000));
                    clock.Advance(t);
                    latest[worker] = Math.Max(latest[worker], t.Ticks);
                    var now = clock.UtcNow;
                    if (now < seen || now < t) Interlocked.Increment(ref wentBack);
                    seen = now;
                }
            });
            Assert.Equal(0, wentBack);
            Assert.Equal(new DateTime(latest.Max(), DateTimeKind.Utc), clock.UtcNow);
        }
    }

    [Fact]
    public void The_system_clock_reads_utc_now()
    {
        var before = DateTime.UtcNow;
        var now = SystemClock.Instance.UtcNow;
        Assert.Equal(DateTimeKind.Utc, now.Kind);
        Assert.InRange(now, before, DateTime.UtcNow);
    }
}

namespace Engine.MarketData.Tests;

public sealed class EasternTimeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Minute_files_on_each_side_of_the_fall_dst_change_convert_to_the_right_utc()
    {
        // 34200000 ms = 09:30 New York: EDT (UTC-4) on Friday 2013-11-01, EST (UTC-5) on Monday 2013-11-04.
        const string line = "34200000,1000000,1000000,1000000,1000000,100";
        var fri = _dir.Zip("equity/usa/minute/xyz/20131101_trade.zip", line);
        var mon = _dir.Zip("equity/usa/minute/xyz/20131104_trade.zip", line);

        var events = new LeanFileSource(new[] { fri, mon }).Read().Select(i => i.Event!).ToList();

        Assert.Equal(new DateTime(2013, 11, 1, 13, 31, 0, DateTimeKind.Utc), events[0].Time);
        Assert.Equal(new DateTime(2013, 11, 4, 14, 31, 0, DateTimeKind.Utc), events[1].Time);
    }

    [Fact]
    public void A_day_containing_the_dst_change_converts_line_by_line_and_refuses_the_missing_hour()
    {
        var path = _dir.Zip("equity/usa/tick/xyz/20130310_trade.zip",
            "3600000,1000000,1\n9000000,1000000,1\n10800000,1000000,1\n");

        var items = new LeanFileSource(path).Read().ToList();

        // 01:00 EST = 06:00 UTC; 02:30 does not exist; 03:00 EDT = 07:00 UTC.
        Assert.Equal(new DateTime(2013, 3, 10, 6, 0, 0, DateTimeKind.Utc), items[0].Event!.Time);
        Assert.Equal(Engine.Domain.MarketData.DataRejectReason.Malformed, items[1].Rejection!.Reason);
        Assert.Equal(new DateTime(2013, 3, 10, 7, 0, 0, DateTimeKind.Utc), items[2].Event!.Time);
    }

    [Fact]
    public void The_built_in_rules_match_the_system_time_zone_database()
    {
        var system = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var builtIn = EasternTime.BuiltIn();

        for (var day = new DateTime(1990, 1, 1); day < new DateTime(2040, 1, 1); day = day.AddHours(13))
            Assert.Equal(system.GetUtcOffset(day), builtIn.GetUtcOffset(day));
    }

    [Fact]
    public void Times_outside_the_day_are_refused()
    {
        var day = new EasternDay(new DateOnly(2013, 10, 7));

        Assert.False(day.TryToUtc(-1, out _));
        Assert.False(day.TryToUtc(86_400_000, out _));
        Assert.True(day.TryToUtc(0, out var midnight));
        Assert.Equal(new DateTime(2013, 10, 7, 4, 0, 0, DateTimeKind.Utc), midnight);
    }
}

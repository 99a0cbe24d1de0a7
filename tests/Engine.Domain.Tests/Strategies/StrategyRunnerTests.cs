using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Domain.Tests.Symbols;
using FsCheck.Xunit;

namespace Engine.Domain.Tests.Strategies;

/// <summary>
/// Supervision of a strategy in market time, as pure logic: backoff, rebuild from remembered bars,
/// stopping for good, and outcomes that depend on the bars alone.
/// </summary>
public sealed class StrategyRunnerTests
{
    private static readonly DateTime T0 = new(2024, 3, 4, 14, 30, 0, DateTimeKind.Utc);

    private static DateTime Min(double minutes) => T0.AddMinutes(minutes);

    private static TradeBar Bar(double minute, decimal close = 100m) =>
        new("X", Min(minute), TimeSpan.FromMinutes(1), close, close, close, close, 100m);

    /// <summary>Every instance the runner makes, the bars each saw; bars that always throw; targets by bar.</summary>
    private sealed class Recorder
    {
        public List<List<DateTime>> Instances { get; } = new();
        public HashSet<DateTime> ThrowOn { get; } = new();
        public Dictionary<DateTime, decimal> Targets { get; } = new();

        public IStrategy Create()
        {
            var seen = new List<DateTime>();
            Instances.Add(seen);
            return new Probe(this, seen);
        }

        private sealed class Probe(Recorder recorder, List<DateTime> seen) : IStrategy
        {
            public decimal? OnBar(TradeBar bar)
            {
                seen.Add(bar.Time);
                if (recorder.ThrowOn.Contains(bar.Time)) throw new InvalidOperationException($"bad bar {bar.Time:HH:mm:ss}");
                return recorder.Targets.TryGetValue(bar.Time, out var t) ? t : null;
            }
        }
    }

    private static List<(double Minute, StrategyOutcome Outcome)> Run(StrategyRunner runner, params double[] minutes) =>
        minutes.Select(m => (m, runner.OnBar(Bar(m)))).ToList();

    private static string Kinds(IEnumerable<(double Minute, StrategyOutcome Outcome)> outcomes) =>
        string.Join(" ", outcomes.Select(o => $"{o.Minute}:{o.Outcome.Kind}"));

    [Fact]
    public void Backoff_doubles_with_each_failure_and_is_capped()
    {
        var s = new StrategySupervision(10, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        Assert.Equal(
            [1, 1, 2, 4, 5, 5, 5],
            new[] { 0, 1, 2, 3, 4, 5, 60 }.Select(n => s.Backoff(n).TotalMinutes));
        Assert.Equal(TimeSpan.FromSeconds(30), (s with { MinBackoff = TimeSpan.FromSeconds(30) }).Backoff(1));
    }

    [Fact]
    public void A_failing_strategy_is_suspended_in_market_time_and_resumes_at_the_first_bar_at_or_after_its_backoff()
    {
        var r = new Recorder();
        foreach (var m in new[] { 0, 1, 3, 7, 12 }) r.ThrowOn.Add(Min(m));
        r.Targets[Min(2)] = 1m;
        var runner = new StrategyRunner(r.Create, new StrategySupervision(10, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)), 50);

        var outcomes = Run(runner, 0, 0.5, 1, 2, 3, 4, 5, 6, 6.9, 7, 8, 9, 10, 11, 11.99, 12, 13, 14, 15, 16, 16.99, 17, 18);
        // Backoffs 1, 2, 4, 5 (capped), 5 minutes: each bar before the backoff ends is skipped, the first at or after it resumes.
        Assert.Equal(
            "0:Failed 0.5:None 1:Failed 2:None 3:Failed 4:None 5:None 6:None 6.9:None 7:Failed 8:None 9:None 10:None 11:None 11.99:None " +
            "12:Failed 13:None 14:None 15:None 16:None 16.99:None 17:Target 18:None",
            Kinds(outcomes));
        var reasons = outcomes.Where(o => o.Outcome.Kind == StrategyOutcomeKind.Failed).Select(o => o.Outcome.Reason!).ToArray();
        Assert.All(reasons, reason => Assert.StartsWith("InvalidOperationException: bad bar", reason));
        Assert.Equal(
            ["00:01:00", "00:02:00", "00:04:00", "00:05:00", "00:05:00"],
            reasons.Select(reason => reason[(reason.IndexOf("after ", StringComparison.Ordinal) + 6)..].Split(' ')[0]));
        Assert.False(runner.Stopped);
        Assert.Equal(5, runner.RecentFailures);

        // One fresh instance per resumption, each rebuilt from every remembered bar before the current one except those it failed on.
        Assert.Equal(6, r.Instances.Count);
        Assert.Equal([Min(0.5), Min(1)], r.Instances[1]);
        Assert.Equal([Min(0.5), Min(2), Min(3)], r.Instances[2]);
        Assert.Equal(
            new[] { 0.5, 2, 4, 5, 6, 6.9, 8, 9, 10, 11, 11.99, 13, 14, 15, 16, 16.99, 17, 18 }.Select(Min),
            r.Instances[5]);
        // The wish it had while replaying (1 at the 14:32 bar) is its current one when it resumes.
        Assert.Equal(StrategyOutcome.Wants(1m), outcomes.Single(o => o.Minute == 17).Outcome);
    }

    [Fact]
    public void More_than_MaxFailures_within_the_window_stop_the_strategy_for_good()
    {
        var r = new Recorder();
        foreach (var m in new[] { 0, 1, 3 }) r.ThrowOn.Add(Min(m));
        r.Targets[Min(5)] = 1m;
        var runner = new StrategyRunner(r.Create, new StrategySupervision(2, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15)), 50);

        var outcomes = Run(runner, 0, 1, 2, 3, 4, 5, 6, 60);
        Assert.Equal("0:Failed 1:Failed 2:None 3:Stopped 4:None 5:None 6:None 60:None", Kinds(outcomes));
        var stopped = outcomes.Single(o => o.Minute == 3).Outcome;
        Assert.StartsWith("3 failures within 00:10:00; last: InvalidOperationException: bad bar", stopped.Reason);
        Assert.True(runner.Stopped);
        Assert.Equal(3, runner.RecentFailures);
        // No instance is made after the stop.
        Assert.Equal(3, r.Instances.Count);
        Assert.Equal([Min(2), Min(3)], r.Instances[2]);
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count_toward_the_stop_nor_the_backoff()
    {
        var r = new Recorder();
        foreach (var m in new[] { 0, 5, 6 }) r.ThrowOn.Add(Min(m));
        var runner = new StrategyRunner(r.Create, new StrategySupervision(1, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15)), 50);

        var outcomes = Run(runner, 0, 1, 2, 3, 4, 5, 5.5, 6, 7);
        // The failure at 0 is exactly a window old at 5: it no longer counts, so 5 is a first failure again (1 minute's backoff).
        Assert.Equal("0:Failed 1:None 2:None 3:None 4:None 5:Failed 5.5:None 6:Stopped 7:None", Kinds(outcomes));
        Assert.Contains("restarting after 00:01:00", outcomes.Single(o => o.Minute == 5).Outcome.Reason);
        Assert.StartsWith("2 failures within 00:05:00", outcomes.Single(o => o.Minute == 6).Outcome.Reason);
    }

    [Theory]
    [InlineData(3, new double[] { 9 })]
    [InlineData(1, new double[0])]
    [InlineData(0, new double[0])]
    public void The_rebuild_replays_at_most_historyBars_bars_the_current_one_included(int historyBars, double[] replayed)
    {
        var r = new Recorder();
        r.ThrowOn.Add(Min(10));
        var runner = new StrategyRunner(r.Create, StrategySupervision.Default, historyBars);
        Run(runner, Enumerable.Range(0, 12).Select(m => (double)m).ToArray());
        Assert.Equal(2, r.Instances.Count);
        Assert.Equal(replayed.Append(11).Select(Min), r.Instances[1]);
    }

    [Fact]
    public void A_negative_history_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StrategyRunner(() => new Recorder().Create(), StrategySupervision.Default, -1));
    }

    /// <summary>
    /// Outcomes depend on the bars alone: two runners (two processes, or before and after a restart)
    /// fed the same bars decide alike, failures, backoffs, rebuilds and stops included.
    /// </summary>
    [Property(MaxTest = 200)]
    public void Two_runners_fed_the_same_bars_give_the_same_outcomes(int seed)
    {
        var rng = new Random(seed);
        var modulus = rng.Next(3, 30);
        var supervision = new StrategySupervision(
            rng.Next(0, 5), TimeSpan.FromMinutes(rng.Next(1, 60)), TimeSpan.FromMinutes(rng.Next(1, 3)), TimeSpan.FromMinutes(rng.Next(3, 20)));
        var history = rng.Next(0, 40);
        IStrategy Make() => new FlakyStrategy(new MovingAverageCrossover(new MovingAverageCrossoverParameters(2, 5, MovingAverageKind.Sma)), modulus);
        var bars = new List<TradeBar>();
        var close = 100m;
        var t = 0.0;
        for (var i = 0; i < 300; i++)
        {
            t += rng.Next(8) == 0 ? rng.Next(2, 10) : 1;
            close = Math.Max(1m, close + rng.Next(-50, 51) / 100m);
            bars.Add(Bar(t, close));
        }

        var a = new StrategyRunner(Make, supervision, history);
        var b = new StrategyRunner(Make, supervision, history);
        var first = bars.Select(a.OnBar).ToArray();
        // The second is fed in uneven groups, as batches would cut them.
        var second = new List<StrategyOutcome>();
        for (var i = 0; i < bars.Count;)
        {
            var n = Math.Min(bars.Count - i, rng.Next(1, 20));
            second.AddRange(bars.Skip(i).Take(n).Select(b.OnBar));
            i += n;
        }
        Assert.Equal(first, second);
        Assert.Equal((a.Stopped, a.RecentFailures), (b.Stopped, b.RecentFailures));
    }
}

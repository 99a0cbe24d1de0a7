using Engine.Domain.MarketData;

namespace Engine.Domain.Strategies;

/// <summary>When a strategy that throws is restarted, and when it is given up on. Times are market time.</summary>
public sealed record StrategySupervision(int MaxFailures, TimeSpan FailureWindow, TimeSpan MinBackoff, TimeSpan MaxBackoff)
{
    public static readonly StrategySupervision Default = new(3, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15));

    public TimeSpan Backoff(int failures)
    {
        var ticks = MinBackoff.Ticks * Math.Pow(2, Math.Max(0, failures - 1));
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}

public enum StrategyOutcomeKind : byte
{
    /// <summary>No change wished (or the strategy is suspended or stopped).</summary>
    None,

    /// <summary>A new target exposure.</summary>
    Target,

    /// <summary>The strategy threw on this bar; it is suspended and will be rebuilt after a backoff.</summary>
    Failed,

    /// <summary>The strategy threw once too often within the failure window; it is stopped for good.</summary>
    Stopped,
}

/// <summary>What one strategy made of one bar.</summary>
public readonly record struct StrategyOutcome(StrategyOutcomeKind Kind, decimal Target, string? Reason)
{
    public static readonly StrategyOutcome None = default;

    public static StrategyOutcome Wants(decimal target) => new(StrategyOutcomeKind.Target, target, null);
}

/// <summary>
/// Runs one strategy for one symbol and supervises it in market time, as pure logic: a strategy
/// that throws is suspended for a backoff that doubles with each failure, then rebuilt from a
/// fresh instance fed the recent bars (except those it failed on), and stopped for good after
/// more than MaxFailures within FailureWindow. Everything depends on the bars alone, so a replay
/// of the same bars makes the same decisions, and how bars are grouped into calls changes nothing.
/// </summary>
public sealed class StrategyRunner
{
    private readonly Func<IStrategy> _factory;
    private readonly StrategySupervision _supervision;
    private readonly int _historyBars;
    private readonly Queue<TradeBar> _history = new();
    private readonly List<DateTime> _failures = new();
    private readonly HashSet<DateTime> _poisoned = new();
    private IStrategy _strategy;
    private DateTime? _suspendedUntil;

    public StrategyRunner(Func<IStrategy> factory, StrategySupervision supervision, int historyBars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(historyBars);
        _factory = factory;
        _supervision = supervision;
        _historyBars = historyBars;
        _strategy = factory();
    }

    public bool Stopped { get; private set; }

    /// <summary>Failures counted within the window, as of the last failure.</summary>
    public int RecentFailures => _failures.Count;

    /// <summary>Feeds one completed bar of the symbol, in time order.</summary>
    public StrategyOutcome OnBar(TradeBar bar)
    {
        Remember(bar);
        if (Stopped) return StrategyOutcome.None;
        try
        {
            decimal? target;
            if (_suspendedUntil is { } until)
            {
                if (bar.Time < until) return StrategyOutcome.None;
                _suspendedUntil = null;
                target = Rebuild(bar);
            }
            else
            {
                target = _strategy.OnBar(bar);
            }
            return target is { } t ? StrategyOutcome.Wants(t) : StrategyOutcome.None;
        }
        catch (Exception ex)
        {
            return OnFailure(bar, ex);
        }
    }

    /// <summary>A fresh instance replays the remembered bars before this one, then decides on it.</summary>
    private decimal? Rebuild(TradeBar current)
    {
        _strategy = _factory();
        decimal? last = null;
        foreach (var b in _history)
        {
            if (b.Time >= current.Time || _poisoned.Contains(b.Time)) continue;
            last = _strategy.OnBar(b) ?? last;
        }
        // The strategy's current wish is its latest output, even one produced while replaying.
        return _strategy.OnBar(current) ?? last;
    }

    private StrategyOutcome OnFailure(TradeBar bar, Exception ex)
    {
        _poisoned.Add(bar.Time);
        _failures.Add(bar.Time);
        _failures.RemoveAll(t => t <= bar.Time - _supervision.FailureWindow);
        var reason = $"{ex.GetType().Name}: {ex.Message}";
        if (_failures.Count > _supervision.MaxFailures)
        {
            Stopped = true;
            return new StrategyOutcome(StrategyOutcomeKind.Stopped, 0m,
                $"{_failures.Count} failures within {_supervision.FailureWindow}; last: {reason}");
        }
        var backoff = _supervision.Backoff(_failures.Count);
        _suspendedUntil = bar.Time + backoff;
        return new StrategyOutcome(StrategyOutcomeKind.Failed, 0m, $"{reason}; restarting after {backoff} of market time");
    }

    private void Remember(TradeBar bar)
    {
        _history.Enqueue(bar);
        while (_history.Count > _historyBars) _history.Dequeue();
        // Poisoned bars older than anything remembered can never be replayed again.
        if (_poisoned.Count > 0 && _history.TryPeek(out var oldest)) _poisoned.RemoveWhere(t => t < oldest.Time);
    }
}

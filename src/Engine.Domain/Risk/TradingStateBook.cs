namespace Engine.Domain.Risk;

/// <summary>
/// One change of a scope's trading state, as the kill switch journaled it. Epoch counts changes
/// (1, 2, ...). Point is the feed step it takes effect after (Symbols.FeedStep: market event n is
/// step 2n, the time-slice boundary after it 2n + 1): it governs every later step, so a replay
/// applies it exactly where the original run did.
/// State ACTIVE is a release. Since and Operator are for the audit trail only.
/// </summary>
public sealed record ScopeChange(
    long Epoch, string Scope, TradingState State, bool Flatten, string Reason, string Operator, DateTime Since, long Point)
{
    /// <summary>
    /// A halt that keeps the scope's resting orders: the engine's own halt while its journal is
    /// gone, when the feed (the market clock) stops with it, so no resting order can fill or needs
    /// cancelling; new orders are refused as under any halt.
    /// </summary>
    public bool KeepOrders { get; init; }
}

/// <summary>
/// The trading states of every scope as a history of changes, read at a feed step: what a
/// symbol applies before each step, and what the kill switch reports. Changes are kept in
/// epoch order and their points never decrease, so "applied up to" is a prefix.
/// </summary>
public sealed class TradingStateBook
{
    private readonly List<ScopeChange> _changes = new();
    private readonly SortedDictionary<string, ScopeChange> _current = new(StringComparer.Ordinal);
    private int _applied;

    /// <summary>The epoch of the last change known (applied or not); 0 before any.</summary>
    public long KnownEpoch => _changes.Count == 0 ? 0 : _changes[^1].Epoch;

    /// <summary>The epoch of the last change applied; 0 before any.</summary>
    public long AppliedEpoch => _applied == 0 ? 0 : _changes[_applied - 1].Epoch;

    /// <summary>Every scope that is not ACTIVE after the applied changes, by scope.</summary>
    public IReadOnlyDictionary<string, ScopeChange> Current => _current;

    public IReadOnlyList<ScopeChange> History => _changes;

    /// <summary>True when a known change has not been applied yet.</summary>
    public bool HasPending => _applied < _changes.Count;

    /// <summary>Adds a change; an epoch already known is ignored (redelivery). Returns whether it was new.</summary>
    public bool Add(ScopeChange change)
    {
        if (change.Epoch <= KnownEpoch) return false;
        if (_changes.Count > 0 && change.Point < _changes[^1].Point)
            throw new ArgumentException($"change {change.Epoch} at point {change.Point} is before the previous change's point {_changes[^1].Point}");
        _changes.Add(change);
        return true;
    }

    /// <summary>The first known change not applied yet, or null.</summary>
    public ScopeChange? NextPending => _applied < _changes.Count ? _changes[_applied] : null;

    /// <summary>Applies every known change that governs the step nextStep (its point is before it). Returns whether any was applied.</summary>
    public bool ApplyBefore(long nextStep)
    {
        var any = false;
        while (_applied < _changes.Count && _changes[_applied].Point < nextStep)
        {
            ApplyNext();
            any = true;
        }
        return any;
    }

    /// <summary>Applies every known change up to and including epoch, whatever their points (a journaled application).</summary>
    public void ApplyThrough(long epoch)
    {
        while (_applied < _changes.Count && _changes[_applied].Epoch <= epoch) ApplyNext();
    }

    /// <summary>Applies every known change, whatever its point (the kill switch's own view).</summary>
    public bool ApplyAll() => ApplyBefore(long.MaxValue);

    private void ApplyNext()
    {
        var c = _changes[_applied++];
        if (c.State == TradingState.Active) _current.Remove(c.Scope);
        else _current[c.Scope] = c;
    }

    /// <summary>The most severe applied scope covering this strategy of this account in this symbol, or null when all are ACTIVE.</summary>
    public ScopeChange? Governing(string account, string strategy, string symbol) => Governing(_current.Values, account, strategy, symbol);

    /// <summary>
    /// The most severe scope covering this strategy once every known change is applied, including
    /// those still waiting for their point: what the next market event will be decided under.
    /// </summary>
    public ScopeChange? GoverningOnceApplied(string account, string strategy, string symbol)
    {
        if (!HasPending) return Governing(account, strategy, symbol);
        var all = new Dictionary<string, ScopeChange>(_current, StringComparer.Ordinal);
        for (var i = _applied; i < _changes.Count; i++)
        {
            var c = _changes[i];
            if (c.State == TradingState.Active) all.Remove(c.Scope);
            else all[c.Scope] = c;
        }
        return Governing(all.Values, account, strategy, symbol);
    }

    public static ScopeChange? Governing(IEnumerable<ScopeChange> scopes, string account, string strategy, string symbol)
    {
        ScopeChange? worst = null;
        foreach (var s in scopes)
        {
            if (!RiskScope.Parse(s.Scope).Covers(account, strategy, symbol)) continue;
            if (worst is null || s.State > worst.State || (s.State == worst.State && s.Flatten && !worst.Flatten)) worst = s;
        }
        return worst;
    }
}

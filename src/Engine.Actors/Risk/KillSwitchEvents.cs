using Engine.Domain.Risk;

namespace Engine.Actors.Risk;

/// <summary>
/// Journaled by the KillSwitchActor: the audit trail of every trading-state change, with who, when
/// (wall clock, the operator's time), why and for which scope ("engine", "account:ID",
/// "strategy:ID", "symbol:SYM"). Point is the feed position it takes effect at (it governs market
/// events above it); DecisionId names an automatic decision, so a replay that makes it again is
/// recognised. Formats are pinned by golden-byte tests.
/// </summary>
public interface IKillSwitchEvent
{
    string Scope { get; }

    string Operator { get; }

    DateTime Time { get; }

    long Point { get; }

    string? DecisionId { get; }
}

/// <summary>
/// The scope is HALTED; with Flatten its positions are closed by reduce-only orders; with KeepOrders
/// its resting orders stay (see <see cref="ScopeChange.KeepOrders"/>).
/// </summary>
public sealed record KillSwitchEngaged(
    string Scope, string Reason, string Operator, DateTime Time, bool Flatten = false, long Point = 0, string? DecisionId = null, bool KeepOrders = false)
    : IKillSwitchEvent;

/// <summary>The scope is ACTIVE again.</summary>
public sealed record KillSwitchReleased(
    string Scope, string Operator, DateTime Time, string Reason = "", long Point = 0, string? DecisionId = null) : IKillSwitchEvent;

/// <summary>The scope is REDUCING: only orders that shrink a position are accepted.</summary>
public sealed record ScopeReduced(
    string Scope, string Reason, string Operator, DateTime Time, long Point = 0, string? DecisionId = null) : IKillSwitchEvent;

public static class KillSwitchEvents
{
    /// <summary>The journaled event as the change it makes; epoch is its position in the journal (1-based).</summary>
    public static ScopeChange ToChange(this IKillSwitchEvent e, long epoch) => e switch
    {
        KillSwitchEngaged k => new ScopeChange(epoch, k.Scope, TradingState.Halted, k.Flatten, k.Reason, k.Operator, k.Time, k.Point) { KeepOrders = k.KeepOrders },
        ScopeReduced r => new ScopeChange(epoch, r.Scope, TradingState.Reducing, false, r.Reason, r.Operator, r.Time, r.Point),
        KillSwitchReleased r => new ScopeChange(epoch, r.Scope, TradingState.Active, false, r.Reason, r.Operator, r.Time, r.Point),
        _ => throw new ArgumentException($"unknown kill-switch event {e.GetType().Name}", nameof(e)),
    };
}

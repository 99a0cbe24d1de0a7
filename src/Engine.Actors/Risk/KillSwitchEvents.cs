namespace Engine.Actors.Risk;

/// <summary>
/// Journaled by the KillSwitchActor: the audit trail of every trading-state change, with who, when
/// (wall clock, the operator's time), why and for which scope ("engine", "account:ID",
/// "strategy:ID", "symbol:SYM"). Formats are pinned by golden-byte tests.
/// </summary>
public interface IKillSwitchEvent
{
    string Scope { get; }

    string Operator { get; }

    DateTime Time { get; }
}

/// <summary>The scope is HALTED; with Flatten its positions are closed by reduce-only orders.</summary>
public sealed record KillSwitchEngaged(string Scope, string Reason, string Operator, DateTime Time, bool Flatten = false) : IKillSwitchEvent;

/// <summary>The scope is ACTIVE again.</summary>
public sealed record KillSwitchReleased(string Scope, string Operator, DateTime Time, string Reason = "") : IKillSwitchEvent;

/// <summary>The scope is REDUCING: only orders that shrink a position are accepted.</summary>
public sealed record ScopeReduced(string Scope, string Reason, string Operator, DateTime Time) : IKillSwitchEvent;

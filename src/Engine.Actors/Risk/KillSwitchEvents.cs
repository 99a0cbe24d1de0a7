namespace Engine.Actors.Risk;

/// <summary>
/// Journaled by the KillSwitchActor: an audit trail of who engaged or released it, when and why.
/// Scope is "engine" today; account/strategy/symbol scopes use "account:ID" etc.
/// </summary>
public sealed record KillSwitchEngaged(string Scope, string Reason, string Operator, DateTime Time);

public sealed record KillSwitchReleased(string Scope, string Operator, DateTime Time);

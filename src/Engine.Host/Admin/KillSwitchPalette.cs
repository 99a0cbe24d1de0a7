using Akka.Actor;
using Engine.Actors.Risk;
using Engine.Admin;
using Engine.Domain.Risk;

namespace Engine.Host.Admin;

/// <summary>
/// kill-switch engage|release|reduce|status|audit: the cluster's one kill switch, through this
/// node's proxy. A change is answered once every symbol in scope, on every node, has confirmed it.
/// </summary>
/// <param name="accounts">The configured accounts and strategies: a scope naming another is refused
/// (a symbol may be halted before its first event, so any symbol is accepted).</param>
public sealed class KillSwitchPalette(IActorRef killSwitch, TimeSpan timeout, IReadOnlyCollection<string> accounts, IReadOnlyCollection<string> strategies) : IAdminPalette
{
    private static readonly SwitchSpec Scope = new("scope", "s", "engine, account:ID, strategy:ID or symbol:SYMBOL (default engine)");
    private static readonly SwitchSpec Reason = new("reason", "r", "why (audited)", Required: true);
    private static readonly SwitchSpec Json = new("json", null, "the answer as JSON", Flag: true);

    public PaletteSpec Spec { get; } = new("kill-switch", "Halt, reduce and release trading, cluster-wide, and read the trading states and their audit trail.",
    [
        new CommandSpec("engage", "HALT a scope: its resting orders are cancelled and new ones refused (--flatten also closes its positions).", true,
            [Scope, Reason, new SwitchSpec("flatten", null, "also close the scope's positions with reduce-only orders", Flag: true), Json]),
        new CommandSpec("reduce", "Put a scope in REDUCING: only orders that shrink a position are accepted.", true, [Scope, Reason, Json]),
        new CommandSpec("release", "Make a halted or reducing scope ACTIVE again.", true, [Scope, Reason, Json]),
        new CommandSpec("status", "The scopes that are not ACTIVE.", false, [Scope, Json]),
        new CommandSpec("audit", "Every trading-state change, oldest first.", false, [Scope, Json]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var scope = command.Value("scope") ?? "engine";
        if (!RiskScope.TryParse(scope, out var parsed))
            throw new CommandException($"-s {scope}: not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL");
        if (parsed.Kind == ScopeKind.Account && !accounts.Contains(parsed.Id))
            throw new CommandException($"-s {scope}: names no account here (accounts: {string.Join(", ", accounts.Order(StringComparer.Ordinal))})");
        if (parsed.Kind == ScopeKind.Strategy && !strategies.Contains(parsed.Id))
            throw new CommandException($"-s {scope}: names no strategy here (strategies: {string.Join(", ", strategies.Order(StringComparer.Ordinal))})");
        var json = command.Has("json");
        switch (command.Command.Name)
        {
            case "status":
                var status = await killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), timeout, cancellation);
                await WriteStatus(reply, status, command.Has("scope") ? scope : null, json);
                return 0;
            case "audit":
                var trail = await killSwitch.Ask<KillSwitchActor.AuditTrail>(new KillSwitchActor.GetAudit(), timeout, cancellation);
                var changes = trail.Events.Select((e, i) => e.ToChange(i + 1)).Where(c => !command.Has("scope") || c.Scope == scope).ToArray();
                if (json) await reply.Json(changes.Select(View).ToArray());
                else if (changes.Length == 0) await reply.Line("No trading-state change recorded.");
                else await reply.Table(["#", "Time (UTC)", "Scope", "State", "By", "Reason", "Point"],
                    changes.Select(c => (IReadOnlyList<string>)[c.Epoch.ToString(), $"{c.Since:yyyy-MM-dd HH:mm:ss}", c.Scope, StateName(c), c.Operator, c.Reason, c.Point.ToString()]));
                return 0;
        }
        var reason = command.Value("reason")!;
        object change = command.Command.Name switch
        {
            "engage" => new KillSwitchActor.Engage(scope, reason, reply.Operator, command.Has("flatten")),
            "reduce" => new KillSwitchActor.Reduce(scope, reason, reply.Operator),
            _ => new KillSwitchActor.Release(scope, reply.Operator, reason),
        };
        // The kill switch answers once every symbol in scope confirmed, or its ack timeout passed.
        switch (await killSwitch.Ask<object>(change, timeout + timeout, cancellation))
        {
            case KillSwitchActor.Acknowledged ack:
                var state = ack.Status.Scopes.TryGetValue(scope, out var now) ? StateName(now) : "ACTIVE";
                if (json)
                {
                    await reply.Json(new { scope, state, confirmed = ack.ConfirmedAt, unconfirmed = ack.Unconfirmed, scopes = ack.Status.Scopes.Values.Select(View).ToArray() });
                    return ack.Unconfirmed.Count == 0 ? 0 : 1;
                }
                await reply.Line($"{scope}: {state} (by {reply.Operator}: {reason}); confirmed by {ack.ConfirmedAt.Count} symbol(s)" +
                    (ack.Unconfirmed.Count > 0 ? $"; NOT confirmed by {string.Join(", ", ack.Unconfirmed)}" : ""));
                await WriteStatus(reply, ack.Status, null, json: false);
                return ack.Unconfirmed.Count == 0 ? 0 : 1;
            case KillSwitchActor.Refused refused:
                throw new CommandException($"the kill switch refused it: {refused.Why}");
            case var other:
                throw new InvalidOperationException($"unexpected answer from the kill switch: {other}");
        }
    }

    private static async Task WriteStatus(AdminReply reply, KillSwitchActor.Status status, string? only, bool json)
    {
        var scopes = status.Scopes.Values.Where(c => only is null || c.Scope == only).ToArray();
        if (json)
        {
            await reply.Json(scopes.Select(View).ToArray());
            return;
        }
        if (scopes.Length == 0)
        {
            await reply.Line(only is null ? "Trading states: all scopes ACTIVE" : $"{only}: ACTIVE");
            return;
        }
        await reply.Table(["Scope", "State", "Since (UTC)", "By", "Reason"],
            scopes.Select(c => (IReadOnlyList<string>)[c.Scope, StateName(c), $"{c.Since:yyyy-MM-dd HH:mm:ss}", c.Operator, c.Reason]));
    }

    private static string StateName(ScopeChange c) => c.State.ToString().ToUpperInvariant() + (c.Flatten ? " (flatten)" : "");

    private static object View(ScopeChange c) => new
    {
        epoch = c.Epoch,
        scope = c.Scope,
        state = c.State.ToString().ToUpperInvariant(),
        flatten = c.Flatten,
        since = c.Since,
        by = c.Operator,
        reason = c.Reason,
        point = c.Point,
    };
}

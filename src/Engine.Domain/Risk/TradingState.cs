namespace Engine.Domain.Risk;

/// <summary>
/// What a scope may do, in increasing severity. ACTIVE trades normally; REDUCING accepts only
/// orders that shrink a position; HALTED (the kill switch engaged) accepts nothing, except the
/// reduce-only orders of a flatten the operator asked for.
/// </summary>
public enum TradingState
{
    Active = 0,
    Reducing = 1,
    Halted = 2,
}

public enum ScopeKind
{
    Engine,
    Account,
    Strategy,
    Symbol,
}

/// <summary>
/// What a kill switch or trading state applies to: the whole engine, one account, one strategy (in
/// every symbol) or one symbol (for every strategy). Written "engine", "account:ID", "strategy:ID",
/// "symbol:SYM" in commands, the journal and metric labels.
/// </summary>
public readonly record struct RiskScope(ScopeKind Kind, string Id)
{
    public static readonly RiskScope Engine = new(ScopeKind.Engine, "");

    public static RiskScope Account(string id) => new(ScopeKind.Account, id);

    public static RiskScope Strategy(string id) => new(ScopeKind.Strategy, id);

    public static RiskScope Symbol(string symbol) => new(ScopeKind.Symbol, symbol);

    /// <summary>Does this scope cover the given strategy of the given account trading the given symbol?</summary>
    public bool Covers(string account, string strategy, string symbol) => Kind switch
    {
        ScopeKind.Engine => true,
        ScopeKind.Account => Id == account,
        ScopeKind.Strategy => Id == strategy,
        ScopeKind.Symbol => Id == symbol,
        _ => false,
    };

    /// <summary>Does this scope cover anything that trades in the given symbol?</summary>
    public bool TouchesSymbol(string symbol) => Kind != ScopeKind.Symbol || Id == symbol;

    public override string ToString() => Kind switch
    {
        ScopeKind.Engine => "engine",
        ScopeKind.Account => "account:" + Id,
        ScopeKind.Strategy => "strategy:" + Id,
        ScopeKind.Symbol => "symbol:" + Id,
        _ => "?",
    };

    public static bool TryParse(string? text, out RiskScope scope)
    {
        scope = Engine;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (text == "engine") return true;
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        var id = text[(colon + 1)..];
        // '.' and '=' are in symbols (BRK.B) and in the ids of a sweep's parameter sets (ma-cross.fast=5.slow=30).
        if (id.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '='))) return false;
        ScopeKind? kind = text[..colon] switch
        {
            "account" => ScopeKind.Account,
            "strategy" => ScopeKind.Strategy,
            "symbol" => ScopeKind.Symbol,
            _ => null,
        };
        if (kind is null) return false;
        scope = new RiskScope(kind.Value, id);
        return true;
    }

    public static RiskScope Parse(string text) => TryParse(text, out var s)
        ? s
        : throw new FormatException($"'{text}' is not a scope: use engine, account:ID, strategy:ID or symbol:SYMBOL");
}

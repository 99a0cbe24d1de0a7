namespace Engine.Domain.Risk;

/// <summary>
/// The pre-trade limits that apply to one strategy trading one symbol, resolved from the layers
/// in HOCON (engine defaults, then account, strategy and symbol overrides; the tighter value wins).
/// Quantities are shares, notionals are in the account currency at the reference price.
/// </summary>
/// <param name="MaxOrderQuantity">Largest single order.</param>
/// <param name="MaxOrderNotional">Largest single order value.</param>
/// <param name="MaxPositionQuantity">Largest absolute position of the strategy in the symbol.</param>
/// <param name="MaxPositionNotional">Largest absolute position value of the strategy in the symbol.</param>
/// <param name="MaxSymbolPositionQuantity">Largest absolute position of all strategies together in the symbol.</param>
/// <param name="MaxSymbolPositionNotional">Largest absolute position value of all strategies together in the symbol.</param>
/// <param name="PriceCollarPct">Largest distance of a limit price from the reference price, in percent.</param>
/// <param name="PriceCollarAbs">Largest distance of a limit price from the reference price, in price units; 0 = off.</param>
/// <param name="MaxOpenOrders">Resting orders a strategy may have in the symbol.</param>
/// <param name="MaxOrdersPerWindow">New orders per strategy and symbol within RateWindow.</param>
/// <param name="MaxMessagesPerWindow">New orders plus cancels per strategy and symbol within RateWindow.</param>
/// <param name="RateWindow">The sliding window of the rate limits, in engine-clock time.</param>
/// <param name="DuplicateWindow">An order equal in side, quantity and price to one sent within this window is refused.</param>
/// <param name="Restricted">The symbol is on the restricted list: only orders that reduce a position pass.</param>
/// <param name="Hours">Orders are accepted only while these hours are open; null = always.</param>
public sealed record RiskLimits(
    decimal MaxOrderQuantity,
    decimal MaxOrderNotional,
    decimal MaxPositionQuantity,
    decimal MaxPositionNotional,
    decimal MaxSymbolPositionQuantity,
    decimal MaxSymbolPositionNotional,
    decimal PriceCollarPct,
    decimal PriceCollarAbs,
    int MaxOpenOrders,
    int MaxOrdersPerWindow,
    int MaxMessagesPerWindow,
    TimeSpan RateWindow,
    TimeSpan DuplicateWindow,
    bool Restricted = false,
    TradingHours? Hours = null)
{
    public static readonly RiskLimits Default = new(
        10_000m, 1_000_000m, 10_000m, 1_000_000m, 20_000m, 2_000_000m, 5m, 0m, 10, 20, 40,
        TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5));

    /// <summary>The HOCON keys an account, strategy or symbol layer may override.</summary>
    public static readonly IReadOnlyList<string> OverridableKeys =
    [
        "max-order-quantity", "max-order-notional", "max-position-quantity", "max-position-notional",
        "max-symbol-position-quantity", "max-symbol-position-notional", "price-collar-pct", "price-collar-abs",
        "max-open-orders", "max-orders-per-window", "max-messages-per-window", "duplicate-window",
    ];

    /// <summary>
    /// Applies one override, keeping whichever value is tighter: a layer can only narrow what the
    /// layer above allows, so a typo in a strategy block can never widen a desk-wide limit.
    /// </summary>
    public RiskLimits Tighten(string key, decimal value) => key switch
    {
        "max-order-quantity" => this with { MaxOrderQuantity = Math.Min(MaxOrderQuantity, value) },
        "max-order-notional" => this with { MaxOrderNotional = Math.Min(MaxOrderNotional, value) },
        "max-position-quantity" => this with { MaxPositionQuantity = Math.Min(MaxPositionQuantity, value) },
        "max-position-notional" => this with { MaxPositionNotional = Math.Min(MaxPositionNotional, value) },
        "max-symbol-position-quantity" => this with { MaxSymbolPositionQuantity = Math.Min(MaxSymbolPositionQuantity, value) },
        "max-symbol-position-notional" => this with { MaxSymbolPositionNotional = Math.Min(MaxSymbolPositionNotional, value) },
        "price-collar-pct" => this with { PriceCollarPct = Math.Min(PriceCollarPct, value) },
        // 0 means "no absolute collar", so any positive value is tighter than it.
        "price-collar-abs" => this with { PriceCollarAbs = PriceCollarAbs == 0m ? value : value == 0m ? PriceCollarAbs : Math.Min(PriceCollarAbs, value) },
        "max-open-orders" => this with { MaxOpenOrders = (int)Math.Min(MaxOpenOrders, value) },
        "max-orders-per-window" => this with { MaxOrdersPerWindow = (int)Math.Min(MaxOrdersPerWindow, value) },
        "max-messages-per-window" => this with { MaxMessagesPerWindow = (int)Math.Min(MaxMessagesPerWindow, value) },
        // A longer duplicate window refuses more.
        "duplicate-window" => this with { DuplicateWindow = TimeSpan.FromTicks(Math.Max(DuplicateWindow.Ticks, (long)value)) },
        _ => throw new ArgumentException($"'{key}' is not a risk limit; known: {string.Join(", ", OverridableKeys)}", nameof(key)),
    };
}

/// <summary>
/// Every layer of pre-trade limits, as configured. Resolve gives the limits for one strategy of one
/// account in one symbol: the tightest of every layer that applies.
/// </summary>
public sealed class RiskPolicy
{
    private readonly Dictionary<(string, string, string), RiskLimits> _resolved = new();

    public RiskPolicy(
        RiskLimits defaults,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> accountOverrides,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> strategyOverrides,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> symbolOverrides,
        IReadOnlyDictionary<string, IReadOnlySet<string>> restrictedByAccount)
    {
        Defaults = defaults;
        AccountOverrides = accountOverrides;
        StrategyOverrides = strategyOverrides;
        SymbolOverrides = symbolOverrides;
        RestrictedByAccount = restrictedByAccount;
    }

    public static RiskPolicy Uniform(RiskLimits limits) => new(
        limits,
        new Dictionary<string, IReadOnlyDictionary<string, decimal>>(),
        new Dictionary<string, IReadOnlyDictionary<string, decimal>>(),
        new Dictionary<string, IReadOnlyDictionary<string, decimal>>(),
        new Dictionary<string, IReadOnlySet<string>>());

    public RiskLimits Defaults { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> AccountOverrides { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> StrategyOverrides { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> SymbolOverrides { get; }

    public IReadOnlyDictionary<string, IReadOnlySet<string>> RestrictedByAccount { get; }

    public RiskLimits Resolve(string account, string strategy, string symbol)
    {
        lock (_resolved)
        {
            if (_resolved.TryGetValue((account, strategy, symbol), out var cached)) return cached;
            var limits = Defaults;
            limits = Apply(limits, AccountOverrides, account);
            limits = Apply(limits, StrategyOverrides, strategy);
            limits = Apply(limits, SymbolOverrides, symbol);
            if (RestrictedByAccount.TryGetValue(account, out var restricted) && restricted.Contains(symbol))
                limits = limits with { Restricted = true };
            _resolved[(account, strategy, symbol)] = limits;
            return limits;
        }
    }

    private static RiskLimits Apply(RiskLimits limits, IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> layer, string key)
    {
        if (!layer.TryGetValue(key, out var overrides)) return limits;
        foreach (var (k, v) in overrides.OrderBy(kv => kv.Key, StringComparer.Ordinal)) limits = limits.Tighten(k, v);
        return limits;
    }
}

using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Engine.Admin;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;

namespace Engine.Host.Admin;

/// <summary>
/// What the trading palettes read from the cluster: the symbols every member hosts (each member's
/// shard region, as pbm's cluster-sharding commands see them), each symbol's report and resting
/// orders through the shard region, the risk supervisors and the kill switch through their proxies.
/// </summary>
public sealed class TradingReader(ActorSystem system, IActorRef symbols, IActorRef risk, IActorRef killSwitch, EngineSettings settings)
{
    public EngineSettings Settings { get; } = settings;

    public TimeSpan Timeout => Settings.AskTimeout;

    public string Node => Cluster.Get(system).SelfAddress.ToString();

    /// <summary>Every live symbol entity, on every member that hosts symbols, sorted.</summary>
    /// <remarks>Only live entities: asking the region for a symbol it lacks would start one.</remarks>
    public async Task<IReadOnlyList<string>> SymbolsAsync(CancellationToken cancellation)
    {
        var members = Cluster.Get(system).State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.WeaklyUp && m.HasRole(SymbolMessageExtractor.Role))
            .ToArray();
        var states = await Task.WhenAll(members.Select(m =>
            system.ActorSelection(new RootActorPath(m.Address) / "system" / "sharding" / SymbolMessageExtractor.TypeName)
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Timeout, cancellation)));
        return states.SelectMany(s => s.Shards).SelectMany(s => s.EntityIds).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The symbols to read: all, or the one named (refused when the engine does not have it).</summary>
    public async Task<IReadOnlyList<string>> SymbolsAsync(string? only, CancellationToken cancellation)
    {
        var all = await SymbolsAsync(cancellation);
        if (only is null) return all;
        if (!all.Contains(only, StringComparer.Ordinal))
            throw new CommandException($"-s {only}: the engine has no symbol {only} ({(all.Count == 0 ? "no symbol has started yet" : "symbols: " + string.Join(", ", all))})");
        return [only];
    }

    public async Task<IReadOnlyList<SymbolReport>> ReportsAsync(IReadOnlyList<string> symbolIds, CancellationToken cancellation) =>
        await Task.WhenAll(symbolIds.Select(s => symbols.Ask<SymbolReport>(new GetSymbolReport(s), Timeout, cancellation)));

    public async Task<IReadOnlyList<SymbolOrders>> OrdersAsync(IReadOnlyList<string> symbolIds, CancellationToken cancellation) =>
        await Task.WhenAll(symbolIds.Select(s => symbols.Ask<SymbolOrders>(new GetSymbolOrders(s), Timeout, cancellation)));

    public async Task<IReadOnlyList<RiskSupervisor.AccountRiskReport>> RiskAsync(CancellationToken cancellation) =>
        await Task.WhenAll(Settings.Risk.Accounts.Keys.Order(StringComparer.Ordinal)
            .Select(a => risk.Ask<RiskSupervisor.AccountRiskReport>(new RiskSupervisor.GetAccountRisk(a), Timeout, cancellation)));

    public Task<KillSwitchActor.Status> KillSwitchAsync(CancellationToken cancellation) =>
        killSwitch.Ask<KillSwitchActor.Status>(new KillSwitchActor.GetStatus(), Timeout, cancellation);

    public Task<FeedCoordinator.FeedStatus> FeedAsync(CancellationToken cancellation) =>
        killSwitch.Ask<FeedCoordinator.FeedStatus>(new FeedCoordinator.GetFeedStatus(), Timeout, cancellation);

    /// <summary>The strategy named by --strategy, refused when none is configured with that id.</summary>
    public string? Strategy(ParsedCommand command, string name = "strategy")
    {
        if (command.Value(name) is not { } id) return null;
        if (Settings.Strategies.All(s => s.Id != id))
            throw new CommandException($"--{name} {id}: names no strategy here (strategies: {string.Join(", ", StrategyIds)})");
        return id;
    }

    public IEnumerable<string> StrategyIds => Settings.Strategies.Select(s => s.Id).Order(StringComparer.Ordinal);
}

/// <summary>Numbers as operators read them: invariant culture, money with two decimals.</summary>
internal static class Show
{
    public static string Qty(decimal d) => d.ToString("#,0.########", CultureInfo.InvariantCulture);

    public static string Price(decimal? d) => d is { } v ? v.ToString("#,0.00######", CultureInfo.InvariantCulture) : "-";

    public static string Money(decimal d) => d.ToString("#,0.00", CultureInfo.InvariantCulture);

    public static string Time(DateTime? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    public static string Span(TimeSpan t) => t.TotalDays >= 1 && t.TotalDays % 1 == 0 ? $"{t.TotalDays:0}d"
        : t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0}h"
        : t.TotalMinutes >= 1 && t.TotalMinutes % 1 == 0 ? $"{t.TotalMinutes:0}m"
        : t.TotalSeconds >= 1 && t.TotalSeconds % 1 == 0 ? $"{t.TotalSeconds:0}s"
        : $"{t.TotalMilliseconds:0}ms";

    public static string Pct(decimal used, decimal limit) => limit <= 0m ? "-" : (used / limit * 100m).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string State(TradingState s) => s.ToString().ToUpperInvariant();
}

/// <summary>engine status: the node, the run, the kill switch, the book in one screen.</summary>
public sealed class EngineStatusPalette(TradingReader reader) : IAdminPalette
{
    public PaletteSpec Spec { get; } = new("engine", "The engine at a glance: run, kill switch, symbols, positions and P&L.",
    [
        new CommandSpec("status", "This node, the run (feed, events, market time), scopes not ACTIVE, counts, open positions and P&L.", false,
            [new SwitchSpec("json", null, "the answer as JSON", Flag: true)]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var feed = reader.FeedAsync(cancellation);
        var killSwitch = reader.KillSwitchAsync(cancellation);
        var symbols = await reader.SymbolsAsync(cancellation);
        var reports = await reader.ReportsAsync(symbols, cancellation);
        var f = await feed;
        var scopes = (await killSwitch).Scopes.Values.OrderBy(c => c.Scope, StringComparer.Ordinal).ToArray();
        var legs = reports.SelectMany(r => r.Strategies).ToArray();
        var open = legs.Count(l => l.Quantity != 0m);
        decimal realized = legs.Sum(l => l.RealizedPnl), unrealized = legs.Sum(l => l.UnrealizedPnl), fees = legs.Sum(l => l.Fees);
        var orders = legs.Sum(l => l.OrdersAccepted);
        var fills = legs.Sum(l => l.Fills);
        var paused = legs.Count(l => l.Paused);
        if (command.Has("json"))
        {
            await reply.Json(new
            {
                node = reader.Node,
                run = new { state = f.Running ? "running" : "idle", feed = f.Name, events = f.Events, boundaries = f.Boundaries, market_time = f.MarketTime, symbols = f.Symbols },
                kill_switch = scopes.Select(c => new { scope = c.Scope, state = Show.State(c.State), flatten = c.Flatten, reason = c.Reason, @operator = c.Operator }).ToArray(),
                symbols = symbols.Count,
                strategies = reader.Settings.Strategies.Count,
                accounts = reader.Settings.Risk.Accounts.Count,
                open_positions = open,
                paused_strategy_symbols = paused,
                orders_accepted = orders,
                fills,
                realized,
                unrealized,
                fees,
                net_pnl = realized + unrealized - fees,
            });
            return 0;
        }
        var run = f.Running
            ? $"running (feed {f.Name}): {f.Events:N0} events, {f.Boundaries:N0} time slices, market time {Show.Time(f.MarketTime)} UTC"
            : "idle (no feed running)";
        var ks = scopes.Length == 0 ? "all scopes ACTIVE"
            : string.Join("; ", scopes.Select(c => $"{c.Scope} {Show.State(c.State)}{(c.Flatten ? " (flatten)" : "")}: {c.Reason}"));
        await reply.Table(["Field", "Value"],
        [
            ["Node", reader.Node],
            ["Run", run],
            ["Kill switch", ks],
            ["Symbols", symbols.Count.ToString(CultureInfo.InvariantCulture)],
            ["Strategies", $"{reader.Settings.Strategies.Count}{(paused > 0 ? $" ({paused} strategy-symbol pair(s) paused)" : "")}"],
            ["Accounts", reader.Settings.Risk.Accounts.Count.ToString(CultureInfo.InvariantCulture)],
            ["Open positions", open.ToString(CultureInfo.InvariantCulture)],
            ["Orders / fills", $"{orders:N0} / {fills:N0}"],
            ["P&L", $"realized {Show.Money(realized)}, unrealized {Show.Money(unrealized)}, fees {Show.Money(fees)}, net {Show.Money(realized + unrealized - fees)}"],
        ]);
        return 0;
    }
}

/// <summary>positions [-s symbol] [--strategy id]: one row per (symbol, strategy), from the symbols themselves.</summary>
public sealed class PositionsPalette(TradingReader reader) : IAdminPalette
{
    public PaletteSpec Spec { get; } = new("positions", "Positions per symbol and strategy, read from the symbols across the cluster.",
    [
        new CommandSpec("", "Quantity, average price, last price, unrealized and realized P&L per (symbol, strategy).", false,
        [
            new SwitchSpec("symbol", "s", "only this symbol"),
            new SwitchSpec("strategy", null, "only this strategy"),
            new SwitchSpec("json", null, "the answer as JSON", Flag: true),
        ]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var strategy = reader.Strategy(command);
        var symbols = await reader.SymbolsAsync(command.Value("symbol"), cancellation);
        var reports = await reader.ReportsAsync(symbols, cancellation);
        var rows = reports.SelectMany(r => r.Strategies.Where(s => strategy is null || s.StrategyId == strategy).Select(s => (Report: r, Leg: s))).ToArray();
        if (command.Has("json"))
        {
            await reply.Json(rows.Select(x => new
            {
                symbol = x.Report.Symbol,
                strategy = x.Leg.StrategyId,
                account = x.Leg.Account,
                quantity = x.Leg.Quantity,
                average_price = x.Leg.AverageCost,
                last_price = x.Report.LastPrice,
                unrealized = x.Leg.UnrealizedPnl,
                realized = x.Leg.RealizedPnl,
                fees = x.Leg.Fees,
                orders = x.Leg.OrdersAccepted,
                fills = x.Leg.Fills,
                state = Show.State(x.Leg.State),
                paused = x.Leg.Paused,
            }).ToArray());
            return 0;
        }
        if (rows.Length == 0)
        {
            await reply.Line("No positions: no symbol has started yet.");
            return 0;
        }
        await reply.Table(["Symbol", "Strategy", "Account", "Quantity", "Avg price", "Last", "Unrealized", "Realized", "Fees", "State"],
            rows.Select(x => (IReadOnlyList<string>)
            [
                x.Report.Symbol, x.Leg.StrategyId, x.Leg.Account, Show.Qty(x.Leg.Quantity),
                x.Leg.Quantity == 0m ? "-" : Show.Price(x.Leg.AverageCost), Show.Price(x.Report.LastPrice),
                Show.Money(x.Leg.UnrealizedPnl), Show.Money(x.Leg.RealizedPnl), Show.Money(x.Leg.Fees),
                Show.State(x.Leg.State) + (x.Leg.Paused ? " (paused)" : ""),
            ]));
        await reply.Line($"Count: {rows.Length} positions ({rows.Count(x => x.Leg.Quantity != 0m)} open); " +
            $"unrealized {Show.Money(rows.Sum(x => x.Leg.UnrealizedPnl))}, realized {Show.Money(rows.Sum(x => x.Leg.RealizedPnl))}");
        return 0;
    }
}

/// <summary>
/// orders [-s symbol]: the resting orders each symbol holds, and per (symbol, strategy) how many
/// orders were accepted, filled, cancelled, rejected and deferred (a symbol keeps counts, not the
/// orders that are done: those are in its journal and the run's fill log).
/// </summary>
public sealed class OrdersPalette(TradingReader reader) : IAdminPalette
{
    public PaletteSpec Spec { get; } = new("orders", "Resting orders per symbol, and order counts per symbol and strategy.",
    [
        new CommandSpec("", "Resting orders (id, side, quantity, price, status), then accepted/filled/cancelled/rejected counts.", false,
        [
            new SwitchSpec("symbol", "s", "only this symbol"),
            new SwitchSpec("json", null, "the answer as JSON", Flag: true),
        ]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        var symbols = await reader.SymbolsAsync(command.Value("symbol"), cancellation);
        var orders = await reader.OrdersAsync(symbols, cancellation);
        var reports = await reader.ReportsAsync(symbols, cancellation);
        var resting = orders.SelectMany(o => o.Open).ToArray();
        var counts = reports.SelectMany(r => r.Strategies.Select(s => (r.Symbol, Leg: s))).ToArray();
        if (command.Has("json"))
        {
            await reply.Json(new
            {
                resting = resting.Select(o => new
                {
                    id = o.OrderId,
                    symbol = o.Symbol,
                    strategy = o.StrategyId,
                    side = o.Side.ToString().ToLowerInvariant(),
                    quantity = o.Quantity,
                    type = o.Type.ToString().ToLowerInvariant(),
                    limit_price = o.LimitPrice,
                    accepted_at = o.AcceptedAt,
                    status = "resting",
                    flatten = o.Flatten,
                }).ToArray(),
                counts = counts.Select(c => new
                {
                    symbol = c.Symbol,
                    strategy = c.Leg.StrategyId,
                    accepted = c.Leg.OrdersAccepted,
                    filled = c.Leg.Fills,
                    cancelled = c.Leg.Cancels,
                    rejected = c.Leg.Rejections.Values.Sum(),
                    deferred = c.Leg.Deferrals,
                }).ToArray(),
            });
            return 0;
        }
        if (resting.Length == 0) await reply.Line("No resting orders.");
        else await reply.Table(["Order", "Symbol", "Strategy", "Side", "Quantity", "Type", "Price", "Accepted (market UTC)", "Status"],
            resting.Select(o => (IReadOnlyList<string>)
            [
                o.OrderId, o.Symbol, o.StrategyId, o.Side.ToString().ToLowerInvariant(), Show.Qty(o.Quantity),
                o.Type.ToString().ToLowerInvariant(), Show.Price(o.LimitPrice), Show.Time(o.AcceptedAt), o.Flatten ? "resting (flatten)" : "resting",
            ]));
        if (counts.Length > 0)
            await reply.Table(["Symbol", "Strategy", "Accepted", "Filled", "Cancelled", "Rejected", "Deferred"],
                counts.Select(c => (IReadOnlyList<string>)
                [
                    c.Symbol, c.Leg.StrategyId, c.Leg.OrdersAccepted.ToString("N0", CultureInfo.InvariantCulture),
                    c.Leg.Fills.ToString("N0", CultureInfo.InvariantCulture), c.Leg.Cancels.ToString("N0", CultureInfo.InvariantCulture),
                    c.Leg.Rejections.Values.Sum().ToString("N0", CultureInfo.InvariantCulture), c.Leg.Deferrals.ToString("N0", CultureInfo.InvariantCulture),
                ]));
        return 0;
    }
}

/// <summary>risk limits|state: the configured limits, and each account's live figures from its supervisor.</summary>
public sealed class RiskPalette(TradingReader reader) : IAdminPalette
{
    private static readonly SwitchSpec Json = new("json", null, "the answer as JSON", Flag: true);

    public PaletteSpec Spec { get; } = new("risk", "Risk limits as configured, and each account's live risk figures.",
    [
        new CommandSpec("limits", "Each account's limits, the engine-wide pre-trade limits and their overrides, trading hours.", false, [Json]),
        new CommandSpec("state", "Per account: exposure used vs limit, credit lent to symbols, P&L, high-water mark, drawdown, daily loss, trading state.", false, [Json]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        if (command.Command.Name == "limits") await Limits(reply, command.Has("json"));
        else await State(reply, command.Has("json"), cancellation);
        return 0;
    }

    private async Task Limits(AdminReply reply, bool json)
    {
        var risk = reader.Settings.Risk;
        var accounts = risk.Accounts.OrderBy(a => a.Key, StringComparer.Ordinal).ToArray();
        var d = risk.Policy.Defaults;
        var preTrade = new (string Name, string Value, object Raw)[]
        {
            ("max-order-quantity", Show.Qty(d.MaxOrderQuantity), d.MaxOrderQuantity),
            ("max-order-notional", Show.Money(d.MaxOrderNotional), d.MaxOrderNotional),
            ("max-position-quantity", Show.Qty(d.MaxPositionQuantity), d.MaxPositionQuantity),
            ("max-position-notional", Show.Money(d.MaxPositionNotional), d.MaxPositionNotional),
            ("max-symbol-position-quantity", Show.Qty(d.MaxSymbolPositionQuantity), d.MaxSymbolPositionQuantity),
            ("max-symbol-position-notional", Show.Money(d.MaxSymbolPositionNotional), d.MaxSymbolPositionNotional),
            ("price-collar-pct", Show.Qty(d.PriceCollarPct), d.PriceCollarPct),
            ("price-collar-abs", Show.Qty(d.PriceCollarAbs), d.PriceCollarAbs),
            ("max-open-orders", d.MaxOpenOrders.ToString(CultureInfo.InvariantCulture), d.MaxOpenOrders),
            ("max-orders-per-window", d.MaxOrdersPerWindow.ToString(CultureInfo.InvariantCulture), d.MaxOrdersPerWindow),
            ("max-messages-per-window", d.MaxMessagesPerWindow.ToString(CultureInfo.InvariantCulture), d.MaxMessagesPerWindow),
            ("rate-window", Show.Span(d.RateWindow), Show.Span(d.RateWindow)),
            ("duplicate-window", Show.Span(d.DuplicateWindow), Show.Span(d.DuplicateWindow)),
        };
        var overrides = new[] { ("account", risk.Policy.AccountOverrides), ("strategy", risk.Policy.StrategyOverrides), ("symbol", risk.Policy.SymbolOverrides) }
            .SelectMany(layer => layer.Item2.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .SelectMany(kv => kv.Value.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (Layer: layer.Item1, Id: kv.Key, Setting: v.Key, Value: v.Value))))
            .ToArray();
        var hours = risk.Hours is { } h ? $"{h.Open:HH\\:mm}-{h.Close:HH\\:mm} {h.Zone.Id}, weekdays" : "off (any time)";
        var restricted = risk.Policy.RestrictedByAccount.Where(kv => kv.Value.Count > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        if (json)
        {
            await reply.Json(new
            {
                accounts = accounts.Select(a => new
                {
                    account = a.Key,
                    max_gross_exposure = a.Value.MaxGrossExposure,
                    max_net_exposure = a.Value.MaxNetExposure,
                    max_open_positions = a.Value.MaxOpenPositions,
                    max_orders_per_window = a.Value.MaxOrdersPerWindow,
                    max_messages_per_window = a.Value.MaxMessagesPerWindow,
                    rate_window = Show.Span(a.Value.RateWindow),
                    max_daily_loss = a.Value.MaxDailyLoss,
                    max_drawdown = a.Value.MaxDrawdown,
                    reduce_at_fraction = a.Value.ReduceAtFraction,
                    flatten_on_breach = a.Value.FlattenOnBreach,
                    stale_data_after = Show.Span(a.Value.StaleDataAfter),
                    type = a.Value.Funds?.Type.ToString().ToLowerInvariant(),
                    starting_cash = a.Value.Funds?.StartingCash,
                    leverage = a.Value.Funds?.Leverage,
                }).ToArray(),
                pre_trade = preTrade.ToDictionary(p => p.Name, p => p.Raw),
                overrides = overrides.Select(o => new { layer = o.Layer, id = o.Id, setting = o.Setting, value = o.Value }).ToArray(),
                restricted = restricted.ToDictionary(kv => kv.Key, kv => kv.Value.Order(StringComparer.Ordinal).ToArray()),
                trading_hours = hours,
                flatten_offset_bps = risk.FlattenOffsetBps,
            });
            return;
        }
        await reply.Table(["Account", "Funds", "Max gross", "Max net", "Max positions", "Orders/window", "Messages/window", "Window", "Max daily loss", "Max drawdown", "Reduce at", "Flatten on breach", "Stale after"],
            accounts.Select(a => (IReadOnlyList<string>)
            [
                a.Key, Funds(a.Value.Funds), Show.Money(a.Value.MaxGrossExposure), Show.Money(a.Value.MaxNetExposure), a.Value.MaxOpenPositions.ToString(CultureInfo.InvariantCulture),
                a.Value.MaxOrdersPerWindow.ToString(CultureInfo.InvariantCulture), a.Value.MaxMessagesPerWindow.ToString(CultureInfo.InvariantCulture),
                Show.Span(a.Value.RateWindow), Show.Money(a.Value.MaxDailyLoss), Show.Money(a.Value.MaxDrawdown),
                (a.Value.ReduceAtFraction * 100m).ToString("0.#", CultureInfo.InvariantCulture) + "%", a.Value.FlattenOnBreach ? "yes" : "no", Show.Span(a.Value.StaleDataAfter),
            ]));
        await reply.Table(["Pre-trade limit (engine-wide)", "Value"], preTrade.Select(p => (IReadOnlyList<string>)[p.Name, p.Value]));
        if (overrides.Length > 0)
            await reply.Table(["Override", "For", "Setting", "Value"],
                overrides.Select(o => (IReadOnlyList<string>)[o.Layer, o.Id, o.Setting, Show.Qty(o.Value)]));
        foreach (var (account, set) in restricted) await reply.Line($"Restricted for {account}: {string.Join(", ", set.Order(StringComparer.Ordinal))}");
        await reply.Line($"Trading hours: {hours}; flatten offset {Show.Qty(risk.FlattenOffsetBps)} bps");
    }

    private static string Funds(AccountFunds? f) => f switch
    {
        null => "none",
        { Type: AccountType.Cash } => $"cash, {Show.Money(f.StartingCash)}",
        _ => $"margin {Show.Qty(f.Leverage)}x, {Show.Money(f.StartingCash)}",
    };

    private async Task State(AdminReply reply, bool json, CancellationToken cancellation)
    {
        var reports = await reader.RiskAsync(cancellation);
        var rows = reports.Select(r => (Report: r, Limits: reader.Settings.Risk.Accounts[r.Account], Lent: r.Lent ?? Credit.Zero)).ToArray();
        if (json)
        {
            await reply.Json(rows.Select(x => new
            {
                account = x.Report.Account,
                state = Show.State(x.Report.Verdict.State),
                reason = x.Report.Verdict.Reason,
                as_of = x.Report.AsOf,
                gross_exposure = x.Report.View.GrossExposure,
                max_gross_exposure = x.Limits.MaxGrossExposure,
                net_exposure = x.Report.View.NetExposure,
                max_net_exposure = x.Limits.MaxNetExposure,
                open_positions = x.Report.View.OpenPositions,
                max_open_positions = x.Limits.MaxOpenPositions,
                lent = new { gross = x.Lent.Gross, @long = x.Lent.Long, @short = x.Lent.Short, positions = x.Lent.Positions, orders = x.Lent.Orders, messages = x.Lent.Messages, buying_power = x.Lent.BuyingPower },
                equity = x.Report.View.Equity,
                cash = x.Report.View.Cash,
                pnl = x.Report.View.Pnl,
                realized = x.Report.View.Realized,
                unrealized = x.Report.View.Unrealized,
                high_water_mark = x.Report.View.HighWaterMark,
                drawdown = x.Report.View.Drawdown,
                max_drawdown = x.Limits.MaxDrawdown,
                daily_loss = x.Report.View.DailyLoss,
                max_daily_loss = x.Limits.MaxDailyLoss,
                trading_day = x.Report.View.TradingDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                stale_symbols = x.Report.StaleSymbols,
            }).ToArray());
            return;
        }
        await reply.Table(["Account", "State", "Gross used / limit", "Net used / limit", "Positions", "Lent (gross)", "Equity", "Cash", "P&L", "High-water", "Drawdown / limit", "Daily loss / limit", "As of (market UTC)"],
            rows.Select(x => (IReadOnlyList<string>)
            [
                x.Report.Account, Show.State(x.Report.Verdict.State),
                $"{Show.Money(x.Report.View.GrossExposure)} / {Show.Money(x.Limits.MaxGrossExposure)} ({Show.Pct(x.Report.View.GrossExposure, x.Limits.MaxGrossExposure)})",
                $"{Show.Money(x.Report.View.NetExposure)} / {Show.Money(x.Limits.MaxNetExposure)}",
                $"{x.Report.View.OpenPositions} / {x.Limits.MaxOpenPositions}",
                Show.Money(x.Lent.Gross),
                x.Report.View.Equity is { } equity ? Show.Money(equity) : "-", x.Report.View.Cash is { } cash ? Show.Money(cash) : "-",
                Show.Money(x.Report.View.Pnl), Show.Money(x.Report.View.HighWaterMark),
                $"{Show.Money(x.Report.View.Drawdown)} / {Show.Money(x.Limits.MaxDrawdown)}",
                $"{Show.Money(x.Report.View.DailyLoss)} / {Show.Money(x.Limits.MaxDailyLoss)}",
                Show.Time(x.Report.AsOf),
            ]));
        foreach (var x in rows.Where(x => x.Report.Verdict.Reason is not null || x.Report.StaleSymbols.Count > 0))
            await reply.Line($"{x.Report.Account}: {x.Report.Verdict.Reason ?? ""}{(x.Report.StaleSymbols.Count > 0 ? $" stale data: {string.Join(", ", x.Report.StaleSymbols)}" : "")}".Trim());
    }
}

/// <summary>
/// strategy list|pause|resume: the configured strategies, and an operator's pause of one (on all its
/// symbols or one) that stops it placing orders without touching the kill switch. A pause is journaled
/// by each symbol (with who and why) before it is confirmed, so a restart keeps it.
/// </summary>
public sealed class StrategyPalette(TradingReader reader, IActorRef symbols) : IAdminPalette
{
    private static readonly SwitchSpec Json = new("json", null, "the answer as JSON", Flag: true);
    private static readonly SwitchSpec Symbol = new("symbol", "s", "only in this symbol (default: every symbol the engine has)");
    private static readonly SwitchSpec Reason = new("reason", "r", "why (journaled and audited)");

    public PaletteSpec Spec { get; } = new("strategy", "The strategies, and pausing one without halting the kill switch.",
    [
        new CommandSpec("list", "Id, kind, parameters, account, kill-switch state and where it is paused.", false, [Json]),
        new CommandSpec("pause", "Stop a strategy placing orders (its resting orders are cancelled; it keeps following the market).", true,
            [Symbol, Reason, Json], ["id"]),
        new CommandSpec("resume", "Let a paused strategy trade again: it trades to its current target at once.", true,
            [Symbol, Reason, Json], ["id"]),
    ]);

    public async Task<int> RunAsync(ParsedCommand command, AdminReply reply, CancellationToken cancellation)
    {
        if (command.Command.Name == "list") return await List(reply, command.Has("json"), cancellation);
        if (command.Arguments.Count == 0) throw new CommandException($"'{command.FullName}' needs <id>: one of {string.Join(", ", reader.StrategyIds)}");
        var id = command.Arguments[0];
        if (reader.Settings.Strategies.All(s => s.Id != id))
            throw new CommandException($"{id}: names no strategy here (strategies: {string.Join(", ", reader.StrategyIds)})");
        var pause = command.Command.Name == "pause";
        var targets = await reader.SymbolsAsync(command.Value("symbol"), cancellation);
        if (targets.Count == 0) throw new CommandException("no symbol has started yet: nothing to pause or resume");
        var reason = command.Value("reason") ?? (pause ? "paused by an operator" : "resumed by an operator");
        // Each symbol answers once the change is journaled; the ask's timeout is one engine.ask-timeout.
        var answers = await Task.WhenAll(targets.Select(s =>
            symbols.Ask<StrategyPauseAnswer>(new PauseStrategy(s, id, pause, reply.Operator, reason), reader.Timeout, cancellation)));
        var changed = answers.Where(a => a.Refused is null && a.Changed).Select(a => a.Symbol).ToArray();
        var already = answers.Where(a => a.Refused is null && !a.Changed).Select(a => a.Symbol).ToArray();
        var refused = answers.Where(a => a.Refused is not null).ToArray();
        var verb = pause ? "paused" : "resumed";
        if (command.Has("json"))
        {
            await reply.Json(new { strategy = id, paused = pause, changed, already, refused = refused.Select(r => new { symbol = r.Symbol, why = r.Refused }).ToArray() });
        }
        else
        {
            if (changed.Length > 0) await reply.Line($"strategy {id}: {verb} in {string.Join(", ", changed)} (by {reply.Operator}: {reason})");
            if (already.Length > 0) await reply.Line($"strategy {id}: already {verb} in {string.Join(", ", already)}");
            foreach (var r in refused) await reply.Line($"strategy {id}: NOT {verb} in {r.Symbol}: {r.Refused}");
        }
        return refused.Length == 0 ? 0 : 1;
    }

    private async Task<int> List(AdminReply reply, bool json, CancellationToken cancellation)
    {
        var status = reader.KillSwitchAsync(cancellation);
        var reports = await reader.ReportsAsync(await reader.SymbolsAsync(cancellation), cancellation);
        var scopes = (await status).Scopes;
        var rows = reader.Settings.Strategies.Select(s =>
        {
            var legs = reports.SelectMany(r => r.Strategies.Where(l => l.StrategyId == s.Id).Select(l => (r.Symbol, Leg: l))).ToArray();
            var pausedIn = legs.Where(l => l.Leg.Paused).Select(l => l.Symbol).ToArray();
            var state = scopes.TryGetValue($"strategy:{s.Id}", out var change) ? Show.State(change.State) : "ACTIVE";
            var parameters = string.Join(" ", s.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            var sizing = $"{s.Sizing.Describe()} {s.Sizing.OrderType.ToString().ToLowerInvariant()}{(s.Sizing.AllowShort ? "" : " long-only")}";
            return (Config: s, Parameters: parameters, Sizing: sizing, State: state, PausedIn: pausedIn, Symbols: legs.Length,
                Orders: legs.Sum(l => l.Leg.OrdersAccepted), Stopped: legs.Where(l => l.Leg.Stopped).Select(l => l.Symbol).ToArray());
        }).ToArray();
        if (json)
        {
            await reply.Json(rows.Select(r => new
            {
                id = r.Config.Id,
                kind = r.Config.Kind,
                account = r.Config.Account,
                parameters = r.Config.Parameters,
                quantity = r.Config.Sizing.Basis == SizeBasis.Quantity ? r.Config.Sizing.Quantity : (decimal?)null,
                notional = r.Config.Sizing.Basis == SizeBasis.Notional ? r.Config.Sizing.Amount : (decimal?)null,
                percent_of_equity = r.Config.Sizing.Basis == SizeBasis.PercentOfEquity ? r.Config.Sizing.Amount : (decimal?)null,
                order_type = r.Config.Sizing.OrderType.ToString().ToLowerInvariant(),
                allow_short = r.Config.Sizing.AllowShort,
                kill_switch = r.State,
                paused = r.PausedIn.Length > 0,
                paused_in = r.PausedIn,
                stopped_in = r.Stopped,
                symbols = r.Symbols,
                orders = r.Orders,
            }).ToArray());
            return 0;
        }
        await reply.Table(["Id", "Kind", "Parameters", "Sizing", "Account", "Kill switch", "Paused", "Orders"],
            rows.Select(r => (IReadOnlyList<string>)
            [
                r.Config.Id, r.Config.Kind, r.Parameters, r.Sizing, r.Config.Account, r.State,
                r.PausedIn.Length == 0 ? "no" : r.PausedIn.Length == r.Symbols ? $"yes (all {r.Symbols} symbols)" : $"in {string.Join(", ", r.PausedIn)}",
                r.Orders.ToString("N0", CultureInfo.InvariantCulture),
            ]));
        return 0;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Actors.Risk;
using Engine.Domain.Symbols;
using Engine.Domain.Risk;
using Engine.Domain.Trading;

namespace Engine.Host;

public sealed record FeedSummary(
    string Source, long Read, long Accepted, long Rejected, IReadOnlyDictionary<string, long> RejectedByReason)
{
    /// <summary>Files of --data not read (path order), with why; empty for the synthetic feed.</summary>
    public IReadOnlyList<SkippedFileRow> SkippedFiles { get; init; } = [];
}

/// <summary>A file (or "archive.zip!entry") of the data path that was not read; Reason is a snake_case code.</summary>
public sealed record SkippedFileRow(string Path, string Reason, string Detail);

public sealed record PositionRow(
    string Strategy, string Symbol, decimal Quantity, decimal AverageCost, decimal RealizedPnl,
    decimal UnrealizedPnl, decimal Fees, long Orders, long Fills, long Cancels, long Rejections, bool Stopped);

/// <summary>A scope that is not ACTIVE at the end of the run.</summary>
public sealed record ScopeRow(string Scope, string State, string Reason, string Operator, DateTime Since, bool Flatten);

/// <summary>One audited trading-state change: who, when (wall clock), why, which scope, and the feed point it took effect at.</summary>
public sealed record AuditRow(string Action, string Scope, string Operator, string Reason, DateTime Time, long Point = 0);

/// <summary>An account as its risk supervisor saw it at the end of the run.</summary>
/// <param name="Equity">Starting cash plus P&amp;L at the last boundary; null for an account without funds.</param>
public sealed record AccountRow(
    string Account, decimal Pnl, decimal DailyLoss, decimal HighWaterMark, decimal Drawdown,
    decimal GrossExposure, decimal NetExposure, int OpenPositions, string Verdict, decimal? Equity = null)
{
    /// <summary>Equity minus the holdings' value; null without funds.</summary>
    public decimal? Cash => Equity - NetExposure;
}

/// <summary>Percentiles of one latency histogram, in microseconds, over Count samples (orders).</summary>
public sealed record LatencyRow(long Count, double P50, double P99, double P999, double Max)
{
    public static LatencyRow Of(HdrHistogram.HistogramBase ns) => new(
        ns.TotalCount,
        ns.TotalCount == 0 ? 0 : ns.GetValueAtPercentile(50) / 1000.0,
        ns.TotalCount == 0 ? 0 : ns.GetValueAtPercentile(99) / 1000.0,
        ns.TotalCount == 0 ? 0 : ns.GetValueAtPercentile(99.9) / 1000.0,
        ns.TotalCount == 0 ? 0 : HdrHistogram.HistogramExtensions.GetMaxValue(ns) / 1000.0);
}

public sealed record FillRow(
    long FeedSeq, string OrderId, string Strategy, string Symbol, string Side, decimal Quantity,
    decimal Price, decimal Fee, DateTime Time);

/// <summary>
/// The end-of-run report. Everything except the timing fields is a function of data, config and
/// journal alone, which is what the restart-equivalence tests compare.
/// </summary>
public sealed record RunSummary(
    FeedSummary Feed,
    long OrdersAccepted,
    long Fills,
    long Cancels,
    IReadOnlyDictionary<string, long> RejectionsByReason,
    IReadOnlyList<PositionRow> Positions,
    IReadOnlyList<FillRow> FillLog,
    bool KillSwitchEngaged,
    IReadOnlyList<ScopeRow> TradingStates,
    IReadOnlyList<AuditRow> Audit,
    IReadOnlyList<AccountRow> Accounts,
    double ElapsedSeconds,
    double EventsPerSecond,
    string? Error = null,
    long Deferrals = 0,
    long JournaledEvents = 0)
{
    /// <summary>From an event's dispatch to its symbol until the order it caused is accepted (timing: not part of the run's outcome).</summary>
    public LatencyRow? TickToDecision { get; init; }

    /// <summary>From an event's dispatch to its symbol until the order it caused is accepted and journaled.</summary>
    public LatencyRow? TickToOrder { get; init; }

    /// <summary>The feed was stopped (SIGINT, SIGTERM) before its end: this is the run so far.</summary>
    public bool Stopped { get; init; }

    /// <summary>What a failed run could not read back for its summary (its journal gone), with why; empty otherwise.</summary>
    public IReadOnlyList<string> Unread { get; init; } = [];

    /// <summary>Bytes the process allocated while the feed ran (timing: not part of the run's outcome).</summary>
    public long FeedAllocatedBytes { get; init; }

    public static RunSummary Build(
        FeedSummary feed, IReadOnlyList<SymbolReport> reports, IReadOnlyList<Fill> fills,
        double elapsedSeconds, KillSwitchActor.Status status, IReadOnlyList<IKillSwitchEvent> audit,
        IReadOnlyList<RiskSupervisor.AccountRiskReport> accounts, string? error = null, long journaledEvents = 0)
    {
        var scopes = status.Scopes.Values
            .Select(s => new ScopeRow(s.Scope, s.State.ToString().ToUpperInvariant(), s.Reason, s.Operator, s.Since, s.Flatten))
            .ToArray();
        var auditRows = audit.Select(e => e switch
        {
            KillSwitchEngaged k => new AuditRow(k.Flatten ? "engage+flatten" : "engage", k.Scope, k.Operator, k.Reason, k.Time, k.Point),
            ScopeReduced r => new AuditRow("reduce", r.Scope, r.Operator, r.Reason, r.Time, r.Point),
            KillSwitchReleased r => new AuditRow("release", r.Scope, r.Operator, r.Reason, r.Time, r.Point),
            _ => new AuditRow("?", e.Scope, e.Operator, "", e.Time, e.Point),
        }).ToArray();
        var accountRows = accounts.Select(a => new AccountRow(
            a.Account, a.View.Pnl, a.View.DailyLoss, a.View.HighWaterMark, a.View.Drawdown,
            a.View.GrossExposure, a.View.NetExposure, a.View.OpenPositions,
            a.Verdict.State.ToString().ToUpperInvariant() + (a.Verdict.Reason is { } why ? ": " + why : ""),
            a.View.Equity)).ToArray();
        var rows = reports
            .SelectMany(r => r.Strategies.Select(s => new PositionRow(
                s.StrategyId, r.Symbol, s.Quantity, s.AverageCost, s.RealizedPnl, s.UnrealizedPnl, s.Fees,
                s.OrdersAccepted, s.Fills, s.Cancels, s.Rejections.Values.Sum(), s.Stopped)))
            .OrderBy(r => r.Strategy, StringComparer.Ordinal).ThenBy(r => r.Symbol, StringComparer.Ordinal)
            .ToArray();
        var rejections = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in reports.SelectMany(r => r.Strategies))
            foreach (var (reason, n) in s.Rejections)
                rejections[reason.Code()] = rejections.GetValueOrDefault(reason.Code()) + n;
        var fillRows = fills
            .OrderBy(f => f.FeedSeq).ThenBy(f => f.Symbol, StringComparer.Ordinal).ThenBy(f => f.OrderId, StringComparer.Ordinal)
            .Select(f => new FillRow(f.FeedSeq, f.OrderId, f.StrategyId, f.Symbol, f.Side == Side.Buy ? "buy" : "sell",
                f.Quantity, f.Price, f.Fee, f.Time))
            .ToArray();
        return new RunSummary(
            feed,
            rows.Sum(r => r.Orders), fillRows.Length, rows.Sum(r => r.Cancels), rejections, rows, fillRows,
            reports.Any(r => r.KillSwitchEngaged), scopes, auditRows, accountRows, elapsedSeconds,
            elapsedSeconds > 0 ? feed.Read / elapsedSeconds : 0, error,
            reports.SelectMany(r => r.Strategies).Sum(s => s.Deferrals), journaledEvents);
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new UtcDateTimeConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunSummary FromJson(string json) =>
        JsonSerializer.Deserialize<RunSummary>(json, Json) ?? throw new InvalidDataException("empty summary");

    public string ToText()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("=== Run summary ===");
        sb.AppendLine(inv, $"Source:            {Feed.Source}");
        sb.AppendLine(inv, $"Events read:       {Feed.Read,12:N0}   accepted {Feed.Accepted:N0}   rejected {Feed.Rejected:N0}");
        foreach (var (reason, n) in Feed.RejectedByReason)
            sb.AppendLine(inv, $"  rejected {reason,-22} {n,10:N0}");
        if (Feed.SkippedFiles.Count > 0)
        {
            // Counts only: each file was logged at start (or when a reader refused it) and is in the JSON summary.
            var why = Feed.SkippedFiles.GroupBy(f => f.Reason).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Count():N0} {g.Key.Replace('_', ' ')}");
            sb.AppendLine(inv, $"Skipped files:     {Feed.SkippedFiles.Count,12:N0}   ({string.Join(", ", why)})");
        }
        sb.AppendLine(inv, $"Orders accepted:   {OrdersAccepted,12:N0}");
        sb.AppendLine(inv, $"Fills:             {Fills,12:N0}");
        sb.AppendLine(inv, $"Orders cancelled:  {Cancels,12:N0}");
        sb.AppendLine(inv, $"Orders rejected:   {RejectionsByReason.Values.Sum(),12:N0}");
        foreach (var (reason, n) in RejectionsByReason)
            sb.AppendLine(inv, $"  rejected {reason,-22} {n,10:N0}");
        if (Deferrals > 0)
            sb.AppendLine(inv, $"Orders deferred:   {Deferrals,12:N0}   (waited for account credit until a time-slice boundary)");
        if (KillSwitchEngaged) sb.AppendLine("Kill switch:       ENGAGED");
        sb.AppendLine(inv, $"Trading states:    {(TradingStates.Count == 0 ? "all scopes ACTIVE" : "")}");
        foreach (var t in TradingStates)
            sb.AppendLine(inv, $"  {t.Scope,-20} {t.State,-9}{(t.Flatten ? " (flatten)" : "")} since {t.Since:yyyy-MM-dd HH:mm:ss}Z by {t.Operator}: {t.Reason}");
        foreach (var a in Audit)
            sb.AppendLine(inv, $"  audit {a.Time:yyyy-MM-dd HH:mm:ss}Z {a.Action,-15} {a.Scope,-20} by {a.Operator}: {a.Reason}");
        foreach (var a in Accounts)
        {
            var funds = a.Equity is { } equity ? string.Create(inv, $"equity {equity:N2}, cash {a.Cash:N2}, ") : "";
            sb.AppendLine(inv, $"Account {a.Account}: {funds}P&L {a.Pnl:N2}, daily loss {a.DailyLoss:N2}, high-water {a.HighWaterMark:N2}, drawdown {a.Drawdown:N2}, gross {a.GrossExposure:N2}, net {a.NetExposure:N2}, open positions {a.OpenPositions}, {a.Verdict}");
        }
        sb.AppendLine(inv, $"Elapsed:           {ElapsedSeconds,12:F1} s   ({EventsPerSecond:N0} events/s)");
        if (TickToOrder is { Count: > 0 } order && TickToDecision is { } decision)
            sb.AppendLine(inv, $"Tick to order:     p50 {decision.P50:N0} us, p99 {decision.P99:N0} us decided; p50 {order.P50:N0} us, p99 {order.P99:N0} us journaled ({order.Count:N0} orders)");
        sb.AppendLine();

        // A sweep's ids (ma-cross.fast=5.slow=30) are longer than the column's usual 12.
        var idWidth = Math.Max(12, Positions.Count == 0 ? 0 : Positions.Max(p => p.Strategy.Length));
        var header = string.Format(inv, "{0,-" + idWidth + "} {1,-8} {2,10} {3,12} {4,14} {5,14} {6,10} {7,7} {8,7} {9,7}",
            "strategy", "symbol", "position", "avg cost", "realized", "unrealized", "fees", "orders", "fills", "rejects");
        sb.AppendLine(header);
        sb.AppendLine(new string('-', header.Length));
        foreach (var r in Positions)
        {
            sb.AppendLine(string.Format(inv, "{0,-" + idWidth + "} {1,-8} {2,10:0.####} {3,12:0.0000} {4,14:N2} {5,14:N2} {6,10:N2} {7,7} {8,7} {9,7}{10}",
                r.Strategy, r.Symbol, r.Quantity, r.AverageCost, r.RealizedPnl, r.UnrealizedPnl, r.Fees,
                r.Orders, r.Fills, r.Rejections, r.Stopped ? "  (stopped)" : ""));
        }
        sb.AppendLine(new string('-', header.Length));
        foreach (var g in Positions.GroupBy(p => p.Strategy))
        {
            sb.AppendLine(string.Format(inv, "{0,-" + idWidth + "} {1,-8} {2,10} {3,12} {4,14:N2} {5,14:N2} {6,10:N2} {7,7} {8,7} {9,7}",
                g.Key, "total", "", "", g.Sum(r => r.RealizedPnl), g.Sum(r => r.UnrealizedPnl), g.Sum(r => r.Fees),
                g.Sum(r => r.Orders), g.Sum(r => r.Fills), g.Sum(r => r.Rejections)));
        }
        var net = Positions.Sum(r => r.RealizedPnl + r.UnrealizedPnl - r.Fees);
        sb.AppendLine(inv, $"Net P&L (realized + unrealized - fees): {net:N2}");
        foreach (var what in Unread) sb.AppendLine(inv, $"Not read back:     {what}");
        if (Error is { } error) sb.AppendLine(inv, $"RUN FAILED: {error}");
        return sb.ToString();
    }

    /// <summary>Journal times are UTC; write them with a Z and read them back as UTC.</summary>
    private sealed class UtcDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
    }
}

using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Engine.Actors.Feeds;
using Engine.Actors.Risk;
using Engine.Actors.Strategies;
using Engine.Actors.Symbols;
using Engine.Domain.MarketData;
using Engine.Domain.Risk;
using Engine.Domain.Strategies;
using Engine.Domain.Symbols;
using Google.Protobuf;
using E = Engine.Actors.Serialization.EngineSerializer;
using P = Engine.Actors.Serialization.Proto;
using W = Engine.Actors.Serialization.Wire;

namespace Engine.Actors.Serialization;

/// <summary>
/// Protobuf serializer (engine_wire.proto) for every message that may cross a node (design rule 7):
/// feed batches and their acknowledgements, kill-switch commands, statuses, confirmations and
/// acknowledgements, credit handed out and reported, risk reports and symbol queries. Everything
/// is bound through the <see cref="IEngineWireMessage"/> marker, plus <see cref="SymbolReport"/>
/// (a domain type, which cannot carry an Akka-side marker). Decimals, times and enums are written
/// exactly as the journal's serializer (<see cref="EngineSerializer"/>) writes them, with its
/// helpers.
/// <para>
/// A serializer of its own (identifier 502), not more manifests of 501: 501's bytes live in the
/// journal for as long as the data is kept, these only between two running releases; keeping them
/// apart keeps the journal's list of formats (and its golden tests) exactly what is stored, and a
/// wire message can never be journaled by accident under the journal's identifier.
/// </para>
/// <para>
/// The identifier (502) and the manifests below are STABLE FOREVER: two releases talk during a
/// rolling upgrade, and a changed manifest would make one unable to read the other. A new type gets
/// a new manifest; an old manifest is never reused. No wire message carries an IActorRef today; one
/// that does is written with Serialization.SerializedActorRefPath and read with
/// system.Provider.ResolveActorRef.
/// </para>
/// </summary>
public sealed class EngineWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 502;

    // Manifests: stable forever (see the class summary).
    public const string SymbolBatchManifest = "SB";
    public const string BatchDoneManifest = "BD";
    public const string SymbolFailedManifest = "SF";
    public const string BatchesJournaledManifest = "BJ";
    public const string SliceBoundaryManifest = "SLB";
    public const string CaptureSnapshotManifest = "CS";
    public const string WriteSnapshotManifest = "WS";
    public const string ResubscribeManifest = "RS";
    public const string GetSymbolReportManifest = "GSR";
    public const string SymbolReportManifest = "SR";
    public const string EvaluateManifest = "EV";
    public const string EvaluatedManifest = "EVD";
    public const string EngageManifest = "EN";
    public const string ReduceManifest = "RD";
    public const string ReleaseManifest = "RL";
    public const string GetStatusManifest = "GST";
    public const string GetAuditManifest = "GA";
    public const string AuditTrailManifest = "AT";
    public const string SubscribeManifest = "SU";
    public const string StateHistoryManifest = "SH";
    public const string StateChangedManifest = "SC";
    public const string ConfirmedManifest = "CF";
    public const string RegisterFeedManifest = "RF";
    public const string FeedRegisteredManifest = "FR";
    public const string QuiesceManifest = "Q";
    public const string QuiescedManifest = "QD";
    public const string ResumeManifest = "RE";
    public const string ChangeNotConfirmedManifest = "CNC";
    public const string StatusManifest = "ST";
    public const string AcknowledgedManifest = "ACK";
    public const string RefusedManifest = "REF";
    public const string SliceClosedManifest = "SLC";
    public const string SliceDecidedManifest = "SD";
    public const string CaptureCheckpointManifest = "CC";
    public const string SaveCheckpointManifest = "SCP";
    public const string RewindRiskManifest = "RR";
    public const string RewindSymbolManifest = "RW";
    public const string CheckpointSavedManifest = "CPS";
    public const string GetAccountRiskManifest = "GAR";
    public const string AccountRiskReportManifest = "ARR";
    public const string StartRunManifest = "RUN";
    public const string RunAcceptedManifest = "RUA";
    public const string RunRefusedManifest = "RUR";
    public const string GetRunManifest = "RUG";
    public const string StopRunManifest = "RUS";
    public const string RunStatusManifest = "RUT";
    public const string GetSymbolOrdersManifest = "GSO";
    public const string SymbolOrdersManifest = "SO";
    public const string GetFeedStatusManifest = "GFS";
    public const string FeedStatusManifest = "FS";
    public const string PauseStrategyManifest = "PSS";
    public const string StrategyPauseAnswerManifest = "PSA";

    /// <summary>
    /// The akka.actor section that registers this serializer and binds the wire messages to it. The
    /// marker binding is a catch-all: a new wire message without a manifest fails loudly when it is
    /// sent, instead of falling back to a reflection-based serializer.
    /// </summary>
    public const string HoconBindings = """
        akka.actor {
          serializers {
            engine-wire = "Engine.Actors.Serialization.EngineWireSerializer, Engine.Actors"
          }
          serialization-bindings {
            "Engine.Actors.Serialization.IEngineWireMessage, Engine.Actors" = engine-wire
            "Engine.Domain.Symbols.SymbolReport, Engine.Domain" = engine-wire
          }
          serialization-identifiers {
            "Engine.Actors.Serialization.EngineWireSerializer, Engine.Actors" = 502
          }
        }
        """;

    /// <summary><see cref="HoconBindings"/> parsed, for use as a fallback or in tests.</summary>
    public static Config ConfigBindings() => ConfigurationFactory.ParseString(HoconBindings);

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        SymbolBatch => SymbolBatchManifest,
        BatchDone => BatchDoneManifest,
        SymbolFailed => SymbolFailedManifest,
        RewindSymbol => RewindSymbolManifest,
        BatchesJournaled => BatchesJournaledManifest,
        SliceBoundary => SliceBoundaryManifest,
        CaptureSnapshot => CaptureSnapshotManifest,
        WriteSnapshot => WriteSnapshotManifest,
        Resubscribe => ResubscribeManifest,
        GetSymbolReport => GetSymbolReportManifest,
        SymbolReport => SymbolReportManifest,
        StrategyActor.Evaluate => EvaluateManifest,
        StrategyActor.Evaluated => EvaluatedManifest,
        KillSwitchActor.Engage => EngageManifest,
        KillSwitchActor.Reduce => ReduceManifest,
        KillSwitchActor.Release => ReleaseManifest,
        KillSwitchActor.GetStatus => GetStatusManifest,
        KillSwitchActor.GetAudit => GetAuditManifest,
        KillSwitchActor.AuditTrail => AuditTrailManifest,
        KillSwitchActor.Subscribe => SubscribeManifest,
        KillSwitchActor.StateHistory => StateHistoryManifest,
        KillSwitchActor.StateChanged => StateChangedManifest,
        KillSwitchActor.Confirmed => ConfirmedManifest,
        KillSwitchActor.RegisterFeed => RegisterFeedManifest,
        KillSwitchActor.FeedRegistered => FeedRegisteredManifest,
        KillSwitchActor.Quiesce => QuiesceManifest,
        KillSwitchActor.Quiesced => QuiescedManifest,
        KillSwitchActor.Resume => ResumeManifest,
        KillSwitchActor.ChangeNotConfirmed => ChangeNotConfirmedManifest,
        KillSwitchActor.Status => StatusManifest,
        KillSwitchActor.Acknowledged => AcknowledgedManifest,
        KillSwitchActor.Refused => RefusedManifest,
        RiskSupervisor.SliceClosed => SliceClosedManifest,
        RiskSupervisor.SliceDecided => SliceDecidedManifest,
        RiskSupervisor.CaptureCheckpoint => CaptureCheckpointManifest,
        RiskSupervisor.SaveCheckpoint => SaveCheckpointManifest,
        RiskSupervisors.Rewind => RewindRiskManifest,
        RiskSupervisor.CheckpointSaved => CheckpointSavedManifest,
        RiskSupervisor.GetAccountRisk => GetAccountRiskManifest,
        RiskSupervisor.AccountRiskReport => AccountRiskReportManifest,
        RunDirector.StartRun => StartRunManifest,
        RunDirector.RunAccepted => RunAcceptedManifest,
        RunDirector.RunRefused => RunRefusedManifest,
        RunDirector.GetRun => GetRunManifest,
        RunDirector.StopRun => StopRunManifest,
        RunDirector.RunStatus => RunStatusManifest,
        GetSymbolOrders => GetSymbolOrdersManifest,
        SymbolOrders => SymbolOrdersManifest,
        FeedCoordinator.GetFeedStatus => GetFeedStatusManifest,
        FeedCoordinator.FeedStatus => FeedStatusManifest,
        PauseStrategy => PauseStrategyManifest,
        StrategyPauseAnswer => StrategyPauseAnswerManifest,
        _ => throw CannotSerialize(o),
    };

    public override byte[] ToBinary(object o) => o switch
    {
        KillSwitchActor.GetStatus or KillSwitchActor.GetAudit or KillSwitchActor.RegisterFeed or RiskSupervisors.Rewind
            or FeedCoordinator.GetFeedStatus => Array.Empty<byte>(),
        _ => ToProto(o).ToByteArray(),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return manifest switch
            {
                SymbolBatchManifest => FromProto(W.SymbolBatch.Parser.ParseFrom(bytes)),
                BatchDoneManifest => FromProto(W.BatchDone.Parser.ParseFrom(bytes)),
                SymbolFailedManifest => Parse(W.SymbolFailed.Parser, bytes, p => new SymbolFailed(p.Symbol, p.Reason)),
                RewindSymbolManifest => Parse(W.RewindSymbol.Parser, bytes, p => new RewindSymbol(p.Symbol, p.AfterBatchId)),
                BatchesJournaledManifest => Parse(W.BatchesJournaled.Parser, bytes, p =>
                    new BatchesJournaled(p.Symbol, p.UpToBatchId, p.Events, p.Fills, E.Dec(p.RealizedPnlDelta, "BatchesJournaled.realized_pnl_delta"))),
                SliceBoundaryManifest => FromProto(W.SliceBoundary.Parser.ParseFrom(bytes)),
                CaptureSnapshotManifest => Parse(W.SymbolAtBoundary.Parser, bytes, p =>
                    new CaptureSnapshot(p.Symbol, E.Utc(p.BoundaryTicks, "CaptureSnapshot.boundary_ticks"))),
                WriteSnapshotManifest => Parse(W.SymbolAtBoundary.Parser, bytes, p =>
                    new WriteSnapshot(p.Symbol, E.Utc(p.BoundaryTicks, "WriteSnapshot.boundary_ticks"))),
                ResubscribeManifest => Parse(W.SymbolOnly.Parser, bytes, p => new Resubscribe(p.Symbol)),
                GetSymbolReportManifest => Parse(W.SymbolOnly.Parser, bytes, p => new GetSymbolReport(p.Symbol)),
                SymbolReportManifest => FromProto(W.SymbolReport.Parser.ParseFrom(bytes)),
                EvaluateManifest => Parse(W.Evaluate.Parser, bytes, p =>
                    new StrategyActor.Evaluate(p.BatchId, p.Bars.Select((b, i) => FromProto(b, "", $"Evaluate.bars[{i}]")).ToArray())),
                EvaluatedManifest => FromProto(W.Evaluated.Parser.ParseFrom(bytes)),
                EngageManifest => Parse(W.Engage.Parser, bytes, p => new KillSwitchActor.Engage(
                    p.Scope, p.Reason, p.Operator, p.Flatten, p.HasPoint ? p.Point : null, p.HasDecisionId ? p.DecisionId : null, p.KeepOrders)),
                ReduceManifest => Parse(W.Reduce.Parser, bytes, p => new KillSwitchActor.Reduce(
                    p.Scope, p.Reason, p.Operator, p.HasPoint ? p.Point : null, p.HasDecisionId ? p.DecisionId : null)),
                ReleaseManifest => Parse(W.Release.Parser, bytes, p => new KillSwitchActor.Release(
                    p.Scope, p.Operator, p.Reason, p.HasPoint ? p.Point : null, p.HasDecisionId ? p.DecisionId : null)),
                GetStatusManifest => new KillSwitchActor.GetStatus(),
                GetAuditManifest => new KillSwitchActor.GetAudit(),
                AuditTrailManifest => FromProto(W.AuditTrail.Parser.ParseFrom(bytes)),
                SubscribeManifest => Parse(W.SymbolOnly.Parser, bytes, p => new KillSwitchActor.Subscribe(p.Symbol)),
                StateHistoryManifest => Parse(W.StateHistory.Parser, bytes, p => new KillSwitchActor.StateHistory(
                    p.Epoch, p.Changes.Select((c, i) => FromProto(c, $"StateHistory.changes[{i}]")).ToArray())),
                StateChangedManifest => Parse(W.StateChanged.Parser, bytes, p =>
                    new KillSwitchActor.StateChanged(FromProto(E.Required(p.Change, "StateChanged.change"), "StateChanged.change"))),
                ConfirmedManifest => Parse(W.Confirmed.Parser, bytes, p => new KillSwitchActor.Confirmed(p.Symbol, p.Epoch, p.AsOfSeq)),
                RegisterFeedManifest => new KillSwitchActor.RegisterFeed(),
                FeedRegisteredManifest => Parse(W.FeedRegistered.Parser, bytes, p => new KillSwitchActor.FeedRegistered(p.Epoch)),
                QuiesceManifest => Parse(W.Ticket.Parser, bytes, p => new KillSwitchActor.Quiesce(p.Ticket_)),
                QuiescedManifest => Parse(W.Quiesced.Parser, bytes, p => new KillSwitchActor.Quiesced(p.Ticket, p.Point)),
                ResumeManifest => Parse(W.Ticket.Parser, bytes, p => new KillSwitchActor.Resume(p.Ticket_)),
                ChangeNotConfirmedManifest => Parse(W.ChangeNotConfirmed.Parser, bytes, p =>
                    new KillSwitchActor.ChangeNotConfirmed(p.Epoch, p.Symbols.ToArray())),
                StatusManifest => FromProto(W.Status.Parser.ParseFrom(bytes), "Status"),
                AcknowledgedManifest => FromProto(W.Acknowledged.Parser.ParseFrom(bytes)),
                RefusedManifest => Parse(W.Refused.Parser, bytes, p => new KillSwitchActor.Refused(p.Why)),
                SliceClosedManifest => Parse(W.SliceClosed.Parser, bytes, p => new RiskSupervisor.SliceClosed(
                    p.Account, p.SliceId, E.Utc(p.BoundaryTicks, "SliceClosed.boundary_ticks"),
                    p.Reports.Select((r, i) => FromProto(r, $"SliceClosed.reports[{i}]")).ToArray())),
                SliceDecidedManifest => FromProto(W.SliceDecided.Parser.ParseFrom(bytes)),
                CaptureCheckpointManifest => Parse(W.AccountAtBoundary.Parser, bytes, p =>
                    new RiskSupervisor.CaptureCheckpoint(p.Account, E.Utc(p.BoundaryTicks, "CaptureCheckpoint.boundary_ticks"))),
                RewindRiskManifest => new RiskSupervisors.Rewind(),
                SaveCheckpointManifest => Parse(W.AccountAtBoundary.Parser, bytes, p =>
                    new RiskSupervisor.SaveCheckpoint(p.Account, E.Utc(p.BoundaryTicks, "SaveCheckpoint.boundary_ticks"))),
                CheckpointSavedManifest => Parse(W.AccountAtBoundary.Parser, bytes, p =>
                    new RiskSupervisor.CheckpointSaved(p.Account, E.Utc(p.BoundaryTicks, "CheckpointSaved.boundary_ticks"))),
                GetAccountRiskManifest => Parse(W.AccountOnly.Parser, bytes, p => new RiskSupervisor.GetAccountRisk(p.Account)),
                AccountRiskReportManifest => FromProto(W.AccountRiskReport.Parser.ParseFrom(bytes)),
                StartRunManifest => Parse(W.StartRun.Parser, bytes, p => new RunDirector.StartRun(E.FromProto(E.Required(p.Request, "StartRun.request")))),
                RunAcceptedManifest => Parse(W.RunOnly.Parser, bytes, p => new RunDirector.RunAccepted(p.RunId)),
                RunRefusedManifest => Parse(W.RunRefused.Parser, bytes, p => new RunDirector.RunRefused(p.RunId, p.Reason)),
                GetRunManifest => Parse(W.RunOnly.Parser, bytes, p => new RunDirector.GetRun(p.RunId)),
                StopRunManifest => Parse(W.RunOnly.Parser, bytes, p => new RunDirector.StopRun(p.RunId)),
                RunStatusManifest => FromProto(W.RunStatus.Parser.ParseFrom(bytes)),
                GetSymbolOrdersManifest => Parse(W.SymbolOnly.Parser, bytes, p => new GetSymbolOrders(p.Symbol)),
                SymbolOrdersManifest => Parse(W.SymbolOrders.Parser, bytes, p => new SymbolOrders(
                    p.Symbol, p.LastPrice is null ? null : E.Dec(p.LastPrice, "SymbolOrders.last_price"),
                    p.Open.Select((o, i) => E.FromProto(o, $"SymbolOrders.open[{i}]")).ToArray())),
                PauseStrategyManifest => Parse(W.PauseStrategy.Parser, bytes, p => new PauseStrategy(p.Symbol, p.StrategyId, p.Paused, p.Operator, p.Reason)),
                StrategyPauseAnswerManifest => Parse(W.StrategyPauseAnswer.Parser, bytes, p =>
                    new StrategyPauseAnswer(p.Symbol, p.StrategyId, p.Paused, p.Changed, p.HasRefused ? p.Refused : null)),
                GetFeedStatusManifest => new FeedCoordinator.GetFeedStatus(),
                FeedStatusManifest => Parse(W.FeedStatus.Parser, bytes, p => new FeedCoordinator.FeedStatus(
                    p.Name, p.Running, p.Events, p.Boundaries,
                    p.HasMarketTimeTicks ? E.Utc(p.MarketTimeTicks, "FeedStatus.market_time_ticks") : null, p.Symbols)),
                _ => throw new SerializationException(
                    $"EngineWireSerializer: unknown manifest '{manifest}' ({bytes.Length} bytes); was it sent by a newer release?"),
            };
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"EngineWireSerializer: malformed payload for manifest '{manifest}': {e.Message}", e);
        }
    }

    private static T Parse<TProto, T>(MessageParser<TProto> parser, byte[] bytes, Func<TProto, T> read)
        where TProto : IMessage<TProto> => read(parser.ParseFrom(bytes));

    private static SerializationException CannotSerialize(object o) =>
        new($"EngineWireSerializer cannot serialize {o?.GetType().FullName ?? "null"}; give it a manifest, or mark it ILocalOnlyMessage if it never leaves its node");

    // ---- write ----

    private static IMessage ToProto(object o) => o switch
    {
        SymbolBatch b => ToProto(b),
        BatchDone d => ToProto(d),
        SymbolFailed f => new W.SymbolFailed { Symbol = f.Symbol, Reason = f.Reason },
        RewindSymbol r => new W.RewindSymbol { Symbol = r.Symbol, AfterBatchId = r.AfterBatchId },
        BatchesJournaled j => new W.BatchesJournaled
        {
            Symbol = j.Symbol,
            UpToBatchId = j.UpToBatchId,
            Events = j.Events,
            Fills = j.Fills,
            RealizedPnlDelta = E.Dec(j.RealizedPnlDelta),
        },
        SliceBoundary b => ToProto(b),
        CaptureSnapshot c => new W.SymbolAtBoundary { Symbol = c.Symbol, BoundaryTicks = E.Ticks(c.Boundary) },
        WriteSnapshot w => new W.SymbolAtBoundary { Symbol = w.Symbol, BoundaryTicks = E.Ticks(w.Boundary) },
        Resubscribe r => new W.SymbolOnly { Symbol = r.Symbol },
        GetSymbolReport g => new W.SymbolOnly { Symbol = g.Symbol },
        SymbolReport r => ToProto(r),
        StrategyActor.Evaluate e => ToProto(e),
        StrategyActor.Evaluated e => ToProto(e),
        KillSwitchActor.Engage e => ToProto(e),
        KillSwitchActor.Reduce r => ToProto(r),
        KillSwitchActor.Release r => ToProto(r),
        KillSwitchActor.AuditTrail a => ToProto(a),
        KillSwitchActor.Subscribe s => new W.SymbolOnly { Symbol = s.Symbol },
        KillSwitchActor.StateHistory h => ToProto(h),
        KillSwitchActor.StateChanged c => new W.StateChanged { Change = ToProto(c.Change) },
        KillSwitchActor.Confirmed c => new W.Confirmed { Symbol = c.Symbol, Epoch = c.Epoch, AsOfSeq = c.AsOfSeq },
        KillSwitchActor.FeedRegistered f => new W.FeedRegistered { Epoch = f.Epoch },
        KillSwitchActor.Quiesce q => new W.Ticket { Ticket_ = q.Ticket },
        KillSwitchActor.Quiesced q => new W.Quiesced { Ticket = q.Ticket, Point = q.Point },
        KillSwitchActor.Resume r => new W.Ticket { Ticket_ = r.Ticket },
        KillSwitchActor.ChangeNotConfirmed c => ToProto(c),
        KillSwitchActor.Status s => ToProto(s),
        KillSwitchActor.Acknowledged a => ToProto(a),
        KillSwitchActor.Refused r => new W.Refused { Why = r.Why },
        RiskSupervisor.SliceClosed s => ToProto(s),
        RiskSupervisor.SliceDecided d => ToProto(d),
        RiskSupervisor.CaptureCheckpoint c => new W.AccountAtBoundary { Account = c.Account, BoundaryTicks = E.Ticks(c.Boundary) },
        RiskSupervisor.SaveCheckpoint c => new W.AccountAtBoundary { Account = c.Account, BoundaryTicks = E.Ticks(c.Boundary) },
        RiskSupervisor.CheckpointSaved c => new W.AccountAtBoundary { Account = c.Account, BoundaryTicks = E.Ticks(c.Boundary) },
        RiskSupervisor.GetAccountRisk g => new W.AccountOnly { Account = g.Account },
        RiskSupervisor.AccountRiskReport r => ToProto(r),
        RunDirector.StartRun s => new W.StartRun { Request = E.ToProto(s.Request) },
        RunDirector.RunAccepted a => new W.RunOnly { RunId = a.RunId },
        RunDirector.RunRefused r => new W.RunRefused { RunId = r.RunId, Reason = r.Reason },
        RunDirector.GetRun g => new W.RunOnly { RunId = g.RunId },
        RunDirector.StopRun s => new W.RunOnly { RunId = s.RunId },
        RunDirector.RunStatus s => ToProto(s),
        GetSymbolOrders g => new W.SymbolOnly { Symbol = g.Symbol },
        SymbolOrders so => ToProto(so),
        FeedCoordinator.FeedStatus f => ToProto(f),
        PauseStrategy ps => new W.PauseStrategy { Symbol = ps.Symbol, StrategyId = ps.StrategyId, Paused = ps.Paused, Operator = ps.Operator, Reason = ps.Reason },
        StrategyPauseAnswer a => ToProto(a),
        _ => throw CannotSerialize(o),
    };

    private static W.SymbolBatch ToProto(SymbolBatch b)
    {
        var p = new W.SymbolBatch
        {
            Symbol = b.Symbol,
            BatchId = b.BatchId,
            SliceEndTicks = E.Ticks(b.SliceEnd),
            ClosesSlice = b.ClosesSlice,
            DispatchedAt = b.DispatchedAt,
            SliceLastSeq = b.SliceLastSeq,
        };
        if (b.PreviousBatchId is { } previous) p.PreviousBatchId = previous;
        foreach (var e in b.Events) p.Events.Add(ToProto(e, b.Symbol));
        p.HasEquity = b.Equity is not null;
        if (b.Equity is { } equity) p.Equity.AddRange(ToProto(equity));
        return p;
    }

    private static IEnumerable<W.AccountEquity> ToProto(IReadOnlyDictionary<string, decimal> equity) =>
        equity.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new W.AccountEquity { Account = kv.Key, Equity = E.Dec(kv.Value) });

    private static SortedDictionary<string, decimal> FromProto(IEnumerable<W.AccountEquity> equity, string name)
    {
        var result = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var a in equity)
        {
            if (!result.TryAdd(a.Account, E.Dec(a.Equity, $"{name}['{a.Account}']")))
                throw new SerializationException($"duplicate account '{a.Account}' in {name}");
        }
        return result;
    }

    /// <summary>The event's symbol is left out when it is the batch's (batchSymbol), and read back as it.</summary>
    private static W.SequencedEvent ToProto(SequencedEvent e, string batchSymbol)
    {
        var p = new W.SequencedEvent { Sequence = e.Sequence };
        var symbol = e.Event.Symbol == batchSymbol ? "" : e.Event.Symbol;
        switch (e.Event)
        {
            case TradeTick t:
                p.Trade = new W.TradeTick { Symbol = symbol, TimeTicks = E.Ticks(t.Time), Price = E.Dec(t.Price), Quantity = E.Dec(t.Quantity) };
                break;
            case QuoteTick q:
                p.Quote = new W.QuoteTick
                {
                    Symbol = symbol,
                    TimeTicks = E.Ticks(q.Time),
                    Bid = E.Dec(q.Bid),
                    BidSize = E.Dec(q.BidSize),
                    Ask = E.Dec(q.Ask),
                    AskSize = E.Dec(q.AskSize),
                };
                break;
            case TradeBar b:
                p.Bar = ToProto(b, symbol);
                break;
            default:
                throw new SerializationException($"cannot serialize market event {e.Event.GetType().FullName}");
        }
        return p;
    }

    private static W.TradeBar ToProto(TradeBar b, string symbol) => new()
    {
        Symbol = symbol,
        TimeTicks = E.Ticks(b.Time),
        PeriodTicks = b.Period.Ticks,
        Open = E.Dec(b.Open),
        High = E.Dec(b.High),
        Low = E.Dec(b.Low),
        Close = E.Dec(b.Close),
        Volume = E.Dec(b.Volume),
    };

    private static W.BatchDone ToProto(BatchDone d)
    {
        var p = new W.BatchDone { Symbol = d.Symbol, BatchId = d.BatchId, HasReports = d.Reports is not null };
        if (d.Reports is { } reports) p.Reports.AddRange(reports.Select(ToProto));
        return p;
    }

    private static W.AccountSliceReport ToProto(AccountSliceReport r)
    {
        var p = new W.AccountSliceReport { Account = r.Account, Risk = E.ToProto(r.Risk), Used = ToProto(r.Used), Wanted = ToProto(r.Wanted) };
        p.StoppedStrategies.AddRange(r.StoppedStrategies);
        return p;
    }

    private static P.Credit ToProto(Credit c) => E.ToProto(c);

    private static W.SliceBoundary ToProto(SliceBoundary b)
    {
        var p = new W.SliceBoundary { Symbol = b.Symbol, BatchId = b.BatchId, LastSeq = b.LastSeq, HasAllocations = b.Allocations is not null };
        if (b.PreviousBatchId is { } previous) p.PreviousBatchId = previous;
        if (b.Allocations is { } allocations)
        {
            p.Allocations.AddRange(allocations.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new W.AccountCredit { Account = kv.Key, Credit = ToProto(kv.Value) }));
        }
        p.HasEquity = b.Equity is not null;
        if (b.Equity is { } equity) p.Equity.AddRange(ToProto(equity));
        return p;
    }

    private static W.SymbolReport ToProto(SymbolReport r)
    {
        var p = new W.SymbolReport
        {
            Symbol = r.Symbol,
            LastPrice = r.LastPrice is { } l ? E.Dec(l) : null,
            Watermark = r.Watermark,
            OpenOrders = r.OpenOrders,
            KillSwitchEngaged = r.KillSwitchEngaged,
        };
        foreach (var s in r.Strategies)
        {
            var sp = new W.StrategyPositionReport
            {
                StrategyId = s.StrategyId,
                Quantity = E.Dec(s.Quantity),
                AverageCost = E.Dec(s.AverageCost),
                RealizedPnl = E.Dec(s.RealizedPnl),
                UnrealizedPnl = E.Dec(s.UnrealizedPnl),
                Fees = E.Dec(s.Fees),
                OrdersAccepted = s.OrdersAccepted,
                Fills = s.Fills,
                Cancels = s.Cancels,
                Stopped = s.Stopped,
                Account = s.Account,
                State = ToProto(s.State),
                Deferrals = s.Deferrals,
                Paused = s.Paused,
            };
            sp.Rejections.AddRange(s.Rejections
                .Select(kv => new P.RejectionCount { Reason = E.ToProto(kv.Key), Count = kv.Value })
                .OrderBy(c => (int)c.Reason));
            p.Strategies.Add(sp);
        }
        return p;
    }

    private static W.Evaluate ToProto(StrategyActor.Evaluate e)
    {
        var p = new W.Evaluate { BatchId = e.BatchId };
        foreach (var b in e.Bars) p.Bars.Add(ToProto(b, b.Symbol));
        return p;
    }

    private static W.Evaluated ToProto(StrategyActor.Evaluated e)
    {
        var p = new W.Evaluated { StrategyId = e.StrategyId, BatchId = e.BatchId };
        foreach (var o in e.Outcomes)
        {
            var wo = new W.StrategyOutcome { Kind = ToProto(o.Kind), Target = E.Dec(o.Target) };
            if (o.Reason is { } reason) wo.Reason = reason;
            p.Outcomes.Add(wo);
        }
        return p;
    }

    private static W.Engage ToProto(KillSwitchActor.Engage e)
    {
        var p = new W.Engage { Scope = e.Scope, Reason = e.Reason, Operator = e.Operator, Flatten = e.Flatten, KeepOrders = e.KeepOrders };
        if (e.Point is { } point) p.Point = point;
        if (e.DecisionId is { } id) p.DecisionId = id;
        return p;
    }

    private static W.Reduce ToProto(KillSwitchActor.Reduce r)
    {
        var p = new W.Reduce { Scope = r.Scope, Reason = r.Reason, Operator = r.Operator };
        if (r.Point is { } point) p.Point = point;
        if (r.DecisionId is { } id) p.DecisionId = id;
        return p;
    }

    private static W.Release ToProto(KillSwitchActor.Release r)
    {
        var p = new W.Release { Scope = r.Scope, Operator = r.Operator, Reason = r.Reason };
        if (r.Point is { } point) p.Point = point;
        if (r.DecisionId is { } id) p.DecisionId = id;
        return p;
    }

    private static W.AuditTrail ToProto(KillSwitchActor.AuditTrail a)
    {
        var p = new W.AuditTrail();
        foreach (var e in a.Events)
        {
            p.Events.Add(E.ToProto(e) switch
            {
                P.KillSwitchEngaged k => new W.KillSwitchEvent { Engaged = k },
                P.KillSwitchReleased r => new W.KillSwitchEvent { Released = r },
                P.ScopeReduced r => new W.KillSwitchEvent { Reduced = r },
                _ => throw CannotSerialize(e),
            });
        }
        return p;
    }

    private static W.ScopeChange ToProto(ScopeChange c) => new()
    {
        Epoch = c.Epoch,
        Scope = c.Scope,
        State = ToProto(c.State),
        Flatten = c.Flatten,
        Reason = c.Reason,
        Operator = c.Operator,
        SinceTicks = E.Ticks(c.Since),
        Point = c.Point,
        KeepOrders = c.KeepOrders,
    };

    private static W.StateHistory ToProto(KillSwitchActor.StateHistory h)
    {
        var p = new W.StateHistory { Epoch = h.Epoch };
        p.Changes.AddRange(h.Changes.Select(ToProto));
        return p;
    }

    private static W.ChangeNotConfirmed ToProto(KillSwitchActor.ChangeNotConfirmed c)
    {
        var p = new W.ChangeNotConfirmed { Epoch = c.Epoch };
        p.Symbols.AddRange(c.Symbols);
        return p;
    }

    private static W.Status ToProto(KillSwitchActor.Status s)
    {
        var p = new W.Status { Epoch = s.Epoch };
        p.Scopes.AddRange(s.Scopes.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new W.ScopeEntry { Scope = kv.Key, Change = ToProto(kv.Value) }));
        return p;
    }

    private static W.Acknowledged ToProto(KillSwitchActor.Acknowledged a)
    {
        var p = new W.Acknowledged { Status = ToProto(a.Status) };
        p.ConfirmedAt.AddRange(a.ConfirmedAt.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new W.SymbolSeq { Symbol = kv.Key, Seq = kv.Value }));
        p.Unconfirmed.AddRange(a.Unconfirmed);
        return p;
    }

    private static W.SliceClosed ToProto(RiskSupervisor.SliceClosed s)
    {
        var p = new W.SliceClosed { Account = s.Account, SliceId = s.SliceId, BoundaryTicks = E.Ticks(s.Boundary) };
        p.Reports.AddRange(s.Reports.Select(ToProto));
        return p;
    }

    private static W.SliceDecided ToProto(RiskSupervisor.SliceDecided d)
    {
        var p = new W.SliceDecided { Account = d.Account, SliceId = d.SliceId };
        p.Commands.AddRange(d.Decisions.Commands.Select(c => new W.RiskCommand
        {
            Kind = c.Kind switch
            {
                RiskCommandKind.Engage => W.RiskCommandKind.Engage,
                RiskCommandKind.Reduce => W.RiskCommandKind.Reduce,
                RiskCommandKind.Release => W.RiskCommandKind.Release,
                _ => throw new SerializationException($"cannot serialize RiskCommandKind value {(int)c.Kind}"),
            },
            Scope = c.Scope,
            Reason = c.Reason,
            Flatten = c.Flatten,
            DecisionId = c.DecisionId,
            Trigger = c.Trigger,
        }));
        p.Allocations.AddRange(E.ToProto(d.Decisions.Allocations));
        if (d.Decisions.Equity is { } equity) p.Equity = E.Dec(equity);
        return p;
    }

    private static W.AccountRiskReport ToProto(RiskSupervisor.AccountRiskReport r)
    {
        var v = r.View;
        var view = new W.AccountRiskView
        {
            Realized = E.Dec(v.Realized),
            Unrealized = E.Dec(v.Unrealized),
            Pnl = E.Dec(v.Pnl),
            DayStartPnl = E.Dec(v.DayStartPnl),
            HighWaterMark = E.Dec(v.HighWaterMark),
            Drawdown = E.Dec(v.Drawdown),
            DailyLoss = E.Dec(v.DailyLoss),
            GrossExposure = E.Dec(v.GrossExposure),
            NetExposure = E.Dec(v.NetExposure),
            OpenPositions = v.OpenPositions,
            Equity = v.Equity is { } equity ? E.Dec(equity) : null,
        };
        if (v.TradingDay is { } day) view.TradingDay = day.DayNumber;
        var verdict = new W.RiskVerdict { State = ToProto(r.Verdict.State) };
        if (r.Verdict.Reason is { } reason) verdict.Reason = reason;
        var p = new W.AccountRiskReport { Account = r.Account, View = view, Verdict = verdict };
        p.StaleSymbols.AddRange(r.StaleSymbols);
        if (r.AsOf is { } asOf) p.AsOfTicks = E.Ticks(asOf);
        if (r.Lent is { } lent) p.Lent = ToProto(lent);
        return p;
    }

    private static W.SymbolOrders ToProto(SymbolOrders o)
    {
        var p = new W.SymbolOrders { Symbol = o.Symbol, LastPrice = o.LastPrice is { } l ? E.Dec(l) : null };
        p.Open.AddRange(o.Open.Select(E.ToProto));
        return p;
    }

    private static W.StrategyPauseAnswer ToProto(StrategyPauseAnswer a)
    {
        var p = new W.StrategyPauseAnswer { Symbol = a.Symbol, StrategyId = a.StrategyId, Paused = a.Paused, Changed = a.Changed };
        if (a.Refused is { } why) p.Refused = why;
        return p;
    }

    private static W.FeedStatus ToProto(FeedCoordinator.FeedStatus f)
    {
        var p = new W.FeedStatus { Name = f.Name, Running = f.Running, Events = f.Events, Boundaries = f.Boundaries, Symbols = f.Symbols };
        if (f.MarketTime is { } t) p.MarketTimeTicks = E.Ticks(t);
        return p;
    }

    private static W.TradingState ToProto(TradingState s) => s switch
    {
        TradingState.Active => W.TradingState.Active,
        TradingState.Reducing => W.TradingState.Reducing,
        TradingState.Halted => W.TradingState.Halted,
        _ => throw new SerializationException($"cannot serialize TradingState value {(int)s}"),
    };

    private static W.StrategyOutcomeKind ToProto(StrategyOutcomeKind k) => k switch
    {
        StrategyOutcomeKind.None => W.StrategyOutcomeKind.None,
        StrategyOutcomeKind.Target => W.StrategyOutcomeKind.Target,
        StrategyOutcomeKind.Failed => W.StrategyOutcomeKind.Failed,
        StrategyOutcomeKind.Stopped => W.StrategyOutcomeKind.Stopped,
        _ => throw new SerializationException($"cannot serialize StrategyOutcomeKind value {(int)k}"),
    };

    // ---- read ----

    private static SymbolBatch FromProto(W.SymbolBatch p)
    {
        var events = new SequencedEvent[p.Events.Count];
        for (var i = 0; i < events.Length; i++) events[i] = FromProto(p.Events[i], p.Symbol, $"SymbolBatch.events[{i}]");
        return new SymbolBatch(p.Symbol, p.BatchId, E.Utc(p.SliceEndTicks, "SymbolBatch.slice_end_ticks"), events, p.ClosesSlice,
            p.DispatchedAt, p.SliceLastSeq, p.HasPreviousBatchId ? p.PreviousBatchId : null,
            p.HasEquity ? FromProto(p.Equity, "SymbolBatch.equity") : null);
    }

    private static SequencedEvent FromProto(W.SequencedEvent p, string batchSymbol, string field)
    {
        static string Symbol(string s, string batch) => s.Length == 0 ? batch : s;
        MarketEvent e = p.EventCase switch
        {
            W.SequencedEvent.EventOneofCase.Trade => new TradeTick(
                Symbol(p.Trade.Symbol, batchSymbol), E.Utc(p.Trade.TimeTicks, field + ".trade.time_ticks"),
                E.Dec(p.Trade.Price, field + ".trade.price"), E.Dec(p.Trade.Quantity, field + ".trade.quantity")),
            W.SequencedEvent.EventOneofCase.Quote => new QuoteTick(
                Symbol(p.Quote.Symbol, batchSymbol), E.Utc(p.Quote.TimeTicks, field + ".quote.time_ticks"),
                E.Dec(p.Quote.Bid, field + ".quote.bid"), E.Dec(p.Quote.BidSize, field + ".quote.bid_size"),
                E.Dec(p.Quote.Ask, field + ".quote.ask"), E.Dec(p.Quote.AskSize, field + ".quote.ask_size")),
            W.SequencedEvent.EventOneofCase.Bar => FromProto(p.Bar, batchSymbol, field + ".bar"),
            _ => throw new SerializationException($"required field '{field}.event' is missing"),
        };
        return new SequencedEvent(p.Sequence, e);
    }

    private static TradeBar FromProto(W.TradeBar b, string defaultSymbol, string field) => new(
        b.Symbol.Length == 0 ? defaultSymbol : b.Symbol,
        E.Utc(b.TimeTicks, field + ".time_ticks"),
        TimeSpan.FromTicks(b.PeriodTicks),
        E.Dec(b.Open, field + ".open"), E.Dec(b.High, field + ".high"), E.Dec(b.Low, field + ".low"),
        E.Dec(b.Close, field + ".close"), E.Dec(b.Volume, field + ".volume"));

    private static BatchDone FromProto(W.BatchDone p) => new(
        p.Symbol, p.BatchId,
        p.HasReports ? p.Reports.Select((r, i) => FromProto(r, $"BatchDone.reports[{i}]")).ToArray() : null);

    private static AccountSliceReport FromProto(W.AccountSliceReport r, string field) => new(
        r.Account,
        E.FromProto(E.Required(r.Risk, field + ".risk"), field + ".risk"),
        FromProto(E.Required(r.Used, field + ".used"), field + ".used"),
        FromProto(E.Required(r.Wanted, field + ".wanted"), field + ".wanted"),
        r.StoppedStrategies.ToArray());

    private static Credit FromProto(P.Credit c, string field) => E.FromProto(c, field);

    private static SliceBoundary FromProto(W.SliceBoundary p)
    {
        SortedDictionary<string, Credit>? allocations = null;
        if (p.HasAllocations)
        {
            allocations = new SortedDictionary<string, Credit>(StringComparer.Ordinal);
            foreach (var a in p.Allocations)
            {
                var field = $"SliceBoundary.allocations['{a.Account}']";
                if (!allocations.TryAdd(a.Account, FromProto(E.Required(a.Credit, field), field)))
                    throw new SerializationException($"duplicate account '{a.Account}' in SliceBoundary.allocations");
            }
        }
        var equity = p.HasEquity ? FromProto(p.Equity, "SliceBoundary.equity") : null;
        return new SliceBoundary(p.Symbol, p.BatchId, p.LastSeq, allocations, p.HasPreviousBatchId ? p.PreviousBatchId : null, equity);
    }

    private static SymbolReport FromProto(W.SymbolReport p)
    {
        var strategies = p.Strategies.Select((s, i) =>
        {
            var field = $"SymbolReport.strategies[{i}]";
            var rejections = new Dictionary<OrderRejectReason, long>();
            foreach (var r in s.Rejections)
            {
                if (!rejections.TryAdd(E.FromProto(r.Reason, field + ".rejections.reason"), r.Count))
                    throw new SerializationException($"duplicate reason {r.Reason} in {field}.rejections");
            }
            return new StrategyPositionReport(
                s.StrategyId, E.Dec(s.Quantity, field + ".quantity"), E.Dec(s.AverageCost, field + ".average_cost"),
                E.Dec(s.RealizedPnl, field + ".realized_pnl"), E.Dec(s.UnrealizedPnl, field + ".unrealized_pnl"),
                E.Dec(s.Fees, field + ".fees"), s.OrdersAccepted, s.Fills, s.Cancels, rejections, s.Stopped,
                s.Account, FromProto(s.State, field + ".state"), s.Deferrals, s.Paused);
        }).ToArray();
        return new SymbolReport(
            p.Symbol, p.LastPrice is null ? null : E.Dec(p.LastPrice, "SymbolReport.last_price"), p.Watermark, p.OpenOrders,
            strategies, p.KillSwitchEngaged);
    }

    private static StrategyActor.Evaluated FromProto(W.Evaluated p) => new(
        p.StrategyId, p.BatchId,
        p.Outcomes.Select((o, i) => new StrategyOutcome(
            FromProto(o.Kind, $"Evaluated.outcomes[{i}].kind"),
            E.Dec(o.Target, $"Evaluated.outcomes[{i}].target"),
            o.HasReason ? o.Reason : null)).ToArray());

    private static KillSwitchActor.AuditTrail FromProto(W.AuditTrail p) => new(p.Events.Select((e, i) => e.EventCase switch
    {
        W.KillSwitchEvent.EventOneofCase.Engaged => (IKillSwitchEvent)E.FromProto(e.Engaged),
        W.KillSwitchEvent.EventOneofCase.Released => E.FromProto(e.Released),
        W.KillSwitchEvent.EventOneofCase.Reduced => E.FromProto(e.Reduced),
        _ => throw new SerializationException($"required field 'AuditTrail.events[{i}].event' is missing"),
    }).ToArray());

    private static ScopeChange FromProto(W.ScopeChange c, string field) => new(
        c.Epoch, c.Scope, FromProto(c.State, field + ".state"), c.Flatten, c.Reason, c.Operator,
        E.Utc(c.SinceTicks, field + ".since_ticks"), c.Point)
    { KeepOrders = c.KeepOrders };

    private static KillSwitchActor.Status FromProto(W.Status p, string field)
    {
        var scopes = new SortedDictionary<string, ScopeChange>(StringComparer.Ordinal);
        foreach (var s in p.Scopes)
        {
            var f = $"{field}.scopes['{s.Scope}']";
            if (!scopes.TryAdd(s.Scope, FromProto(E.Required(s.Change, f), f)))
                throw new SerializationException($"duplicate scope '{s.Scope}' in {field}.scopes");
        }
        return new KillSwitchActor.Status(scopes, p.Epoch);
    }

    private static KillSwitchActor.Acknowledged FromProto(W.Acknowledged p)
    {
        var confirmed = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in p.ConfirmedAt)
        {
            if (!confirmed.TryAdd(c.Symbol, c.Seq))
                throw new SerializationException($"duplicate symbol '{c.Symbol}' in Acknowledged.confirmed_at");
        }
        return new KillSwitchActor.Acknowledged(
            FromProto(E.Required(p.Status, "Acknowledged.status"), "Acknowledged.status"), confirmed, p.Unconfirmed.ToArray());
    }

    private static RiskSupervisor.SliceDecided FromProto(W.SliceDecided p)
    {
        var commands = p.Commands.Select((c, i) => new RiskCommand(
            c.Kind switch
            {
                W.RiskCommandKind.Engage => RiskCommandKind.Engage,
                W.RiskCommandKind.Reduce => RiskCommandKind.Reduce,
                W.RiskCommandKind.Release => RiskCommandKind.Release,
                _ => throw new SerializationException($"field 'SliceDecided.commands[{i}].kind' has unknown RiskCommandKind value {(int)c.Kind}"),
            },
            c.Scope, c.Reason, c.Flatten, c.DecisionId, c.Trigger)).ToArray();
        return new RiskSupervisor.SliceDecided(p.Account, p.SliceId,
            new AccountDecisions(commands, E.FromProto(p.Allocations, "SliceDecided.allocations"),
                p.Equity is null ? null : E.Dec(p.Equity, "SliceDecided.equity")));
    }

    private static RiskSupervisor.AccountRiskReport FromProto(W.AccountRiskReport p)
    {
        var v = E.Required(p.View, "AccountRiskReport.view");
        const string f = "AccountRiskReport.view";
        var view = new AccountRiskView(
            E.Dec(v.Realized, f + ".realized"), E.Dec(v.Unrealized, f + ".unrealized"), E.Dec(v.Pnl, f + ".pnl"),
            E.Dec(v.DayStartPnl, f + ".day_start_pnl"), E.Dec(v.HighWaterMark, f + ".high_water_mark"),
            E.Dec(v.Drawdown, f + ".drawdown"), E.Dec(v.DailyLoss, f + ".daily_loss"),
            E.Dec(v.GrossExposure, f + ".gross_exposure"), E.Dec(v.NetExposure, f + ".net_exposure"),
            v.OpenPositions, v.HasTradingDay ? E.Day(v.TradingDay, f + ".trading_day") : null,
            v.Equity is null ? null : E.Dec(v.Equity, f + ".equity"));
        var verdict = E.Required(p.Verdict, "AccountRiskReport.verdict");
        return new RiskSupervisor.AccountRiskReport(
            p.Account, view,
            new RiskVerdict(FromProto(verdict.State, "AccountRiskReport.verdict.state"), verdict.HasReason ? verdict.Reason : null),
            p.StaleSymbols.ToArray(),
            p.HasAsOfTicks ? E.Utc(p.AsOfTicks, "AccountRiskReport.as_of_ticks") : null,
            p.Lent is null ? null : FromProto(p.Lent, "AccountRiskReport.lent"));
    }

    private static TradingState FromProto(W.TradingState s, string field) => s switch
    {
        W.TradingState.Active => TradingState.Active,
        W.TradingState.Reducing => TradingState.Reducing,
        W.TradingState.Halted => TradingState.Halted,
        _ => throw new SerializationException($"field '{field}' has unknown TradingState value {(int)s}"),
    };

    private static StrategyOutcomeKind FromProto(W.StrategyOutcomeKind k, string field) => k switch
    {
        W.StrategyOutcomeKind.None => StrategyOutcomeKind.None,
        W.StrategyOutcomeKind.Target => StrategyOutcomeKind.Target,
        W.StrategyOutcomeKind.Failed => StrategyOutcomeKind.Failed,
        W.StrategyOutcomeKind.Stopped => StrategyOutcomeKind.Stopped,
        _ => throw new SerializationException($"field '{field}' has unknown StrategyOutcomeKind value {(int)k}"),
    };

    // ---- the run singleton ----

    private static W.RunStatus ToProto(RunDirector.RunStatus s)
    {
        var p = new W.RunStatus { RunId = s.RunId };
        if (s.Progress is { } progress)
        {
            p.Progress = new W.RunProgress { Read = progress.Read, Rejected = progress.Rejected, Fills = progress.Fills, Realized = E.Dec(progress.Realized) };
            if (progress.Halted is { } halted) p.Progress.Halted = halted;
        }
        if (s.Result is { } r)
        {
            p.Result = new W.RunResult { Events = r.Events, Boundaries = r.Boundaries, Stopped = r.Stopped, Feed = ToProto(r.Feed) };
            if (r.Error is { } error) p.Result.Error = error;
            p.Result.Symbols.AddRange(r.Symbols);
        }
        return p;
    }

    private static W.FeedTally ToProto(FeedTally t)
    {
        var p = new W.FeedTally { Source = t.Source, Read = t.Read, Accepted = t.Accepted, Rejected = t.Rejected };
        foreach (var (reason, count) in t.RejectedByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            p.RejectedByReason.Add(new W.RejectedCount { Reason = reason, Count = count });
        foreach (var f in t.Skipped) p.Skipped.Add(new W.SkippedFile { Path = f.Path, Reason = f.Reason, Detail = f.Detail });
        return p;
    }

    private static RunDirector.RunStatus FromProto(W.RunStatus p) => new(
        p.RunId,
        p.Progress is { } progress
            ? new RunProgress(progress.Read, progress.Rejected, progress.Fills, E.Dec(progress.Realized, "RunStatus.progress.realized"),
                progress.HasHalted ? progress.Halted : null)
            : null,
        p.Result is { } r
            ? new RunResult(r.Symbols.ToArray(), r.Events, r.Boundaries, r.HasError ? r.Error : null, r.Stopped,
                FromProto(E.Required(r.Feed, "RunStatus.result.feed")))
            : null);

    private static FeedTally FromProto(W.FeedTally p) => new(
        p.Source, p.Read, p.Accepted, p.Rejected,
        p.RejectedByReason.ToDictionary(c => c.Reason, c => c.Count, StringComparer.Ordinal),
        p.Skipped.Select(f => new SkippedFileEntry(f.Path, f.Reason, f.Detail)).ToArray());
}

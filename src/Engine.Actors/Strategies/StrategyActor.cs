using Akka.Actor;
using Akka.Event;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies;
using Engine.Actors.Serialization;

namespace Engine.Actors.Strategies;

/// <summary>
/// Runs one strategy for one symbol: the unit of supervision. It answers each Evaluate (the bars a
/// batch completed) with one outcome per bar, in one reply. A strategy that throws is contained
/// here: its StrategyRunner suspends it with a backoff in market time, rebuilds it from a fresh
/// instance and the recent bars, and stops it for good when it keeps throwing; the symbol carries
/// on. Outcomes depend on the bars alone, never on timing, so replays decide alike.
/// </summary>
public sealed class StrategyActor : ReceiveActor
{
    public sealed record Evaluate(long BatchId, IReadOnlyList<TradeBar> Bars) : IEngineWireMessage;

    /// <summary>Outcomes[k] is the outcome for Evaluate.Bars[k].</summary>
    public sealed record Evaluated(string StrategyId, long BatchId, StrategyOutcome[] Outcomes) : IEngineWireMessage;

    private readonly string _strategyId;
    private readonly StrategyRunner _runner;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public StrategyActor(string strategyId, Func<IStrategy> factory, StrategySupervision supervision, int historyBars)
    {
        _strategyId = strategyId;
        _runner = new StrategyRunner(factory, supervision, historyBars);
        Receive<Evaluate>(Handle);
    }

    public static Props Props(string strategyId, Func<IStrategy> factory, StrategySupervision supervision, int historyBars) =>
        Akka.Actor.Props.Create(() => new StrategyActor(strategyId, factory, supervision, historyBars)).WithDispatcher(EngineDispatcher.Id);

    private void Handle(Evaluate e)
    {
        var outcomes = new StrategyOutcome[e.Bars.Count];
        for (var k = 0; k < outcomes.Length; k++)
        {
            var bar = e.Bars[k];
            var outcome = _runner.OnBar(bar);
            outcomes[k] = outcome;
            if (outcome.Kind == StrategyOutcomeKind.Failed)
                _log.Warning("strategy '{0}' failed on {1} bar {2:O}: {3}", _strategyId, bar.Symbol, bar.Time, outcome.Reason);
            else if (outcome.Kind == StrategyOutcomeKind.Stopped)
                _log.Error("strategy '{0}' stopped on {1} at {2:O}: {3}", _strategyId, bar.Symbol, bar.Time, outcome.Reason);
        }
        Sender.Tell(new Evaluated(_strategyId, e.BatchId, outcomes));
    }
}

using Akka.Actor;
using Engine.Domain.MarketData;
using Engine.Domain.Strategies;

namespace Engine.Actors.Strategies;

/// <summary>
/// Runs one pure strategy for one symbol. It answers every Evaluate with a Decision, even when the
/// strategy throws: the parent waits for one decision per strategy before it finishes a market
/// event, which is what makes runs deterministic. After replying to a failure it rethrows, so the
/// parent's supervisor restarts it with a fresh strategy; the parent then sends Rebuild (after a
/// backoff) with the bars to replay.
/// </summary>
public sealed class StrategyActor : ReceiveActor
{
    public sealed record Evaluate(long Seq, TradeBar Bar);

    /// <summary>Replay History into a fresh strategy, then evaluate Current.</summary>
    public sealed record Rebuild(long Seq, IReadOnlyList<TradeBar> History, TradeBar Current);

    /// <summary>Target is a fraction of full size (-1..1), null for no change; Failure is set when the strategy threw.</summary>
    public sealed record Decision(string StrategyId, long Seq, decimal? Target, string? Failure);

    public sealed class StrategyFailedException(string strategyId, string symbol, Exception inner)
        : Exception($"strategy '{strategyId}' failed on {symbol}: {inner.Message}", inner);

    private readonly string _strategyId;
    private readonly Func<IStrategy> _factory;
    private IStrategy _strategy;

    public StrategyActor(string strategyId, Func<IStrategy> factory)
    {
        _strategyId = strategyId;
        _factory = factory;
        _strategy = factory();
        Receive<Evaluate>(Handle);
        Receive<Rebuild>(Handle);
    }

    public static Props Props(string strategyId, Func<IStrategy> factory) =>
        Akka.Actor.Props.Create(() => new StrategyActor(strategyId, factory));

    private void Handle(Evaluate e) => Run(e.Seq, e.Bar, () => _strategy.OnBar(e.Bar));

    private void Handle(Rebuild r) => Run(r.Seq, r.Current, () =>
    {
        _strategy = _factory();
        decimal? last = null;
        foreach (var bar in r.History) last = _strategy.OnBar(bar) ?? last;
        // The strategy's current wish is its latest output, even if it was produced during replay.
        return _strategy.OnBar(r.Current) ?? last;
    });

    private void Run(long seq, TradeBar bar, Func<decimal?> evaluate)
    {
        decimal? target;
        try
        {
            target = evaluate();
        }
        catch (Exception ex)
        {
            Sender.Tell(new Decision(_strategyId, seq, null, ex.Message));
            throw new StrategyFailedException(_strategyId, bar.Symbol, ex);
        }
        Sender.Tell(new Decision(_strategyId, seq, target, null));
    }
}

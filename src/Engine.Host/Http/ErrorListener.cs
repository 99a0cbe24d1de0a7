using Akka.Actor;
using Akka.Event;
using Engine.Actors.Metrics;

namespace Engine.Host.Http;

/// <summary>
/// Counts every Warning and Error on Akka's log event stream by the type that logged it
/// (trading_errors_total{component,severity}); the actors need no metrics code of their own for it.
/// </summary>
public sealed class ErrorListener : ReceiveActor
{
    public ErrorListener()
    {
        var counters = EngineCounters.For(Context.System);
        Receive<Error>(e => counters.Logged(Component(e), "error"));
        Receive<Warning>(e => counters.Logged(Component(e), "warning"));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ErrorListener());

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(Error));
        Context.System.EventStream.Subscribe(Self, typeof(Warning));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private static string Component(LogEvent e) => e.LogClass?.Name ?? e.LogSource ?? "unknown";
}

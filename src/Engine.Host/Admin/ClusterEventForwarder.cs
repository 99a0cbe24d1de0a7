using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace Engine.Host.Admin;

/// <summary>One membership event as `cluster tail` prints it: when this node heard of it, what, whose.</summary>
public sealed record MembershipEvent(DateTime Time, string Event, string Address, IReadOnlyList<string> Roles);

/// <summary>
/// Subscribes to this node's cluster events for one `cluster tail` and hands them to it through a
/// channel (the tail reads at the client's pace, the actor never waits). Starts with the current
/// state as events (Akka's InitialStateAsEvents); stopped when the tail ends, which unsubscribes.
/// </summary>
public sealed class ClusterEventForwarder : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public ClusterEventForwarder(ChannelWriter<MembershipEvent> events)
    {
        Receive<ClusterEvent.IMemberEvent>(e => events.TryWrite(Of(e.GetType().Name, e.Member)));
        Receive<ClusterEvent.UnreachableMember>(e => events.TryWrite(Of(nameof(ClusterEvent.UnreachableMember), e.Member)));
        Receive<ClusterEvent.ReachableMember>(e => events.TryWrite(Of(nameof(ClusterEvent.ReachableMember), e.Member)));
        Receive<ClusterEvent.LeaderChanged>(e =>
        {
            // The event names only the address; the roles are the leader's as this node knows them.
            var leader = e.Leader is { } a ? _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(a)) : null;
            events.TryWrite(new MembershipEvent(DateTime.UtcNow, nameof(ClusterEvent.LeaderChanged), e.Leader?.ToString() ?? "",
                leader?.Roles.Order().ToArray() ?? []));
        });
    }

    public static Props Props(ChannelWriter<MembershipEvent> events) => Akka.Actor.Props.Create(() => new ClusterEventForwarder(events));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private static MembershipEvent Of(string name, Member member) =>
        new(DateTime.UtcNow, name, member.Address.ToString(), member.Roles.Order().ToArray());
}

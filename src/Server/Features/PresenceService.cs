using System.Collections.Concurrent;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Features;

/// <summary>
/// Presence: GET_ONLINE_LIST (with <c>subscribe</c> for ONLINE deltas and <c>full_list</c> for ONLINE_LIST pushes),
/// ONLINE on a user's first connect / last disconnect in a namespace to that namespace's subscribers, and ONLINE for
/// visitors to every agent connection (both namespaces). Each event is serialized once per change.
/// </summary>
internal sealed class PresenceService(IConnectionRegistry registry, TimeProvider time) : IPresenceService
{
    private readonly ConcurrentDictionary<IConnection, Subscription> _subscriptions = new(ReferenceEqualityComparer.Instance);
    private int _attached;

    public IReadOnlyCollection<string> Commands { get; } = [CommandNames.GetOnlineList];

    /// <summary>Subscribes to the registry's open/close events (once).</summary>
    public void Attach()
    {
        if (Interlocked.Exchange(ref _attached, 1) == 0)
        {
            registry.ConnectionOpened += change => OnChange(change, online: true);
            registry.ConnectionClosed += change => OnChange(change, online: false);
        }
    }

    public async ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken)
    {
        var request = (GetOnlineListCommand)command;
        // SB-PRES-002: an absent flag leaves that part of the subscription unchanged.
        _subscriptions.TryGetValue(context.Connection, out var current);
        var subscription = new Subscription(request.Subscribe ?? current.Deltas, request.FullList ?? current.FullList);
        if (subscription.Deltas || subscription.FullList)
        {
            _subscriptions[context.Connection] = subscription;
        }
        else
        {
            _subscriptions.TryRemove(context.Connection, out _);
        }

        await context.ReplyAsync(BuildList(context.Namespace), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<OnlineUserInfo>> GetOnlineUsersAsync(string ns, CancellationToken cancellationToken)
        => ValueTask.FromResult(registry.GetOnlineUsers(ns));

    public ValueTask<int> CountConnectionsAsync(string ns, string userId, CancellationToken cancellationToken)
        => ValueTask.FromResult(registry.GetUserConnections(ns, userId).Count);

    private OnlineListEvent BuildList(string ns) => new()
    {
        Namespace = UserRefs.ToNamespace(ns),
        Users = registry.GetOnlineUsers(ns).Select(UserRefs.ToOnlineUser).ToArray(),
    };

    private void OnChange(ConnectionChange change, bool online)
    {
        var connection = change.Connection;
        if (!online)
        {
            _subscriptions.TryRemove(connection, out _);
        }

        var ns = connection.Namespace;
        var firstOrLast = online ? change.UserConnections == 1 : change.UserConnections == 0;
        byte[]? onlineFrame = null;
        if (firstOrLast)
        {
            onlineFrame = EventFrames.Serialize(new OnlineEvent
            {
                User = UserRefs.From(connection.User),
                Namespace = UserRefs.ToNamespace(ns),
                Online = online,
                Connections = change.UserConnections,
                At = time.GetUtcNow(),
            });
        }

        byte[]? listFrame = null;
        HashSet<IConnection>? notified = onlineFrame is not null && connection.User.IsInRole(Roles.Visitor) ? new(ReferenceEqualityComparer.Instance) : null;
        foreach (var (subscriber, subscription) in _subscriptions)
        {
            if (subscriber.Namespace != ns || ReferenceEquals(subscriber, connection))
            {
                continue;
            }

            if (subscription.Deltas && onlineFrame is not null)
            {
                subscriber.TrySend(onlineFrame);
                notified?.Add(subscriber);
            }

            if (subscription.FullList)
            {
                listFrame ??= EventFrames.Serialize(BuildList(ns));
                subscriber.TrySend(listFrame);
            }
        }

        if (notified is not null)
        {
            foreach (var agent in registry.GetConnectionsByRole(Roles.Agent))
            {
                if (!notified.Contains(agent))
                {
                    agent.TrySend(onlineFrame!);
                }
            }
        }
    }

    private readonly record struct Subscription(bool Deltas, bool FullList);
}

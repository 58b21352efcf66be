using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using Switchboard.Server.Redis.Routing;

namespace Switchboard.Server.Redis.Presence;

/// <summary>
/// Presence across the cluster. Each connection of this node is an entry of the namespace's online hash in Redis
/// (<c>{p:ns}</c>, one script per connect/disconnect that also keeps the per-user counts and publishes the change);
/// every node hears every change on <c>{p:ns}:presence</c> and sends ONLINE / ONLINE_LIST to its own subscribers and
/// agents exactly as the single node does (section 10). A node that dies leaves its entries behind until a surviving
/// node sees its heartbeat expire and sweeps them (<see cref="SweepNodeAsync"/>), which publishes them as gone: ONLINE
/// online:false reaches everyone within the node TTL.
/// </summary>
internal sealed partial class RedisPresenceService : IPresenceService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisNode _node;
    private readonly IConnectionRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisPresenceService> _logger;
    private readonly ConcurrentDictionary<IConnection, Subscription> _subscriptions = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IConnection, Task> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _entriesGate = new();
    private int _attached;

    public RedisPresenceService(IConnectionMultiplexer redis, RedisNode node, IConnectionRegistry registry, TimeProvider time, ILogger<RedisPresenceService> logger)
    {
        _redis = redis;
        _node = node;
        _registry = registry;
        _time = time;
        _logger = logger;
    }

    public IReadOnlyCollection<string> Commands { get; } = [CommandNames.GetOnlineList];

    private IDatabase Db => _redis.GetDatabase();

    private RedisKeys Keys => _node.Keys;

    public void Attach()
    {
        if (Interlocked.Exchange(ref _attached, 1) == 0)
        {
            _registry.ConnectionOpened += change => _ = EnsureRegisteredAsync(change.Connection);
            _registry.ConnectionClosed += change =>
            {
                _subscriptions.TryRemove(change.Connection, out _);
                Task? connected;
                lock (_entriesGate)
                {
                    _entries.Remove(change.Connection, out connected);
                }

                _ = DisconnectAsync(change.Connection, connected ?? Task.CompletedTask);
            };
        }
    }

    /// <summary>
    /// Adds the connection to the namespace's online entries (once; later calls return the same task). Called when
    /// the connection is registered, before its CONNECT is written; never faults (failures are logged).
    /// </summary>
    public Task EnsureRegisteredAsync(IConnection connection)
    {
        lock (_entriesGate)
        {
            if (!_entries.TryGetValue(connection, out var registered))
            {
                _entries[connection] = registered = ConnectAsync(connection);
            }

            return registered;
        }
    }

    /// <summary>Subscribes to the presence channels of both namespaces (startup).</summary>
    public async Task StartAsync()
    {
        foreach (var ns in Namespaces.All)
        {
            await _redis.GetSubscriber().SubscribeAsync(Keys.PresenceChannel(ns), (_, value) => OnChange(ns, (byte[]?)value)).ConfigureAwait(false);
        }
    }

    public async ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken)
    {
        var request = (GetOnlineListCommand)command;
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

        await context.ReplyAsync(await BuildListAsync(context.Namespace).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<OnlineUserInfo>> GetOnlineUsersAsync(string ns, CancellationToken cancellationToken)
    {
        var counts = Db.HashGetAllAsync(Keys.OnlineUsers(ns));
        var names = Db.HashGetAllAsync(Keys.OnlineNames(ns));
        var identities = (await names.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var result = new List<OnlineUserInfo>();
        foreach (var entry in await counts.ConfigureAwait(false))
        {
            var user = (string)entry.Name!;
            var count = (int)entry.Value;
            if (count > 0)
            {
                result.Add(new OnlineUserInfo(identities.TryGetValue(user, out var text) ? IdentityCodec.Decode(text) : new UserIdentity(user, user, Roles.User), count));
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.User.Id, b.User.Id));
        return result;
    }

    public async ValueTask<int> CountConnectionsAsync(string ns, string userId, CancellationToken cancellationToken)
    {
        var count = await Db.HashGetAsync(Keys.OnlineUsers(ns), userId).ConfigureAwait(false);
        return count.IsNull ? 0 : (int)count;
    }

    /// <summary>Removes the online entries of a dead node (idempotent; publishes each as gone).</summary>
    public async Task<int> SweepNodeAsync(string deadNode)
    {
        var removed = 0;
        foreach (var ns in Namespaces.All)
        {
            removed += (int)await Db.ScriptEvaluateAsync(PresenceScripts.Sweep, PresenceKeys(ns, deadNode),
                [Keys.PresenceChannel(ns).ToString(), _node.Id]).ConfigureAwait(false);
        }

        return removed;
    }

    private RedisKey[] PresenceKeys(string ns, string node) =>
        [Keys.Online(ns), Keys.OnlineUsers(ns), Keys.OnlineNames(ns), Keys.OnlineOfNode(ns, node)];

    private static string Field(string node, IConnection connection) => node + "|" + connection.ClientId;

    private async Task ConnectAsync(IConnection connection)
    {
        var ns = connection.Namespace;
        try
        {
            await Db.ScriptEvaluateAsync(PresenceScripts.Connect, PresenceKeys(ns, _node.Id),
            [
                Field(_node.Id, connection), connection.User.Id, IdentityCodec.Encode(connection.User),
                Keys.PresenceChannel(ns).ToString(), $"1|{_node.Id}|{connection.ClientId}|",
            ]).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogPresenceFailed(_logger, connection.ClientId, ex);
        }
    }

    private async Task DisconnectAsync(IConnection connection, Task connected)
    {
        await connected.ConfigureAwait(false); // never faults (logged)
        var ns = connection.Namespace;
        try
        {
            await Db.ScriptEvaluateAsync(PresenceScripts.Disconnect, PresenceKeys(ns, _node.Id),
            [
                Field(_node.Id, connection), connection.User.Id, Keys.PresenceChannel(ns).ToString(), $"0|{_node.Id}|{connection.ClientId}|",
            ]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The entry stays until this node's heartbeat expires and a surviving node sweeps it.
            LogPresenceFailed(_logger, connection.ClientId, ex);
        }
    }

    private async Task<OnlineListEvent> BuildListAsync(string ns) => new()
    {
        Namespace = UserRefs.ToNamespace(ns),
        Users = (await GetOnlineUsersAsync(ns, CancellationToken.None).ConfigureAwait(false)).Select(UserRefs.ToOnlineUser).ToArray(),
    };

    private void OnChange(string ns, byte[]? payload) => _ = OnChangeAsync(ns, payload);

    // The single node's PresenceService.OnChange, fed by the cluster's presence channel.
    private async Task OnChangeAsync(string ns, byte[]? payload)
    {
        try
        {
            if (!BusMessage.TryParse(payload, out var message) || message.Kind is not ('0' or '1'))
            {
                return;
            }

            var bar = message.Arg.LastIndexOf('|');
            var clientId = message.Arg[..bar];
            var count = int.Parse(message.Arg.AsSpan(bar + 1), System.Globalization.CultureInfo.InvariantCulture);
            var user = IdentityCodec.Decode(Encoding.UTF8.GetString(message.Frame.Span));
            var online = message.Kind == '1';
            var firstOrLast = online ? count == 1 : count == 0;
            byte[]? onlineFrame = firstOrLast
                ? EventFrames.Serialize(new OnlineEvent
                {
                    User = UserRefs.From(user),
                    Namespace = UserRefs.ToNamespace(ns),
                    Online = online,
                    Connections = count,
                    At = _time.GetUtcNow(),
                })
                : null;

            byte[]? listFrame = null;
            HashSet<IConnection>? notified = onlineFrame is not null && user.IsInRole(Roles.Visitor) ? new(ReferenceEqualityComparer.Instance) : null;
            foreach (var (subscriber, subscription) in _subscriptions)
            {
                if (subscriber.Namespace != ns || subscriber.ClientId == clientId)
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
                    listFrame ??= EventFrames.Serialize(await BuildListAsync(ns).ConfigureAwait(false));
                    subscriber.TrySend(listFrame);
                }
            }

            if (notified is not null)
            {
                foreach (var agent in _registry.GetConnectionsByRole(Roles.Agent))
                {
                    if (!notified.Contains(agent) && agent.ClientId != clientId)
                    {
                        agent.TrySend(onlineFrame!);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or FormatException or ObjectDisposedException or InvalidOperationException)
        {
            LogPresenceChangeFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 7040, Level = LogLevel.Warning, Message = "Presence update for connection {ClientId} failed.")]
    private static partial void LogPresenceFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 7041, Level = LogLevel.Warning, Message = "Handling a presence change failed.")]
    private static partial void LogPresenceChangeFailed(ILogger logger, Exception exception);

    private readonly record struct Subscription(bool Deltas, bool FullList);
}

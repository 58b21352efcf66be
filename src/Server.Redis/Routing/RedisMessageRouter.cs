using Switchboard.Protocol;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Redis.Routing;

/// <summary>
/// <see cref="IMessageRouter"/> across the cluster: delivers to this node's connections at once, then publishes the
/// same bytes once on a sharded channel — <c>{p:ns}:ch</c> (namespace), <c>{role:r}:ch</c> (role),
/// <c>{u:ns:user}:ch</c> (user) — and every other node delivers to its own connections. Live frames only: pub/sub is
/// at-most-once, durable events never depend on it (they are in the user's stream first). The returned count is this
/// node's connections (the synchronous contract cannot wait for the other nodes).
/// </summary>
internal sealed partial class RedisMessageRouter : IMessageRouter
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisNode _node;
    private readonly IConnectionRegistry _registry;
    private readonly LocalMessageRouter _local;
    private readonly ILogger<RedisMessageRouter> _logger;

    public RedisMessageRouter(IConnectionMultiplexer redis, RedisNode node, IConnectionRegistry registry, ILogger<RedisMessageRouter> logger)
    {
        _redis = redis;
        _node = node;
        _registry = registry;
        _local = new LocalMessageRouter(registry);
        _logger = logger;
    }

    /// <summary>Subscribes to the namespace and role channels (once, at startup).</summary>
    public async Task StartAsync()
    {
        var subscriber = _redis.GetSubscriber();
        foreach (var ns in Namespaces.All)
        {
            await subscriber.SubscribeAsync(_node.Keys.NamespaceChannel(ns), (_, value) => OnNamespace(ns, (byte[]?)value)).ConfigureAwait(false);
        }

        foreach (var role in Roles.All)
        {
            await subscriber.SubscribeAsync(_node.Keys.RoleChannel(role), (_, value) => OnRole(role, (byte[]?)value)).ConfigureAwait(false);
        }
    }

    public int SendToNamespace(string ns, ReadOnlyMemory<byte> frame, IConnection? except = null)
    {
        Publish(_node.Keys.NamespaceChannel(ns), BusMessage.Build('g', _node.Id, except?.ClientId ?? string.Empty, frame.Span));
        return _local.SendToNamespace(ns, frame, except);
    }

    public int SendToUser(string ns, string userId, ReadOnlyMemory<byte> frame)
    {
        Publish(_node.Keys.UserChannel(ns, userId), BusMessage.Build('l', _node.Id, string.Empty, frame.Span));
        return _local.SendToUser(ns, userId, frame);
    }

    public int SendToRole(string role, ReadOnlyMemory<byte> frame)
    {
        Publish(_node.Keys.RoleChannel(role), BusMessage.Build('o', _node.Id, string.Empty, frame.Span));
        return _local.SendToRole(role, frame);
    }

    private void OnNamespace(string ns, byte[]? payload)
    {
        if (BusMessage.TryParse(payload, out var message) && message.Origin != _node.Id && message.Kind == 'g')
        {
            foreach (var connection in _registry.GetNamespaceConnections(ns))
            {
                if (connection.ClientId != message.Arg)
                {
                    connection.TrySend(message.Frame);
                }
            }
        }
    }

    private void OnRole(string role, byte[]? payload)
    {
        if (BusMessage.TryParse(payload, out var message) && message.Origin != _node.Id && message.Kind == 'o')
        {
            foreach (var connection in _registry.GetConnectionsByRole(role))
            {
                connection.TrySend(message.Frame);
            }
        }
    }

    private void Publish(RedisChannel channel, byte[] payload)
    {
        _ = PublishAsync(channel, payload);
    }

    private async Task PublishAsync(RedisChannel channel, byte[] payload)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(channel, payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(_logger, channel.ToString(), ex);
        }
    }

    [LoggerMessage(EventId = 7030, Level = LogLevel.Warning, Message = "Publishing on {Channel} failed; the other nodes' connections miss this live frame.")]
    private static partial void LogPublishFailed(ILogger logger, string channel, Exception exception);
}

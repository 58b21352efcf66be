using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Redis;

/// <summary>
/// What a node does when it loses Redis: it can neither store nor route, so it stops serving instead of acknowledging
/// what it cannot store. Every open connection is closed with CLOSE <see cref="LostCode"/> (retryable: clients
/// reconnect, through the load balancer, to a node that has Redis, and resume with since/epoch), and new connections
/// are refused (4500 from the handshake) until the multiplexer has reconnected. Commands that were in flight fail with
/// ERROR 5003 (nothing acknowledged).
/// </summary>
internal sealed partial class RedisAvailability
{
    /// <summary>The close code for "this node lost its store" (spec section 21, SB-CLUSTER-005).</summary>
    public static readonly CloseCode LostCode = CloseCode.StoreUnavailable;

    /// <summary>The close reason sent with <see cref="LostCode"/>.</summary>
    public const string LostReason = "store unavailable";

    private readonly ConnectionRegistry _registry;
    private readonly ILogger<RedisAvailability> _logger;
    private volatile bool _lost;

    public RedisAvailability(IConnectionMultiplexer redis, ConnectionRegistry registry, ILogger<RedisAvailability> logger)
    {
        _registry = registry;
        _logger = logger;
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                Lost(e.Exception ?? new InvalidOperationException("Redis connection failed: " + e.FailureType));
            }
        };
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _lost)
            {
                _lost = false;
                LogRestored(_logger);
            }
        };
    }

    /// <summary>True while the node has no Redis connection.</summary>
    public bool IsLost => _lost;

    /// <summary>Throws when Redis is lost (a new connection is then refused).</summary>
    public void ThrowIfUnavailable()
    {
        if (_lost)
        {
            throw new InvalidOperationException("This node has lost its Redis connection.");
        }
    }

    /// <summary>Closes every connection of the node with <see cref="LostCode"/>.</summary>
    public void Lost(Exception exception)
    {
        _lost = true;
        var connections = _registry.GetAll();
        LogLost(_logger, connections.Count, exception);
        foreach (var connection in connections)
        {
            _ = connection.CloseAsync(LostCode, LostReason).AsTask();
        }
    }

    /// <summary>A follower could not read a stream: the connection cannot be kept gap-free, so it is closed.</summary>
    public void OnConnectionReadFailed(IConnection connection, Exception exception)
    {
        LogReadFailed(_logger, connection.ClientId, exception);
        _ = connection.CloseAsync(LostCode, LostReason).AsTask();
    }

    [LoggerMessage(EventId = 7020, Level = LogLevel.Error, Message = "Lost the Redis connection: closing {Count} connections with 4504 and refusing new ones until it is back.")]
    private static partial void LogLost(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Information, Message = "Redis connection restored: accepting connections again.")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Error, Message = "Reading a stream for connection {ClientId} failed: closing it with 4504.")]
    private static partial void LogReadFailed(ILogger logger, string clientId, Exception exception);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Server.Redis.Presence;
using Switchboard.Server.Redis.Rooms;
using Switchboard.Server.Redis.Routing;

namespace Switchboard.Server.Redis;

/// <summary>
/// The node's life in the cluster. At start: checks Redis persistence (refuses to start without AOF unless
/// <see cref="SwitchboardRedisOptions.AllowNonDurable"/>), subscribes to the cluster channels, writes the first
/// heartbeat. Then, every <see cref="SwitchboardRedisOptions.HeartbeatInterval"/>: refreshes this node's heartbeat
/// (ZSET <c>{n}:nodes</c>, score = expiry) and sweeps every node whose heartbeat expired: its online entries and room
/// memberships are removed and published as gone (ONLINE online:false, ROOM_LEAVE disconnected). Sweeps are idempotent
/// scripts, so several surviving nodes may sweep the same dead node without double notifications.
/// </summary>
internal sealed partial class ClusterNodeService(
    IConnectionMultiplexer redis,
    RedisNode node,
    IOptions<SwitchboardRedisOptions> options,
    RedisMessageRouter router,
    RedisPresenceService presence,
    RedisRoomService rooms,
    TimeProvider time,
    ILogger<ClusterNodeService> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new(); // not disposed: it owns no timer and lives as long as the host
    private Task _loop = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var persistence = await RedisPersistence.ReadAsync(redis).ConfigureAwait(false);
        LogPersistence(logger, node.Id, persistence.AppendOnly ?? "unknown", persistence.AppendFsync ?? "unknown", persistence.Guarantee);
        if (!persistence.IsDurable)
        {
            if (!settings.AllowNonDurable)
            {
                throw new InvalidOperationException(
                    $"Redis has no append-only file (appendonly={persistence.AppendOnly ?? "unknown"}): acknowledged messages would be lost " +
                    "when Redis restarts. Turn on AOF (appendonly yes, appendfsync always or everysec), or accept the risk with " +
                    "Switchboard:Cluster:AllowNonDurable=true.");
            }

            LogNonDurableAccepted(logger);
        }

        await router.StartAsync().ConfigureAwait(false);
        await presence.StartAsync().ConfigureAwait(false);
        await BeatAsync().ConfigureAwait(false);
        _loop = RunAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await BeatAsync().ConfigureAwait(false);
                    await SweepDeadNodesAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    LogHeartbeatFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task BeatAsync() => redis.GetDatabase().SortedSetAddAsync(node.Keys.Nodes, node.Id, (time.GetUtcNow() + options.Value.NodeTtl).ToUnixTimeMilliseconds());

    /// <summary>Sweeps every node whose heartbeat expired; returns how many.</summary>
    internal async Task<int> SweepDeadNodesAsync()
    {
        var db = redis.GetDatabase();
        var dead = await db.SortedSetRangeByScoreAsync(node.Keys.Nodes, double.NegativeInfinity, time.GetUtcNow().ToUnixTimeMilliseconds()).ConfigureAwait(false);
        foreach (var value in dead)
        {
            var deadNode = (string)value!;
            if (deadNode == node.Id)
            {
                continue; // our own beat was late (e.g. a long pause): the next beat renews it
            }

            var removed = await presence.SweepNodeAsync(deadNode).ConfigureAwait(false);
            await rooms.SweepNodeAsync(deadNode).ConfigureAwait(false);
            await db.SortedSetRemoveAsync(node.Keys.Nodes, deadNode).ConfigureAwait(false);
            LogSwept(logger, deadNode, removed);
        }

        return dead.Length;
    }

    [LoggerMessage(EventId = 7060, Level = LogLevel.Information, Message = "Cluster node {NodeId}: Redis appendonly={AppendOnly} appendfsync={AppendFsync}: {Guarantee}")]
    private static partial void LogPersistence(ILogger logger, string nodeId, string appendOnly, string appendFsync, string guarantee);

    [LoggerMessage(EventId = 7061, Level = LogLevel.Warning, Message = "Switchboard:Cluster:AllowNonDurable=true: running on a Redis without AOF; a Redis restart loses acknowledged messages (clients see new epochs).")]
    private static partial void LogNonDurableAccepted(ILogger logger);

    [LoggerMessage(EventId = 7062, Level = LogLevel.Warning, Message = "Cluster heartbeat failed.")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7063, Level = LogLevel.Warning, Message = "Node {DeadNode} missed its heartbeat: swept {Removed} online entries and its room memberships.")]
    private static partial void LogSwept(ILogger logger, string deadNode, int removed);
}

/// <summary>Redis persistence as read at startup (CONFIG GET appendonly / appendfsync on every primary).</summary>
internal sealed record RedisPersistence(string? AppendOnly, string? AppendFsync)
{
    /// <summary>AOF is on.</summary>
    public bool IsDurable => string.Equals(AppendOnly, "yes", StringComparison.OrdinalIgnoreCase);

    /// <summary>What cluster mode promises under this setting (README "Persistence").</summary>
    public string Guarantee => !IsDurable
        ? "no AOF: a Redis restart loses every stream (new epochs, clients resync)"
        : AppendFsync?.ToLowerInvariant() switch
        {
            "always" => "AOF fsync always: an acknowledged message survives a Redis crash",
            "everysec" => "AOF fsync everysec: a Redis crash may lose up to about one second of acknowledged messages",
            _ => "AOF without fsync (appendfsync no): a machine crash may lose the messages the OS had not flushed",
        };

    public static async Task<RedisPersistence> ReadAsync(IConnectionMultiplexer redis)
    {
        string? appendOnly = null;
        string? appendFsync = null;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            var only = (await server.ConfigGetAsync("appendonly").ConfigureAwait(false)).FirstOrDefault().Value;
            var fsync = (await server.ConfigGetAsync("appendfsync").ConfigureAwait(false)).FirstOrDefault().Value;
            // The weakest primary decides.
            if (appendOnly is null || !string.Equals(only, "yes", StringComparison.OrdinalIgnoreCase))
            {
                appendOnly = only;
            }

            if (appendFsync is null || !string.Equals(fsync, "always", StringComparison.OrdinalIgnoreCase))
            {
                appendFsync = fsync;
            }
        }

        return new RedisPersistence(appendOnly, appendFsync);
    }
}

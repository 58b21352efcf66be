using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Server;
using Switchboard.Server.Auth;
using Switchboard.Server.Options;
using Switchboard.Server.Messaging;
using Switchboard.Server.Redis;
using Switchboard.Server.Redis.Presence;
using Switchboard.Server.Redis.Rooms;
using Switchboard.Server.Redis.Routing;
using Switchboard.Server.Redis.Storage;
using Switchboard.Server.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Cluster mode: several Switchboard nodes on one Redis.</summary>
public static class RedisSwitchboardBuilderExtensions
{
    /// <summary>
    /// Makes this node a member of a cluster on Redis: options from section <c>Switchboard:Cluster</c> (then
    /// <paramref name="configure"/>), a singleton <see cref="IConnectionMultiplexer"/> and <see cref="RedisNode"/>, and
    /// the Redis implementations of the core's shared state (they replace the single-node defaults, so the call may
    /// come before or after <c>AddServiceDesk()</c>).
    /// </summary>
    public static ISwitchboardBuilder AddRedis(this ISwitchboardBuilder builder, Action<SwitchboardRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(RedisMarker)))
        {
            AddCore(services);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<RedisMarker>();
        services.AddOptions<SwitchboardRedisOptions>()
            .BindConfiguration(SwitchboardRedisOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardRedisOptions>, SwitchboardRedisOptionsValidator>());

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SwitchboardRedisOptions>>().Value;
            return new RedisNode(string.IsNullOrEmpty(options.NodeId) ? RedisNode.NewId() : options.NodeId, options.KeyPrefix);
        });
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SwitchboardRedisOptions>>().Value;
            var config = ConfigurationOptions.Parse(options.Redis!);
            config.AllowAdmin = true; // CONFIG GET appendonly/appendfsync at startup (RedisPersistence)
            config.AbortOnConnectFail = false; // keep retrying in the background; the node reports Redis loss itself
            config.ClientName ??= "switchboard-" + sp.GetRequiredService<RedisNode>().Id;
            var timeout = (int)options.OperationTimeout.TotalMilliseconds;
            config.SyncTimeout = timeout;
            config.AsyncTimeout = timeout;
            return ConnectionMultiplexer.Connect(config);
        });

        // The service desk's state (queue, conversations, transfers, deadlines) in Redis: one desk for the cluster.
        Switchboard.Server.Redis.Desk.RedisDeskRegistration.AddRedisDesk(services);

        // Nodes of one cluster accept each other's tokens: the configured key, else one agreed through Redis (SET NX).
        services.Replace(ServiceDescriptor.Singleton(sp => ClusterSigningKey.Resolve(
            sp.GetRequiredService<IOptions<SwitchboardOptions>>().Value,
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<RedisNode>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterSigningKey)))));

        // Shared state in Redis instead of this node's SQLite file and memory.
        services.TryAddSingleton<RedisAvailability>();
        services.Replace(ServiceDescriptor.Singleton<IMessageStore, RedisMessageStore>());
        services.TryAddSingleton<RedisStreamFanout>();
        services.Replace(ServiceDescriptor.Singleton<IDurableFanout>(sp => sp.GetRequiredService<RedisStreamFanout>()));
        services.TryAddSingleton<RedisMessageRouter>();
        services.Replace(ServiceDescriptor.Singleton<IMessageRouter>(sp => sp.GetRequiredService<RedisMessageRouter>()));
        services.TryAddSingleton<RedisPresenceService>();
        services.Replace(ServiceDescriptor.Singleton<IPresenceService>(sp => sp.GetRequiredService<RedisPresenceService>()));
        services.TryAddSingleton<RedisRoomService>();
        services.Replace(ServiceDescriptor.Singleton<IRoomService>(sp => sp.GetRequiredService<RedisRoomService>()));
        services.TryAddSingleton<ClusterNodeService>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterNodeService>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, ["ready"]);
    }

    /// <summary>Marks a collection to which <see cref="AddRedis"/> has already added its services.</summary>
    private sealed class RedisMarker;
}

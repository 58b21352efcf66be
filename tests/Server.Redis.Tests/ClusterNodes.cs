using Switchboard.Server.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Redis.Tests;

/// <summary>One redis-server (AOF, fsync always) per test class.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServerProcess Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}

/// <summary>In-process cluster nodes: real servers (Kestrel on loopback) with <c>AddRedis()</c> on one Redis.</summary>
internal static class ClusterNodes
{
    /// <summary>A node of the cluster <paramref name="prefix"/> (the key prefix isolates one test's cluster).</summary>
    public static Task<TestServerHost> StartAsync(RedisServerProcess redis, string prefix, Action<TestServerOptions>? configure = null)
        => TestServerHost.StartAsync(options =>
        {
            options.Settings["Switchboard:Cluster:Redis"] = redis.ConnectionString;
            options.Settings["Switchboard:Cluster:KeyPrefix"] = prefix;
            options.Settings["Switchboard:Cluster:HeartbeatInterval"] = "00:00:00.200";
            options.Settings["Switchboard:Cluster:NodeTtl"] = "00:00:01";
            options.ConfigureServices = services => services.AddSwitchboard().AddRedis();
            configure?.Invoke(options);
        });

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];
}

using Switchboard.Server.Testing.Redis;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Redis.Tests;

/// <summary>Startup persistence check and Redis loss (SB-CLUSTER-004/005).</summary>
public sealed class ClusterFailureTests
{
    [Fact]
    public async Task A_node_refuses_to_start_on_a_redis_without_aof_unless_the_risk_is_accepted()
    {
        await using var redis = await RedisServerProcess.StartAsync(o => o.AppendOnly = false);
        var prefix = ClusterNodes.NewPrefix();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ClusterNodes.StartAsync(redis, prefix));
        Assert.Contains("AllowNonDurable", refused.ToString(), StringComparison.Ordinal);

        await using var accepted = await ClusterNodes.StartAsync(redis, prefix, o => o.Settings["Switchboard:Cluster:AllowNonDurable"] = "true");
        await using var session = await accepted.ConnectAsync("frank");
        Assert.Equal("CONNECT", session.Connect.Event);
    }

    [Fact]
    public async Task A_node_that_loses_redis_closes_its_connections_with_4504_retryable()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var node = await ClusterNodes.StartAsync(redis, ClusterNodes.NewPrefix());
        await using var session = await node.ConnectAsync("gina");

        await redis.KillAsync();
        var (closeEvent, status) = await session.Client.WaitForCloseAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(4504, (int?)status);
        Assert.NotNull(closeEvent);
        Assert.Equal(4504, closeEvent.GetInt64("code"));
        Assert.True(closeEvent.GetBoolean("retryable"));
    }
}

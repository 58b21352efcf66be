using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Switchboard.Server.Redis;

/// <summary>Readiness: the node has Redis (a PING answers). A node without it serves nothing (4504).</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis, RedisAvailability availability) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (availability.IsLost)
        {
            return HealthCheckResult.Unhealthy("Redis connection lost.");
        }

        try
        {
            var latency = await redis.GetDatabase().PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis ping {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", ex);
        }
    }
}

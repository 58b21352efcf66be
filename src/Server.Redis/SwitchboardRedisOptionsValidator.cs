using Microsoft.Extensions.Options;

namespace Switchboard.Server.Redis;

/// <summary>Rejects cluster options that cannot work (checked at start).</summary>
internal sealed class SwitchboardRedisOptionsValidator : IValidateOptions<SwitchboardRedisOptions>
{
    public ValidateOptionsResult Validate(string? name, SwitchboardRedisOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("Switchboard:Cluster:Redis (the Redis connection string) is required in cluster mode.");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix) || options.KeyPrefix.AsSpan().IndexOfAny("{}") >= 0)
        {
            failures.Add("Switchboard:Cluster:KeyPrefix must be non-empty and must not contain '{' or '}'.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.NodeTtl < 2 * options.HeartbeatInterval)
        {
            failures.Add("Switchboard:Cluster:NodeTtl must be at least twice HeartbeatInterval (> 0).");
        }

        if (options.OperationTimeout <= TimeSpan.Zero)
        {
            failures.Add("Switchboard:Cluster:OperationTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

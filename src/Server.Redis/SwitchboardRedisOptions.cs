namespace Switchboard.Server.Redis;

/// <summary>
/// Cluster mode on Redis (configuration section <c>Switchboard:Cluster</c>). Every node of one cluster points at the
/// same Redis with the same <see cref="KeyPrefix"/>.
/// </summary>
public sealed class SwitchboardRedisOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Switchboard:Cluster";

    /// <summary>The StackExchange.Redis connection string (e.g. <c>127.0.0.1:6379</c>). Required.</summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every key and channel, so several clusters can share one Redis. Default <c>sb</c>.</summary>
    public string KeyPrefix { get; set; } = "sb";

    /// <summary>
    /// This node's id (unique in the cluster). Default: a new random id on every start, so a restarted node never
    /// inherits the presence entries of its previous life.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// Start even when Redis has no persistence (AOF off): an acknowledged message can then be lost when Redis restarts.
    /// Default false: the node refuses to start.
    /// </summary>
    public bool AllowNonDurable { get; set; }

    /// <summary>How often a node refreshes its heartbeat key and sweeps the heartbeats of its peers.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lifetime of a node's heartbeat: a node that did not refresh it for this long is dead, and a surviving node takes
    /// its users offline (ONLINE online:false). Must be more than twice <see cref="HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan NodeTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one Redis operation; a node whose Redis does not answer within it treats Redis as lost.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

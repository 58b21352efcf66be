using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Server.Auth;
using Switchboard.Server.Options;

namespace Switchboard.Server.Redis;

/// <summary>
/// The token signing key of a cluster. Every node must verify the tokens any node (or the operator's token service)
/// signed, so the key is either configured (<c>Switchboard:Auth:SigningKey</c>, the same on every node — recommended
/// for production: tokens are usually issued by the operator's own backend) or, when none is configured, agreed through
/// Redis: the first node stores a random key with <c>SET NX</c> and every node uses whatever the key holds. Anyone who
/// can read Redis can then sign tokens — but anyone who can read Redis can already read every message.
/// </summary>
internal static partial class ClusterSigningKey
{
    public static SigningKeyProvider Resolve(SwitchboardOptions options, IConnectionMultiplexer redis, RedisNode node, ILogger logger)
    {
        if (options.EffectiveSigningKey is { } configured)
        {
            return new SigningKeyProvider(configured, "configuration (Switchboard:Auth:SigningKey)");
        }

        var db = redis.GetDatabase();
        var key = node.Keys.SigningKey;
        var created = db.StringSet(key, SigningKeyProvider.NewKeyText(), when: When.NotExists);
        var text = (string?)db.StringGet(key)
            ?? throw new InvalidOperationException($"The cluster signing key {key} vanished from Redis right after SET NX.");
        LogAgreed(logger, key.ToString(), created);
        return new SigningKeyProvider(text, $"Redis key {key} ({(created ? "created by this node" : "agreed with the cluster")})");
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Cluster signing key from Redis key {Key} (created by this node: {Created}).")]
    private static partial void LogAgreed(ILogger logger, string key, bool created);
}

using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Core;

/// <summary>Values the server advertised in a probe CONNECT; timeouts of the cases derive from them.</summary>
public sealed class ServerInfo
{
    /// <summary>Capabilities declared in CONNECT <c>capabilities</c>.</summary>
    public required IReadOnlySet<string> Capabilities { get; init; }

    /// <summary><c>ping_interval_ms</c>.</summary>
    public long? PingIntervalMs { get; init; }

    /// <summary><c>idle_timeout_ms</c>.</summary>
    public long? IdleTimeoutMs { get; init; }

    /// <summary><c>max_message_bytes</c>.</summary>
    public long? MaxMessageBytes { get; init; }

    /// <summary><c>rate_limit_per_second</c>.</summary>
    public long? RateLimitPerSecond { get; init; }

    /// <summary><c>rate_limit_burst</c>.</summary>
    public long? RateLimitBurst { get; init; }

    /// <summary><c>server</c>.</summary>
    public string? Server { get; init; }

    /// <summary>The raw CONNECT response.</summary>
    public JsonObject? Raw { get; init; }

    /// <summary>Builds from a CONNECT response object.</summary>
    public static ServerInfo FromConnect(JsonObject? response)
    {
        var caps = new HashSet<string>(StringComparer.Ordinal);
        if (response?["capabilities"] is JsonArray arr)
        {
            foreach (var c in arr)
            {
                if (c is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    caps.Add(s);
                }
            }
        }

        return new ServerInfo
        {
            Capabilities = caps,
            PingIntervalMs = Jq.Int(response, "ping_interval_ms"),
            IdleTimeoutMs = Jq.Int(response, "idle_timeout_ms"),
            MaxMessageBytes = Jq.Int(response, "max_message_bytes"),
            RateLimitPerSecond = Jq.Int(response, "rate_limit_per_second"),
            RateLimitBurst = Jq.Int(response, "rate_limit_burst"),
            Server = Jq.Str(response, "server"),
            Raw = response?.DeepClone() as JsonObject,
        };
    }
}

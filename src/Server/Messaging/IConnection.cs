using Switchboard.Protocol;

namespace Switchboard.Server.Messaging;

/// <summary>
/// One open, authenticated WebSocket connection. Thread-safe: any component may send to any connection.
/// </summary>
public interface IConnection
{
    /// <summary>The server-assigned connection id (the <c>client_id</c> of CONNECT).</summary>
    string ClientId { get; }

    /// <summary>The authenticated user.</summary>
    UserIdentity User { get; }

    /// <summary>The namespace (<c>web</c> or <c>app</c>) this connection belongs to.</summary>
    string Namespace { get; }

    /// <summary>When the connection was accepted (from the server's <see cref="TimeProvider"/>).</summary>
    DateTimeOffset ConnectedAt { get; }

    /// <summary>Signalled when the connection closes (for any reason).</summary>
    CancellationToken Closed { get; }

    /// <summary>
    /// Per-connection state bag for features (e.g. the service desk). Keys should be feature-specific strings.
    /// </summary>
    IDictionary<string, object?> Items { get; }

    /// <summary>
    /// Queues one complete, pre-serialized UTF-8 envelope (a single text frame) for sending. The memory must not be
    /// mutated afterwards (the same bytes are typically shared by every member of a broadcast).
    /// Never blocks. Returns <see langword="false"/> when the connection is closed or its send queue overflowed
    /// (the connection is then closed with 4499 SLOW_CONSUMER).
    /// </summary>
    bool TrySend(ReadOnlyMemory<byte> frame);

    /// <summary>Serializes <paramref name="ev"/> (with the optional <paramref name="cid"/>) and queues it.</summary>
    ValueTask SendAsync(IServerEvent ev, string? cid = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a <c>CLOSE</c> event (code, reason, retryable) and then closes the WebSocket with the same close code.
    /// Idempotent: only the first call has an effect.
    /// </summary>
    ValueTask CloseAsync(CloseCode code, string reason, CancellationToken cancellationToken = default);
}

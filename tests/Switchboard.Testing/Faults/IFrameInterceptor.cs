using Switchboard.Server.Messaging;

namespace Switchboard.Server.Testing;

/// <summary>
/// Test-only hook on the frames of every Switchboard connection of a <see cref="TestServerHost"/>: register one with
/// <c>o.ConfigureServices = s =&gt; s.AddSingleton&lt;IFrameInterceptor&gt;(...)</c> and the host wraps each accepted
/// WebSocket in an <see cref="InterceptingWebSocket"/>. The shipped server has no such seam: the interception lives
/// entirely in this test project, between the server and its socket.
/// </summary>
public interface IFrameInterceptor
{
    /// <summary>
    /// Called with each complete message the client sent, before the server's receive loop gets its last fragment
    /// (so before the server acts on it). Observes only.
    /// </summary>
    ValueTask OnReceivedAsync(IConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>
    /// Called before a text frame the server writes reaches the socket. Return <see langword="false"/> to drop it; the
    /// interceptor may queue other frames with <see cref="IConnection.TrySend"/> (they pass through here again).
    /// </summary>
    ValueTask<bool> OnSendAsync(IConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);
}

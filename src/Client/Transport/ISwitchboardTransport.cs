namespace Switchboard.Client.Transport;

/// <summary>
/// Opens connections for a <see cref="SwitchboardClient"/>. The default is <see cref="WebSocketTransportFactory"/>
/// (<see cref="System.Net.WebSockets.ClientWebSocket"/>); tests use an in-memory factory.
/// </summary>
/// <remarks>
/// Internal on purpose (visible to the client's tests): Switchboard v1 is defined as WebSocket text frames with the
/// WebSocket close code as the close reason, so the only production transport is a WebSocket, and the keepalive rules
/// (application PING vs protocol-level ping/pong, issue 9) may still change what a transport has to expose. A public
/// interface would freeze that shape before a second real transport exists.
/// </remarks>
internal interface ISwitchboardTransportFactory
{
    /// <summary>
    /// Opens a connection to <paramref name="uri"/> (already carrying namespace path and query). <paramref name="bearerToken"/>
    /// is sent as <c>Authorization: Bearer</c> when not <see langword="null"/>. Fails with the transport's exception.
    /// </summary>
    Task<ISwitchboardTransport> ConnectAsync(Uri uri, string? bearerToken, CancellationToken cancellationToken);
}

/// <summary>
/// One open connection that moves whole UTF-8 text frames. The client owns the codec, the send lock and the limits;
/// the transport owns framing and the close handshake.
/// </summary>
internal interface ISwitchboardTransport : IAsyncDisposable
{
    /// <summary>The peer's close code once it closed (<see langword="null"/> while open or after a failure without a close frame).</summary>
    int? CloseStatus { get; }

    /// <summary>The peer's close reason, if any.</summary>
    string? CloseStatusDescription { get; }

    /// <summary>
    /// The next whole text frame, valid until the next call; <see langword="null"/> when the peer closed the connection
    /// (see <see cref="CloseStatus"/>). Throws on a transport failure, a binary frame or a frame over the size limit.
    /// Called from one loop only.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Sends one whole text frame. Never called concurrently (the client serialises sends).</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>Starts a graceful close (1000); gives up quietly when <paramref name="cancellationToken"/> fires.</summary>
    Task CloseAsync(CancellationToken cancellationToken);

    /// <summary>Kills the connection at once (dead-connection detection, disposal).</summary>
    void Abort();
}

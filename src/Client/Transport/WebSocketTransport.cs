using System.Buffers;
using System.Net.WebSockets;

namespace Switchboard.Client.Transport;

/// <summary>The default transport factory: one <see cref="ClientWebSocket"/> per connection, configured from the client options.</summary>
internal sealed class WebSocketTransportFactory(SwitchboardClientOptions options) : ISwitchboardTransportFactory
{
    /// <summary>The v1 subprotocol.</summary>
    public const string SubProtocol = Switchboard.Protocol.WireProtocol.Subprotocol;

    public async Task<ISwitchboardTransport> ConnectAsync(Uri uri, string? bearerToken, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            if (options.OfferSubProtocol)
            {
                socket.Options.AddSubProtocol(SubProtocol);
            }

            if (bearerToken is not null)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + bearerToken);
            }

            // No client-initiated keepalive frames: the server pings at WebSocket level and this stack answers with pongs by
            // itself (SB-KA-003); the client also answers PING events with PONG (optional, SB-KA-002).
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            options.ConfigureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return new WebSocketTransport(socket, options.MaxReceiveMessageBytes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>One <see cref="ClientWebSocket"/> connection: whole text frames in and out, the close handshake.</summary>
internal sealed class WebSocketTransport : ISwitchboardTransport
{
    private const int InitialReceiveBuffer = 4096;
    private const int RetainedReceiveBuffer = 64 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly int _maxReceiveBytes;
    private ArrayBufferWriter<byte> _receiveBuffer = new(InitialReceiveBuffer);
    private int _disposed;

    public WebSocketTransport(ClientWebSocket socket, int maxReceiveBytes)
    {
        _socket = socket;
        _maxReceiveBytes = maxReceiveBytes;
    }

    public int? CloseStatus => _socket.CloseStatus is { } status ? (int)status : null;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_receiveBuffer.Capacity > RetainedReceiveBuffer)
        {
            // The previous frame was large; do not keep its buffer for the life of the connection.
            _receiveBuffer = new ArrayBufferWriter<byte>(InitialReceiveBuffer);
        }

        var buffer = _receiveBuffer;
        buffer.ResetWrittenCount();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.GetMemory(InitialReceiveBuffer), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    try
                    {
                        // Complete the close handshake; never wait long for it.
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // The peer is gone; the close status has been recorded already.
                    }
                }

                return null;
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                throw new WebSocketException(WebSocketError.InvalidMessageType, "The server sent a binary frame; Switchboard v1 uses text frames only.");
            }

            buffer.Advance(result.Count);
            if (buffer.WrittenCount > _maxReceiveBytes)
            {
                throw new WebSocketException(WebSocketError.Faulted, $"A server frame exceeded MaxReceiveMessageBytes ({_maxReceiveBytes}).");
            }

            if (result.EndOfMessage)
            {
                return buffer.WrittenMemory;
            }
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        // ClientWebSocket aborts the socket when a send is cancelled, so the send itself is not cancellable.
        _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            Abort();
        }
    }

    public void Abort()
    {
        try
        {
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}

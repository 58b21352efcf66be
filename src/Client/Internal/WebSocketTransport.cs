using System.Buffers;
using System.Net.WebSockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Internal;

/// <summary>
/// One WebSocket connection: frames in (parsed with <see cref="EnvelopeReader"/>), commands out (written with
/// <see cref="EnvelopeWriter"/>). Sends are serialised; receives happen on a single loop.
/// </summary>
internal sealed class WebSocketTransport : IAsyncDisposable
{
    /// <summary>The v1 subprotocol.</summary>
    public const string SubProtocol = "switchboard.v1.json";

    private const int InitialReceiveBuffer = 4096;
    private const int RetainedReceiveBuffer = 64 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly int _maxReceiveBytes;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(1024);
    private ArrayBufferWriter<byte> _receiveBuffer = new(InitialReceiveBuffer);
    private int _disposed;

    private WebSocketTransport(ClientWebSocket socket, int maxReceiveBytes)
    {
        _socket = socket;
        _maxReceiveBytes = maxReceiveBytes;
    }

    /// <summary>Largest frame the server accepts (from CONNECT); 0 = unknown.</summary>
    public long MaxSendBytes { get; set; }

    /// <summary>Paces sends to the server's advertised rate limit; <see langword="null"/> = unlimited.</summary>
    public SendRateLimiter? RateLimiter { get; set; }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    public static async Task<WebSocketTransport> ConnectAsync(
        Uri uri, string? bearerToken, SwitchboardClientOptions options, CancellationToken cancellationToken)
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

    /// <summary>
    /// Receives the next frame. <see cref="ReceivedFrame.Closed"/> when the server closed the connection (see
    /// <see cref="CloseStatus"/>). A frame that cannot be read carries <see cref="ReceivedFrame.Error"/> and whatever of the
    /// envelope could be read (forward compatibility: a newer server may send events this client does not know).
    /// </summary>
    public async ValueTask<ReceivedFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
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

                return new ReceivedFrame(true, default, null);
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
                break;
            }
        }

        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        var ok = EnvelopeReader.TryReadEvent(in sequence, out var envelope, out var error);
        if (buffer.Capacity > RetainedReceiveBuffer)
        {
            _receiveBuffer = new ArrayBufferWriter<byte>(InitialReceiveBuffer);
        }

        return ok ? new ReceivedFrame(false, envelope, null) : new ReceivedFrame(false, envelope, error);
    }

    /// <summary>Writes and sends one command envelope. Cancellation only applies while waiting for the send lock.</summary>
    public async ValueTask SendAsync(IClientCommand command, string? cid, CancellationToken cancellationToken)
    {
        if (RateLimiter is { } limiter)
        {
            await limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            EnvelopeWriter.WriteCommand(_sendBuffer, command, cid);
            if (MaxSendBytes > 0 && _sendBuffer.WrittenCount > MaxSendBytes)
            {
                throw new SwitchboardException(
                    ErrorCode.MessageTooLarge,
                    $"The {command.CommandName} envelope is {_sendBuffer.WrittenCount} bytes; the server accepts at most {MaxSendBytes} (max_message_bytes).");
            }

            // ClientWebSocket aborts the socket when a send is cancelled, so the send itself is not cancellable.
            await _socket.SendAsync(_sendBuffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Starts a graceful close (1000) and waits briefly for the server's close frame.</summary>
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

    /// <summary>Kills the connection at once (dead-connection detection, disposal).</summary>
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

/// <summary>One received frame: closed, an envelope, or a read error (with the parts of the envelope that could be read).</summary>
internal readonly record struct ReceivedFrame(bool Closed, ServerEnvelope Envelope, ProtocolError? Error);

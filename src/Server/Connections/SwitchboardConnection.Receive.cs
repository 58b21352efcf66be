using System.Net.WebSockets;
using Switchboard.Protocol;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Connections;

/// <summary>
/// The receive side: reads whole text messages (at most <c>max_message_bytes</c>, SB-CODEC-011), rejects binary
/// frames, and hands each message to the gateway. Between messages it waits with a zero-byte read, so an idle
/// connection holds no receive buffer: the buffer is rented when a message starts and returned when it was handled.
/// </summary>
internal sealed partial class SwitchboardConnection
{
    /// <summary>
    /// Reads whole messages and hands each to <paramref name="onMessage"/> (awaited: one message at a time).
    /// Returns when the client closed, the server closed, or the transport failed.
    /// </summary>
    public async Task RunReceiveLoopAsync(Func<SwitchboardConnection, ReadOnlyMemory<byte>, ValueTask> onMessage)
    {
        var max = _services.Options.Limits.MaxMessageBytes;
        using var buffer = new PooledBufferWriter(4096);
        var ct = _abortCts.Token;
        try
        {
            while (true)
            {
                // Zero-byte read: ManagedWebSocket waits for the next frame header without a payload buffer. No
                // cancellation token either (a registration per idle connection): Abort() aborts the socket, which
                // ends this read.
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await OnClientCloseAsync().ConfigureAwait(false);
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary && !IsClosing)
                {
                    SendError(ErrorCode.BinaryNotSupported, "Binary frames are not supported; send UTF-8 JSON text frames.");
                    StartClose(Protocol.CloseCode.ProtocolError, CloseReasons.Binary, discardQueued: false);
                    await DrainAfterCloseAsync().ConfigureAwait(false);
                    return;
                }

                buffer.Reset();
                while (!result.EndOfMessage)
                {
                    // Ask for no more than the limit allows (+1 byte to detect the excess): the WebSocket fills the buffer it
                    // is given before returning, so a larger buffer would wait for bytes beyond the limit (SB-CODEC-011).
                    var want = Math.Min(max + 1 - buffer.WrittenCount, 16 * 1024);
                    result = await _socket.ReceiveAsync(buffer.GetMemory(want)[..want], ct).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await OnClientCloseAsync().ConfigureAwait(false);
                        return;
                    }

                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > max)
                    {
                        // SB-CODEC-011: answer at the first byte over the limit and read nothing more of the message; the
                        // client's close frame cannot arrive before the oversized frame ends, so do not wait for it.
                        SendError(ErrorCode.MessageTooLarge, $"The message exceeds max_message_bytes ({max}).");
                        StartClose(Protocol.CloseCode.MessageTooBig, CloseReasons.MessageTooBig, discardQueued: false);
                        await CloseWithoutHandshakeAsync().ConfigureAwait(false);
                        return;
                    }
                }

                if (IsClosing)
                {
                    buffer.Release();
                    continue; // ignore input after we started closing; wait for the client's close frame
                }

                _services.Metrics.MessageReceived(buffer.WrittenCount);
                await onMessage(this, buffer.WrittenMemory).ConfigureAwait(false);
                buffer.Release();
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            Log.TransportError(_services.Logger, ClientId, ex);
        }
    }

    private void SendError(ErrorCode code, string message)
    {
        _services.Metrics.Error((int)code);
        SendForced(EventFrames.Serialize(new ErrorEvent { Code = (int)code, Error = ErrorCodes.GetName(code), Message = message }));
    }
}

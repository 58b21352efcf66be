using System.Buffers;
using Switchboard.Client.Transport;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Internal;

/// <summary>
/// One established connection: its transport and <c>CONNECT</c> greeting, the serialised send path (codec, the server's
/// size and rate limits), its lifetime, liveness and token refresh, and how it ended.
/// </summary>
internal sealed class ActiveConnection : IAsyncDisposable
{
    private readonly ISwitchboardTransport _transport;
    private readonly SendRateLimiter? _rateLimiter;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(1024);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActiveConnection(
        ISwitchboardTransport transport,
        ConnectEvent connect,
        SendRateLimiter? rateLimiter,
        KeepAliveMonitor keepAlive,
        TokenRefresher tokenRefresher,
        CancellationToken session)
    {
        _transport = transport;
        _rateLimiter = rateLimiter;
        Connect = connect;
        KeepAlive = keepAlive;
        TokenRefresher = tokenRefresher;
        Lifetime = CancellationTokenSource.CreateLinkedTokenSource(session);
    }

    public ConnectEvent Connect { get; }

    public KeepAliveMonitor KeepAlive { get; }

    public TokenRefresher TokenRefresher { get; }

    /// <summary>Cancelled when the connection is torn down.</summary>
    public CancellationTokenSource Lifetime { get; }

    /// <summary>The server's <c>CLOSE</c> event, when it sent one.</summary>
    public SwitchboardCloseInfo? ServerClose { get; set; }

    /// <summary>Set when the keepalive declared the connection dead.</summary>
    public TimeSpan? DeadAfter { get; set; }

    /// <summary>The periodic keepalive/acknowledgement/refresh loop of this connection.</summary>
    public Task? Maintenance { get; set; }

    /// <summary>Completes when the connection has been torn down.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Parses one received frame (<see langword="null"/> = the peer closed).</summary>
    public static ReceivedFrame Parse(ReadOnlyMemory<byte>? frame)
    {
        if (frame is not { } bytes)
        {
            return new ReceivedFrame(true, default, null);
        }

        var ok = EnvelopeReader.TryReadEvent(bytes.Span, out var envelope, out var error);
        return ok ? new ReceivedFrame(false, envelope, null) : new ReceivedFrame(false, envelope, error);
    }

    /// <summary>How a transport that closed or failed ended (1006 without a close frame).</summary>
    public static SwitchboardCloseInfo CloseInfoOf(ISwitchboardTransport transport)
    {
        if (transport.CloseStatus is not { } status)
        {
            return new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, "the connection closed without a close frame", true);
        }

        var code = (CloseCode)status;
        return new SwitchboardCloseInfo(code, transport.CloseStatusDescription, SwitchboardClient.IsRetryableCloseCode(code));
    }

    /// <summary>Receives and parses the next frame; any frame counts as a sign of life.</summary>
    public async ValueTask<ReceivedFrame> ReceiveAsync()
    {
        var frame = Parse(await _transport.ReceiveAsync(Lifetime.Token).ConfigureAwait(false));
        if (!frame.Closed)
        {
            KeepAlive.FrameReceived();
        }

        return frame;
    }

    /// <summary>How the transport ended.</summary>
    public SwitchboardCloseInfo TransportClose() => CloseInfoOf(_transport);

    /// <summary>
    /// Writes and sends one command envelope, paced to the server's rate limit and checked against its size limit.
    /// Cancellation only applies while waiting for the rate limit or the send lock.
    /// </summary>
    public async ValueTask SendAsync(IClientCommand command, string? cid, CancellationToken cancellationToken)
    {
        if (_rateLimiter is { } limiter)
        {
            await limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            EnvelopeWriter.WriteCommand(_sendBuffer, command, cid);
            var max = Connect.MaxMessageBytes;
            if (max > 0 && _sendBuffer.WrittenCount > max)
            {
                throw new SwitchboardException(
                    ErrorCode.MessageTooLarge,
                    $"The {command.CommandName} envelope is {_sendBuffer.WrittenCount} bytes; the server accepts at most {max} (max_message_bytes).");
            }

            await _transport.SendAsync(_sendBuffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task CloseAsync(CancellationToken cancellationToken) => _transport.CloseAsync(cancellationToken);

    public void Abort() => _transport.Abort();

    public void MarkClosed() => _closed.TrySetResult();

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}

/// <summary>One received frame: closed, an envelope, or a read error (with the parts of the envelope that could be read).</summary>
internal readonly record struct ReceivedFrame(bool Closed, ServerEnvelope Envelope, ProtocolError? Error);

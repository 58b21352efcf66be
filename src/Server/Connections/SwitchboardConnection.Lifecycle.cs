using System.Buffers;
using System.Net.WebSockets;
using Switchboard.Protocol;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Connections;

/// <summary>
/// The lifecycle: PING events and token expiry (deadlines on the shared <see cref="ConnectionDeadlines"/>), the close
/// handshake in both directions (SB-CLOSE-*), abort and disposal.
/// </summary>
internal sealed partial class SwitchboardConnection
{
    /// <summary>
    /// Starts the PING events (SB-KA-001): every <c>ping_interval_ms</c> from now. Dead-peer detection is WebSocket
    /// ping/pong, run by the framework (SB-KA-003): no application-level idle timer, so a client that sends no data
    /// frames is not closed.
    /// </summary>
    public void StartKeepAlive()
    {
        var ping = TimeSpan.FromMilliseconds(_services.Options.KeepAlive.PingIntervalMs);
        var deadline = _services.Deadlines.Schedule(this, DeadlineKind.Ping, ping, ping);
        _services.Deadlines.Cancel(Interlocked.Exchange(ref _pingDeadline, deadline));
        if (IsClosing)
        {
            CancelDeadlines();
        }
    }

    /// <summary>(Re)arms the token expiry: CLOSE 4419 at <paramref name="expiresAt"/> (SB-AUTH-015).</summary>
    public void SetTokenExpiry(DateTimeOffset expiresAt)
    {
        TokenExpiresAt = expiresAt;
        var deadline = _services.Deadlines.Schedule(this, DeadlineKind.TokenExpiry, expiresAt - _services.Time.GetUtcNow(), TimeSpan.Zero);
        _services.Deadlines.Cancel(Interlocked.Exchange(ref _expiryDeadline, deadline));
        if (IsClosing)
        {
            CancelDeadlines();
        }
    }

    /// <summary>Called by <see cref="ConnectionDeadlines"/> when one of this connection's deadlines is due.</summary>
    internal void OnDeadline(DeadlineKind kind)
    {
        switch (kind)
        {
            case DeadlineKind.Ping when !IsClosing:
                TrySend(EventFrames.Serialize(new PingEvent { At = _services.Time.GetUtcNow() }));
                break;
            case DeadlineKind.TokenExpiry:
                StartClose(Protocol.CloseCode.TokenExpired, CloseReasons.TokenExpired, discardQueued: false);
                break;
        }
    }

    private void CancelDeadlines()
    {
        _services.Deadlines.Cancel(Interlocked.Exchange(ref _pingDeadline, null));
        _services.Deadlines.Cancel(Interlocked.Exchange(ref _expiryDeadline, null));
    }

    /// <summary>
    /// Starts the server-initiated close: queues the CLOSE event after everything already queued (or instead of it
    /// for a slow consumer), completes the queue; the writer then sends the WebSocket close frame.
    /// </summary>
    public void StartClose(CloseCode code, string reason, bool discardQueued)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            return;
        }

        CloseCode = code;
        _discardQueued = discardQueued;
        _closeReason = reason;
        Log.Closing(_services.Logger, ClientId, (int)code, reason);
        _services.Metrics.Error((int)code);
        // SB-LIM-004: if the close frame cannot even be written in time (the writer is stuck on a client that stopped
        // reading), abort the transport. The wait for the client's close frame is bounded separately (SB-CLOSE-006).
        // Armed before the queue completes, so that the writer (which disarms it after the close frame) always sees it.
        _closeDeadline = _services.Time.CreateTimer(static s => ((SwitchboardConnection)s!).Abort(), this, _closeHandshakeTimeout, Timeout.InfiniteTimeSpan);
        var frame = EventFrames.Serialize(new CloseEvent { Code = (int)code, Reason = reason, Retryable = CloseCodes.IsRetryable(code) });
        Interlocked.Increment(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, frame.Length);
        if (!Enqueue(new OutFrame(frame, Control: true), complete: true))
        {
            CompleteQueue();
        }

        CancelDeadlines();
        CancelClosed();
    }

    /// <summary>
    /// After an oversized frame: waits (bounded) until the writer has sent ERROR, CLOSE and the close frame, then
    /// returns without reading further (SB-CODEC-011); the caller's return closes the TCP connection. Not an abort:
    /// an abort could discard the answer still in the transport's output buffer.
    /// </summary>
    private async Task CloseWithoutHandshakeAsync()
    {
        StartWriter();
        try
        {
            await WriterExitedAsync().WaitAsync(_closeHandshakeTimeout, _services.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }
    }

    /// <summary>Waits (bounded) for the client's close frame after the server started closing (SB-CLOSE-006).</summary>
    public async Task DrainAfterCloseAsync()
    {
        using var timeout = new CancellationTokenSource(_closeHandshakeTimeout + _closeHandshakeTimeout, _services.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _abortCts.Token);
        var scratch = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), linked.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private Task OnClientCloseAsync()
    {
        // The client closed: answer with a close frame (echo its status) after what is queued, unless we already closed.
        if (Interlocked.CompareExchange(ref _closing, 1, 0) == 0)
        {
            var status = _socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
            _closeReason = string.Empty;
            CloseCode = null;
            CompleteQueue();
            CancelDeadlines();
            CancelClosed();
            return EchoCloseAsync(status);
        }

        return Task.CompletedTask;
    }

    private async Task EchoCloseAsync(WebSocketCloseStatus status)
    {
        try
        {
            if (WriterStarted)
            {
                await WriterExitedAsync().WaitAsync(_closeHandshakeTimeout, _services.Time).ConfigureAwait(false);
            }

            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_closeHandshakeTimeout, _services.Time);
                await _socket.CloseOutputAsync(status, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTransportError(ex) || ex is TimeoutException)
        {
            Abort();
        }
    }

    private async Task AbortIfNotClosedAsync()
    {
        try
        {
            await Task.Delay(_closeHandshakeTimeout, _services.Time, _abortCts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        if (_socket.State != WebSocketState.Closed)
        {
            Abort();
        }
    }

    private void CancelClosed()
    {
        try
        {
            _closedCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Aborts the transport immediately.</summary>
    public void Abort()
    {
        try
        {
            _abortCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Abort();
    }

    /// <summary>Waits for the writer to finish (bounded), then releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _closing, 1);
        CompleteQueue();
        CancelDeadlines();
        CancelClosed();
        if (WriterStarted)
        {
            try
            {
                await WriterExitedAsync().WaitAsync(_closeHandshakeTimeout, _services.Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Abort();
            }
        }

        Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
        _socket.Dispose();
        _closedCts.Dispose();
        _abortCts.Dispose();
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;

namespace Switchboard.Server.Connections;

/// <summary>
/// One WebSocket connection: a bounded send queue drained by a single writer task, the receive loop, the PING and
/// token-expiry timers (on <see cref="TimeProvider"/>), the close handshake, and the rate limiter. WebSocket-level
/// ping/pong (SB-KA-003) is the framework's (<c>WebSocketAcceptContext.KeepAliveInterval/KeepAliveTimeout</c>).
/// </summary>
internal sealed class SwitchboardConnection : IConnection, IAsyncDisposable
{
    private readonly TimeSpan _closeHandshakeTimeout; // SB-CLOSE-006
    private readonly WebSocket _socket;
    private readonly ConnectionServices _services;
    private readonly Channel<OutFrame> _queue = Channel.CreateUnbounded<OutFrame>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _closedCts = new();
    private readonly CancellationTokenSource _abortCts = new();
    private readonly TokenBucket _bucket;
    private long _queuedFrames;
    private long _queuedBytes;
    private int _closing;
    private volatile bool _discardQueued;
    private ITimer? _pingTimer;
    private ITimer? _expiryTimer;
    private Task? _writerTask;

    public SwitchboardConnection(WebSocket socket, ConnectionServices services, string clientId, UserIdentity user, string ns)
    {
        _socket = socket;
        _services = services;
        _closeHandshakeTimeout = TimeSpan.FromMilliseconds(services.Options.KeepAlive.CloseHandshakeTimeoutMs);
        ClientId = clientId;
        User = user;
        Namespace = ns;
        ConnectedAt = services.Time.GetUtcNow();
        var limits = services.Options.Limits;
        _bucket = new TokenBucket(services.Time, limits.RateLimitPerSecond, limits.RateLimitBurst, (long)limits.RateLimitBurst * limits.RateLimitAbuseFactor, limits.RateLimitAbuseWindow);
    }

    public string ClientId { get; }

    public UserIdentity User { get; }

    public string Namespace { get; }

    public DateTimeOffset ConnectedAt { get; }

    public CancellationToken Closed => _closedCts.Token;

    public IDictionary<string, object?> Items
    {
        get
        {
            var items = Volatile.Read(ref _items);
            if (items is null)
            {
                Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<string, object?>(StringComparer.Ordinal), null);
                items = _items!;
            }

            return items;
        }
    }

    private ConcurrentDictionary<string, object?>? _items;

    /// <summary>The close code the server closed with (null if the client closed first).</summary>
    public CloseCode? CloseCode { get; private set; }

    /// <summary>Frames currently queued.</summary>
    public long QueuedFrames => Interlocked.Read(ref _queuedFrames);

    /// <summary>Bytes currently queued.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        // Cheap check first: the hold is only active while a command that asked for it is being handled.
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_holdLock)
            {
                if (_held is not null)
                {
                    _held.Add(frame);
                    return true;
                }
            }
        }

        return TrySendNow(frame);
    }

    /// <summary>
    /// Defers the frames queued through <see cref="TrySend"/> until <see cref="ReleaseHeld"/>, so that the reply to the
    /// command being handled reaches the client before the events that command caused on this same connection (e.g.
    /// the sender's own durable copy of a conversation message, SB-CS-016) — without reordering those events.
    /// </summary>
    internal void HoldDeliveries()
    {
        lock (_holdLock)
        {
            _held ??= [];
        }
    }

    /// <summary>Queues the held frames in order and ends the hold.</summary>
    internal void ReleaseHeld()
    {
        lock (_holdLock)
        {
            if (_held is not { } held)
            {
                return;
            }

            // Flush before clearing, under the lock: a concurrent TrySend waits and lands after the held frames.
            foreach (var frame in held)
            {
                TrySendNow(frame);
            }

            _held = null;
        }
    }

    private readonly Lock _holdLock = new();
    private List<ReadOnlyMemory<byte>>? _held;

    /// <summary>Queues a frame now, ignoring an active hold (the command's own reply).</summary>
    internal bool TrySendNow(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            return false;
        }

        var frames = Interlocked.Increment(ref _queuedFrames);
        var bytes = Interlocked.Add(ref _queuedBytes, frame.Length);
        var limits = _services.Options.Limits;
        if (frames > limits.SendQueueMaxFrames || bytes > limits.SendQueueMaxBytes)
        {
            Interlocked.Decrement(ref _queuedFrames);
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            Log.SlowConsumer(_services.Logger, ClientId, frames, bytes);
            StartClose(Protocol.CloseCode.SlowConsumer, CloseReasons.SlowConsumer, discardQueued: true);
            return false;
        }

        return Enqueue(new OutFrame(frame, Control: false), counted: true);
    }

    /// <summary>Queues a frame ignoring the queue bounds (CONNECT, resume replay, CLOSE).</summary>
    public bool SendForced(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, frame.Length);
        return Enqueue(new OutFrame(frame, Control: false), counted: true);
    }

    /// <summary>
    /// Completes when the send queue holds at most <paramref name="maxBytes"/> bytes and <paramref name="maxFrames"/>
    /// frames (the writer drained it), so that a paged replay can queue its next page within the queue bound. Starts the
    /// writer if needed. Throws <see cref="OperationCanceledException"/> if the writer stopped (transport failed or the
    /// connection closed) or <paramref name="cancellationToken"/> fires. Only one waiter at a time (the replay).
    /// </summary>
    internal Task WaitForQueueRoomAsync(long maxBytes, long maxFrames, CancellationToken cancellationToken)
    {
        StartWriter();
        if (QueueWithin(maxBytes, maxFrames))
        {
            return Task.CompletedTask;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _roomBytes, maxBytes);
        Volatile.Write(ref _roomFrames, maxFrames);
        Volatile.Write(ref _roomWaiter, waiter);

        // Re-check after publishing the waiter: the writer may have drained (or stopped) in between.
        if (Volatile.Read(ref _writerExited))
        {
            waiter.TrySetCanceled(CancellationToken.None);
        }
        else if (QueueWithin(maxBytes, maxFrames))
        {
            waiter.TrySetResult();
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private bool QueueWithin(long maxBytes, long maxFrames)
        => Interlocked.Read(ref _queuedBytes) <= maxBytes && Interlocked.Read(ref _queuedFrames) <= maxFrames;

    private void SignalQueueRoom()
    {
        if (Volatile.Read(ref _roomWaiter) is { } waiter && QueueWithin(Volatile.Read(ref _roomBytes), Volatile.Read(ref _roomFrames)))
        {
            Interlocked.CompareExchange(ref _roomWaiter, null, waiter);
            waiter.TrySetResult();
        }
    }

    private TaskCompletionSource? _roomWaiter;
    private long _roomBytes;
    private long _roomFrames;
    private bool _writerExited;

    public ValueTask SendAsync(IServerEvent ev, string? cid = null, CancellationToken cancellationToken = default)
    {
        TrySend(EventFrames.Serialize(ev, cid));
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(CloseCode code, string reason, CancellationToken cancellationToken = default)
    {
        StartClose(code, reason, discardQueued: false);
        return ValueTask.CompletedTask;
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
        Enqueue(new OutFrame(frame, Control: true), counted: true);
        _queue.Writer.TryComplete();
        DisposeTimers();
        try
        {
            _closedCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private string _closeReason = string.Empty;
    private ITimer? _closeDeadline;

    private bool Enqueue(OutFrame frame, bool counted)
    {
        if (_queue.Writer.TryWrite(frame))
        {
            _services.Metrics.QueueChanged(1);
            return true;
        }

        if (counted)
        {
            Interlocked.Decrement(ref _queuedFrames);
            Interlocked.Add(ref _queuedBytes, -frame.Data.Length);
        }

        return false;
    }

    /// <summary>Starts the single writer task.</summary>
    public void StartWriter()
    {
        if (Interlocked.Exchange(ref _writerStarted, 1) == 0)
        {
            _writerTask = Task.Run(WriteLoopAsync);
        }
    }

    private int _writerStarted;

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var ct = _abortCts.Token;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                await DrainQueueAsync(reader, ct).ConfigureAwait(false);
            }

            if (CloseCode is { } code && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_closeHandshakeTimeout, _services.Time);
                await _socket.CloseOutputAsync((WebSocketCloseStatus)(int)code, _closeReason, timeout.Token).ConfigureAwait(false);
                _closeFrameSent.TrySetResult();

                // SB-CLOSE-006: from now on the client has the full close-handshake timeout to answer with its close frame.
                Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
                _ = AbortIfNotClosedAsync();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Log.TransportError(_services.Logger, ClientId, ex);
            Abort();
        }
        finally
        {
            _closeFrameSent.TrySetResult();

            // Release whatever is still queued (metrics).
            while (reader.TryRead(out _))
            {
                _services.Metrics.QueueChanged(-1);
            }

            // A paged replay waiting for the queue to drain must not wait for a writer that is gone.
            Volatile.Write(ref _writerExited, true);
            Interlocked.Exchange(ref _roomWaiter, null)?.TrySetCanceled(CancellationToken.None);
        }
    }

    private async ValueTask DrainQueueAsync(ChannelReader<OutFrame> reader, CancellationToken ct)
    {
        while (reader.TryRead(out var frame))
        {
            Interlocked.Decrement(ref _queuedFrames);
            Interlocked.Add(ref _queuedBytes, -frame.Data.Length);
            _services.Metrics.QueueChanged(-1);
            SignalQueueRoom();
            if (_discardQueued && !frame.Control)
            {
                continue;
            }

            await _socket.SendAsync(frame.Data, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, ct).ConfigureAwait(false);
            _services.Metrics.MessageSent(frame.Data.Length);
            if (frame.Control)
            {
                _discardQueued = true; // SB-CLOSE-002: nothing after CLOSE, even a frame that raced the close
            }
        }
    }

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
                // Zero-byte read: wait for the next message without holding a buffer (idle connections stay small).
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, ct).ConfigureAwait(false);
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
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Log.TransportError(_services.Logger, ClientId, ex);
        }
    }

    private void SendError(ErrorCode code, string message)
    {
        _services.Metrics.Error((int)code);
        SendForced(EventFrames.Serialize(new ErrorEvent { Code = (int)code, Error = ErrorCodes.GetName(code), Message = message }));
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
            await _closeFrameSent.Task.WaitAsync(_closeHandshakeTimeout, _services.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }
    }

    private readonly TaskCompletionSource _closeFrameSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
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
            _queue.Writer.TryComplete();
            DisposeTimers();
            try
            {
                _closedCts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            return EchoCloseAsync(status);
        }

        return Task.CompletedTask;
    }

    private async Task EchoCloseAsync(WebSocketCloseStatus status)
    {
        try
        {
            if (_writerTask is not null)
            {
                await _writerTask.WaitAsync(_closeHandshakeTimeout, _services.Time).ConfigureAwait(false);
            }

            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_closeHandshakeTimeout, _services.Time);
                await _socket.CloseOutputAsync(status, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException or TimeoutException)
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

    /// <summary>Checks the rate limit for one incoming command; closes with 4429 on persistent abuse.</summary>
    public bool TryConsumeRate(out bool abusive) => _bucket.TryTake(out abusive);

    /// <summary>
    /// Starts the PING event timer (SB-KA-001). Dead-peer detection is WebSocket ping/pong, run by the framework
    /// (SB-KA-003): no application-level idle timer, so a client that sends no data frames is not closed.
    /// </summary>
    public void StartKeepAlive()
    {
        var ping = TimeSpan.FromMilliseconds(_services.Options.KeepAlive.PingIntervalMs);
        _pingTimer = _services.Time.CreateTimer(static s => ((SwitchboardConnection)s!).OnPing(), this, ping, ping);
        if (IsClosing)
        {
            DisposeTimers();
        }
    }

    /// <summary>When the connection's current token expires (set by <see cref="SetTokenExpiry"/>).</summary>
    /// <remarks>A field, not an <see cref="Items"/> entry: a connection that never uses Items allocates no dictionary.</remarks>
    public DateTimeOffset TokenExpiresAt { get; private set; }

    /// <summary>(Re)arms the token-expiry timer: CLOSE 4419 at <paramref name="expiresAt"/>.</summary>
    public void SetTokenExpiry(DateTimeOffset expiresAt)
    {
        TokenExpiresAt = expiresAt;
        var due = expiresAt - _services.Time.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        var timer = _services.Time.CreateTimer(static s => ((SwitchboardConnection)s!).StartClose(Protocol.CloseCode.TokenExpired, CloseReasons.TokenExpired, discardQueued: false), this, due, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _expiryTimer, timer)?.Dispose();
        if (IsClosing)
        {
            DisposeTimers();
        }
    }

    private void OnPing()
    {
        if (!IsClosing)
        {
            TrySend(EventFrames.Serialize(new PingEvent { At = _services.Time.GetUtcNow() }));
        }
    }

    private void DisposeTimers()
    {
        Interlocked.Exchange(ref _pingTimer, null)?.Dispose();
        Interlocked.Exchange(ref _expiryTimer, null)?.Dispose();
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
        _queue.Writer.TryComplete();
        DisposeTimers();
        try
        {
            _closedCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        if (_writerTask is not null)
        {
            using var timeout = new CancellationTokenSource(_closeHandshakeTimeout, _services.Time);
            try
            {
                await _writerTask.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Abort();
            }
        }

        _closeDeadline?.Dispose();
        _socket.Dispose();
        _closedCts.Dispose();
        _abortCts.Dispose();
    }

    private readonly record struct OutFrame(ReadOnlyMemory<byte> Data, bool Control);
}

/// <summary>Shared services of every connection (one instance).</summary>
internal sealed class ConnectionServices(
    Microsoft.Extensions.Options.IOptions<SwitchboardOptions> options,
    TimeProvider time,
    SwitchboardMetrics metrics,
    ILogger<SwitchboardConnection> logger)
{
    public SwitchboardOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = time;

    public SwitchboardMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;
}

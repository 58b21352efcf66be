using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest;

/// <summary>Receives the frames of one connection (called on the connection's receive loop, one frame at a time).</summary>
internal interface IFrameSink
{
    /// <summary>Handles a data frame (anything that is not a handshake step, a join reply or a keepalive).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="frame">The frame bytes (valid only during the call).</param>
    void OnFrame(BenchConnection connection, ReadOnlySpan<byte> frame);

    /// <summary>Records an error frame or a failure of the connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="detail">What happened.</param>
    void OnError(BenchConnection connection, string detail);
}

/// <summary>
/// One client WebSocket: a receive loop (zero-byte reads while idle, so 10,000 idle clients hold no buffers),
/// a bounded outbound queue with one writer loop, and the wire's handshake and keepalive handled here.
/// </summary>
internal sealed class BenchConnection : IAsyncDisposable
{
    private const int MaxFrameBytes = 1 << 20;
    private static readonly HttpMessageInvoker SharedInvoker = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseProxy = false,
    });

    private readonly ClientWebSocket socket = new();
    private readonly IWire wire;
    private readonly Channel<byte[]> outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1 << 16) { SingleReader = true });
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource lifetime = new();
    private Task receiveLoop = Task.CompletedTask;
    private Task sendLoop = Task.CompletedTask;
    private IFrameSink sink;

    private BenchConnection(int index, string user, IWire wire, IFrameSink sink)
    {
        Index = index;
        User = user;
        this.wire = wire;
        this.sink = sink;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetBuffer(4096, 4096);
        foreach (var protocol in wire.SubProtocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }
    }

    /// <summary>Gets the connection's index in its scenario.</summary>
    public int Index { get; }

    /// <summary>Gets the user id the connection authenticated as.</summary>
    public string User { get; }

    /// <summary>Gets or sets scenario state attached to the connection.</summary>
    public object? Tag { get; set; }

    /// <summary>Gets a value indicating whether the socket is still open.</summary>
    public bool IsOpen => socket.State == WebSocketState.Open;

    /// <summary>Opens a connection and waits until the wire says it is ready (CONNECT, hello, handshake).</summary>
    /// <param name="baseUri">The <c>--url</c> value.</param>
    /// <param name="index">Index of the connection.</param>
    /// <param name="user">User id.</param>
    /// <param name="wire">The target's wire.</param>
    /// <param name="sink">Receives data frames.</param>
    /// <param name="timeout">Upper bound for upgrade + ready.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The ready connection.</returns>
    public static async Task<BenchConnection> OpenAsync(Uri baseUri, int index, string user, IWire wire, IFrameSink sink, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = new BenchConnection(index, user, wire, sink);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await connection.socket.ConnectAsync(wire.BuildUri(baseUri, user), SharedInvoker, cts.Token).ConfigureAwait(false);
            connection.receiveLoop = connection.ReceiveLoopAsync();
            connection.sendLoop = connection.SendLoopAsync();
            if (wire.OpeningFrame is { } opening)
            {
                connection.Send(opening);
            }

            await connection.ready.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            if (wire.KeepAliveFrame is not null)
            {
                KeepAlive.Register(connection);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Replaces the frame sink (e.g. when a scenario moves from setup to measurement).</summary>
    /// <param name="newSink">The new sink.</param>
    public void SetSink(IFrameSink newSink) => Volatile.Write(ref sink, newSink);

    /// <summary>Joins a room and waits for the join reply.</summary>
    /// <param name="room">Room name.</param>
    /// <param name="timeout">Upper bound.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when joined.</returns>
    public Task JoinAsync(string room, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Send(wire.Join(room));
        return joined.Task.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Queues a frame for sending; returns false when the queue is full or the connection is closed.</summary>
    /// <param name="frame">UTF-8 text frame.</param>
    /// <returns>Whether the frame was queued.</returns>
    public bool Send(byte[] frame) => outbound.Writer.TryWrite(frame);

    /// <summary>Closes the connection with a close handshake bounded by <paramref name="timeout"/>.</summary>
    /// <param name="timeout">Upper bound for the close handshake.</param>
    /// <returns>A task that completes when closed.</returns>
    public async Task CloseAsync(TimeSpan timeout)
    {
        outbound.Writer.TryComplete();
        try
        {
            await sendLoop.WaitAsync(timeout).ConfigureAwait(false);
            if (socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(timeout);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", cts.Token).ConfigureAwait(false);
                await receiveLoop.WaitAsync(timeout).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // Bounded close: abort below.
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        KeepAlive.Unregister(this);
        outbound.Writer.TryComplete();
        await lifetime.CancelAsync().ConfigureAwait(false);
        socket.Abort();
        socket.Dispose();
        try
        {
            await Task.WhenAll(receiveLoop, sendLoop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already reported by the loops.
        }

        lifetime.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var token = lifetime.Token;
        try
        {
            while (await outbound.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (outbound.Reader.TryRead(out var frame))
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            if (!token.IsCancellationRequested)
            {
                Volatile.Read(ref sink).OnError(this, "send failed: " + ex.Message);
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var token = lifetime.Token;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // Zero-byte read: no buffer is held while the connection is idle.
                var probe = await socket.ReceiveAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                if (probe.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxFrameBytes)
                        {
                            throw new WebSocketException("frame larger than 1 MiB");
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), token).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                Handle(buffer.AsSpan(0, count));
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }

            if (!token.IsCancellationRequested && outbound.Reader.Completion.IsCompleted is false)
            {
                Volatile.Read(ref sink).OnError(this, $"server closed the connection ({socket.CloseStatus} {socket.CloseStatusDescription})");
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            if (!token.IsCancellationRequested && outbound.Reader.Completion.IsCompleted is false)
            {
                Volatile.Read(ref sink).OnError(this, "receive failed: " + ex.Message);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            ready.TrySetException(new WebSocketException("closed before ready"));
            joined.TrySetException(new WebSocketException("closed before the join reply"));
        }
    }

    private void Handle(ReadOnlySpan<byte> frame)
    {
        var kind = wire.Classify(frame, out var reply);
        if (reply is not null)
        {
            Send(reply);
        }

        switch (kind)
        {
            case FrameKind.Ready:
                ready.TrySetResult();
                break;
            case FrameKind.Joined:
                joined.TrySetResult();
                break;
            case FrameKind.Error:
                Volatile.Read(ref sink).OnError(this, System.Text.Encoding.UTF8.GetString(frame[..Math.Min(frame.Length, 300)]));
                return;
            default:
                break;
        }

        // A frame may batch several records (SignalR): data can ride along with a handshake reply, a join reply or a ping.
        Volatile.Read(ref sink).OnFrame(this, frame);
    }

    /// <summary>
    /// Sends the wire's client keepalive (SignalR: <c>{"type":6}</c>) on every registered connection every 10 s, as the
    /// official clients do, so a server's client-timeout never fires on a connection that only receives. One timer for
    /// all connections.
    /// </summary>
    private static class KeepAlive
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<BenchConnection, byte> Connections = new();
        private static int started;

        public static void Register(BenchConnection connection)
        {
            Connections.TryAdd(connection, 0);
            if (Interlocked.Exchange(ref started, 1) == 0)
            {
                _ = Task.Run(LoopAsync);
            }
        }

        public static void Unregister(BenchConnection connection) => Connections.TryRemove(connection, out _);

        private static async Task LoopAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), Clock.Time);
            while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
            {
                foreach (var connection in Connections.Keys)
                {
                    if (connection.wire.KeepAliveFrame is { } frame)
                    {
                        connection.Send(frame);
                    }
                }
            }
        }
    }
}

using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Switchboard.Server.Testing;

/// <summary>
/// A small raw WebSocket client for tests: sends JSON commands, and a background pump reads every frame into a queue,
/// so waiting with a timeout never aborts the socket. PING events are skipped by default (see <see cref="SkipPings"/>).
/// </summary>
public sealed class TestWebSocketClient : IAsyncDisposable
{
    /// <summary>The default wait for an expected frame.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Channel<TestEnvelope> _inbox = Channel.CreateUnbounded<TestEnvelope>();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _pump;
    private int _cidCounter;

    private TestWebSocketClient(ClientWebSocket socket) => Socket = socket;

    /// <summary>The underlying socket.</summary>
    public ClientWebSocket Socket { get; }

    /// <summary>Whether PING events are dropped by the pump (default true).</summary>
    public bool SkipPings { get; set; } = true;

    /// <summary>Every envelope received so far, in order (including ones already consumed).</summary>
    public List<TestEnvelope> History { get; } = [];

    /// <summary>Frames that were not valid server envelopes (should stay empty).</summary>
    public List<string> Garbage { get; } = [];

    /// <summary>Completes with the close status when the server closed the connection (or it failed).</summary>
    public Task<(WebSocketCloseStatus? Status, string? Description)> Closed => _closed.Task;

    /// <summary>Opens a WebSocket to <paramref name="uri"/> and starts the receive pump.</summary>
    /// <param name="uri">ws:// URI (with query such as <c>access_token</c>).</param>
    /// <param name="subprotocol">Subprotocol to offer (null = offer none).</param>
    /// <param name="configure">Extra socket options (headers, e.g. Origin).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <param name="invoker">The HTTP invoker to connect with (e.g. for HTTP/2); null = the socket's own.</param>
    public static async Task<TestWebSocketClient> ConnectAsync(Uri uri, string? subprotocol = Switchboard.Protocol.WireProtocol.Subprotocol, Action<ClientWebSocketOptions>? configure = null, CancellationToken cancellationToken = default, HttpMessageInvoker? invoker = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var socket = new ClientWebSocket();
        if (subprotocol is not null)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }

        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        try
        {
            await socket.ConnectAsync(uri, invoker, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new TestWebSocketClient(socket);
        client._pump = Task.Run(client.PumpAsync);
        return client;
    }

    /// <summary>Sends a raw text frame.</summary>
    public Task SendTextAsync(string text, CancellationToken cancellationToken = default) => SendBytesAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);

    /// <summary>Sends raw bytes as one frame of the given type.</summary>
    public async Task SendBytesAsync(byte[] bytes, WebSocketMessageType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Socket.SendAsync(bytes, type, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends <c>{"command":..,"cid":..,"request":..}</c>; <paramref name="request"/> is serialized with snake_case names.</summary>
    public Task SendCommandAsync(string command, object? request = null, string? cid = null, CancellationToken cancellationToken = default)
    {
        var envelope = new Dictionary<string, object?> { ["command"] = command };
        if (cid is not null)
        {
            envelope["cid"] = cid;
        }

        envelope["request"] = request ?? new Dictionary<string, object?>();
        return SendTextAsync(JsonSerializer.Serialize(envelope, JsonOptions), cancellationToken);
    }

    /// <summary>Sends a command with a fresh cid and waits for the envelope carrying that cid (its reply).</summary>
    public async Task<TestEnvelope> RequestAsync(string command, object? request = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var cid = "c" + Interlocked.Increment(ref _cidCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendCommandAsync(command, request, cid, cancellationToken).ConfigureAwait(false);
        return await ReceiveAsync(e => e.Cid == cid, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Receives the next envelope.</summary>
    public Task<TestEnvelope> ReceiveAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => ReceiveAsync(static _ => true, timeout, cancellationToken);

    /// <summary>Receives the next envelope named <paramref name="eventName"/>, discarding others before it.</summary>
    public Task<TestEnvelope> ReceiveEventAsync(string eventName, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => ReceiveAsync(e => e.Event == eventName, timeout, cancellationToken);

    /// <summary>Receives envelopes until one matches, discarding the others. Throws <see cref="TimeoutException"/>.</summary>
    public async Task<TestEnvelope> ReceiveAsync(Func<TestEnvelope, bool> match, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        var skipped = new List<string>();
        try
        {
            while (true)
            {
                var envelope = await _inbox.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (match(envelope))
                {
                    return envelope;
                }

                skipped.Add(envelope.Event);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching envelope within {timeout ?? DefaultTimeout}; skipped [{string.Join(", ", skipped)}].");
        }
        catch (ChannelClosedException)
        {
            var (status, description) = await Closed.ConfigureAwait(false);
            throw new InvalidOperationException($"The connection closed ({status} {description}) before a matching envelope arrived; skipped [{string.Join(", ", skipped)}].");
        }
    }

    /// <summary>
    /// Returns every envelope received before a round-trip probe (an ECHO with a fresh cid) comes back: a
    /// deterministic way to assert that nothing (else) was sent to this connection.
    /// </summary>
    public async Task<IReadOnlyList<TestEnvelope>> DrainAsync(CancellationToken cancellationToken = default)
    {
        var cid = "probe" + Interlocked.Increment(ref _cidCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendCommandAsync("ECHO", new { data = "probe" }, cid, cancellationToken).ConfigureAwait(false);
        var seen = new List<TestEnvelope>();
        await ReceiveAsync(e =>
        {
            if (e.Cid == cid)
            {
                return true;
            }

            seen.Add(e);
            return false;
        }, null, cancellationToken).ConfigureAwait(false);
        return seen;
    }

    /// <summary>Waits for the server to close; returns the CLOSE event (if any was sent) and the close status.</summary>
    public async Task<(TestEnvelope? CloseEvent, WebSocketCloseStatus? Status)> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var result = await Closed.WaitAsync(timeout ?? DefaultTimeout).ConfigureAwait(false);
        TestEnvelope? closeEvent = null;
        while (_inbox.Reader.TryRead(out var envelope))
        {
            if (envelope.Event == "CLOSE")
            {
                closeEvent = envelope;
            }
        }

        lock (History)
        {
            closeEvent ??= History.LastOrDefault(e => e.Event == "CLOSE");
        }

        return (closeEvent, result.Status);
    }

    /// <summary>Closes the socket politely (normal closure).</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                Socket.Abort();
            }
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                message.SetLength(0);
                WebSocketReceiveResult result;
                do
                {
                    result = await Socket.ReceiveAsync(buffer, _cts.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                TestEnvelope envelope;
                try
                {
                    envelope = TestEnvelope.Parse(text);
                }
                catch (Exception ex) when (ex is JsonException or FormatException)
                {
                    lock (Garbage)
                    {
                        Garbage.Add(text);
                    }

                    continue;
                }

                lock (History)
                {
                    History.Add(envelope);
                }

                if (SkipPings && envelope.Event == "PING")
                {
                    continue;
                }

                _inbox.Writer.TryWrite(envelope);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _closed.TrySetResult((Socket.CloseStatus, Socket.CloseStatusDescription ?? ex.Message));
        }
        finally
        {
            _inbox.Writer.TryComplete();
            if (Socket.State == WebSocketState.CloseReceived)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await _cts.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            try
            {
                await _pump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        Socket.Dispose();
        _cts.Dispose();
        _sendLock.Dispose();
    }
}

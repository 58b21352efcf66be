using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Switchboard.Client.Transport;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Tests.Infrastructure;

/// <summary>
/// The server side of an in-memory transport (the client's <see cref="ISwitchboardTransportFactory"/> seam): every
/// connection attempt becomes an <see cref="InMemoryPeer"/> the test accepts and scripts frame by frame. Frames go through
/// the real envelope codec; nothing here depends on wall-clock time (waits only have a generous hang guard).
/// </summary>
internal sealed class InMemoryServer : ISwitchboardTransportFactory
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);

    /// <summary>The fixed retry delay of <see cref="Options"/>; distinct from the client's 1 s tick so a test can wait for exactly this timer.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

    private readonly Channel<InMemoryPeer> _accepted = Channel.CreateUnbounded<InMemoryPeer>();
    private int _attempts;

    /// <summary>While true, connection attempts fail at once (the server looks down).</summary>
    public bool RefuseConnections { get; set; }

    /// <summary>While true, connection attempts never complete (an upgrade that is never answered).</summary>
    public bool HangConnections { get; set; }

    /// <summary>Connection attempts so far (refused and hanging ones included).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>The address of every attempt, in order.</summary>
    public ConcurrentQueue<Uri> Uris { get; } = new();

    /// <summary>Options for a client of this server (deterministic: a fixed <see cref="RetryDelay"/> unless replaced).</summary>
    public SwitchboardClientOptions Options(string token = "opaque-token")
    {
        var options = new SwitchboardClientOptions
        {
            Url = new Uri("ws://in-memory.test"),
            AccessTokenProvider = _ => ValueTask.FromResult(token),
            TransportFactory = this,
        };
        options.Reconnect.RetryPolicy = new FixedDelayPolicy(RetryDelay, maxAttempts: 10);
        return options;
    }

    public async Task<ISwitchboardTransport> ConnectAsync(Uri uri, string? bearerToken, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        Uris.Enqueue(uri);
        if (RefuseConnections)
        {
            throw new WebSocketException(WebSocketError.Faulted, "connection refused (in-memory server is down)");
        }

        if (HangConnections)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var peer = new InMemoryPeer(uri, bearerToken);
        await _accepted.Writer.WriteAsync(peer, cancellationToken);
        return peer.ClientSide;
    }

    /// <summary>The next connection the client opened.</summary>
    public async Task<InMemoryPeer> AcceptAsync() => await _accepted.Reader.ReadAsync().AsTask().WaitAsync(HangGuard);

    /// <summary>Accepts the next connection and greets it with <c>CONNECT</c>.</summary>
    public async Task<InMemoryPeer> AcceptAndGreetAsync(string epoch = "E1", long seq = 0, bool recovered = true, int pingIntervalMs = 25_000)
    {
        var peer = await AcceptAsync();
        await peer.SendAsync(Connect(epoch, seq, recovered, pingIntervalMs));
        return peer;
    }

    public static ConnectEvent Connect(string epoch = "E1", long seq = 0, bool recovered = true, int pingIntervalMs = 25_000) => new()
    {
        ClientId = Guid.NewGuid().ToString("N"),
        User = new UserRef { Id = "bob", Name = "bob", Role = Role.User },
        Namespace = Namespace.Web,
        Protocol = "switchboard.v1.json",
        Server = "in-memory",
        Epoch = epoch,
        Seq = seq,
        Recovered = recovered,
        Missed = 0,
        PingIntervalMs = pingIntervalMs,
        IdleTimeoutMs = pingIntervalMs * 2,
        MaxMessageBytes = 65_536,
        RateLimitPerSecond = 10_000,
        RateLimitBurst = 20_000,
        Capabilities = [],
    };

    public static PrivateMessageEvent Message(int n) => new()
    {
        MessageId = "m" + n,
        User = new UserRef { Id = "alice", Name = "alice", Role = Role.User },
        To = "bob",
        Namespace = Namespace.Web,
        Data = "m" + n,
        At = DateTimeOffset.UnixEpoch,
    };
}

/// <summary>A retry policy with a fixed delay (deterministic, unlike the jittered default).</summary>
internal sealed class FixedDelayPolicy(TimeSpan delay, int maxAttempts) : ISwitchboardRetryPolicy
{
    public ConcurrentQueue<SwitchboardRetryContext> Calls { get; } = new();

    public TimeSpan? NextRetryDelay(SwitchboardRetryContext context)
    {
        Calls.Enqueue(context);
        return context.PreviousRetryCount < maxAttempts ? delay : null;
    }
}

/// <summary>The server's end of one in-memory connection.</summary>
internal sealed class InMemoryPeer
{
    private readonly Channel<Frame> _toClient = Channel.CreateUnbounded<Frame>();
    private readonly Channel<byte[]> _toServer = Channel.CreateUnbounded<byte[]>();
    private readonly ConcurrentQueue<ClientEnvelope> _unread = new();

    public InMemoryPeer(Uri uri, string? bearerToken)
    {
        Uri = uri;
        BearerToken = bearerToken;
        ClientSide = new ClientEnd(this);
    }

    public Uri Uri { get; }

    public string? BearerToken { get; }

    public ISwitchboardTransport ClientSide { get; }

    /// <summary>Set when the client aborted the connection (e.g. declared it dead).</summary>
    public bool AbortedByClient { get; private set; }

    /// <summary>Set when the client started a graceful close.</summary>
    public bool ClosedByClient { get; private set; }

    public ValueTask SendAsync(IServerEvent response, long? seq = null, string? cid = null) =>
        _toClient.Writer.WriteAsync(Frame.Data(EnvelopeWriter.Serialize(response, cid, seq)));

    /// <summary>The server closes with a close frame (code and reason), as after a <c>CLOSE</c> event.</summary>
    public void Close(int code, string reason) => _toClient.Writer.TryWrite(Frame.Closed(code, reason));

    /// <summary>The connection breaks without a close handshake (1006 for the client).</summary>
    public void Drop() => _toClient.Writer.TryWrite(Frame.Broken());

    /// <summary>The next command the client sent.</summary>
    public async Task<ClientEnvelope> ReceiveAsync()
    {
        if (_unread.TryDequeue(out var buffered))
        {
            return buffered;
        }

        var bytes = await _toServer.Reader.ReadAsync().AsTask().WaitAsync(InMemoryServer.HangGuard);
        Assert.True(EnvelopeReader.TryReadCommand(bytes, out var envelope, out var error), $"the client sent an unreadable frame: {error}");
        return envelope;
    }

    /// <summary>The next command named <paramref name="commandName"/>; other commands received meanwhile stay readable in order.</summary>
    public async Task<ClientEnvelope> ReceiveAsync(string commandName)
    {
        var skipped = new List<ClientEnvelope>();
        try
        {
            while (true)
            {
                var envelope = await ReceiveAsync();
                if (envelope.Command == commandName)
                {
                    return envelope;
                }

                skipped.Add(envelope);
            }
        }
        finally
        {
            foreach (var e in skipped)
            {
                _unread.Enqueue(e);
            }
        }
    }

    private readonly record struct Frame(byte[]? Bytes, int? CloseCode, string? CloseReason)
    {
        public static Frame Data(byte[] bytes) => new(bytes, null, null);

        public static Frame Closed(int code, string reason) => new(null, code, reason);

        public static Frame Broken() => new(null, null, null);
    }

    private sealed class ClientEnd(InMemoryPeer peer) : ISwitchboardTransport
    {
        private volatile bool _broken;

        public int? CloseStatus { get; private set; }

        public string? CloseStatusDescription { get; private set; }

        public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
        {
            if (_broken)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection is broken");
            }

            Frame frame;
            try
            {
                frame = await peer._toClient.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                _broken = true;
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection was aborted");
            }

            if (frame.Bytes is { } bytes)
            {
                return bytes;
            }

            if (frame.CloseCode is { } code)
            {
                CloseStatus = code;
                CloseStatusDescription = frame.CloseReason;
                return null;
            }

            _broken = true;
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection was dropped");
        }

        public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            if (_broken || peer.AbortedByClient || !peer._toServer.Writer.TryWrite(frame.ToArray()))
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection is closed");
            }

            return ValueTask.CompletedTask;
        }

        public Task CloseAsync(CancellationToken cancellationToken)
        {
            // The server answers the close frame at once.
            peer.ClosedByClient = true;
            peer._toServer.Writer.TryComplete();
            peer._toClient.Writer.TryWrite(Frame.Closed(1000, "client closing"));
            return Task.CompletedTask;
        }

        public void Abort()
        {
            peer.AbortedByClient = true;
            peer._toServer.Writer.TryComplete();
            peer._toClient.Writer.TryComplete();
        }

        public ValueTask DisposeAsync()
        {
            peer._toServer.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}

using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;

namespace Switchboard.Server.Connections;

/// <summary>
/// The state of one WebSocket connection: identity, the send queue and its accounting, the delivery hold, the rate
/// limiter and the close state. The loops that act on it live in the other parts of this partial class, one job each:
/// <list type="bullet">
/// <item><c>SwitchboardConnection.Send.cs</c>: the send queue, the delivery hold, and the writer that drains it.</item>
/// <item><c>SwitchboardConnection.Receive.cs</c>: the receive loop (frame reading, size limit, binary frames).</item>
/// <item><c>SwitchboardConnection.Lifecycle.cs</c>: PING and token expiry, the close handshake, abort and disposal.</item>
/// </list>
/// An idle connection holds as little as possible (issue 15): no receive buffer (zero-byte reads), no send queue and no
/// writer task while nothing is queued, no timer of its own (PING and token expiry are deadlines on the shared
/// <see cref="ConnectionDeadlines"/>). WebSocket-level ping/pong (SB-KA-003) is the framework's
/// (<c>WebSocketAcceptContext.KeepAliveInterval/KeepAliveTimeout</c>).
/// </summary>
internal sealed partial class SwitchboardConnection : IConnection, IAsyncDisposable, IThreadPoolWorkItem
{
    // --- identity and shared services
    private readonly WebSocket _socket;
    private readonly ConnectionServices _services;
    private readonly TimeSpan _closeHandshakeTimeout; // SB-CLOSE-006
    private readonly TokenBucket _bucket;
    private ConcurrentDictionary<string, object?>? _items;

    // --- send queue (Send.cs); _gate guards the queue, the writer flags and the hold
    private readonly Lock _gate = new();
    private FrameQueue _queue;
    private List<ReadOnlyMemory<byte>>? _held;
    private bool _writerStarted;   // StartWriter was called: queued frames may go out
    private bool _draining;        // a drain is scheduled or running
    private bool _queueCompleted;  // no frame is accepted any more (closing, or the transport failed)
    private bool _writerExited;    // the writer has finished for good
    private TaskCompletionSource? _writerDone; // created only when someone waits for the writer
    private volatile bool _discardQueued;
    private long _queuedFrames;
    private long _queuedBytes;

    // --- paged replay waiting for queue room (Send.cs)
    private TaskCompletionSource? _roomWaiter;
    private long _roomBytes;
    private long _roomFrames;

    // --- lifecycle (Lifecycle.cs)
    private readonly CancellationTokenSource _closedCts = new();
    private readonly CancellationTokenSource _abortCts = new();
    private int _closing;
    private string _closeReason = string.Empty;
    private ITimer? _closeDeadline;
    private Deadline? _pingDeadline;
    private Deadline? _expiryDeadline;

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

    /// <summary>The close code the server closed with (null if the client closed first).</summary>
    public CloseCode? CloseCode { get; private set; }

    /// <summary>Frames currently queued.</summary>
    public long QueuedFrames => Interlocked.Read(ref _queuedFrames);

    /// <summary>Bytes currently queued.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>When the connection's current token expires (set by <see cref="SetTokenExpiry"/>).</summary>
    /// <remarks>A field, not an <see cref="Items"/> entry: a connection that never uses Items allocates no dictionary.</remarks>
    public DateTimeOffset TokenExpiresAt { get; private set; }

    /// <summary>Checks the rate limit for one incoming command; closes with 4429 on persistent abuse.</summary>
    public bool TryConsumeRate(out bool abusive) => _bucket.TryTake(out abusive);

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
}

/// <summary>Shared services of every connection (one instance).</summary>
internal sealed class ConnectionServices(
    Microsoft.Extensions.Options.IOptions<SwitchboardOptions> options,
    TimeProvider time,
    SwitchboardMetrics metrics,
    ILogger<SwitchboardConnection> logger) : IDisposable
{
    public SwitchboardOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = time;

    public SwitchboardMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    /// <summary>The one timer behind every connection's PING and token expiry.</summary>
    public ConnectionDeadlines Deadlines { get; } = new(time);

    public void Dispose() => Deadlines.Dispose();
}

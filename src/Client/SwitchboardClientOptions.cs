using System.Net.WebSockets;

namespace Switchboard.Client;

/// <summary>
/// Options of a <see cref="SwitchboardClient"/>. Every value is validated when the client is built
/// (<see cref="SwitchboardClient(SwitchboardClientOptions, Microsoft.Extensions.Logging.ILoggerFactory?, TimeProvider?)"/>
/// or resolution from dependency injection), never at first use: invalid options throw
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>.
/// </summary>
public sealed class SwitchboardClientOptions
{
    /// <summary>
    /// The server's base address, e.g. <c>ws://127.0.0.1:8080</c>. <c>ws</c>, <c>wss</c>, <c>http</c> and <c>https</c>
    /// are accepted (http/https are mapped to ws/wss). The namespace path (<c>/web</c>, <c>/app</c>) is appended from
    /// <see cref="Namespace"/>. Required; no default.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// The namespace to connect to (<c>web</c> for PC web clients, <c>app</c> for mobile apps; see
    /// <see cref="SwitchboardNamespaces"/>). Defaults to <c>web</c>.
    /// </summary>
    public string Namespace { get; set; } = SwitchboardNamespaces.Web;

    /// <summary>
    /// Returns the access token (JWT) to present. Called on every connect and reconnect, and before the current token
    /// expires to refresh it in-band with <c>REFRESH_TOKEN</c> (see <see cref="TokenRefreshRatio"/>). Required; no default.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// When <see langword="true"/> the token travels in the <c>access_token</c> query parameter (as browsers do);
    /// otherwise in an <c>Authorization: Bearer</c> header, which keeps it out of access logs. Defaults to <see langword="false"/>.
    /// </summary>
    public bool SendAccessTokenInQuery { get; set; }

    /// <summary>Automatic reconnection after a connection was lost. Defaults: see <see cref="SwitchboardReconnectOptions"/>.</summary>
    public SwitchboardReconnectOptions Reconnect { get; } = new();

    /// <summary>
    /// Upper bound for one connection attempt: obtaining the token, the WebSocket upgrade and the server's
    /// <c>CONNECT</c> greeting. Defaults to 15 seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Upper bound for a command awaiting its reply, including the time spent waiting for a connection while
    /// reconnecting (see <see cref="CommandsWhileReconnecting"/>). A command that times out throws
    /// <see cref="TimeoutException"/>. Defaults to 30 seconds.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A connection on which nothing arrived for this long is treated as dead and reconnected. The server sends
    /// <c>PING</c> every <c>ping_interval_ms</c> (advertised in <c>CONNECT</c>; the client answers <c>PONG</c>).
    /// Defaults to <see langword="null"/>: the advertised ping interval + 10 seconds (SB-KA-005; 35 seconds with the reference defaults).
    /// </summary>
    public TimeSpan? ServerTimeout { get; set; }

    /// <summary>
    /// How often the client confirms the durable events it received with <c>RECEIVED</c>, which moves the server's
    /// offline delivery position. Only sent when something new arrived. <see cref="Timeout.InfiniteTimeSpan"/> disables
    /// automatic confirmation (call <see cref="SwitchboardClient.AcknowledgeAsync"/> yourself). Defaults to 1 second.
    /// </summary>
    public TimeSpan AcknowledgeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Also confirm with <c>RECEIVED</c> as soon as this many durable events arrived since the last confirmation
    /// (SB-DLV-016). <c>0</c> disables the count trigger. Defaults to 100.
    /// </summary>
    public int AcknowledgeBatchSize { get; set; } = 100;

    /// <summary>
    /// When to refresh the token in-band: after this fraction of its remaining lifetime (from when it was obtained to its
    /// <c>exp</c>) has passed, the client obtains a new token from <see cref="AccessTokenProvider"/> and sends
    /// <c>REFRESH_TOKEN</c> (SB-AUTH-021). <c>0</c> disables in-band refresh (the server then closes with 4419 at expiry and the
    /// client reconnects with a fresh token). Tokens that are not JWTs are never refreshed in-band. Defaults to 0.8.
    /// </summary>
    public double TokenRefreshRatio { get; set; } = 0.8;

    /// <summary>
    /// Capacity of the bounded channel behind every event stream (<see cref="SwitchboardClient.Events{T}"/>) and handler
    /// registration (<see cref="SwitchboardClient.On{T}(Func{T, CancellationToken, ValueTask})"/>). Defaults to 1024 events.
    /// </summary>
    public int EventBufferCapacity { get; set; } = 1024;

    /// <summary>
    /// What happens when a subscriber's buffer is full. Defaults to <see cref="SwitchboardEventBufferFullMode.Wait"/>
    /// (lossless: the receive loop waits for the slow subscriber, which back-pressures the server).
    /// </summary>
    public SwitchboardEventBufferFullMode EventBufferFullMode { get; set; } = SwitchboardEventBufferFullMode.Wait;

    /// <summary>
    /// Largest server frame the client accepts; a larger one fails the connection. Defaults to 4 MiB (4,194,304 bytes).
    /// </summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// What a command does when it is issued while the client is connecting or reconnecting. Defaults to
    /// <see cref="SwitchboardOfflineCommandBehavior.Wait"/> (wait for the connection, bounded by <see cref="CommandTimeout"/>).
    /// </summary>
    public SwitchboardOfflineCommandBehavior CommandsWhileReconnecting { get; set; } = SwitchboardOfflineCommandBehavior.Wait;

    /// <summary>
    /// Re-join the rooms joined with <see cref="SwitchboardClient.JoinRoomAsync"/> after a reconnect, with <c>since</c> = the
    /// last <c>room_seq</c> seen, so room messages sent meanwhile are replayed (duplicates are dropped). Defaults to <see langword="true"/>.
    /// </summary>
    public bool RejoinRoomsOnReconnect { get; set; } = true;

    /// <summary>
    /// Pace outgoing frames to the rate limit the server advertises in <c>CONNECT</c> (<c>rate_limit_per_second</c>,
    /// <c>rate_limit_burst</c>) so commands wait briefly instead of being dropped with RATE_LIMITED (SB-LIM-008).
    /// Defaults to <see langword="true"/>.
    /// </summary>
    public bool RespectServerRateLimit { get; set; } = true;

    /// <summary>
    /// Offer the <c>switchboard.v1.json</c> WebSocket subprotocol. Defaults to <see langword="true"/>.
    /// </summary>
    public bool OfferSubProtocol { get; set; } = true;

    /// <summary>
    /// Optional hook to customise each <see cref="ClientWebSocketOptions"/> (proxy, certificates, extra headers)
    /// before a connection attempt. Defaults to <see langword="null"/>.
    /// </summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>
    /// Opens the connections; <see langword="null"/> (default) = <see cref="Transport.WebSocketTransportFactory"/>. Internal:
    /// the seam the client's tests use for an in-memory transport (see <see cref="Transport.ISwitchboardTransportFactory"/> for why it is not public).
    /// </summary>
    internal Transport.ISwitchboardTransportFactory? TransportFactory { get; set; }
}

/// <summary>Automatic reconnection: capped exponential backoff with jitter (socket.io's defaults, seed 001's 10 attempts).</summary>
public sealed class SwitchboardReconnectOptions
{
    /// <summary>Reconnect automatically after a retryable close or a transport failure. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Attempts per outage before giving up (state becomes Disconnected). Defaults to 10 (seed 001's <c>reconnectionAttempts</c>).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay before the first attempt. Defaults to 1 second.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of any delay (after jitter). Defaults to 30 seconds.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth factor between attempts. Defaults to 2.</summary>
    public double BackoffMultiplier { get; set; } = 2.0;

    /// <summary>
    /// Randomisation of each delay, 0..1: a delay d becomes a uniform value in [d·(1-j), d·(1+j)], capped at
    /// <see cref="MaxDelay"/>. Defaults to 0.5.
    /// </summary>
    public double JitterFactor { get; set; } = 0.5;

    /// <summary>
    /// Decides whether and when to try again (see <see cref="ISwitchboardRetryPolicy"/>). Defaults to <see langword="null"/>:
    /// a <see cref="SwitchboardBackoffRetryPolicy"/> built from <see cref="MaxAttempts"/>, <see cref="InitialDelay"/>,
    /// <see cref="MaxDelay"/>, <see cref="BackoffMultiplier"/> and <see cref="JitterFactor"/>, which a custom policy replaces
    /// (they are then ignored). <see cref="Enabled"/> still applies.
    /// </summary>
    public ISwitchboardRetryPolicy? RetryPolicy { get; set; }
}

/// <summary>What happens to an event when a subscriber's buffer is full.</summary>
public enum SwitchboardEventBufferFullMode
{
    /// <summary>The receive loop waits until the subscriber catches up. Nothing is lost; a subscriber that never reads stalls the client.</summary>
    Wait,

    /// <summary>The oldest buffered event of that subscriber is dropped (logged).</summary>
    DropOldest,

    /// <summary>The new event is dropped for that subscriber (logged).</summary>
    DropNewest,
}

/// <summary>What a command does when issued while the client is (re)connecting.</summary>
public enum SwitchboardOfflineCommandBehavior
{
    /// <summary>Wait for the connection, bounded by <see cref="SwitchboardClientOptions.CommandTimeout"/>.</summary>
    Wait,

    /// <summary>Throw <see cref="SwitchboardConnectionException"/> at once.</summary>
    FailFast,
}

/// <summary>The namespace names of Switchboard v1.</summary>
public static class SwitchboardNamespaces
{
    /// <summary><c>web</c>: PC web clients (<c>/web</c>).</summary>
    public const string Web = Switchboard.Protocol.Namespaces.Web;

    /// <summary><c>app</c>: mobile apps (<c>/app</c>).</summary>
    public const string App = Switchboard.Protocol.Namespaces.App;
}

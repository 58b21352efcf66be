using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Auth;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;

namespace Switchboard.Server.Connections;

/// <summary>
/// The <c>/web</c> and <c>/app</c> endpoints: upgrade checks (subprotocol, origin), authentication, CONNECT +
/// resume/offline replay, the per-connection receive loop (decode, rate limit, dispatch), and cleanup.
/// </summary>
internal sealed class WebSocketGateway
{
    /// <summary>The v1 subprotocol (from the spec).</summary>
    public const string Subprotocol = WireProtocol.Subprotocol;

    private static readonly IReadOnlyList<Capability> Capabilities =
        [Capability.Chat, Capability.RoomsHistory, Capability.ServiceDesk, Capability.BackendApi, Capability.Presence];

    private readonly ConnectionServices _services;
    private readonly TokenService _tokens;
    private readonly DurableDelivery _delivery;
    private readonly ConnectionRegistry _registry;
    private readonly CommandDispatcher _dispatcher;
    private readonly IEnumerable<IConnectionLifecycleHandler> _lifecycle;
    private readonly ShutdownState _shutdown;
    private readonly UserConnectionLimiter _perUser;
    private readonly ILogger<WebSocketGateway> _logger;

    public WebSocketGateway(
        ConnectionServices services,
        TokenService tokens,
        DurableDelivery delivery,
        ConnectionRegistry registry,
        CommandDispatcher dispatcher,
        IEnumerable<IConnectionLifecycleHandler> lifecycle,
        ShutdownState shutdown,
        UserConnectionLimiter perUser,
        ILogger<WebSocketGateway> logger,
        DeskDeadlines? deskDeadlines = null)
    {
        _services = services;
        _tokens = tokens;
        _delivery = delivery;
        _registry = registry;
        _dispatcher = dispatcher;
        _lifecycle = lifecycle.ToArray();
        _shutdown = shutdown;
        _perUser = perUser;
        _logger = logger;
        _deskDeadlines = deskDeadlines;
        _codecLimits = new CodecLimits { MaxMessageBytes = services.Options.Limits.MaxMessageBytes };
        _onMessage = OnMessageAsync;
    }

    // One delegate for every connection's receive loop (not one per connection).
    private readonly Func<SwitchboardConnection, ReadOnlyMemory<byte>, ValueTask> _onMessage;

    private readonly CodecLimits _codecLimits;
    private readonly DeskDeadlines? _deskDeadlines;

    private SwitchboardOptions Options => _services.Options;

    /// <summary>Handles a request to <c>/{ns}</c>.</summary>
    public async Task HandleAsync(HttpContext http, string ns)
    {
        // SB-HS-014 (RFC 6455 section 4.4): an upgrade attempt with a WebSocket version we do not speak gets 426 and
        // the version we do speak, so that a multi-version client can retry.
        if (IsWebSocketUpgradeAttempt(http) && http.Request.Headers.SecWebSocketVersion.ToString().Trim() != SupportedWebSocketVersion)
        {
            Log.UpgradeRejected(_logger, http.Request.Path, "unsupported Sec-WebSocket-Version");
            http.Response.Headers.SecWebSocketVersion = SupportedWebSocketVersion;
            await ApiProblems.WriteAsync(http, StatusCodes.Status426UpgradeRequired, ErrorCode.UnsupportedProtocol, $"Unsupported Sec-WebSocket-Version; this server speaks {SupportedWebSocketVersion}.").ConfigureAwait(false);
            return;
        }

        if (!http.WebSockets.IsWebSocketRequest)
        {
            await ApiProblems.WriteAsync(http, StatusCodes.Status400BadRequest, ErrorCode.InvalidEnvelope, "This endpoint accepts WebSocket upgrades only.").ConfigureAwait(false);
            return;
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsOriginAllowed(origin))
        {
            Log.UpgradeRejected(_logger, http.Request.Path, $"origin {origin} not allowed");
            await ApiProblems.WriteAsync(http, StatusCodes.Status403Forbidden, ErrorCode.Forbidden, $"Origin '{origin}' is not allowed.").ConfigureAwait(false);
            return;
        }

        if (_shutdown.IsShuttingDown)
        {
            await ApiProblems.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, ErrorCode.ShuttingDown, "The server is shutting down.").ConfigureAwait(false);
            return;
        }

        var offered = http.WebSockets.WebSocketRequestedProtocols;
        string? subprotocol = null;
        if (offered.Count > 0)
        {
            if (!offered.Contains(Subprotocol, StringComparer.Ordinal))
            {
                Log.UpgradeRejected(_logger, http.Request.Path, "unsupported subprotocol");
                await ApiProblems.WriteAsync(http, StatusCodes.Status400BadRequest, ErrorCode.UnsupportedProtocol, $"Unsupported subprotocol; this server speaks {Subprotocol}.").ConfigureAwait(false);
                return;
            }

            subprotocol = Subprotocol;
        }

        // SB-AUTH-001: the Authorization header wins over the query parameter (which CredentialRedaction moved out of
        // the query string before anything could log it, SB-AUTH-020).
        var query = http.Request.Query;
        var token = RequestCredentials.GetToken(http);

        // SB-DLV-014: an invalid since is ignored. A since without epoch replays like an absent one (SB-DLV-007) but
        // is still a request the server cannot vouch for, so it reports recovered: false (SB-DLV-010).
        var epoch = query["epoch"].ToString();
        long? since = long.TryParse(query["since"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : null;

        var auth = await _tokens.ValidateAsync(token, http.RequestAborted).ConfigureAwait(false);
        var keepAlive = Options.KeepAlive;
        var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = subprotocol,
            // SB-KA-003: the framework pings every ping_interval_ms and aborts the connection when the pong does not come
            // within idle_timeout_ms - ping_interval_ms (a dead peer). Control frames never reach the application.
            KeepAliveInterval = TimeSpan.FromMilliseconds(keepAlive.PingIntervalMs),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(keepAlive.IdleTimeoutMs - keepAlive.PingIntervalMs),
            DangerousEnableCompression = false,
        }).ConfigureAwait(false);

        var clientId = MessageIds.New(_services.Time);
        var user = auth.User ?? new UserIdentity("anonymous", "anonymous", Roles.User);
        await using var connection = new SwitchboardConnection(socket, _services, clientId, user, ns);

        // The request's features carry the connection, so middleware of the host (and the test suite's frame
        // interceptor, which wraps the accepted WebSocket) can tell which Switchboard connection a socket belongs to.
        http.Features.Set<IConnection>(connection);

        if (!auth.IsValid || !auth.AllowsNamespace(ns) || _shutdown.IsShuttingDown)
        {
            var (code, reason) = _shutdown.IsShuttingDown
                ? (CloseCode.ShuttingDown, CloseReasons.ShuttingDown)
                : !auth.IsValid
                    ? auth.Error switch
                    {
                        ErrorCode.TokenExpired => (CloseCode.TokenExpired, CloseReasons.TokenExpired),
                        ErrorCode.TokenMissing => (CloseCode.Unauthorized, CloseReasons.TokenMissing),
                        _ => (CloseCode.Unauthorized, CloseReasons.TokenInvalid),
                    }
                    : (CloseCode.Forbidden, CloseReasons.NamespaceForbidden);
            Log.AuthFailed(_logger, http.Request.Path, (int)code, auth.Message ?? reason);
            connection.StartWriter();
            connection.StartClose(code, reason, discardQueued: false);
            await connection.DrainAfterCloseAsync().ConfigureAwait(false);
            return;
        }

        // SB-LIM-009: one slot per open connection of the user, taken before anything is created for the connection.
        if (!_perUser.TryAcquire(user.Id))
        {
            Log.TooManyConnections(_logger, user.Id, Options.Limits.MaxConnectionsPerUser);
            connection.StartWriter();
            connection.StartClose(CloseCode.TooManyConnections, CloseReasons.TooManyConnections, discardQueued: false);
            await connection.DrainAfterCloseAsync().ConfigureAwait(false);
            return;
        }

        ConnectionChange? opened = null;
        try
        {
            // Live events that reach the connection once it is registered wait until the lifecycle greetings are
            // queued (GreetAsync below); CONNECT and the replay are forced past the hold.
            connection.HoldDeliveries();
            var (change, missed) = await _delivery.OpenStreamAsync(connection, since, epoch.Length == 0 ? null : epoch, (info, recovered, count) => EventFrames.Serialize(new ConnectEvent
            {
                ClientId = clientId,
                User = UserRefs.From(user),
                Namespace = UserRefs.ToNamespace(ns),
                Protocol = Subprotocol,
                Server = Options.ServerName,
                Epoch = info.Epoch,
                Seq = info.LastSeq,
                Recovered = recovered,
                Missed = count,
                PingIntervalMs = Options.KeepAlive.PingIntervalMs,
                IdleTimeoutMs = Options.KeepAlive.IdleTimeoutMs,
                MaxMessageBytes = Options.Limits.MaxMessageBytes,
                RateLimitPerSecond = Options.Limits.RateLimitPerSecond,
                RateLimitBurst = Options.Limits.RateLimitBurst,
                Capabilities = Capabilities,
                // SB-HS-013: the desk's deadlines, so clients and test suites need not guess them.
                TransferTimeoutMs = _deskDeadlines?.TransferTimeoutMs,
                ConversationIdleWarningMs = _deskDeadlines?.ConversationIdleWarningMs,
                ConversationIdleCloseMs = _deskDeadlines?.ConversationIdleCloseMs,
                VisitorGraceMs = _deskDeadlines?.VisitorGraceMs,
            }), http.RequestAborted).ConfigureAwait(false);
            opened = change;
            _services.Metrics.ConnectionOpened(ns);
            Log.ConnectionOpened(_logger, clientId, user.Id, user.Role, ns, missed);
            connection.SetTokenExpiry(auth.ExpiresAt);
            connection.StartKeepAlive();
            _registry.RaiseOpened(change);

            // For a backlog that fits one replay page the writer starts only now: when the client sees CONNECT, the
            // connection is registered (live events reach it) and the presence notifications of its arrival are
            // already queued to the others. A larger backlog is paged (DurableDelivery.OpenStreamAsync), which starts
            // the writer earlier and registers the connection only once the replay has caught up.
            connection.StartWriter();
            if (_shutdown.IsShuttingDown)
            {
                connection.StartClose(CloseCode.ShuttingDown, CloseReasons.ShuttingDown, discardQueued: false);
            }

            await connection.GreetAsync(async () =>
            {
                foreach (var handler in _lifecycle)
                {
                    try
                    {
                        await handler.OnConnectedAsync(connection, change, connection.Closed).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.LifecycleHandlerFailed(_logger, handler.GetType().Name, ex);
                    }
                }
            }).ConfigureAwait(false);
            connection.ReleaseHeld();

            await connection.RunReceiveLoopAsync(_onMessage).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ConnectionFailed(_logger, clientId, ex);
            connection.StartWriter();
            connection.StartClose(CloseCode.InternalError, CloseReasons.InternalError, discardQueued: false);
        }
        finally
        {
            _perUser.Release(user.Id);
            if (opened is not null)
            {
                var closed = _registry.Remove(connection);
                _services.Metrics.ConnectionClosed(ns, (int)(connection.CloseCode ?? CloseCode.Normal));
                Log.ConnectionClosed(_logger, clientId, (int)(connection.CloseCode ?? CloseCode.Normal));
                if (closed is not null)
                {
                    foreach (var handler in _lifecycle)
                    {
                        try
                        {
                            await handler.OnDisconnectedAsync(connection, closed, CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            Log.LifecycleHandlerFailed(_logger, handler.GetType().Name, ex);
                        }
                    }
                }
            }
        }
    }

    private async ValueTask OnMessageAsync(SwitchboardConnection connection, ReadOnlyMemory<byte> message)
    {
        // Spec section 7 order: (frame type/size checked by the receive loop), rate limit, then the codec's checks
        // (UTF-8, JSON, envelope shape, known command, role, payload fields), then the handler's semantic checks.
        var sequence = new ReadOnlySequence<byte>(message);
        var ok = EnvelopeReader.TryReadCommand(in sequence, _codecLimits, connection.User.Role, out var envelope, out var error);
        var command = envelope.Command;
        var cid = envelope.Cid;
        if (!connection.TryConsumeRate(out var abusive))
        {
            if (abusive)
            {
                connection.StartClose(CloseCode.RateLimited, CloseReasons.RateLimited, discardQueued: false);
                return;
            }

            Log.RateLimited(_logger, connection.ClientId);
            _services.Metrics.Error((int)ErrorCode.RateLimited);
            // SB-LIM-002: a frame-level check, answered with ERROR (not the command's error event) carrying cid/command.
            connection.TrySend(EventFrames.Serialize(new ErrorEvent
            {
                Code = (int)ErrorCode.RateLimited,
                Error = ErrorCodes.GetName(ErrorCode.RateLimited),
                Message = "Rate limit exceeded; the frame was dropped.",
                Command = command,
            }, cid));
            return;
        }

        if (!ok)
        {
            Log.BadInput(_logger, connection.ClientId, (int)error.Code, error.Message, error.Path);
            _services.Metrics.Error((int)error.Code);
            connection.TrySend(EventFrames.Serialize(CommandDispatcher.CreateError(command, error.Code, error.Message, error.Path), cid));
            return;
        }

        if (_shutdown.IsShuttingDown)
        {
            connection.TrySend(EventFrames.Serialize(CommandDispatcher.CreateError(command, ErrorCode.ShuttingDown, "The server is shutting down.", null), cid));
            return;
        }

        await _dispatcher.DispatchAsync(connection, envelope, connection.Closed).ConfigureAwait(false);
    }

    private const string SupportedWebSocketVersion = "13";

    /// <summary>An HTTP/1.1 <c>Upgrade: websocket</c> or an HTTP/2 extended CONNECT with <c>:protocol</c> websocket (RFC 8441).</summary>
    private static bool IsWebSocketUpgradeAttempt(HttpContext http)
    {
        if (http.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            return string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
        }

        return http.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
            && http.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);
    }

    private bool IsOriginAllowed(string origin)
    {
        var allowed = Options.AllowedOrigins;
        if (allowed.Count == 0)
        {
            return true;
        }

        foreach (var entry in allowed)
        {
            if (entry == "*" || string.Equals(entry.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchboard.Client.Internal;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client;

/// <summary>
/// The typed realtime client of a Switchboard server: one connection to one namespace (<c>/web</c> or <c>/app</c>),
/// typed commands with replies (<see cref="EchoAsync"/>, <see cref="SendPrivateMessageAsync(string, string, string?, CancellationToken)"/>, ...),
/// typed event streams (<see cref="Events{T}"/>) and handlers (<see cref="On{T}(Func{T, CancellationToken, ValueTask})"/>),
/// automatic reconnection that resumes the durable stream without loss or duplicates, keepalive and in-band token refresh.
/// </summary>
/// <remarks>
/// Thread-safe. Events are delivered in the order the server sent them; durable events are deduplicated by <c>seq</c> across
/// reconnects and confirmed to the server with <c>RECEIVED</c> (see <see cref="SwitchboardClientOptions.AcknowledgeInterval"/>).
/// Rooms joined with <see cref="JoinRoomAsync"/> are re-joined after a reconnect with <c>since</c> = the last <c>room_seq</c> seen,
/// and replayed room messages already delivered are dropped.
/// </remarks>
public sealed partial class SwitchboardClient : IAsyncDisposable
{
    private readonly SwitchboardClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ReconnectBackoff _backoff;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, PendingCommand> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rooms = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposeCts = new();
    private EventSubscription[] _subscriptions = [];
    private SwitchboardConnectionState _state;
    private ActiveConnection? _connection;
    private TaskCompletionSource<ActiveConnection> _connectedSignal = NewSignal();
    private CancellationTokenSource? _sessionCts;
    private Task? _runTask;
    private bool _stopRequested;
    private string? _epoch;
    private long _lastSeq;
    private long _ackedSeq;
    private long _cidCounter;
    private string? _rejectedToken;
    private bool _repeatedRejectedToken;
    private int _disposed;

    /// <summary>Creates a client. The options are validated now and must not be changed afterwards.</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Logging; defaults to no logging.</param>
    /// <param name="timeProvider">Time source for timeouts, backoff and keepalive; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public SwitchboardClient(SwitchboardClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new SwitchboardClientOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(SwitchboardClientOptions), result.Failures);
        }

        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SwitchboardClient>();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _backoff = new ReconnectBackoff(options.Reconnect);
    }

    /// <summary>Raised on every connection state change (synchronously; keep handlers short).</summary>
    public event EventHandler<SwitchboardConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>Raised when a connection attempt fails or times out (seed 001's <c>reconnect_error</c> / <c>connect_timeout</c>).</summary>
    public event EventHandler<SwitchboardConnectFailedEventArgs>? ConnectFailed;

    /// <summary>
    /// Raised after a reconnect when the server could not resume the durable stream (<c>recovered=false</c>); events may
    /// have been lost, so the application should reload its state from its backend.
    /// </summary>
    public event EventHandler<SwitchboardStreamResetEventArgs>? StreamReset;

    /// <summary>The current connection state.</summary>
    public SwitchboardConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Why the last connection ended (close code, reason, retryable); <see langword="null"/> before any close.</summary>
    public SwitchboardCloseInfo? LastClose { get; private set; }

    /// <summary>The server's <c>CONNECT</c> greeting of the current connection (client id, user, limits); <see langword="null"/> when not connected.</summary>
    public ConnectEvent? ConnectInfo => Volatile.Read(ref _connection)?.Connect;

    /// <summary>The service desk's deadlines advertised in the current <c>CONNECT</c> (transfer timeout, idle warning
    /// and close, visitor grace; SB-HS-013); <see langword="null"/> when not connected or the server has no service desk.</summary>
    public SwitchboardDeskDeadlines? DeskDeadlines => ConnectInfo is { } connect ? SwitchboardDeskDeadlines.From(connect) : null;

    /// <summary>The position in the durable stream: the epoch and the last <c>seq</c> received (used to resume).</summary>
    public SwitchboardStreamPosition StreamPosition
    {
        get
        {
            lock (_gate)
            {
                return new SwitchboardStreamPosition(_epoch, Volatile.Read(ref _lastSeq));
            }
        }
    }

    /// <summary>The options the client was built with.</summary>
    public SwitchboardClientOptions Options => _options;

    /// <summary>
    /// Connects (one attempt, bounded by <see cref="SwitchboardClientOptions.ConnectTimeout"/>) and starts receiving.
    /// After the first successful connection, lost connections are re-established automatically.
    /// After <see cref="StopAsync"/> it can be called again; it then resumes the durable stream where it stopped.
    /// </summary>
    /// <exception cref="SwitchboardConnectionException">The server refused the connection (see <see cref="SwitchboardConnectionException.Close"/>, e.g. 4401).</exception>
    /// <exception cref="TimeoutException">The attempt timed out.</exception>
    /// <exception cref="WebSocketException">The WebSocket connection could not be established.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Task? previousRun;
        CancellationTokenSource? previousSession;
        CancellationTokenSource session;
        lock (_gate)
        {
            if (_state != SwitchboardConnectionState.Disconnected)
            {
                throw new InvalidOperationException($"The client is {_state}; call StopAsync first.");
            }

            previousRun = _runTask;
            previousSession = _sessionCts;
            _runTask = null;
            _stopRequested = false;
            _rejectedToken = null; // an explicit connect always asks the server again
            session = _sessionCts = CancellationTokenSource.CreateLinkedTokenSource(_disposeCts.Token);
            if (_connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = NewSignal();
            }
        }

        if (previousRun is not null)
        {
            await previousRun.ConfigureAwait(false);
        }

        previousSession?.Dispose();

        SetState(SwitchboardConnectionState.Connecting, null, null);
        ActiveConnection connection;
        try
        {
            connection = await EstablishAsync(session.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RaiseConnectFailed(0, ex, willRetry: false);
            var close = (ex as SwitchboardConnectionException)?.Close;
            LastClose = close ?? LastClose;
            SetState(SwitchboardConnectionState.Disconnected, close, ex);
            throw;
        }

        await OnConnectedAsync(connection, isReconnect: _epoch is not null).ConfigureAwait(false);
        lock (_gate)
        {
            _runTask = Task.Run(() => RunAsync(connection, session.Token), CancellationToken.None);
        }
    }

    /// <summary>
    /// Closes the connection gracefully (flushing <c>RECEIVED</c> first) and stops reconnecting. Pending commands fail with
    /// <see cref="SwitchboardConnectionException"/>. Subscriptions stay registered for a later <see cref="ConnectAsync"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ActiveConnection? connection;
        Task? run;
        CancellationTokenSource? session;
        lock (_gate)
        {
            if (_state == SwitchboardConnectionState.Disconnected && _runTask is null)
            {
                return;
            }

            _stopRequested = true;
            connection = _connection;
            run = _runTask;
            session = _sessionCts;
        }

        if (connection is not null)
        {
            try
            {
                await FlushAcknowledgementAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.SendFailed(_logger, "RECEIVED", ex);
            }

            using var closeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closeTimeout.CancelAfter(TimeSpan.FromSeconds(2));
            await connection.Transport.CloseAsync(closeTimeout.Token).ConfigureAwait(false);
            if (run is not null)
            {
                // Give the server a moment to answer the close frame (a clean close handshake), then cut.
                try
                {
                    await run.WaitAsync(TimeSpan.FromSeconds(2), _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
        }

        await CancelSafelyAsync(session).ConfigureAwait(false);
        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }

        var close = new SwitchboardCloseInfo(CloseCode.Normal, "stopped by the client", false);
        LastClose = close;
        FailPending(null, close);
        SetState(SwitchboardConnectionState.Disconnected, close, null);
        lock (_gate)
        {
            _runTask = null;
        }
    }

    /// <summary>Stops the client and ends every event stream and handler registration.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _disposeCts.CancelAsync().ConfigureAwait(false);
            EventSubscription[] subscriptions;
            lock (_gate)
            {
                subscriptions = _subscriptions;
                _subscriptions = [];
            }

            foreach (var subscription in subscriptions)
            {
                subscription.Complete();
            }

            _disposeCts.Dispose();
        }
    }

    /// <summary>
    /// Sends <c>RECEIVED</c> with the last durable <c>seq</c> received now (it is also sent automatically every
    /// <see cref="SwitchboardClientOptions.AcknowledgeInterval"/>). Does nothing when there is nothing new or no connection.
    /// </summary>
    public async ValueTask AcknowledgeAsync(CancellationToken cancellationToken = default)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null)
        {
            await FlushAcknowledgementAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a command and returns its typed success reply. The command gets a fresh <c>cid</c>; the call is bounded by
    /// <see cref="SwitchboardClientOptions.CommandTimeout"/>. The typed methods (<see cref="EchoAsync"/>, ...) call this.
    /// </summary>
    /// <typeparam name="TReply">The success reply event type (e.g. <c>EchoEvent</c> for <c>ECHO</c>).</typeparam>
    /// <exception cref="SwitchboardException">The server replied with <c>ERROR</c>, <c>SEND_MESSAGE_ERROR</c> or <c>TRANSFER_ERROR</c> (see its code).</exception>
    /// <exception cref="SwitchboardConnectionException">No connection, or it was lost before the reply.</exception>
    /// <exception cref="TimeoutException">No reply within the command timeout.</exception>
    public async ValueTask<TReply> InvokeAsync<TReply>(IClientCommand command, CancellationToken cancellationToken = default)
        where TReply : class, IServerEvent
    {
        ArgumentNullException.ThrowIfNull(command);
        if (CommandMetadata.TryGet(command.CommandName, out var descriptor) && descriptor.ReplyEvent is null)
        {
            throw new ArgumentException($"{command.CommandName} has no reply; send it with SendAsync.", nameof(command));
        }

        var envelope = await InvokeCoreAsync(command, cancellationToken).ConfigureAwait(false);
        if (envelope.Response is TReply reply && (descriptor is null || envelope.Event == descriptor.ReplyEvent))
        {
            return reply;
        }

        if (ReplyErrors.TryCreateException(envelope.Response, command.CommandName) is { } error)
        {
            throw error;
        }

        throw new SwitchboardException(
            ErrorCode.InvalidEnvelope,
            $"Unexpected reply {envelope.Event} to {command.CommandName}; expected {typeof(TReply).Name}.");
    }

    /// <summary>
    /// Sends a command without a <c>cid</c> (fire-and-forget: the server sends no success reply; errors arrive as
    /// <c>ERROR</c> events without cid). Returns once the frame was written.
    /// </summary>
    public async ValueTask SendAsync(IClientCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var timeout = new CancellationTokenSource(_options.CommandTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            while (true)
            {
                var connection = await WaitForConnectionAsync(linked.Token).ConfigureAwait(false);
                try
                {
                    await connection.Transport.SendAsync(command, null, linked.Token).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (IsTransportFailure(ex) && _options.CommandsWhileReconnecting == SwitchboardOfflineCommandBehavior.Wait)
                {
                    Log.SendFailed(_logger, command.CommandName, ex);
                    await connection.Closed.WaitAsync(linked.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{command.CommandName} could not be sent within {_options.CommandTimeout}.");
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw new SwitchboardConnectionException($"{command.CommandName} could not be sent: {ex.Message}", LastClose, ex);
        }
    }

    private async ValueTask<ServerEnvelope> InvokeCoreAsync(IClientCommand command, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.CommandTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var cid = "c" + Interlocked.Increment(ref _cidCounter).ToString(CultureInfo.InvariantCulture);
        try
        {
            while (true)
            {
                var connection = await WaitForConnectionAsync(linked.Token).ConfigureAwait(false);
                var pending = new PendingCommand(command.CommandName, connection);
                _pending[cid] = pending;
                try
                {
                    await connection.Transport.SendAsync(command, cid, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex) && _options.CommandsWhileReconnecting == SwitchboardOfflineCommandBehavior.Wait)
                {
                    // The frame did not go out: safe to send again on the next connection.
                    _pending.TryRemove(cid, out _);
                    Log.SendFailed(_logger, command.CommandName, ex);
                    await connection.Closed.WaitAsync(linked.Token).ConfigureAwait(false);
                    continue;
                }
                catch
                {
                    _pending.TryRemove(cid, out _);
                    throw;
                }

                return await pending.Reply.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No reply to {command.CommandName} (cid {cid}) within {_options.CommandTimeout}.");
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw new SwitchboardConnectionException($"{command.CommandName} could not be sent: {ex.Message}", LastClose, ex);
        }
        finally
        {
            _pending.TryRemove(cid, out _);
        }
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is WebSocketException or ObjectDisposedException or IOException
        || (ex is InvalidOperationException && ex.Source == "System.Net.WebSockets");

    private async ValueTask<ActiveConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        Task<ActiveConnection> signal;
        lock (_gate)
        {
            if (_connection is { } current)
            {
                return current;
            }

            if (_state == SwitchboardConnectionState.Disconnected || _stopRequested)
            {
                throw new SwitchboardConnectionException("The client is not connected; call ConnectAsync first.", LastClose);
            }

            if (_options.CommandsWhileReconnecting == SwitchboardOfflineCommandBehavior.FailFast)
            {
                throw new SwitchboardConnectionException($"The client is {_state} (CommandsWhileReconnecting = FailFast).", LastClose);
            }

            signal = _connectedSignal.Task;
        }

        return await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- connection lifecycle

    private async Task<ActiveConnection> EstablishAsync(CancellationToken session, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session, cancellationToken, timeout.Token);
        WebSocketTransport? transport = null;
        _repeatedRejectedToken = false;
        try
        {
            var token = await _options.AccessTokenProvider!(linked.Token).ConfigureAwait(false);
            if (string.IsNullOrEmpty(token))
            {
                throw new SwitchboardConnectionException("AccessTokenProvider returned an empty token.");
            }

            if (_rejectedToken is not null && string.Equals(token, _rejectedToken, StringComparison.Ordinal))
            {
                _repeatedRejectedToken = true;
                throw new SwitchboardConnectionException(
                    "The server rejected the access token (4401) and AccessTokenProvider returned the same token again.",
                    new SwitchboardCloseInfo(CloseCode.Unauthorized, "token rejected", false));
            }

            long since;
            string? epoch;
            lock (_gate)
            {
                epoch = _epoch;
                since = Volatile.Read(ref _lastSeq);
            }

            var uri = BuildUri(token, epoch, since);
            Log.Connecting(_logger, RedactedUrl(epoch, since), epoch, since);
            transport = await WebSocketTransport.ConnectAsync(uri, _options.SendAccessTokenInQuery ? null : token, _options, linked.Token).ConfigureAwait(false);
            var first = await transport.ReceiveAsync(linked.Token).ConfigureAwait(false);
            if (!first.Closed && first.Error is null && first.Envelope.Response is ConnectEvent connect)
            {
                transport.MaxSendBytes = connect.MaxMessageBytes;
                if (_options.RespectServerRateLimit && connect.RateLimitPerSecond > 0)
                {
                    transport.RateLimiter = new SendRateLimiter(connect.RateLimitPerSecond, connect.RateLimitBurst, _timeProvider);
                }
                _rejectedToken = null;
                return new ActiveConnection(transport, connect, token, session, _timeProvider.GetTimestamp());
            }

            SwitchboardCloseInfo close;
            if (!first.Closed && first.Error is null && first.Envelope.Response is CloseEvent closeEvent)
            {
                close = FromCloseEvent(closeEvent);
                Log.ServerClose(_logger, close.Code, close.Reason, close.Retryable);
            }
            else if (first.Closed)
            {
                close = FromTransport(transport);
            }
            else
            {
                close = new SwitchboardCloseInfo(
                    CloseCode.ProtocolError,
                    first.Error is { } readError ? $"the first frame could not be read: {readError}" : $"expected CONNECT, received {first.Envelope.Event}",
                    false);
            }

            if (close.Code == CloseCode.Unauthorized)
            {
                _rejectedToken = token;
            }

            throw new SwitchboardConnectionException($"The server refused the connection: {(int)close.Code} {close.Reason}", close);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !session.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            throw new TimeoutException($"Connecting to namespace '{_options.Namespace}' timed out after {_options.ConnectTimeout}.");
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task OnConnectedAsync(ActiveConnection connection, bool isReconnect)
    {
        var connect = connection.Connect;
        string? previousEpoch;
        long previousSeq;
        lock (_gate)
        {
            previousEpoch = _epoch;
            previousSeq = Volatile.Read(ref _lastSeq);
            if (!string.Equals(_epoch, connect.Epoch, StringComparison.Ordinal))
            {
                // A new stream: its seq numbering starts afresh.
                Volatile.Write(ref _lastSeq, 0);
                Volatile.Write(ref _ackedSeq, 0);
            }

            _epoch = connect.Epoch;
        }

        Log.Connected(_logger, connect.User.Id, connect.Namespace.ToWireString(), connect.ClientId, connect.Epoch, connect.Seq, connect.Recovered, connect.Missed);
        ScheduleTokenRefresh(connection, connection.Token, null);
        connection.Maintenance = Task.Run(() => MaintainAsync(connection), CancellationToken.None);
        var signal = default(TaskCompletionSource<ActiveConnection>);
        lock (_gate)
        {
            _connection = connection;
            signal = _connectedSignal;
        }

        SetState(SwitchboardConnectionState.Connected, null, null);
        signal.TrySetResult(connection);
        await DispatchAsync(connect).ConfigureAwait(false);
        if (isReconnect && !connect.Recovered)
        {
            Log.StreamReset(_logger, previousEpoch, connect.Epoch, previousSeq);
            var handler = StreamReset;
            if (handler is not null)
            {
                try
                {
                    handler(this, new SwitchboardStreamResetEventArgs(connect, previousEpoch, previousSeq));
                }
                catch (Exception ex)
                {
                    Log.HandlerFailed(_logger, nameof(StreamReset), ex);
                }
            }
        }

        if (isReconnect && !_rooms.IsEmpty)
        {
            _ = Task.Run(() => RejoinRoomsAsync(connection), CancellationToken.None);
        }
    }

    private async Task RunAsync(ActiveConnection connection, CancellationToken session)
    {
        var current = connection;
        while (true)
        {
            var close = await ReceiveLoopAsync(current).ConfigureAwait(false);
            await TearDownAsync(current, close).ConfigureAwait(false);
            LastClose = close;
            bool stop;
            lock (_gate)
            {
                stop = _stopRequested || session.IsCancellationRequested;
            }

            if (stop)
            {
                return;
            }

            Log.ConnectionLost(_logger, close.Code, close.Reason, close.Retryable);

            if (!_options.Reconnect.Enabled || _options.Reconnect.MaxAttempts == 0 || !CanRetry(close))
            {
                GoDisconnected(close, null);
                return;
            }

            SetState(SwitchboardConnectionState.Reconnecting, close, null);
            var next = await ReconnectAsync(session).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            await OnConnectedAsync(next, isReconnect: true).ConfigureAwait(false);
            current = next;
        }
    }

    private async Task<ActiveConnection?> ReconnectAsync(CancellationToken session)
    {
        var max = _options.Reconnect.MaxAttempts;
        Exception? lastError = null;
        for (var attempt = 1; attempt <= max; attempt++)
        {
            var delay = _backoff.GetDelay(attempt);
            Log.ReconnectScheduled(_logger, attempt, max, delay);
            try
            {
                await Task.Delay(delay, _timeProvider, session).ConfigureAwait(false);
                return await EstablishAsync(session, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (session.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex)
            {
                lastError = ex;
                var close = (ex as SwitchboardConnectionException)?.Close;
                var willRetry = attempt < max && (close is null || CanRetry(close));
                RaiseConnectFailed(attempt, ex, willRetry);
                if (close is not null)
                {
                    LastClose = close;
                }

                if (!willRetry)
                {
                    break;
                }
            }
        }

        lock (_gate)
        {
            if (_stopRequested || session.IsCancellationRequested)
            {
                return null;
            }
        }

        var final = LastClose ?? new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, lastError?.Message, true);
        Log.ReconnectGaveUp(_logger, final.Code, final.Reason);
        GoDisconnected(final, lastError);
        return null;
    }

    private bool CanRetry(SwitchboardCloseInfo close) =>
        close.Retryable || (close.Code == CloseCode.Unauthorized && !_repeatedRejectedToken);

    private void GoDisconnected(SwitchboardCloseInfo close, Exception? error)
    {
        LastClose = close;
        Log.Disconnected(_logger, close.Code, close.Reason);
        FailPending(null, close);
        SetState(SwitchboardConnectionState.Disconnected, close, error);
    }

    private async Task<SwitchboardCloseInfo> ReceiveLoopAsync(ActiveConnection connection)
    {
        try
        {
            while (true)
            {
                var frame = await connection.Transport.ReceiveAsync(connection.Lifetime.Token).ConfigureAwait(false);
                if (frame.Closed)
                {
                    return connection.ServerClose ?? FromTransport(connection.Transport);
                }

                connection.Touch(_timeProvider.GetTimestamp());
                if (frame.Error is { } error)
                {
                    HandleBadFrame(frame.Envelope, error);
                }
                else
                {
                    await HandleEnvelopeAsync(connection, frame.Envelope).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            if (connection.ServerClose is { } serverClose)
            {
                return serverClose;
            }

            if (connection.DeadAfter is { } dead)
            {
                return new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, $"no data from the server for {dead}", true);
            }

            if (ex is OperationCanceledException && connection.Lifetime.IsCancellationRequested)
            {
                return new SwitchboardCloseInfo(CloseCode.Normal, "stopped by the client", false);
            }

            return new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, ex.Message, true);
        }
    }

    private async Task TearDownAsync(ActiveConnection connection, SwitchboardCloseInfo close)
    {
        await CancelSafelyAsync(connection.Lifetime).ConfigureAwait(false);
        if (connection.Maintenance is { } maintenance)
        {
            try
            {
                await maintenance.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        lock (_gate)
        {
            if (ReferenceEquals(_connection, connection))
            {
                _connection = null;
            }

            if (_connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = NewSignal();
            }
        }

        connection.MarkClosed();
        await connection.Transport.DisposeAsync().ConfigureAwait(false);
        FailPending(connection, close);
    }

    private void FailPending(ActiveConnection? connection, SwitchboardCloseInfo close)
    {
        foreach (var (cid, pending) in _pending)
        {
            if (connection is null || ReferenceEquals(pending.Connection, connection))
            {
                if (_pending.TryRemove(cid, out _))
                {
                    pending.Reply.TrySetException(new SwitchboardConnectionException(
                        $"The connection closed ({(int)close.Code} {close.Reason}) before the reply to {pending.CommandName} arrived; the command may or may not have been processed.",
                        close));
                }
            }
        }
    }

    private void HandleBadFrame(ServerEnvelope partial, ProtocolError error)
    {
        // Unknown events from a newer server are expected (SB-ENV-011) and skipped; a reply we cannot read fails its command.
        Log.BadFrame(_logger, partial.Event, error.Code, error.Message, error.Path);
        if (partial.Cid is { } cid && _pending.TryRemove(cid, out var pending))
        {
            pending.Reply.TrySetException(new SwitchboardException(
                error.Code, $"The reply to {pending.CommandName} could not be read: {error.Message}", error.Path));
        }
    }

    private async Task HandleEnvelopeAsync(ActiveConnection connection, ServerEnvelope envelope)
    {
        var response = envelope.Response;
        switch (response)
        {
            case PingEvent:
                try
                {
                    await connection.Transport.SendAsync(new PongCommand(), null, connection.Lifetime.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex) || ex is OperationCanceledException)
                {
                    Log.SendFailed(_logger, CommandNames.Pong, ex);
                }

                return;
            case CloseEvent closeEvent:
                connection.ServerClose = FromCloseEvent(closeEvent);
                Log.ServerClose(_logger, connection.ServerClose.Code, connection.ServerClose.Reason, connection.ServerClose.Retryable);
                await DispatchAsync(response).ConfigureAwait(false);
                return;
        }

        if (envelope.Cid is { } cid)
        {
            if (_pending.TryRemove(cid, out var pending))
            {
                pending.Reply.TrySetResult(envelope);
            }
            else
            {
                Log.LateReply(_logger, envelope.Event, cid);
            }

            if (envelope.Seq is null)
            {
                // A direct reply that is not part of the durable stream belongs to its caller only.
                TrackRoomState(response);
                return;
            }
        }
        else if (ReplyErrors.Describe(response) is { } error)
        {
            Log.UnsolicitedError(_logger, error.Name, error.Code, error.Message);
        }

        if (envelope.Seq is { } seq)
        {
            var last = Volatile.Read(ref _lastSeq);
            if (seq <= last)
            {
                Log.DuplicateDropped(_logger, envelope.Event, seq, last);
                return;
            }
        }

        if (!TrackRoomMessage(response))
        {
            return;
        }

        await DispatchAsync(response).ConfigureAwait(false);
        if (envelope.Seq is { } delivered)
        {
            Volatile.Write(ref _lastSeq, delivered);
            var batch = _options.AcknowledgeBatchSize;
            if (batch > 0 && delivered - Volatile.Read(ref _ackedSeq) >= batch)
            {
                try
                {
                    await FlushAcknowledgementAsync(connection, connection.Lifetime.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex))
                {
                    Log.SendFailed(_logger, "RECEIVED", ex);
                }
            }
        }
    }

    private async ValueTask DispatchAsync(IServerEvent serverEvent)
    {
        var subscriptions = Volatile.Read(ref _subscriptions);
        foreach (var subscription in subscriptions)
        {
            if (subscription.Accepts(serverEvent))
            {
                try
                {
                    await subscription.WriteAsync(serverEvent, _disposeCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_disposeCts.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task MaintainAsync(ActiveConnection connection)
    {
        var serverTimeout = _options.ServerTimeout
            ?? TimeSpan.FromMilliseconds(connection.Connect.PingIntervalMs > 0 ? connection.Connect.PingIntervalMs : 25_000) + TimeSpan.FromSeconds(10);
        var ackInterval = _options.AcknowledgeInterval;
        var period = TimeSpan.FromSeconds(1);
        if (ackInterval != Timeout.InfiniteTimeSpan && ackInterval < period)
        {
            period = ackInterval;
        }

        if (serverTimeout / 4 < period)
        {
            period = serverTimeout / 4;
        }

        var lastAck = _timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(period, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(connection.Lifetime.Token).ConfigureAwait(false))
            {
                var silent = _timeProvider.GetElapsedTime(connection.LastReceived);
                if (silent > serverTimeout)
                {
                    Log.DeadConnection(_logger, silent, serverTimeout);
                    connection.DeadAfter = silent;
                    connection.Transport.Abort();
                    return;
                }

                if (ackInterval != Timeout.InfiniteTimeSpan && _timeProvider.GetElapsedTime(lastAck) >= ackInterval)
                {
                    lastAck = _timeProvider.GetTimestamp();
                    try
                    {
                        await FlushAcknowledgementAsync(connection, connection.Lifetime.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsTransportFailure(ex))
                    {
                        Log.SendFailed(_logger, "RECEIVED", ex);
                    }
                }

                if (connection.RefreshAt is { } refreshAt && _timeProvider.GetUtcNow() >= refreshAt)
                {
                    connection.RefreshAt = null;
                    _ = Task.Run(() => RefreshInBandAsync(connection), CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (connection.Lifetime.IsCancellationRequested)
        {
        }
    }

    private async ValueTask FlushAcknowledgementAsync(ActiveConnection connection, CancellationToken cancellationToken)
    {
        var seq = Volatile.Read(ref _lastSeq);
        if (seq <= Volatile.Read(ref _ackedSeq))
        {
            return;
        }

        await connection.Transport.SendAsync(new ReceivedCommand { Seq = seq }, null, cancellationToken).ConfigureAwait(false);
        long observed;
        do
        {
            observed = Volatile.Read(ref _ackedSeq);
            if (observed >= seq)
            {
                break;
            }
        }
        while (Interlocked.CompareExchange(ref _ackedSeq, seq, observed) != observed);
    }

    private void ScheduleTokenRefresh(ActiveConnection connection, string token, DateTimeOffset? serverExpiry)
    {
        var ratio = _options.TokenRefreshRatio;
        DateTimeOffset expiresAt;
        if (ratio <= 0)
        {
            connection.RefreshAt = null;
            return;
        }

        if (serverExpiry is { } fromServer)
        {
            expiresAt = fromServer;
        }
        else if (!JwtExpiry.TryGetExpiry(token, out expiresAt))
        {
            connection.RefreshAt = null;
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var remaining = expiresAt - now;
        connection.RefreshAt = remaining <= TimeSpan.Zero ? null : now + (remaining * ratio);
    }

    private async Task RefreshInBandAsync(ActiveConnection connection)
    {
        try
        {
            var token = await _options.AccessTokenProvider!(connection.Lifetime.Token).ConfigureAwait(false);
            var ack = await RefreshTokenAsync(token, connection.Lifetime.Token).ConfigureAwait(false);
            connection.Token = token;
            ScheduleTokenRefresh(connection, token, null);
            if (connection.RefreshAt is null && ack.ExpiresAt is { } expiresAt)
            {
                ScheduleTokenRefresh(connection, token, expiresAt);
            }

            Log.TokenRefreshed(_logger, connection.RefreshAt);
        }
        catch (OperationCanceledException) when (connection.Lifetime.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.TokenRefreshFailed(_logger, ex);
            if (!connection.Lifetime.IsCancellationRequested)
            {
                // Try again shortly; at expiry the server closes with 4419 and the reconnect fetches a new token anyway.
                connection.RefreshAt = _timeProvider.GetUtcNow() + TimeSpan.FromSeconds(5);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void SetState(SwitchboardConnectionState state, SwitchboardCloseInfo? close, Exception? error)
    {
        SwitchboardConnectionState previous;
        lock (_gate)
        {
            previous = _state;
            if (previous == state)
            {
                return;
            }

            _state = state;
            if (state == SwitchboardConnectionState.Disconnected)
            {
                var failed = _connectedSignal;
                failed.TrySetException(new SwitchboardConnectionException("The client disconnected.", close, error));
                _ = failed.Task.Exception; // observed: waiters get it through WaitForConnectionAsync
            }
        }

        Log.StateChanged(_logger, previous, state);
        var handler = StateChanged;
        if (handler is not null)
        {
            try
            {
                handler(this, new SwitchboardConnectionStateChangedEventArgs(previous, state, close, error));
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, nameof(StateChanged), ex);
            }
        }
    }

    private void RaiseConnectFailed(int attempt, Exception error, bool willRetry)
    {
        Log.ConnectFailed(_logger, attempt, willRetry, error);
        var handler = ConnectFailed;
        if (handler is not null)
        {
            try
            {
                handler(this, new SwitchboardConnectFailedEventArgs(attempt, error, willRetry));
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, nameof(ConnectFailed), ex);
            }
        }
    }

    private Uri BuildUri(string token, string? epoch, long since)
    {
        var baseUrl = _options.Url!;
        var builder = new UriBuilder(baseUrl)
        {
            Scheme = baseUrl.Scheme switch
            {
                "http" => "ws",
                "https" => "wss",
                _ => baseUrl.Scheme,
            },
            Port = baseUrl.IsDefaultPort ? -1 : baseUrl.Port,
            Path = baseUrl.AbsolutePath.TrimEnd('/') + "/" + _options.Namespace,
        };

        var query = new StringBuilder(builder.Query.TrimStart('?'));
        if (_options.SendAccessTokenInQuery)
        {
            Append(query, "access_token", token);
        }

        if (epoch is not null)
        {
            Append(query, "since", since.ToString(CultureInfo.InvariantCulture));
            Append(query, "epoch", epoch);
        }

        builder.Query = query.ToString();
        return builder.Uri;

        static void Append(StringBuilder query, string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private string RedactedUrl(string? epoch, long since) =>
        $"{_options.Url!.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{_options.Namespace}" + (epoch is null ? string.Empty : $"?since={since}&epoch={epoch}");

    private static SwitchboardCloseInfo FromCloseEvent(CloseEvent closeEvent) =>
        new((CloseCode)closeEvent.Code, closeEvent.Reason, closeEvent.Retryable);

    private static SwitchboardCloseInfo FromTransport(WebSocketTransport transport)
    {
        if (transport.CloseStatus is not { } status)
        {
            return new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, "the connection closed without a close frame", true);
        }

        var code = (CloseCode)(int)status;
        return new SwitchboardCloseInfo(code, transport.CloseStatusDescription, IsRetryableCloseCode(code));
    }

    /// <summary>Switchboard close codes per the spec; standard WebSocket codes by their meaning.</summary>
    internal static bool IsRetryableCloseCode(CloseCode code) => (int)code switch
    {
        1001 or 1006 or 1011 or 1012 or 1013 or 1014 => true,
        _ when Enum.IsDefined(code) => CloseCodes.IsRetryable(code),
        _ => false,
    };

    private static TaskCompletionSource<ActiveConnection> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task CancelSafelyAsync(CancellationTokenSource? source)
    {
        if (source is null)
        {
            return;
        }

        try
        {
            await source.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private sealed class PendingCommand(string commandName, ActiveConnection connection)
    {
        public string CommandName { get; } = commandName;

        public ActiveConnection Connection { get; } = connection;

        public TaskCompletionSource<ServerEnvelope> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class ActiveConnection(WebSocketTransport transport, ConnectEvent connect, string token, CancellationToken session, long connectedAt)
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _lastReceived = connectedAt;

        public WebSocketTransport Transport { get; } = transport;

        public ConnectEvent Connect { get; } = connect;

        public string Token { get; set; } = token;

        public CancellationTokenSource Lifetime { get; } = CancellationTokenSource.CreateLinkedTokenSource(session);

        public long LastReceived => Volatile.Read(ref _lastReceived);

        public SwitchboardCloseInfo? ServerClose { get; set; }

        public TimeSpan? DeadAfter { get; set; }

        public DateTimeOffset? RefreshAt { get; set; }

        public Task? Maintenance { get; set; }

        /// <summary>Completes when the connection has been torn down.</summary>
        public Task Closed => _closed.Task;

        public void Touch(long timestamp) => Volatile.Write(ref _lastReceived, timestamp);

        public void MarkClosed() => _closed.TrySetResult();
    }
}

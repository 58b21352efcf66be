using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchboard.Client.Internal;
using Switchboard.Client.Transport;
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
/// <para>
/// This file holds the public surface and the command path; the connection loop (connect, receive, reconnect, keepalive
/// ticks) is in <c>SwitchboardClient.Connection.cs</c>. The pieces with state of their own are separate classes:
/// <see cref="RequestCorrelator"/> (replies by cid), <see cref="DurableStreamCursor"/> (seq/epoch/dedupe/RECEIVED),
/// <see cref="RoomCursor"/> (rooms to re-join), <see cref="KeepAliveMonitor"/> and <see cref="TokenRefresher"/> (per connection),
/// <see cref="ISwitchboardRetryPolicy"/> (when to reconnect) and <see cref="ISwitchboardTransportFactory"/> (the socket).
/// </para>
/// </remarks>
public sealed partial class SwitchboardClient : IAsyncDisposable
{
    /// <summary>How long <see cref="StopAsync"/> waits for the server's answer to its close frame.</summary>
    private static readonly TimeSpan s_closeHandshakeTimeout = TimeSpan.FromSeconds(2);

    private readonly SwitchboardClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ISwitchboardTransportFactory _transportFactory;
    private readonly ISwitchboardRetryPolicy _retryPolicy;
    private readonly RequestCorrelator _requests = new();
    private readonly DurableStreamCursor _cursor = new();
    private readonly RoomCursor _rooms = new();
    private readonly CancellationTokenSource _disposeCts = new();

    /// <summary>Guards the connection state below.</summary>
    private readonly Lock _gate = new();
    private EventSubscription[] _subscriptions = [];
    private SwitchboardConnectionState _state;
    private ActiveConnection? _connection;
    private TaskCompletionSource<ActiveConnection> _connectedSignal = NewSignal();
    private CancellationTokenSource? _sessionCts;
    private Task? _runTask;
    private bool _stopRequested;
    private string? _rejectedToken;
    private bool _repeatedRejectedToken;
    private int _disposed;

    /// <summary>Creates a client. The options are validated now and must not be changed afterwards.</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Logging; defaults to no logging.</param>
    /// <param name="timeProvider">Time source for timeouts, backoff, keepalive and token refresh; defaults to <see cref="TimeProvider.System"/>.</param>
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
        _transportFactory = options.TransportFactory ?? new WebSocketTransportFactory(options);
        _retryPolicy = options.Reconnect.RetryPolicy ?? new SwitchboardBackoffRetryPolicy(options.Reconnect);
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
    public SwitchboardStreamPosition StreamPosition => _cursor.Position;

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

        await OnConnectedAsync(connection).ConfigureAwait(false);
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

            using var closeTimeout = new CancellationTokenSource(s_closeHandshakeTimeout, _timeProvider);
            using var closeLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closeTimeout.Token);
            await connection.CloseAsync(closeLinked.Token).ConfigureAwait(false);
            if (run is not null)
            {
                // Give the server a moment to answer the close frame (a clean close handshake), then cut.
                try
                {
                    await run.WaitAsync(s_closeHandshakeTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
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
        _requests.FailAll(null, close);
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

        var envelope = await InvokeTrackedAsync(command, cancellationToken).ConfigureAwait(false);
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
                    await connection.SendAsync(command, null, linked.Token).ConfigureAwait(false);
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
        var cid = _requests.NextCid();
        try
        {
            while (true)
            {
                var connection = await WaitForConnectionAsync(linked.Token).ConfigureAwait(false);
                var pending = _requests.Register(cid, command.CommandName, connection);
                try
                {
                    await connection.SendAsync(command, cid, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex) && _options.CommandsWhileReconnecting == SwitchboardOfflineCommandBehavior.Wait)
                {
                    // The frame did not go out: safe to send again on the next connection.
                    _requests.Remove(cid);
                    Log.SendFailed(_logger, command.CommandName, ex);
                    await connection.Closed.WaitAsync(linked.Token).ConfigureAwait(false);
                    continue;
                }
                catch
                {
                    _requests.Remove(cid);
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
            _requests.Remove(cid);
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

    /// <summary>
    /// <see cref="InvokeCoreAsync"/> plus room membership: a joined room is re-joined after reconnects, a left or refused
    /// one is not, whichever way the command was sent (typed method or <see cref="InvokeAsync{TReply}"/>).
    /// </summary>
    private async ValueTask<ServerEnvelope> InvokeTrackedAsync(IClientCommand command, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case JoinRoomCommand join:
                ArgumentException.ThrowIfNullOrEmpty(join.Room, nameof(command));
                if (_options.RejoinRoomsOnReconnect)
                {
                    _rooms.Joining(join.Room, join.Since);
                }

                break;
            case LeaveRoomCommand leave:
                ArgumentException.ThrowIfNullOrEmpty(leave.Room, nameof(command));
                _rooms.Forget(leave.Room);
                break;
        }

        var envelope = await InvokeCoreAsync(command, cancellationToken).ConfigureAwait(false);
        if (command is JoinRoomCommand refused && ReplyErrors.Describe(envelope.Response) is not null)
        {
            _rooms.Forget(refused.Room);
        }

        return envelope;
    }

    // ---------------------------------------------------------------- state and events


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
}

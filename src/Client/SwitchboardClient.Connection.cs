using Switchboard.Client.Internal;
using Switchboard.Client.Transport;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client;

// The connection loop: establish a connection, receive and route its frames, run its periodic keepalive /
// acknowledgement / token-refresh tick, tear it down, and reconnect as the retry policy says.
public sealed partial class SwitchboardClient
{
    // ---------------------------------------------------------------- establishing

    private async Task<ActiveConnection> EstablishAsync(CancellationToken session, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session, cancellationToken, timeout.Token);
        ISwitchboardTransport? transport = null;
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

            var (epoch, since) = _cursor.Position;
            var uri = ConnectionUri.Build(_options, token, epoch, since);
            Log.Connecting(_logger, ConnectionUri.Redacted(_options, epoch, since), epoch, since);
            transport = await _transportFactory.ConnectAsync(uri, _options.SendAccessTokenInQuery ? null : token, linked.Token).ConfigureAwait(false);
            var first = ActiveConnection.Parse(await transport.ReceiveAsync(linked.Token).ConfigureAwait(false));
            if (!first.Closed && first.Error is null && first.Envelope.Response is ConnectEvent connect)
            {
                var rateLimiter = _options.RespectServerRateLimit && connect.RateLimitPerSecond > 0
                    ? new SendRateLimiter(connect.RateLimitPerSecond, connect.RateLimitBurst, _timeProvider)
                    : null;
                _rejectedToken = null;
                return new ActiveConnection(
                    transport,
                    connect,
                    rateLimiter,
                    new KeepAliveMonitor(_options.ServerTimeout, connect.PingIntervalMs, _timeProvider),
                    new TokenRefresher(token, _options.TokenRefreshRatio, _timeProvider),
                    session);
            }

            SwitchboardCloseInfo close;
            if (!first.Closed && first.Error is null && first.Envelope.Response is CloseEvent closeEvent)
            {
                close = FromCloseEvent(closeEvent);
                Log.ServerClose(_logger, close.Code, close.Reason, close.Retryable);
            }
            else if (first.Closed)
            {
                close = ActiveConnection.CloseInfoOf(transport);
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

    private async Task OnConnectedAsync(ActiveConnection connection)
    {
        var connect = connection.Connect;
        var previous = _cursor.Adopt(connect.Epoch);
        var isReconnect = previous.Epoch is not null;
        Log.Connected(_logger, connect.User.Id, connect.Namespace.ToWireString(), connect.ClientId, connect.Epoch, connect.Seq, connect.Recovered, connect.Missed);

        // The tick's timer exists before anyone can observe the connection, so time advanced afterwards always reaches it.
        var timer = new PeriodicTimer(MaintenancePeriod(connection.KeepAlive), _timeProvider);
        connection.Maintenance = Task.Run(() => MaintainAsync(connection, timer), CancellationToken.None);
        TaskCompletionSource<ActiveConnection> signal;
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
            Log.StreamReset(_logger, previous.Epoch, connect.Epoch, previous.Seq);
            var handler = StreamReset;
            if (handler is not null)
            {
                try
                {
                    handler(this, new SwitchboardStreamResetEventArgs(connect, previous.Epoch, previous.Seq));
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

    private async Task RejoinRoomsAsync(ActiveConnection connection)
    {
        foreach (var (room, since) in _rooms.Rejoins())
        {
            if (connection.Lifetime.IsCancellationRequested)
            {
                return;
            }

            try
            {
                // Not through InvokeTrackedAsync: a failed re-join is logged and tried again after the next reconnect.
                var envelope = await InvokeCoreAsync(new JoinRoomCommand { Room = room, Since = since }, connection.Lifetime.Token).ConfigureAwait(false);
                if (ReplyErrors.TryCreateException(envelope.Response, CommandNames.JoinRoom) is { } error)
                {
                    throw error;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.RoomRejoinFailed(_logger, room, ex);
            }
        }
    }

    // ---------------------------------------------------------------- the loop and reconnecting

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
            var lostAt = _timeProvider.GetTimestamp();
            var firstDelay = _options.Reconnect.Enabled && CanRetry(close) ? NextRetryDelay(0, lostAt, null, close) : null;
            if (firstDelay is not { } delay)
            {
                GoDisconnected(close, null);
                return;
            }

            SetState(SwitchboardConnectionState.Reconnecting, close, null);
            var next = await ReconnectAsync(delay, lostAt, close, session).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            await OnConnectedAsync(next).ConfigureAwait(false);
            current = next;
        }
    }

    private async Task<ActiveConnection?> ReconnectAsync(TimeSpan delay, long lostAt, SwitchboardCloseInfo lost, CancellationToken session)
    {
        Exception? lastError = null;
        for (var attempt = 1; ; attempt++)
        {
            Log.ReconnectScheduled(_logger, attempt, delay);
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
                var next = close is null || CanRetry(close) ? NextRetryDelay(attempt, lostAt, ex, lost) : null;
                RaiseConnectFailed(attempt, ex, willRetry: next is not null);
                if (close is not null)
                {
                    LastClose = close;
                }

                if (next is not { } nextDelay)
                {
                    break;
                }

                delay = nextDelay;
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

    /// <summary>Asks the retry policy; a policy that throws stops reconnecting (logged), a negative delay counts as zero.</summary>
    private TimeSpan? NextRetryDelay(int previousRetries, long lostAt, Exception? reason, SwitchboardCloseInfo lost)
    {
        try
        {
            var delay = _retryPolicy.NextRetryDelay(new SwitchboardRetryContext(previousRetries, _timeProvider.GetElapsedTime(lostAt), reason, lost));
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, nameof(ISwitchboardRetryPolicy), ex);
            return null;
        }
    }

    private bool CanRetry(SwitchboardCloseInfo close) =>
        close.Retryable || (close.Code == CloseCode.Unauthorized && !_repeatedRejectedToken);

    private void GoDisconnected(SwitchboardCloseInfo close, Exception? error)
    {
        LastClose = close;
        Log.Disconnected(_logger, close.Code, close.Reason);
        _requests.FailAll(null, close);
        SetState(SwitchboardConnectionState.Disconnected, close, error);
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
        await connection.DisposeAsync().ConfigureAwait(false);
        _requests.FailAll(connection, close);
    }

    // ---------------------------------------------------------------- receiving

    private async Task<SwitchboardCloseInfo> ReceiveLoopAsync(ActiveConnection connection)
    {
        try
        {
            while (true)
            {
                var frame = await connection.ReceiveAsync().ConfigureAwait(false);
                if (frame.Closed)
                {
                    return connection.ServerClose ?? connection.TransportClose();
                }

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

    private void HandleBadFrame(ServerEnvelope partial, ProtocolError error)
    {
        // Unknown events from a newer server are expected (SB-ENV-011) and skipped; a reply we cannot read fails its command.
        Log.BadFrame(_logger, partial.Event, error.Code, error.Message, error.Path);
        if (partial.Cid is { } cid)
        {
            _requests.TryFail(cid, commandName => new SwitchboardException(
                error.Code, $"The reply to {commandName} could not be read: {error.Message}", error.Path));
        }
    }

    private async Task HandleEnvelopeAsync(ActiveConnection connection, ServerEnvelope envelope)
    {
        var response = envelope.Response;
        if (KeepAliveMonitor.AnswerTo(response) is { } answer)
        {
            try
            {
                await connection.SendAsync(answer, null, connection.Lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportFailure(ex) || ex is OperationCanceledException)
            {
                Log.SendFailed(_logger, answer.CommandName, ex);
            }

            return;
        }

        if (response is CloseEvent closeEvent)
        {
            connection.ServerClose = FromCloseEvent(closeEvent);
            Log.ServerClose(_logger, connection.ServerClose.Code, connection.ServerClose.Reason, connection.ServerClose.Retryable);
            await DispatchAsync(response).ConfigureAwait(false);
            return;
        }

        if (envelope.Cid is { } cid)
        {
            if (!_requests.TryComplete(cid, envelope))
            {
                Log.LateReply(_logger, envelope.Event, cid);
            }

            if (envelope.Seq is null)
            {
                // A direct reply that is not part of the durable stream belongs to its caller only.
                _rooms.Observe(response);
                return;
            }
        }
        else if (ReplyErrors.Describe(response) is { } error)
        {
            Log.UnsolicitedError(_logger, error.Name, error.Code, error.Message);
        }

        if (envelope.Seq is { } seq && _cursor.IsDuplicate(seq, out var last))
        {
            Log.DuplicateDropped(_logger, envelope.Event, seq, last);
            return;
        }

        if (!_rooms.ShouldDeliver(response))
        {
            var message = (RoomMessageEvent)response;
            Log.DuplicateRoomMessageDropped(_logger, message.Room, message.RoomSeq);
            return;
        }

        await DispatchAsync(response).ConfigureAwait(false);
        if (envelope.Seq is { } delivered)
        {
            _cursor.MarkDelivered(delivered);
            if (_cursor.IsAcknowledgementDue(_options.AcknowledgeBatchSize))
            {
                try
                {
                    await FlushAcknowledgementAsync(connection, connection.Lifetime.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex))
                {
                    Log.SendFailed(_logger, CommandNames.Received, ex);
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

    // ---------------------------------------------------------------- the periodic tick

    private TimeSpan MaintenancePeriod(KeepAliveMonitor keepAlive)
    {
        var ackInterval = _options.AcknowledgeInterval;
        return ackInterval != Timeout.InfiniteTimeSpan && ackInterval < keepAlive.CheckPeriod ? ackInterval : keepAlive.CheckPeriod;
    }

    /// <summary>Every tick: is the connection dead (keepalive), is a <c>RECEIVED</c> due, is a token refresh due.</summary>
    private async Task MaintainAsync(ActiveConnection connection, PeriodicTimer timer)
    {
        var ackInterval = _options.AcknowledgeInterval;
        var lastAck = _timeProvider.GetTimestamp();
        using var ownedTimer = timer;
        try
        {
            while (await timer.WaitForNextTickAsync(connection.Lifetime.Token).ConfigureAwait(false))
            {
                if (connection.KeepAlive.IsDead(out var silent))
                {
                    Log.DeadConnection(_logger, silent, connection.KeepAlive.ServerTimeout);
                    connection.DeadAfter = silent;
                    connection.Abort();
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
                        Log.SendFailed(_logger, CommandNames.Received, ex);
                    }
                }

                if (connection.TokenRefresher.TryClaimDue())
                {
                    _ = Task.Run(
                        () => connection.TokenRefresher.RefreshAsync(_options.AccessTokenProvider!, RefreshTokenAsync, _logger, connection.Lifetime.Token),
                        CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (connection.Lifetime.IsCancellationRequested)
        {
        }
    }

    private async ValueTask FlushAcknowledgementAsync(ActiveConnection connection, CancellationToken cancellationToken)
    {
        if (_cursor.Unacknowledged() is not { } seq)
        {
            return;
        }

        await connection.SendAsync(new ReceivedCommand { Seq = seq }, null, cancellationToken).ConfigureAwait(false);
        _cursor.MarkAcknowledged(seq);
    }

    // ---------------------------------------------------------------- close codes

    private static SwitchboardCloseInfo FromCloseEvent(CloseEvent closeEvent) =>
        new((CloseCode)closeEvent.Code, closeEvent.Reason, closeEvent.Retryable);

    /// <summary>Switchboard close codes per the spec; standard WebSocket codes by their meaning.</summary>
    internal static bool IsRetryableCloseCode(CloseCode code) => (int)code switch
    {
        1001 or 1006 or 1011 or 1012 or 1013 or 1014 => true,
        _ when Enum.IsDefined(code) => CloseCodes.IsRetryable(code),
        _ => false,
    };
}

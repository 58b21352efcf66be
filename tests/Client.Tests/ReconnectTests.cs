using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>
/// Reconnect, resume, retry policy, connect timeout and token refresh on the in-memory transport with fake time
/// (deterministic: no wall-clock delays decide an outcome). Real sockets cut by a TCP proxy: <see cref="Integration.ReconnectIntegrationTests"/>.
/// </summary>
public sealed class ReconnectTests
{
    private static async Task<(SwitchboardClient Client, InMemoryPeer Peer)> ConnectAsync(
        InMemoryServer server, TestTime time, SwitchboardClientOptions? options = null, ListLoggerFactory? logs = null)
    {
        var client = new SwitchboardClient(options ?? server.Options(), logs, time);
        var connecting = client.ConnectAsync();
        var peer = await server.AcceptAndGreetAsync();
        await connecting.WaitAsync(InMemoryServer.HangGuard);
        return (client, peer);
    }

    private static async Task AnswerEchoAsync(InMemoryPeer peer)
    {
        var echo = await peer.ReceiveAsync(CommandNames.Echo);
        await peer.SendAsync(new EchoEvent { Data = ((EchoCommand)echo.Request).Data }, cid: echo.Cid);
    }

    [Fact]
    public async Task Commands_issued_while_reconnecting_wait_for_the_connection()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var (client, first) = await ConnectAsync(server, time);
        await using var owned = client;
        first.Drop();
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Reconnecting, "the client notices the drop");

        var echo = client.EchoAsync("after outage").AsTask();
        Assert.False(echo.IsCompleted); // no connection, and time stands still: nothing can complete it yet
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay);
        time.Advance(InMemoryServer.RetryDelay);
        var second = await server.AcceptAndGreetAsync();
        await AnswerEchoAsync(second);
        Assert.Equal("after outage", (await echo.WaitAsync(InMemoryServer.HangGuard)).Data);
    }

    [Fact]
    public async Task Fail_fast_commands_throw_while_reconnecting()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var options = server.Options();
        options.CommandsWhileReconnecting = SwitchboardOfflineCommandBehavior.FailFast;
        var (client, first) = await ConnectAsync(server, time, options);
        await using var owned = client;
        first.Drop();
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Reconnecting, "the client notices the drop");
        await Assert.ThrowsAsync<SwitchboardConnectionException>(async () => await client.EchoAsync("x"));
    }

    [Fact]
    public async Task A_command_without_reply_times_out_after_the_command_timeout_and_a_dropped_connection_fails_it()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var options = server.Options();
        options.CommandTimeout = TimeSpan.FromSeconds(5);
        options.Reconnect.Enabled = false;
        var (client, peer) = await ConnectAsync(server, time, options);
        await using var owned = client;

        var unanswered = client.EchoAsync("unanswered").AsTask();
        await peer.ReceiveAsync(CommandNames.Echo);
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(unanswered.IsCompleted); // the timeout timer cannot fire before 5 s
        time.Advance(TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<TimeoutException>(() => unanswered.WaitAsync(InMemoryServer.HangGuard));

        var dropped = client.EchoAsync("dropped").AsTask();
        await peer.ReceiveAsync(CommandNames.Echo);
        peer.Drop();
        var lost = await Assert.ThrowsAsync<SwitchboardConnectionException>(() => dropped.WaitAsync(InMemoryServer.HangGuard));
        Assert.True(lost.Close!.Retryable);
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "reconnection is disabled");
    }

    [Fact]
    public async Task A_server_that_never_answers_the_upgrade_is_a_connect_timeout()
    {
        var server = new InMemoryServer { HangConnections = true };
        var time = new TestTime();
        var options = server.Options();
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        await using var client = new SwitchboardClient(options, null, time);
        SwitchboardConnectFailedEventArgs? failed = null;
        client.ConnectFailed += (_, e) => failed = e;

        var connecting = client.ConnectAsync();
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(connecting.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<TimeoutException>(() => connecting.WaitAsync(InMemoryServer.HangGuard));
        Assert.NotNull(failed);
        Assert.True(failed.IsTimeout);
        Assert.False(failed.WillRetry);
        Assert.Equal(SwitchboardConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Non_retryable_close_stops_reconnecting()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var (client, first) = await ConnectAsync(server, time);
        await using var owned = client;
        var failures = new List<SwitchboardConnectFailedEventArgs>();
        client.ConnectFailed += (_, e) => { lock (failures) { failures.Add(e); } };
        first.Drop();

        // The server now refuses the user in this namespace: CLOSE 4403 (not retryable) instead of CONNECT.
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay);
        time.Advance(InMemoryServer.RetryDelay);
        var second = await server.AcceptAsync();
        await second.SendAsync(new CloseEvent { Code = (int)CloseCode.Forbidden, Reason = "namespace not allowed", Retryable = false });
        second.Close((int)CloseCode.Forbidden, "namespace not allowed");

        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "the client gives up");
        Assert.Equal(CloseCode.Forbidden, client.LastClose!.Code);
        Assert.False(client.LastClose.Retryable);
        var failure = Assert.Single(failures);
        Assert.False(failure.WillRetry);
        Assert.Equal(2, server.Attempts);
        await Assert.ThrowsAsync<SwitchboardConnectionException>(async () => await client.EchoAsync("x"));
    }

    [Fact]
    public async Task Gives_up_after_max_attempts_of_the_default_policy_and_reports_each_failure()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var options = server.Options();
        options.Reconnect.RetryPolicy = null; // the default: capped jittered backoff
        options.Reconnect.MaxAttempts = 3;
        options.Reconnect.InitialDelay = TimeSpan.FromSeconds(1);
        options.Reconnect.MaxDelay = TimeSpan.FromSeconds(4);
        var (client, first) = await ConnectAsync(server, time, options);
        await using var owned = client;
        var failures = new List<SwitchboardConnectFailedEventArgs>();
        client.ConnectFailed += (_, e) => { lock (failures) { failures.Add(e); } };
        server.RefuseConnections = true;
        first.Drop();

        await time.AdvanceUntilAsync(() => client.State == SwitchboardConnectionState.Disconnected, TimeSpan.FromMilliseconds(500), "the client gives up");
        Assert.Equal([1, 2, 3], failures.Select(f => f.Attempt));
        Assert.Equal([true, true, false], failures.Select(f => f.WillRetry));
        Assert.Equal(4, server.Attempts);
        Assert.True(client.LastClose!.Retryable);
    }

    [Fact]
    public async Task A_custom_retry_policy_decides_the_delays_and_when_to_stop()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var options = server.Options();
        var policy = new RecordingPolicy(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7));
        options.Reconnect.RetryPolicy = policy;
        var (client, first) = await ConnectAsync(server, time, options);
        await using var owned = client;
        server.RefuseConnections = true;
        first.Drop();

        await time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Equal(1, server.Attempts); // not before the policy's delay
        time.Advance(TimeSpan.FromTicks(1));
        await Eventually.TrueAsync(() => server.Attempts == 2, "the first retry happens after 2 s");

        await time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        time.Advance(TimeSpan.FromSeconds(7));
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "the policy said stop");
        Assert.Equal(3, server.Attempts);

        var calls = policy.Calls.ToArray();
        Assert.Equal([0, 1, 2], calls.Select(c => c.PreviousRetryCount));
        Assert.Null(calls[0].RetryReason);
        Assert.NotNull(calls[1].RetryReason);
        Assert.Equal(TimeSpan.Zero, calls[0].ElapsedTime);
        Assert.Equal(TimeSpan.FromSeconds(2), calls[1].ElapsedTime);
        Assert.Equal(TimeSpan.FromSeconds(9), calls[2].ElapsedTime);
        Assert.All(calls, c => Assert.Equal(SwitchboardCloseInfo.AbnormalClosure, (int)c.LostConnection.Code));
    }

    [Fact]
    public async Task A_retry_policy_that_throws_stops_reconnecting_and_is_logged()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var logs = new ListLoggerFactory();
        var options = server.Options();
        options.Reconnect.RetryPolicy = new ThrowingPolicy();
        var (client, first) = await ConnectAsync(server, time, options, logs);
        await using var owned = client;
        first.Drop();
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "the client gives up");
        Assert.True(logs.Has("HandlerFailed"));
        Assert.Equal(1, server.Attempts);
        Assert.True(client.LastClose!.Retryable);
    }

    [Fact]
    public async Task Durable_events_resume_with_since_and_epoch_and_duplicates_are_dropped()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var options = server.Options();
        options.AcknowledgeInterval = Timeout.InfiniteTimeSpan;
        await using var client = new SwitchboardClient(options, null, time);
        await using var inbox = client.Events<PrivateMessageEvent>();
        var resets = 0;
        client.StreamReset += (_, _) => Interlocked.Increment(ref resets);
        var connecting = client.ConnectAsync();
        var first = await server.AcceptAndGreetAsync("E1");
        await connecting;
        foreach (var n in new[] { 1, 2, 3, 2, 3, 4 })
        {
            await first.SendAsync(InMemoryServer.Message(n), seq: n);
        }

        var received = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            received.Add((await inbox.NextAsync()).Data);
        }

        first.Drop();
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay);
        time.Advance(InMemoryServer.RetryDelay);
        var second = await server.AcceptAndGreetAsync("E1", seq: 5);
        foreach (var n in new[] { 3, 4, 5 })
        {
            await second.SendAsync(InMemoryServer.Message(n), seq: n);
        }

        received.Add((await inbox.NextAsync()).Data);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], received);
        await Eventually.TrueAsync(() => client.StreamPosition.Seq == 5, "seq 5 was processed");
        Assert.False(inbox.TryRead(out _));
        Assert.Equal(0, resets);
        var uris = server.Uris.ToArray();
        Assert.DoesNotContain("since", uris[0].Query, StringComparison.Ordinal);
        Assert.Contains("since=4&epoch=E1", uris[1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_epoch_after_a_reconnect_raises_StreamReset_and_restarts_the_numbering()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var (client, first) = await ConnectAsync(server, time);
        await using var owned = client;
        await using var inbox = client.Events<PrivateMessageEvent>();
        var resets = new List<SwitchboardStreamResetEventArgs>();
        client.StreamReset += (_, e) => resets.Add(e);
        await first.SendAsync(InMemoryServer.Message(7), seq: 7);
        await inbox.NextAsync();
        first.Drop();
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay);
        time.Advance(InMemoryServer.RetryDelay);
        var second = await server.AcceptAndGreetAsync("E2", seq: 0, recovered: false);
        await second.SendAsync(InMemoryServer.Message(1), seq: 1);
        Assert.Equal("m1", (await inbox.NextAsync()).Data); // seq 1 of the new epoch is not a duplicate of seq 7
        var reset = Assert.Single(resets);
        Assert.Equal("E1", reset.PreviousEpoch);
        Assert.Equal(7, reset.PreviousSeq);
        await Eventually.TrueAsync(() => client.StreamPosition == new SwitchboardStreamPosition("E2", 1), "the position is in the new epoch");
    }

    [Fact]
    public async Task Rooms_are_rejoined_with_since_and_replayed_room_messages_are_delivered_once()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var (client, first) = await ConnectAsync(server, time);
        await using var owned = client;
        await using var messages = client.Events<RoomMessageEvent>();
        var joining = client.JoinRoomAsync("lobby").AsTask();
        var join = await first.ReceiveAsync(CommandNames.JoinRoom);
        Assert.Null(((JoinRoomCommand)join.Request).Since);
        await first.SendAsync(RoomState("lobby", 5), cid: join.Cid);
        await joining.WaitAsync(InMemoryServer.HangGuard);
        await first.SendAsync(RoomMessage("lobby", 6));
        Assert.Equal("r6", (await messages.NextAsync()).Data);

        first.Drop();
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay);
        time.Advance(InMemoryServer.RetryDelay);
        var second = await server.AcceptAndGreetAsync();
        var rejoin = await second.ReceiveAsync(CommandNames.JoinRoom);
        Assert.Equal("lobby", ((JoinRoomCommand)rejoin.Request).Room);
        Assert.Equal(6, ((JoinRoomCommand)rejoin.Request).Since);
        await second.SendAsync(RoomMessage("lobby", 6)); // replayed although delivered: dropped
        await second.SendAsync(RoomMessage("lobby", 7));
        await second.SendAsync(RoomState("lobby", 7), cid: rejoin.Cid);
        Assert.Equal("r7", (await messages.NextAsync()).Data);
        Assert.False(messages.TryRead(out _));

        // Left rooms are not re-joined.
        var leaving = client.LeaveRoomAsync("lobby").AsTask();
        var leave = await second.ReceiveAsync(CommandNames.LeaveRoom);
        await second.SendAsync(new AckEvent { Command = CommandNames.LeaveRoom }, cid: leave.Cid);
        await leaving.WaitAsync(InMemoryServer.HangGuard);
        second.Drop();
        await time.WaitForTimerAsync(InMemoryServer.RetryDelay, count: 2);
        time.Advance(InMemoryServer.RetryDelay);
        var third = await server.AcceptAndGreetAsync();
        var echo = client.EchoAsync("no rejoin").AsTask();
        var next = await third.ReceiveAsync();
        Assert.Equal(CommandNames.Echo, next.Command); // the first command on the new connection is ours, not a JOIN_ROOM
        await third.SendAsync(new EchoEvent { Data = "no rejoin" }, cid: next.Cid);
        await echo.WaitAsync(InMemoryServer.HangGuard);
    }

    [Fact]
    public async Task Token_is_refreshed_in_band_after_the_configured_share_of_its_lifetime()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var logs = new ListLoggerFactory();
        var options = server.Options();
        options.TokenRefreshRatio = 0.2;
        var tokens = new List<string>();
        options.AccessTokenProvider = _ =>
        {
            var token = time.Jwt(TimeSpan.FromSeconds(100));
            lock (tokens)
            {
                tokens.Add(token);
            }

            return ValueTask.FromResult(token);
        };
        var (client, peer) = await ConnectAsync(server, time, options, logs);
        await using var owned = client;
        var connectedAt = time.GetUtcNow();
        var clientId = client.ConnectInfo!.ClientId;

        // Due after 20 s (0.2 of 100 s). The server keeps the connection alive meanwhile.
        var refresh = peer.ReceiveAsync(CommandNames.RefreshToken);
        await time.AdvanceUntilAsync(() => refresh.IsCompleted, TimeSpan.FromSeconds(1), "the client sends REFRESH_TOKEN");
        var refreshedAt = time.GetUtcNow();
        Assert.True(refreshedAt - connectedAt >= TimeSpan.FromSeconds(20), $"refreshed after {refreshedAt - connectedAt}");
        var command = await refresh;
        Assert.Equal(2, tokens.Count);
        Assert.Equal(tokens[1], ((RefreshTokenCommand)command.Request).Token);
        await peer.SendAsync(new AckEvent { Command = CommandNames.RefreshToken, ExpiresAt = refreshedAt + TimeSpan.FromSeconds(100) }, cid: command.Cid);

        await Eventually.TrueAsync(() => logs.Has("TokenRefreshed"), "the refresh completed");
        Assert.False(logs.Has("TokenRefreshFailed"));
        Assert.Equal(clientId, client.ConnectInfo!.ClientId);
        Assert.Equal(1, server.Attempts);
    }

    private static RoomStateEvent RoomState(string room, long seq) => new()
    {
        Room = room,
        Members = [],
        Seq = seq,
        Recovered = true,
        Missed = 0,
    };

    private static RoomMessageEvent RoomMessage(string room, long roomSeq) => new()
    {
        MessageId = "r" + roomSeq,
        Room = room,
        RoomSeq = roomSeq,
        User = new UserRef { Id = "alice", Name = "alice", Role = Role.User },
        Data = "r" + roomSeq,
        At = DateTimeOffset.UnixEpoch,
    };

    private sealed class ThrowingPolicy : ISwitchboardRetryPolicy
    {
        public TimeSpan? NextRetryDelay(SwitchboardRetryContext context) => throw new InvalidOperationException("policy bug");
    }

    private sealed class RecordingPolicy(params TimeSpan[] delays) : ISwitchboardRetryPolicy
    {
        public System.Collections.Concurrent.ConcurrentQueue<SwitchboardRetryContext> Calls { get; } = new();

        public TimeSpan? NextRetryDelay(SwitchboardRetryContext context)
        {
            Calls.Enqueue(context);
            return context.PreviousRetryCount < delays.Length ? delays[context.PreviousRetryCount] : null;
        }
    }
}

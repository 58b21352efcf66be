using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>
/// Keepalive on the in-memory transport with fake time (deterministic): PONG answers PING, a connection that receives
/// frames stays open however much time passes, a silent one is declared dead after the server timeout and reconnected.
/// The same against a real socket: <see cref="Integration.ReconnectIntegrationTests"/>.
/// </summary>
public sealed class KeepAliveTests
{
    [Fact]
    public async Task Answering_pings_keeps_a_connection_open_across_many_server_timeouts()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var logs = new ListLoggerFactory();
        await using var client = new SwitchboardClient(server.Options(), logs, time);
        var connecting = client.ConnectAsync();
        var peer = await server.AcceptAndGreetAsync(pingIntervalMs: 1000); // server timeout = 1 s + 10 s
        await connecting;
        var changes = 0;
        client.StateChanged += (_, _) => Interlocked.Increment(ref changes);
        await using var inbox = client.Events<PrivateMessageEvent>();

        // 30 s of fake time, almost three server timeouts; each second the server pushes an event and a PING.
        for (var i = 1; i <= 30; i++)
        {
            await peer.SendAsync(InMemoryServer.Message(i), seq: i);
            await peer.SendAsync(new PingEvent { At = time.GetUtcNow() });
            await peer.ReceiveAsync(CommandNames.Pong); // the event before the PING was handled too
            time.Advance(TimeSpan.FromSeconds(1));

            // The tick after this second confirmed event i: it ran after the liveness check of the same tick passed.
            var received = await peer.ReceiveAsync(CommandNames.Received);
            Assert.Equal(i, ((ReceivedCommand)received.Request).Seq);
        }

        Assert.Equal(SwitchboardConnectionState.Connected, client.State);
        Assert.Equal(0, Volatile.Read(ref changes));
        Assert.False(peer.AbortedByClient);
        Assert.False(logs.Has("DeadConnection"));
        Assert.Equal(1, server.Attempts);
    }

    [Fact]
    public async Task Silence_longer_than_the_server_timeout_is_a_dead_connection_and_the_client_reconnects()
    {
        var server = new InMemoryServer();
        var time = new TestTime();
        var logs = new ListLoggerFactory();
        var options = server.Options();
        options.ServerTimeout = TimeSpan.FromSeconds(4);
        await using var client = new SwitchboardClient(options, logs, time);
        var connecting = client.ConnectAsync();
        var first = await server.AcceptAndGreetAsync();
        await connecting;
        var connectedAt = time.GetUtcNow();
        DateTimeOffset? deadAt = null;
        client.StateChanged += (_, e) =>
        {
            if (e.State == SwitchboardConnectionState.Reconnecting)
            {
                deadAt = time.GetUtcNow();
            }
        };

        await time.AdvanceUntilAsync(() => client.State == SwitchboardConnectionState.Reconnecting, TimeSpan.FromMilliseconds(250), "the silent connection is declared dead");
        Assert.True(first.AbortedByClient);
        Assert.True(deadAt - connectedAt > TimeSpan.FromSeconds(4), $"declared dead after {deadAt - connectedAt}, before the 4 s server timeout");
        var dead = Assert.Single(logs.Entries, e => e.Id.Name == "DeadConnection");
        Assert.Contains("timeout 00:00:04", dead.Message, StringComparison.Ordinal);
        Assert.Equal(SwitchboardCloseInfo.AbnormalClosure, (int)client.LastClose!.Code);
        Assert.True(client.LastClose.Retryable);

        // The retry delay elapses, the client resumes on a new connection.
        var accepting = server.AcceptAndGreetAsync();
        await time.AdvanceUntilAsync(() => accepting.IsCompleted, TimeSpan.FromMilliseconds(250), "the client reconnects");
        var second = await accepting;
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Connected, "the client is connected again");
        var echo = client.EchoAsync("alive").AsTask();
        var sent = await second.ReceiveAsync(CommandNames.Echo);
        await second.SendAsync(new EchoEvent { Data = ((EchoCommand)sent.Request).Data }, cid: sent.Cid);
        Assert.Equal("alive", (await echo.WaitAsync(InMemoryServer.HangGuard)).Data);
        Assert.Contains("since=0&epoch=E1", server.Uris.Last().Query, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_timeout_defaults_to_the_advertised_ping_interval_plus_ten_seconds()
    {
        var time = new TestTime();
        Assert.Equal(TimeSpan.FromSeconds(35), new Internal.KeepAliveMonitor(null, 25_000, time).ServerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(11), new Internal.KeepAliveMonitor(null, 1_000, time).ServerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(35), new Internal.KeepAliveMonitor(null, 0, time).ServerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), new Internal.KeepAliveMonitor(TimeSpan.FromSeconds(3), 25_000, time).ServerTimeout);

        var monitor = new Internal.KeepAliveMonitor(TimeSpan.FromSeconds(3), 25_000, time);
        Assert.Equal(TimeSpan.FromMilliseconds(750), monitor.CheckPeriod);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(monitor.IsDead(out _)); // exactly the timeout: not yet
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(monitor.IsDead(out var silent));
        Assert.Equal(TimeSpan.FromMilliseconds(3001), silent);
        monitor.FrameReceived();
        Assert.False(monitor.IsDead(out _));
        Assert.IsType<PongCommand>(Internal.KeepAliveMonitor.AnswerTo(new PingEvent { At = time.GetUtcNow() }));
        Assert.Null(Internal.KeepAliveMonitor.AnswerTo(new EchoEvent { Data = "x" }));
    }
}

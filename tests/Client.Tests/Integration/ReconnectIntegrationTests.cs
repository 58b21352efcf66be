using System.Net;
using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests.Integration;

/// <summary>
/// Integration tests: reconnect and resume over real sockets, cut by a fault-injecting TCP proxy in front of the real
/// reference server. The deterministic, fake-time versions of the timing rules are in <see cref="ReconnectTests"/> and
/// <see cref="KeepAliveTests"/>; these check the same guarantees end to end and only wait for outcomes (no timing asserts).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ReconnectIntegrationTests(ServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private IPEndPoint ServerEndPoint => new(IPAddress.Loopback, fixture.Server.BaseUri.Port);

    private static Uri ProxyUri(FaultyTcpProxy proxy) => new($"ws://127.0.0.1:{proxy.Port}");

    [Fact]
    public async Task Private_messages_survive_connection_cuts_without_loss_or_duplicates()
    {
        await using var proxy = new FaultyTcpProxy(ServerEndPoint);
        var alice = fixture.NewUser("ralice");
        var bob = fixture.NewUser("rbob");
        await using var sender = await fixture.ConnectAsync(alice);

        var options = fixture.Options(bob, url: ProxyUri(proxy));
        options.AcknowledgeInterval = TimeSpan.FromMilliseconds(50);
        var logs = new ListLoggerFactory();
        await using var receiver = new SwitchboardClient(options, logs);
        var reconnecting = 0;
        receiver.StateChanged += (_, e) =>
        {
            if (e.State == SwitchboardConnectionState.Reconnecting)
            {
                Interlocked.Increment(ref reconnecting);
            }
        };
        var resets = 0;
        receiver.StreamReset += (_, _) => Interlocked.Increment(ref resets);
        await using var inbox = receiver.Events<PrivateMessageEvent>();
        await receiver.ConnectAsync();

        const int total = 300;
        var received = new List<string>();
        var consumer = Task.Run(async () =>
        {
            while (received.Count < total)
            {
                var m = await inbox.NextAsync(TimeSpan.FromSeconds(20));
                received.Add(m.Data);
            }
        });

        var cutClients = new HashSet<string>();
        for (var i = 0; i < total; i++)
        {
            await sender.SendPrivateMessageAsync(bob, "m" + i);
            if (i % 75 == 40)
            {
                // Cut only a connection established after the previous cut, so that every cut is one outage.
                await Eventually.TrueAsync(
                    () => receiver.State == SwitchboardConnectionState.Connected && receiver.ConnectInfo?.ClientId is { } id && !cutClients.Contains(id),
                    "the receiver is connected again");
                cutClients.Add(receiver.ConnectInfo!.ClientId);
                Assert.True(proxy.CutAll() >= 1);
            }
        }

        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var e in logs.Entries)
        {
            output.WriteLine($"{e.At:HH:mm:ss.fff} {e.Id.Name} {e.Message}");
        }

        Assert.Equal(Enumerable.Range(0, total).Select(i => "m" + i), received);
        Assert.Equal(4, Volatile.Read(ref reconnecting));
        Assert.True(proxy.AcceptedConnections >= 5);
        Assert.Equal(0, Volatile.Read(ref resets));
        Assert.Equal(SwitchboardConnectionState.Connected, receiver.State);
        Assert.False(inbox.TryRead(out _), "no duplicate may follow the last message");

        // RECEIVED moved the server's position: a fresh client of bob (no since) gets no offline replay of these.
        await Eventually.TrueAsync(() => logs.Entries.Count > 0, "logs were written");
        await receiver.AcknowledgeAsync();
        await receiver.StopAsync();
        await using var fresh = await fixture.ConnectAsync(bob);
        Assert.Equal(0, fresh.ConnectInfo!.Missed);
    }

    [Fact]
    public async Task Offline_messages_are_delivered_after_a_restart_of_the_client()
    {
        var alice = fixture.NewUser("oalice");
        var bob = fixture.NewUser("obob");
        await using (var first = await fixture.ConnectAsync(bob))
        {
            await first.StopAsync();
        }

        await using var sender = await fixture.ConnectAsync(alice);
        await sender.SendPrivateMessageAsync(bob, "while you were away");

        var options = fixture.Options(bob);
        await using var receiver = new SwitchboardClient(options);
        await using var inbox = receiver.Events<PrivateMessageEvent>();
        await receiver.ConnectAsync();
        Assert.Equal(1, receiver.ConnectInfo!.Missed);
        Assert.Equal("while you were away", (await inbox.NextAsync()).Data);
    }

    [Fact]
    public async Task Non_retryable_close_stops_reconnecting()
    {
        await using var proxy = new FaultyTcpProxy(ServerEndPoint);
        var user = fixture.NewUser("forbid");
        var calls = 0;
        var options = fixture.Options(user, url: ProxyUri(proxy));
        // First token is good; every later one only allows the 'app' namespace -> CLOSE 4403 (not retryable).
        options.AccessTokenProvider = _ => ValueTask.FromResult(Interlocked.Increment(ref calls) == 1
            ? fixture.Server.MintToken(user)
            : fixture.Server.MintToken(user, namespaces: ["app"]));
        await using var client = new SwitchboardClient(options);
        var failures = new List<SwitchboardConnectFailedEventArgs>();
        client.ConnectFailed += (_, e) => { lock (failures) { failures.Add(e); } };
        await client.ConnectAsync();
        proxy.CutAll();

        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "the client gives up");
        Assert.Equal(CloseCode.Forbidden, client.LastClose!.Code);
        Assert.False(client.LastClose.Retryable);
        var failure = Assert.Single(failures);
        Assert.False(failure.WillRetry);
        Assert.Equal(2, proxy.AcceptedConnections);
        await Assert.ThrowsAsync<SwitchboardConnectionException>(async () => await client.EchoAsync("x"));
    }

    [Fact]
    public async Task Rooms_are_rejoined_after_a_reconnect_and_missed_room_messages_replayed_once()
    {
        await using var proxy = new FaultyTcpProxy(ServerEndPoint);
        var room = "rj-" + fixture.NewUser("room");
        await using var sender = await fixture.ConnectAsync(fixture.NewUser("rsender"));
        await sender.JoinRoomAsync(room);
        var options = fixture.Options(fixture.NewUser("rmember"), url: ProxyUri(proxy));
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(300);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(300);
        await using var member = new SwitchboardClient(options);
        await using var messages = member.Events<RoomMessageEvent>();
        await member.ConnectAsync();
        await member.JoinRoomAsync(room);

        await sender.SendRoomMessageAsync(room, "before");
        Assert.Equal("before", (await messages.NextAsync()).Data);
        proxy.CutAll();
        await Eventually.TrueAsync(() => member.State == SwitchboardConnectionState.Reconnecting, "the member notices the cut");
        await sender.SendRoomMessageAsync(room, "during");
        Assert.Equal("during", (await messages.NextAsync()).Data);
        await sender.SendRoomMessageAsync(room, "after");
        Assert.Equal("after", (await messages.NextAsync()).Data);
        Assert.False(messages.TryRead(out _));
    }

    [Fact]
    public async Task A_blackholed_connection_is_declared_dead_and_replaced()
    {
        await using var proxy = new FaultyTcpProxy(ServerEndPoint);
        var options = fixture.Options(fixture.NewUser("deadpeer"), url: ProxyUri(proxy));
        options.ServerTimeout = TimeSpan.FromMilliseconds(600);
        var logs = new ListLoggerFactory();
        await using var client = new SwitchboardClient(options, logs);
        await client.ConnectAsync();
        var firstId = client.ConnectInfo!.ClientId;

        proxy.Blackhole = true;
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Reconnecting, "the silent connection is declared dead");
        Assert.True(logs.Has("DeadConnection"));
        proxy.Blackhole = false;
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Connected && client.ConnectInfo?.ClientId != firstId, "the client reconnects");
        Assert.Equal("alive", (await client.EchoAsync("alive")).Data);
    }
}

using System.Net;
using Switchboard.Client.Tests.Infrastructure;
using Switchboard.ReferenceServer.Testing;

namespace Switchboard.Client.Tests;

/// <summary>Keepalive against a server with short ping/idle settings: PONG keeps the connection, silence is detected.</summary>
public sealed class KeepAliveTests : IAsyncLifetime
{
    private TestServerHost _server = null!;

    public async Task InitializeAsync() => _server = await TestServerHost.StartAsync(o =>
    {
        o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "250";
        o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "1500";
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private SwitchboardClientOptions Options(string user, Uri? url = null)
    {
        var options = new SwitchboardClientOptions
        {
            Url = url ?? _server.BaseUri,
            AccessTokenProvider = _ => ValueTask.FromResult(_server.MintToken(user)),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(20);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(100);
        return options;
    }

    [Fact]
    public async Task Answering_pings_keeps_an_otherwise_silent_connection_open()
    {
        await using var client = new SwitchboardClient(Options("quiet"));
        var changes = 0;
        await client.ConnectAsync();
        client.StateChanged += (_, _) => Interlocked.Increment(ref changes);
        var clientId = client.ConnectInfo!.ClientId;
        Assert.Equal(250, client.ConnectInfo.PingIntervalMs);

        // Two idle timeouts long: the server's WebSocket pings are answered by the client's stack (SB-KA-003).
        var until = DateTime.UtcNow.AddMilliseconds(3200);
        while (DateTime.UtcNow < until)
        {
            Assert.True(client.State == SwitchboardConnectionState.Connected, $"{client.State} after close {client.LastClose}");
            await Task.Delay(100);
        }

        Assert.Equal(0, Volatile.Read(ref changes));
        Assert.Equal(clientId, client.ConnectInfo!.ClientId);
    }

    [Fact]
    public async Task Silence_longer_than_the_server_timeout_is_treated_as_a_dead_connection()
    {
        await using var proxy = new FaultyTcpProxy(new IPEndPoint(IPAddress.Loopback, _server.BaseUri.Port));
        var options = Options("deadpeer", new Uri($"ws://127.0.0.1:{proxy.Port}"));
        options.ServerTimeout = TimeSpan.FromMilliseconds(600);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
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

using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

public sealed class LimitsTests
{
    private static FakeTimeProvider NewTime() => new(DateTimeOffset.Parse("2026-11-23T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Rate_limit_drops_with_5001_refills_over_time_and_closes_4429_on_abuse()
    {
        var time = NewTime();
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:Limits:RateLimitPerSecond"] = "1";
            o.Settings["Switchboard:Limits:RateLimitBurst"] = "2";
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "3000000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3600000";
        });
        await using var session = await host.ConnectAsync("spammer");
        var c = session.Client;
        Assert.Equal("ECHO", (await c.RequestAsync("ECHO", new { data = "1" })).Event);
        Assert.Equal("ECHO", (await c.RequestAsync("ECHO", new { data = "2" })).Event);
        var limited = await c.RequestAsync("ECHO", new { data = "3" });
        Assert.Equal(("ERROR", 5001L, "RATE_LIMITED"), (limited.Event, limited.GetInt64("code"), limited.GetString("error")));
        Assert.Equal("ECHO", limited.GetString("command"));

        time.Advance(TimeSpan.FromSeconds(1)); // one token back
        Assert.Equal("ECHO", (await c.RequestAsync("ECHO", new { data = "4" })).Event);

        // More than 3 x burst (6) rejections within 10 s -> CLOSE 4429.
        for (var i = 0; i < 7; i++)
        {
            await c.SendCommandAsync("ECHO", new { data = "flood" });
        }

        var (closeEvent, status) = await c.WaitForCloseAsync();
        Assert.Equal(4429, closeEvent!.GetInt64("code"));
        Assert.Equal("rate limited", closeEvent.GetString("reason"));
        Assert.True(closeEvent.GetBoolean("retryable"));
        Assert.Equal((WebSocketCloseStatus)4429, status);
        // "3" and the first five floods got 5001; the seventh rejection (> 3 x burst) closed instead.
        Assert.Equal(6, c.History.Count(e => e.Event == "ERROR" && e.GetInt64("code") == 5001));
    }

    [Fact]
    public async Task Ping_event_every_interval_and_no_application_idle_close()
    {
        var time = NewTime();
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "1000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3000";
        });
        await using var session = await host.ConnectAsync("idler");
        session.Client.SkipPings = false;

        time.Advance(TimeSpan.FromMilliseconds(1000));
        var ping = await session.Client.ReceiveAsync();
        Assert.Equal("PING", ping.Event);
        Assert.Equal("2026-11-23T06:00:01.000Z", ping.GetString("at"));

        // SB-KA-003 (1.1): no data frame (not even PONG) for many idle timeouts does not close the connection; liveness
        // is WebSocket ping/pong, which this client's stack answers. Before 1.1 this was CLOSE 4408.
        time.Advance(TimeSpan.FromMilliseconds(10_000));
        var drained = await session.Client.DrainAsync();
        Assert.DoesNotContain(drained, e => e.Event == "CLOSE");
        Assert.Contains(drained, e => e.Event == "PING");
        Assert.False(session.Client.Closed.IsCompleted);
    }
}

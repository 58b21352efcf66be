using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

/// <summary>
/// Issue 15: an idle connection owns no timer. PING events (SB-KA-001) and token expiry (SB-AUTH-015) are deadlines on
/// one shared timer, and still fire at each connection's own time. Structural, not timed: it counts the timers the
/// server creates on its <see cref="TimeProvider"/>.
/// </summary>
public sealed class IdleFootprintTests
{
    [Fact]
    public async Task Idle_connections_create_no_timer_of_their_own()
    {
        var time = new CountingTimeProvider();
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "1000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3000";
        });
        var sessions = new List<TestSession> { await host.ConnectAsync("first") };
        var before = time.TimersCreated;
        for (var i = 0; i < 10; i++)
        {
            sessions.Add(await host.ConnectAsync($"idle{i}"));
        }

        // Before issue 15: two timers per connection (PING, token expiry), 20 here.
        Assert.Equal(before, time.TimersCreated);

        // ... and every one of them still gets its PING.
        foreach (var session in sessions)
        {
            session.Client.SkipPings = false;
        }

        time.Advance(TimeSpan.FromMilliseconds(1000));
        foreach (var session in sessions)
        {
            Assert.Equal("PING", (await session.Client.ReceiveAsync()).Event);
        }

        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task Each_connection_gets_its_ping_at_its_own_interval_from_the_shared_timer()
    {
        var time = new CountingTimeProvider();
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "1000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3000";
        });
        await using var early = await host.ConnectAsync("early");
        early.Client.SkipPings = false;
        time.Advance(TimeSpan.FromMilliseconds(400));
        await using var late = await host.ConnectAsync("late");
        late.Client.SkipPings = false;

        time.Advance(TimeSpan.FromMilliseconds(600)); // t = 1000: only the early connection is due
        Assert.Equal("2026-11-23T06:00:01.000Z", (await early.Client.ReceiveEventAsync("PING")).GetString("at"));
        Assert.Empty(await late.Client.DrainAsync());

        time.Advance(TimeSpan.FromMilliseconds(400)); // t = 1400: the late one, 1000 ms after its CONNECT
        Assert.Equal("2026-11-23T06:00:01.400Z", (await late.Client.ReceiveEventAsync("PING")).GetString("at"));
        Assert.Empty(await early.Client.DrainAsync());

        time.Advance(TimeSpan.FromMilliseconds(600)); // t = 2000: the early one again
        Assert.Equal("2026-11-23T06:00:02.000Z", (await early.Client.ReceiveEventAsync("PING")).GetString("at"));
    }

    /// <summary>A <see cref="FakeTimeProvider"/> that counts <see cref="TimeProvider.CreateTimer"/> calls.</summary>
    private sealed class CountingTimeProvider() : FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T06:00:00Z", CultureInfo.InvariantCulture))
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}

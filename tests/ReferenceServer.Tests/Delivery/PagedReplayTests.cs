using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Delivery;

/// <summary>
/// A durable backlog larger than the send queue bound (SB-LIM-004) is replayed in pages that fit the queue, and live
/// events that arrive meanwhile follow the backlog exactly once, in seq order (SB-DLV-006/007).
/// </summary>
public sealed class PagedReplayTests
{
    private const int QueueMaxBytes = 64 * 1024;
    private const int QueueMaxFrames = 64;
    private const int Backlog = 400;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backlog_larger_than_the_send_queue_is_replayed_in_pages_then_live(bool withSince)
    {
        var gate = new ReplayGate("prBob");
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:Limits:SendQueueMaxBytes"] = QueueMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Settings["Switchboard:Limits:SendQueueMaxFrames"] = QueueMaxFrames.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Settings["Switchboard:Limits:RateLimitPerSecond"] = "100000";
            o.Settings["Switchboard:Limits:RateLimitBurst"] = "100000";
            o.ConfigureServices = s => s.AddSingleton<IFrameInterceptor>(gate);
        });

        string epoch;
        await using (var first = await host.ConnectAsync("prBob"))
        {
            epoch = first.Epoch;
        }

        // ~1 KiB per message: the backlog (~450 KiB) is several times the 64 KiB queue bound.
        await using var sender = await host.ConnectAsync("prSender");
        var payload = new string('p', 1024);
        for (var i = 1; i <= Backlog; i++)
        {
            var ok = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "prBob", data = payload + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        }

        // The writer of the resumed connection stalls on its first frame (CONNECT) until released, so the live message
        // below is sent while the replay is in progress.
        gate.Arm();
        await using var client = await TestWebSocketClient.ConnectAsync(withSince
            ? host.WebSocketUri("web", host.MintToken("prBob"), since: 0, epoch: epoch)
            : host.WebSocketUri("web", host.MintToken("prBob")));
        await gate.Blocked.WaitAsync(TimeSpan.FromSeconds(10));
        var live = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "prBob", data = "live" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", live.Event);
        gate.Release();

        var connect = await client.ReceiveAsync();
        Assert.Equal("CONNECT", connect.Event);
        Assert.Equal(Backlog, connect.GetInt64("seq"));
        Assert.Equal(Backlog, connect.GetInt64("missed"));
        Assert.True(connect.GetBoolean("recovered"));
        Assert.Equal(epoch, connect.GetString("epoch"));
        var bob = new TestSession(client, connect);

        for (var seq = 1; seq <= Backlog + 1; seq++)
        {
            var e = await bob.Client.ReceiveAsync();
            Assert.Equal(("PRIVATE_MESSAGE", (long?)seq), (e.Event, e.Seq));
            var expected = seq <= Backlog ? payload + seq.ToString(System.Globalization.CultureInfo.InvariantCulture) : "live";
            Assert.Equal(expected, e.GetString("data"));
        }

        // Nothing else (no duplicate of the live message), the connection is open and receives live events.
        Assert.DoesNotContain(await bob.Client.DrainAsync(), e => e.Seq is not null);
        Assert.False(bob.Client.Closed.IsCompleted);
        var after = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "prBob", data = "after" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", after.Event);
        var next = await bob.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        Assert.Equal(((long?)(Backlog + 2), "after"), (next.Seq, next.GetString("data")));

        // The queue never held more than its bound (the replay did not bypass it) and nobody was a slow consumer.
        Assert.True(gate.MaxQueuedFrames <= QueueMaxFrames, $"queued frames peaked at {gate.MaxQueuedFrames}");
        Assert.True(gate.MaxQueuedBytes <= QueueMaxBytes, $"queued bytes peaked at {gate.MaxQueuedBytes}");
        Assert.DoesNotContain(host.Logs, l => l.Contains("4499", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_that_stops_reading_its_replay_is_closed_as_slow_consumer_and_keeps_its_events()
    {
        var gate = new ReplayGate("psBob");
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:Limits:SendQueueMaxBytes"] = QueueMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Settings["Switchboard:Limits:SendQueueMaxFrames"] = QueueMaxFrames.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Settings["Switchboard:Limits:RateLimitPerSecond"] = "100000";
            o.Settings["Switchboard:Limits:RateLimitBurst"] = "100000";
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "500";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "1500";
            o.MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Information;
            o.ConfigureServices = s => s.AddSingleton<IFrameInterceptor>(gate);
        });

        await (await host.ConnectAsync("psBob")).DisposeAsync();
        await using var sender = await host.ConnectAsync("psSender");
        const int count = QueueMaxFrames * 2;
        for (var i = 1; i <= count; i++)
        {
            var ok = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "psBob", data = "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        }

        // The first resumed connection never gets past CONNECT: the replay stalls, and the server gives up on it.
        gate.Arm();
        await using (var stuck = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", host.MintToken("psBob"))))
        {
            await gate.Blocked.WaitAsync(TimeSpan.FromSeconds(10));
            await stuck.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Contains(host.Logs, l => l.Contains("[104]", StringComparison.Ordinal) && l.Contains("4499", StringComparison.Ordinal));
        gate.Release();

        // Nothing was acknowledged or lost: the next connection replays the whole backlog.
        await using var bob = await host.ConnectAsync("psBob");
        Assert.Equal(count, bob.Connect.GetInt64("missed"));
        for (var seq = 1; seq <= count; seq++)
        {
            Assert.Equal((long?)seq, (await bob.Client.ReceiveAsync()).Seq);
        }
    }

    /// <summary>Stalls the writer of one user's connection (once armed, until released) and records queue peaks.</summary>
    private sealed class ReplayGate(string userId) : IFrameInterceptor
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _armed;
        private string? _target;
        private long _maxFrames;
        private long _maxBytes;

        /// <summary>Completes when the writer of the armed user's connection waits at the gate.</summary>
        public Task Blocked => _blocked.Task;

        public long MaxQueuedFrames => Interlocked.Read(ref _maxFrames);

        public long MaxQueuedBytes => Interlocked.Read(ref _maxBytes);

        public void Arm() => _armed = true;

        public void Release() => _released.TrySetResult();

        public ValueTask OnReceivedAsync(IConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public async ValueTask<bool> OnSendAsync(IConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            // Only the first connection of the user seen after arming is stalled.
            if (!_armed || connection.User.Id != userId
                || (Interlocked.CompareExchange(ref _target, connection.ClientId, null) ?? connection.ClientId) != connection.ClientId)
            {
                return true;
            }

            if (connection is SwitchboardConnection c)
            {
                // The frame being sent was just dequeued: count it too.
                Max(ref _maxFrames, c.QueuedFrames + 1);
                Max(ref _maxBytes, c.QueuedBytes + frame.Length);
            }

            _blocked.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);

            return true;
        }

        private static void Max(ref long field, long value)
        {
            var current = Interlocked.Read(ref field);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref field, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}

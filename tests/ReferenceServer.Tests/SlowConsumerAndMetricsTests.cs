using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Messaging;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests;

public sealed class SlowConsumerAndMetricsTests
{
    [Fact]
    public async Task A_consumer_that_does_not_read_is_closed_with_4499_and_others_are_unaffected()
    {
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:Limits:SendQueueMaxFrames"] = "16";
            o.Settings["Switchboard:Limits:SendQueueMaxBytes"] = "1048576";
            o.MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Information;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "300000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "600000";
        });
        using var slow = new ClientWebSocket();
        slow.Options.AddSubProtocol("switchboard.v1.json");
        await slow.ConnectAsync(host.WebSocketUri("web", host.MintToken("slow")), CancellationToken.None);
        await using var fast = await host.ConnectAsync("fast");

        var registry = host.Services.GetRequiredService<IConnectionRegistry>();
        using var http = host.CreateHttpClient(host.MintToken("ops", "admin"));
        var payload = new string('x', 48 * 1024);
        var pushes = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (registry.IsOnline("web", "slow") && DateTime.UtcNow < deadline)
        {
            // Durable pushes addressed to the slow user only.
            var batch = Enumerable.Range(0, 4).Select(_ => http.PostAsJsonAsync("/api/v1/namespaces/web/users/slow/push", new { topic = "bulk", data = payload }));
            foreach (var response in await Task.WhenAll(batch))
            {
                response.EnsureSuccessStatusCode();
                response.Dispose();
            }

            pushes += 4;
        }

        Assert.False(registry.IsOnline("web", "slow"), "the slow consumer should have been closed");

        // The server closed it as a slow consumer (4499). The close frame itself may not fit behind the unread data
        // (SB-LIM-004), so the client sees either status 4499 or an aborted connection.
        Assert.Contains(host.Logs, l => l.Contains("[106]", StringComparison.Ordinal));
        Assert.Contains(host.Logs, l => l.Contains("[104]", StringComparison.Ordinal) && l.Contains("4499", StringComparison.Ordinal));
        var buffer = new byte[64 * 1024];
        using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            WebSocketReceiveResult result;
            do
            {
                result = await slow.ReceiveAsync(buffer, readTimeout.Token);
            }
            while (result.MessageType != WebSocketMessageType.Close);
            Assert.Equal((WebSocketCloseStatus)4499, result.CloseStatus);
        }
        catch (WebSocketException)
        {
            Assert.Equal(WebSocketState.Aborted, slow.State);
        }

        // Other connections are unaffected (SB-LIM-005) ...
        Assert.True(registry.IsOnline("web", "fast"), string.Join(Environment.NewLine, host.Logs));
        Assert.Equal("ok", (await fast.Client.RequestAsync("ECHO", new { data = "ok" })).GetString("data"));

        // ... and every acknowledged push is still stored for the slow user's next connection (SB-LIM-004).
        await using var again = await host.ConnectAsync("slow");
        Assert.Equal(pushes, again.Connect.GetInt64("seq"));
        Assert.Equal(pushes, again.Connect.GetInt64("missed"));
    }

    [Fact]
    public async Task Meter_reports_connections_messages_and_errors()
    {
        var measurements = new List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SwitchboardMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, tags.ToArray()));
            }
        });
        listener.Start();

        await using var host = await TestServerHost.StartAsync();
        await using (var session = await host.ConnectAsync("metered"))
        {
            await session.Client.RequestAsync("ECHO", new { data = "x" });
            await session.Client.SendTextAsync("{oops");
            await session.Client.ReceiveEventAsync("ERROR");
        }

        listener.RecordObservableInstruments();
        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Name == "switchboard.connections.opened");
            Assert.Contains(measurements, m => m.Name == "switchboard.messages.received");
            Assert.Contains(measurements, m => m.Name == "switchboard.messages.sent");
            Assert.Contains(measurements, m => m.Name == "switchboard.errors" && m.Tags.Any(t => t.Key == "code" && (int)t.Value! == 1001));
            Assert.Contains(measurements, m => m.Name == "switchboard.send_queue.depth");
        }
    }
}

using System.Net.WebSockets;
using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>Client-side guarantees checked against a scripted server that misbehaves on purpose.</summary>
public sealed class ScriptedServerTests
{
    [Fact]
    public async Task Durable_events_are_delivered_once_and_resume_uses_since_and_epoch()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Next(async socket =>
        {
            await ScriptedServer.SendAsync(socket, ScriptedServer.Connect("E1", seq: 0, recovered: true, missed: 0));
            foreach (var n in new[] { 1, 2, 3, 2, 3, 4 })
            {
                await ScriptedServer.SendAsync(socket, ScriptedServer.Message(n), seq: n);
            }

            await Task.Delay(200); // then the connection drops without a close handshake
        });
        var secondConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Next(async socket =>
        {
            await ScriptedServer.SendAsync(socket, ScriptedServer.Connect("E1", seq: 5, recovered: true, missed: 3));
            foreach (var n in new[] { 3, 4, 5 })
            {
                await ScriptedServer.SendAsync(socket, ScriptedServer.Message(n), seq: n);
            }

            secondConnected.TrySetResult();
            var buffer = new byte[4096];
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        });

        var options = new SwitchboardClientOptions
        {
            Url = server.Url,
            AccessTokenProvider = _ => ValueTask.FromResult("opaque-token"),
            AcknowledgeInterval = Timeout.InfiniteTimeSpan,
        };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(10);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        await using var client = new SwitchboardClient(options);
        var resets = 0;
        client.StreamReset += (_, _) => Interlocked.Increment(ref resets);
        await using var inbox = client.Events<PrivateMessageEvent>();
        await client.ConnectAsync();

        var received = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            received.Add((await inbox.NextAsync()).Data);
        }

        await secondConnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => client.StreamPosition.Seq == 5, "seq 5 was processed");
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], received);
        Assert.False(inbox.TryRead(out _));
        Assert.Equal(0, resets);

        var queries = server.Queries.ToArray();
        Assert.Equal(2, queries.Length);
        Assert.DoesNotContain("since", queries[0], StringComparison.Ordinal);
        Assert.Contains("since=4", queries[1], StringComparison.Ordinal);
        Assert.Contains("epoch=E1", queries[1], StringComparison.Ordinal);
    }

    /// <summary>Over a real socket; the command timeout itself is checked with fake time in <see cref="ReconnectTests"/>.</summary>
    [Fact]
    public async Task A_lost_connection_fails_the_pending_command()
    {
        await using var server = await ScriptedServer.StartAsync();
        server.Next(async socket =>
        {
            await ScriptedServer.SendAsync(socket, ScriptedServer.Connect("E1", seq: 0, recovered: true, missed: 0));
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, CancellationToken.None); // the ECHO: the connection drops instead of a reply
        });

        var options = new SwitchboardClientOptions
        {
            Url = server.Url,
            AccessTokenProvider = _ => ValueTask.FromResult("opaque-token"),
        };
        options.Reconnect.Enabled = false;
        await using var client = new SwitchboardClient(options);
        await client.ConnectAsync();

        var lost = await Assert.ThrowsAsync<SwitchboardConnectionException>(async () => await client.EchoAsync("dropped"));
        Assert.NotNull(lost.Close);
        Assert.True(lost.Close.Retryable);
        await Eventually.TrueAsync(() => client.State == SwitchboardConnectionState.Disconnected, "reconnection is disabled");
    }
}

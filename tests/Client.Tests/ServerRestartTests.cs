using Switchboard.Client.Tests.Infrastructure;
using Switchboard.Protocol;
using Switchboard.Server.Testing;

namespace Switchboard.Client.Tests;

/// <summary>Server restarts: graceful shutdown (CLOSE 4503, retryable) and a lost store (new epoch: recovered=false).</summary>
public sealed class ServerRestartTests : IAsyncLifetime
{
    private TestServerHost _server = null!;

    public async Task InitializeAsync() => _server = await TestServerHost.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private SwitchboardClient Client(string user, out List<SwitchboardCloseInfo> closes, ListLoggerFactory? logs = null)
    {
        var options = new SwitchboardClientOptions
        {
            Url = new Uri($"ws://127.0.0.1:{_server.BaseUri.Port}"),
            AccessTokenProvider = _ => ValueTask.FromResult(_server.MintToken(user)),
            ConnectTimeout = TimeSpan.FromSeconds(15), // generous: only an outcome is checked, and CI machines can be busy
        };
        options.Reconnect.MaxAttempts = 50;
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(50);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(200);
        var client = new SwitchboardClient(options, logs);
        var seen = new List<SwitchboardCloseInfo>();
        client.StateChanged += (_, e) =>
        {
            if (e.State == SwitchboardConnectionState.Reconnecting && e.Close is { } close)
            {
                lock (seen)
                {
                    seen.Add(close);
                }
            }
        };
        closes = seen;
        return client;
    }

    [Fact]
    public async Task Graceful_restart_is_retried_and_the_stream_resumes()
    {
        await using var bob = Client("bob", out var closes);
        var resets = 0;
        bob.StreamReset += (_, _) => Interlocked.Increment(ref resets);
        await using var inbox = bob.Events<PrivateMessageEvent>();
        await bob.ConnectAsync();
        var epoch = bob.ConnectInfo!.Epoch;

        await using (var alice = Client("alice", out _))
        {
            await alice.ConnectAsync();
            await alice.SendPrivateMessageAsync("bob", "before restart");
        }

        Assert.Equal("before restart", (await inbox.NextAsync()).Data);
        var port = _server.BaseUri.Port;
        _server = await _server.RestartAsync(o => o.Port = port);

        await Eventually.TrueAsync(() => bob.State == SwitchboardConnectionState.Connected && bob.ConnectInfo is not null && closes.Count > 0, "bob reconnects to the restarted server");
        Assert.Contains(closes, c => c.Code == CloseCode.ShuttingDown && c.Retryable);
        Assert.Equal(epoch, bob.ConnectInfo!.Epoch);
        Assert.True(bob.ConnectInfo.Recovered);

        await using (var alice = Client("alice", out _))
        {
            await alice.ConnectAsync();
            await alice.SendPrivateMessageAsync("bob", "after restart");
        }

        Assert.Equal("after restart", (await inbox.NextAsync()).Data);
        Assert.False(inbox.TryRead(out _));
        Assert.Equal(0, Volatile.Read(ref resets));
    }

    [Fact]
    public async Task A_new_epoch_after_a_lost_store_raises_StreamReset()
    {
        await using var bob = Client("carol", out _);
        var reset = new TaskCompletionSource<SwitchboardStreamResetEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.StreamReset += (_, e) => reset.TrySetResult(e);
        await bob.ConnectAsync();
        var oldEpoch = bob.ConnectInfo!.Epoch;

        var port = _server.BaseUri.Port;
        var oldDirectory = _server.DataDirectory;
        var freshDirectory = Path.Combine(Path.GetTempPath(), "switchboard-client-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            _server = await _server.RestartAsync(o =>
            {
                o.Port = port;
                o.DataDirectory = freshDirectory;
            });

            var args = await reset.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(oldEpoch, args.PreviousEpoch);
            Assert.NotEqual(oldEpoch, args.Connect.Epoch);
            Assert.False(args.Connect.Recovered);
            Assert.Equal(args.Connect.Epoch, bob.StreamPosition.Epoch);
            Assert.Equal("still works", (await bob.EchoAsync("still works")).Data);
        }
        finally
        {
            await bob.StopAsync();
            try
            {
                Directory.Delete(oldDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

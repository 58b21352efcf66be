using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class DeliveryTests
{
    private static async Task SendAsync(TestSession from, string to, string data)
    {
        var ok = await from.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to, data });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Offline_delivery_received_and_resume_without_loss_or_duplicates(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var sender = await host.ConnectAsync("dSender");

        // The recipient connects once (creates its stream), then goes offline.
        string epoch;
        await using (var first = await host.ConnectAsync("dBob"))
        {
            epoch = first.Epoch;
            Assert.Equal(0, first.Connect.GetInt64("seq"));
        }

        for (var i = 1; i <= 3; i++)
        {
            await SendAsync(sender, "dBob", "m" + i);
        }

        // Offline delivery: no since -> everything after acked_seq (0).
        await using (var bob = await host.ConnectAsync("dBob"))
        {
            Assert.Equal(3, bob.Connect.GetInt64("seq"));
            Assert.Equal(3, bob.Connect.GetInt64("missed"));
            Assert.True(bob.Connect.GetBoolean("recovered"));
            Assert.Equal(epoch, bob.Epoch);
            for (var i = 1; i <= 3; i++)
            {
                var e = await bob.Client.ReceiveAsync();
                Assert.Equal(("PRIVATE_MESSAGE", (long?)i, "m" + i), (e.Event, e.Seq, e.GetString("data")));
                Assert.Null(e.Cid);
            }

            var ack = await bob.Client.RequestAsync("RECEIVED", new { seq = 2 });
            Assert.Equal("ACK", ack.Event);
            Assert.Equal("RECEIVED", ack.GetString("command"));
            var beyond = await bob.Client.RequestAsync("RECEIVED", new { seq = 99 });
            Assert.Equal(("ERROR", 1005L, "$.request.seq"), (beyond.Event, beyond.GetInt64("code"), beyond.GetString("path")));
        }

        // acked_seq = 2 -> a plain reconnect replays only seq 3.
        await using (var bob = await host.ConnectAsync("dBob"))
        {
            Assert.Equal(1, bob.Connect.GetInt64("missed"));
            Assert.Equal(3, (await bob.Client.ReceiveAsync()).Seq);
        }

        await SendAsync(sender, "dBob", "m4");
        await SendAsync(sender, "dBob", "m5");

        // Resume with since=3 and the epoch: exactly 4 and 5, then live events continue at 6.
        await using (var bob = await host.ConnectAsync("dBob", since: 3, epoch: epoch))
        {
            Assert.Equal(2, bob.Connect.GetInt64("missed"));
            Assert.True(bob.Connect.GetBoolean("recovered"));
            Assert.Equal(4, (await bob.Client.ReceiveAsync()).Seq);
            Assert.Equal(5, (await bob.Client.ReceiveAsync()).Seq);
            await SendAsync(sender, "dBob", "m6");
            Assert.Equal(6, (await bob.Client.ReceiveAsync()).Seq);
            Assert.Empty(await bob.Client.DrainAsync());
        }

        // A wrong epoch: recovered=false, replay from acked_seq (the connect with since=3 moved it to 3).
        await using (var bob = await host.ConnectAsync("dBob", since: 5, epoch: "stale-epoch"))
        {
            Assert.False(bob.Connect.GetBoolean("recovered"));
            Assert.Equal(3, bob.Connect.GetInt64("missed"));
            Assert.Equal(4, (await bob.Client.ReceiveAsync()).Seq);
        }

        // since beyond the end: recovered=false.
        await using (var bob = await host.ConnectAsync("dBob", since: 60, epoch: epoch))
        {
            Assert.False(bob.Connect.GetBoolean("recovered"));
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Since_beyond_the_end_and_since_without_epoch_are_not_recovered_and_leave_acked_seq_alone(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var sender = await host.ConnectAsync("eSender");
        string epoch;
        await using (var first = await host.ConnectAsync("eBob"))
        {
            epoch = first.Epoch;
        }

        for (var i = 1; i <= 3; i++)
        {
            await SendAsync(sender, "eBob", "m" + i);
        }

        // SB-DLV-008/010: since beyond the end (right epoch) replays from acked_seq (0), recovered false ...
        await using (var bob = await host.ConnectAsync("eBob", since: 50, epoch: epoch))
        {
            Assert.Equal((false, 3L), (bob.Connect.GetBoolean("recovered"), bob.Connect.GetInt64("missed")));
        }

        // ... and does not move acked_seq: a plain connect still gets all three.
        await using (var bob = await host.ConnectAsync("eBob"))
        {
            Assert.Equal((true, 3L), (bob.Connect.GetBoolean("recovered"), bob.Connect.GetInt64("missed")));
        }

        // SB-DLV-010: since without epoch replays from acked_seq like an absent since, but says recovered false
        // (the server cannot tell which stream the position belongs to); acked_seq stays 0.
        await using (var bob = await host.ConnectAsync("eBob", since: 3))
        {
            Assert.Equal((false, 3L), (bob.Connect.GetBoolean("recovered"), bob.Connect.GetInt64("missed")));
            Assert.Equal(1, (await bob.Client.ReceiveAsync()).Seq);
        }

        await using (var bob = await host.ConnectAsync("eBob"))
        {
            Assert.Equal((true, 3L), (bob.Connect.GetBoolean("recovered"), bob.Connect.GetInt64("missed")));
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Streams_are_per_namespace(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store);
        await using var sender = await host.ConnectAsync("nsSender");
        await using (await host.ConnectAsync("nsBob", ns: "app"))
        {
        }

        await using var webBob = await host.ConnectAsync("nsBob", ns: "web");
        var ok = await sender.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "nsBob", data = "to app", @namespace = "app" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        Assert.Empty(await webBob.Client.DrainAsync());
        await using var appBob = await host.ConnectAsync("nsBob", ns: "app");
        Assert.Equal(1, appBob.Connect.GetInt64("missed"));
        Assert.NotEqual(webBob.Epoch, appBob.Epoch);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Acknowledged_messages_survive_a_server_restart(TestStore store)
    {
        var host = await TestServerHost.StartAsync(store);
        string epoch;
        try
        {
            await using (var bob = await host.ConnectAsync("rBob"))
            {
                epoch = bob.Epoch;
            }

            await using (var sender = await host.ConnectAsync("rSender"))
            {
                for (var i = 1; i <= 5; i++)
                {
                    await SendAsync(sender, "rBob", "before restart " + i);
                }
            }

            var restarted = await host.RestartAsync();
            host = restarted;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        await using (host)
        {
            await using var bob = await host.ConnectAsync("rBob", since: 2, epoch: epoch);
            Assert.Equal(epoch, bob.Epoch);
            Assert.Equal(5, bob.Connect.GetInt64("seq"));
            Assert.Equal(3, bob.Connect.GetInt64("missed"));
            Assert.True(bob.Connect.GetBoolean("recovered"));
            for (var i = 3; i <= 5; i++)
            {
                var e = await bob.Client.ReceiveAsync();
                Assert.Equal(i, e.Seq);
                Assert.Equal("before restart " + i, e.GetString("data"));
            }

            await using var sender = await host.ConnectAsync("rSender");
            await SendAsync(sender, "rBob", "after restart");
            Assert.Equal(6, (await bob.Client.ReceiveAsync()).Seq);
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Retention_prunes_and_resume_reports_not_recovered(TestStore store)
    {
        await using var host = await TestServerHost.StartAsync(store, o =>
        {
            o.Settings["Switchboard:History:MaxPerStream"] = "2";
            o.Settings["Switchboard:History:PruneInterval"] = "00:00:00.200";
        });
        string epoch;
        await using (var bob = await host.ConnectAsync("retBob"))
        {
            epoch = bob.Epoch;
        }

        await using var sender = await host.ConnectAsync("retSender");
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync(sender, "retBob", "m" + i);
        }

        // Wait (bounded) for the pruning job to run.
        var messages = (Storage.IMessageStore)host.Services.GetService(typeof(Storage.IMessageStore))!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await messages.ReadAsync("web", "retBob", 0, 100)).Count > 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await using var resumed = await host.ConnectAsync("retBob", since: 1, epoch: epoch);
        Assert.False(resumed.Connect.GetBoolean("recovered"));
        Assert.Equal(2, resumed.Connect.GetInt64("missed"));
        Assert.Equal(4, (await resumed.Client.ReceiveAsync()).Seq);
        Assert.Equal(5, (await resumed.Client.ReceiveAsync()).Seq);
    }
}

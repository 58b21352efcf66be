using System.Net.Http.Json;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Redis.Tests;

/// <summary>Spec section 16 across two nodes on one Redis: acknowledged on A, delivered on B, resumed on A.</summary>
public sealed class ClusterDeliveryTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Private_message_acknowledged_on_one_node_reaches_the_recipient_on_the_other_and_resumes_on_any_node()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix);

        await using var alice = await nodeA.ConnectAsync("alice");
        var bob = await nodeB.ConnectAsync("bob");
        var epoch = bob.Epoch;
        Assert.Equal(0, bob.Connect.GetInt64("seq"));

        var ok = await alice.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "bob", data = "one" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        var first = await bob.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        Assert.Equal(1, first.Seq);
        Assert.Equal("one", first.GetString("data"));
        await bob.DisposeAsync();

        // Offline: two more, one of them pushed through the backend API of node B.
        Assert.Equal("SEND_MESSAGE_SUCCESS", (await alice.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "bob", data = "two" })).Event);
        using (var http = nodeB.CreateHttpClient(nodeB.MintToken("ops", "admin")))
        {
            var push = await http.PostAsJsonAsync("/api/v1/namespaces/web/users/bob/push", new { topic = "t", data = "three" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, push.StatusCode);
        }

        // Resume on node A with since/epoch: exactly 2 and 3, recovered, then live 4, nothing twice.
        await using var resumed = await nodeA.ConnectAsync("bob", since: 1, epoch: epoch);
        Assert.Equal(epoch, resumed.Epoch);
        Assert.True(resumed.Connect.GetBoolean("recovered"));
        Assert.Equal(2, resumed.Connect.GetInt64("missed"));
        Assert.Equal(3, resumed.Connect.GetInt64("seq"));
        var two = await resumed.Client.ReceiveAsync();
        var three = await resumed.Client.ReceiveAsync();
        Assert.Equal((2L, "PRIVATE_MESSAGE"), (two.Seq!.Value, two.Event));
        Assert.Equal((3L, "PUSH"), (three.Seq!.Value, three.Event));

        await using var carol = await nodeB.ConnectAsync("carol");
        Assert.Equal("SEND_MESSAGE_SUCCESS", (await carol.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "bob", data = "four" })).Event);
        var four = await resumed.Client.ReceiveAsync();
        Assert.Equal((4L, "four"), (four.Seq!.Value, four.GetString("data")));
        Assert.DoesNotContain(await resumed.Client.DrainAsync(), e => e.Seq is not null);
    }

    [Fact]
    public async Task Group_messages_and_cross_namespace_private_messages_reach_other_nodes()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var webOnA = await nodeA.ConnectAsync("hana");
        await using var webOnB = await nodeB.ConnectAsync("ivan");
        await using var appOnB = await nodeB.ConnectAsync("jack", ns: "app");

        Assert.Equal("SEND_MESSAGE_SUCCESS", (await webOnB.Client.RequestAsync("SEND_GROUP_MESSAGE", new { data = "to web", include_self = false })).Event);
        Assert.Equal("to web", (await webOnA.Client.ReceiveEventAsync("GROUP_MESSAGE")).GetString("data"));
        Assert.DoesNotContain(await appOnB.Client.DrainAsync(), e => e.Event == "GROUP_MESSAGE"); // namespaces stay apart
        Assert.DoesNotContain(await webOnB.Client.DrainAsync(), e => e.Event == "GROUP_MESSAGE"); // include_self false

        var ok = await webOnA.Client.RequestAsync("SEND_PRIVATE_MESSAGE", new { to = "jack", data = "web to app", @namespace = "app" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", ok.Event);
        var received = await appOnB.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
        Assert.Equal(("web to app", "web"), (received.GetString("data"), received.GetString("namespace")));
    }

    [Fact]
    public async Task Concurrent_senders_on_two_nodes_give_one_gap_free_stream_to_receivers_on_both_nodes()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var onA = await nodeA.ConnectAsync("dora");
        await using var onB = await nodeB.ConnectAsync("dora");
        await using var senderA = await nodeA.ConnectAsync("s1");
        await using var senderB = await nodeB.ConnectAsync("s2");

        const int PerSender = 100;
        async Task SendAll(TestSession sender)
        {
            for (var i = 0; i < PerSender; i++)
            {
                await sender.Client.SendCommandAsync("SEND_PRIVATE_MESSAGE", new { to = "dora", data = $"{sender.Connect.Response.GetProperty("user").GetProperty("id").GetString()}-{i}" }, "m" + i);
            }
        }

        await Task.WhenAll(SendAll(senderA), SendAll(senderB));
        foreach (var receiver in new[] { onA, onB })
        {
            for (long expected = 1; expected <= 2 * PerSender; expected++)
            {
                var message = await receiver.Client.ReceiveEventAsync("PRIVATE_MESSAGE");
                Assert.Equal(expected, message.Seq);
            }

            Assert.DoesNotContain(await receiver.Client.DrainAsync(), e => e.Event == "PRIVATE_MESSAGE");
        }
    }
}

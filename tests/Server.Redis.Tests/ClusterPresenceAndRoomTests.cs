using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Redis.Tests;

/// <summary>Presence (section 10) and rooms (section 9) across nodes; node death swept by a surviving node.</summary>
public sealed class ClusterPresenceAndRoomTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static string[] Ids(TestEnvelope list) =>
        [.. list.Response.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()!)];

    [Fact]
    public async Task A_user_connecting_on_another_node_is_online_for_everyone_and_in_every_nodes_list()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var watcher = await nodeA.ConnectAsync("watcher");
        await watcher.Client.RequestAsync("GET_ONLINE_LIST", new { subscribe = true });

        var carol = await nodeB.ConnectAsync("carol", name: "Carol");
        var online = await watcher.Client.ReceiveEventAsync("ONLINE");
        Assert.Equal("carol", online.Response.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Carol", online.Response.GetProperty("user").GetProperty("name").GetString());
        Assert.True(online.GetBoolean("online"));
        Assert.Equal(1, online.GetInt64("connections"));

        Assert.Equal(["carol", "watcher"], Ids(await watcher.Client.RequestAsync("GET_ONLINE_LIST")));
        using (var http = nodeA.CreateHttpClient(nodeA.MintToken("ops", "admin")))
        {
            var list = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/namespaces/web/online");
            Assert.Equal(["carol", "watcher"], list.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()!).ToArray());
        }

        await carol.DisposeAsync();
        var offline = await watcher.Client.ReceiveEventAsync("ONLINE");
        Assert.False(offline.GetBoolean("online"));
        Assert.Equal(0, offline.GetInt64("connections"));
    }

    [Fact]
    public async Task Room_members_messages_enter_and_leave_span_nodes()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var alice = await nodeA.ConnectAsync("alice");
        await using var bob = await nodeB.ConnectAsync("bob");

        var aliceState = await alice.Client.RequestAsync("JOIN_ROOM", new { room = "lobby" });
        Assert.Equal(["alice"], aliceState.Response.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray());
        await alice.Client.ReceiveEventAsync("ROOM_ENTER"); // her own

        var bobState = await bob.Client.RequestAsync("JOIN_ROOM", new { room = "lobby" });
        Assert.Equal(["alice", "bob"], bobState.Response.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray());
        var enter = await alice.Client.ReceiveEventAsync("ROOM_ENTER");
        Assert.Equal("bob", enter.Response.GetProperty("user").GetProperty("id").GetString());

        var sent = await bob.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room = "lobby", data = "hi all" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", sent.Event);
        var message = await alice.Client.ReceiveEventAsync("ROOM_MESSAGE");
        Assert.Equal(1, message.GetInt64("room_seq"));
        Assert.Equal("hi all", message.GetString("data"));
        Assert.Equal(1, (await bob.Client.ReceiveEventAsync("ROOM_MESSAGE")).GetInt64("room_seq"));

        using (var http = nodeA.CreateHttpClient(nodeA.MintToken("ops", "admin")))
        {
            var push = await http.PostAsJsonAsync("/api/v1/namespaces/web/rooms/lobby/push", new { topic = "news", data = "room push" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, push.StatusCode);
        }

        Assert.Equal("lobby", (await bob.Client.ReceiveEventAsync("PUSH")).GetString("room"));

        await alice.Client.RequestAsync("LEAVE_ROOM", new { room = "lobby" });
        var leave = await bob.Client.ReceiveEventAsync("ROOM_LEAVE");
        Assert.Equal("alice", leave.Response.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("left", leave.GetString("reason"));

        // Room history joined from the other node: since 0 replays the message stored through node B.
        var again = await alice.Client.RequestAsync("JOIN_ROOM", new { room = "lobby", since = 0 });
        Assert.Equal("ROOM_STATE", again.Event);
        Assert.True(again.GetBoolean("recovered"));
        Assert.Equal(1, again.GetInt64("missed"));
    }

    [Fact]
    public async Task When_a_node_dies_a_surviving_node_takes_its_users_offline_and_out_of_rooms_within_the_ttl()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var survivor = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        var doomed = await ClusterNodes.StartAsync(fixture.Redis, prefix);
        await using var watcher = await survivor.ConnectAsync("watcher");
        await watcher.Client.RequestAsync("GET_ONLINE_LIST", new { subscribe = true });
        await watcher.Client.RequestAsync("JOIN_ROOM", new { room = "ops" });

        var victim = await doomed.ConnectAsync("victim");
        Assert.True((await watcher.Client.ReceiveEventAsync("ONLINE")).GetBoolean("online"));
        await victim.Client.RequestAsync("JOIN_ROOM", new { room = "ops" });
        await watcher.Client.ReceiveAsync(e => e.Event == "ROOM_ENTER" && e.Response.GetProperty("user").GetProperty("id").GetString() == "victim");

        // "Death": the node loses Redis for good (no heartbeat, no clean-up), then its process state goes away.
        doomed.Services.GetRequiredService<IConnectionMultiplexer>().Dispose();
        await doomed.DisposeAsync();
        await victim.DisposeAsync();

        // Observable condition, bounded: the survivor sweeps the dead node once its heartbeat (TTL 1 s) expired.
        var offline = await watcher.Client.ReceiveAsync(e => e.Event == "ONLINE" && !e.GetBoolean("online"), TimeSpan.FromSeconds(15));
        Assert.Equal("victim", offline.Response.GetProperty("user").GetProperty("id").GetString());
        var left = await watcher.Client.ReceiveAsync(e => e.Event == "ROOM_LEAVE", TimeSpan.FromSeconds(15));
        Assert.Equal("disconnected", left.GetString("reason"));
        Assert.Equal(["watcher"], Ids(await watcher.Client.RequestAsync("GET_ONLINE_LIST")));
        var state = await watcher.Client.RequestAsync("JOIN_ROOM", new { room = "ops" });
        Assert.Equal(["watcher"], state.Response.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray());
    }

    [Fact]
    public async Task Nodes_without_a_configured_signing_key_agree_on_one_through_redis()
    {
        var prefix = ClusterNodes.NewPrefix();
        await using var nodeA = await ClusterNodes.StartAsync(fixture.Redis, prefix, o => o.SigningKey = "");
        await using var nodeB = await ClusterNodes.StartAsync(fixture.Redis, prefix, o => o.SigningKey = "");
        var token = nodeA.MintToken("erin");
        await using var client = await TestWebSocketClient.ConnectAsync(nodeB.WebSocketUri(token: token));
        Assert.Equal("CONNECT", (await client.ReceiveAsync()).Event);
    }
}

using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class RoomTests(SharedServers server) : IClassFixture<SharedServers>
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Join_send_leave_flow_with_enter_and_leave_events(TestStore store)
    {
        var room = Names.User("lobby");
        var aliceId = Names.User("alice");
        var bobId = Names.User("bob");
        await using var alice = await server.Host(store).ConnectAsync(aliceId, name: "Alice");
        await using var bob = await server.Host(store).ConnectAsync(bobId, name: "Bob");
        await using var outsider = await server.Host(store).ConnectAsync(Names.User("out"));

        var state = await alice.Client.RequestAsync("JOIN_ROOM", new { room });
        Assert.Equal("ROOM_STATE", state.Event);
        Assert.Equal(room, state.GetString("room"));
        Assert.Equal(0, state.GetInt64("seq"));
        Assert.True(state.GetBoolean("recovered"));
        Assert.Equal(0, state.GetInt64("missed"));
        Assert.Single(state.Response.GetProperty("members").EnumerateArray());
        var enter = await alice.Client.ReceiveAsync();
        Assert.Equal("ROOM_ENTER", enter.Event); // after the joiner's ROOM_STATE
        Assert.Equal(aliceId, enter.Response.GetProperty("user").GetProperty("id").GetString());

        var bobState = await bob.Client.RequestAsync("JOIN_ROOM", new { room });
        var members = bobState.Response.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToArray();
        Assert.Equal(new[] { aliceId, bobId }.Order(StringComparer.Ordinal), members);
        Assert.Equal("ROOM_ENTER", (await bob.Client.ReceiveAsync()).Event);
        var bobEnter = await alice.Client.ReceiveEventAsync("ROOM_ENTER");
        Assert.Equal(bobId, bobEnter.Response.GetProperty("user").GetProperty("id").GetString());

        var success = await alice.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "hi room" });
        Assert.Equal("SEND_MESSAGE_SUCCESS", success.Event);
        Assert.Equal(1, success.GetInt64("seq"));
        var own = await alice.Client.ReceiveAsync(); // reply came first, then the sender's copy
        Assert.Equal("ROOM_MESSAGE", own.Event);
        var bobCopy = await bob.Client.ReceiveEventAsync("ROOM_MESSAGE");
        Assert.Equal(success.GetString("message_id"), bobCopy.GetString("message_id"));
        Assert.Equal(success.GetString("at"), bobCopy.GetString("at"));
        Assert.Equal(1, bobCopy.GetInt64("room_seq"));
        Assert.Null(bobCopy.Seq);
        Assert.Equal("hi room", bobCopy.GetString("data"));
        Assert.Equal("Alice", bobCopy.Response.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(own.Raw, bobCopy.Raw); // serialized once, same bytes
        Assert.Empty(await outsider.Client.DrainAsync());

        var ack = await bob.Client.RequestAsync("LEAVE_ROOM", new { room });
        Assert.Equal("ACK", ack.Event);
        Assert.Equal("LEAVE_ROOM", ack.GetString("command"));
        var leave = await alice.Client.ReceiveEventAsync("ROOM_LEAVE");
        Assert.Equal("left", leave.GetString("reason"));
        Assert.Empty(await bob.Client.DrainAsync()); // the leaver gets no ROOM_LEAVE

        var notIn = await bob.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "x" });
        Assert.Equal("SEND_MESSAGE_ERROR", notIn.Event);
        Assert.Equal(3002, notIn.GetInt64("code"));
        var notInLeave = await bob.Client.RequestAsync("LEAVE_ROOM", new { room });
        Assert.Equal("ERROR", notInLeave.Event);
        Assert.Equal(3002, notInLeave.GetInt64("code"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Invalid_room_names_get_3003_in_each_commands_error_event(TestStore store)
    {
        await using var s = await server.Host(store).ConnectAsync(Names.User("inv"));
        var join = await s.Client.RequestAsync("JOIN_ROOM", new { room = "bad room!" });
        Assert.Equal(("ERROR", 3003L, "$.request.room"), (join.Event, join.GetInt64("code"), join.GetString("path")));
        var send = await s.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room = "", data = "x" });
        Assert.Equal(("SEND_MESSAGE_ERROR", 3003L), (send.Event, send.GetInt64("code")));
        var leave = await s.Client.RequestAsync("LEAVE_ROOM", new { room = new string('r', 65) });
        Assert.Equal(3003, leave.GetInt64("code"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Second_connection_of_member_gets_no_enter_and_disconnect_of_last_sends_leave_disconnected(TestStore store)
    {
        var room = Names.User("multi");
        var userA = Names.User("a");
        await using var watcher = await server.Host(store).ConnectAsync(Names.User("w"));
        await watcher.Client.RequestAsync("JOIN_ROOM", new { room });
        await watcher.Client.ReceiveEventAsync("ROOM_ENTER");

        var a1 = await server.Host(store).ConnectAsync(userA);
        await a1.Client.RequestAsync("JOIN_ROOM", new { room });
        Assert.Equal(userA, (await watcher.Client.ReceiveEventAsync("ROOM_ENTER")).Response.GetProperty("user").GetProperty("id").GetString());
        var a2 = await server.Host(store).ConnectAsync(userA);
        var again = await a2.Client.RequestAsync("JOIN_ROOM", new { room });
        Assert.Equal(2, again.Response.GetProperty("members").GetArrayLength());
        Assert.Empty(await watcher.Client.DrainAsync()); // no second ROOM_ENTER

        await a1.DisposeAsync();
        Assert.Empty(await watcher.Client.DrainAsync()); // a2 still a member
        await a2.DisposeAsync();
        var leave = await watcher.Client.ReceiveEventAsync("ROOM_LEAVE");
        Assert.Equal("disconnected", leave.GetString("reason"));
        Assert.Equal(userA, leave.Response.GetProperty("user").GetProperty("id").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Join_with_since_replays_missed_room_messages_before_room_state(TestStore store)
    {
        var room = Names.User("hist");
        await using var speaker = await server.Host(store).ConnectAsync(Names.User("spk"));
        await speaker.Client.RequestAsync("JOIN_ROOM", new { room });
        for (var i = 1; i <= 3; i++)
        {
            var ok = await speaker.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "m" + i });
            Assert.Equal(i, ok.GetInt64("seq"));
        }

        await using var late = await server.Host(store).ConnectAsync(Names.User("late"));
        await late.Client.SendCommandAsync("JOIN_ROOM", new { room, since = 1 }, "j1");
        var first = await late.Client.ReceiveAsync();
        var second = await late.Client.ReceiveAsync();
        var state = await late.Client.ReceiveAsync();
        Assert.Equal(("ROOM_MESSAGE", 2L, "m2"), (first.Event, first.GetInt64("room_seq"), first.GetString("data")));
        Assert.Equal(("ROOM_MESSAGE", 3L, "m3"), (second.Event, second.GetInt64("room_seq"), second.GetString("data")));
        Assert.Null(first.Cid);
        Assert.Equal("ROOM_STATE", state.Event);
        Assert.Equal("j1", state.Cid);
        Assert.Equal(3, state.GetInt64("seq"));
        Assert.Equal(2, state.GetInt64("missed"));
        Assert.True(state.GetBoolean("recovered"));

        await using var beyond = await server.Host(store).ConnectAsync(Names.User("beyond"));
        var beyondState = await beyond.Client.RequestAsync("JOIN_ROOM", new { room, since = 99 });
        Assert.False(beyondState.GetBoolean("recovered"));
        Assert.Equal(0, beyondState.GetInt64("missed"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Join_without_cid_still_gets_room_state_without_cid_after_the_replay(TestStore store)
    {
        // SB-ROOM-002: ROOM_STATE marks the end of the since replay, so a fire-and-forget joiner gets it too.
        var room = Names.User("nocid");
        await using var speaker = await server.Host(store).ConnectAsync(Names.User("spk"));
        await speaker.Client.RequestAsync("JOIN_ROOM", new { room });
        await speaker.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "m1" });

        await using var late = await server.Host(store).ConnectAsync(Names.User("late"));
        await late.Client.SendCommandAsync("JOIN_ROOM", new { room, since = 0 });
        var replayed = await late.Client.ReceiveAsync();
        var state = await late.Client.ReceiveAsync();
        var enter = await late.Client.ReceiveAsync();
        Assert.Equal(("ROOM_MESSAGE", "m1"), (replayed.Event, replayed.GetString("data")));
        Assert.Equal("ROOM_STATE", state.Event);
        Assert.Null(state.Cid);
        Assert.Equal(1, state.GetInt64("seq"));
        Assert.Equal(1, state.GetInt64("missed"));
        Assert.True(state.GetBoolean("recovered"));
        Assert.Equal("ROOM_ENTER", enter.Event);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Rooms_are_per_namespace(TestStore store)
    {
        var room = Names.User("ns-room");
        await using var web = await server.Host(store).ConnectAsync(Names.User("wu"), ns: "web");
        await using var app = await server.Host(store).ConnectAsync(Names.User("au"), ns: "app");
        await web.Client.RequestAsync("JOIN_ROOM", new { room });
        var appState = await app.Client.RequestAsync("JOIN_ROOM", new { room });
        Assert.Single(appState.Response.GetProperty("members").EnumerateArray());
        await web.Client.RequestAsync("SEND_ROOM_MESSAGE", new { room, data = "web only" });
        var appSeen = await app.Client.DrainAsync();
        Assert.DoesNotContain(appSeen, e => e.Event == "ROOM_MESSAGE");
    }
}

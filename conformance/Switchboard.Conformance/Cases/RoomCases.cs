using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Rooms and room history.</summary>
internal static class RoomCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("room.join-enter", Profiles.Chat, "JOIN_ROOM broadcasts ROOM_ENTER and replies ROOM_STATE",
            "Joining sends ROOM_ENTER {room, user, at} to every member including the joiner and replies ROOM_STATE {room, members, seq, recovered, missed}.",
            ["SB-ROOM-002", "SB-ROOM-003"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var st = await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                ctx.RequireEqual(room, st.Str("room"), "ROOM_STATE room", st.Text);
                ctx.Require(st.R("members") is JsonArray { Count: 1 }, "ROOM_STATE members = [alice]", st.Text);
                ctx.RequireEqual(0L, st.Int("seq"), "ROOM_STATE seq of a new room", st.Text);
                await alice.ExpectAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("alice"));
                var st2 = await bob.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                var ids = (st2.R("members") as JsonArray)?.Select(m => Jq.Str(m, "id")).ToList() ?? [];
                ctx.Require(ids.SequenceEqual(new[] { ctx.User("alice"), ctx.User("bob") }.Order(StringComparer.Ordinal)), "ROOM_STATE members = [alice, bob] sorted by id", st2.Text);
                var bobEnter = await bob.ExpectAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("bob"));
                ctx.Require(bobEnter.Ordinal > st2.Ordinal, "the joining connection gets ROOM_ENTER after its ROOM_STATE", bobEnter.Text);
                var e = await alice.ExpectAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("bob"));
                ctx.RequireEqual(room, e.Str("room"), "ROOM_ENTER room", e.Text);
                RequireTimestamp(ctx, e, "at");
                ctx.RequireEqual(bobEnter.Str("at"), e.Str("at"), "the same ROOM_ENTER for every member");
            });

        yield return Define("room.join-without-cid", Profiles.Chat, "JOIN_ROOM without cid is still answered with ROOM_STATE",
            "A JOIN_ROOM without cid gets ROOM_STATE without cid (it marks where a since replay ends), then ROOM_ENTER. Needs chat only (no since).",
            ["SB-ROOM-002", "SB-ENV-013"], async ctx =>
            {
                var room = ctx.Room("nocid");
                var alice = await ctx.ConnectAsync("alice");
                await alice.SendCommandAsync(Wire.JoinRoom, Obj(("room", room)), withCid: false);
                var st = await alice.ExpectAsync(Wire.RoomState, null, "ROOM_STATE for a JOIN_ROOM without cid");
                ctx.Require(st.Cid is null, "ROOM_STATE carries no cid", st.Text);
                ctx.RequireEqual(room, st.Str("room"), "ROOM_STATE room", st.Text);
                ctx.RequireEqual(0L, st.Int("missed"), "ROOM_STATE missed", st.Text);
                var enter = await alice.ExpectAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("alice"));
                ctx.Require(enter.Ordinal > st.Ordinal, "ROOM_ENTER follows ROOM_STATE", enter.Text);
            });

        yield return Define("room.message-broadcast", Profiles.Chat, "Room messages reach members only, incl. the sender",
            "SEND_ROOM_MESSAGE is acknowledged with SEND_MESSAGE_SUCCESS (seq = room_seq) and every member connection (sender included) gets ROOM_MESSAGE; non-members get nothing.",
            ["SB-ROOM-009", "SB-ROOM-010", "SB-ROOM-017"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var carol = await ctx.ConnectAsync("carol");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await bob.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                var ok = await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "hello room")), Wire.SendMessageSuccess);
                ctx.RequireEqual(1L, ok.Int("seq"), "SEND_MESSAGE_SUCCESS seq (room_seq of the first message)", ok.Text);
                foreach (var s in new[] { alice, bob })
                {
                    var m = await s.ExpectAsync(Wire.RoomMessage);
                    ctx.Require(m.Seq is null, "ROOM_MESSAGE carries no envelope seq", m.Text);
                    ctx.RequireEqual(ok.Str("at"), m.Str("at"), "ROOM_MESSAGE at equals the acknowledged at", m.Text);
                    if (s == alice)
                    {
                        ctx.Require(m.Ordinal > ok.Ordinal, "the sender gets SEND_MESSAGE_SUCCESS before its ROOM_MESSAGE copy", m.Text);
                    }

                    ctx.RequireEqual(ok.Str("message_id"), m.Str("message_id"), "ROOM_MESSAGE message_id", m.Text);
                    ctx.RequireEqual(1L, m.Int("room_seq"), "ROOM_MESSAGE room_seq", m.Text);
                    ctx.RequireEqual("hello room", m.Str("data"), "ROOM_MESSAGE data", m.Text);
                    RequireUser(ctx, m, "user", ctx.User("alice"));
                    RequireTimestamp(ctx, m, "at");
                }

                await carol.ExpectNoEventAsync(Wire.RoomMessage);
            });

        yield return Define("room.leave", Profiles.Chat, "LEAVE_ROOM -> ACK and ROOM_LEAVE reason left",
            "LEAVE_ROOM is acknowledged with ACK; remaining members get ROOM_LEAVE {reason: \"left\"}; the leaver no longer receives room messages.",
            ["SB-ROOM-006"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await bob.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                var ack = await bob.CallAsync(Wire.LeaveRoom, Obj(("room", room)), Wire.Ack);
                ctx.RequireEqual(Wire.LeaveRoom, ack.Str("command"), "ACK command", ack.Text);
                var l = await alice.ExpectAsync(Wire.RoomLeave, f => f.Str("user.id") == ctx.User("bob"));
                ctx.RequireEqual("left", l.Str("reason"), "ROOM_LEAVE reason", l.Text);
                await bob.ExpectNoEventAsync(Wire.RoomLeave, null, "a ROOM_LEAVE on the leaving connection");
                await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "after")), Wire.SendMessageSuccess);
                await bob.ExpectNoEventAsync(Wire.RoomMessage);
            });

        yield return Define("room.disconnect-leave", Profiles.Chat, "Disconnect of the last connection -> ROOM_LEAVE reason disconnected",
            "When a member's last connection drops, the others get ROOM_LEAVE {reason: \"disconnected\"}.",
            ["SB-ROOM-015", "SB-CLOSE-004"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await bob.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await bob.CloseAsync();
                var l = await alice.ExpectAsync(Wire.RoomLeave, f => f.Str("user.id") == ctx.User("bob"));
                ctx.RequireEqual("disconnected", l.Str("reason"), "ROOM_LEAVE reason", l.Text);
                ctx.Require(bob.Unconsumed().All(f => f.Event != Wire.Close), "no CLOSE event when the client closes", string.Join(" ", bob.Unconsumed().Select(f => f.Text)));
                ctx.RequireEqual(CloseCodes.Normal, bob.Closed?.Code, "the server completes the client's close handshake (1000 echoed)");
            });

        yield return Define("room.enter-once-per-user", Profiles.Chat, "ROOM_ENTER/ROOM_LEAVE only for a user's first/last connection",
            "A second connection of the same user joining does not broadcast ROOM_ENTER again; closing one of two does not broadcast ROOM_LEAVE.",
            ["SB-ROOM-005"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                var bob1 = await ctx.ConnectAsync("bob");
                var bob2 = await ctx.ConnectAsync("bob");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await bob1.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.ExpectAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("bob"));
                await bob2.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.ExpectNoEventAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("bob"));
                await bob1.CloseAsync();
                await alice.ExpectNoEventAsync(Wire.RoomLeave);
            });

        yield return Define("room.not-in-room", Profiles.Chat, "Sending to or leaving a room one is not in -> 3002",
            "SEND_ROOM_MESSAGE to a room not joined gets SEND_MESSAGE_ERROR 3002; LEAVE_ROOM gets ERROR 3002.",
            ["SB-ROOM-007", "SB-ROOM-008"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var cid = await alice.SendCommandAsync(Wire.SendRoomMessage, Obj(("room", ctx.Room("elsewhere")), ("data", "x")));
                await alice.ExpectErrorAsync(Err.NotInRoom, cid, Wire.SendMessageError);
                cid = await alice.SendCommandAsync(Wire.LeaveRoom, Obj(("room", ctx.Room("elsewhere"))));
                await alice.ExpectErrorAsync(Err.NotInRoom, cid);
            });

        yield return Define("room.invalid-name", Profiles.Chat, "An invalid room name -> ERROR 3003",
            "JOIN_ROOM with a name outside [A-Za-z0-9_.:-]{1,64} gets ERROR 3003 INVALID_ROOM.",
            ["SB-ROOM-001"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var cid = await alice.SendCommandAsync(Wire.JoinRoom, Obj(("room", "no spaces/allowed")));
                await alice.ExpectErrorAsync(Err.InvalidRoom, cid);
            });

        yield return Define("room.history-since", Profiles.RoomsHistory, "JOIN_ROOM with since replays newer messages before ROOM_STATE",
            "After messages 1..3, JOIN_ROOM {since: 1} replays room_seq 2 and 3 in order, then ROOM_STATE {seq: 3, missed: 2, recovered: true}.",
            ["SB-ROOM-012", "SB-ROOM-011"], async ctx =>
            {
                var room = ctx.Room("history");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                for (var i = 1; i <= 3; i++)
                {
                    await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "m" + S(i))), Wire.SendMessageSuccess);
                }

                var bob = await ctx.ConnectAsync("bob");
                var cid = await bob.SendCommandAsync(Wire.JoinRoom, Obj(("room", room), ("since", 1)));
                var m2 = await bob.ExpectAsync(Wire.RoomMessage);
                var m3 = await bob.ExpectAsync(Wire.RoomMessage);
                ctx.RequireEqual(2L, m2.Int("room_seq"), "first replayed room_seq", m2.Text);
                ctx.RequireEqual(3L, m3.Int("room_seq"), "second replayed room_seq", m3.Text);
                var st = await bob.ExpectAsync(Wire.RoomState, f => f.Cid == cid);
                ctx.Require(st.Ordinal > m3.Ordinal, "ROOM_STATE after the replayed messages", st.Text);
                ctx.RequireEqual(3L, st.Int("seq"), "ROOM_STATE seq", st.Text);
                ctx.RequireEqual(2L, st.Int("missed"), "ROOM_STATE missed", st.Text);
                ctx.RequireEqual(true, st.Bool("recovered"), "ROOM_STATE recovered", st.Text);
                await bob.ExpectNoEventAsync(Wire.RoomMessage, f => f.Int("room_seq") == 1, "room_seq 1 (not after since)");
            });

        yield return Define("room.join-without-since-no-replay", Profiles.Chat, "JOIN_ROOM without since replays nothing",
            "JOIN_ROOM without since gets ROOM_STATE {missed: 0} and no old ROOM_MESSAGE.",
            ["SB-ROOM-013"], async ctx =>
            {
                var room = ctx.Room("history");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "old")), Wire.SendMessageSuccess);
                var bob = await ctx.ConnectAsync("bob");
                var st = await bob.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                ctx.RequireEqual(0L, st.Int("missed"), "ROOM_STATE missed", st.Text);
                ctx.RequireEqual(1L, st.Int("seq"), "ROOM_STATE seq", st.Text);
                await bob.ExpectNoEventAsync(Wire.RoomMessage);
            });
    }
}

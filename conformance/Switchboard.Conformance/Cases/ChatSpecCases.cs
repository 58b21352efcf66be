using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Further room, presence and retention requirements.</summary>
internal static class ChatSpecCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("room.rejoin", Profiles.Chat, "JOIN_ROOM again answers ROOM_STATE without ROOM_ENTER",
            "A member connection joining the same room again gets ROOM_STATE and nobody gets a second ROOM_ENTER.",
            ["SB-ROOM-004"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.ExpectAsync(Wire.RoomEnter);
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.ExpectNoEventAsync(Wire.RoomEnter);
            });

        yield return Define("room.since-beyond-end", Profiles.RoomsHistory, "JOIN_ROOM since beyond the last room_seq -> recovered false",
            "JOIN_ROOM {since: 10} on a room with 1 message replays nothing and answers ROOM_STATE {recovered: false, missed: 0}.",
            ["SB-ROOM-014"], async ctx =>
            {
                var room = ctx.Room("r");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "x")), Wire.SendMessageSuccess);
                var bob = await ctx.ConnectAsync("bob");
                var st = await bob.CallAsync(Wire.JoinRoom, Obj(("room", room), ("since", 10)), Wire.RoomState);
                ctx.RequireEqual(false, st.Bool("recovered"), "ROOM_STATE recovered", st.Text);
                ctx.RequireEqual(0L, st.Int("missed"), "ROOM_STATE missed", st.Text);
            });

        yield return Define("room.invalid-name-all-commands", Profiles.Chat, "Invalid room names on every room command",
            "LEAVE_ROOM and SEND_ROOM_MESSAGE with an invalid room get 3003 (path $.request.room) in their error event; a non-string room gets 1005.",
            ["SB-ROOM-001", "SB-CODEC-006"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var cid = await alice.SendCommandAsync(Wire.LeaveRoom, Obj(("room", new string('r', 65))));
                var e = await alice.ExpectErrorAsync(Err.InvalidRoom, cid);
                ctx.RequireEqual("$.request.room", e.Str("path"), "path", e.Text);
                cid = await alice.SendCommandAsync(Wire.SendRoomMessage, Obj(("room", "bad room"), ("data", "x")));
                await alice.ExpectErrorAsync(Err.InvalidRoom, cid, Wire.SendMessageError);
                cid = await alice.SendCommandAsync(Wire.JoinRoom, Obj(("room", 12)));
                await alice.ExpectErrorAsync(Err.InvalidField, cid);
            });

        yield return Define("room.per-namespace", Profiles.Chat, "The same room name is a different room per namespace",
            "lobby in /web and lobby in /app share neither members nor messages (the /app room's last room_seq is 0).",
            ["SB-NS-004", "SB-NS-002"], async ctx =>
            {
                var room = ctx.Room("lobby");
                var web = await ctx.ConnectAsync("alice");
                var app = await ctx.ConnectAsync("bob", ns: "app");
                await web.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                await web.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "web only")), Wire.SendMessageSuccess);
                var st = await app.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                ctx.Require(st.R("members") is JsonArray { Count: 1 }, "the /app room has only bob", st.Text);
                ctx.RequireEqual(0L, st.Int("seq"), "the /app room has no messages", st.Text);
                await web.ExpectNoEventAsync(Wire.RoomEnter, f => f.Str("user.id") == ctx.User("bob"));
            });

        yield return Define("room.retention", Profiles.RoomsHistory, "Room history keeps the last history_max_per_stream messages",
            "With history_max_per_stream = N, after N + 3 messages JOIN_ROOM {since: 0} replays only the last N and answers recovered false.",
            ["SB-ROOM-016", "SB-ROOM-014", "SB-ROOM-012"], async ctx =>
            {
                if (ctx.Options.HistoryMaxPerStream is not { } max || max > 200)
                {
                    ctx.Informational("history_max_per_stream unknown or too large (--history-max-per-stream); retention not exercised.");
                    return;
                }

                var room = ctx.Room("r");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                for (var i = 1; i <= max + 3; i++)
                {
                    await alice.CallAsync(Wire.SendRoomMessage, Obj(("room", room), ("data", "m" + S(i))), Wire.SendMessageSuccess);
                }

                await WaitForPruneAsync(ctx);
                var bob = await ctx.ConnectAsync("bob");
                var cid = await bob.SendCommandAsync(Wire.JoinRoom, Obj(("room", room), ("since", 0)));
                var st = await bob.ExpectAsync(Wire.RoomState, f => f.Cid == cid);
                ctx.RequireEqual(false, st.Bool("recovered"), "ROOM_STATE recovered", st.Text);
                ctx.Require(st.Int("missed") >= max, $"at least {max} retained messages replayed", st.Text);

                // SB-ROOM-012: the replay is the retained tail, consecutive, and reaches ROOM_STATE's seq (no silent loss).
                var replayed = new List<long>();
                for (var i = 0; i < st.Int("missed"); i++)
                {
                    replayed.Add((await bob.ExpectAsync(Wire.RoomMessage)).Int("room_seq") ?? -1);
                }

                ctx.Require(replayed[0] > 1, "the oldest messages were pruned", string.Join(",", replayed));
                ctx.Require(replayed.Zip(replayed.Skip(1)).All(p => p.Second == p.First + 1), "the replay is consecutive", string.Join(",", replayed));
                ctx.RequireEqual(st.Int("seq"), replayed[^1], "the last replayed room_seq = ROOM_STATE seq", string.Join(",", replayed));
            }, snapshot: SnapshotMode.None);

        yield return Define("dlv.retention", Profiles.Core, "A stream keeps the last history_max_per_stream events",
            "With history_max_per_stream = N, N + 3 events for an offline user replay at least the last N with recovered false.",
            ["SB-DLV-011", "SB-DLV-010"], async ctx =>
            {
                if (ctx.Options.HistoryMaxPerStream is not { } max || max > 200)
                {
                    ctx.Informational("history_max_per_stream unknown or too large (--history-max-per-stream); retention not exercised.");
                    return;
                }

                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                for (var i = 1; i <= max + 3; i++)
                {
                    await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "m" + S(i))), Wire.SendMessageSuccess);
                }

                await WaitForPruneAsync(ctx);
                var back = await ctx.ConnectAsync("bob", configure: o => { o.Since = 0; o.Epoch = epoch; });
                ctx.RequireEqual(false, back.Connect!.Bool("recovered"), "CONNECT recovered", back.Connect.Text);
                ctx.Require(back.Connect.Int("missed") >= max, $"at least {max} retained events replayed", back.Connect.Text);
                var first = await back.ExpectAsync(Wire.PrivateMessage);
                ctx.Require(first.Seq > 1, "the oldest events were pruned", first.Text);
            }, uses: [Capabilities.Chat], snapshot: SnapshotMode.None);

        yield return Define("pres.unsubscribe", Profiles.Presence, "subscribe: false unsubscribes",
            "After GET_ONLINE_LIST {subscribe: true} then {subscribe: false}, no ONLINE arrives for new users.",
            ["SB-PRES-002"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true)), Wire.OnlineList);
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", false)), Wire.OnlineList);
                await ctx.ConnectAsync("bob");
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
            });

        yield return Define("pres.subscription-per-connection", Profiles.Presence, "Subscriptions end with the connection",
            "A subscribed connection that closes does not make the user's next connection subscribed; the new connection itself does not get its own ONLINE.",
            ["SB-PRES-007", "SB-PRES-003"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true)), Wire.OnlineList);
                await alice.CloseAsync();
                var alice2 = await ctx.ConnectAsync("alice");
                await ctx.ConnectAsync("bob");
                await alice2.ExpectNoEventAsync(Wire.Online);
            });

        yield return Define("pres.sorted", Profiles.Presence, "ONLINE_LIST users are sorted by id",
            "GET_ONLINE_LIST lists users sorted by id (ordinal).",
            ["SB-PRES-001"], async ctx =>
            {
                await ctx.ConnectAsync("zed");
                await ctx.ConnectAsync("amy");
                var mia = await ctx.ConnectAsync("mia");
                var list = await mia.CallAsync(Wire.GetOnlineList, null, Wire.OnlineList);
                var ids = (list.R("users") as JsonArray)?.Select(u => Jq.Str(u, "id") ?? string.Empty).ToList() ?? [];
                ctx.Require(ids.SequenceEqual(ids.Order(StringComparer.Ordinal)), "users sorted by id", list.Text);
            });
    }

    private static async Task WaitForPruneAsync(CaseContext ctx)
    {
        // Retention is enforced by a pruning job whose interval the suite cannot see; give it a bounded moment.
        await Task.Delay(ctx.Options.RetentionSettle).ConfigureAwait(false);
    }
}

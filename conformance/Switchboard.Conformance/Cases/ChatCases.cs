using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Group chat, private chat and namespace isolation.</summary>
internal static class ChatCases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("chat.group-include-self", Profiles.Chat, "Group message reaches every connection of the namespace incl. the sender",
            "SEND_GROUP_MESSAGE (include_self default true) is acknowledged with SEND_MESSAGE_SUCCESS and every connection of the namespace, the sender's included, receives GROUP_MESSAGE {message_id, user, data, at}.",
            ["SB-CHAT-001", "SB-CHAT-003", "SB-CHAT-004", "SB-ENV-016"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var data = "hi all " + ctx.Nonce;
                var ok = await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", data)), Wire.SendMessageSuccess);
                var id = RequireString(ctx, ok, "message_id");
                RequireTimestamp(ctx, ok, "at");
                foreach (var s in new[] { bob, alice })
                {
                    var m = await s.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == data);
                    ctx.RequireEqual(id, m.Str("message_id"), "GROUP_MESSAGE message_id equals the acknowledged id", m.Text);
                    RequireUser(ctx, m, "user", ctx.User("alice"));
                    RequireTimestamp(ctx, m, "at");
                    ctx.Require(m.Seq is null, "GROUP_MESSAGE is live (no seq)", m.Text);
                    if (s == alice)
                    {
                        ctx.Require(m.Ordinal > ok.Ordinal, "the sender gets SEND_MESSAGE_SUCCESS before its GROUP_MESSAGE copy", m.Text);
                    }
                }
            });

        yield return Define("chat.group-exclude-self", Profiles.Chat, "include_self=false skips only the sending connection",
            "With include_self false the sending connection gets only SEND_MESSAGE_SUCCESS; the sender's other connection and other users get GROUP_MESSAGE.",
            ["SB-CHAT-002"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var alice2 = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                var data = "not me " + ctx.Nonce;
                await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", data), ("include_self", false)), Wire.SendMessageSuccess);
                await bob.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == data);
                await alice2.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == data);
                await alice.ExpectNoEventAsync(Wire.GroupMessage, f => f.Str("data") == data);
            });

        yield return Define("chat.private-all-connections", Profiles.Chat, "Private message reaches all of the recipient's connections and nobody else",
            "SEND_PRIVATE_MESSAGE to bob: both of bob's connections get PRIVATE_MESSAGE (same seq, durable); carol and the sender's other connection get nothing.",
            ["SB-CHAT-005", "SB-DLV-003"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var alice2 = await ctx.ConnectAsync("alice");
                var bob1 = await ctx.ConnectAsync("bob");
                var bob2 = await ctx.ConnectAsync("bob");
                var carol = await ctx.ConnectAsync("carol");
                var ok = await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "psst")), Wire.SendMessageSuccess);
                var id = RequireString(ctx, ok, "message_id");
                long? seq = null;
                foreach (var b in new[] { bob1, bob2 })
                {
                    var m = await b.ExpectAsync(Wire.PrivateMessage);
                    ctx.RequireEqual(id, m.Str("message_id"), "message_id", m.Text);
                    ctx.RequireEqual(ctx.User("bob"), m.Str("to"), "to", m.Text);
                    ctx.RequireEqual("web", m.Str("namespace"), "namespace", m.Text);
                    ctx.RequireEqual("psst", m.Str("data"), "data", m.Text);
                    RequireUser(ctx, m, "user", ctx.User("alice"));
                    ctx.Require(m.Seq is > 0, "PRIVATE_MESSAGE is durable (positive seq)", m.Text);
                    ctx.Require(seq is null || seq == m.Seq, "the same seq on every connection of the recipient", m.Text);
                    seq = m.Seq;
                }

                await carol.ExpectNoEventAsync(Wire.PrivateMessage);
                await alice2.ExpectNoEventAsync(Wire.PrivateMessage);
                await alice.ExpectNoEventAsync(Wire.PrivateMessage);
            });

        yield return Define("chat.private-unknown-recipient", Profiles.Chat, "Private message to an unknown user -> SEND_MESSAGE_ERROR 3001",
            "A recipient that never connected and has no stream gets SEND_MESSAGE_ERROR 3001 RECIPIENT_UNKNOWN.",
            ["SB-CHAT-006"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var cid = await alice.SendCommandAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("nobody")), ("data", "hello?")));
                await alice.ExpectErrorAsync(Err.RecipientUnknown, cid, Wire.SendMessageError);
            });

        yield return Define("chat.send-errors-use-send-message-error", Profiles.Chat, "SEND_* validation errors use SEND_MESSAGE_ERROR",
            "SEND_GROUP_MESSAGE without data is answered with SEND_MESSAGE_ERROR 1004 and with empty data with SEND_MESSAGE_ERROR 1005 (not ERROR), path $.request.data.",
            ["SB-CHAT-009", "SB-CODEC-004"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var cid = await alice.SendCommandAsync(Wire.SendGroupMessage, new JsonObject());
                var e = await alice.ExpectErrorAsync(Err.MissingField, cid, Wire.SendMessageError);
                ctx.RequireEqual("$.request.data", e.Str("path"), "path", e.Text);
                cid = await alice.SendCommandAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("alice")), ("data", string.Empty)));
                e = await alice.ExpectErrorAsync(Err.InvalidField, cid, Wire.SendMessageError);
                ctx.RequireEqual("$.request.data", e.Str("path"), "path", e.Text);
                await alice.ExpectNoEventAsync(Wire.GroupMessage);
            });

        yield return Define("ns.group-isolated", Profiles.Chat, "Group messages do not cross namespaces",
            "A group message in /web is not delivered to /app connections (not even the sender's own user there).",
            ["SB-NS-002"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bobApp = await ctx.ConnectAsync("bob", ns: "app");
                var aliceApp = await ctx.ConnectAsync("alice", ns: "app");
                var data = "web only " + ctx.Nonce;
                await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", data)), Wire.SendMessageSuccess);
                await alice.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == data);
                await bobApp.ExpectNoEventAsync(Wire.GroupMessage, f => f.Str("data") == data);
                await aliceApp.ExpectNoEventAsync(Wire.GroupMessage, f => f.Str("data") == data);
            });

        yield return Define("ns.private-isolated", Profiles.Chat, "Private messages stay in the sender's namespace by default",
            "A private message without namespace goes to the recipient's /web connections only, not to the recipient's /app connection.",
            ["SB-NS-003"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bobWeb = await ctx.ConnectAsync("bob");
                var bobApp = await ctx.ConnectAsync("bob", ns: "app");
                await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "web")), Wire.SendMessageSuccess);
                await bobWeb.ExpectAsync(Wire.PrivateMessage);
                await bobApp.ExpectNoEventAsync(Wire.PrivateMessage);
            });

        yield return Define("ns.private-cross-namespace", Profiles.Chat, "Explicit namespace addresses the other namespace",
            "SEND_PRIVATE_MESSAGE with namespace \"app\" from /web reaches the recipient's /app connections (namespace field = sender's ns \"web\") and not /web.",
            ["SB-NS-003"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bobWeb = await ctx.ConnectAsync("bob");
                var bobApp = await ctx.ConnectAsync("bob", ns: "app");
                await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "to your phone"), ("namespace", "app")), Wire.SendMessageSuccess);
                var m = await bobApp.ExpectAsync(Wire.PrivateMessage);
                ctx.RequireEqual("web", m.Str("namespace"), "PRIVATE_MESSAGE namespace (the sender's)", m.Text);
                await bobWeb.ExpectNoEventAsync(Wire.PrivateMessage);
            });

        yield return Define("ns.streams-separate", Profiles.Chat, "Durable streams are per namespace",
            "A user's /web and /app streams have their own seq: a message to /app does not advance the /web stream.",
            ["SB-NS-005"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bobApp = await ctx.ConnectAsync("bob", ns: "app");
                var bobWeb = await ctx.ConnectAsync("bob");
                await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "1"), ("namespace", "app")), Wire.SendMessageSuccess);
                var m = await bobApp.ExpectAsync(Wire.PrivateMessage);
                ctx.RequireEqual(1L, m.Seq, "first seq of bob's /app stream", m.Text);
                await bobWeb.CloseAsync();
                var again = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(0L, again.Connect!.Int("seq"), "CONNECT seq of bob's untouched /web stream", again.Connect.Text);
            });
    }
}

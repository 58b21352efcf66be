using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Further core requirements: handshake details, identity, envelope ordering, delivery bookkeeping.</summary>
internal static class CoreSpecCases
{
    private static Task<Frame> Pm(WsSession from, CaseContext ctx, string to, string data) =>
        from.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User(to)), ("data", data)), Wire.SendMessageSuccess);

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("hs.client-id-unique", Profiles.Core, "client_id is unique per connection",
            "Three connections of the same user get three different client_id values.",
            ["SB-HS-008"], async ctx =>
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < 3; i++)
                {
                    var s = await ctx.ConnectAsync("alice");
                    ctx.Require(ids.Add(s.Connect!.Str("client_id")!), "a client_id never seen before", s.Connect.Text);
                }
            }, snapshot: SnapshotMode.None);

        yield return Define("hs.plain-get-400", Profiles.Core, "A non-upgrade GET /web -> HTTP 400 problem+json 1008",
            "GET /web without upgrade headers is answered with HTTP 400, problem+json, code 1008.",
            ["SB-HS-010"], async ctx =>
            {
                var r = await ctx.HttpAsync(HttpMethod.Get, "/web", token: string.Empty);
                ctx.RequireEqual(400, (int)r.Status, "HTTP status", r.Text);
                ctx.RequireEqual("application/problem+json", r.ContentType, "Content-Type", r.Text);
                ctx.RequireEqual(1008L, r.Int("code"), "problem code", r.Text);
            }, level: RequirementLevel.Should);

        yield return Define("hs.unknown-path-404", Profiles.Core, "Upgrade on another path -> HTTP 404",
            "A WebSocket upgrade request to /chat (not a namespace) is answered with HTTP 404.",
            ["SB-NS-008"], async ctx =>
            {
                var r = await ctx.RawUpgradeAsync(new ConnectOptions { Namespace = "chat", Token = ctx.TokenFor("alice") });
                ctx.RequireEqual(404, r.Status, "HTTP status", r.Body);
            });

        yield return Define("hs.health", Profiles.Core, "GET /health answers 200 {status: ok} without a token",
            "GET /health needs no token and answers 200 {\"status\":\"ok\"}.",
            ["SB-API-016", "SB-HS-001"], async ctx =>
            {
                var r = await ctx.HttpAsync(HttpMethod.Get, "/health", token: string.Empty);
                ctx.RequireEqual(200, (int)r.Status, "HTTP status", r.Text);
                ctx.RequireEqual("ok", r.Str("status"), "status", r.Text);
            });

        yield return Define("auth.header-wins", Profiles.Core, "Authorization header takes precedence over access_token",
            "With an invalid ?access_token= and a valid Authorization: Bearer, the connection is accepted as the header's user.",
            ["SB-AUTH-001"], async ctx =>
            {
                // Header valid, query garbage: must be accepted.
                using var client = new System.Net.WebSockets.ClientWebSocket();
                client.Options.AddSubProtocol(Wire.Subprotocol);
                client.Options.SetRequestHeader("Authorization", "Bearer " + ctx.TokenFor("alice"));
                var uri = ctx.Options.NamespaceUri("web", "access_token=garbage");
                ctx.Log.Add("alice#h", WireDirection.Open, "GET " + uri.PathAndQuery + " (Authorization: Bearer valid)");
                using var t = new CancellationTokenSource(ctx.Timeout);
                await client.ConnectAsync(uri, t.Token);
                var buffer = new byte[16384];
                var res = await client.ReceiveAsync(buffer, t.Token);
                var text = Encoding.UTF8.GetString(buffer, 0, res.Count);
                ctx.Log.Add("alice#h", WireDirection.ReceiveText, text);
                var f = Frame.Parse(text, false, 0);
                ctx.RequireEqual(Wire.Connect, f.Event, "first frame with a valid header and a garbage query token", text);
                ctx.RequireEqual(ctx.User("alice"), f.Str("user.id"), "user id", text);
                client.Abort();
            }, snapshot: SnapshotMode.None);

        yield return Define("auth.failed-leaves-no-state", Profiles.Core, "A rejected connection creates no presence and no stream",
            "After bob's rejected connection (bad token), a presence subscriber sees no ONLINE for bob and a private message to bob gets 3001 (no stream).",
            ["SB-AUTH-010"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.GetOnlineList, Obj(("subscribe", true)), Wire.OnlineList);
                var bad = await ctx.OpenAsync(new ConnectOptions { Token = ctx.Tokens.Mint(ctx.User("bob"), lifetime: TimeSpan.FromMinutes(-1)), Label = "bob" });
                await bad.ExpectServerCloseAsync(CloseCodes.TokenExpired);
                await alice.ExpectNoEventAsync(Wire.Online, f => f.Str("user.id") == ctx.User("bob"));
                var cid = await alice.SendCommandAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "hi")));
                await alice.ExpectErrorAsync(Err.RecipientUnknown, cid, Wire.SendMessageError);
            }, uses: [Capabilities.Chat, Capabilities.Presence]);

        yield return Define("auth.identity-fixed", Profiles.Core, "REFRESH_TOKEN does not change the identity",
            "After REFRESH_TOKEN with a token carrying another name and role, messages still show the original name and role.",
            ["SB-AUTH-017"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.RefreshToken, Obj(("token", ctx.Tokens.Mint(ctx.User("alice"), "admin", "Queen Alice"))), Wire.Ack);
                await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", "who am i")), Wire.SendMessageSuccess);
                var m = await alice.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == "who am i");
                ctx.RequireEqual(ctx.User("alice"), m.Str("user.name"), "user.name after refresh", m.Text);
                ctx.RequireEqual("user", m.Str("user.role"), "user.role after refresh", m.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("env.absent-request", Profiles.Core, "An absent request is treated as {}",
            "ECHO without request is answered like ECHO with {}: ERROR 1004 $.request.data.",
            ["SB-ENV-008"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"command\":\"ECHO\",\"cid\":\"a1\"}");
                var e = await s.ExpectErrorAsync(Err.MissingField, "a1");
                ctx.RequireEqual("$.request.data", e.Str("path"), "path", e.Text);
            });

        yield return Define("env.null-optional", Profiles.Core, "A null optional property is treated as absent",
            "SEND_GROUP_MESSAGE with include_self: null behaves as the default (the sender receives the message).",
            ["SB-ENV-010"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"command\":\"SEND_GROUP_MESSAGE\",\"cid\":\"n1\",\"request\":{\"data\":\"null ok\",\"include_self\":null}}");
                await s.ExpectAsync(Wire.SendMessageSuccess, f => f.Cid == "n1");
                await s.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == "null ok");
            }, uses: [Capabilities.Chat]);

        yield return Define("env.replies-in-order", Profiles.Core, "Replies come in command order",
            "20 ECHOs sent back to back are answered in the same order; PONG with a cid gets no reply.",
            ["SB-ENV-014", "SB-ENV-012"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.SendTextAsync("{\"command\":\"PONG\",\"cid\":\"p1\"}");
                var frames = Enumerable.Range(1, 20).Select(i => $"{{\"command\":\"ECHO\",\"cid\":\"o{S(i)}\",\"request\":{{\"data\":\"{S(i)}\"}}}}").ToList();
                await s.SendBurstAsync(frames);
                long last = 0;
                for (var i = 1; i <= 20; i++)
                {
                    var cid = "o" + S(i);
                    var r = await s.ExpectAsync(Wire.Echo, f => f.Cid == cid);
                    ctx.Require(r.Ordinal > last, $"the reply to {cid} after the reply to the previous command", r.Text);
                    last = r.Ordinal;
                }

                await s.ExpectNoEventAsync(null, f => f.Cid == "p1", "a reply to PONG");
            });

        yield return Define("env.deep-nesting", Profiles.Core, "Request nesting up to depth 64 is accepted",
            "An ECHO whose request carries an unknown property nested 60 levels deep is answered normally.",
            ["SB-CODEC-017"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var nested = string.Concat(Enumerable.Repeat("{\"a\":", 60)) + "1" + new string('}', 60);
                await s.SendTextAsync("{\"command\":\"ECHO\",\"cid\":\"d1\",\"request\":{\"data\":\"deep\",\"x\":" + nested + "}}");
                var r = await s.ExpectAsync(null, f => f.Cid == "d1");
                ctx.RequireEqual(Wire.Echo, r.Event, "reply", r.Text);
            });

        yield return Define("dlv.durable-vs-live", Profiles.Core, "Only durable events carry seq",
            "PRIVATE_MESSAGE and user PUSH carry seq; GROUP_MESSAGE, ECHO, SEND_MESSAGE_SUCCESS and ACK do not.",
            ["SB-DLV-012", "SB-ENV-005"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var echo = await alice.CallAsync(Wire.CmdEcho, Obj(("data", "x")), Wire.Echo);
                ctx.Require(echo.Seq is null, "ECHO has no seq", echo.Text);
                var ok = await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", "g")), Wire.SendMessageSuccess);
                ctx.Require(ok.Seq is null, "SEND_MESSAGE_SUCCESS has no envelope seq", ok.Text);
                var g = await alice.ExpectAsync(Wire.GroupMessage, f => f.Str("data") == "g");
                ctx.Require(g.Seq is null, "GROUP_MESSAGE has no seq", g.Text);
                await Pm(alice, ctx, "alice", "note to self");
                var pm = await alice.ExpectAsync(Wire.PrivateMessage);
                ctx.RequireEqual(1L, pm.Seq, "PRIVATE_MESSAGE seq", pm.Text);
                var ack = await alice.CallAsync(Wire.Received, Obj(("seq", 1)), Wire.Ack);
                ctx.Require(ack.Seq is null, "ACK has no seq", ack.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("chat.private-to-self", Profiles.Chat, "A private message to oneself is delivered",
            "SEND_PRIVATE_MESSAGE with to = the sender delivers a PRIVATE_MESSAGE to all of the sender's connections.",
            ["SB-CHAT-008"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var alice2 = await ctx.ConnectAsync("alice");
                await Pm(alice, ctx, "alice", "memo");
                await alice.ExpectAsync(Wire.PrivateMessage, f => f.Str("data") == "memo");
                await alice2.ExpectAsync(Wire.PrivateMessage, f => f.Str("data") == "memo");
            });

        yield return Define("dlv.connect-since-acks", Profiles.Core, "A connect with since advances acked_seq",
            "After a connect with since=2 and the epoch, a later connect without since replays only seq > 2.",
            ["SB-DLV-008", "SB-DLV-013"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                for (var i = 1; i <= 3; i++)
                {
                    await Pm(alice, ctx, "bob", "m" + S(i));
                }

                var b2 = await ctx.ConnectAsync("bob", configure: o => { o.Since = 2; o.Epoch = epoch; });
                ctx.RequireEqual(1L, b2.Connect!.Int("missed"), "missed with since=2", b2.Connect.Text);
                await b2.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 3);
                await b2.CloseAsync();
                var b3 = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(1L, b3.Connect!.Int("missed"), "missed without since after the since=2 connect", b3.Connect.Text);
                var r = await b3.ExpectAsync(Wire.PrivateMessage);
                ctx.RequireEqual(3L, r.Seq, "replayed seq", r.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.received-shared", Profiles.Core, "RECEIVED on one connection applies to the stream",
            "RECEIVED on one of bob's connections means a later connect of bob without since replays nothing already acknowledged.",
            ["SB-DLV-013", "SB-DLV-009"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob1 = await ctx.ConnectAsync("bob");
                var bob2 = await ctx.ConnectAsync("bob");
                await Pm(alice, ctx, "bob", "one");
                await bob1.ExpectAsync(Wire.PrivateMessage);
                await bob2.ExpectAsync(Wire.PrivateMessage);
                await bob2.CallAsync(Wire.Received, Obj(("seq", 1)), Wire.Ack);
                var bob3 = await ctx.ConnectAsync("bob");
                ctx.RequireEqual(0L, bob3.Connect!.Int("missed"), "missed after RECEIVED on another connection", bob3.Connect.Text);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.received-beyond-end", Profiles.Core, "RECEIVED beyond the last seq -> ERROR 1005",
            "RECEIVED {seq: last + 5} is answered with ERROR 1005 path $.request.seq.",
            ["SB-DLV-009"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var cid = await bob.SendCommandAsync(Wire.Received, Obj(("seq", 5)));
                var e = await bob.ExpectErrorAsync(Err.InvalidField, cid);
                ctx.RequireEqual("$.request.seq", e.Str("path"), "path", e.Text);
            });

        yield return Define("dlv.since-beyond-end", Profiles.Core, "since beyond the stream's end -> recovered false",
            "A connect with the right epoch and since greater than the last seq gets CONNECT {recovered: false}.",
            ["SB-DLV-010"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                var b2 = await ctx.ConnectAsync("bob", configure: o => { o.Since = 42; o.Epoch = epoch; });
                ctx.RequireEqual(false, b2.Connect!.Bool("recovered"), "CONNECT recovered", b2.Connect.Text);
            });

        yield return Define("dlv.since-not-a-number", Profiles.Core, "A non-decimal since is ignored",
            "since=abc is treated as absent: CONNECT succeeds and offline events are replayed from acked_seq.",
            ["SB-DLV-014"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                await Pm(alice, ctx, "bob", "x");
                var back = await ctx.ConnectAsync("bob", configure: o => o.ExtraQuery = "since=abc&epoch=" + Uri.EscapeDataString(epoch ?? string.Empty));
                ctx.RequireEqual(1L, back.Connect!.Int("missed"), "missed (since ignored, offline replay from acked_seq)", back.Connect.Text);
                await back.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 1);
            }, uses: [Capabilities.Chat], snapshot: SnapshotMode.None);

        yield return Define("dlv.replay-identical", Profiles.Core, "A replayed event is identical to the live one",
            "A PRIVATE_MESSAGE replayed on a new connection (since = 0) has the same event, seq and response as live, and no cid.",
            ["SB-DLV-015"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                var bob = await ctx.ConnectAsync("bob");
                await Pm(alice, ctx, "bob", "keep me");
                var live = await bob.ExpectAsync(Wire.PrivateMessage, f => f.Str("data") == "keep me");
                ctx.Require(live.Seq is > 0, "the live PRIVATE_MESSAGE carries a seq", live.Text);
                var again = await ctx.ConnectAsync("bob", configure: o => { o.Since = 0; o.Epoch = bob.Connect!.Str("epoch"); });
                var replay = await again.ExpectAsync(Wire.PrivateMessage, f => f.Seq == live.Seq);
                ctx.Require(replay.Cid is null, "the replay carries no cid", replay.Text);
                ctx.RequireEqual(live.Response!.ToJsonString(), replay.Response!.ToJsonString(), "replayed response", replay.Text);
            }, uses: [Capabilities.Chat]);

        // The former service-desk half of dlv.replay-identical: SB-ENV-015 needs a durable reply (CONVERSATION).
        yield return Define("cs.reply-replay-identical", Profiles.ServiceDesk, "A durable reply: cid once, other connections and replay without",
            "The CONVERSATION reply (cid + seq) replayed on a new connection has the same event, seq and response and no cid.",
            ["SB-ENV-015", "SB-DLV-015", "SB-CS-002"], async ctx =>
            {
                var v = await Visitor(ctx);
                var v2 = await Visitor(ctx);
                var live = await v.CallAsync(Wire.RequestService, Obj(("topic", "t")), Wire.Conversation);
                ctx.Require(live.Seq is > 0 && live.Cid is not null, "the reply carries both cid and seq", live.Text);
                await v.ExpectNoEventAsync(Wire.Conversation, f => f.Seq == live.Seq, "a second copy of the reply on the calling connection");
                var other = await v2.ExpectAsync(Wire.Conversation, f => f.Seq == live.Seq);
                ctx.Require(other.Cid is null, "the user's other connection gets it without cid", other.Text);
                var v3 = await ctx.ConnectAsync("visitor", "visitor", configure: o => { o.Since = 0; o.Epoch = v.Connect!.Str("epoch"); });
                var replay = await v3.ExpectAsync(Wire.Conversation, f => f.Seq == live.Seq);
                ctx.Require(replay.Cid is null, "the replay carries no cid", replay.Text);
                ctx.RequireEqual(live.Response!.ToJsonString(), replay.Response!.ToJsonString(), "replayed response", replay.Text);
            });

        yield return Define("dlv.message-ids-unique", Profiles.Core, "message_id values are unique",
            "Ten group and ten private messages get twenty distinct message_id values.",
            ["SB-DLV-018"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await ctx.ConnectAsync("bob");
                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < 10; i++)
                {
                    var g = await alice.CallAsync(Wire.SendGroupMessage, Obj(("data", "g" + S(i))), Wire.SendMessageSuccess);
                    var p = await Pm(alice, ctx, "bob", "p" + S(i));
                    ctx.Require(ids.Add(g.Str("message_id") ?? string.Empty) && ids.Add(p.Str("message_id") ?? string.Empty), "a message_id never seen before", g.Text + " " + p.Text);
                }
            }, uses: [Capabilities.Chat], snapshot: SnapshotMode.None);

        yield return Define("ka.ping-below-idle", Profiles.Core, "ping_interval_ms < idle_timeout_ms",
            "CONNECT advertises ping_interval_ms smaller than idle_timeout_ms.",
            ["SB-KA-004"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                ctx.Require(s.Connect!.Int("ping_interval_ms") < s.Connect.Int("idle_timeout_ms"), "ping_interval_ms < idle_timeout_ms", s.Connect.Text);
            });
    }
}

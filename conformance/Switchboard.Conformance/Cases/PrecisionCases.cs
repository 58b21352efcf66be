using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;
using static Switchboard.Conformance.Cases.ServiceDeskCases;

namespace Switchboard.Conformance.Cases;

/// <summary>
/// Cases added by the mutation campaign (conformance/mutation): the kinds of fault black-box suites tend to miss —
/// a wrong value inside a correct-looking event (a name, a deadline, a count, a label, a sort order), state a command
/// says it changed that reads back unchanged, and the second variant of a rule (the other namespace, the other role,
/// the second transfer, the same user with two connections and different claims).
/// </summary>
internal static class PrecisionCases
{
    private static JsonObject? FindUser(Frame f, string id) =>
        (f.R("users") as JsonArray)?.OfType<JsonObject>().FirstOrDefault(u => Jq.Str(u, "id") == id);

    /// <summary>An upgrade that must be answered with CLOSE <paramref name="code"/> and no CONNECT.</summary>
    private static async Task RequireRejectedAsync(CaseContext ctx, string token, string ns, int code)
    {
        var s = await ctx.OpenAsync(new ConnectOptions { Token = token, Namespace = ns, Label = "client" });
        await s.ExpectServerCloseAsync(code);
        ctx.Require(s.Unconsumed().All(f => f.Event != Wire.Connect), "no CONNECT before the CLOSE", string.Join(" ", s.Unconsumed().Select(f => f.Text)));
    }

    public static IEnumerable<ConformanceCase> All()
    {
        // ---------------------------------------------------------------- auth: second variants
        yield return Define("auth.empty-name", Profiles.Core, "An empty name claim means the display name is sub",
            "A token with \"name\": \"\" connects and CONNECT's user.name equals sub (the empty string is not a name).",
            ["SB-AUTH-008"], async ctx =>
            {
                var token = ctx.Tokens.Mint(ctx.User("alice"), "user", name: string.Empty);
                var s = await ctx.OpenAsync(new ConnectOptions { Token = token, Label = "alice" }, ctx.User("alice"));
                var c = await s.ExpectAsync(Wire.Connect);
                ctx.RequireEqual(ctx.User("alice"), c.Str("user.name"), "CONNECT user.name", c.Text);
            });

        yield return Define("auth.expired-seconds-ago", Profiles.Core, "A token expired 10 s ago -> CLOSE 4419",
            "A token whose exp is 10 seconds in the past (beyond the 5 s leeway SB-AUTH-018 allows) gets CLOSE 4419 and no CONNECT.",
            ["SB-AUTH-005", "SB-AUTH-010"], ctx => RequireRejectedAsync(ctx, ctx.TokenFor("alice", lifetime: TimeSpan.FromSeconds(-10)), "web", CloseCodes.TokenExpired));

        yield return Define("auth.sub-65-chars", Profiles.Core, "A sub of 65 valid characters -> CLOSE 4401",
            "sub is 1-64 characters: a 65-character sub of allowed characters is a token problem (CLOSE 4401, no CONNECT).",
            ["SB-AUTH-006", "SB-AUTH-004", "SB-AUTH-010"], ctx =>
            {
                var sub = (ctx.Nonce + new string('a', 65))[..65];
                var token = ctx.Tokens.MintRaw(Obj(("sub", sub), ("exp", ctx.Tokens.UnixTime(TimeSpan.FromHours(1)))));
                return RequireRejectedAsync(ctx, token, "web", CloseCodes.Unauthorized);
            });

        yield return Define("auth.namespace-forbidden-app", Profiles.Core, "A token with ns [web] at /app -> CLOSE 4403",
            "The ns claim is checked for the app namespace too: a token with ns [\"web\"] connecting to /app gets CLOSE 4403.",
            ["SB-AUTH-009", "SB-AUTH-010"], ctx => RequireRejectedAsync(ctx, ctx.TokenFor("alice", namespaces: ["web"]), "app", CloseCodes.Forbidden));

        yield return Define("auth.refresh-subject-case", Profiles.Core, "REFRESH_TOKEN for the same sub in other case -> ERROR 2006",
            "sub is case-sensitive: a REFRESH_TOKEN whose sub differs from the connection's only in letter case is answered with ERROR 2006; the connection stays open.",
            ["SB-AUTH-014", "SB-AUTH-006"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var other = ctx.Tokens.Mint(ctx.User("alice").ToUpperInvariant(), "user");
                var cid = await s.SendCommandAsync(Wire.RefreshToken, Obj(("token", other)));
                await s.ExpectErrorAsync(Err.TokenSubjectMismatch, cid);
                await AssertStillOpenAsync(ctx, s);
            });

        // ---------------------------------------------------------------- limits: the cap spans both namespaces
        yield return Define("lim.connection-cap-both-namespaces", Profiles.Core, "The per-user cap counts /web and /app together",
            "alice opens /web connections until the server refuses one with 4409; with those still open, a connection of alice to /app is refused with 4409 too.",
            ["SB-LIM-009"], async ctx =>
            {
                const int probe = 128;
                var open = 0;
                for (var i = 0; i < probe; i++)
                {
                    var s = await ctx.OpenAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Label = "alice" }, ctx.User("alice"));
                    var first = await s.ExpectAsync(null, f => f.Event is Wire.Connect or Wire.Close, "CONNECT or CLOSE");
                    if (first.Event == Wire.Connect)
                    {
                        open++;
                        continue;
                    }

                    ctx.RequireEqual((long)CloseCodes.TooManyConnections, first.Int("code"), "CLOSE code beyond the cap in /web", first.Text);
                    var app = await ctx.OpenAsync(new ConnectOptions { Token = ctx.TokenFor("alice"), Namespace = "app", Label = "alice-app" }, ctx.User("alice"));
                    var appFirst = await app.ExpectAsync(null, f => f.Event is Wire.Connect or Wire.Close, "CONNECT or CLOSE on /app");
                    ctx.Require(appFirst.Event == Wire.Close && appFirst.Int("code") == CloseCodes.TooManyConnections,
                        $"a connection to /app beyond the cap reached with {open} /web connections gets CLOSE 4409", appFirst.Text);
                    return;
                }

                ctx.Informational($"No cap reached within {probe} connections of one user; SB-LIM-009 not exercised.");
            }, snapshot: SnapshotMode.None);

        // ---------------------------------------------------------------- presence: claims of the most recent connection, ordinal order
        yield return Define("pres.most-recent-claims", Profiles.Presence, "ONLINE_LIST takes name and role from the user's most recent connection",
            "bob connects as \"Bob One\" (role user), then again as \"Bob Two\" (role agent): ONLINE_LIST lists bob once with connections 2, name \"Bob Two\" and role agent.",
            ["SB-PRES-001"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice");
                await ctx.ConnectAsync("bob", configure: o => o.Token = ctx.Tokens.Mint(ctx.User("bob"), "user", name: "Bob One"));
                await ctx.ConnectAsync("bob", configure: o => o.Token = ctx.Tokens.Mint(ctx.User("bob"), "agent", name: "Bob Two"));
                var list = await alice.CallAsync(Wire.GetOnlineList, null, Wire.OnlineList);
                var b = FindUser(list, ctx.User("bob"));
                ctx.Require(b is not null && Jq.Int(b, "connections") == 2, "bob listed with connections 2", list.Text);
                ctx.RequireEqual("Bob Two", Jq.Str(b, "name"), "bob's name (most recent connection)", list.Text);
                ctx.RequireEqual("agent", Jq.Str(b, "role"), "bob's role (most recent connection)", list.Text);
            }, snapshot: SnapshotMode.None);

        yield return Define("pres.sorted-ordinal", Profiles.Presence, "ONLINE_LIST is sorted ordinally (upper case before lower case)",
            "Users Zed-… and amy-… are listed Zed first: ordinal order compares UTF-16 code units, so 'Z' (0x5A) sorts before 'a' (0x61).",
            ["SB-PRES-001"], async ctx =>
            {
                var amy = await ctx.ConnectAsync("amy");
                await ctx.ConnectAsync("Zed");
                var list = await amy.CallAsync(Wire.GetOnlineList, null, Wire.OnlineList);
                var ids = (list.R("users") as JsonArray)?.OfType<JsonObject>().Select(u => Jq.Str(u, "id") ?? string.Empty).ToList() ?? [];
                var zed = ids.IndexOf(ctx.User("Zed"));
                var a = ids.IndexOf(ctx.User("amy"));
                ctx.Require(zed >= 0 && a >= 0 && zed < a, "Zed-… listed before amy-… (ordinal)", list.Text);
                ctx.Require(ids.SequenceEqual(ids.Order(StringComparer.Ordinal)), "users sorted by id (ordinal)", list.Text);
            }, snapshot: SnapshotMode.None);

        // ---------------------------------------------------------------- delivery edge cases
        yield return Define("dlv.received-last-plus-one", Profiles.Core, "RECEIVED of last seq + 1 -> ERROR 1005",
            "After one PRIVATE_MESSAGE (seq 1), RECEIVED {seq: 2} is beyond the stream's end: ERROR 1005 path $.request.seq; RECEIVED {seq: 1} is acknowledged.",
            ["SB-DLV-009"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "one")), Wire.SendMessageSuccess);
                await bob.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 1);
                var cid = await bob.SendCommandAsync(Wire.Received, Obj(("seq", 2)));
                var e = await bob.ExpectErrorAsync(Err.InvalidField, cid);
                ctx.RequireEqual("$.request.seq", e.Str("path"), "path", e.Text);
                await bob.CallAsync(Wire.Received, Obj(("seq", 1)), Wire.Ack);
            }, uses: [Capabilities.Chat]);

        yield return Define("dlv.since-signed", Profiles.Core, "A since with a sign is ignored",
            "since=+1 is not a decimal integer: it is treated as absent, so the offline event (seq 1, not acknowledged) is replayed: CONNECT missed = 1.",
            ["SB-DLV-014"], async ctx =>
            {
                var bob = await ctx.ConnectAsync("bob");
                var epoch = bob.Connect!.Str("epoch");
                await bob.CloseAsync();
                var alice = await ctx.ConnectAsync("alice");
                await alice.CallAsync(Wire.SendPrivateMessage, Obj(("to", ctx.User("bob")), ("data", "x")), Wire.SendMessageSuccess);
                var back = await ctx.ConnectAsync("bob", configure: o => o.ExtraQuery = "since=%2B1&epoch=" + Uri.EscapeDataString(epoch ?? string.Empty));
                ctx.RequireEqual(1L, back.Connect!.Int("missed"), "missed (since=+1 ignored, offline replay from acked_seq)", back.Connect.Text);
                await back.ExpectAsync(Wire.PrivateMessage, f => f.Seq == 1);
            }, uses: [Capabilities.Chat], snapshot: SnapshotMode.None);

        // ---------------------------------------------------------------- timers: values of the fired event
        yield return Define("timer.fired-values", Profiles.Core, "The fired TIMER keeps label and fires_at and does not come early",
            "SET_TIMER {delay_ms: 1000, label: \"tea\"} replies TIMER scheduled with remaining_ms 1000; the fired TIMER has the same timer_id, label and fires_at, remaining_ms 0, and arrives no earlier than delay_ms after the command was sent.",
            ["SB-TIMER-001", "SB-TIMER-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var sentMs = ctx.Elapsed.TotalMilliseconds;
                var t = await s.CallAsync(Wire.SetTimer, Obj(("delay_ms", 1000), ("label", "tea")), Wire.Timer);
                ctx.RequireEqual(1000L, t.Int("remaining_ms"), "TIMER remaining_ms = delay_ms", t.Text);
                var id = RequireString(ctx, t, "timer_id");
                var fired = await s.ExpectAsync(Wire.Timer, f => f.Str("timer_id") == id && f.Cid is null, "TIMER fired", TimeSpan.FromSeconds(1) + ctx.Timeout);
                ctx.RequireEqual("fired", fired.Str("state"), "TIMER state", fired.Text);
                ctx.RequireEqual("tea", fired.Str("label"), "fired TIMER label", fired.Text);
                ctx.RequireEqual(t.Str("fires_at"), fired.Str("fires_at"), "fired TIMER fires_at", fired.Text);
                ctx.RequireEqual(0L, fired.Int("remaining_ms"), "fired TIMER remaining_ms", fired.Text);
                var after = fired.OffsetMs - sentMs;
                ctx.Require(after >= 1000 - 5, "the fired TIMER arrives no earlier than delay_ms (1000) after SET_TIMER was sent", $"{after:F0} ms after");
            }, snapshot: SnapshotMode.None);

        // ---------------------------------------------------------------- service desk
        yield return Define("cs.history-beyond-ten", Profiles.ServiceDesk, "A new owner gets up to 100 earlier messages, not fewer",
            "The visitor's first message plus 14 more: the grabbing agent's stream gets all 15, in order, after its CONVERSATION active.",
            ["SB-CS-011"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, conv) = await QueueAsync(ctx);
                for (var i = 1; i <= 14; i++)
                {
                    await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", conv), ("data", "m" + S(i))), Wire.SendMessageSuccess);
                }

                await GrabAsync(ctx, agent, conv);
                var data = new List<string?>();
                for (var i = 0; i < 15; i++)
                {
                    var m = await agent.ExpectAsync(null, f => f.Event is Wire.NewMessage or Wire.NewMessageUser && f.Str("conversation_id") == conv, $"history message {i + 1} of 15");
                    data.Add(m.Str("data"));
                }

                string?[] expected = ["I need help", .. Enumerable.Range(1, 14).Select(i => "m" + S(i))];
                ctx.Require(data.SequenceEqual(expected), "the 15 messages in their original order", string.Join(",", data));
            }, snapshot: SnapshotMode.None);

        yield return Define("cs.qiangdan-queued-at", Profiles.ServiceDesk, "QIANGDAN taken carries the original queued_at",
            "queued_at of QIANGDAN taken equals queued_at of QIANGDAN waiting for the same conversation, and equals the request time, not the grab time.",
            ["SB-CS-005", "SB-CS-010"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (_, conv) = await QueueAsync(ctx);
                var waiting = await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == conv && f.Str("state") == "waiting");
                await GrabAsync(ctx, agent, conv);
                var taken = await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == conv && f.Str("state") == "taken");
                ctx.RequireEqual(waiting.Str("queued_at"), taken.Str("queued_at"), "QIANGDAN taken queued_at", taken.Text);
            }, snapshot: SnapshotMode.None);

        yield return Define("cs.open-conversation-app", Profiles.ServiceDesk, "OPEN_CONVERSATION in /app decides NEW_MESSAGE there",
            "An agent connected to /app grabs and opens the conversation: the visitor's next message reaches it as NEW_MESSAGE (its open conversation in app), not NEW_MESSAGE_USER.",
            ["SB-CS-014", "SB-CS-017"], async ctx =>
            {
                var agent = await Agent(ctx, "agent", "app");
                var (v, conv) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, conv);
                await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", conv)), Wire.Ack);
                await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", conv), ("data", "are you there")), Wire.SendMessageSuccess);
                var m = await agent.ExpectAsync(null, f => f.Event is Wire.NewMessage or Wire.NewMessageUser && f.Str("data") == "are you there");
                ctx.RequireEqual(Wire.NewMessage, m.Event, "event name for the owner's open conversation (in app)", m.Text);
            });

        yield return Define("cs.day-access-after-transfer", Profiles.ServiceDesk, "ACCEPT_TRANSFER counts the visitor for the new owner",
            "agent1 grabs, transfers to agent2, agent2 accepts: agent2 receives DAY_ACCESS (no cid) with count 1, and GET_DAY_ACCESS on agent2 answers count 1.",
            ["SB-CS-025", "SB-CS-026", "SB-XFER-005"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (_, conv) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, conv);
                var t = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agent2"))), Wire.Transfer);
                var transfer = RequireString(ctx, t, "transfer_id");
                await a2.ExpectAsync(Wire.Rtransfer, f => f.Str("transfer_id") == transfer);
                await a2.CallAsync(Wire.AcceptTransfer, Obj(("transfer_id", transfer)), Wire.Ack);
                var pushed = await a2.ExpectAsync(Wire.DayAccess, f => f.Cid is null && f.Int("count") == 1, "DAY_ACCESS with agent2's count 1");
                RequireString(ctx, pushed, "date");
                var read = await a2.CallAsync(Wire.GetDayAccess, null, Wire.DayAccess);
                ctx.RequireEqual(1L, read.Int("count"), "GET_DAY_ACCESS count of the new owner", read.Text);
            }, snapshot: SnapshotMode.None);

        // ---------------------------------------------------------------- transfers
        yield return Define("xfer.expires-at-deadline", Profiles.ServiceDesk, "RTRANSFER expires_at = request time + transfer_timeout_ms",
            "RTRANSFER expires_at minus the pending TRANSFER's at equals the transfer_timeout_ms the server advertises in CONNECT.",
            ["SB-XFER-002", "SB-XFER-001", "SB-HS-013"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var timeout = a2.Connect!.Int("transfer_timeout_ms");
                var (_, conv) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, conv);
                var t = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agent2"))), Wire.Transfer);
                var transfer = RequireString(ctx, t, "transfer_id");
                var r = await a2.ExpectAsync(Wire.Rtransfer, f => f.Str("transfer_id") == transfer);
                var ok = DateTimeOffset.TryParse(t.Str("at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                    & DateTimeOffset.TryParse(r.Str("expires_at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expires);
                ctx.Require(ok && timeout is not null && (long)(expires - at).TotalMilliseconds == timeout,
                    $"expires_at - at = transfer_timeout_ms ({timeout})", $"at {t.Str("at")}, expires_at {r.Str("expires_at")}");
            }, snapshot: SnapshotMode.None);

        yield return Define("xfer.second-transfer", Profiles.ServiceDesk, "A conversation can be transferred again after an accepted transfer",
            "agent1 → agent2 accepted; then agent2 (the new owner) requests a transfer to agent3: TRANSFER pending (no 4012), agent3 accepts and becomes the owner; the visitor sees CONVERSATION active with agent3.",
            ["SB-XFER-005", "SB-XFER-001", "SB-XFER-004"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var a3 = await Agent(ctx, "agent3");
                var (v, conv) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, conv);
                var t1 = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agent2"))), Wire.Transfer);
                await a2.ExpectAsync(Wire.Rtransfer, f => f.Str("transfer_id") == t1.Str("transfer_id"));
                await a2.CallAsync(Wire.AcceptTransfer, Obj(("transfer_id", t1.Str("transfer_id"))), Wire.Ack);
                await a2.ExpectAsync(Wire.Conversation, f => f.Str("conversation_id") == conv && f.Str("agent.id") == ctx.User("agent2"));
                var t2 = await a2.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agent3"))), Wire.Transfer);
                ctx.RequireEqual("pending", t2.Str("state"), "second TRANSFER state", t2.Text);
                var transfer2 = RequireString(ctx, t2, "transfer_id");
                await a3.ExpectAsync(Wire.Rtransfer, f => f.Str("transfer_id") == transfer2);
                await a3.CallAsync(Wire.AcceptTransfer, Obj(("transfer_id", transfer2)), Wire.Ack);
                await v.ExpectAsync(Wire.Conversation, f => f.Str("conversation_id") == conv && f.Str("agent.id") == ctx.User("agent3"));
            });

        // ---------------------------------------------------------------- work orders: read back, the creator, a never-connected assignee
        yield return Define("wo.update-read-back", Profiles.ServiceDesk, "UPDATE_WORK_ORDER reads back through the API",
            "An agent creates a work order and updates it to resolved with a comment; GET /api/v1/work-orders/{id} then shows status resolved and that comment.",
            ["SB-WO-005", "SB-API-010"], async ctx =>
            {
                var agent = await Agent(ctx);
                var created = await agent.CallAsync(Wire.CreateWorkOrder, Obj(("title", "Refund"), ("body", "order 42")), Wire.Womsg);
                var id = RequireString(ctx, created, "work_order_id");
                var updated = await agent.CallAsync(Wire.UpdateWorkOrder, Obj(("work_order_id", id), ("status", "resolved"), ("comment", "refunded")), Wire.Womsg);
                ctx.RequireEqual("resolved", updated.Str("status"), "WOMSG status", updated.Text);
                var r = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/work-orders/" + Uri.EscapeDataString(id));
                ctx.RequireEqual(System.Net.HttpStatusCode.OK, r.Status, "GET work order status", r.Text);
                ctx.RequireEqual("resolved", r.Str("status"), "stored status", r.Text);
                ctx.RequireEqual("refunded", r.Str("comment"), "stored comment", r.Text);
            }, snapshot: SnapshotMode.None, uses: [Capabilities.BackendApi]);

        yield return Define("wo.creator-updates", Profiles.ServiceDesk, "The creator (not admin, not assignee) may update",
            "agent1 creates a work order assigned to agent2; agent1 (the creator) updates it to in_progress and gets WOMSG, not ERROR 4003; agent2 receives the update.",
            ["SB-WO-005", "SB-WO-002"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var created = await a1.CallAsync(Wire.CreateWorkOrder, Obj(("title", "Call back"), ("body", "tomorrow"), ("assignee", ctx.User("agent2"))), Wire.Womsg);
                var id = RequireString(ctx, created, "work_order_id");
                var updated = await a1.CallAsync(Wire.UpdateWorkOrder, Obj(("work_order_id", id), ("status", "in_progress")), Wire.Womsg);
                ctx.RequireEqual("in_progress", updated.Str("status"), "WOMSG status", updated.Text);
                await a2.ExpectAsync(Wire.Womsg, f => f.Str("work_order_id") == id && f.Str("status") == "in_progress");
            });

        yield return Define("wo.assignee-never-connected", Profiles.ServiceDesk, "An assignee that never connected is {id, name: id, role: agent}",
            "CREATE_WORK_ORDER with an assignee that never connected: the WOMSG's assignee is {id, name: id, role: \"agent\"}.",
            ["SB-WO-002", "SB-WO-003"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var ghost = ctx.User("ghost");
                var created = await a1.CallAsync(Wire.CreateWorkOrder, Obj(("title", "Later"), ("body", "x"), ("assignee", ghost)), Wire.Womsg);
                ctx.RequireEqual(ghost, created.Str("assignee.id"), "assignee.id", created.Text);
                ctx.RequireEqual(ghost, created.Str("assignee.name"), "assignee.name", created.Text);
                ctx.RequireEqual("agent", created.Str("assignee.role"), "assignee.role", created.Text);
            });

        // ---------------------------------------------------------------- HTTP API: the other namespace, sort orders
        yield return Define("api.app-namespace", Profiles.BackendApi, "online and namespace push address /app",
            "With carol on /app and dave on /web: GET /namespaces/app/online lists carol, not dave; POST /namespaces/app/push reaches carol and not dave.",
            ["SB-API-005", "SB-API-006", "SB-NS-007"], async ctx =>
            {
                var carol = await ctx.ConnectAsync("carol", ns: "app");
                var dave = await ctx.ConnectAsync("dave");
                var online = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/namespaces/app/online");
                ctx.RequireEqual("app", online.Str("namespace"), "online namespace", online.Text);
                var users = (online.Body?["users"] as JsonArray)?.OfType<JsonObject>().Select(u => Jq.Str(u, "id")).ToList() ?? [];
                ctx.Require(users.Contains(ctx.User("carol")) && !users.Contains(ctx.User("dave")), "app online list has carol and not dave", online.Text);
                var push = await ctx.HttpAsync(HttpMethod.Post, "/api/v1/namespaces/app/push", Obj(("topic", "app.notice"), ("data", "hello app " + ctx.Nonce)));
                ctx.RequireEqual(System.Net.HttpStatusCode.Accepted, push.Status, "push status", push.Text);
                await carol.ExpectAsync(Wire.Push, f => f.Str("data") == "hello app " + ctx.Nonce);
                await dave.ExpectNoEventAsync(Wire.Push, f => f.Str("data") == "hello app " + ctx.Nonce, "the /app push on /web");
            }, snapshot: SnapshotMode.None);

        yield return Define("api.lists-sorted", Profiles.BackendApi, "Stats, work orders and conversations lists are sorted",
            "After two agents (ids zz… and aa…) each grab one visitor and two work orders are created: day-access agents are sorted by agent id, work orders by created_at then id, conversations by queued_at.",
            ["SB-API-007", "SB-API-009", "SB-API-012"], async ctx =>
            {
                var zz = await Agent(ctx, "zz-agent");
                var aa = await Agent(ctx, "aa-agent");
                var (_, c1) = await QueueAsync(ctx, "visitor1");
                await GrabAsync(ctx, zz, c1);
                var (_, c2) = await QueueAsync(ctx, "visitor2");
                await GrabAsync(ctx, aa, c2);
                foreach (var title in new[] { "first", "second" })
                {
                    var created = await ctx.HttpAsync(HttpMethod.Post, "/api/v1/work-orders", Obj(("title", title), ("body", "b"), ("assignee", ctx.User("zz-agent"))));
                    ctx.RequireEqual(System.Net.HttpStatusCode.Created, created.Status, "work order created", created.Text);
                }

                var stats = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/stats/day-access");
                var agents = (stats.Body?["agents"] as JsonArray)?.OfType<JsonObject>().Select(a => Jq.Str(a, "agent.id") ?? string.Empty).ToList() ?? [];
                ctx.Require(agents.Contains(ctx.User("zz-agent")) && agents.Contains(ctx.User("aa-agent")), "both agents counted", stats.Text);
                ctx.Require(agents.SequenceEqual(agents.Order(StringComparer.Ordinal)), "day-access agents sorted by id", stats.Text);

                var orders = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/work-orders?assignee=" + Uri.EscapeDataString(ctx.User("zz-agent")));
                var titles = (orders.Body?["work_orders"] as JsonArray)?.OfType<JsonObject>().Select(o => Jq.Str(o, "title")).ToList() ?? [];
                ctx.Require(titles.SequenceEqual(["first", "second"]), "work orders sorted by created_at (first, second)", orders.Text);

                var convs = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/conversations?state=active");
                var queued = (convs.Body?["conversations"] as JsonArray)?.OfType<JsonObject>().Select(c => Jq.Str(c, "queued_at") ?? string.Empty).ToList() ?? [];
                var ids = (convs.Body?["conversations"] as JsonArray)?.OfType<JsonObject>().Select(c => Jq.Str(c, "conversation_id")).ToList() ?? [];
                ctx.Require(ids.IndexOf(c1) >= 0 && ids.IndexOf(c1) < ids.IndexOf(c2), "the earlier queued conversation listed first", convs.Text);
                ctx.Require(queued.SequenceEqual(queued.Order(StringComparer.Ordinal)), "conversations sorted by queued_at", convs.Text);
            }, snapshot: SnapshotMode.None, uses: [Capabilities.ServiceDesk]);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Backend HTTP API.</summary>
internal static class ApiCases
{
    private static void RequireStatus(CaseContext ctx, ApiResponse r, HttpStatusCode status, string what) =>
        ctx.Require(r.Status == status, $"{what} answers HTTP {(int)status}", $"HTTP {(int)r.Status} {r.Text}");

    private static void RequireProblem(CaseContext ctx, ApiResponse r, HttpStatusCode status, int code, string what)
    {
        RequireStatus(ctx, r, status, what);
        ctx.RequireEqual("application/problem+json", r.ContentType, $"{what}: Content-Type", r.Text);
        ctx.RequireEqual((long)code, r.Int("code"), $"{what}: problem code", r.Text);
        ctx.Require(!string.IsNullOrEmpty(r.Str("error")), $"{what}: problem carries the error name", r.Text);
    }

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("api.push-user", Profiles.BackendApi, "Push to a user is durable and reaches all of the user's connections",
            "POST /users/{id}/push answers 202 {message_id, seq, delivered}; each of the user's connections gets PUSH {message_id, topic, data, at} with that seq; other users get nothing.",
            ["SB-API-003", "SB-DLV-012"], async ctx =>
            {
                var bob1 = await ctx.ConnectAsync("bob");
                var bob2 = await ctx.ConnectAsync("bob");
                var carol = await ctx.ConnectAsync("carol");
                var data = Obj(("order", 42), ("items", new JsonArray("a", "b")));
                var r = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/namespaces/web/users/{ctx.User("bob")}/push", Obj(("topic", "order.updated"), ("data", data)));
                RequireStatus(ctx, r, HttpStatusCode.Accepted, "push to user");
                ctx.RequireEqual(1L, r.Int("seq"), "seq", r.Text);
                ctx.RequireEqual(2L, r.Int("delivered"), "delivered (bob's connections)", r.Text);
                foreach (var b in new[] { bob1, bob2 })
                {
                    var p = await b.ExpectAsync(Wire.Push);
                    ctx.RequireEqual(r.Str("message_id"), p.Str("message_id"), "PUSH message_id", p.Text);
                    ctx.RequireEqual(1L, p.Seq, "PUSH seq", p.Text);
                    ctx.RequireEqual("order.updated", p.Str("topic"), "PUSH topic", p.Text);
                    ctx.RequireEqual(42L, p.Int("data.order"), "PUSH data (any JSON)", p.Text);
                    RequireTimestamp(ctx, p, "at");
                }

                await carol.ExpectNoEventAsync(Wire.Push);
            });

        yield return Define("api.push-user-offline", Profiles.BackendApi, "Push to an offline user is delivered on connect",
            "A push to a user with no connection answers 202 {delivered: 0} and is replayed on the user's next connect.",
            ["SB-API-003", "SB-CHAT-007"], async ctx =>
            {
                var r = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/namespaces/app/users/{ctx.User("bob")}/push", Obj(("topic", "t"), ("data", "later")));
                RequireStatus(ctx, r, HttpStatusCode.Accepted, "push to an offline user");
                ctx.RequireEqual(0L, r.Int("delivered"), "delivered", r.Text);
                var bob = await ctx.ConnectAsync("bob", ns: "app");
                var p = await bob.ExpectAsync(Wire.Push);
                ctx.RequireEqual("later", p.Str("data"), "PUSH data", p.Text);
            });

        yield return Define("api.push-room", Profiles.BackendApi, "Push to a room reaches its members only",
            "POST /rooms/{room}/push answers 202 and every member connection gets a live PUSH (no seq); non-members get nothing.",
            ["SB-API-004"], async ctx =>
            {
                var room = ctx.Room("news");
                var alice = await ctx.ConnectAsync("alice");
                var carol = await ctx.ConnectAsync("carol");
                await alice.CallAsync(Wire.JoinRoom, Obj(("room", room)), Wire.RoomState);
                var r = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/namespaces/web/rooms/{room}/push", Obj(("topic", "news"), ("data", "extra")));
                RequireStatus(ctx, r, HttpStatusCode.Accepted, "push to room");
                ctx.RequireEqual(1L, r.Int("delivered"), "delivered", r.Text);
                var p = await alice.ExpectAsync(Wire.Push);
                ctx.Require(p.Seq is null, "room PUSH is live (no seq)", p.Text);
                await carol.ExpectNoEventAsync(Wire.Push);
            }, uses: [Capabilities.Chat]);

        yield return Define("api.push-namespace", Profiles.BackendApi, "Push to a namespace reaches its connections only",
            "POST /namespaces/{ns}/push answers 202 and every connection of the namespace gets PUSH; the other namespace gets nothing.",
            ["SB-API-005", "SB-NS-007"], async ctx =>
            {
                var alice = await ctx.ConnectAsync("alice", ns: "app");
                var bobWeb = await ctx.ConnectAsync("bob");
                var topic = "broadcast-" + ctx.Nonce;
                var r = await ctx.HttpAsync(HttpMethod.Post, "/api/v1/namespaces/app/push", Obj(("topic", topic), ("data", "all")));
                RequireStatus(ctx, r, HttpStatusCode.Accepted, "push to namespace");
                await alice.ExpectAsync(Wire.Push, f => f.Str("topic") == topic);
                await bobWeb.ExpectNoEventAsync(Wire.Push, f => f.Str("topic") == topic);
            }, snapshot: SnapshotMode.Ordered);

        yield return Define("api.online", Profiles.BackendApi, "GET /online lists the namespace's online users",
            "GET /namespaces/{ns}/online answers 200 {namespace, users: [{id, name, role, connections}]}.",
            ["SB-API-006"], async ctx =>
            {
                await ctx.ConnectAsync("alice", "agent");
                await ctx.ConnectAsync("alice", "agent");
                var r = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/namespaces/web/online");
                RequireStatus(ctx, r, HttpStatusCode.OK, "online list");
                ctx.RequireEqual("web", r.Str("namespace"), "namespace", r.Text);
                var alice = (r.Body?["users"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(u => Jq.Str(u, "id") == ctx.User("alice"));
                ctx.Require(alice is not null && Jq.Int(alice, "connections") == 2 && Jq.Str(alice, "role") == "agent", "alice listed with role agent and connections 2", r.Text);
            });

        yield return Define("api.auth-errors", Profiles.BackendApi, "API auth failures are problem+json 401/403",
            "No token -> 401 code 2001; invalid -> 401 2002; expired -> 401 2003; a non-admin token -> 403 2004; all application/problem+json.",
            ["SB-API-001", "SB-API-002"], async ctx =>
            {
                const string path = "/api/v1/namespaces/web/online";
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Get, path, token: string.Empty), HttpStatusCode.Unauthorized, Err.TokenMissing, "no token");
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Get, path, token: ctx.Tokens.MintWithWrongKey(ctx.User("admin"))), HttpStatusCode.Unauthorized, Err.TokenInvalid, "invalid token");
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Get, path, token: ctx.Tokens.Mint(ctx.User("admin"), "admin", lifetime: TimeSpan.FromMinutes(-5))), HttpStatusCode.Unauthorized, Err.TokenExpired, "expired token");
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Get, path, token: ctx.TokenFor("agent", "agent")), HttpStatusCode.Forbidden, Err.Forbidden, "agent token");
            });

        yield return Define("api.bad-request", Profiles.BackendApi, "Invalid API bodies are 400 problem+json",
            "A push without topic -> 400 code 1004; a push with a non-string topic -> 400 code 1005.",
            ["SB-API-015"], async ctx =>
            {
                var path = $"/api/v1/namespaces/web/users/{ctx.User("bob")}/push";
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Post, path, Obj(("data", "x"))), HttpStatusCode.BadRequest, Err.MissingField, "push without topic");
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Post, path, Obj(("topic", 5), ("data", "x"))), HttpStatusCode.BadRequest, Err.InvalidField, "push with a numeric topic");
            });

        yield return Define("api.work-orders", Profiles.BackendApi, "Work orders over HTTP",
            "POST /work-orders -> 201 work order (assignee gets WOMSG); GET by id -> 200; PATCH status -> 200 (assignee gets WOMSG); GET ?assignee= lists it; an unknown id -> 404 code 4011.",
            ["SB-API-008", "SB-API-009", "SB-API-010", "SB-API-011", "SB-WO-007"], async ctx =>
            {
                var agent = await ctx.ConnectAsync("agent", "agent");
                var created = await ctx.HttpAsync(HttpMethod.Post, "/api/v1/work-orders", Obj(("title", "Call back"), ("body", "Customer asked for a call"), ("assignee", ctx.User("agent"))));
                RequireStatus(ctx, created, HttpStatusCode.Created, "create work order");
                var id = created.Str("work_order_id");
                ctx.Require(!string.IsNullOrEmpty(id), "the work order has a work_order_id", created.Text);
                ctx.RequireEqual("open", created.Str("status"), "status", created.Text);
                await agent.ExpectAsync(Wire.Womsg, f => f.Str("work_order_id") == id);
                var get = await ctx.HttpAsync(HttpMethod.Get, $"/api/v1/work-orders/{id}");
                RequireStatus(ctx, get, HttpStatusCode.OK, "get work order");
                ctx.RequireEqual("Call back", get.Str("title"), "title", get.Text);
                var patched = await ctx.HttpAsync(HttpMethod.Patch, $"/api/v1/work-orders/{id}", Obj(("status", "resolved"), ("comment", "done")));
                RequireStatus(ctx, patched, HttpStatusCode.OK, "patch work order");
                ctx.RequireEqual("resolved", patched.Str("status"), "status after PATCH", patched.Text);
                await agent.ExpectAsync(Wire.Womsg, f => f.Str("work_order_id") == id && f.Str("status") == "resolved");
                var list = await ctx.HttpAsync(HttpMethod.Get, $"/api/v1/work-orders?assignee={ctx.User("agent")}");
                RequireStatus(ctx, list, HttpStatusCode.OK, "list work orders");
                ctx.Require(list.Text.Contains(id!, StringComparison.Ordinal), "the list contains the work order", list.Text);
                RequireProblem(ctx, await ctx.HttpAsync(HttpMethod.Get, $"/api/v1/work-orders/nope-{ctx.Nonce}"), HttpStatusCode.NotFound, Err.WorkOrderNotFound, "unknown work order");
            });

        yield return Define("api.conversations-and-stats", Profiles.BackendApi, "Conversation list and day-access statistics",
            "GET /conversations?state=waiting lists a waiting conversation; after a grab GET /stats/day-access lists the agent with count 1.",
            ["SB-API-012", "SB-API-007"], async ctx =>
            {
                var agent = await ctx.ConnectAsync("agent", "agent");
                var (_, conv) = await ServiceDeskCases.QueueAsync(ctx);
                var waiting = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/conversations?state=waiting");
                RequireStatus(ctx, waiting, HttpStatusCode.OK, "list waiting conversations");
                ctx.Require(waiting.Body?["conversations"] is JsonArray arr && arr.Any(c => Jq.Str(c, "conversation_id") == conv), "the waiting conversation is listed", waiting.Text);
                await ServiceDeskCases.GrabAsync(ctx, agent, conv);

                // The grab's DAY_ACCESS push marks the moment the count changed; the statistics must agree with it.
                await agent.ExpectAsync(Wire.DayAccess, f => f.Int("count") == 1);
                var stats = await ctx.HttpAsync(HttpMethod.Get, "/api/v1/stats/day-access");
                RequireStatus(ctx, stats, HttpStatusCode.OK, "day-access statistics");
                var mine = (stats.Body?["agents"] as JsonArray)?.FirstOrDefault(a => Jq.Str(a, "agent.id") == ctx.User("agent"));
                ctx.Require(mine is not null && Jq.Int(mine, "count") == 1, "the agent is listed with count 1", stats.Text);
            }, uses: [Capabilities.ServiceDesk]);
    }
}

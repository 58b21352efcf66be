using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.ServiceDesk.Integration;

/// <summary>Work orders over WebSocket and the service-desk backend HTTP API.</summary>
public sealed class ServiceDeskWorkOrderAndApiTests
{
    [Fact]
    public async Task Work_orders_over_websocket_reach_the_assignee_and_check_permissions()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var alice = await host.AgentAsync("w-alice");
        await using var bob = await host.AgentAsync("w-bob");
        await using var carol = await host.AgentAsync("w-carol");

        var created = await alice.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "Refund", body = "Order 42", assignee = "w-bob" });
        Assert.Equal(("WOMSG", "open", "w-bob", "w-alice"), (created.Event, created.GetString("status"), created.Nested("assignee", "id"), created.Nested("created_by", "id")));
        Assert.Null(created.Seq); // the creator is not the assignee: a plain reply
        var id = created.GetString("work_order_id")!;
        var atBob = await bob.WaitForAsync("WOMSG", e => e.GetString("work_order_id") == id);
        Assert.NotNull(atBob.Seq);
        Assert.Null(atBob.Cid);

        // The assignee updates: its reply is the durable copy, with both cid and seq (SB-ENV-015).
        var updated = await bob.Client.RequestAsync("UPDATE_WORK_ORDER", new { work_order_id = id, status = "in_progress", comment = "on it" });
        Assert.Equal(("WOMSG", "in_progress", "on it"), (updated.Event, updated.GetString("status"), updated.GetString("comment")));
        Assert.NotNull(updated.Seq);
        Assert.NotNull(updated.Cid);

        var stranger = await carol.Client.RequestAsync("UPDATE_WORK_ORDER", new { work_order_id = id, status = "closed" });
        Assert.Equal(("ERROR", 4003L), (stranger.Event, stranger.GetInt64("code")));
        var missing = await alice.Client.RequestAsync("UPDATE_WORK_ORDER", new { work_order_id = "nope", status = "closed" });
        Assert.Equal(("ERROR", 4011L, "WORK_ORDER_NOT_FOUND"), (missing.Event, missing.GetInt64("code"), missing.GetString("error")));
        var badConversation = await alice.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "t", body = "b", conversation_id = "nope" });
        Assert.Equal(("ERROR", 4001L), (badConversation.Event, badConversation.GetInt64("code")));
        var badAssignee = await alice.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "t", body = "b", assignee = "not valid!" });
        Assert.Equal(("ERROR", 1005L), (badAssignee.Event, badAssignee.GetInt64("code")));
        await using var visitor = await host.VisitorAsync("w-v");
        var forbidden = await visitor.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "t", body = "b" });
        Assert.Equal(2004, forbidden.GetInt64("code"));
    }

    [Fact]
    public async Task The_womsg_reply_to_a_caller_that_is_not_the_assignee_is_not_durable()
    {
        // SB-WO-008: only the assignee's copy is durable; the creator's reply has no seq and is never replayed.
        await using var host = await TestServerHost.StartAsync();
        await using var bob = await host.AgentAsync("wd-bob");
        await using (var alice = await host.AgentAsync("wd-alice"))
        {
            var created = await alice.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "Refund", body = "b", assignee = "wd-bob" });
            Assert.Equal(("WOMSG", (long?)null), (created.Event, created.Seq));
            await alice.Client.SendCommandAsync("CREATE_WORK_ORDER", new { title = "Quiet", body = "b", assignee = "wd-bob" });
            await bob.WaitForAsync("WOMSG", e => e.GetString("title") == "Quiet");
            Assert.Empty(alice.Received("WOMSG", e => e.GetString("title") == "Quiet")); // no cid: no reply at all
            Assert.Equal(0, alice.Connect.GetInt64("seq"));
        }

        await using var again = await host.AgentAsync("wd-alice");
        Assert.Equal((0L, 0L), (again.Connect.GetInt64("seq"), again.Connect.GetInt64("missed")));
    }

    [Fact]
    public async Task Work_orders_over_http_emit_the_same_WOMSG()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var bob = await host.AgentAsync("h-bob");
        using var http = host.CreateHttpClient(host.MintToken("h-admin", "admin"));

        var create = await http.PostAsJsonAsync("api/v1/work-orders", new { title = "Call back", body = "Customer asked", assignee = "h-bob" });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var order = await create.Content.ReadFromJsonAsync<JsonElement>();
        var id = order.GetProperty("work_order_id").GetString()!;
        Assert.Equal("/api/v1/work-orders/" + id, create.Headers.Location!.OriginalString);
        Assert.Equal(("open", "h-bob", "h-admin"), (order.GetProperty("status").GetString(), order.GetProperty("assignee").GetProperty("id").GetString(), order.GetProperty("created_by").GetProperty("id").GetString()));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", order.GetProperty("created_at").GetString());
        await bob.WaitForAsync("WOMSG", e => e.GetString("work_order_id") == id && e.GetString("status") == "open");

        var patch = await http.PatchAsJsonAsync("api/v1/work-orders/" + id, new { status = "resolved", comment = "done" });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        await bob.WaitForAsync("WOMSG", e => e.GetString("work_order_id") == id && e.GetString("status") == "resolved" && e.GetString("comment") == "done");

        var one = await http.GetFromJsonAsync<JsonElement>("api/v1/work-orders/" + id);
        Assert.Equal("resolved", one.GetProperty("status").GetString());
        var list = await http.GetFromJsonAsync<JsonElement>("api/v1/work-orders?assignee=h-bob&status=resolved");
        Assert.Equal(id, Assert.Single(list.GetProperty("work_orders").EnumerateArray()).GetProperty("work_order_id").GetString());
        var none = await http.GetFromJsonAsync<JsonElement>("api/v1/work-orders?status=open");
        Assert.Empty(none.GetProperty("work_orders").EnumerateArray());

        await AssertProblemAsync(await http.GetAsync("api/v1/work-orders/nope"), HttpStatusCode.NotFound, 4011);
        await AssertProblemAsync(await http.PatchAsJsonAsync("api/v1/work-orders/nope", new { status = "closed" }), HttpStatusCode.NotFound, 4011);
        await AssertProblemAsync(await http.GetAsync("api/v1/work-orders?status=weird"), HttpStatusCode.BadRequest, 1005);
        await AssertProblemAsync(await http.PostAsJsonAsync("api/v1/work-orders", new { body = "no title" }), HttpStatusCode.BadRequest, 1004);
        await AssertProblemAsync(await http.PostAsJsonAsync("api/v1/work-orders", new { title = "t", body = "b", conversation_id = "nope" }), HttpStatusCode.NotFound, 4001);
        using var anonymous = host.CreateHttpClient();
        await AssertProblemAsync(await anonymous.GetAsync("api/v1/work-orders"), HttpStatusCode.Unauthorized, 2001);
        using var agentHttp = host.CreateHttpClient(host.MintToken("h-bob", "agent"));
        await AssertProblemAsync(await agentHttp.GetAsync("api/v1/work-orders"), HttpStatusCode.Forbidden, 2004);
    }

    [Fact]
    public async Task Conversations_and_day_access_stats_over_http()
    {
        await using var host = await TestServerHost.StartAsync();
        await using var agent = await host.AgentAsync("s-agent");
        await using var visitor = await host.VisitorAsync("s-v");
        await using var waitingVisitor = await host.VisitorAsync("s-w");
        var active = (await visitor.Client.RequestAsync("REQUEST_SERVICE", new { topic = "t" })).GetString("conversation_id")!;
        var waiting = (await waitingVisitor.Client.RequestAsync("REQUEST_SERVICE", new { })).GetString("conversation_id")!;
        Assert.Equal("CONVERSATION", (await agent.Client.RequestAsync("GRAB", new { conversation_id = active })).Event);
        using var http = host.CreateHttpClient(host.MintToken("s-admin", "admin"));

        var all = await http.GetFromJsonAsync<JsonElement>("api/v1/conversations");
        Assert.Equal([active, waiting], all.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString()));
        var onlyActive = await http.GetFromJsonAsync<JsonElement>("api/v1/conversations?state=active");
        var summary = Assert.Single(onlyActive.GetProperty("conversations").EnumerateArray());
        Assert.Equal(("active", "s-agent", "s-v", "t"), (summary.GetProperty("state").GetString(), summary.GetProperty("agent").GetProperty("id").GetString(), summary.GetProperty("visitor").GetProperty("id").GetString(), summary.GetProperty("topic").GetString()));
        await AssertProblemAsync(await http.GetAsync("api/v1/conversations?state=open"), HttpStatusCode.BadRequest, 1005);
        await AssertProblemAsync(await http.GetAsync("api/v1/conversations?limit=0"), HttpStatusCode.BadRequest, 1005);
        var newest = await http.GetFromJsonAsync<JsonElement>("api/v1/conversations?limit=1&state=");
        Assert.Equal(waiting, Assert.Single(newest.GetProperty("conversations").EnumerateArray()).GetProperty("conversation_id").GetString());

        var close = await http.PostAsync($"api/v1/conversations/{active}/close", null);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        var closed = await close.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("closed", "backend"), (closed.GetProperty("state").GetString(), closed.GetProperty("reason").GetString()));
        Assert.True(closed.TryGetProperty("closed_at", out _));
        await visitor.WaitForAsync("CONVERSATION", e => e.For(active) && e.GetString("reason") == "backend");
        await agent.WaitForAsync("CONVERSATION", e => e.For(active) && e.GetString("reason") == "backend");
        await AssertProblemAsync(await http.PostAsync($"api/v1/conversations/{active}/close", null), HttpStatusCode.Conflict, 4009);
        await AssertProblemAsync(await http.PostAsync("api/v1/conversations/nope/close", null), HttpStatusCode.NotFound, 4001);

        var stats = await http.GetFromJsonAsync<JsonElement>("api/v1/stats/day-access");
        Assert.Equal(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), stats.GetProperty("date").GetString());
        Assert.Equal(1, stats.GetProperty("total").GetInt64());
        var line = Assert.Single(stats.GetProperty("agents").EnumerateArray());
        Assert.Equal(("s-agent", 1L), (line.GetProperty("agent").GetProperty("id").GetString(), line.GetProperty("count").GetInt64()));
        var past = await http.GetFromJsonAsync<JsonElement>("api/v1/stats/day-access?date=2020-01-01");
        Assert.Equal((0L, 0), (past.GetProperty("total").GetInt64(), past.GetProperty("agents").GetArrayLength()));
        await AssertProblemAsync(await http.GetAsync("api/v1/stats/day-access?date=yesterday"), HttpStatusCode.BadRequest, 1005);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, int code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("error").GetString()));
    }
}

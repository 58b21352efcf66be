using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class HttpApiTests(SharedServers server) : IClassFixture<SharedServers>
{
    private HttpClient Admin(TestStore store) => server.Host(store).CreateHttpClient(server.Host(store).MintToken("ops", "admin"));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, int code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetInt32());
        Assert.Equal(root.GetProperty("error").GetString(), root.GetProperty("title").GetString());
        Assert.Equal("urn:switchboard:error:" + root.GetProperty("error").GetString(), root.GetProperty("type").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        return root;
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Api_requires_an_admin_bearer_token(TestStore store)
    {
        using var anonymous = server.Host(store).CreateHttpClient();
        using var missing = await anonymous.GetAsync("/api/v1/namespaces/web/online");
        await ProblemAsync(missing, HttpStatusCode.Unauthorized, 2001);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());

        using var invalid = server.Host(store).CreateHttpClient("x.y.z");
        await ProblemAsync(await invalid.GetAsync("/api/v1/namespaces/web/online"), HttpStatusCode.Unauthorized, 2002);

        using var expired = server.Host(store).CreateHttpClient(server.Host(store).MintToken("ops", "admin", lifetime: TimeSpan.FromMinutes(-1)));
        await ProblemAsync(await expired.GetAsync("/api/v1/namespaces/web/online"), HttpStatusCode.Unauthorized, 2003);

        using var user = server.Host(store).CreateHttpClient(server.Host(store).MintToken("joe", "agent"));
        await ProblemAsync(await user.GetAsync("/api/v1/namespaces/web/online"), HttpStatusCode.Forbidden, 2004);

        using var appOnly = server.Host(store).CreateHttpClient(server.Host(store).MintToken("ops", "admin", namespaces: ["app"]));
        await ProblemAsync(await appOnly.GetAsync("/api/v1/namespaces/web/online"), HttpStatusCode.Forbidden, 2005);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task User_push_is_durable_with_seq_and_delivered_count(TestStore store)
    {
        var userId = Names.User("push");
        using var http = Admin(store);

        // Never connected: the push creates the stream; delivered on first connect.
        using (var offline = await http.PostAsJsonAsync($"/api/v1/namespaces/web/users/{userId}/push", new { topic = "billing", data = new { amount = 5 } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, offline.StatusCode);
            using var body = JsonDocument.Parse(await offline.Content.ReadAsStringAsync());
            Assert.Equal(1, body.RootElement.GetProperty("seq").GetInt64());
            Assert.Equal(0, body.RootElement.GetProperty("delivered").GetInt32());
        }

        await using var session = await server.Host(store).ConnectAsync(userId);
        Assert.Equal(1, session.Connect.GetInt64("missed"));
        var first = await session.Client.ReceiveAsync();
        Assert.Equal(("PUSH", (long?)1, "billing"), (first.Event, first.Seq, first.GetString("topic")));
        Assert.Equal(5, first.Response.GetProperty("data").GetProperty("amount").GetInt32());

        using var online = await http.PostAsJsonAsync($"/api/v1/namespaces/web/users/{userId}/push", new { topic = "t", data = "text" });
        using var onlineBody = JsonDocument.Parse(await online.Content.ReadAsStringAsync());
        Assert.Equal(2, onlineBody.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(1, onlineBody.RootElement.GetProperty("delivered").GetInt32());
        var live = await session.Client.ReceiveAsync();
        Assert.Equal(onlineBody.RootElement.GetProperty("message_id").GetString(), live.GetString("message_id"));
        Assert.Equal("text", live.Response.GetProperty("data").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Room_and_namespace_push_are_live(TestStore store)
    {
        var room = Names.User("pushroom");
        await using var member = await server.Host(store).ConnectAsync(Names.User("pm"), ns: "app");
        await member.Client.RequestAsync("JOIN_ROOM", new { room });
        using var http = Admin(store);

        using var roomPush = await http.PostAsJsonAsync($"/api/v1/namespaces/app/rooms/{room}/push", new { topic = "news", data = new[] { 1, 2 } });
        Assert.Equal(HttpStatusCode.Accepted, roomPush.StatusCode);
        using var roomBody = JsonDocument.Parse(await roomPush.Content.ReadAsStringAsync());
        Assert.Equal(1, roomBody.RootElement.GetProperty("delivered").GetInt32());
        Assert.False(roomBody.RootElement.TryGetProperty("seq", out _));
        var pushed = await member.Client.ReceiveEventAsync("PUSH");
        Assert.Equal(room, pushed.GetString("room"));
        Assert.Null(pushed.Seq);

        using var nsPush = await http.PostAsJsonAsync("/api/v1/namespaces/app/push", new { topic = "all", data = (object?)null });
        Assert.Equal(HttpStatusCode.Accepted, nsPush.StatusCode);
        var all = await member.Client.ReceiveEventAsync("PUSH");
        Assert.Equal("all", all.GetString("topic"));
        Assert.Equal(JsonValueKind.Null, all.Response.GetProperty("data").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task Api_validation_errors_are_problem_json_with_code_and_path(TestStore store)
    {
        using var http = Admin(store);
        var p1 = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/namespaces/web/users/u1/push", new { data = 1 }), HttpStatusCode.BadRequest, 1004);
        Assert.Equal("$.topic", p1.GetProperty("path").GetString());
        var p2 = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/namespaces/web/users/u1/push", new { topic = "t" }), HttpStatusCode.BadRequest, 1004);
        Assert.Equal("$.data", p2.GetProperty("path").GetString());
        await ProblemAsync(await http.PostAsJsonAsync("/api/v1/namespaces/web/users/u1/push", new { topic = 5, data = 1 }), HttpStatusCode.BadRequest, 1005);
        using var malformed = new StringContent("{nope", System.Text.Encoding.UTF8, "application/json");
        await ProblemAsync(await http.PostAsync("/api/v1/namespaces/web/push", malformed), HttpStatusCode.BadRequest, 1001);
        using var array = new StringContent("[]", System.Text.Encoding.UTF8, "application/json");
        await ProblemAsync(await http.PostAsync("/api/v1/namespaces/web/push", array), HttpStatusCode.BadRequest, 1008);
        var ns = await ProblemAsync(await http.GetAsync("/api/v1/namespaces/mars/online"), HttpStatusCode.NotFound, 1005);
        Assert.Equal("$.ns", ns.GetProperty("path").GetString());
        var uid = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/namespaces/web/users/bad%20id/push", new { topic = "t", data = 1 }), HttpStatusCode.BadRequest, 1005);
        Assert.Equal("$.userId", uid.GetProperty("path").GetString());
        await ProblemAsync(await http.PostAsJsonAsync("/api/v1/namespaces/web/rooms/bad%20room/push", new { topic = "t", data = 1 }), HttpStatusCode.BadRequest, 3003);
    }
}

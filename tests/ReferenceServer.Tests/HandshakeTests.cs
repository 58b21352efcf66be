using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class HandshakeTests(SharedServer server) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task Connect_advertises_the_desk_deadlines_from_the_options()
    {
        // SB-HS-013: a service-desk server tells clients its transfer, idle and grace deadlines.
        Assert.Equal(
            (30000L, 240000L, 300000L, 300000L),
            await DeadlinesAsync(server.Host));

        await using var custom = await TestServerHost.StartAsync(o =>
        {
            o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = "12345";
            o.Settings["Switchboard:ServiceDesk:ConversationIdleWarningMs"] = "1000";
            o.Settings["Switchboard:ServiceDesk:ConversationIdleCloseMs"] = "0";
            o.Settings["Switchboard:ServiceDesk:VisitorGraceMs"] = "0";
        });
        Assert.Equal((12345L, 0L, 0L, 0L), await DeadlinesAsync(custom)); // idle handling off: both idle values 0

        static async Task<(long, long, long, long)> DeadlinesAsync(TestServerHost host)
        {
            await using var session = await host.ConnectAsync(Names.User("deadlines"));
            var c = session.Connect;
            return (c.GetInt64("transfer_timeout_ms"), c.GetInt64("conversation_idle_warning_ms"), c.GetInt64("conversation_idle_close_ms"), c.GetInt64("visitor_grace_ms"));
        }
    }

    [Fact]
    public async Task Unsupported_subprotocol_is_rejected_with_400_problem_1010()
    {
        var host = server.Host;
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("switchboard.v9.msgpack");
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(host.WebSocketUri("web", host.MintToken(Names.User("hs"))), CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);

        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/web");
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.Add("Sec-WebSocket-Protocol", "other.v1");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1010, problem.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("UNSUPPORTED_PROTOCOL", problem.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Subprotocol_is_negotiated_and_absent_subprotocol_is_accepted()
    {
        var host = server.Host;
        await using (var offered = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", host.MintToken(Names.User("hs")))))
        {
            Assert.Equal("switchboard.v1.json", offered.Socket.SubProtocol);
            Assert.Equal("CONNECT", (await offered.ReceiveAsync()).Event);
        }

        await using var none = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("app", host.MintToken(Names.User("hs"))), subprotocol: null);
        Assert.Null(none.Socket.SubProtocol);
        var connect = await none.ReceiveAsync();
        Assert.Equal("CONNECT", connect.Event);
        Assert.Equal("app", connect.GetString("namespace"));
    }

    [Fact]
    public async Task Plain_http_get_on_websocket_endpoint_is_400()
    {
        using var http = server.Host.CreateHttpClient();
        using var response = await http.GetAsync("/web");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Health_reports_healthy_with_sqlite()
    {
        using var http = server.Host.CreateHttpClient();
        using var response = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Origin_not_in_allow_list_is_rejected_with_403()
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:AllowedOrigins:0"] = "https://good.example");
        var token = host.MintToken("origin-user");

        using var bad = new ClientWebSocket();
        bad.Options.SetRequestHeader("Origin", "https://evil.example");
        bad.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => bad.ConnectAsync(host.WebSocketUri("web", token), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, bad.HttpStatusCode);

        await using var good = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", token), configure: o => o.SetRequestHeader("Origin", "https://good.example"));
        Assert.Equal("CONNECT", (await good.ReceiveAsync()).Event);

        // No Origin header (non-browser client) is always allowed.
        await using var noOrigin = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", token));
        Assert.Equal("CONNECT", (await noOrigin.ReceiveAsync()).Event);
    }
}

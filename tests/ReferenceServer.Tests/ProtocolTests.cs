using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed partial class ProtocolTests(SharedServer server) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task Connect_carries_every_contract_field()
    {
        var user = Names.User("conn");
        await using var session = await server.Host.ConnectAsync(user, role: "agent", ns: "app", name: "Connie");
        var c = session.Connect;
        Assert.Null(c.Cid);
        Assert.Null(c.Seq);
        Assert.StartsWith("{\"event\":\"CONNECT\",\"response\":{", c.Raw, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(c.GetString("client_id")));
        var u = c.Response.GetProperty("user");
        Assert.Equal(user, u.GetProperty("id").GetString());
        Assert.Equal("Connie", u.GetProperty("name").GetString());
        Assert.Equal("agent", u.GetProperty("role").GetString());
        Assert.Equal("app", c.GetString("namespace"));
        Assert.Equal("switchboard.v1.json", c.GetString("protocol"));
        Assert.False(string.IsNullOrEmpty(c.GetString("server")));
        Assert.False(string.IsNullOrEmpty(c.GetString("epoch")));
        Assert.Equal(0, c.GetInt64("seq"));
        Assert.True(c.GetBoolean("recovered"));
        Assert.Equal(0, c.GetInt64("missed"));
        Assert.Equal(5000, c.GetInt64("ping_interval_ms"));
        Assert.Equal(20000, c.GetInt64("idle_timeout_ms"));
        Assert.Equal(65536, c.GetInt64("max_message_bytes"));
        Assert.Equal(100, c.GetInt64("rate_limit_per_second"));
        Assert.Equal(200, c.GetInt64("rate_limit_burst"));
        var capabilities = string.Join(',', c.Response.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("chat,rooms-history,service-desk,backend-api,presence", capabilities);

        await using var second = await server.Host.ConnectAsync(user, role: "agent", ns: "app");
        Assert.NotEqual(session.ClientId, second.ClientId);
        Assert.Equal(session.Epoch, second.Epoch);
    }

    [Fact]
    public async Task Default_name_is_sub_and_default_role_is_user()
    {
        var user = Names.User("plain");
        await using var session = await server.Host.ConnectAsync(user);
        var u = session.Connect.Response.GetProperty("user");
        Assert.Equal(user, u.GetProperty("name").GetString());
        Assert.Equal("user", u.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Echo_replies_with_cid_and_fire_and_forget_gets_nothing()
    {
        await using var session = await server.Host.ConnectAsync(Names.User("echo"));
        var reply = await session.Client.RequestAsync("ECHO", new { data = "héllo ✓" });
        Assert.Equal("ECHO", reply.Event);
        Assert.Equal("héllo ✓", reply.GetString("data"));
        Assert.Matches(EnvelopeWithCid(), reply.Raw);

        var empty = await session.Client.RequestAsync("ECHO", new { data = "" });
        Assert.Equal(string.Empty, empty.GetString("data"));

        await session.Client.SendCommandAsync("ECHO", new { data = "no cid" });
        await session.Client.SendCommandAsync("PONG");
        Assert.Empty(await session.Client.DrainAsync());
    }

    [Theory]
    [InlineData("{\"command\":\"ECHO\",", 1001, null)]
    [InlineData("", 1001, null)]
    [InlineData("[1,2]", 1008, "$")]
    [InlineData("{\"cid\":\"c9\",\"request\":{}}", 1004, "$.command")]
    [InlineData("{\"command\":42}", 1008, "$.command")]
    [InlineData("{\"command\":\"ECHO\",\"cid\":\"c1\",\"request\":[]}", 1008, "$.request")]
    [InlineData("{\"command\":\"NOPE\",\"cid\":\"c2\"}", 1003, "$.command")]
    [InlineData("{\"command\":\"ECHO\",\"cid\":\"c3\",\"request\":{}}", 1004, "$.request.data")]
    [InlineData("{\"command\":\"ECHO\",\"cid\":\"c4\",\"request\":{\"data\":5}}", 1005, "$.request.data")]
    [InlineData("{\"command\":\"RECEIVED\",\"cid\":\"c5\",\"request\":{\"seq\":-1}}", 1005, "$.request.seq")]
    [InlineData("{\"request\":{\"data\":\"x\"},\"cid\":\"c6\",\"command\":\"ECHO\",\"extra\":1}", 0, null)]
    public async Task Bad_input_gets_exact_error_and_connection_stays_open(string frame, int expectedCode, string? expectedPath)
    {
        await using var session = await server.Host.ConnectAsync(Names.User("bad"));
        await session.Client.SendTextAsync(frame);
        var reply = await session.Client.ReceiveAsync();
        if (expectedCode == 0)
        {
            Assert.Equal("ECHO", reply.Event); // property order free, unknown properties ignored
            Assert.Equal("c6", reply.Cid);
        }
        else
        {
            Assert.Equal("ERROR", reply.Event);
            Assert.Equal(expectedCode, reply.GetInt64("code"));
            Assert.Equal(expectedPath, reply.GetString("path"));
            var cid = Regex.Match(frame, "\"cid\":\"(c\\d)\"");
            if (cid.Success && expectedCode is not 1001)
            {
                Assert.Equal(cid.Groups[1].Value, reply.Cid);
            }
        }

        var echo = await session.Client.RequestAsync("ECHO", new { data = "still open" });
        Assert.Equal("still open", echo.GetString("data"));
    }

    [Fact]
    public async Task Unknown_command_error_carries_command_name()
    {
        await using var session = await server.Host.ConnectAsync(Names.User("unk"));
        await session.Client.SendTextAsync("{\"command\":\"FLY\",\"cid\":\"u1\"}");
        var reply = await session.Client.ReceiveAsync();
        Assert.Equal(1003, reply.GetInt64("code"));
        Assert.Equal("UNKNOWN_COMMAND", reply.GetString("error"));
        Assert.Equal("FLY", reply.GetString("command"));
        Assert.Equal("u1", reply.Cid);
    }

    [Fact]
    public async Task Send_message_commands_report_field_errors_in_send_message_error()
    {
        await using var session = await server.Host.ConnectAsync(Names.User("smerr"));
        var reply = await session.Client.RequestAsync("SEND_GROUP_MESSAGE", new { data = "" });
        Assert.Equal("SEND_MESSAGE_ERROR", reply.Event);
        Assert.Equal(1005, reply.GetInt64("code"));
        Assert.Equal("$.request.data", reply.GetString("path"));
    }

    [Fact]
    public async Task Binary_frame_gets_1007_then_close_4400()
    {
        await using var session = await server.Host.ConnectAsync(Names.User("bin"));
        await session.Client.SendBytesAsync([1, 2, 3], WebSocketMessageType.Binary);
        var error = await session.Client.ReceiveAsync();
        Assert.Equal(1007, error.GetInt64("code"));
        var (closeEvent, status) = await session.Client.WaitForCloseAsync();
        Assert.Equal(4400, closeEvent!.GetInt64("code"));
        Assert.Equal("binary frames are not supported", closeEvent.GetString("reason"));
        Assert.False(closeEvent.GetBoolean("retryable"));
        Assert.Equal((WebSocketCloseStatus)4400, status);
    }

    [Fact]
    public async Task Oversized_frame_gets_1006_then_close_4413_and_exact_limit_is_accepted()
    {
        await using var host = await TestServerHost.StartAsync(o => o.Settings["Switchboard:Limits:MaxMessageBytes"] = "1024");
        await using var session = await host.ConnectAsync("big");
        var prefix = "{\"command\":\"ECHO\",\"cid\":\"e\",\"request\":{\"data\":\"";
        var suffix = "\"}}";
        var exact = prefix + new string('a', 1024 - prefix.Length - suffix.Length) + suffix;
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(exact));
        await session.Client.SendTextAsync(exact);
        Assert.Equal("ECHO", (await session.Client.ReceiveAsync()).Event);

        await session.Client.SendTextAsync(exact.Replace("\"e\"", "\"e2\"", StringComparison.Ordinal));
        var error = await session.Client.ReceiveAsync();
        Assert.Equal(1006, error.GetInt64("code"));
        var (closeEvent, status) = await session.Client.WaitForCloseAsync();
        Assert.Equal(4413, closeEvent!.GetInt64("code"));
        Assert.Equal((WebSocketCloseStatus)4413, status);
    }

    [GeneratedRegex("^\\{\"event\":\"ECHO\",\"cid\":\"c\\d+\",\"response\":\\{\"data\":")]
    private static partial Regex EnvelopeWithCid();
}

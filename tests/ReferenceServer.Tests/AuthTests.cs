using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

public sealed class AuthTests(SharedServer server) : IClassFixture<SharedServer>
{
    private static async Task AssertClosedAsync(TestWebSocketClient client, int code, string reason, bool retryable)
    {
        var (closeEvent, status) = await client.WaitForCloseAsync();
        Assert.NotNull(closeEvent);
        Assert.Equal(code, closeEvent!.GetInt64("code"));
        Assert.Equal(reason, closeEvent.GetString("reason"));
        Assert.Equal(retryable, closeEvent.GetBoolean("retryable"));
        Assert.Equal((WebSocketCloseStatus)code, status);
        Assert.Single(client.History); // SB-AUTH-010: nothing but CLOSE
    }

    [Fact]
    public async Task Missing_token_gets_close_4401_token_missing()
    {
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web"));
        await AssertClosedAsync(client, 4401, "token missing", retryable: false);
    }

    [Fact]
    public async Task Token_signed_with_another_key_gets_4401_token_invalid()
    {
        await using var other = await TestServerHost.StartAsync(o => o.SigningKey = "a-completely-different-signing-key-of-40b");
        var foreign = other.MintToken("mallory");
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", foreign));
        await AssertClosedAsync(client, 4401, "token invalid", retryable: false);
    }

    [Fact]
    public async Task Garbage_token_gets_4401()
    {
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", "not.a.jwt"));
        await AssertClosedAsync(client, 4401, "token invalid", retryable: false);
    }

    [Fact]
    public async Task Expired_token_gets_4419_token_expired()
    {
        var token = server.Host.MintToken(Names.User("exp"), lifetime: TimeSpan.FromMinutes(-1));
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", token));
        await AssertClosedAsync(client, 4419, "token expired", retryable: true);
    }

    [Fact]
    public async Task Namespace_not_in_ns_claim_gets_4403()
    {
        var token = server.Host.MintToken(Names.User("ns"), namespaces: ["app"]);
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", token));
        await AssertClosedAsync(client, 4403, "namespace forbidden", retryable: false);

        await using var allowed = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("app", token));
        Assert.Equal("CONNECT", (await allowed.ReceiveAsync()).Event);
    }

    [Fact]
    public async Task Empty_ns_claim_allows_no_namespace()
    {
        // SB-AUTH-009: "ns": [] contains no namespace (least privilege); only an absent claim means both.
        var token = server.Host.MintToken(Names.User("nsEmpty"), namespaces: []);
        var payload = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(token.Split('.')[1]));
        Assert.Contains("\"ns\":[]", payload, StringComparison.Ordinal);
        foreach (var ns in new[] { "web", "app" })
        {
            await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri(ns, token));
            await AssertClosedAsync(client, 4403, "namespace forbidden", retryable: false);
        }
    }

    [Fact]
    public async Task Ns_claim_that_is_not_an_array_is_invalid()
    {
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(server.Host.SigningKey));
        var token = handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "nsString", ["ns"] = "web" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", token));
        await AssertClosedAsync(client, 4401, "token invalid", retryable: false);
    }

    [Fact]
    public async Task Bearer_header_is_accepted_and_wins_over_query()
    {
        var good = server.Host.MintToken(Names.User("bearer"), name: "Bearer User");
        await using var client = await TestWebSocketClient.ConnectAsync(
            server.Host.WebSocketUri("web", "invalid-query-token"),
            configure: o => o.SetRequestHeader("Authorization", "Bearer " + good));
        var connect = await client.ReceiveAsync();
        Assert.Equal("CONNECT", connect.Event);
        Assert.Equal("Bearer User", connect.Response.GetProperty("user").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Token_expiry_while_connected_closes_4419_and_refresh_extends_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = await TestServerHost.StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "3000000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "3600000";
        });
        var user = "refresher";
        var token = host.MintToken(user, lifetime: TimeSpan.FromMinutes(1));
        await using var client = await TestWebSocketClient.ConnectAsync(host.WebSocketUri("web", token));
        Assert.Equal("CONNECT", (await client.ReceiveAsync()).Event);

        // Refresh errors keep the connection and its old expiry.
        var invalid = await client.RequestAsync("REFRESH_TOKEN", new { token = "garbage" });
        Assert.Equal(2002, invalid.GetInt64("code"));
        var expired = await client.RequestAsync("REFRESH_TOKEN", new { token = host.MintToken(user, lifetime: TimeSpan.FromSeconds(-5)) });
        Assert.Equal(2003, expired.GetInt64("code"));
        var mismatch = await client.RequestAsync("REFRESH_TOKEN", new { token = host.MintToken("someone-else", lifetime: TimeSpan.FromHours(1)) });
        Assert.Equal(2006, mismatch.GetInt64("code"));
        Assert.Equal("TOKEN_SUBJECT_MISMATCH", mismatch.GetString("error"));

        var ack = await client.RequestAsync("REFRESH_TOKEN", new { token = host.MintToken(user, lifetime: TimeSpan.FromMinutes(10)) });
        Assert.Equal("ACK", ack.Event);
        Assert.Equal("REFRESH_TOKEN", ack.GetString("command"));
        Assert.Equal("2026-11-23T06:10:00.000Z", ack.GetString("expires_at"));

        time.Advance(TimeSpan.FromMinutes(2)); // past the first token's expiry: still open
        var echo = await client.RequestAsync("ECHO", new { data = "alive" });
        Assert.Equal("alive", echo.GetString("data"));

        time.Advance(TimeSpan.FromMinutes(9));
        var (closeEvent, status) = await client.WaitForCloseAsync();
        Assert.Equal(4419, closeEvent!.GetInt64("code"));
        Assert.Equal("token expired", closeEvent.GetString("reason"));
        Assert.Equal((WebSocketCloseStatus)4419, status);
    }

    [Fact]
    public async Task Role_not_allowed_for_command_gets_2004_in_the_command_error_event()
    {
        await using var session = await server.Host.ConnectAsync(Names.User("role"), role: "user");
        var error = await session.Client.RequestAsync("GRAB", new { conversation_id = "x" });
        Assert.Equal("ERROR", error.Event);
        Assert.Equal(2004, error.GetInt64("code"));
        Assert.Equal("FORBIDDEN", error.GetString("error"));

        var sendError = await session.Client.RequestAsync("SEND_MESSAGE", new { conversation_id = "x", data = "hi" });
        Assert.Equal("SEND_MESSAGE_ERROR", sendError.Event);
        Assert.Equal(2004, sendError.GetInt64("code"));

        // The connection stays usable.
        Assert.Equal("ECHO", (await session.Client.RequestAsync("ECHO", new { data = "x" })).Event);
    }
}

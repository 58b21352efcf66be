using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests.Security;

/// <summary>
/// SB-AUTH-004: a correctly signed token whose exp/nbf is not a NumericDate in range (a string, 2^62, -2^62) is
/// "token invalid" (4401 on the socket, 401 + 2002 on the HTTP API), never a 500 or an accepted token.
/// </summary>
public sealed class TokenClaimTypeTests(SharedServer server) : IClassFixture<SharedServer>
{
    private static readonly long InOneHour = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();

    public static TheoryData<string, string> BadClaims => new()
    {
        { "exp 2^62", $"\"exp\":{1L << 62}" },
        { "exp 1e300", "\"exp\":1e300" },
        { "exp as string", $"\"exp\":\"{InOneHour}\"" },
        { "exp as bool", "\"exp\":true" },
        { "nbf -2^62", $"\"exp\":{InOneHour},\"nbf\":{-(1L << 62)}" },
        { "nbf 2^62", $"\"exp\":{InOneHour},\"nbf\":{1L << 62}" },
        { "nbf as string", $"\"exp\":{InOneHour},\"nbf\":\"0\"" },
    };

    /// <summary>Signs <paramref name="claimsJson"/> (the members after <c>sub</c> and <c>role</c>) with HS256.</summary>
    internal static string Sign(string key, string user, string role, string claimsJson)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var payload = B64(Encoding.UTF8.GetBytes($"{{\"sub\":\"{user}\",\"role\":\"{role}\",{claimsJson}}}"));
        var signature = B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    [Fact]
    public async Task A_well_typed_hand_signed_token_is_accepted_so_the_signing_helper_is_right()
    {
        var token = Sign(server.Host.SigningKey, Names.User("claimOk"), "admin", $"\"exp\":{InOneHour}.5,\"nbf\":0");
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", token));
        Assert.Equal("CONNECT", (await client.ReceiveAsync()).Event);

        using var http = server.Host.CreateHttpClient(token);
        using var response = await http.GetAsync("/api/v1/namespaces/web/online");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(BadClaims))]
    public async Task Handshake_with_a_bad_NumericDate_gets_4401_token_invalid(string description, string claims)
    {
        var token = Sign(server.Host.SigningKey, Names.User("claimWs"), "user", claims);
        await using var client = await TestWebSocketClient.ConnectAsync(server.Host.WebSocketUri("web", token));
        var (closeEvent, status) = await client.WaitForCloseAsync();
        Assert.True(closeEvent is not null, description);
        Assert.Equal((4401L, "token invalid"), (closeEvent!.GetInt64("code"), closeEvent.GetString("reason")));
        Assert.Equal((WebSocketCloseStatus)4401, status);
    }

    [Theory]
    [MemberData(nameof(BadClaims))]
    public async Task Admin_api_bearer_with_a_bad_NumericDate_gets_401_with_2002(string description, string claims)
    {
        var token = Sign(server.Host.SigningKey, Names.User("claimApi"), "admin", claims);
        using var http = server.Host.CreateHttpClient(token);
        using var response = await http.GetAsync("/api/v1/namespaces/web/online");
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{description}: {(int)response.StatusCode}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2002, body.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Refresh_with_a_bad_NumericDate_gets_error_2002_and_the_connection_stays()
    {
        var user = Names.User("claimRefresh");
        await using var session = await server.Host.ConnectAsync(user);
        var token = Sign(server.Host.SigningKey, user, "user", $"\"exp\":{1L << 62}");
        var reply = await session.Client.RequestAsync("REFRESH_TOKEN", new { token });
        Assert.Equal((2002L, "TOKEN_INVALID"), (reply.GetInt64("code"), reply.GetString("error")));
        Assert.Equal("ECHO", (await session.Client.RequestAsync("ECHO", new { data = "still open" })).Event);
    }
}

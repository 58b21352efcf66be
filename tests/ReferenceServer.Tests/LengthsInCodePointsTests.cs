using System.Net;
using System.Text;
using System.Text.Json;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Testing;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests;

/// <summary>
/// Section 7: lengths count Unicode scalar values. Every length limit, over WebSocket and HTTP, accepts exactly the
/// limit in astral-plane characters (two UTF-16 units each) and rejects one more with 1005 and the field's path.
/// </summary>
public sealed class LengthsInCodePointsTests(SharedServer server) : IClassFixture<SharedServer>
{
    private const string Emoji = "\U0001F600"; // one code point, two UTF-16 units, four UTF-8 bytes

    private static string Emojis(int count) => string.Concat(Enumerable.Repeat(Emoji, count));

    /// <summary>The JSON text of a string with raw (unescaped) UTF-8, so 10,000 emoji fit one 64 KiB frame.</summary>
    private static string Raw(string value) => "\"" + value + "\"";

    private static async Task<TestEnvelope> SendRawAsync(TestWebSocketClient client, string command, string requestJson)
    {
        var cid = "len" + Guid.NewGuid().ToString("N");
        await client.SendTextAsync($"{{\"command\":\"{command}\",\"cid\":\"{cid}\",\"request\":{requestJson}}}");
        return await client.ReceiveAsync(e => e.Cid == cid);
    }

    [Fact]
    public void TextLength_counts_code_points()
    {
        Assert.Equal(200, TextLength.Count(Emojis(200)));
        Assert.Equal(3, TextLength.Count("a" + Emoji + "é"));
        Assert.Equal(2, TextLength.Count("\ud800x")); // a lone surrogate counts once
        Assert.True(TextLength.IsWithin(Emojis(200), 1, 200));
        Assert.False(TextLength.IsWithin(Emojis(201), 1, 200));
        Assert.False(TextLength.IsWithin(string.Empty, 1, 200));
        Assert.True(TextLength.IsWithin(Emoji, 1, 1));
        Assert.True(TextLength.IsWithin("t", 1, long.MaxValue));
        Assert.False(TextLength.IsWithin(Emoji, 2, long.MaxValue));
    }

    [Theory]
    [InlineData("title", 200, "\"body\":\"b\"")]
    [InlineData("body", 10_000, "\"title\":\"t\"")]
    public async Task Work_order_fields_over_websocket_count_code_points(string field, int limit, string otherField)
    {
        await using var agent = await server.Host.ConnectAsync(Names.User("lenAgent"), role: "agent");
        var ok = await SendRawAsync(agent.Client, "CREATE_WORK_ORDER", $"{{{otherField},\"{field}\":{Raw(Emojis(limit))}}}");
        Assert.True(ok.Event == "WOMSG", ok.Raw);
        Assert.Equal(Emojis(limit), ok.GetString(field));

        var tooLong = await SendRawAsync(agent.Client, "CREATE_WORK_ORDER", $"{{{otherField},\"{field}\":{Raw(Emojis(limit + 1))}}}");
        Assert.Equal(("ERROR", 1005L, "$.request." + field), (tooLong.Event, tooLong.GetInt64("code"), tooLong.GetString("path")));
    }

    [Fact]
    public async Task Work_order_comment_over_websocket_counts_code_points()
    {
        await using var agent = await server.Host.ConnectAsync(Names.User("lenComment"), role: "agent");
        var created = await agent.Client.RequestAsync("CREATE_WORK_ORDER", new { title = "t", body = "b" });
        var id = created.GetString("work_order_id")!;
        var ok = await SendRawAsync(agent.Client, "UPDATE_WORK_ORDER", $"{{\"work_order_id\":\"{id}\",\"status\":\"resolved\",\"comment\":{Raw(Emojis(2_000))}}}");
        Assert.True(ok.Event == "WOMSG", ok.Raw);

        var tooLong = await SendRawAsync(agent.Client, "UPDATE_WORK_ORDER", $"{{\"work_order_id\":\"{id}\",\"status\":\"resolved\",\"comment\":{Raw(Emojis(2_001))}}}");
        Assert.Equal(("ERROR", 1005L, "$.request.comment"), (tooLong.Event, tooLong.GetInt64("code"), tooLong.GetString("path")));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendHttpAsync(HttpMethod method, string path, string body)
    {
        using var http = server.Host.CreateHttpClient(server.Host.MintToken("lenOps", "admin"));
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    [Theory]
    [InlineData("title", 200, "\"body\":\"b\"")]
    [InlineData("body", 10_000, "\"title\":\"t\"")]
    public async Task Work_order_fields_over_http_count_code_points(string field, int limit, string otherField)
    {
        var (ok, created) = await SendHttpAsync(HttpMethod.Post, "api/v1/work-orders", $"{{{otherField},\"{field}\":{Raw(Emojis(limit))}}}");
        Assert.True(ok == HttpStatusCode.Created, created.ToString());
        Assert.Equal(Emojis(limit), created.GetProperty(field).GetString());

        var (bad, problem) = await SendHttpAsync(HttpMethod.Post, "api/v1/work-orders", $"{{{otherField},\"{field}\":{Raw(Emojis(limit + 1))}}}");
        Assert.Equal((HttpStatusCode.BadRequest, 1005, "$." + field), (bad, problem.GetProperty("code").GetInt32(), problem.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task Work_order_comment_over_http_counts_code_points()
    {
        var (_, created) = await SendHttpAsync(HttpMethod.Post, "api/v1/work-orders", "{\"title\":\"t\",\"body\":\"b\"}");
        var path = "api/v1/work-orders/" + created.GetProperty("work_order_id").GetString();
        var (ok, updated) = await SendHttpAsync(HttpMethod.Patch, path, $"{{\"status\":\"resolved\",\"comment\":{Raw(Emojis(2_000))}}}");
        Assert.True(ok == HttpStatusCode.OK, updated.ToString());

        var (bad, problem) = await SendHttpAsync(HttpMethod.Patch, path, $"{{\"status\":\"resolved\",\"comment\":{Raw(Emojis(2_001))}}}");
        Assert.Equal((HttpStatusCode.BadRequest, 1005, "$.comment"), (bad, problem.GetProperty("code").GetInt32(), problem.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task Push_topic_counts_code_points()
    {
        var (ok, accepted) = await SendHttpAsync(HttpMethod.Post, "api/v1/namespaces/web/push", $"{{\"topic\":{Raw(Emojis(128))},\"data\":1}}");
        Assert.True(ok == HttpStatusCode.Accepted, accepted.ToString());

        var (bad, problem) = await SendHttpAsync(HttpMethod.Post, "api/v1/namespaces/web/push", $"{{\"topic\":{Raw(Emojis(129))},\"data\":1}}");
        Assert.Equal((HttpStatusCode.BadRequest, 1005, "$.topic"), (bad, problem.GetProperty("code").GetInt32(), problem.GetProperty("path").GetString()));
    }
}

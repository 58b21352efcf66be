using System.Net;
using System.Text;
using System.Text.Json;
using Switchboard.Protocol;
using Switchboard.Server.Tests.Infrastructure;

namespace Switchboard.Server.Tests.Api;

/// <summary>
/// Request bodies are read as the generated request types with the codes and paths of SB-API-015:
/// 1001 malformed, 1008 not an object, 1004 missing/null, 1005 wrong type, bad enum value, length or pattern;
/// the first problem in schema order wins.
/// </summary>
public sealed class HttpRequestValidationTests(SharedServer server) : IClassFixture<SharedServer>
{
    public static TheoryData<string, string, string, int, string> Cases() => new()
    {
        { "POST", "api/v1/work-orders", "{\"title\":5,\"body\":\"b\"}", 1005, "$.title" },
        { "POST", "api/v1/work-orders", "{\"title\":5}", 1005, "$.title" },
        { "POST", "api/v1/work-orders", "{\"title\":\"t\"}", 1004, "$.body" },
        { "POST", "api/v1/work-orders", "{\"title\":null,\"body\":\"b\"}", 1004, "$.title" },
        { "POST", "api/v1/work-orders", "{\"title\":\"\",\"body\":\"b\"}", 1005, "$.title" },
        { "POST", "api/v1/work-orders", "{\"title\":\"t\",\"body\":\"b\",\"assignee\":\"bad id\"}", 1005, "$.assignee" },
        { "POST", "api/v1/work-orders", "{\"title\":\"t\",\"body\":\"b\",\"assignee\":7}", 1005, "$.assignee" },
        { "POST", "api/v1/work-orders", "{\"title\":\"t\",\"body\":\"b\",\"namespace\":\"mars\"}", 1005, "$.namespace" },
        { "PATCH", "api/v1/work-orders/any", "{\"comment\":\"c\"}", 1004, "$.status" },
        { "PATCH", "api/v1/work-orders/any", "{\"status\":\"done\",\"comment\":5}", 1005, "$.status" },
        { "PATCH", "api/v1/work-orders/any", "{\"status\":\"closed\",\"comment\":5}", 1005, "$.comment" },
        { "PATCH", "api/v1/work-orders/any", "[1]", 1008, "$" },
        { "POST", "api/v1/namespaces/web/push", "{\"topic\":\"\",\"data\":1}", 1005, "$.topic" },
        { "POST", "api/v1/namespaces/web/push", "{\"topic\":\"t\",\"data\":null,", 1001, "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Invalid_bodies_get_exact_codes_and_paths(string method, string path, string body, int code, string expectedPath)
    {
        using var http = server.Host.CreateHttpClient(server.Host.MintToken("ops", "admin"));
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(text, SwitchboardJsonContext.Default.ProblemDetails)!;
        Assert.Equal((code, expectedPath.Length == 0 ? null : expectedPath), (problem.Code, problem.Path));
        Assert.Equal(ErrorCodes.GetName((ErrorCode)code), problem.Error);
    }

    [Fact]
    public async Task Push_data_may_be_null_and_any_json_value()
    {
        using var http = server.Host.CreateHttpClient(server.Host.MintToken("ops", "admin"));
        foreach (var data in new[] { "null", "[1,2]", "\"s\"", "{\"a\":{\"b\":true}}" })
        {
            using var response = await http.PostAsync("api/v1/namespaces/web/push", new StringContent("{\"topic\":\"t\",\"data\":" + data + "}", Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
            Assert.Equal(0, JsonSerializer.Deserialize(text, SwitchboardJsonContext.Default.PushResult)!.Delivered);
        }
    }

    [Fact]
    public async Task Optional_request_fields_are_read_into_the_generated_type()
    {
        using var http = server.Host.CreateHttpClient(server.Host.MintToken("ops", "admin"));
        const string body = "{\"title\":\"t\",\"body\":\"\",\"assignee\":\"app-agent\",\"conversation_id\":null,\"namespace\":\"app\",\"unknown\":[1]}";
        using var created = await http.PostAsync("api/v1/work-orders", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var order = JsonSerializer.Deserialize(text, SwitchboardJsonContext.Default.WorkOrder)!;
        Assert.Equal(("app-agent", string.Empty, (string?)null, WorkOrderStatus.Open), (order.Assignee!.Id, order.Body, order.ConversationId, order.Status));

        using var patch = new HttpRequestMessage(HttpMethod.Patch, "api/v1/work-orders/" + order.WorkOrderId)
        {
            Content = new StringContent("{\"status\":\"in_progress\",\"comment\":null}", Encoding.UTF8, "application/json"),
        };
        using var updated = await http.SendAsync(patch);
        text = await updated.Content.ReadAsStringAsync();
        Assert.True(updated.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(WorkOrderStatus.InProgress, JsonSerializer.Deserialize(text, SwitchboardJsonContext.Default.WorkOrder)!.Status);
    }
}

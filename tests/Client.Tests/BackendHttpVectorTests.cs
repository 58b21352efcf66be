using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

/// <summary>
/// Keeps <see cref="SwitchboardBackendClient"/> and the spec's HTTP examples (<c>spec/vectors/http/*.json</c>) from drifting:
/// every body round-trips through the generated type its <c>schema</c> names, and every vector is replayed through the
/// client against an in-memory handler (the client must send the vector's request and return the vector's response).
/// The operation list is read from <c>x-http-api</c> in <c>spec/asyncapi.yaml</c>, so a new endpoint without a client
/// method fails here.
/// </summary>
public sealed partial class BackendHttpVectorTests
{
    private const string Token = "vector-admin-token";
    private static readonly Lazy<string> RepoRoot = new(FindRepoRoot);
    private static readonly Lazy<IReadOnlyList<HttpOperation>> Operations = new(ReadOperations);

    /// <summary>How the test calls the client for each <c>x-http-api</c> operation (path parameters, query, request body).</summary>
    private static readonly Dictionary<string, Func<SwitchboardBackendClient, Call, Task<object>>> Invocations = new()
    {
        ["PushToUser"] = async (c, x) => await c.PushToUserAsync(x.Path["ns"], x.Path["userId"], x.Body(SwitchboardJsonContext.Default.PushRequest)),
        ["PushToRoom"] = async (c, x) => await c.PushToRoomAsync(x.Path["ns"], x.Path["room"], x.Body(SwitchboardJsonContext.Default.PushRequest)),
        ["PushToNamespace"] = async (c, x) => await c.PushToNamespaceAsync(x.Path["ns"], x.Body(SwitchboardJsonContext.Default.PushRequest)),
        ["GetOnline"] = async (c, x) => await c.GetOnlineUsersAsync(x.Path["ns"]),
        ["GetDayAccess"] = async (c, x) => await c.GetDayAccessStatsAsync(
            x.Query.TryGetValue("date", out var date) ? DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null),
        ["CreateWorkOrder"] = async (c, x) => await c.CreateWorkOrderAsync(x.Body(SwitchboardJsonContext.Default.CreateWorkOrderRequest)),
        ["ListWorkOrders"] = async (c, x) => await c.ListWorkOrdersAsync(
            x.Query.GetValueOrDefault("assignee"),
            x.Query.TryGetValue("status", out var status) ? Parse<WorkOrderStatus>(status, WorkOrderStatusExtensions.TryParseWire) : null,
            x.Limit),
        ["GetWorkOrder"] = async (c, x) => await c.GetWorkOrderAsync(x.Path["id"]),
        ["UpdateWorkOrder"] = async (c, x) => await c.UpdateWorkOrderAsync(x.Path["id"], x.Body(SwitchboardJsonContext.Default.UpdateWorkOrderRequest)),
        ["ListConversations"] = async (c, x) => await c.ListConversationsAsync(
            x.Query.TryGetValue("state", out var state) ? Parse<ConversationState>(state, ConversationStateExtensions.TryParseWire) : null,
            x.Limit),
        ["CloseConversation"] = async (c, x) => await c.CloseConversationAsync(x.Path["id"]),
        ["GetHealth"] = async (c, _) => await c.GetHealthAsync(),
    };

    private delegate bool WireParser<T>(string? value, out T result);

    public static TheoryData<string> VectorFiles() => new(VectorFileNames());

    private static string[] VectorFileNames() =>
        [.. Directory.GetFiles(Path.Combine(FindRepoRoot(), "spec", "vectors", "http"), "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(VectorFiles))]
    public void Http_vector_bodies_round_trip_through_the_generated_types(string file)
    {
        using var vector = LoadVector(file);
        var root = vector.RootElement;
        Assert.True(root.GetProperty("response").TryGetProperty("schema", out _), $"{file}: response has no schema.");
        foreach (var part in new[] { "request", "response" })
        {
            var message = root.GetProperty(part);
            if (!message.TryGetProperty("body", out var body))
            {
                continue;
            }

            Assert.True(message.TryGetProperty("schema", out var schema), $"{file}: {part} has a body but no schema.");
            var typeInfo = GeneratedTypeInfo(schema.GetString()!);
            var value = JsonSerializer.Deserialize(body.GetRawText(), typeInfo);
            Assert.IsType(typeInfo.Type, value);
            AssertJsonEqual(body, JsonSerializer.SerializeToElement(value, typeInfo), $"{file} {part}.body: $");
        }
    }

    [Theory]
    [MemberData(nameof(VectorFiles))]
    public async Task Backend_client_sends_the_vector_request_and_returns_the_vector_response(string file)
    {
        using var vector = LoadVector(file);
        var request = vector.RootElement.GetProperty("request");
        var response = vector.RootElement.GetProperty("response");
        var method = request.GetProperty("method").GetString()!;
        var target = request.GetProperty("path").GetString()!;
        var (operation, call) = Match(file, method, target, request);
        var status = response.GetProperty("status").GetInt32();
        var responseBody = response.GetProperty("body");

        var handler = new RecordingHandler((HttpStatusCode)status, response.GetProperty("content_type").GetString()!, responseBody.GetRawText());
        using var http = new HttpClient(handler);
        var client = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions { BaseAddress = new Uri("http://switchboard.test/"), Token = Token });

        if (status is >= 200 and < 300)
        {
            Assert.Equal(operation.Status, status);
            Assert.Equal(operation.Response, response.GetProperty("schema").GetString());
            var result = await Invocations[operation.Name](client, call);
            Assert.Equal(operation.Response, result.GetType().Name);
            Assert.Equal(typeof(SwitchboardJsonContext).Namespace, result.GetType().Namespace);
            var typeInfo = SwitchboardJsonContext.Default.GetTypeInfo(result.GetType())!;
            AssertJsonEqual(responseBody, JsonSerializer.SerializeToElement(result, typeInfo), $"{file} response.body: $");
        }
        else
        {
            var error = await Assert.ThrowsAsync<SwitchboardException>(() => Invocations[operation.Name](client, call));
            Assert.Equal(responseBody.GetProperty("code").GetInt32(), (int)error.Code);
            Assert.Equal(responseBody.GetProperty("error").GetString(), error.ErrorName);
            Assert.Equal(responseBody.TryGetProperty("path", out var path) ? path.GetString() : null, error.Path);
        }

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(method, sent.Method);
        Assert.Equal(target, sent.PathAndQuery);
        Assert.Equal(operation.Auth == "none" ? null : "Bearer " + Token, sent.Authorization);
        if (request.TryGetProperty("body", out var requestBody))
        {
            Assert.Equal("application/json", sent.ContentType);
            using var sentBody = JsonDocument.Parse(sent.Body!);
            AssertJsonEqual(requestBody, sentBody.RootElement, $"{file} request.body: $");
        }
        else
        {
            Assert.Null(sent.Body);
        }
    }

    [Fact]
    public void Backend_client_covers_every_http_api_operation_and_every_operation_has_a_vector()
    {
        var names = Operations.Value.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(names);
        Assert.Equal(names.Order(StringComparer.Ordinal), Invocations.Keys.Order(StringComparer.Ordinal));

        var covered = VectorFileNames()
            .Where(f => !f.StartsWith("Error.", StringComparison.Ordinal))
            .Select(f => f.Split('.')[0])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(names.Except(covered));
    }

    [Fact]
    public async Task Backend_problem_without_spec_members_still_maps_its_code()
    {
        var handler = new RecordingHandler(HttpStatusCode.Conflict, "application/problem+json", """{"title":"CONVERSATION_CLOSED","code":4009,"path":"$.id"}""");
        using var http = new HttpClient(handler);
        var client = new SwitchboardBackendClient(http, new SwitchboardBackendClientOptions { BaseAddress = new Uri("http://switchboard.test/"), Token = Token });
        var error = await Assert.ThrowsAsync<SwitchboardException>(() => client.CloseConversationAsync("c1"));
        Assert.Equal(ErrorCode.ConversationClosed, error.Code);
        Assert.Equal("$.id", error.Path);

        var plain = new RecordingHandler(HttpStatusCode.BadGateway, "text/plain", "upstream down");
        using var plainHttp = new HttpClient(plain);
        var plainClient = new SwitchboardBackendClient(plainHttp, new SwitchboardBackendClientOptions { BaseAddress = new Uri("http://switchboard.test/"), Token = Token });
        var httpError = await Assert.ThrowsAsync<HttpRequestException>(() => plainClient.GetWorkOrderAsync("w1"));
        Assert.Equal(HttpStatusCode.BadGateway, httpError.StatusCode);
    }

    private static (HttpOperation Operation, Call Call) Match(string file, string method, string target, JsonElement request)
    {
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (queryStart >= 0)
        {
            foreach (var pair in target[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                query[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }

        foreach (var operation in Operations.Value)
        {
            var match = operation.PathPattern.Match(path);
            if (operation.Method == method && match.Success)
            {
                Assert.All(query.Keys, k => Assert.True(operation.Query.Contains(k), $"{file}: query parameter '{k}' is not in x-http-api {operation.Name}."));
                var parameters = operation.PathPattern.GetGroupNames().Where(g => !int.TryParse(g, out _))
                    .ToDictionary(g => g, g => Uri.UnescapeDataString(match.Groups[g].Value), StringComparer.Ordinal);
                var body = request.TryGetProperty("body", out var b) ? b.Clone() : (JsonElement?)null;
                if (body is not null)
                {
                    Assert.Equal(operation.Request, request.GetProperty("schema").GetString());
                }

                return (operation, new Call(parameters, query, body));
            }
        }

        throw new Xunit.Sdk.XunitException($"{file}: {method} {path} matches no x-http-api operation.");
    }

    private static JsonTypeInfo GeneratedTypeInfo(string schema)
    {
        var type = typeof(SwitchboardJsonContext).Assembly.GetType(typeof(SwitchboardJsonContext).Namespace + "." + schema);
        Assert.True(type is not null, $"No generated type for schema '{schema}'.");
        var typeInfo = SwitchboardJsonContext.Default.GetTypeInfo(type);
        Assert.True(typeInfo is not null, $"SwitchboardJsonContext does not list '{schema}'.");
        return typeInfo;
    }

    private static T Parse<T>(string value, WireParser<T> parser) =>
        parser(value, out var result) ? result : throw new Xunit.Sdk.XunitException($"'{value}' is not a {typeof(T).Name} wire value.");

    /// <summary>Same JSON value: same object members (order-insensitive), same array items in order, equal numbers and strings.</summary>
    private static void AssertJsonEqual(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind} {expected.GetRawText()}, got {actual.ValueKind} {actual.GetRawText()}.");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                Assert.True(expectedNames.SequenceEqual(actualNames), $"{path}: expected members [{string.Join(", ", expectedNames)}], got [{string.Join(", ", actualNames)}].");
                foreach (var property in expected.EnumerateObject())
                {
                    AssertJsonEqual(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}.");
                var index = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    AssertJsonEqual(e, a, $"{path}[{index++}]");
                }

                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\".");
                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}.");
                break;
        }
    }

    private static JsonDocument LoadVector(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoRoot.Value, "spec", "vectors", "http", file)));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Protocol.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Protocol.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Reads the <c>x-http-api</c> list of spec/asyncapi.yaml (block sequence of flat mappings; no YAML library needed).</summary>
    private static IReadOnlyList<HttpOperation> ReadOperations()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot.Value, "spec", "asyncapi.yaml"));
        var start = Array.IndexOf(lines, "x-http-api:");
        Assert.True(start >= 0, "spec/asyncapi.yaml has no root x-http-api.");
        var items = new List<Dictionary<string, string>>();
        for (var i = start + 1; i < lines.Length && (lines[i].StartsWith("- ", StringComparison.Ordinal) || lines[i].StartsWith("  ", StringComparison.Ordinal)); i++)
        {
            if (lines[i].StartsWith("- ", StringComparison.Ordinal))
            {
                items.Add(new Dictionary<string, string>(StringComparer.Ordinal));
            }

            var entry = EntryPattern().Match(lines[i]);
            Assert.True(entry.Success, $"asyncapi.yaml line {i + 1}: unexpected x-http-api line '{lines[i]}'.");
            items[^1][entry.Groups["key"].Value] = entry.Groups["value"].Value.Trim();
        }

        return items.Select(item => new HttpOperation(
            item["operation"],
            item["method"],
            new Regex("^" + ParameterPattern().Replace(Regex.Escape(item["path"]).Replace(@"\{", "{", StringComparison.Ordinal), "(?<$1>[^/]+)") + "$", RegexOptions.CultureInvariant),
            item.TryGetValue("query", out var q) ? q.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [],
            item.GetValueOrDefault("request"),
            item["response"],
            int.Parse(item["status"], CultureInfo.InvariantCulture),
            item.GetValueOrDefault("auth"))).ToArray();
    }

    [GeneratedRegex(@"^(?:- |  )(?<key>[a-z-]+):(?<value>.*)$")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"\{([A-Za-z]+)}")]
    private static partial Regex ParameterPattern();

    private sealed record HttpOperation(string Name, string Method, Regex PathPattern, string[] Query, string? Request, string Response, int Status, string? Auth);

    private sealed record Call(IReadOnlyDictionary<string, string> Path, IReadOnlyDictionary<string, string> Query, JsonElement? RequestBody)
    {
        public int? Limit => Query.TryGetValue("limit", out var limit) ? int.Parse(limit, CultureInfo.InvariantCulture) : null;

        public T Body<T>(JsonTypeInfo<T> typeInfo)
        {
            Assert.True(RequestBody is not null, "The vector has no request body.");
            return JsonSerializer.Deserialize(RequestBody.Value, typeInfo) ?? throw new Xunit.Sdk.XunitException("null request body");
        }
    }

    private sealed record SentRequest(string Method, string PathAndQuery, string? Authorization, string? ContentType, byte[]? Body);

    /// <summary>Records each request and answers with the vector's response.</summary>
    private sealed class RecordingHandler(HttpStatusCode status, string contentType, string body) : HttpMessageHandler
    {
        public List<SentRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Requests.Add(new SentRequest(
                request.Method.Method,
                request.RequestUri!.PathAndQuery,
                request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentType?.MediaType,
                content));
            return new HttpResponseMessage(status)
            {
                Content = new StringContent(body, Encoding.UTF8, contentType),
                RequestMessage = request,
            };
        }
    }
}

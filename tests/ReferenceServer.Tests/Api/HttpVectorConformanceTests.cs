using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Switchboard.Protocol;
using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Api;

/// <summary>
/// Runs every golden HTTP example of <c>spec/vectors/http/*.json</c> against a real server (a fresh one per
/// vector, after creating the state the example needs) and checks the status, the media type, that request and
/// response bodies read as the named generated type of <see cref="SwitchboardJsonContext"/>, that the response is
/// exactly what that type writes (property order, omitted nulls, timestamp format), and that it equals the example
/// except for server-minted values (message ids, timestamps, ids created by the request itself).
/// </summary>
public sealed class HttpVectorConformanceTests
{
    private const string AdminId = "crm-backend";
    private const string AdminName = "CRM";

    /// <summary>Property names whose values the server mints; only their JSON kind is compared.</summary>
    private static readonly HashSet<string> AlwaysVolatile = ["message_id", "at", "created_at", "updated_at", "queued_at", "closed_at"];

    private static readonly string VectorDirectory = FindVectorDirectory();

    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(VectorDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Fact]
    public void Every_http_vector_has_a_scenario()
    {
        var names = Directory.GetFiles(VectorDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.True(Scenarios.ContainsKey(name!), $"No conformance scenario for spec/vectors/http/{name}.json"));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task Http_vector_round_trips_against_the_server(string name)
    {
        Assert.True(Scenarios.TryGetValue(name, out var scenario), $"No scenario for {name}");
        var vector = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(VectorDirectory, name + ".json")))!.AsObject();
        await using var host = await TestServerHost.StartAsync();
        var sessions = new List<TestSession>();
        try
        {
            var ctx = new ScenarioContext(host, sessions);
            await scenario(ctx);
            await RunAsync(host, vector, ctx);
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    private static async Task RunAsync(TestServerHost host, JsonObject vector, ScenarioContext ctx)
    {
        var request = vector["request"]!.AsObject();
        var response = vector["response"]!.AsObject();
        var method = new HttpMethod(request["method"]!.GetValue<string>());
        var path = ctx.Substitute(request["path"]!.GetValue<string>());

        using var message = new HttpRequestMessage(method, path.TrimStart('/'));
        if (request["body"] is { } body)
        {
            var text = ctx.Substitute(body.ToJsonString());
            var requestType = TypeInfo(request["schema"]!.GetValue<string>());
            Assert.NotNull(JsonSerializer.Deserialize(text, requestType)); // the example is a valid request of its schema
            message.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        if (ctx.Token is { } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var http = host.CreateHttpClient();
        using var answer = await http.SendAsync(message);
        var actualText = await answer.Content.ReadAsStringAsync();

        Assert.True(response["status"]!.GetValue<int>() == (int)answer.StatusCode, $"status {(int)answer.StatusCode}, body {actualText}");
        Assert.Equal(response["content_type"]!.GetValue<string>(), answer.Content.Headers.ContentType?.MediaType);

        // The body reads as the named generated type, and is byte-for-byte what that type writes.
        var responseType = TypeInfo(response["schema"]!.GetValue<string>());
        var typed = JsonSerializer.Deserialize(actualText, responseType);
        Assert.NotNull(typed);
        Assert.Equal(JsonSerializer.Serialize(typed, responseType), actualText);

        // The example itself reads as that type (and keeps its property order when rewritten).
        var expectedText = ctx.Substitute(response["body"]!.ToJsonString());
        var expectedTyped = JsonSerializer.Deserialize(expectedText, responseType);
        Assert.NotNull(expectedTyped);
        var expected = JsonNode.Parse(expectedText)!;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(JsonSerializer.Serialize(expectedTyped, responseType))), "the example does not round-trip through its generated type");

        ctx.AdjustExpected?.Invoke(expected.AsObject());
        AssertSameShape(expected, JsonNode.Parse(actualText)!, "$", ctx);
    }

    private static JsonTypeInfo TypeInfo(string schema)
    {
        var type = typeof(SwitchboardJsonContext).Assembly.GetType("Switchboard.Protocol." + schema, throwOnError: true)!;
        return SwitchboardJsonContext.Default.GetTypeInfo(type) ?? throw new InvalidOperationException($"{schema} is not in SwitchboardJsonContext");
    }

    /// <summary>Same properties in the same order; equal values except the volatile ones (same JSON kind).</summary>
    private static void AssertSameShape(JsonNode expected, JsonNode actual, string path, ScenarioContext ctx)
    {
        Assert.True(expected.GetValueKind() == actual.GetValueKind(), $"{path}: expected {expected.GetValueKind()}, got {actual.ToJsonString()}");
        switch (expected)
        {
            case JsonObject expectedObject:
            {
                var actualObject = actual.AsObject();
                var actualNames = actualObject.Select(p => p.Key).ToArray();
                Assert.True(expectedObject.Select(p => p.Key).SequenceEqual(actualNames), $"{path}: properties [{string.Join(", ", expectedObject.Select(p => p.Key))}] expected, got [{string.Join(", ", actualObject.Select(p => p.Key))}]");
                foreach (var (key, value) in expectedObject)
                {
                    var childPath = path + "." + key;
                    if (AlwaysVolatile.Contains(key) || ctx.Volatile.Contains(key))
                    {
                        Assert.True(value!.GetValueKind() == actualObject[key]!.GetValueKind(), $"{childPath}: kind differs");
                    }
                    else
                    {
                        AssertSameShape(value!, actualObject[key]!, childPath, ctx);
                    }
                }

                break;
            }

            case JsonArray expectedArray:
            {
                var actualArray = actual.AsArray();
                Assert.True(expectedArray.Count == actualArray.Count, $"{path}: expected {expectedArray.Count} items, got {actual.ToJsonString()}");
                for (var i = 0; i < expectedArray.Count; i++)
                {
                    AssertSameShape(expectedArray[i]!, actualArray[i]!, $"{path}[{i}]", ctx);
                }

                break;
            }

            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {expected.ToJsonString()}, got {actual.ToJsonString()}");
                break;
        }
    }

    /// <summary>Per vector: the state to create before the request, and how the example maps to this run.</summary>
    private static readonly Dictionary<string, Func<ScenarioContext, Task>> Scenarios = new(StringComparer.Ordinal)
    {
        ["PushToUser"] = async ctx =>
        {
            // dave has two app connections and six earlier events: the example's seq 7 and delivered 2.
            await ctx.ConnectAsync("dave", "user", "app", "Dave");
            await ctx.ConnectAsync("dave", "user", "app", "Dave");
            using var http = ctx.Host.CreateHttpClient(ctx.Token);
            for (var i = 0; i < 6; i++)
            {
                using var earlier = await http.PostAsync("api/v1/namespaces/app/users/dave/push", Json("""{"topic":"warmup","data":1}"""));
                Assert.Equal(System.Net.HttpStatusCode.Accepted, earlier.StatusCode);
            }
        },
        ["PushToRoom"] = async ctx =>
        {
            for (var i = 0; i < 2; i++)
            {
                var member = await ctx.ConnectAsync("member" + i, "user", "web", "Member");
                var joined = await member.Client.RequestAsync("JOIN_ROOM", new { room = "ticker" });
                Assert.Equal("ROOM_STATE", joined.Event);
            }

            await ctx.ConnectAsync("outsider", "user", "web", "Outsider");
            ctx.AdjustExpected = body => body["delivered"] = 2;
        },
        ["PushToNamespace"] = async ctx =>
        {
            await ctx.ConnectAsync("w1", "user", "web", "W1");
            await ctx.ConnectAsync("w2", "user", "web", "W2");
            await ctx.ConnectAsync("a1", "user", "app", "A1");
            ctx.AdjustExpected = body => body["delivered"] = 2;
        },
        ["GetOnline"] = async ctx =>
        {
            await ctx.ConnectAsync("alice", "agent", "web", "Alice");
            await ctx.ConnectAsync("alice", "agent", "web", "Alice");
            await ctx.ConnectAsync("carol", "user", "web", "Carol Chen");
            await ctx.ConnectAsync("dave", "user", "app", "Dave");
        },
        ["GetDayAccess"] = async ctx =>
        {
            var alice = await ctx.ConnectAsync("alice", "agent", "web", "Alice");
            var bob = await ctx.ConnectAsync("bob", "agent", "web", "Bob");
            await ctx.ServeAsync("v-1", alice);
            await ctx.ServeAsync("v-2", bob);
            await ctx.ServeAsync("v-3", bob);

            // The GRAB reply precedes the count; the DAY_ACCESS push to every agent follows it.
            await bob.Client.ReceiveAsync(e => e.Event == "DAY_ACCESS" && e.GetInt64("total") == 3);
            ctx.Map("2026-11-23", ctx.Today());
            ctx.AdjustExpected = body =>
            {
                body["total"] = 3;
                body["agents"]![0]!["count"] = 1;
                body["agents"]![1]!["count"] = 2;
            };
        },
        ["CreateWorkOrder"] = async ctx =>
        {
            await ctx.WorkOrderPrerequisitesAsync();
            ctx.Volatile.Add("work_order_id"); // minted by this request
        },
        ["GetWorkOrder"] = ctx => ctx.CreateExampleWorkOrderAsync(),
        ["ListWorkOrders"] = ctx => ctx.CreateExampleWorkOrderAsync(),
        ["UpdateWorkOrder"] = ctx => ctx.CreateExampleWorkOrderAsync(),
        ["ListConversations"] = async ctx =>
        {
            var visitor = await ctx.ConnectAsync("v-2048", "visitor", "app", "访客 2048");
            var waiting = await visitor.Client.RequestAsync("REQUEST_SERVICE", new { });
            Assert.Equal("CONVERSATION", waiting.Event);
            ctx.Map("01JD3ZK4E6G8J0L2N4Q6S8U0W2", waiting.GetString("conversation_id")!);
        },
        ["CloseConversation"] = async ctx =>
        {
            var alice = await ctx.ConnectAsync("alice", "agent", "web", "Alice");
            var id = await ctx.ServeAsync("v-1024", alice, "Visitor 1024", "billing");
            ctx.Map("01JD3Z8W6K9QF2M4T7R5X1B8NC", id);
        },
        ["GetHealth"] = ctx =>
        {
            ctx.Token = null;
            return Task.CompletedTask;
        },
        ["Error.400-invalid-field"] = _ => Task.CompletedTask,
        ["Error.401-token-missing"] = ctx =>
        {
            ctx.Token = null;
            return Task.CompletedTask;
        },
        ["Error.403-forbidden"] = ctx =>
        {
            ctx.Token = ctx.Host.MintToken("alice", "agent", "Alice");
            return Task.CompletedTask;
        },
        ["Error.404-work-order"] = _ => Task.CompletedTask,
    };

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static string FindVectorDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "spec", "vectors", "http");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("spec/vectors/http not found above " + AppContext.BaseDirectory);
    }

    private sealed class ScenarioContext(TestServerHost host, List<TestSession> sessions)
    {
        private readonly List<(string From, string To)> _map = [];

        public TestServerHost Host { get; } = host;

        /// <summary>Bearer token of the request (default: the example's admin identity).</summary>
        public string? Token { get; set; } = host.MintToken(AdminId, "admin", AdminName);

        public HashSet<string> Volatile { get; } = [];

        public Action<JsonObject>? AdjustExpected { get; set; }

        public void Map(string exampleValue, string actualValue) => _map.Add((exampleValue, actualValue));

        public string Substitute(string text)
        {
            foreach (var (from, to) in _map)
            {
                text = text.Replace(from, to, StringComparison.Ordinal);
            }

            return text;
        }

        public string Today() => TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        public async Task<TestSession> ConnectAsync(string user, string role, string ns, string name)
        {
            var session = await Host.ConnectAsync(user, role, ns, name);
            sessions.Add(session);
            return session;
        }

        /// <summary>A visitor asks for service and <paramref name="agent"/> grabs it; returns the conversation id.</summary>
        public async Task<string> ServeAsync(string visitorId, TestSession agent, string? visitorName = null, string? topic = null)
        {
            var visitor = await ConnectAsync(visitorId, "visitor", "web", visitorName ?? visitorId);
            var waiting = await visitor.Client.RequestAsync("REQUEST_SERVICE", topic is null ? new { } : new { topic });
            Assert.Equal("CONVERSATION", waiting.Event);
            var id = waiting.GetString("conversation_id")!;
            var grabbed = await agent.Client.RequestAsync("GRAB", new { conversation_id = id });
            Assert.True(grabbed.Event == "CONVERSATION" && grabbed.GetString("state") == "active", grabbed.Raw);
            return id;
        }

        /// <summary>bob (Bob, agent) is known and the example's conversation exists.</summary>
        public async Task WorkOrderPrerequisitesAsync()
        {
            await ConnectAsync("bob", "agent", "web", "Bob");
            var alice = await ConnectAsync("alice", "agent", "web", "Alice");
            Map("01JD3Z8W6K9QF2M4T7R5X1B8NC", await ServeAsync("v-1024", alice, "Visitor 1024", "billing"));
        }

        /// <summary>Creates the example's work order through the API and maps its id.</summary>
        public async Task CreateExampleWorkOrderAsync()
        {
            await WorkOrderPrerequisitesAsync();
            var create = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(VectorDirectory, "CreateWorkOrder.json")))!["request"]!["body"]!.ToJsonString();
            using var http = Host.CreateHttpClient(Token);
            using var created = await http.PostAsync("api/v1/work-orders", Json(Substitute(create)));
            var text = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, text);
            var order = JsonSerializer.Deserialize(text, SwitchboardJsonContext.Default.WorkOrder)!;
            Map("01JD3ZD4G6J8L0N2Q4S6U8W0Y2", order.WorkOrderId);
        }
    }
}

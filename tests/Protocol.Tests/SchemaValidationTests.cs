using System.Text.Json.Nodes;
using NJsonSchema;
using Switchboard.SpecGen;

namespace Switchboard.Protocol.Tests;

/// <summary>Every vector validates against its message payload schema in asyncapi.yaml (NJsonSchema, independent of our codec).</summary>
public sealed class SchemaValidationTests
{
    private static readonly Lazy<JsonNode> s_spec = new(() => YamlToJson.Convert(File.ReadAllText(RepoPaths.Spec)));
    private static readonly Dictionary<string, Task<JsonSchema>> s_schemas = [];
    private static readonly Lock s_lock = new();

    public static TheoryData<string, string> AllVectors
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var kind in new[] { "events", "commands", "errors" })
            {
                foreach (var file in RepoPaths.VectorFileNames(kind))
                {
                    data.Add(kind, file);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public async Task VectorValidatesAgainstItsMessageSchema(string kind, string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Vectors(kind), file));
        var vector = JsonNode.Parse(text)!.AsObject();
        var (nameProperty, direction) = kind == "commands" ? ("command", "client-to-server") : ("event", "server-to-client");
        var wireName = vector[nameProperty]!.GetValue<string>();
        var schema = await SchemaFor(wireName, direction);
        var errors = schema.Validate(text);
        Assert.True(errors.Count == 0, $"{kind}/{file} violates the {wireName} schema:\n" + string.Join('\n', errors.Select(e => $"  {e.Path}: {e.Kind}")));
    }

    [Fact]
    public async Task SchemaRejectsAnInvalidPayload()
    {
        // Guards against a validator that accepts everything (e.g. unresolved $refs).
        var schema = await SchemaFor(EventNames.Echo, "server-to-client");
        Assert.Empty(schema.Validate("""{"event":"ECHO","response":{"data":"x"}}"""));
        Assert.NotEmpty(schema.Validate("""{"event":"ECHO","response":{"data":5}}"""));
        Assert.NotEmpty(schema.Validate("""{"event":"ECHO","response":{}}"""));
        var connect = await SchemaFor(EventNames.Connect, "server-to-client");
        Assert.NotEmpty(connect.Validate("""{"event":"CONNECT","response":{"user":{"id":"a b","name":"A","role":"nobody"}}}"""));
    }

    private static Task<JsonSchema> SchemaFor(string wireName, string direction)
    {
        lock (s_lock)
        {
            var key = direction + ":" + wireName;
            if (!s_schemas.TryGetValue(key, out var task))
            {
                task = Build(wireName, direction);
                s_schemas[key] = task;
            }

            return task;
        }
    }

    private static Task<JsonSchema> Build(string wireName, string direction)
    {
        var spec = s_spec.Value;
        var messages = spec["components"]!["messages"]!.AsObject();
        var message = messages.Select(kv => kv.Value!.AsObject())
            .Single(m => m["name"]!.GetValue<string>() == wireName && m["x-direction"]!.GetValue<string>() == direction);

        // The payload schema becomes the document root and components.schemas its draft-07 "definitions"
        // (NJsonSchema resolves local refs there), with every '#/components/schemas/X' rewritten accordingly.
        var root = message["payload"]!.DeepClone().AsObject();
        root["$schema"] = "http://json-schema.org/draft-07/schema#";
        root["definitions"] = spec["components"]!["schemas"]!.DeepClone();
        var json = root.ToJsonString().Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal);
        return JsonSchema.FromJsonAsync(json);
    }
}

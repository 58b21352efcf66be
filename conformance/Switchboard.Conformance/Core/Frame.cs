using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Core;

/// <summary>A frame received from the server, parsed leniently (the raw text is always kept).</summary>
public sealed class Frame
{
    private Frame(string text, bool binary, JsonNode? json, double offsetMs)
    {
        Text = text;
        IsBinary = binary;
        Json = json;
        OffsetMs = offsetMs;
        if (json is JsonObject o)
        {
            Event = o["event"] is JsonValue ev && ev.GetValueKind() == JsonValueKind.String ? ev.GetValue<string>() : null;
            Cid = o["cid"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : null;
            Seq = o["seq"] is JsonValue s && s.GetValueKind() == JsonValueKind.Number ? s.GetValue<long>() : null;
            Response = o["response"] as JsonObject;
        }
    }

    /// <summary>Frame text (UTF-8 decoded; binary frames as hex).</summary>
    public string Text { get; }

    /// <summary>Whether the frame was binary.</summary>
    public bool IsBinary { get; }

    /// <summary>Parsed JSON, or null if the frame is not JSON.</summary>
    public JsonNode? Json { get; }

    /// <summary>Milliseconds since the case started.</summary>
    public double OffsetMs { get; }

    /// <summary>Arrival position of the frame on its connection (1, 2, 3...), for ordering checks.</summary>
    public long Ordinal { get; internal set; }

    /// <summary><c>event</c> property.</summary>
    public string? Event { get; }

    /// <summary><c>cid</c> property.</summary>
    public string? Cid { get; }

    /// <summary><c>seq</c> property.</summary>
    public long? Seq { get; }

    /// <summary><c>response</c> object.</summary>
    public JsonObject? Response { get; }

    /// <summary>Parses a frame.</summary>
    public static Frame Parse(string text, bool binary, double offsetMs)
    {
        JsonNode? json = null;
        if (!binary)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                json = null;
            }
        }

        return new Frame(text, binary, json, offsetMs);
    }

    /// <summary>Gets a value from <see cref="Response"/> by dotted path (<c>user.id</c>), or null.</summary>
    public JsonNode? R(string path) => Jq.Get(Response, path);

    /// <summary>String at a response path, or null.</summary>
    public string? Str(string path) => Jq.Str(Response, path);

    /// <summary>Integer at a response path, or null.</summary>
    public long? Int(string path) => Jq.Int(Response, path);

    /// <summary>Boolean at a response path, or null.</summary>
    public bool? Bool(string path) => Jq.Bool(Response, path);

    /// <inheritdoc/>
    public override string ToString() => Text;
}

/// <summary>Tiny dotted-path accessors over <see cref="JsonNode"/>.</summary>
public static class Jq
{
    /// <summary>Gets a node by dotted path; numeric segments index arrays.</summary>
    public static JsonNode? Get(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>String value or null (no conversion of other kinds).</summary>
    public static string? Str(JsonNode? node, string path) =>
        Get(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Integer value or null.</summary>
    public static long? Int(JsonNode? node, string path) =>
        Get(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>Boolean value or null.</summary>
    public static bool? Bool(JsonNode? node, string path) =>
        Get(node, path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>Kind of the value at a path (Undefined when absent).</summary>
    public static JsonValueKind Kind(JsonNode? node, string path) => Get(node, path)?.GetValueKind() ?? JsonValueKind.Undefined;
}

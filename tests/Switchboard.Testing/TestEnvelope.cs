using System.Text.Json;

namespace Switchboard.Server.Testing;

/// <summary>A server envelope as received by <see cref="TestWebSocketClient"/> (raw JSON kept for assertions).</summary>
public sealed class TestEnvelope
{
    private TestEnvelope(string raw, string eventName, string? cid, long? seq, JsonElement response)
    {
        Raw = raw;
        Event = eventName;
        Cid = cid;
        Seq = seq;
        Response = response;
    }

    /// <summary>The exact frame text.</summary>
    public string Raw { get; }

    /// <summary>The <c>event</c> name.</summary>
    public string Event { get; }

    /// <summary>The <c>cid</c>, if present.</summary>
    public string? Cid { get; }

    /// <summary>The envelope <c>seq</c>, if present (durable events).</summary>
    public long? Seq { get; }

    /// <summary>The <c>response</c> object.</summary>
    public JsonElement Response { get; }

    /// <summary>A string property of <see cref="Response"/> (null when absent).</summary>
    public string? GetString(string property) => Response.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>An integer property of <see cref="Response"/>.</summary>
    public long GetInt64(string property) => Response.GetProperty(property).GetInt64();

    /// <summary>A boolean property of <see cref="Response"/>.</summary>
    public bool GetBoolean(string property) => Response.GetProperty(property).GetBoolean();

    /// <summary>Whether <see cref="Response"/> has the property.</summary>
    public bool Has(string property) => Response.TryGetProperty(property, out _);

    /// <summary>Parses a frame; throws <see cref="FormatException"/> when it is not a server envelope.</summary>
    public static TestEnvelope Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var doc = JsonDocument.Parse(raw);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"Not a server envelope: {raw}");
        }

        var cid = root.TryGetProperty("cid", out var c) ? c.GetString() : null;
        long? seq = root.TryGetProperty("seq", out var s) ? s.GetInt64() : null;
        var response = root.TryGetProperty("response", out var r) ? r.Clone() : default;
        return new TestEnvelope(raw, ev.GetString()!, cid, seq, response);
    }

    /// <inheritdoc />
    public override string ToString() => Raw;
}

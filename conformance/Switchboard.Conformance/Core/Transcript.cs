using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Switchboard.Conformance.Core;

/// <summary>
/// One step of a case as the case's code performed it: an upgrade, a frame sent, a frame the case
/// consumed with an expectation, a verified silence, a close, an HTTP exchange. Frames the case did not ask
/// for (PINGs, unrelated broadcasts) are in the <see cref="WireLog"/> but not in the transcript, which is why
/// a transcript is deterministic and can be compared with an approved snapshot.
/// </summary>
/// <param name="Kind">open, upgrade-rejected, send, recv, no-event, close, http, note.</param>
/// <param name="Connection">Connection label, or null for HTTP.</param>
/// <param name="Data">Structured content (parsed frame, HTTP exchange, close code...).</param>
public sealed record TranscriptStep(string Kind, string? Connection, JsonNode? Data)
{
    /// <summary>Renders the step as a JSON object (a deep copy; the step is unchanged).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["step"] = Kind };
        if (Connection is not null)
        {
            o["conn"] = Connection;
        }

        if (Data is not null)
        {
            o["data"] = Data.DeepClone();
        }

        return o;
    }
}

/// <summary>Thread-safe list of transcript steps.</summary>
public sealed class Transcript
{
    private readonly List<TranscriptStep> _steps = [];
    private readonly Lock _gate = new();

    /// <summary>Adds a step.</summary>
    public void Add(string kind, string? connection, JsonNode? data)
    {
        lock (_gate)
        {
            _steps.Add(new TranscriptStep(kind, connection, data?.DeepClone()));
        }
    }

    /// <summary>A copy of the steps.</summary>
    public IReadOnlyList<TranscriptStep> Snapshot()
    {
        lock (_gate)
        {
            return [.. _steps];
        }
    }
}

/// <summary>
/// Replaces volatile values (ids, timestamps, tokens, the per-case nonce, server-chosen texts) with stable
/// placeholders so a transcript can be compared across runs. The same value always maps to the same
/// placeholder within one transcript (<c>&lt;message_id:1&gt;</c> appears wherever that id appears).
/// </summary>
public sealed partial class TranscriptScrubber
{
    /// <summary>Keys whose values are opaque server-chosen identifiers.</summary>
    public static readonly IReadOnlySet<string> IdKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "client_id", "message_id", "conversation_id", "transfer_id", "work_order_id", "timer_id", "epoch", "id_token",
        "traceId", "instance",
    };

    /// <summary>Keys whose values vary between runs for reasons outside the case (time, global counters, texts).</summary>
    public static readonly IReadOnlyDictionary<string, string> VolatileKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["remaining_ms"] = "<ms>",
        ["date"] = "<date>",
        ["server"] = "<server>",
        ["message"] = "<text>",
        ["detail"] = "<text>",
        ["title"] = "<text>",
        ["position"] = "<position>",
        ["total"] = "<count>",
        ["delivered"] = "<count>",
    };

    /// <summary>Arrays that may contain entries from other cases; entries not mentioning the nonce are dropped.</summary>
    public static readonly IReadOnlySet<string> SharedListKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "users", "agents", "conversations", "work_orders", "items",
    };

    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly string _nonce;
    private readonly IReadOnlySet<string> _extraVolatile;

    /// <summary>Creates a scrubber for one transcript.</summary>
    /// <param name="nonce">The case's nonce (replaced by <c>&lt;n&gt;</c>).</param>
    /// <param name="extraVolatileKeys">Case-specific keys to replace by <c>&lt;volatile&gt;</c>.</param>
    public TranscriptScrubber(string nonce, IEnumerable<string>? extraVolatileKeys = null)
    {
        _nonce = nonce;
        _extraVolatile = new HashSet<string>(extraVolatileKeys ?? [], StringComparer.Ordinal);
    }

    /// <summary>Scrubs a list of steps into a JSON array (steps are not modified).</summary>
    public JsonArray Scrub(IEnumerable<TranscriptStep> steps)
    {
        var array = new JsonArray();
        foreach (var step in steps)
        {
            var scrubbed = ScrubNode(step.ToJson(), null);

            // Property order is normative for WebSocket envelopes (SB-ENV-002) but not for HTTP bodies.
            array.Add(step.Kind is "http" or "upgrade-response" ? SortKeys(scrubbed) : scrubbed);
        }

        return array;
    }

    private static JsonNode? SortKeys(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, SortKeys(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(SortKeys)]),
        _ => node?.DeepClone(),
    };

    /// <summary>Scrubs one JSON value (returns a new tree).</summary>
    public JsonNode? ScrubNode(JsonNode? node, string? key)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                {
                    var result = new JsonObject();
                    foreach (var (k, v) in obj)
                    {
                        result[ScrubString(k)] = ScrubNode(v, k);
                    }

                    return result;
                }

            case JsonArray arr:
                {
                    var result = new JsonArray();
                    var filter = key is not null && SharedListKeys.Contains(key) && _nonce.Length > 0;
                    foreach (var item in arr)
                    {
                        if (filter && item is JsonObject && !item.ToJsonString().Contains(_nonce, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        result.Add(ScrubNode(item, null));
                    }

                    return result;
                }

            case JsonValue value:
                {
                    if (key is not null && _extraVolatile.Contains(key))
                    {
                        return JsonValue.Create("<volatile>");
                    }

                    if (key is not null && VolatileKeys.TryGetValue(key, out var placeholder))
                    {
                        return JsonValue.Create(placeholder);
                    }

                    if (key is not null && IdKeys.Contains(key) && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number)
                    {
                        return JsonValue.Create(Placeholder(key, value.ToJsonString()));
                    }

                    if (value.GetValueKind() == JsonValueKind.String)
                    {
                        return JsonValue.Create(ScrubString(value.GetValue<string>()));
                    }

                    return value.DeepClone();
                }

            default:
                return node.DeepClone();
        }
    }

    /// <summary>Scrubs free text: nonce, timestamps, JWTs, and ids already seen as values.</summary>
    public string ScrubString(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        // Tokens minted in the same second are identical, so numbering them would depend on timing.
        text = JwtRegex().Replace(text, "<token>");
        text = TimestampRegex().Replace(text, "<time>");
        if (_nonce.Length > 0)
        {
            text = text.Replace(_nonce, "<n>", StringComparison.Ordinal);
        }

        foreach (var (value, placeholder) in _map)
        {
            if (value.Length >= 8 && text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, placeholder, StringComparison.Ordinal);
            }
        }

        return text;
    }

    private string Placeholder(string category, string rawValue)
    {
        var value = rawValue.Trim('"');
        if (_map.TryGetValue(value, out var existing))
        {
            return existing;
        }

        _counters.TryGetValue(category, out var n);
        n++;
        _counters[category] = n;
        var placeholder = $"<{category}:{n}>";
        _map[value] = placeholder;
        return placeholder;
    }

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtRegex();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")]
    private static partial Regex TimestampRegex();
}

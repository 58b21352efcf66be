using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Switchboard.Conformance.Spec;

/// <summary>A per-frame rule violation: the rule id (its level decides FAILED or NON-STRICT) and what is wrong.</summary>
/// <param name="Rule">Requirement id, e.g. <c>SB-ENV-002</c>.</param>
/// <param name="Problem">What the frame does wrong, with the JSON path.</param>
public sealed record FrameFinding(string Rule, string Problem);

/// <summary>
/// Wire conventions checked on every frame the suite receives, from the spec: envelope property order
/// (SB-ENV-002), payload property order per the payload schema's <c>properties</c> in asyncapi.yaml (SB-ENV-002), no
/// <c>null</c> for a schema property (SB-ENV-002), RFC 3339 UTC timestamps with three fraction digits on every
/// <c>format: date-time</c> property (SB-ENV-016), and no success reply without <c>cid</c> (SB-ENV-013). Properties the
/// schema does not know are skipped (SB-ENV-009 lets a newer server add some); free-form values (no <c>type</c>,
/// e.g. ECHO <c>data</c>) are not looked into.
/// </summary>
public static partial class FrameRules
{
    /// <summary>Envelope order written by the server.</summary>
    public static readonly IReadOnlyList<string> EnvelopeOrder = ["event", "cid", "seq", "response"];

    /// <summary>Checks one received frame (a JSON object with an <c>event</c> string).</summary>
    public static IReadOnlyList<FrameFinding> Check(JsonObject envelope, SpecIndex? spec = null)
    {
        spec ??= SpecIndex.Embedded;
        var findings = new List<FrameFinding>();
        var names = envelope.Select(p => p.Key).ToList();
        var known = names.Where(EnvelopeOrder.Contains).ToList();
        if (!known.SequenceEqual(EnvelopeOrder.Where(known.Contains)))
        {
            findings.Add(new("SB-ENV-002", $"envelope properties in the order event, cid, seq, response (got {string.Join(", ", names)})"));
        }

        foreach (var (name, value) in envelope)
        {
            if (value is null && EnvelopeOrder.Contains(name))
            {
                findings.Add(new("SB-ENV-002", $"no null values: $.{name} is null"));
            }
        }

        var eventName = envelope["event"] is JsonValue ev && ev.GetValueKind() == JsonValueKind.String ? ev.GetValue<string>() : null;
        if (eventName is null)
        {
            return findings;
        }

        // SB-ENV-013's one exception: a reply the spec sends also to a command without cid (x-reply-without-cid).
        if (envelope["cid"] is null && spec.EventDelivery.TryGetValue(eventName, out var delivery) && delivery == "reply" && !IsErrorEvent(eventName, spec)
            && !spec.Commands.Values.Any(c => c.ReplyWithoutCid && c.Reply == eventName))
        {
            findings.Add(new("SB-ENV-013", $"{eventName} is a success reply; a command without cid gets none, so it must carry the command's cid"));
        }

        if (envelope["response"] is JsonObject response && spec.EventResponseSchemas.TryGetValue(eventName, out var schema))
        {
            CheckValue(response, schema, "$.response", spec, findings);
        }

        return findings;
    }

    private static bool IsErrorEvent(string eventName, SpecIndex spec) => spec.Commands.Values.Any(c => c.ErrorReply == eventName);

    private static void CheckValue(JsonNode? value, JsonObject rawSchema, string path, SpecIndex spec, List<FrameFinding> findings)
    {
        var schema = spec.Resolve(rawSchema);
        if (schema is null || value is null)
        {
            return;
        }

        var type = schema["type"] is JsonValue t ? t.GetValue<string>() : null;
        switch (value)
        {
            case JsonObject obj when type == "object" && schema["properties"] is JsonObject props:
                var order = props.Select(p => p.Key).ToList();
                var present = obj.Select(p => p.Key).Where(order.Contains).ToList();
                if (!present.SequenceEqual(order.Where(present.Contains)))
                {
                    findings.Add(new("SB-ENV-002", $"{path}: properties in schema order ({string.Join(", ", order.Where(present.Contains))}), got ({string.Join(", ", present)})"));
                }

                foreach (var (name, child) in obj)
                {
                    if (props[name] is not JsonObject childSchema)
                    {
                        continue;
                    }

                    if (child is null)
                    {
                        if (IsTyped(spec.Resolve(childSchema)))
                        {
                            findings.Add(new("SB-ENV-002", $"no null values: {path}.{name} is null (absent optional properties are omitted)"));
                        }

                        continue;
                    }

                    CheckValue(child, childSchema, $"{path}.{name}", spec, findings);
                }

                break;
            case JsonArray arr when type == "array" && schema["items"] is JsonObject items:
                for (var i = 0; i < arr.Count; i++)
                {
                    if (arr[i] is null && IsTyped(spec.Resolve(items)))
                    {
                        findings.Add(new("SB-ENV-002", $"no null values: {path}[{i}] is null"));
                    }
                    else
                    {
                        CheckValue(arr[i], items, $"{path}[{i}]", spec, findings);
                    }
                }

                break;
            case JsonValue v when schema["format"] is JsonValue f && f.GetValue<string>() == "date-time":
                if (v.GetValueKind() != JsonValueKind.String || !TimestampRegex().IsMatch(v.GetValue<string>()))
                {
                    findings.Add(new("SB-ENV-016", $"{path}: an RFC 3339 UTC timestamp with a Z suffix and exactly three fraction digits (got {v.ToJsonString()})"));
                }

                break;
        }
    }

    private static bool IsTyped(JsonObject? schema) => schema is not null && (schema["type"] is not null || schema["enum"] is not null || schema["const"] is not null);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex TimestampRegex();
}

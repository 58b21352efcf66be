using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Conformance.Core;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Conformance.Spec;

/// <summary>A requirement of spec/PROTOCOL.md: id, RFC 2119 level and area.</summary>
/// <param name="Id">Requirement id, e.g. <c>SB-ROOM-003</c>.</param>
/// <param name="Level"><c>MUST</c>, <c>SHOULD</c> or <c>MAY</c>.</param>
/// <param name="Area">The id's area, e.g. <c>ROOM</c>.</param>
public sealed record Requirement(string Id, string Level, string Area);

/// <summary>A client command of asyncapi.yaml: its reply events and requirement ids.</summary>
/// <param name="Name">Wire name.</param>
/// <param name="Reply">Success reply event (<c>x-reply</c>), or null (PONG).</param>
/// <param name="ErrorReply">Error event (<c>x-error-reply</c>).</param>
/// <param name="Requirements">The command's <c>x-requirements</c>, first = primary area.</param>
/// <param name="ReplyWithoutCid">asyncapi <c>x-reply-without-cid</c>: the reply is sent also to the command without a cid (JOIN_ROOM, SB-ROOM-002).</param>
public sealed record CommandInfo(string Name, string? Reply, string ErrorReply, IReadOnlyList<string> Requirements, bool ReplyWithoutCid = false);

/// <summary>
/// What the suite reads from the spec at run time: requirement ids and levels and the area → capability table of
/// PROTOCOL.md section 1, and from asyncapi.yaml each event's delivery class and payload schema (property order,
/// timestamp fields) and each command's replies. Both files are embedded in the assembly, so the packed tool
/// carries the spec it was built from.
/// </summary>
public sealed partial class SpecIndex
{
    private static readonly Lazy<SpecIndex> EmbeddedIndex = new(() => Parse(ReadResource("spec/PROTOCOL.md"), ReadResource("spec/asyncapi.yaml")));

    private readonly JsonObject _schemas;

    private SpecIndex(
        IReadOnlyDictionary<string, Requirement> requirements,
        IReadOnlyDictionary<string, AreaCapability> areas,
        IReadOnlyDictionary<string, IReadOnlyList<string>> ruleConditions,
        IReadOnlyDictionary<string, JsonObject> eventResponses,
        IReadOnlyDictionary<string, string> eventDelivery,
        IReadOnlyDictionary<string, CommandInfo> commands,
        JsonObject schemas)
    {
        Requirements = requirements;
        Areas = areas;
        RuleConditions = ruleConditions;
        EventResponseSchemas = eventResponses;
        EventDelivery = eventDelivery;
        Commands = commands;
        _schemas = schemas;
    }

    /// <summary>The spec embedded in this assembly.</summary>
    public static SpecIndex Embedded => EmbeddedIndex.Value;

    /// <summary>Requirement ids in document order.</summary>
    public IReadOnlyDictionary<string, Requirement> Requirements { get; }

    /// <summary>Section 1's table: area → capability (null = core) and the optional history-replay capability.</summary>
    public IReadOnlyDictionary<string, AreaCapability> Areas { get; }

    /// <summary>
    /// Section 1's second table: rules that depend on more than their area's capability → every capability they need
    /// (empty = core). An id listed in more than one row (a rule split by topic, e.g. SB-HS-001's WebSocket and HTTP
    /// paths) is left out: its area decides, and cases declare the rest through <c>uses</c>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> RuleConditions { get; }

    /// <summary>Event name → schema of its <c>response</c> (unresolved <c>$ref</c>s allowed).</summary>
    public IReadOnlyDictionary<string, JsonObject> EventResponseSchemas { get; }

    /// <summary>Event name → <c>x-delivery</c> (<c>live</c>, <c>reply</c>, <c>durable</c>, <c>room</c>).</summary>
    public IReadOnlyDictionary<string, string> EventDelivery { get; }

    /// <summary>Command name → replies and requirement ids.</summary>
    public IReadOnlyDictionary<string, CommandInfo> Commands { get; }

    /// <summary>The RFC 2119 level of an id as a case level (MAY counts as SHOULD: never FAILED).</summary>
    public RequirementLevel LevelOf(string id) =>
        Requirements.TryGetValue(id, out var r) && r.Level == "MUST" ? RequirementLevel.Must : RequirementLevel.Should;

    /// <summary>Resolves a <c>$ref</c> (<c>#/components/schemas/X</c>) or returns the schema itself.</summary>
    public JsonObject? Resolve(JsonObject? schema)
    {
        for (var depth = 0; schema is not null && depth < 8; depth++)
        {
            if (schema["$ref"] is not JsonValue r || !r.TryGetValue<string>(out var reference))
            {
                return schema;
            }

            const string prefix = "#/components/schemas/";
            schema = reference.StartsWith(prefix, StringComparison.Ordinal) ? _schemas[reference[prefix.Length..]] as JsonObject : null;
        }

        return schema;
    }

    /// <summary>Parses the two spec files.</summary>
    public static SpecIndex Parse(string protocolMarkdown, string asyncApiYaml)
    {
        var requirements = new Dictionary<string, Requirement>(StringComparer.Ordinal);
        foreach (Match m in RequirementRegex().Matches(protocolMarkdown))
        {
            var id = m.Groups[1].Value;
            requirements.TryAdd(id, new Requirement(id, m.Groups[2].Value, id.Split('-')[1]));
        }

        var areas = ParseAreaTable(protocolMarkdown);
        var ruleConditions = ParseRuleConditions(protocolMarkdown);
        var root = YamlToJson(asyncApiYaml) as JsonObject ?? throw new InvalidDataException("asyncapi.yaml is not a mapping");
        var components = root["components"] as JsonObject ?? throw new InvalidDataException("asyncapi.yaml has no components");
        var schemas = components["schemas"] as JsonObject ?? [];
        var responses = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var delivery = new Dictionary<string, string>(StringComparer.Ordinal);
        var commands = new Dictionary<string, CommandInfo>(StringComparer.Ordinal);
        foreach (var (_, node) in components["messages"] as JsonObject ?? [])
        {
            if (node is not JsonObject message || Jq.Str(message, "name") is not { } name)
            {
                continue;
            }

            var reqs = message["x-requirements"] is JsonArray a ? a.Select(x => x?.GetValue<string>() ?? string.Empty).ToList() : [];
            if (Jq.Str(message, "x-direction") == "server-to-client")
            {
                delivery[name] = Jq.Str(message, "x-delivery") ?? "live";
                if (Jq.Get(message, "payload.properties.response") is JsonObject response)
                {
                    responses[name] = response;
                }
            }
            else
            {
                commands[name] = new CommandInfo(name, Jq.Str(message, "x-reply"), Jq.Str(message, "x-error-reply") ?? Wire.Error, reqs, Jq.Str(message, "x-reply-without-cid") == "true");
            }
        }

        return new SpecIndex(requirements, areas, ruleConditions, responses, delivery, commands, schemas);
    }

    private static Dictionary<string, AreaCapability> ParseAreaTable(string markdown)
    {
        var start = markdown.IndexOf("\n## 1. Conformance", StringComparison.Ordinal);
        var end = start < 0 ? -1 : markdown.IndexOf("\n## 2.", start + 1, StringComparison.Ordinal);
        if (start < 0 || end < 0)
        {
            throw new InvalidDataException("PROTOCOL.md has no section '## 1. Conformance'");
        }

        var result = new Dictionary<string, AreaCapability>(StringComparer.Ordinal);
        foreach (Match m in AreaRowRegex().Matches(markdown[start..end]))
        {
            var cell = m.Groups[2].Value.Trim();
            var ticks = TickRegex().Matches(cell).Select(t => t.Groups[1].Value).ToList();
            var capability = cell == "core" || ticks.Count == 0 ? null : ticks[0];
            var replay = HistoryReplayRegex().Match(cell) is { Success: true } r ? r.Groups[1].Value : null;
            result[m.Groups[1].Value] = new AreaCapability(capability, replay);
        }

        if (result.Count == 0)
        {
            throw new InvalidDataException("PROTOCOL.md section 1 has no area | scope | capability table");
        }

        return result;
    }

    private static Dictionary<string, IReadOnlyList<string>> ParseRuleConditions(string markdown)
    {
        var start = markdown.IndexOf("| rule | binding when the server declares |", StringComparison.Ordinal);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (start < 0)
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in markdown[start..].Split('\n').Skip(2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split('|');
            if (cells.Length < 4)
            {
                continue;
            }

            var capabilities = TickRegex().Matches(cells[2]).Select(t => t.Groups[1].Value).ToList();
            foreach (Match id in RuleIdRegex().Matches(cells[1]))
            {
                var first = int.Parse(id.Groups[2].Value, CultureInfo.InvariantCulture);
                var last = id.Groups[3].Success ? int.Parse(id.Groups[3].Value, CultureInfo.InvariantCulture) : first;
                for (var n = first; n <= last; n++)
                {
                    var name = $"SB-{id.Groups[1].Value}-{n:000}";
                    if (!seen.Add(name))
                    {
                        ambiguous.Add(name);
                    }

                    result[name] = capabilities;
                }
            }
        }

        foreach (var name in ambiguous)
        {
            result.Remove(name);
        }

        return result;
    }

    private static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from the conformance assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>YAML → JSON tree with every scalar as a string (only structure and names matter here).</summary>
    private static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        return Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? string.Empty, Convert(kv.Value)))),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
            YamlScalarNode s => JsonValue.Create(s.Value ?? string.Empty),
            _ => null,
        };
    }

    [GeneratedRegex(@"\*\*(SB-[A-Z]+-\d{3}) (MUST|SHOULD|MAY)\*\*")]
    private static partial Regex RequirementRegex();

    [GeneratedRegex(@"(?m)^\| ([A-Z]+) \|[^|\n]*\|([^|\n]*)\|\s*$")]
    private static partial Regex AreaRowRegex();

    [GeneratedRegex(@"SB-([A-Z]+)-(\d{3})(?:\.\.(\d{3}))?")]
    private static partial Regex RuleIdRegex();

    [GeneratedRegex(@"`([a-z-]+)`")]
    private static partial Regex TickRegex();

    [GeneratedRegex(@"history replay: `([a-z-]+)`")]
    private static partial Regex HistoryReplayRegex();
}

/// <summary>One row of PROTOCOL.md section 1's area table.</summary>
/// <param name="Capability">Capability of the area, or null for core.</param>
/// <param name="HistoryReplay">Capability the area's history-replay rules need (ROOM: <c>rooms-history</c>), or null.</param>
public sealed record AreaCapability(string? Capability, string? HistoryReplay);

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.SpecGen;

/// <summary>The kind of a wire value, as far as the generator cares.</summary>
public enum ValueKind
{
    /// <summary>JSON string.</summary>
    String,

    /// <summary>RFC 3339 timestamp (<c>format: date-time</c>), C# <see cref="DateTimeOffset"/>.</summary>
    DateTime,

    /// <summary>64-bit integer.</summary>
    Int64,

    /// <summary>32-bit integer (<c>format: int32</c>).</summary>
    Int32,

    /// <summary>Floating point number.</summary>
    Number,

    /// <summary>JSON boolean.</summary>
    Boolean,

    /// <summary>Named object schema.</summary>
    Object,

    /// <summary>Named string enum schema.</summary>
    Enum,

    /// <summary>JSON array.</summary>
    Array,

    /// <summary>Any JSON value (no <c>type</c> and no <c>$ref</c>), C# <c>JsonElement</c>.</summary>
    Any,
}

/// <summary>A resolved value type with its validation constraints.</summary>
public sealed record TypeSpec
{
    /// <summary>The value kind.</summary>
    public required ValueKind Kind { get; init; }

    /// <summary>Schema name for <see cref="ValueKind.Object"/> and <see cref="ValueKind.Enum"/>.</summary>
    public string? RefName { get; init; }

    /// <summary>Item type for <see cref="ValueKind.Array"/>.</summary>
    public TypeSpec? Items { get; init; }

    /// <summary>Whether JSON <c>null</c> is a valid value.</summary>
    public bool Nullable { get; init; }

    /// <summary><c>minLength</c> (strings) or <c>minItems</c> (arrays).</summary>
    public long? MinLength { get; init; }

    /// <summary><c>maxLength</c> (strings) or <c>maxItems</c> (arrays).</summary>
    public long? MaxLength { get; init; }

    /// <summary><c>pattern</c> (ECMA 262 regular expression).</summary>
    public string? Pattern { get; init; }

    /// <summary><c>minimum</c>.</summary>
    public long? Minimum { get; init; }

    /// <summary><c>maximum</c>.</summary>
    public long? Maximum { get; init; }

    /// <summary><c>const</c> (strings only).</summary>
    public string? Const { get; init; }
}

/// <summary>A property of an object schema.</summary>
public sealed record PropertySpec
{
    /// <summary>Wire (JSON) name.</summary>
    public required string WireName { get; init; }

    /// <summary>Whether the property is listed in <c>required</c>.</summary>
    public required bool Required { get; init; }

    /// <summary>Resolved type.</summary>
    public required TypeSpec Type { get; init; }

    /// <summary>Property description.</summary>
    public string? Description { get; init; }

    /// <summary>The <c>default</c> value as JSON text, when given.</summary>
    public string? DefaultJson { get; init; }
}

/// <summary>A named schema in <c>components.schemas</c>.</summary>
public abstract record SchemaSpec
{
    /// <summary>The component name (= C# type name).</summary>
    public required string Name { get; init; }

    /// <summary>Schema title.</summary>
    public string? Title { get; init; }

    /// <summary>Schema description.</summary>
    public string? Description { get; init; }
}

/// <summary>An object schema.</summary>
public sealed record ObjectSchema : SchemaSpec
{
    /// <summary>Properties in schema order.</summary>
    public required IReadOnlyList<PropertySpec> Properties { get; init; }
}

/// <summary>A string enum schema.</summary>
public sealed record EnumSchema : SchemaSpec
{
    /// <summary>Wire values in schema order.</summary>
    public required IReadOnlyList<string> Values { get; init; }

    /// <summary><c>x-constants</c>: name of a generated class of string constants for the values (e.g. <c>Roles</c>).</summary>
    public string? ConstantsClass { get; init; }
}

/// <summary>A primitive alias schema (e.g. <c>Cid</c>, <c>Seq</c>), inlined wherever it is referenced.</summary>
public sealed record AliasSchema : SchemaSpec
{
    /// <summary>The aliased type with its constraints.</summary>
    public required TypeSpec Type { get; init; }
}

/// <summary>Direction of a message.</summary>
public enum Direction
{
    /// <summary>An event (server to client).</summary>
    ServerToClient,

    /// <summary>A command (client to server).</summary>
    ClientToServer,
}

/// <summary>A message in <c>components.messages</c>.</summary>
public sealed record MessageSpec
{
    /// <summary>The component key (PascalCase).</summary>
    public required string Key { get; init; }

    /// <summary>The wire name, e.g. <c>NEW_MESSAGE</c>.</summary>
    public required string WireName { get; init; }

    /// <summary>Event or command.</summary>
    public required Direction Direction { get; init; }

    /// <summary>Name of the payload schema (the <c>response</c>/<c>request</c> <c>$ref</c>).</summary>
    public required string PayloadSchema { get; init; }

    /// <summary>Title.</summary>
    public string? Title { get; init; }

    /// <summary>Summary.</summary>
    public string? Summary { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary><c>x-delivery</c> (events).</summary>
    public string? Delivery { get; init; }

    /// <summary><c>x-requirements</c>.</summary>
    public IReadOnlyList<string> Requirements { get; init; } = [];

    /// <summary><c>x-roles</c> (commands; empty = any role).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary><c>x-reply</c> (commands).</summary>
    public string? Reply { get; init; }

    /// <summary><c>x-error-reply</c> (commands; default ERROR).</summary>
    public string? ErrorReply { get; init; }

    /// <summary><c>x-errors</c> (commands): error names.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}

/// <summary>An entry of <c>x-error-codes</c> or <c>x-close-codes</c>.</summary>
public sealed record CodeSpec
{
    /// <summary>Numeric code.</summary>
    public required int Code { get; init; }

    /// <summary>Name, e.g. <c>MALFORMED_JSON</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Summary.</summary>
    public string? Summary { get; init; }

    /// <summary>Requirement id (error codes).</summary>
    public string? Requirement { get; init; }

    /// <summary>Whether a client should reconnect (close codes).</summary>
    public bool Retryable { get; init; }
}

/// <summary>An entry of <c>x-close-reasons</c>: the <c>reason</c> text of a CLOSE event.</summary>
public sealed record CloseReasonSpec
{
    /// <summary>Name, e.g. <c>TOKEN_MISSING</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The close code sent with it.</summary>
    public required int Code { get; init; }

    /// <summary>The reason text on the wire.</summary>
    public required string Reason { get; init; }

    /// <summary>Requirement id.</summary>
    public string? Requirement { get; init; }
}

/// <summary>The parts of <c>spec/asyncapi.yaml</c> the generator uses.</summary>
public sealed class ProtocolSpec
{
    private ProtocolSpec(
        IReadOnlyList<MessageSpec> messages,
        IReadOnlyDictionary<string, SchemaSpec> schemas,
        IReadOnlyList<SchemaSpec> schemaOrder,
        IReadOnlyList<CodeSpec> errorCodes,
        IReadOnlyList<CodeSpec> closeCodes,
        string subprotocol,
        IReadOnlyList<CloseReasonSpec> closeReasons)
    {
        Subprotocol = subprotocol;
        CloseReasons = closeReasons;
        Messages = messages;
        Schemas = schemas;
        SchemaOrder = schemaOrder;
        ErrorCodes = errorCodes;
        CloseCodes = closeCodes;
    }

    /// <summary>Messages in spec order.</summary>
    public IReadOnlyList<MessageSpec> Messages { get; }

    /// <summary>Schemas by name.</summary>
    public IReadOnlyDictionary<string, SchemaSpec> Schemas { get; }

    /// <summary>Schemas in spec order.</summary>
    public IReadOnlyList<SchemaSpec> SchemaOrder { get; }

    /// <summary><c>x-error-codes</c>.</summary>
    public IReadOnlyList<CodeSpec> ErrorCodes { get; }

    /// <summary><c>x-close-codes</c>.</summary>
    public IReadOnlyList<CodeSpec> CloseCodes { get; }

    /// <summary><c>x-subprotocol</c>: the WebSocket subprotocol of this version.</summary>
    public string Subprotocol { get; }

    /// <summary><c>x-close-reasons</c>.</summary>
    public IReadOnlyList<CloseReasonSpec> CloseReasons { get; }

    /// <summary>Parses the YAML text of an AsyncAPI document that follows the Switchboard conventions.</summary>
    /// <exception cref="InvalidDataException">The document breaks a convention; the message says where.</exception>
    public static ProtocolSpec Parse(string yaml) => Load(YamlToJson.Convert(yaml));

    /// <summary>Loads a spec already converted to JSON.</summary>
    /// <exception cref="InvalidDataException">The document breaks a convention; the message says where.</exception>
    public static ProtocolSpec Load(JsonNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var components = Obj(root, "components", "$");
        var rawSchemas = Obj(components, "schemas", "$.components");
        var rawMessages = Obj(components, "messages", "$.components");

        // Pass 1: aliases need to be known before properties are resolved.
        var schemaNodes = rawSchemas.Select(kv => (kv.Key, Node: kv.Value as JsonObject
            ?? throw Err($"$.components.schemas.{kv.Key}", "must be an object"))).ToList();
        foreach (var (name, _) in schemaNodes)
        {
            if (ReservedTypeNames.Contains(name) || (name.EndsWith("Extensions", StringComparison.Ordinal) && rawSchemas.ContainsKey(name[..^"Extensions".Length])))
            {
                throw Err($"$.components.schemas.{name}", "the name is reserved for a generated or hand-written type of Switchboard.Protocol");
            }
        }

        var schemas = new Dictionary<string, SchemaSpec>(StringComparer.Ordinal);
        var order = new List<SchemaSpec>();
        var loader = new SchemaLoader(schemaNodes.ToDictionary(x => x.Key, x => x.Node, StringComparer.Ordinal));
        foreach (var (name, node) in schemaNodes)
        {
            var spec = loader.LoadNamed(name, node);
            schemas[name] = spec;
            order.Add(spec);
        }

        var messages = new List<MessageSpec>();
        foreach (var (key, value) in rawMessages)
        {
            var path = $"$.components.messages.{key}";
            var m = value as JsonObject ?? throw Err(path, "must be an object");
            messages.Add(LoadMessage(key, m, path, schemas));
        }

        CheckUnique(messages.Where(m => m.Direction == Direction.ServerToClient).Select(m => m.WireName), "event name");
        CheckUnique(messages.Where(m => m.Direction == Direction.ClientToServer).Select(m => m.WireName), "command name");
        CheckUnique(messages.Select(m => m.PayloadSchema), "payload schema (each message needs its own XxxEvent/XxxCommand schema)");

        var errorCodes = LoadCodes(root, "x-error-codes");
        var closeCodes = LoadCodes(root, "x-close-codes");
        var errorNames = errorCodes.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var eventNames = messages.Where(m => m.Direction == Direction.ServerToClient).Select(m => m.WireName).ToHashSet(StringComparer.Ordinal);
        foreach (var m in messages.Where(m => m.Direction == Direction.ClientToServer))
        {
            foreach (var e in m.Errors)
            {
                if (!errorNames.Contains(e))
                {
                    throw Err($"$.components.messages.{m.Key}.x-errors", $"unknown error name '{e}'");
                }
            }

            foreach (var reply in new[] { m.Reply, m.ErrorReply })
            {
                if (reply is not null && !eventNames.Contains(reply))
                {
                    throw Err($"$.components.messages.{m.Key}", $"reply event '{reply}' is not a server-to-client message");
                }
            }
        }

        var subprotocol = root["x-subprotocol"] is JsonValue sp && sp.GetValueKind() == JsonValueKind.String
            ? sp.GetValue<string>()
            : throw Err("$", "has no 'x-subprotocol' string");
        var closeReasons = LoadCloseReasons(root, closeCodes);
        return new ProtocolSpec(messages, schemas, order, errorCodes, closeCodes, subprotocol, closeReasons);
    }

    private static MessageSpec LoadMessage(string key, JsonObject m, string path, Dictionary<string, SchemaSpec> schemas)
    {
        var wire = Str(m, "name") ?? throw Err(path, "has no 'name'");
        var dirText = Str(m, "x-direction") ?? throw Err(path, "has no 'x-direction'");
        var direction = dirText switch
        {
            "server-to-client" => Direction.ServerToClient,
            "client-to-server" => Direction.ClientToServer,
            _ => throw Err(path, $"x-direction '{dirText}' is not server-to-client or client-to-server"),
        };
        var payload = Obj(m, "payload", path);
        var props = payload["properties"] as JsonObject ?? throw Err(path + ".payload", "has no 'properties'");
        var (nameProp, bodyProp, suffix) = direction == Direction.ServerToClient
            ? ("event", "response", "Event")
            : ("command", "request", "Command");
        if (props[nameProp] is JsonObject c && Str(c, "const") is { } constName && constName != wire)
        {
            throw Err($"{path}.payload.properties.{nameProp}.const", $"'{constName}' differs from name '{wire}'");
        }

        var body = props[bodyProp] as JsonObject ?? throw Err($"{path}.payload.properties", $"has no '{bodyProp}'");
        var reference = Str(body, "$ref") ?? throw Err($"{path}.payload.properties.{bodyProp}", "must be a $ref to a components.schemas entry");
        var schemaName = RefName(reference, $"{path}.payload.properties.{bodyProp}");
        if (!schemas.TryGetValue(schemaName, out var schema) || schema is not ObjectSchema)
        {
            throw Err($"{path}.payload.properties.{bodyProp}", $"'{reference}' is not an object schema");
        }

        if (!schemaName.EndsWith(suffix, StringComparison.Ordinal))
        {
            throw Err($"{path}.payload.properties.{bodyProp}", $"payload schema '{schemaName}' must be named Xxx{suffix}");
        }

        var delivery = Str(m, "x-delivery");
        if (direction == Direction.ServerToClient && delivery is null)
        {
            throw Err(path, "event has no 'x-delivery'");
        }

        return new MessageSpec
        {
            Key = key,
            WireName = wire,
            Direction = direction,
            PayloadSchema = schemaName,
            Title = Str(m, "title"),
            Summary = Str(m, "summary"),
            Description = Str(m, "description"),
            Delivery = delivery,
            Requirements = StrList(m, "x-requirements"),
            Roles = StrList(m, "x-roles"),
            Reply = Str(m, "x-reply"),
            ErrorReply = Str(m, "x-error-reply"),
            Errors = StrList(m, "x-errors"),
        };
    }

    private static List<CodeSpec> LoadCodes(JsonNode root, string name)
    {
        var list = new List<CodeSpec>();
        if (root[name] is not JsonArray arr)
        {
            throw Err("$", $"has no '{name}' array");
        }

        for (var i = 0; i < arr.Count; i++)
        {
            var path = $"$.{name}[{i}]";
            var o = arr[i] as JsonObject ?? throw Err(path, "must be an object");
            list.Add(new CodeSpec
            {
                Code = (int)(Long(o, "code") ?? throw Err(path, "has no 'code'")),
                Name = Str(o, "name") ?? throw Err(path, "has no 'name'"),
                Summary = Str(o, "summary") ?? Str(o, "description"),
                Requirement = Str(o, "requirement"),
                Retryable = o["retryable"] is JsonValue v && v.TryGetValue<bool>(out var b) && b,
            });
        }

        CheckUnique(list.Select(c => c.Name), name + " name");
        CheckUnique(list.Select(c => c.Code.ToString(CultureInfo.InvariantCulture)), name + " code");
        return list;
    }

    private static List<CloseReasonSpec> LoadCloseReasons(JsonNode root, IReadOnlyList<CodeSpec> closeCodes)
    {
        if (root["x-close-reasons"] is not JsonArray arr)
        {
            throw Err("$", "has no 'x-close-reasons' array");
        }

        var codes = closeCodes.Select(c => c.Code).ToHashSet();
        var list = new List<CloseReasonSpec>();
        for (var i = 0; i < arr.Count; i++)
        {
            var path = $"$.x-close-reasons[{i}]";
            var o = arr[i] as JsonObject ?? throw Err(path, "must be an object");
            var code = (int)(Long(o, "code") ?? throw Err(path, "has no 'code'"));
            if (!codes.Contains(code))
            {
                throw Err(path, $"code {code} is not in x-close-codes");
            }

            list.Add(new CloseReasonSpec
            {
                Name = Str(o, "name") ?? throw Err(path, "has no 'name'"),
                Code = code,
                Reason = Str(o, "reason") ?? throw Err(path, "has no 'reason'"),
                Requirement = Str(o, "requirement"),
            });
        }

        CheckUnique(list.Select(c => c.Name), "x-close-reasons name");
        return list;
    }

    private sealed class SchemaLoader(Dictionary<string, JsonObject> nodes)
    {
        private readonly HashSet<string> _resolvingAliases = new(StringComparer.Ordinal);

        public SchemaSpec LoadNamed(string name, JsonObject node)
        {
            var path = $"$.components.schemas.{name}";
            var title = Str(node, "title");
            var description = Str(node, "description");
            if (node["enum"] is JsonArray values)
            {
                if (Str(node, "type") is not "string")
                {
                    throw Err(path, "enum schemas must be 'type: string'");
                }

                return new EnumSchema
                {
                    Name = name,
                    Title = title,
                    Description = description,
                    Values = values.Select((v, i) => v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s
                        : throw Err($"{path}.enum[{i}]", "must be a string")).ToList(),
                    ConstantsClass = Str(node, "x-constants"),
                };
            }

            if (Str(node, "type") is "object" || node["properties"] is not null)
            {
                var required = StrList(node, "required").ToHashSet(StringComparer.Ordinal);
                var props = new List<PropertySpec>();
                if (node["properties"] is JsonObject ps)
                {
                    foreach (var (wire, p) in ps)
                    {
                        var ppath = $"{path}.properties.{wire}";
                        var po = p as JsonObject ?? throw Err(ppath, "must be an object");
                        props.Add(new PropertySpec
                        {
                            WireName = wire,
                            Required = required.Contains(wire),
                            Type = Resolve(po, ppath),
                            Description = Str(po, "description") ?? RefDescription(po),
                            DefaultJson = po.ContainsKey("default") ? (po["default"]?.ToJsonString() ?? "null") : null,
                        });
                    }
                }

                foreach (var r in required)
                {
                    if (!props.Any(p => p.WireName == r))
                    {
                        throw Err(path + ".required", $"'{r}' is not a property");
                    }
                }

                if (props.Count(p => p.Required) > 64)
                {
                    throw Err(path, "more than 64 required properties are not supported");
                }

                return new ObjectSchema { Name = name, Title = title, Description = description, Properties = props };
            }

            return new AliasSchema { Name = name, Title = title, Description = description, Type = Resolve(node, path) };
        }

        private string? RefDescription(JsonObject po)
        {
            if (Str(po, "$ref") is { } r && nodes.TryGetValue(RefName(r, "$ref"), out var target) && target["enum"] is null && target["properties"] is null)
            {
                return Str(target, "description");
            }

            return null;
        }

        public TypeSpec Resolve(JsonObject node, string path)
        {
            var nullable = node["nullable"] is JsonValue nv && nv.TryGetValue<bool>(out var nb) && nb;
            if (node["oneOf"] is JsonArray oneOf || node["anyOf"] is JsonArray anyOf && (oneOf = anyOf) is not null)
            {
                // Only the "T or null" shape is supported.
                var branches = oneOf.OfType<JsonObject>().ToList();
                var nonNull = branches.Where(b => Str(b, "type") != "null").ToList();
                if (branches.Count != oneOf.Count || nonNull.Count != 1 || branches.Count - nonNull.Count > 1)
                {
                    throw Err(path, "oneOf/anyOf is only supported as [T, {type: 'null'}]");
                }

                return Resolve(nonNull[0], path) with { Nullable = branches.Count == 2 || nullable };
            }

            string? type;
            switch (node["type"])
            {
                case null:
                    type = null;
                    break;
                case JsonArray types:
                    var names = types.Select(t => t?.GetValue<string>() ?? "null").ToList();
                    nullable |= names.Remove("null");
                    if (names.Count != 1)
                    {
                        throw Err(path + ".type", "only [T, 'null'] type lists are supported");
                    }

                    type = names[0];
                    break;
                default:
                    type = Str(node, "type");
                    break;
            }

            if (Str(node, "$ref") is { } reference)
            {
                var target = RefName(reference, path);
                if (!nodes.TryGetValue(target, out var t))
                {
                    throw Err(path, $"$ref '{reference}' does not name a components.schemas entry");
                }

                if (t["enum"] is not null)
                {
                    return new TypeSpec { Kind = ValueKind.Enum, RefName = target, Nullable = nullable };
                }

                if (Str(t, "type") is "object" || t["properties"] is not null)
                {
                    return new TypeSpec { Kind = ValueKind.Object, RefName = target, Nullable = nullable };
                }

                if (!_resolvingAliases.Add(target))
                {
                    throw Err(path, $"alias '{target}' refers to itself");
                }

                try
                {
                    var aliased = Resolve(t, $"$.components.schemas.{target}");
                    return Constrain(aliased with { Nullable = aliased.Nullable || nullable }, node, path);
                }
                finally
                {
                    _resolvingAliases.Remove(target);
                }
            }

            if (node["enum"] is not null)
            {
                throw Err(path, "inline enums are not allowed; use a named enum schema and $ref");
            }

            if (node["properties"] is not null)
            {
                throw Err(path, "inline objects are not allowed; use a named schema and $ref");
            }

            var format = Str(node, "format");
            TypeSpec spec = type switch
            {
                null when node["const"] is JsonValue cv && cv.TryGetValue<string>(out _) => new TypeSpec { Kind = ValueKind.String },
                null => new TypeSpec { Kind = ValueKind.Any },
                "string" when format == "date-time" => new TypeSpec { Kind = ValueKind.DateTime },
                "string" => new TypeSpec { Kind = ValueKind.String },
                "integer" when format == "int32" => new TypeSpec { Kind = ValueKind.Int32 },
                "integer" => new TypeSpec { Kind = ValueKind.Int64 },
                "number" => new TypeSpec { Kind = ValueKind.Number },
                "boolean" => new TypeSpec { Kind = ValueKind.Boolean },
                "array" => new TypeSpec
                {
                    Kind = ValueKind.Array,
                    Items = node["items"] is JsonObject items ? Resolve(items, path + ".items") : new TypeSpec { Kind = ValueKind.Any },
                },
                "object" => throw Err(path, "inline objects are not allowed; use a named schema and $ref"),
                _ => throw Err(path, $"unsupported type '{type}'"),
            };

            return Constrain(spec with { Nullable = nullable }, node, path);
        }

        private static TypeSpec Constrain(TypeSpec spec, JsonObject node, string path)
        {
            var minLength = Long(node, spec.Kind == ValueKind.Array ? "minItems" : "minLength");
            var maxLength = Long(node, spec.Kind == ValueKind.Array ? "maxItems" : "maxLength");
            var minimum = Long(node, "minimum");
            var maximum = Long(node, "maximum");
            var pattern = Str(node, "pattern");
            var constant = node["const"] is JsonValue cv && cv.TryGetValue<string>(out var cs) ? cs : null;
            if (pattern is not null && spec.Kind != ValueKind.String)
            {
                throw Err(path, "pattern is only supported on strings");
            }

            return spec with
            {
                MinLength = minLength ?? spec.MinLength,
                MaxLength = maxLength ?? spec.MaxLength,
                Minimum = minimum ?? spec.Minimum,
                Maximum = maximum ?? spec.Maximum,
                Pattern = pattern ?? spec.Pattern,
                Const = constant ?? spec.Const,
            };
        }
    }

    /// <summary>Type names in namespace Switchboard.Protocol that schemas must not take.</summary>
    private static readonly HashSet<string> ReservedTypeNames = new(StringComparer.Ordinal)
    {
        "EventNames", "CommandNames", "ErrorCode", "ErrorCodes", "CloseCode", "CloseCodes", "CommandMetadata", "EventMetadata",
        "SwitchboardJsonContext", "CommandDescriptor", "EventDescriptor", "DeliveryClass", "ErrorReplies", "SwitchboardException",
        "IServerEvent", "IClientCommand", "WireProtocol", "CloseReasons", "Roles", "Namespaces",
    };

    private static string RefName(string reference, string path)
    {
        const string Prefix = "#/components/schemas/";
        return reference.StartsWith(Prefix, StringComparison.Ordinal)
            ? reference[Prefix.Length..]
            : throw Err(path, $"$ref '{reference}' must point into #/components/schemas/");
    }

    private static void CheckUnique(IEnumerable<string> values, string what)
    {
        var dup = values.GroupBy(v => v, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidDataException($"Duplicate {what}: '{dup.Key}'.");
        }
    }

    private static JsonObject Obj(JsonNode parent, string name, string path) =>
        parent[name] as JsonObject ?? throw Err(path, $"has no '{name}' object");

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Long(JsonObject o, string name)
    {
        if (o[name] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        return v.TryGetValue<long>(out var l) ? l : (long)v.GetValue<double>();
    }

    private static List<string> StrList(JsonObject o, string name) => o[name] switch
    {
        JsonArray a => a.Select(x => x?.GetValue<string>() ?? string.Empty).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private static InvalidDataException Err(string path, string message) => new($"{path}: {message}.");
}

namespace Switchboard.SpecGen;

/// <summary>
/// Emits <c>src/Client/Generated/</c>: the typed command methods of <c>SwitchboardClient</c>, one per command with a
/// reply (as gRPC generates client stubs). Each method builds the generated command type from its parameters (the
/// command's properties in schema order, optional ones defaulted) and returns the typed reply of <c>x-reply</c> through
/// the hand-written <c>InvokeAsync</c>, which owns correlation, timeouts, errors and room tracking.
/// </summary>
public static class ClientEmitter
{
    /// <summary>The output folder, relative to the repository root.</summary>
    public const string OutputFolder = "src/Client/Generated";

    /// <summary>
    /// Commands whose client method stays hand-written in <c>src/Client/SwitchboardClient.Commands.cs</c>, with the reason.
    /// Each still has to exist with the reply type the spec names (a client test checks every command).
    /// </summary>
    public static IReadOnlyDictionary<string, string> HandWritten { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["RECEIVED"] = "sent by the client itself (automatic confirmation and AcknowledgeAsync), never by the application",
        ["SEND_PRIVATE_MESSAGE"] = "the recipient's namespace is a string (SwitchboardNamespaces), as in the client options",
        ["SET_TIMER"] = "the delay is a TimeSpan checked against 1 ms .. 24 h, not milliseconds",
    };

    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "namespace", "object", "string", "event", "params", "class", "base", "this", "operator", "checked", "fixed", "lock", "out", "ref", "in", "is", "as", "default",
    };

    /// <summary>Generates the client files; keys are paths relative to <see cref="OutputFolder"/>.</summary>
    public static SortedDictionary<string, string> Emit(ProtocolSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var events = spec.Messages.Where(m => m.Direction == Direction.ServerToClient).ToDictionary(m => m.WireName, StringComparer.Ordinal);
        var w = new CodeWriter();
        w.Line(CSharpEmitter.Header);
        w.Line("#nullable enable");
        w.Line();
        w.Line("using Switchboard.Protocol;");
        w.Line();
        w.Line("namespace Switchboard.Client;");
        w.Line();
        w.Line("// One typed method per command of the spec that has a reply (x-reply); hand-written exceptions are listed in");
        w.Line("// tools/Switchboard.SpecGen/ClientEmitter.cs (HandWritten) and live in SwitchboardClient.Commands.cs.");
        w.Open("public sealed partial class SwitchboardClient");
        var first = true;
        foreach (var command in spec.Messages.Where(m => m.Direction == Direction.ClientToServer))
        {
            if (command.Reply is null || HandWritten.ContainsKey(command.WireName))
            {
                continue;
            }

            if (!events.TryGetValue(command.Reply, out var reply))
            {
                throw new InvalidDataException($"{command.Key}: x-reply '{command.Reply}' is not a server-to-client message.");
            }

            if (!first)
            {
                w.Line();
            }

            first = false;
            EmitMethod(w, command, (ObjectSchema)spec.Schemas[command.PayloadSchema], reply);
        }

        w.Close();
        return new SortedDictionary<string, string>(StringComparer.Ordinal) { ["SwitchboardClient.Commands.g.cs"] = w.ToString() };
    }

    private static void EmitMethod(CodeWriter w, MessageSpec command, ObjectSchema payload, MessageSpec reply)
    {
        // Required parameters first (C# requires it), each group in schema order.
        var properties = payload.Properties.Where(p => p.Required).Concat(payload.Properties.Where(p => !p.Required)).ToList();
        var summary = $"`{command.WireName}`: {command.Summary ?? command.Title ?? command.WireName}";
        if (command.Roles.Count > 0)
        {
            summary += $" Roles: {string.Join(", ", command.Roles)}.";
        }

        w.Doc("summary", summary);
        foreach (var p in properties)
        {
            var text = p.Description ?? p.WireName;
            w.Line($"/// <param name=\"{ParameterName(p)}\">{Naming.DocText(OneLine(text))}</param>");
        }

        w.Line("/// <param name=\"cancellationToken\">Cancels waiting for the connection and the reply.</param>");
        w.Line($"/// <returns>The <c>{reply.WireName}</c> reply.</returns>");
        if (command.Errors.Count > 0)
        {
            w.Line($"/// <exception cref=\"SwitchboardException\">The server refused it, e.g. with {string.Join(", ", command.Errors.Select(e => $"<c>{e}</c>"))}.</exception>");
        }

        var parameters = properties.Select(p => $"{ParameterType(p)} {Identifier(ParameterName(p))}{DefaultValue(p)}")
            .Append("CancellationToken cancellationToken = default");
        var initializers = properties.Select(p => $"{MemberName(payload, p)} = {Identifier(ParameterName(p))}");
        var body = properties.Count == 0
            ? $"new {payload.Name}()"
            : $"new {payload.Name} {{ {string.Join(", ", initializers)} }}";
        w.Line($"public ValueTask<{reply.PayloadSchema}> {Naming.Pascal(command.WireName)}Async({string.Join(", ", parameters)}) =>");
        w.Line($"    InvokeAsync<{reply.PayloadSchema}>({body}, cancellationToken);");
    }

    private static string ParameterName(PropertySpec p)
    {
        var pascal = Naming.Pascal(p.WireName);
        return char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }

    private static string Identifier(string name) => s_keywords.Contains(name) ? "@" + name : name;

    /// <summary>Optional booleans with a schema default become plain <c>bool</c> parameters with that default; other optional values default to null.</summary>
    private static string ParameterType(PropertySpec p)
    {
        var type = CsType(p.Type);
        if (p.Required)
        {
            return p.Type.Nullable && p.Type.Kind != ValueKind.Any ? type + "?" : type;
        }

        return p.Type.Kind == ValueKind.Boolean && p.DefaultJson is "true" or "false" ? type : type + "?";
    }

    private static string DefaultValue(PropertySpec p)
    {
        if (p.Required)
        {
            return string.Empty;
        }

        return p.Type.Kind == ValueKind.Boolean && p.DefaultJson is "true" or "false" ? " = " + p.DefaultJson : " = null";
    }

    /// <summary>The C# type of a value, as <see cref="CSharpEmitter"/> generates it.</summary>
    private static string CsType(TypeSpec t) => t.Kind switch
    {
        ValueKind.String => "string",
        ValueKind.DateTime => "DateTimeOffset",
        ValueKind.Int64 => "long",
        ValueKind.Int32 => "int",
        ValueKind.Number => "double",
        ValueKind.Boolean => "bool",
        ValueKind.Object or ValueKind.Enum => t.RefName!,
        ValueKind.Array => $"IReadOnlyList<{CsType(t.Items!)}>",
        ValueKind.Any => "System.Text.Json.JsonElement",
        _ => throw new InvalidOperationException(t.Kind.ToString()),
    };

    /// <summary>The C# member name of a property, as <see cref="CSharpEmitter"/> generates it.</summary>
    private static string MemberName(ObjectSchema o, PropertySpec p)
    {
        var name = Naming.Pascal(p.WireName);
        return name == o.Name || name is "EventName" or "CommandName" ? name + "Value" : name;
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

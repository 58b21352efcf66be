using System.Globalization;

namespace Switchboard.SpecGen;

/// <summary>
/// Emits <c>conformance/Switchboard.Conformance/Core/Wire.g.cs</c>: the wire names and numbers the black-box suite uses
/// (subprotocol, event and command names, error codes, close codes and reasons). The suite stays independent of the
/// implementation's assembly (it does not reference <c>Switchboard.Protocol</c>) yet spells nothing by hand: every
/// value comes from the spec through this generator.
/// </summary>
public static class ConformanceEmitter
{
    /// <summary>The output folder, relative to the repository root.</summary>
    public const string OutputFolder = "conformance/Switchboard.Conformance/Core";

    /// <summary>Generates the file; the key is a path relative to <see cref="OutputFolder"/>.</summary>
    public static SortedDictionary<string, string> Emit(ProtocolSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var w = new CodeWriter();
        w.Line(CSharpEmitter.Header);
        w.Line("#nullable enable");
        w.Line();
        w.Line("namespace Switchboard.Conformance.Core;");
        w.Line();
        w.Line("#pragma warning disable CS1591 // self-describing wire names");
        w.Line();

        var events = spec.Messages.Where(m => m.Direction == Direction.ServerToClient).ToList();
        var eventNames = events.Select(m => m.WireName).ToHashSet(StringComparer.Ordinal);
        w.Doc("summary", "Wire names used by the cases, from the spec. A command named like an event is prefixed <c>Cmd</c> (<c>CmdEcho</c>).", escape: false);
        w.Open("public static class Wire");
        w.Line($"public const string Subprotocol = {Naming.Literal(spec.Subprotocol)};");
        w.Line();
        w.Line("// Events");
        foreach (var m in events)
        {
            w.Line($"public const string {Naming.Pascal(m.WireName)} = {Naming.Literal(m.WireName)};");
        }

        w.Line();
        w.Line("// Commands");
        foreach (var m in spec.Messages.Where(m => m.Direction == Direction.ClientToServer))
        {
            var name = (eventNames.Contains(m.WireName) ? "Cmd" : string.Empty) + Naming.Pascal(m.WireName);
            w.Line($"public const string {name} = {Naming.Literal(m.WireName)};");
        }

        w.Close();
        w.Line();

        w.Doc("summary", "Error codes (response.code of ERROR / SEND_MESSAGE_ERROR / TRANSFER_ERROR).");
        w.Open("public static class Err");
        foreach (var c in spec.ErrorCodes)
        {
            w.Line($"public const int {Naming.Pascal(c.Name)} = {Num(c.Code)};");
        }

        w.Line();
        w.Doc("summary", "Registry names by code.");
        w.Line("public static readonly IReadOnlyDictionary<int, string> Names = new Dictionary<int, string>");
        w.Open();
        foreach (var c in spec.ErrorCodes)
        {
            w.Line($"[{Num(c.Code)}] = {Naming.Literal(c.Name)},");
        }

        w.Close(";");
        w.Close();
        w.Line();

        w.Doc("summary", "WebSocket close codes (the CLOSE event carries the same code).");
        w.Open("public static class CloseCodes");
        foreach (var c in spec.CloseCodes)
        {
            w.Line($"public const int {Naming.Pascal(c.Name)} = {Num(c.Code)};");
        }

        w.Line();
        w.Doc("summary", "Registry value of <c>retryable</c> per close code.", escape: false);
        w.Line("public static readonly IReadOnlyDictionary<int, bool> Retryable = new Dictionary<int, bool>");
        w.Open();
        foreach (var c in spec.CloseCodes)
        {
            w.Line($"[{Num(c.Code)}] = {(c.Retryable ? "true" : "false")},");
        }

        w.Close(";");
        w.Close();
        w.Line();

        w.Doc("summary", "The <c>reason</c> texts of CLOSE events.", escape: false);
        w.Open("public static class CloseReasons");
        foreach (var r in spec.CloseReasons)
        {
            w.Line($"public const string {Naming.Pascal(r.Name)} = {Naming.Literal(r.Reason)};");
        }

        w.Close();
        return new SortedDictionary<string, string>(StringComparer.Ordinal) { ["Wire.g.cs"] = w.ToString() };
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}

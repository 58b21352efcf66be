using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Cases;

/// <summary>Shared building blocks for case definitions.</summary>
internal static partial class CaseKit
{
    /// <summary>
    /// Defines a case. The capabilities it needs follow from its requirement ids; <paramref name="uses"/> adds the
    /// capabilities of features it only uses to observe them.
    /// </summary>
    public static ConformanceCase Define(
        string id,
        string profile,
        string title,
        string expectation,
        string[] requirements,
        Func<CaseContext, Task> body,
        RequirementLevel level = RequirementLevel.Must,
        SnapshotMode snapshot = SnapshotMode.Ordered,
        string[]? uses = null)
        => new()
        {
            Id = id,
            Profile = profile,
            Title = title,
            Expectation = expectation,
            Requirements = requirements,
            Body = body,
            Level = level,
            Snapshot = snapshot,
            // A non-core profile whose ids are all core (ns.group-isolated: SB-NS-002 observed with group messages)
            // uses the profile's feature; the tests check after each run that it really does.
            Uses = uses ?? (profile != Profiles.Core && !Spec.RequirementCapabilities.ForRequirements(requirements).Contains(profile) ? [profile] : []),
        };

    /// <summary>Builds a JSON object from pairs.</summary>
    public static JsonObject Obj(params (string Key, JsonNode? Value)[] pairs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in pairs)
        {
            o[k] = v;
        }

        return o;
    }

    /// <summary>Requires the connection to still work: an ECHO with a cid is answered.</summary>
    public static async Task AssertStillOpenAsync(CaseContext ctx, WsSession s)
    {
        var reply = await s.RequestAsync(Wire.CmdEcho, Obj(("data", "still-open"))).ConfigureAwait(false);
        ctx.Require(reply.Event == Wire.Echo && reply.Str("data") == "still-open", $"{s.Label} stays open and answers ECHO after the error", reply.Text);
    }

    /// <summary>Requires an RFC 3339 UTC timestamp with milliseconds at <paramref name="path"/>.</summary>
    public static void RequireTimestamp(CaseContext ctx, Frame f, string path)
    {
        var v = f.Str(path);
        ctx.Require(v is not null && TimestampRegex().IsMatch(v), $"response.{path} is an RFC 3339 UTC timestamp with milliseconds (2026-11-23T05:30:00.123Z)", v ?? f.Text);
    }

    /// <summary>Requires a UserRef with the given id (and role if given).</summary>
    public static void RequireUser(CaseContext ctx, Frame f, string path, string id, string? role = null)
    {
        ctx.Require(f.Str(path + ".id") == id, $"response.{path}.id = \"{id}\"", f.Text);
        ctx.Require(f.Str(path + ".name") is { Length: > 0 }, $"response.{path}.name is a non-empty string", f.Text);
        if (role is not null)
        {
            ctx.Require(f.Str(path + ".role") == role, $"response.{path}.role = \"{role}\"", f.Text);
        }
    }

    /// <summary>Requires a non-empty string at a path.</summary>
    public static string RequireString(CaseContext ctx, Frame f, string path)
    {
        var v = f.Str(path);
        ctx.Require(!string.IsNullOrEmpty(v), $"response.{path} is a non-empty string", f.Text);
        return v!;
    }

    /// <summary>Requires an integer at a path.</summary>
    public static long RequireInt(CaseContext ctx, Frame f, string path)
    {
        var v = f.Int(path);
        ctx.Require(v is not null, $"response.{path} is an integer", f.Text);
        return v!.Value;
    }

    /// <summary>Connects a user with a role; shorthand.</summary>
    public static Task<WsSession> Visitor(CaseContext ctx, string name = "visitor", string ns = "web") => ctx.ConnectAsync(name, "visitor", ns);

    /// <summary>Connects an agent.</summary>
    public static Task<WsSession> Agent(CaseContext ctx, string name = "agent", string ns = "web") => ctx.ConnectAsync(name, "agent", ns);

    /// <summary>Whether the raw frame text lists the envelope properties in writer order (event, cid, seq, response).</summary>
    public static bool HasWriterOrder(string text)
    {
        using var doc = JsonDocument.Parse(text);
        var order = new List<string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            order.Add(p.Name);
        }

        string[] expected = ["event", "cid", "seq", "response"];
        var filtered = order.Where(expected.Contains).ToList();
        var wanted = expected.Where(filtered.Contains).ToList();
        return filtered.SequenceEqual(wanted);
    }

    /// <summary>Formats an integer invariantly.</summary>
    public static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex TimestampRegex();
}

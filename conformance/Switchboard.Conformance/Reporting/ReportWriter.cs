using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Reporting;

/// <summary>Writes <c>report.json</c> (Autobahn-style index) and <c>report.md</c> (human report).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Wire name of a verdict (<c>OK</c>, <c>NON-STRICT</c>, ...).</summary>
    public static string Name(Verdict v) => v switch
    {
        Verdict.Ok => "OK",
        Verdict.NonStrict => "NON-STRICT",
        Verdict.Failed => "FAILED",
        Verdict.Unimplemented => "UNIMPLEMENTED",
        _ => "INFORMATIONAL",
    };

    /// <summary>Builds the JSON report.</summary>
    public static JsonObject BuildJson(ConformanceOptions options, ServerInfo server, IReadOnlyList<CaseResult> results, DateTimeOffset startedAt)
    {
        var summary = new JsonObject();
        foreach (var v in Enum.GetValues<Verdict>())
        {
            summary[Name(v)] = results.Count(r => r.Verdict == v);
        }

        var cases = new JsonObject();
        foreach (var r in results)
        {
            var o = new JsonObject
            {
                ["verdict"] = Name(r.Verdict),
                ["duration_ms"] = Math.Round(r.Duration.TotalMilliseconds),
                ["title"] = r.Case.Title,
                ["profile"] = r.Case.Profile,
                ["level"] = r.Case.Level == RequirementLevel.Must ? "MUST" : "SHOULD",
                ["capability"] = r.Case.Capability,
                ["requirements"] = new JsonArray([.. r.Case.Requirements.Select(x => (JsonNode?)JsonValue.Create(x))]),
            };
            if (r.Verdict != Verdict.Ok)
            {
                o["expectation"] = r.Expectation ?? r.Case.Expectation;
                o["received"] = r.Received;
                o["notes"] = new JsonArray([.. r.Notes.Select(n => (JsonNode?)JsonValue.Create(n))]);
                o["wire_log"] = new JsonArray([.. r.WireLog.Select(e => (JsonNode?)new JsonObject
                {
                    ["conn"] = e.Connection,
                    ["dir"] = e.Direction.ToString(),
                    ["t_ms"] = e.OffsetMs,
                    ["text"] = e.Text,
                })]);
            }

            cases[r.Case.Id] = o;
        }

        return new JsonObject
        {
            ["suite"] = "switchboard-conformance",
            ["started_at"] = startedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["url"] = options.WebSocketUrl.ToString(),
            ["backend_url"] = options.BackendUrl.ToString(),
            ["server"] = server.Server,
            ["capabilities"] = new JsonArray([.. server.Capabilities.Order(StringComparer.Ordinal).Select(c => (JsonNode?)JsonValue.Create(c))]),
            ["summary"] = summary,
            ["cases"] = cases,
        };
    }

    /// <summary>Builds the Markdown report.</summary>
    public static string BuildMarkdown(ConformanceOptions options, ServerInfo server, IReadOnlyList<CaseResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Switchboard conformance report").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Server: `{server.Server}` at `{options.WebSocketUrl}` (backend `{options.BackendUrl}`)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Capabilities: {string.Join(", ", server.Capabilities.Order(StringComparer.Ordinal))}");
        var counts = string.Join(", ", Enum.GetValues<Verdict>().Select(v => $"{Name(v)} {results.Count(r => r.Verdict == v)}"));
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Cases: {results.Count}; {counts}");
        sb.AppendLine().AppendLine("| case | profile | level | verdict | ms | requirements |").AppendLine("|---|---|---|---|---:|---|");
        foreach (var r in results)
        {
            var verdict = r.Verdict == Verdict.Ok ? "OK" : $"**{Name(r.Verdict)}**";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| [`{r.Case.Id}`](#{Anchor(r.Case.Id)}) | {r.Case.Profile} | {(r.Case.Level == RequirementLevel.Must ? "MUST" : "SHOULD")} | {verdict} | {r.Duration.TotalMilliseconds:F0} | {string.Join(", ", r.Case.Requirements)} |");
        }

        foreach (var r in results.Where(r => r.Verdict != Verdict.Ok))
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"## {r.Case.Id}");
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"**{Name(r.Verdict)}** — {r.Case.Title}");
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"- Spec: {string.Join(", ", r.Case.Requirements)} ({(r.Case.Level == RequirementLevel.Must ? "MUST" : "SHOULD")})");
            sb.AppendLine(CultureInfo.InvariantCulture, $"- The case: {r.Case.Expectation}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"- Expected: {r.Expectation}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"- Received: {r.Received}");
            foreach (var n in r.Notes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- Note: {n}");
            }

            if (r.WireLog.Count > 0)
            {
                sb.AppendLine().AppendLine("```text").Append(WireLog.Format(r.WireLog)).AppendLine("```");
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes both reports into <paramref name="directory"/>.</summary>
    public static async Task WriteAsync(string directory, ConformanceOptions options, ServerInfo server, IReadOnlyList<CaseResult> results, DateTimeOffset startedAt, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), BuildJson(options, server, results, startedAt).ToJsonString(Indented), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), BuildMarkdown(options, server, results), cancellationToken).ConfigureAwait(false);
    }

    private static string Anchor(string id) => id.Replace(".", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}

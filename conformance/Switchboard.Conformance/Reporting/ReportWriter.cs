using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Reporting;

/// <summary>Everything the reports show about one run.</summary>
public sealed class RunReport
{
    private IReadOnlyList<NotExercisedEntry>? _notExercised;

    /// <summary>Suite options of the run.</summary>
    public required ConformanceOptions Options { get; init; }

    /// <summary>The probed server.</summary>
    public required ServerInfo Server { get; init; }

    /// <summary>Results of the cases that ran, in run order.</summary>
    public required IReadOnlyList<CaseResult> Results { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Catalog cases not run, with the reason (not selected, skipped, cancelled).</summary>
    public IReadOnlyDictionary<string, string> NotRun { get; init; } = new Dictionary<string, string>();

    /// <summary>MUST/SHOULD ids not exercised in this run, and why.</summary>
    public IReadOnlyList<NotExercisedEntry> NotExercised => _notExercised ??= Reporting.NotExercised.Compute(Results, NotRun);

    /// <summary>Count of results with a verdict.</summary>
    public int Count(Verdict v) => Results.Count(r => r.Verdict == v);
}

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
    public static JsonObject BuildJson(RunReport report)
    {
        var (options, server, results, startedAt) = (report.Options, report.Server, report.Results, report.StartedAt);
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
                ["capability"] = r.Case.Capabilities.Count == 0 ? null : string.Join(", ", r.Case.Capabilities.Order(StringComparer.Ordinal)),
                ["capabilities"] = new JsonArray([.. r.Case.Capabilities.Order(StringComparer.Ordinal).Select(x => (JsonNode?)JsonValue.Create(x))]),
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
            ["not_exercised"] = NotExercisedJson(report.NotExercised),
        };
    }

    /// <summary>Builds the Markdown report.</summary>
    public static string BuildMarkdown(RunReport report)
    {
        var (options, server, results) = (report.Options, report.Server, report.Results);
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

        AppendNotExercised(sb, report.NotExercised);
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

    /// <summary>Writes <c>report.json</c> and <c>report.md</c> into <paramref name="directory"/>.</summary>
    public static async Task WriteAsync(string directory, RunReport report, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), BuildJson(report).ToJsonString(Indented), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), BuildMarkdown(report), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The not-exercised list as JSON: <c>{profile: [{id, level, reason}]}</c> (every profile present).</summary>
    public static JsonObject NotExercisedJson(IReadOnlyList<NotExercisedEntry> entries)
    {
        var o = new JsonObject();
        foreach (var profile in Profiles.All)
        {
            o[profile] = new JsonArray([.. entries.Where(e => e.Profile == profile).Select(e => (JsonNode?)new JsonObject
            {
                ["id"] = e.Id,
                ["level"] = e.Level,
                ["reason"] = e.Reason,
            })]);
        }

        return o;
    }

    private static void AppendNotExercised(StringBuilder sb, IReadOnlyList<NotExercisedEntry> entries)
    {
        sb.AppendLine().AppendLine("## Not exercised").AppendLine();
        sb.AppendLine("MUST and SHOULD requirements no case judged in this run, per profile, with the reason.").AppendLine();
        foreach (var profile in Profiles.All)
        {
            var mine = entries.Where(e => e.Profile == profile).ToList();
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {profile} ({mine.Count})").AppendLine();
            if (mine.Count == 0)
            {
                sb.AppendLine("Every MUST and SHOULD id of this profile was exercised.").AppendLine();
                continue;
            }

            sb.AppendLine("| id | level | why |").AppendLine("|---|---|---|");
            foreach (var e in mine)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {e.Id} | {e.Level} | {e.Reason.Replace("|", "\\|", StringComparison.Ordinal)} |");
            }

            sb.AppendLine();
        }
    }

    private static string Anchor(string id) => id.Replace(".", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}

using System.Globalization;
using System.Net;
using System.Text;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Reporting;

/// <summary>
/// One self-contained HTML file (inline CSS and a few lines of inline JS, no external assets): the run's summary
/// per profile, the not-exercised list, every case in a table filterable by verdict, profile and text, and each
/// non-OK case with its wire log. Everything that comes from the server (and every other text) is HTML-escaped.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
        table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
        th{background:#f3f3f3}.OK{color:#186a18}.FAILED{color:#b00;font-weight:bold}.NON-STRICT{color:#a60}.UNIMPLEMENTED{color:#666}.INFORMATIONAL{color:#05a}
        pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap}
        .filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}.num{text-align:right}
        """;

    private const string Script = """
        function applyFilter(){
          var v=document.getElementById('f-verdict').value,p=document.getElementById('f-profile').value,t=document.getElementById('f-text').value.toLowerCase();
          document.querySelectorAll('[data-verdict]').forEach(function(e){
            var ok=(!v||e.dataset.verdict===v)&&(!p||e.dataset.profile===p)&&(!t||e.textContent.toLowerCase().indexOf(t)>=0);
            e.style.display=ok?'':'none';
          });
        }
        document.querySelectorAll('.filters select,.filters input').forEach(function(e){e.addEventListener('input',applyFilter);});
        """;

    /// <summary>Builds the page.</summary>
    public static string Build(RunReport report)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard conformance report</title><style>")
            .Append(Style).Append("</style></head><body>\n");
        sb.Append("<h1>Switchboard conformance report</h1>\n<ul>");
        sb.Append(CultureInfo.InvariantCulture, $"<li>Server: <code>{E(report.Server.Server)}</code> at {E(string.Join(", ", report.Options.WebSocketUrls))} (backend {E(report.Options.BackendUrl.ToString())})</li>");
        sb.Append(CultureInfo.InvariantCulture, $"<li>Capabilities: {E(string.Join(", ", report.Server.Capabilities.Order(StringComparer.Ordinal)))}</li>");
        sb.Append(CultureInfo.InvariantCulture, $"<li>Started: {E(report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}; cases run: {report.Results.Count}</li></ul>\n");

        // Summary per profile.
        var verdicts = Enum.GetValues<Verdict>();
        sb.Append("<h2 id=\"summary\">Summary per profile</h2>\n<table><tr><th>profile</th>");
        foreach (var v in verdicts)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<th class=\"{ReportWriter.Name(v)}\">{ReportWriter.Name(v)}</th>");
        }

        sb.Append("<th>not exercised</th></tr>\n");
        foreach (var profile in Profiles.All.Append("total"))
        {
            var results = profile == "total" ? report.Results : report.Results.Where(r => r.Case.Profile == profile).ToList();
            var missing = profile == "total" ? report.NotExercised.Count : report.NotExercised.Count(e => e.Profile == profile);
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(profile)}</th>");
            foreach (var v in verdicts)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{results.Count(r => r.Verdict == v)}</td>");
            }

            sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{missing}</td></tr>\n");
        }

        sb.Append("</table>\n");

        // Filters.
        sb.Append("<div class=\"filters\">Filter: <select id=\"f-verdict\"><option value=\"\">every verdict</option>");
        foreach (var v in verdicts)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option>{ReportWriter.Name(v)}</option>");
        }

        sb.Append("</select> <select id=\"f-profile\"><option value=\"\">every profile</option>");
        foreach (var p in Profiles.All)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option>{E(p)}</option>");
        }

        sb.Append("</select> <input id=\"f-text\" type=\"search\" placeholder=\"case id, spec id, text\"></div>\n");

        // Cases.
        sb.Append("<h2 id=\"cases\">Cases</h2>\n<table><tr><th>case</th><th>profile</th><th>level</th><th>verdict</th><th>ms</th><th>requirements</th><th>title</th></tr>\n");
        foreach (var r in report.Results)
        {
            var name = ReportWriter.Name(r.Verdict);
            var id = r.Verdict == Verdict.Ok ? E(r.Case.Id) : $"<a href=\"#case-{E(r.Case.Id)}\">{E(r.Case.Id)}</a>";
            sb.Append(CultureInfo.InvariantCulture, $"<tr data-verdict=\"{name}\" data-profile=\"{E(r.Case.Profile)}\"><td>{id}</td><td>{E(r.Case.Profile)}</td><td>{Level(r.Case.Level)}</td><td class=\"{name}\">{name}</td><td class=\"num\">{r.Duration.TotalMilliseconds:F0}</td><td>{E(string.Join(", ", r.Case.Requirements))}</td><td>{E(r.Case.Title)}</td></tr>\n");
        }

        sb.Append("</table>\n");

        // Not exercised.
        sb.Append("<h2 id=\"not-exercised\">Not exercised</h2>\n<p>MUST and SHOULD requirements no case judged in this run, per profile, with the reason.</p>\n");
        foreach (var profile in Profiles.All)
        {
            var mine = report.NotExercised.Where(e => e.Profile == profile).ToList();
            sb.Append(CultureInfo.InvariantCulture, $"<h3>{E(profile)} ({mine.Count})</h3>\n");
            if (mine.Count == 0)
            {
                sb.Append("<p>Every MUST and SHOULD id of this profile was exercised.</p>\n");
                continue;
            }

            sb.Append("<table><tr><th>id</th><th>level</th><th>why</th></tr>\n");
            foreach (var e in mine)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr data-verdict=\"NOT-EXERCISED\" data-profile=\"{E(profile)}\"><td>{E(e.Id)}</td><td>{E(e.Level)}</td><td>{E(e.Reason)}</td></tr>\n");
            }

            sb.Append("</table>\n");
        }

        // Non-OK cases with their wire logs.
        sb.Append("<h2 id=\"details\">Cases that are not OK</h2>\n");
        foreach (var r in report.Results.Where(r => r.Verdict != Verdict.Ok))
        {
            var name = ReportWriter.Name(r.Verdict);
            sb.Append(CultureInfo.InvariantCulture, $"<section id=\"case-{E(r.Case.Id)}\" data-verdict=\"{name}\" data-profile=\"{E(r.Case.Profile)}\"><h3>{E(r.Case.Id)} <span class=\"{name}\">{name}</span></h3>\n<ul>");
            sb.Append(CultureInfo.InvariantCulture, $"<li>{E(r.Case.Title)}</li><li>Spec: {E(string.Join(", ", r.Case.Requirements))} ({Level(r.Case.Level)})</li>");
            sb.Append(CultureInfo.InvariantCulture, $"<li>The case: {E(r.Case.Expectation)}</li><li>Expected: {E(r.Expectation)}</li><li>Received: {E(r.Received)}</li>");
            foreach (var n in r.Notes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<li>Note: {E(n)}</li>");
            }

            sb.Append("</ul>\n");
            if (r.WireLog.Count > 0)
            {
                sb.Append("<pre>").Append(E(WireLog.Format(r.WireLog))).Append("</pre>\n");
            }

            sb.Append("</section>\n");
        }

        sb.Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the page to <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, RunReport report, CancellationToken cancellationToken = default)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllTextAsync(path, Build(report), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
    }

    private static string Level(RequirementLevel level) => level == RequirementLevel.Must ? "MUST" : "SHOULD";

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
}

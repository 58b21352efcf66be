using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Reporting;

/// <summary>
/// JUnit XML in the shape CI servers read (Jenkins, GitLab, GitHub test reporters, Azure DevOps):
/// <c>testsuites</c> → one <c>testsuite</c> per profile → one <c>testcase</c> per case (<c>classname</c> = profile,
/// <c>name</c> = case id); FAILED → <c>failure</c> (message = expectation, text = received + wire log), NON-STRICT →
/// passed with the SHOULD notes in <c>system-out</c>, UNIMPLEMENTED → <c>skipped</c>, INFORMATIONAL → passed with
/// its note. A last <c>system-out</c> lists the not-exercised ids.
/// </summary>
public static class JUnitReport
{
    /// <summary>Builds the document.</summary>
    public static XDocument Build(RunReport report)
    {
        var suites = new XElement(
            "testsuites",
            new XAttribute("name", "switchboard-conformance"),
            new XAttribute("tests", report.Results.Count),
            new XAttribute("failures", report.Count(Verdict.Failed)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", report.Count(Verdict.Unimplemented)),
            new XAttribute("time", Seconds(report.Results.Sum(r => r.Duration.TotalSeconds))));
        var id = 0;
        foreach (var profile in Profiles.All)
        {
            var results = report.Results.Where(r => r.Case.Profile == profile).ToList();
            var suite = new XElement(
                "testsuite",
                new XAttribute("name", profile),
                new XAttribute("id", id++),
                new XAttribute("tests", results.Count),
                new XAttribute("failures", results.Count(r => r.Verdict == Verdict.Failed)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", results.Count(r => r.Verdict == Verdict.Unimplemented)),
                new XAttribute("time", Seconds(results.Sum(r => r.Duration.TotalSeconds))),
                new XAttribute("timestamp", report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)),
                new XAttribute("hostname", report.Options.WebSocketUrl.Authority));
            suite.Add(new XElement(
                "properties",
                new XElement("property", new XAttribute("name", "server"), new XAttribute("value", report.Server.Server ?? string.Empty)),
                new XElement("property", new XAttribute("name", "url"), new XAttribute("value", string.Join(" ", report.Options.WebSocketUrls))),
                new XElement("property", new XAttribute("name", "capabilities"), new XAttribute("value", string.Join(", ", report.Server.Capabilities.Order(StringComparer.Ordinal))))));
            foreach (var r in results)
            {
                suite.Add(TestCase(r));
            }

            var missing = report.NotExercised.Where(e => e.Profile == profile).ToList();
            suite.Add(new XElement("system-out", Clean(missing.Count == 0
                ? "Every MUST and SHOULD id of this profile was exercised."
                : "Not exercised:\n" + string.Join("\n", missing.Select(e => $"{e.Id} ({e.Level}): {e.Reason}")))));
            suites.Add(suite);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    /// <summary>Writes the document to <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, RunReport report, CancellationToken cancellationToken = default)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var settings = new XmlWriterSettings { Async = true, Indent = true, Encoding = new UTF8Encoding(false) };
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            var writer = XmlWriter.Create(stream, settings);
            await using (writer.ConfigureAwait(false))
            {
                await Build(report).SaveAsync(writer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static XElement TestCase(CaseResult r)
    {
        var tc = new XElement(
            "testcase",
            new XAttribute("name", r.Case.Id),
            new XAttribute("classname", "switchboard." + r.Case.Profile),
            new XAttribute("time", Seconds(r.Duration.TotalSeconds)));
        var header = $"{r.Case.Title}\nSpec: {string.Join(", ", r.Case.Requirements)} ({(r.Case.Level == RequirementLevel.Must ? "MUST" : "SHOULD")})\nThe case: {r.Case.Expectation}";
        switch (r.Verdict)
        {
            case Verdict.Failed:
                tc.Add(new XElement(
                    "failure",
                    new XAttribute("message", Clean(r.Expectation ?? r.Case.Expectation)),
                    new XAttribute("type", "FAILED"),
                    Clean($"{header}\nExpected: {r.Expectation}\nReceived: {r.Received}\n{Notes(r)}\nWire log:\n{WireLog.Format(r.WireLog)}")));
                break;
            case Verdict.Unimplemented:
                tc.Add(new XElement("skipped", new XAttribute("message", Clean($"UNIMPLEMENTED: {r.Expectation}; {r.Received}"))));
                break;
            case Verdict.NonStrict or Verdict.Informational:
                tc.Add(new XElement("system-out", Clean($"{ReportWriter.Name(r.Verdict)}\n{header}\nExpected: {r.Expectation}\nReceived: {r.Received}\n{Notes(r)}\nWire log:\n{WireLog.Format(r.WireLog)}")));
                break;
        }

        return tc;
    }

    private static string Notes(CaseResult r) => string.Join("\n", r.Notes.Select(n => "Note: " + n));

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Removes characters XML 1.0 cannot carry (a wire log may hold any text a server sent).</summary>
    private static string Clean(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
            }
            else if (XmlConvert.IsXmlChar(c))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }

        return sb.ToString();
    }
}

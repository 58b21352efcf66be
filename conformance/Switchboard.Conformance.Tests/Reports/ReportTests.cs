using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Reporting;

namespace Switchboard.Conformance.Tests.Reports;

/// <summary>JUnit XML, HTML, and the not-exercised list, built from a synthetic run (no server needed).</summary>
public sealed class ReportTests
{
    private const string Hostile = "<script>alert('x')</script> & \u0001 \"quoted\"";

    [Fact]
    public void JUnit_xml_validates_against_the_CI_schema_shape()
    {
        var xml = JUnitReport.Build(SampleRun()).ToString();
        var schemas = new XmlSchemaSet();
        schemas.Add(null, Path.Combine(AppContext.BaseDirectory, "Reports", "junit.xsd"));
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message}");
        using (var reader = XmlReader.Create(new StringReader(xml), settings))
        {
            while (reader.Read())
            {
            }
        }

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors) + Environment.NewLine + xml);
    }

    [Fact]
    public void JUnit_has_one_testcase_per_case_with_failure_and_skipped()
    {
        var run = SampleRun();
        var doc = JUnitReport.Build(run);
        var cases = doc.Descendants("testcase").ToList();
        Assert.Equal(run.Results.Count, cases.Count);
        Assert.Equal(run.Results.Select(r => r.Case.Id).Order(), cases.Select(c => (string)c.Attribute("name")!).Order());
        var failed = Assert.Single(cases, c => c.Element("failure") is not null);
        Assert.Equal("echo.roundtrip", (string)failed.Attribute("name")!);
        var failure = failed.Element("failure")!;
        Assert.Equal("ECHO data = \"hello\"", (string)failure.Attribute("message")!);
        Assert.Contains("Wire log:", failure.Value, StringComparison.Ordinal);
        Assert.Contains("<script>", failure.Value, StringComparison.Ordinal); // text content, escaped by the XML writer
        var skipped = Assert.Single(cases, c => c.Element("skipped") is not null);
        Assert.Equal("cs.grab", (string)skipped.Attribute("name")!);
        Assert.Equal("1", (string)doc.Root!.Attribute("failures")!);
        Assert.Equal("1", (string)doc.Root.Attribute("skipped")!);
        Assert.Contains(doc.Descendants("testsuite"), s => (string)s.Attribute("name")! == Profiles.ServiceDesk && s.Element("system-out")!.Value.Contains("SB-CS-007", StringComparison.Ordinal));
    }

    [Fact]
    public void Html_is_self_contained_escaped_and_filterable()
    {
        var html = HtmlReport.Build(SampleRun());
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<script"));
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"http", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("id=\"summary\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"not-exercised\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"case-echo.roundtrip\"", html, StringComparison.Ordinal);
        Assert.Contains("data-verdict=\"FAILED\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"f-verdict\"", html, StringComparison.Ordinal);
        Assert.Contains("SB-CS-007", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_exercised_lists_each_id_with_why()
    {
        var run = SampleRun();
        var entries = run.NotExercised;
        var byId = entries.ToDictionary(e => e.Id);

        // Exercised (even though FAILED): not listed.
        Assert.DoesNotContain("SB-ECHO-001", byId.Keys);

        // Capability not declared.
        Assert.Contains("cs.grab: capability not declared (service-desk)", byId["SB-CS-007"].Reason, StringComparison.Ordinal);
        Assert.Equal(Profiles.ServiceDesk, byId["SB-CS-007"].Profile);

        // Runner flag / bound missing (INFORMATIONAL with its note).
        Assert.Contains("--max-wait", byId["SB-KA-003"].Reason, StringComparison.Ordinal);

        // Skipped / not selected.
        Assert.Contains("skipped (--skip 'lim.*')", byId["SB-LIM-002"].Reason, StringComparison.Ordinal);

        // No case at all (documented reason).
        Assert.StartsWith("no case: client rule", byId["SB-KA-005"].Reason, StringComparison.Ordinal);

        // Only MUST/SHOULD ids, every one in a known profile.
        Assert.All(entries, e => Assert.Contains(e.Level, new[] { "MUST", "SHOULD" }));
        Assert.All(entries, e => Assert.Contains(e.Profile, Profiles.All));

        var json = ReportWriter.BuildJson(run);
        var serviceDesk = json["not_exercised"]![Profiles.ServiceDesk]!.AsArray();
        Assert.Contains(serviceDesk, n => (string?)n!["id"] == "SB-CS-007");
        Assert.Contains("## Not exercised", ReportWriter.BuildMarkdown(run), StringComparison.Ordinal);
    }

    /// <summary>A run of four cases: echo FAILED, cs.grab UNIMPLEMENTED, ka.unanswered-ping-dropped INFORMATIONAL, hs.connect-greeting OK.</summary>
    internal static RunReport SampleRun()
    {
        static CaseResult R(string id, Verdict v, string? expectation = null, string? received = null, IReadOnlyList<string>? notes = null) => new()
        {
            Case = CaseCatalog.Get(id),
            Verdict = v,
            Duration = TimeSpan.FromMilliseconds(12.5),
            Expectation = expectation,
            Received = received,
            Notes = notes ?? [],
            WireLog = [new WireLogEntry("alice#1", WireDirection.ReceiveText, 1.5, "{\"event\":\"ECHO\",\"cid\":\"c1\",\"response\":{\"data\":\"" + Hostile + "\"}}")],
            Transcript = [],
            Nonce = "abc123",
        };

        var results = new List<CaseResult>
        {
            R("hs.connect-greeting", Verdict.Ok),
            R("echo.roundtrip", Verdict.Failed, "ECHO data = \"hello\"", Hostile),
            R("cs.grab", Verdict.Unimplemented, "CONNECT capabilities contains \"service-desk\"", "capabilities = [chat]"),
            R("ka.unanswered-ping-dropped", Verdict.Informational, notes: ["idle_timeout_ms = 600000 ms: waiting for it exceeds the bound of 90 s (--max-wait); not exercised."]),
        };
        var ran = results.Select(r => r.Case.Id).ToHashSet();
        var notRun = CaseCatalog.All.Where(c => !ran.Contains(c.Id)).ToDictionary(
            c => c.Id,
            c => c.Id.StartsWith("lim.", StringComparison.Ordinal) ? "skipped (--skip 'lim.*')" : "not selected (--case x)");
        return new RunReport
        {
            Options = new ConformanceOptions { WebSocketUrl = new Uri("ws://127.0.0.1:9"), BackendUrl = new Uri("http://127.0.0.1:9"), SigningKey = "k" },
            Server = ServerInfo.FromConnect(JsonNode.Parse("""{"server":"Test/1.0","capabilities":["chat"]}""")!.AsObject()),
            Results = results,
            StartedAt = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero),
            NotRun = notRun,
        };
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;

namespace Switchboard.Conformance.Tests;

/// <summary>The runner's command line (System.CommandLine): help, validation, exit codes; and a real run writing every report.</summary>
public sealed class RunnerCliTests(ReferenceServerFixture fixture) : IClassFixture<ReferenceServerFixture>
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Program.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Help_lists_the_options_and_exits_0()
    {
        var (exit, output, _) = await RunAsync("--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--url", "--signing-key", "--case", "--skip", "--profile", "--junit", "--html", "--timeout-ms", "--list" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--no-such-option", "--no-such-option")]
    [InlineData("--timeout-ms abc", "abc")]
    [InlineData("--timeout-ms -5", "--timeout-ms")]
    [InlineData("--max-wait-s 0", "--max-wait-s")]
    [InlineData("--profile nonsense", "nonsense")]
    [InlineData("--url http://127.0.0.1:1", "ws://")]
    [InlineData("--url", "--url")]
    [InlineData("stray-argument", "stray-argument")]
    public async Task Usage_errors_exit_2_with_a_clear_message(string args, string mentioned)
    {
        var (exit, _, error) = await RunAsync([.. args.Split(' '), "--signing-key", "k"]);
        Assert.Equal(Program.UsageError, exit);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    private const string Key = "conformance-cli-test-key-0123456789abcdef";

    [Fact]
    public async Task Short_signing_key_exits_2()
    {
        var (exit, _, error) = await RunAsync("--url", "ws://127.0.0.1:1", "--signing-key", "short");
        Assert.Equal(Program.UsageError, exit);
        Assert.Contains("32 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_url_or_key_exits_2()
    {
        Assert.Equal(Program.UsageError, (await RunAsync("--signing-key", "k")).Exit);
        var previous = Environment.GetEnvironmentVariable("SWITCHBOARD_SIGNING_KEY");
        Assert.True(string.IsNullOrEmpty(previous), "the test needs SWITCHBOARD_SIGNING_KEY unset");
        Assert.Equal(Program.UsageError, (await RunAsync("--url", "ws://127.0.0.1:1")).Exit);
    }

    [Fact]
    public async Task Unreachable_server_exits_2()
    {
        var (exit, _, error) = await RunAsync("--url", "ws://127.0.0.1:1", "--signing-key", Key, "--timeout-ms", "2000");
        Assert.Equal(Program.UsageError, exit);
        Assert.Contains("Cannot reach", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_honours_case_and_skip_patterns()
    {
        var (exit, output, _) = await RunAsync("--list", "--case", "ka.*", "--case", "echo.*", "--skip", "ka.unanswered-*");
        Assert.Equal(0, exit);
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
        Assert.Contains("ka.ping", ids);
        Assert.Contains("echo.roundtrip", ids);
        Assert.DoesNotContain("ka.unanswered-ping-dropped", ids);
        Assert.Contains("ka.websocket-ping", ids);
        Assert.DoesNotContain("auth.alg-none", ids);
    }

    /// <summary>
    /// A real run with two --url values naming the same server (127.0.0.1 and localhost): every case is OK as with
    /// one URL, the reports (json, md, JUnit, HTML) are written and list what was skipped.
    /// </summary>
    [Fact]
    public async Task Run_with_two_urls_writes_every_report()
    {
        var dir = Directory.CreateTempSubdirectory("sb-conformance-cli-");
        try
        {
            var port = fixture.Server.BaseUri.Port;
            var (exit, output, error) = await RunAsync(
                "--url", $"ws://127.0.0.1:{port}", "--url", $"ws://localhost:{port}", "--backend-url", fixture.Server.BaseUri.ToString(),
                "--signing-key", fixture.Server.SigningKey, "--case", "echo.*", "--case", "chat.private-all-connections", "--case", "dlv.resume-no-loss-no-dup",
                "--skip", "echo.near-limit", "--timeout-ms", ((long)ReferenceServerFixture.ExpectTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--out", dir.FullName, "--junit", Path.Combine(dir.FullName, "junit.xml"), "--html", Path.Combine(dir.FullName, "report.html"));
            Assert.True(exit == 0, output + error);
            Assert.Contains("2 nodes", output, StringComparison.Ordinal);

            var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "report.json")))!;
            Assert.Equal(3, json["cases"]!.AsObject().Count);
            Assert.All(json["cases"]!.AsObject(), c => Assert.Equal("OK", (string?)c.Value!["verdict"]));
            var core = json["not_exercised"]![Profiles.Core]!.AsArray();
            Assert.Contains(core, e => (string?)e!["id"] == "SB-LIM-001" && ((string?)e["reason"])!.Contains("skipped (--skip 'echo.near-limit')", StringComparison.Ordinal));

            var junit = XDocument.Load(Path.Combine(dir.FullName, "junit.xml"));
            Assert.Equal(3, junit.Descendants("testcase").Count());
            Assert.Contains("not-exercised", await File.ReadAllTextAsync(Path.Combine(dir.FullName, "report.html")), StringComparison.Ordinal);
            Assert.Contains("## Not exercised", await File.ReadAllTextAsync(Path.Combine(dir.FullName, "report.md")), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>With two nodes a case's connections alternate between them, starting with the first.</summary>
    [Fact]
    public async Task Connections_alternate_round_robin_over_the_urls()
    {
        var port = fixture.Server.BaseUri.Port;
        var options = new ConformanceOptions
        {
            WebSocketUrl = new Uri($"ws://127.0.0.1:{port}"),
            WebSocketUrls = [new Uri($"ws://127.0.0.1:{port}"), new Uri($"ws://localhost:{port}")],
            BackendUrl = fixture.Server.BaseUri,
            SigningKey = fixture.Server.SigningKey,
            ExpectTimeout = ReferenceServerFixture.ExpectTimeout,
        };
        using var runner = new ConformanceRunner(options);
        var result = await runner.RunAsync(CaseCatalog.Get("hs.client-id-unique"), fixture.Info);
        Assert.Equal(Verdict.Ok, result.Verdict);
        var nodes = result.WireLog.Where(e => e.Direction == WireDirection.Open).Select(e => e.Text.Split(']')[0].TrimStart('[', 'G', 'E', 'T', ' ')).ToList();
        Assert.True(nodes.Count >= 3, string.Join(", ", nodes));
        for (var i = 0; i < nodes.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? $"ws://127.0.0.1:{port}" : $"ws://localhost:{port}", nodes[i]);
        }
    }
}

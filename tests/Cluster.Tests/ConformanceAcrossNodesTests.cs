using Switchboard.Conformance.Cases;
using Switchboard.Conformance.Core;
using Switchboard.Conformance.Reporting;
using Switchboard.Server.Testing.Cluster;
using Xunit.Abstractions;

namespace Switchboard.Cluster.Tests;

/// <summary>
/// Three reference-server processes on one redis-server, configured like the conformance fixture of
/// conformance/Switchboard.Conformance.Tests (production-like timers, origin allow-list, retention 50, connection cap
/// 16), and the suite's options with all three nodes as <c>--url</c>: every case spreads its connections over the
/// nodes round-robin, so each cross-user rule is checked across nodes. The backend API is node 0's.
/// </summary>
public sealed class ThreeNodeConformanceFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "https://allowed.example";

    public SwitchboardClusterFixture Cluster { get; private set; } = null!;

    public ConformanceRunner Runner { get; private set; } = null!;

    public ServerInfo Info { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ClusterNodes.StartAsync(o =>
        {
            o.Settings["Switchboard:KeepAlive:PingIntervalMs"] = "5000";
            o.Settings["Switchboard:KeepAlive:IdleTimeoutMs"] = "30000";
            o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = "30000";
            o.Settings["Switchboard:AllowedOrigins:0"] = AllowedOrigin;
            o.Settings["Switchboard:History:MaxPerStream"] = "50";
            o.Settings["Switchboard:History:PruneInterval"] = "00:00:00.500";
            o.Settings["Switchboard:Limits:MaxConnectionsPerUser"] = "16";
            o.Settings["Switchboard:Limits:RateLimitPerSecond"] = "100"; // the shipped limits: lim.rate-* check them
            o.Settings["Switchboard:Limits:RateLimitBurst"] = "200";
        });
        var options = new ConformanceOptions
        {
            WebSocketUrl = Cluster.Nodes[0].WebSocketBaseUri,
            WebSocketUrls = [.. Cluster.Nodes.Select(n => n.WebSocketBaseUri)],
            BackendUrl = Cluster.Nodes[0].BaseUri,
            SigningKey = Cluster.SigningKey,
            ExpectTimeout = TimeSpan.FromSeconds(30),
            SilenceWindow = TimeSpan.FromMilliseconds(400),
            MaxDerivedWait = TimeSpan.FromSeconds(20),
            TransferTimeout = TimeSpan.FromMilliseconds(30000),
            ForbiddenOrigin = "https://forbidden.example",
            OriginAllowListConfigured = true,
            HistoryMaxPerStream = 50,
            RetentionSettle = TimeSpan.FromMilliseconds(800),
            SlowConsumerBudgetBytes = 40L * 1024 * 1024,
        };
        Runner = new ConformanceRunner(options);
        Info = await Runner.ProbeAsync();
    }

    public async Task DisposeAsync()
    {
        Runner?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// The conformance suite across three nodes: 0 FAILED for the core, chat, presence, rooms-history and backend-api
/// profiles. Left out: the keepalive timer cases (they need the short timers of a separate fixture and check one
/// connection against its own node only), the service-desk profile and every case that needs the service desk
/// (its cluster store is issue 12).
/// </summary>
public sealed class ConformanceAcrossNodesTests(ThreeNodeConformanceFixture fixture, ITestOutputHelper output) : IClassFixture<ThreeNodeConformanceFixture>
{
    public static readonly IReadOnlySet<string> ClusterProfiles = new HashSet<string>(StringComparer.Ordinal)
    {
        Profiles.Core, Profiles.Chat, Profiles.Presence, Profiles.RoomsHistory, Profiles.BackendApi,
    };

    /// <summary>Per-connection keepalive timer cases (conformance/Switchboard.Conformance.Tests runs them with short timers).</summary>
    public static readonly IReadOnlySet<string> TimerCases = new HashSet<string>(StringComparer.Ordinal)
    {
        "ka.ping", "ka.websocket-ping", "ka.unanswered-ping-dropped", "ka.activity-keeps-alive",
    };

    /// <summary>The same documented non-OK verdicts as against one in-process server (not FAILED).</summary>
    public static readonly IReadOnlyDictionary<string, Verdict> DocumentedExceptions = new Dictionary<string, Verdict>(StringComparer.Ordinal)
    {
        ["lim.slow-consumer"] = Verdict.Informational, // overflow depends on loopback socket buffer sizes
        ["lim.slow-consumer-echo"] = Verdict.Informational,
        ["hs.http2-websocket"] = Verdict.Informational, // the nodes' cleartext ports speak HTTP/1.1
    };

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        // Cases that need the service desk (e.g. the API's conversation endpoints) wait for its Redis store (issue 12):
        // until then the desk's state is per node.
        foreach (var c in CaseCatalog.All.Where(c => ClusterProfiles.Contains(c.Profile) && !TimerCases.Contains(c.Id)
            && !c.Capabilities.Contains(Capabilities.ServiceDesk)))
        {
            data.Add(c.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task Case_passes_with_connections_spread_over_three_nodes(string caseId)
    {
        var result = await fixture.Runner.RunAsync(CaseCatalog.Get(caseId), fixture.Info);
        output.WriteLine($"{caseId}: {ReportWriter.Name(result.Verdict)} in {result.Duration.TotalMilliseconds:F0} ms");
        if (result.Verdict != Verdict.Ok)
        {
            output.WriteLine($"expected: {result.Expectation}");
            output.WriteLine($"received: {result.Received}");
            foreach (var note in result.Notes)
            {
                output.WriteLine("note: " + note);
            }

            output.WriteLine(WireLog.Format(result.WireLog));
            foreach (var node in fixture.Cluster.Nodes)
            {
                output.WriteLine($"--- node {node.Index} (port {node.Port}) last lines:");
                output.WriteLine(node.Tail(15));
            }
        }

        var allowed = DocumentedExceptions.TryGetValue(caseId, out var exception) ? exception : Verdict.Ok;
        Assert.True(result.Verdict == Verdict.Ok || result.Verdict == allowed, $"{caseId}: {ReportWriter.Name(result.Verdict)} — expected: {result.Expectation} — received: {result.Received}");
    }
}

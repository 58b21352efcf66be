using System.Diagnostics;
using Switchboard.Server.Testing;

namespace Switchboard.Cluster.Tests;

/// <summary>
/// The service desk (issue 12) across three reference-server processes on one redis-server: deadlines live in the
/// Redis due-set and are claimed by whichever node polls first, so they fire exactly once even when the node that set
/// them is killed with SIGKILL.
/// </summary>
public sealed class DeskNodeFailureTests
{
    private static Task<Server.Testing.Cluster.SwitchboardClusterFixture> StartAsync() =>
        ClusterNodes.StartAsync(o =>
        {
            o.Settings["Switchboard:ServiceDesk:TransferTimeoutMs"] = "3000";
            o.Settings["Switchboard:ServiceDesk:ConversationIdleWarningMs"] = "4000";
            o.Settings["Switchboard:ServiceDesk:ConversationIdleCloseMs"] = "8000";
            o.Settings["Switchboard:ServiceDesk:DeadlinePollMs"] = "200";
        });

    private static IReadOnlyList<TestEnvelope> Received(TestSession session, string eventName)
    {
        lock (session.Client.History)
        {
            return [.. session.Client.History.Where(e => e.Event == eventName)];
        }
    }

    private static async Task<TestEnvelope> WaitForAsync(TestSession session, string eventName, Func<TestEnvelope, bool>? match = null, int timeoutMs = 20_000)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var found = Received(session, eventName).FirstOrDefault(e => match is null || match(e));
            if (found is not null)
            {
                return found;
            }

            if (Stopwatch.GetElapsedTime(started).TotalMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"No {eventName} within {timeoutMs} ms.");
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Transfer_times_out_exactly_once_after_kill_9_of_the_node_that_took_the_request()
    {
        await using var cluster = await StartAsync();
        await using var a = await cluster.ConnectAsync(0, "k-a1", "agent", name: "A1");
        await using var b = await cluster.ConnectAsync(1, "k-b1", "agent", name: "B1");
        await using var v = await cluster.ConnectAsync(2, "k-v1", "visitor", name: "V1");
        var conversation = await v.Client.RequestAsync("REQUEST_SERVICE", new { });
        var id = conversation.GetString("conversation_id")!;
        var grabbed = await a.Client.RequestAsync("GRAB", new { conversation_id = id });
        Assert.True(grabbed.Event == "CONVERSATION", grabbed.Raw);

        var pending = await a.Client.RequestAsync("REQUEST_TRANSFER", new { conversation_id = id, to = "k-b1" });
        Assert.Equal(("TRANSFER", "pending"), (pending.Event, pending.GetString("state")));
        var transferId = pending.GetString("transfer_id")!;
        await WaitForAsync(b, "RTRANSFER", e => e.GetString("transfer_id") == transferId); // crossed nodes

        await cluster.Nodes[0].KillAsync(); // the node holding the request and its requester dies without a word
        var error = await WaitForAsync(b, "TRANSFER_ERROR", e => e.GetString("transfer_id") == transferId);
        Assert.Equal(4007, error.GetInt64("code"));

        // Exactly once: the other survivor polls too, but the claim is the transition (pending -> expired).
        await Task.Delay(1500);
        await b.Client.DrainAsync();
        Assert.Single(Received(b, "TRANSFER_ERROR"));
        var accept = await b.Client.RequestAsync("ACCEPT_TRANSFER", new { transfer_id = transferId });
        Assert.Equal(4007, accept.GetInt64("code"));
    }

    [Fact]
    public async Task Idle_timer_armed_by_a_killed_node_fires_once_on_a_survivor()
    {
        await using var cluster = await StartAsync();
        await using var a = await cluster.ConnectAsync(0, "i-a1", "agent", name: "A1");
        await using var v = await cluster.ConnectAsync(2, "i-v1", "visitor", name: "V1");
        var id = (await v.Client.RequestAsync("REQUEST_SERVICE", new { })).GetString("conversation_id")!;
        Assert.Equal("CONVERSATION", (await a.Client.RequestAsync("GRAB", new { conversation_id = id })).Event); // node 0 arms the idle deadline

        await cluster.Nodes[0].KillAsync();
        var warning = await WaitForAsync(v, "TIMER", e => e.GetString("conversation_id") == id);
        Assert.Equal(("conversation_idle", "warning"), (warning.GetString("kind"), warning.GetString("state")));
        var closed = await WaitForAsync(v, "CONVERSATION", e => e.GetString("conversation_id") == id && e.GetString("state") == "closed");
        Assert.Equal("idle", closed.GetString("reason"));
        await v.Client.DrainAsync();
        Assert.Single(Received(v, "TIMER"));
        Assert.Single(Received(v, "CONVERSATION"), e => e.GetString("state") == "closed");
    }
}

/// <summary>
/// The conformance suite's service-desk profile with its connections spread over three nodes (issue 12): every
/// cross-user desk rule — the grab race, transfers, the open conversation, work orders — is checked across nodes.
/// </summary>
public sealed class DeskConformanceAcrossNodesTests(ThreeNodeConformanceFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ThreeNodeConformanceFixture>
{
    /// <summary>
    /// Verdicts other than OK that are known. The timer cases need the short desk timers of the single-server fixture
    /// (this fixture runs the 30 s production-like ones) and report INFORMATIONAL.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Switchboard.Conformance.Core.Verdict> KnownVerdicts = new Dictionary<string, Switchboard.Conformance.Core.Verdict>(StringComparer.Ordinal)
    {
        ["cs.idle-activity-resets"] = Switchboard.Conformance.Core.Verdict.Informational,
        ["cs.idle-warning-and-close"] = Switchboard.Conformance.Core.Verdict.Informational,
        ["xfer.timeout"] = Switchboard.Conformance.Core.Verdict.Informational,
    };

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in Switchboard.Conformance.Cases.CaseCatalog.All.Where(c => c.Profile == Switchboard.Conformance.Core.Profiles.ServiceDesk))
        {
            data.Add(c.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task Service_desk_case_passes_with_connections_spread_over_three_nodes(string caseId)
    {
        var result = await fixture.Runner.RunAsync(Switchboard.Conformance.Cases.CaseCatalog.Get(caseId), fixture.Info);
        output.WriteLine($"{caseId}: {Switchboard.Conformance.Reporting.ReportWriter.Name(result.Verdict)} in {result.Duration.TotalMilliseconds:F0} ms");
        if (result.Verdict != Switchboard.Conformance.Core.Verdict.Ok)
        {
            output.WriteLine($"expected: {result.Expectation}");
            output.WriteLine($"received: {result.Received}");
            output.WriteLine(Switchboard.Conformance.Core.WireLog.Format(result.WireLog));
        }

        var allowed = KnownVerdicts.TryGetValue(caseId, out var known) ? known : Switchboard.Conformance.Core.Verdict.Ok;
        Assert.True(result.Verdict == Switchboard.Conformance.Core.Verdict.Ok || result.Verdict == allowed, $"{caseId}: {Switchboard.Conformance.Reporting.ReportWriter.Name(result.Verdict)} — expected: {result.Expectation} — received: {result.Received}");
    }
}

using System.Diagnostics;
using Switchboard.Cluster.Tests.Load;
using Xunit.Abstractions;

namespace Switchboard.Cluster.Tests;

/// <summary>
/// Spec §16 across nodes under failure: three reference-server processes on one redis-server (AOF, appendfsync always),
/// 4 senders and 6 receivers (2 per node) exchanging private messages, one message in flight per sender.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private void Report(PrivateMessageLoad load, LoadVerdict verdict, long started)
    {
        output.WriteLine($"{verdict} — unconfirmed {load.Unconfirmed}, reconnects {load.Reconnects}, {Elapsed.Since(started)}");
        foreach (var e in load.Events.Take(40))
        {
            output.WriteLine("  " + e);
        }
    }

    [Fact]
    public async Task Kill_9_of_a_node_under_load_loses_duplicates_and_reorders_nothing_acknowledged()
    {
        var started = Stopwatch.GetTimestamp();
        await using var cluster = await ClusterNodes.StartAsync();
        var load = new PrivateMessageLoad(cluster, senders: 4, receiversPerNode: 2, messagesPerSender: 550);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await load.ConnectReceiversAsync(deadline.Token);
        var sending = load.RunSendersAsync(deadline.Token);

        // Mid-load: once a third is acknowledged, node 1 (a sender and two receivers on it) dies without a word.
        await Conditions.WaitUntilAsync(() => load.Acknowledged >= 700 || sending.IsCompleted, TimeSpan.FromMinutes(2), "700 messages acknowledged");
        load.AvoidNodes[1] = true;
        await cluster.Nodes[1].KillAsync();
        var acknowledgedAtKill = load.Acknowledged;

        await sending;
        await load.WaitUntilDeliveredAsync(deadline.Token);
        await load.StopAsync();
        var verdict = load.Verify();
        Report(load, verdict, started);

        Assert.True(acknowledgedAtKill < 2000, $"the kill came after the load ({acknowledgedAtKill} acknowledged)");
        Assert.True(verdict.Acknowledged >= 2000, verdict.ToString());
        Assert.True(load.Reconnects >= 3, $"the clients of node 1 moved to another node ({load.Reconnects} reconnects)");
        Assert.Empty(verdict.Lost);
        Assert.Empty(verdict.Duplicates);
        Assert.Empty(verdict.Disorder);
    }

    [Fact]
    public async Task Redis_killed_and_restarted_under_load_loses_nothing_acknowledged_and_clients_recover()
    {
        var started = Stopwatch.GetTimestamp();
        await using var cluster = await ClusterNodes.StartAsync();
        var load = new PrivateMessageLoad(cluster, senders: 4, receiversPerNode: 2, messagesPerSender: 400);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await load.ConnectReceiversAsync(deadline.Token);
        var sending = load.RunSendersAsync(deadline.Token);

        await Conditions.WaitUntilAsync(() => load.Acknowledged >= 400 || sending.IsCompleted, TimeSpan.FromMinutes(2), "400 messages acknowledged");
        await cluster.Redis.KillAsync(); // kill -9: only what was fsynced to the AOF survives
        var acknowledgedAtKill = load.Acknowledged;
        await cluster.Redis.RestartAsync(); // same port and directory: it reloads the AOF
        var acknowledgedAtRestart = load.Acknowledged;

        await sending;
        await load.WaitUntilDeliveredAsync(deadline.Token);
        await load.StopAsync();
        var verdict = load.Verify();
        Report(load, verdict, started);
        output.WriteLine($"acknowledged at the kill {acknowledgedAtKill}, at the restart {acknowledgedAtRestart}");

        Assert.True(acknowledgedAtKill < 1600, $"Redis died mid-load ({acknowledgedAtKill} acknowledged)");
        Assert.True(verdict.Acknowledged > acknowledgedAtRestart, "messages were acknowledged again after Redis came back");
        Assert.True(verdict.Acknowledged >= 1200, verdict.ToString());
        Assert.Empty(verdict.Lost);
        Assert.Empty(verdict.Duplicates);
        Assert.Empty(verdict.Disorder);
    }
}

using System.Diagnostics;
using Switchboard.Cluster.Tests.Load;
using Switchboard.Server.Testing.Cluster;
using Switchboard.Server.Testing.Redis;
using Xunit.Abstractions;

namespace Switchboard.Cluster.Tests;

/// <summary>
/// Spec §16 across nodes under failure: three reference-server processes on one redis-server (AOF, appendfsync always),
/// 4 senders and 6 receivers (2 per node) exchanging private messages, one message in flight per sender.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private void Report(SwitchboardClusterFixture cluster, PrivateMessageLoad load, LoadVerdict verdict, long started)
    {
        output.WriteLine($"{verdict} — unconfirmed {load.Unconfirmed}, reconnects {load.Reconnects}, {Elapsed.Since(started)}");
        foreach (var e in load.Events.Take(40))
        {
            output.WriteLine("  " + e);
        }

        foreach (var node in cluster.Nodes)
        {
            output.WriteLine($"--- node {node.Index} (port {node.Port}) last lines:");
            output.WriteLine(node.Tail(10));
        }
    }

    [Fact]
    public async Task Kill_9_of_a_node_under_load_loses_duplicates_and_reorders_nothing_acknowledged()
    {
        var started = Stopwatch.GetTimestamp();
        await using var cluster = await ClusterNodes.StartAsync();
        var load = new PrivateMessageLoad(cluster, senders: 4, receiversPerNode: 2, messagesPerSender: 550);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        // SB-CLUSTER-003: a watcher on node 0 subscribed to the online list; a user on node 1 who will not come back.
        var ghost = "ghost-" + Guid.NewGuid().ToString("N")[..6];
        await using var watcher = await cluster.ConnectAsync(0, "watcher-" + ghost);
        Assert.Equal("ONLINE_LIST", (await watcher.Client.RequestAsync("GET_ONLINE_LIST", new { subscribe = true })).Event);
        var ghostSession = await cluster.ConnectAsync(1, ghost);
        await watcher.Client.ReceiveAsync(e => e.Event == "ONLINE" && e.Response.GetProperty("user").GetProperty("id").GetString() == ghost && e.GetBoolean("online"), TimeSpan.FromSeconds(30));

        await load.ConnectReceiversAsync(deadline.Token);
        var sending = load.RunSendersAsync(deadline.Token);

        // Mid-load: once a third is acknowledged, node 1 (a sender and two receivers on it) dies without a word.
        await Conditions.WaitUntilAsync(() => load.Acknowledged >= 700 || sending.IsCompleted, TimeSpan.FromMinutes(2), "700 messages acknowledged");
        load.AvoidNodes[1] = true;
        await cluster.Nodes[1].KillAsync();
        var acknowledgedAtKill = load.Acknowledged;
        var killedAt = Stopwatch.GetTimestamp();

        // The survivors sweep the dead node: the ghost goes offline for node 0's watcher (NodeTtl 10 s + interval 2 s;
        // the bound leaves room for a loaded machine).
        await watcher.Client.ReceiveAsync(e => e.Event == "ONLINE" && e.Response.GetProperty("user").GetProperty("id").GetString() == ghost && !e.GetBoolean("online"), TimeSpan.FromSeconds(45));
        output.WriteLine($"ghost offline for the watcher {Elapsed.Since(killedAt)} after the kill");
        await ghostSession.DisposeAsync();

        await sending;
        await load.WaitUntilDeliveredAsync(deadline.Token);
        await load.StopAsync();
        var verdict = load.Verify();
        Report(cluster, load, verdict, started);

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
        Report(cluster, load, verdict, started);
        output.WriteLine($"acknowledged at the kill {acknowledgedAtKill}, at the restart {acknowledgedAtRestart}");

        Assert.True(acknowledgedAtKill < 1600, $"Redis died mid-load ({acknowledgedAtKill} acknowledged)");
        Assert.All(load.Closes.Where(c => c.Status is not null), c => Assert.Equal(4504, c.Status)); // SB-CLUSTER-005
        Assert.True(verdict.Acknowledged > acknowledgedAtRestart, "messages were acknowledged again after Redis came back");
        Assert.True(verdict.Acknowledged >= 1200, verdict.ToString());
        Assert.Empty(verdict.Lost);
        Assert.Empty(verdict.Duplicates);
        Assert.Empty(verdict.Disorder);
    }

    [Fact]
    public async Task A_node_cut_off_from_redis_closes_with_4504_acknowledges_nothing_it_cannot_store_and_clients_resume_elsewhere()
    {
        var started = Stopwatch.GetTimestamp();
        TcpProxy? proxy = null;
        await using var cluster = await ClusterNodes.StartAsync(o => o.RedisFor = (node, redis) =>
            node == 2 ? (proxy = new TcpProxy(redis.Port)).ConnectionString : redis.ConnectionString);
        await using var cut = proxy!;
        var load = new PrivateMessageLoad(cluster, senders: 4, receiversPerNode: 2, messagesPerSender: 300);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await load.ConnectReceiversAsync(deadline.Token);
        var sending = load.RunSendersAsync(deadline.Token);

        await Conditions.WaitUntilAsync(() => load.Acknowledged >= 300 || sending.IsCompleted, TimeSpan.FromMinutes(2), "300 messages acknowledged");
        cut.Cut(); // node 2 alone loses Redis; nodes 0 and 1 keep it
        var acknowledgedAtCut = load.Acknowledged;

        // SB-CLUSTER-005: node 2 closes its clients (a sender and two receivers) with 4504 and reports unhealthy.
        await Conditions.WaitUntilAsync(() => load.Closes.Count(c => c.Node == 2) >= 3, TimeSpan.FromSeconds(60), "node 2's three clients closed");
        using (var http = cluster.Nodes[2].CreateHttpClient())
        {
            await Conditions.WaitUntilAsync(
                async () =>
                {
                    using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
                    return !health.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(30),
                "node 2 unhealthy");
        }

        await sending;
        await load.WaitUntilDeliveredAsync(deadline.Token);
        await load.StopAsync();
        var verdict = load.Verify();
        Report(cluster, load, verdict, started);
        output.WriteLine($"acknowledged at the cut {acknowledgedAtCut}; closes: {string.Join(", ", load.Closes.Select(c => $"node {c.Node}: {c.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no close frame"}"))}");

        Assert.All(load.Closes.Where(c => c.Node == 2), c => Assert.Equal(4504, c.Status));
        Assert.True(acknowledgedAtCut < 1200, $"the cut came mid-load ({acknowledgedAtCut} acknowledged)");
        Assert.True(verdict.Acknowledged > acknowledgedAtCut, "the clients of node 2 went on elsewhere");
        Assert.Empty(verdict.Lost);
        Assert.Empty(verdict.Duplicates);
        Assert.Empty(verdict.Disorder);
    }
}

using Microsoft.Extensions.Time.Testing;
using Switchboard.Server.ServiceDesk;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.Tests.ServiceDesk.Domain;

/// <summary>
/// Several desk nodes (engines) on one real Redis: the exclusive transitions are decided in Redis, deadlines fire
/// exactly once on whichever node claims them, also when the node that set them is gone. The nodes share one clock
/// and one presence view (the cluster's presence); each has its own outbox (what its connections would get).
/// </summary>
public sealed class DeskClusterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DeskHarness.Start);
    private readonly FakePresence _presence = new();
    private readonly List<DeskHarness> _nodes = [];
    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..12];

    private static readonly ServiceDeskOptions Options = new()
    {
        TransferTimeoutMs = 30_000,
        ConversationIdleWarningMs = 240_000,
        ConversationIdleCloseMs = 300_000,
        VisitorGraceMs = 60_000,
    };

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private DeskHarness[] StartNodes(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _nodes.Add(new DeskHarness(Options, time: _time, kind: DeskStoreKind.Redis, redisPrefix: _prefix, presence: _presence));
        }

        return [.. _nodes];
    }

    /// <summary>"kill" a node: its timers and poller stop, its in-memory state is gone; Redis keeps the desk.</summary>
    private void Kill(DeskHarness node)
    {
        node.Dispose();
        _nodes.Remove(node);
    }

    private async Task AdvanceAsync(TimeSpan by)
    {
        // In steps no longer than the poll interval, so every live node polls, as real nodes would.
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromMilliseconds(500))
        {
            _time.Advance(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
            await DeskHarness.WaitUntilAsync(() => _nodes.All(n => n.Engine.Scheduler.Running == 0));
        }
    }

    private IEnumerable<Sent> AllSent(string kind) => _nodes.SelectMany(n => n.Outbox.Of(kind));

    [Fact]
    public async Task Grab_race_over_three_nodes_has_exactly_one_winner_every_round()
    {
        const int rounds = 50;
        var nodes = StartNodes(3);
        var agents = new List<(DeskHarness Node, DeskActor Agent)>();
        for (var i = 0; i < 8; i++)
        {
            var node = nodes[i % 3];
            agents.Add((node, await node.ConnectAsync(DeskHarness.Agent("a" + i, i % 2 == 0 ? "web" : "app"))));
        }

        for (var round = 0; round < rounds; round++)
        {
            var visitorNode = nodes[round % 3];
            var visitor = await visitorNode.ConnectAsync(DeskHarness.Visitor("v" + round));
            var conversation = await visitorNode.Engine.RequestServiceAsync(visitor, null, "hi " + round, null);
            using var start = new ManualResetEventSlim();
            var attempts = agents.Select(x => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    await x.Node.Engine.GrabAsync(x.Agent, conversation.Id, null);
                    return (x.Agent.User.Id, Code: (DeskErrorCode?)null);
                }
                catch (DeskException ex)
                {
                    return (x.Agent.User.Id, Code: (DeskErrorCode?)ex.Code);
                }
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(attempts);

            var winner = Assert.Single(results, r => r.Code is null);
            Assert.Equal(7, results.Count(r => r.Code == DeskErrorCode.GrabLost));
            var stored = await nodes[(round + 1) % 3].Engine.GetConversationAsync(conversation.Id);
            Assert.Equal((DeskConversationState.Active, winner.Id), (stored!.State, stored.Agent!.User.Id));

            // The visitor's stream got exactly one owner, the winner.
            var toVisitor = _nodes.SelectMany(n => n.Outbox.To(RecordingOutbox.Key(visitor.Party)))
                .Where(s => s.Kind == "CONVERSATION" && s.Detail == "Active").ToArray();
            Assert.Equal(winner.Id, ((DeskConversation)Assert.Single(toVisitor).Payload).Agent!.User.Id);
        }

        Assert.Equal(rounds, AllSent("QIANGDAN").Count(s => s.Detail == "Taken"));
        Assert.Equal(rounds, (await nodes[0].Engine.GetDayAccessAsync("nobody")).Total);
    }

    private async Task<(DeskHarness[] Nodes, DeskActor A, DeskActor B, DeskActor V, DeskConversation C)> ActiveOnNodeZeroAsync()
    {
        var nodes = StartNodes(3);
        var a = await nodes[0].ConnectAsync(DeskHarness.Agent("a1"));
        var b = await nodes[1].ConnectAsync(DeskHarness.Agent("b1", "app"));
        var v = await nodes[2].ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await nodes[2].Engine.RequestServiceAsync(v, null, null, null);
        c = await nodes[0].Engine.GrabAsync(a, c.Id, null);
        return (nodes, a, b, v, c);
    }

    [Fact]
    public async Task Transfer_between_agents_on_different_nodes_accept_and_refuse()
    {
        var (nodes, a, b, _, c) = await ActiveOnNodeZeroAsync();
        var refusedTransfer = await nodes[0].Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        await nodes[1].Engine.RefuseTransferAsync(b, refusedTransfer.Id, "busy", null);
        Assert.Equal("a1", (await nodes[2].Engine.GetConversationAsync(c.Id))!.Agent!.User.Id);

        var t = await nodes[0].Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        var moved = await nodes[1].Engine.AcceptTransferAsync(b, t.Id, null);
        Assert.Equal(("b1", "app"), (moved.Agent!.User.Id, moved.Agent.Namespace));
        Assert.Equal(DeskErrorCode.NotParticipant, (await Assert.ThrowsAsync<DeskException>(() => nodes[0].Engine.SendMessageAsync(a, c.Id, "x"))).Code);
        Assert.Equal(DeskErrorCode.TransferNotFound, (await Assert.ThrowsAsync<DeskException>(() => nodes[2].Engine.AcceptTransferAsync(b, t.Id, null))).Code);
        await AdvanceAsync(TimeSpan.FromSeconds(31));
        Assert.Empty(AllSent("TRANSFER_ERROR")); // the accepted transfer's deadline went with the transition
    }

    [Fact]
    public async Task Transfer_times_out_exactly_once_when_the_requesting_node_is_gone()
    {
        var (nodes, a, b, _, c) = await ActiveOnNodeZeroAsync();
        var t = await nodes[0].Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        Kill(nodes[0]);

        await AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Empty(AllSent("TRANSFER_ERROR"));
        await AdvanceAsync(TimeSpan.FromSeconds(3));
        var errors = AllSent("TRANSFER_ERROR").ToArray();
        Assert.Equal(["a1", "b1"], errors.Select(e => e.Recipient).Order());
        Assert.All(errors, e => Assert.Equal("4007", e.Detail));
        Assert.Equal(DeskTransferState.Expired, (await nodes[1].Engine.GetTransferAsync(t.Id))!.State);
        Assert.Equal(DeskErrorCode.TransferTimeout, (await Assert.ThrowsAsync<DeskException>(() => nodes[1].Engine.AcceptTransferAsync(b, t.Id, null))).Code);

        await AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, AllSent("TRANSFER_ERROR").Count());
    }

    [Fact]
    public async Task Idle_timer_set_on_a_node_that_is_gone_fires_once_on_a_survivor()
    {
        var (nodes, _, _, _, c) = await ActiveOnNodeZeroAsync(); // node 0 armed the idle deadline with the grab
        Kill(nodes[0]);

        await AdvanceAsync(TimeSpan.FromSeconds(241));
        var warnings = AllSent("TIMER").ToArray();
        Assert.Equal(["web/a1", "web/v1"], warnings.Select(w => w.Recipient).Order());
        Assert.All(warnings, w => Assert.Equal(c.Id, ((DeskTimer)w.Payload).ConversationId));

        await AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, AllSent("TIMER").Count()); // one warning per participant, cluster-wide
        var closed = await nodes[1].Engine.GetConversationAsync(c.Id);
        Assert.Equal((DeskConversationState.Closed, DeskCloseReasons.Idle), (closed!.State, closed.CloseReason));
        Assert.Equal(2, AllSent("CONVERSATION").Count(s => s.Detail == "Closed"));
    }

    [Fact]
    public async Task Agent_reconnecting_to_another_node_keeps_its_open_conversation()
    {
        var nodes = StartNodes(2);
        var a = await nodes[0].ConnectAsync(DeskHarness.Agent("a1"));
        var v1 = await nodes[0].ConnectAsync(DeskHarness.Visitor("v1"));
        var v2 = await nodes[0].ConnectAsync(DeskHarness.Visitor("v2"));
        var c1 = await nodes[0].Engine.RequestServiceAsync(v1, null, null, null);
        var c2 = await nodes[0].Engine.RequestServiceAsync(v2, null, null, null);
        await nodes[0].Engine.GrabAsync(a, c1.Id, null);
        await nodes[0].Engine.GrabAsync(a, c2.Id, null);
        await nodes[0].Engine.OpenConversationAsync(a, c1.Id, null);

        // The agent's connection moves to node 1 (node 0 goes away); the visitors send through node 1.
        Kill(nodes[0]);
        Assert.Equal(c1.Id, await nodes[1].Engine.GetOpenConversationAsync("a1", "web"));
        await nodes[1].Engine.SendMessageAsync(v1, c1.Id, "open one");
        await nodes[1].Engine.SendMessageAsync(v2, c2.Id, "other one");
        Assert.Equal(
            [("NEW_MESSAGE", "open one"), ("NEW_MESSAGE_USER", "other one")],
            nodes[1].Outbox.To("web/a1").Select(s => (s.Kind, s.Detail!)));
    }
}

using Switchboard.Server.ServiceDesk;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.Tests.ServiceDesk.Domain;

/// <summary>The engine's rules on the SQLite store (one node).</summary>
public sealed class SqliteServiceDeskEngineTests() : ServiceDeskEngineTests(DeskStoreKind.Sqlite);

/// <summary>The same rules on the Redis store (a real redis-server): one implementation, two stores.</summary>
public sealed class RedisServiceDeskEngineTests() : ServiceDeskEngineTests(DeskStoreKind.Redis);

public abstract class ServiceDeskEngineTests : IDisposable
{
    private static readonly object ReplyToken = new();

    private readonly DeskStoreKind _kind;
    private readonly DeskHarness _h;

    protected ServiceDeskEngineTests(DeskStoreKind kind)
    {
        _kind = kind;
        _h = new(
            new ServiceDeskOptions
            {
                TransferTimeoutMs = 30_000,
                ConversationIdleWarningMs = 240_000,
                ConversationIdleCloseMs = 300_000,
                VisitorGraceMs = 60_000,
            },
            kind: kind);
    }

    public void Dispose()
    {
        _h.Dispose();
        GC.SuppressFinalize(this);
    }

    private static async Task<DeskErrorCode> ErrorOf(Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<DeskException>(action);
        return ex.Code;
    }

    private Task<DeskConversation> Request(DeskActor visitor, string? data = null) => _h.Engine.RequestServiceAsync(visitor, null, data, null);

    private Task<DeskConversation> Grab(DeskActor agent, string id) => _h.Engine.GrabAsync(agent, id, null);

    [Fact]
    public async Task RequestService_queues_with_position_replies_durably_and_announces_to_agents()
    {
        var v1 = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var v2 = await _h.ConnectAsync(DeskHarness.Visitor("v2", "app"));
        var c1 = await _h.Engine.RequestServiceAsync(v1, "billing", "hello", ReplyToken);
        var c2 = await Request(v2);

        Assert.Equal(DeskConversationState.Waiting, c1.State);
        Assert.Equal((1, 2), (c1.Position, c2.Position));
        Assert.Equal("billing", c1.Topic);
        Assert.Equal("app", c2.Visitor.Namespace);
        // SB-CS-002/003: CONVERSATION (the reply) then the first message as NEW_MESSAGE, then QIANGDAN.
        var toV1 = _h.Outbox.To("web/v1");
        Assert.Equal(["CONVERSATION", "NEW_MESSAGE"], toV1.Select(s => s.Kind));
        Assert.Same(ReplyToken, toV1[0].ReplyContext);
        Assert.Equal("hello", toV1[1].Detail);
        var announced = _h.Outbox.Of("QIANGDAN");
        Assert.Equal(2, announced.Count);
        Assert.All(announced, s => Assert.Equal("Waiting", s.Detail));
        Assert.Equal([c1.Id, c2.Id], (await _h.Engine.ListWaitingAsync()).Select(c => c.Id));
    }

    [Fact]
    public async Task RequestService_twice_is_4008_until_the_conversation_is_closed()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        Assert.Equal(DeskErrorCode.AlreadyInService, await ErrorOf(() => Request(v)));
        Assert.Equal(DeskErrorCode.AlreadyInService, await ErrorOf(() => Request(v with { Namespace = "app" })));

        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        await Grab(a, c.Id);
        Assert.Equal(DeskErrorCode.AlreadyInService, await ErrorOf(() => Request(v)));

        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        var again = await Request(v);
        Assert.NotEqual(c.Id, again.Id);
    }

    [Fact]
    public async Task Grab_race_has_exactly_one_winner_every_round()
    {
        const int rounds = 20;
        const int agents = 8;
        var agentActors = new List<DeskActor>();
        for (var i = 0; i < agents; i++)
        {
            agentActors.Add(await _h.ConnectAsync(DeskHarness.Agent("a" + i, i % 2 == 0 ? "web" : "app")));
        }

        var winners = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            var visitor = await _h.ConnectAsync(DeskHarness.Visitor("v" + round));
            var conversation = await Request(visitor, "hi " + round);
            using var start = new ManualResetEventSlim();
            var attempts = agentActors.Select(a => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    var won = await _h.Engine.GrabAsync(a, conversation.Id, null);
                    return (Agent: a.User.Id, Won: true, Code: (DeskErrorCode?)null, Conversation: (DeskConversation?)won);
                }
                catch (DeskException ex)
                {
                    return (Agent: a.User.Id, Won: false, Code: (DeskErrorCode?)ex.Code, Conversation: (DeskConversation?)null);
                }
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(attempts);

            var won = Assert.Single(results, r => r.Won);
            Assert.All(results.Where(r => !r.Won), r => Assert.Equal(DeskErrorCode.GrabLost, r.Code));
            Assert.Equal(won.Agent, won.Conversation!.Agent!.User.Id);
            Assert.Equal(DeskConversationState.Active, (await _h.Engine.GetConversationAsync(conversation.Id))!.State);
            winners.Add(won.Agent);
        }

        Assert.Equal(rounds, _h.Outbox.Of("QIANGDAN").Count(s => s.Detail == "Taken"));
        foreach (var group in winners.GroupBy(w => w))
        {
            Assert.Equal(group.Count(), (await _h.Engine.GetDayAccessAsync(group.Key)).Count);
        }

        Assert.Equal(rounds, (await _h.Engine.GetDayAccessAsync("nobody")).Total);
    }

    [Fact]
    public async Task Grab_of_unknown_is_4001_and_of_a_non_waiting_conversation_is_4002()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var b = await _h.ConnectAsync(DeskHarness.Agent("b1"));
        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => Grab(a, "nope")));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        await Grab(a, c.Id);
        Assert.Equal(DeskErrorCode.GrabLost, await ErrorOf(() => Grab(b, c.Id)));
        Assert.Equal(DeskErrorCode.GrabLost, await ErrorOf(() => Grab(a, c.Id)));
        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        Assert.Equal(DeskErrorCode.GrabLost, await ErrorOf(() => Grab(b, c.Id)));
    }

    [Fact]
    public async Task Grab_replies_with_the_winners_copy_then_history_visitor_queue_and_day_access()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1", "app"));
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var c = await Request(v, "first");
        await _h.Engine.SendMessageAsync(v, c.Id, "second");
        _h.Outbox.Clear();

        await _h.Engine.GrabAsync(a, c.Id, ReplyToken);

        var sent = _h.Outbox.All;
        Assert.Equal(
            [("CONVERSATION", "web/a1"), ("NEW_MESSAGE_USER", "web/a1"), ("NEW_MESSAGE_USER", "web/a1"), ("CONVERSATION", "app/v1"), ("QIANGDAN", "*agents"), ("DAY_ACCESS", "*agents")],
            sent.Select(s => (s.Kind, s.Recipient)));
        Assert.Same(ReplyToken, sent[0].ReplyContext);
        Assert.Null(sent[3].ReplyContext);
        Assert.Equal("Active", sent[3].Detail);
        Assert.Equal(["first", "second"], sent.Where(s => s.Kind == "NEW_MESSAGE_USER").Select(s => s.Detail));
        var counts = (IReadOnlyList<DayAccessLine>)sent[5].Payload;
        Assert.Equal(("a1", 1L), (Assert.Single(counts).Agent.Id, counts[0].Count));
        Assert.Equal("2026-11-23", sent[5].Detail);
    }

    [Fact]
    public async Task History_on_a_new_owner_is_capped_at_the_last_100_messages()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var c = await Request(v, "m0");
        for (var i = 1; i < 120; i++)
        {
            await _h.Engine.SendMessageAsync(v, c.Id, "m" + i);
        }

        _h.Outbox.Clear();
        await Grab(a, c.Id);
        var history = _h.Outbox.To("web/a1").Where(s => s.Kind.StartsWith("NEW_MESSAGE", StringComparison.Ordinal)).Select(s => s.Detail).ToArray();
        Assert.Equal(Enumerable.Range(20, 100).Select(i => "m" + i), history);
    }

    [Fact]
    public async Task Day_access_counts_distinct_visitors_per_agent_and_day()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var b = await _h.ConnectAsync(DeskHarness.Agent("b1"));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c1 = await Request(v);
        await Grab(a, c1.Id);
        await _h.Engine.CloseConversationAsync(v, c1.Id, null);
        var c2 = await Request(v);
        _h.Outbox.Clear();
        await Grab(a, c2.Id); // same visitor, same agent, same day: still 1
        Assert.Empty(_h.Outbox.Of("DAY_ACCESS"));
        Assert.Equal((1L, 1L), ((await _h.Engine.GetDayAccessAsync("a1")).Count, (await _h.Engine.GetDayAccessAsync("a1")).Total));

        var t = await _h.Engine.RequestTransferAsync(a, c2.Id, "b1", null, null);
        await _h.Engine.AcceptTransferAsync(b, t.Id, null); // taken by a second agent: counts for b1 too
        Assert.Equal((1L, 2L), ((await _h.Engine.GetDayAccessAsync("b1")).Count, (await _h.Engine.GetDayAccessAsync("b1")).Total));
        Assert.Equal(["a1", "b1"], (await _h.Engine.ListDayAccessAsync("2026-11-23")).Select(l => l.Agent.Id));
        Assert.Single(_h.Outbox.Of("DAY_ACCESS"));
    }

    [Fact]
    public async Task Messages_go_to_both_streams_with_the_owner_event_decided_by_the_open_conversation()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var v1 = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var v2 = await _h.ConnectAsync(DeskHarness.Visitor("v2"));
        var c1 = await Request(v1);
        var c2 = await Request(v2);
        await Grab(a, c1.Id);
        await Grab(a, c2.Id);
        await _h.Engine.OpenConversationAsync(a, c1.Id, null);
        _h.Outbox.Clear();

        await _h.Engine.SendMessageAsync(v1, c1.Id, "in open");
        await _h.Engine.SendMessageAsync(v2, c2.Id, "in other");
        await _h.Engine.OpenConversationAsync(a, c2.Id, null); // last wins
        await _h.Engine.SendMessageAsync(v1, c1.Id, "now other");
        await _h.Engine.SendMessageAsync(v2, c2.Id, "now open");
        await _h.Engine.OpenConversationAsync(a, null, null); // none open
        await _h.Engine.SendMessageAsync(v2, c2.Id, "none open");
        var reply = await _h.Engine.SendMessageAsync(a, c1.Id, "from agent");

        Assert.Equal(
            [("NEW_MESSAGE", "in open"), ("NEW_MESSAGE_USER", "in other"), ("NEW_MESSAGE_USER", "now other"), ("NEW_MESSAGE", "now open"), ("NEW_MESSAGE_USER", "none open"), ("NEW_MESSAGE_USER", "from agent")],
            _h.Outbox.To("web/a1").Select(s => (s.Kind, s.Detail!)));
        // The visitor always gets NEW_MESSAGE, its own messages included.
        Assert.All(_h.Outbox.To("web/v1").Concat(_h.Outbox.To("web/v2")), s => Assert.Equal("NEW_MESSAGE", s.Kind));
        Assert.Equal(["in open", "now other", "from agent"], _h.Outbox.To("web/v1").Select(s => s.Detail));
        Assert.Equal(c1.Id, reply.ConversationId);
        Assert.Equal(26, reply.Id.Length);
    }

    [Fact]
    public async Task Waiting_messages_reach_only_the_visitor_stream()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        _h.Outbox.Clear();
        await _h.Engine.SendMessageAsync(v, c.Id, "anyone?");
        Assert.Equal(("NEW_MESSAGE", "web/v1"), (Assert.Single(_h.Outbox.All).Kind, _h.Outbox.All[0].Recipient));
    }

    [Fact]
    public async Task Open_conversation_is_per_namespace()
    {
        var web = await _h.ConnectAsync(DeskHarness.Agent("a1", "web"));
        var app = await _h.ConnectAsync(DeskHarness.Agent("a1", "app"));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        await Grab(web, c.Id);
        await _h.Engine.OpenConversationAsync(app, c.Id, null);
        Assert.Null(await _h.Engine.GetOpenConversationAsync("a1", "web"));
        Assert.Equal(c.Id, await _h.Engine.GetOpenConversationAsync("a1", "app"));
        _h.Outbox.Clear();
        await _h.Engine.SendMessageAsync(v, c.Id, "x");
        // The conversation lives in the owner's web stream, where it is not open.
        Assert.Equal("NEW_MESSAGE_USER", Assert.Single(_h.Outbox.To("web/a1")).Kind);
    }

    [Fact]
    public async Task Send_open_and_close_errors_follow_the_spec_order()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var b = await _h.ConnectAsync(DeskHarness.Agent("b1"));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var stranger = await _h.ConnectAsync(DeskHarness.Visitor("v2"));
        var c = await Request(v);
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.SendMessageAsync(a, c.Id, "x"))); // waiting: no owner yet
        await Grab(a, c.Id);

        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => _h.Engine.SendMessageAsync(a, "missing", "x")));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.SendMessageAsync(b, c.Id, "x")));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.SendMessageAsync(stranger, c.Id, "x")));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.OpenConversationAsync(b, c.Id, null)));
        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => _h.Engine.OpenConversationAsync(b, "missing", null)));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.CloseConversationAsync(b, c.Id, null)));

        await _h.Engine.OpenConversationAsync(a, c.Id, null);
        var acked = 0;
        await _h.Engine.CloseConversationAsync(a, c.Id, () => { acked++; return ValueTask.CompletedTask; });
        Assert.Equal(1, acked);
        Assert.Equal(DeskErrorCode.ConversationClosed, await ErrorOf(() => _h.Engine.SendMessageAsync(v, c.Id, "x")));
        Assert.Equal(DeskErrorCode.ConversationClosed, await ErrorOf(() => _h.Engine.CloseConversationAsync(v, c.Id, null)));
        Assert.Equal(DeskErrorCode.ConversationClosed, await ErrorOf(() => _h.Engine.OpenConversationAsync(a, c.Id, null)));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.CloseConversationAsync(b, c.Id, null)));
    }

    [Fact]
    public async Task Close_notifies_both_participants_with_reason_and_clears_the_open_conversation()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        await Grab(a, c.Id);
        await _h.Engine.OpenConversationAsync(a, c.Id, null);
        _h.Outbox.Clear();
        var closed = await _h.Engine.CloseConversationAsync(v, c.Id, null);
        Assert.Equal(DeskCloseReasons.Visitor, closed.CloseReason);
        Assert.Equal(["web/v1", "web/a1"], _h.Outbox.Of("CONVERSATION").Select(s => s.Recipient));
        Assert.All(_h.Outbox.Of("CONVERSATION"), s => Assert.Equal("Closed", s.Detail));
        Assert.Null(await _h.Engine.GetOpenConversationAsync("a1", "web"));
    }

    [Fact]
    public async Task Backend_close_uses_reason_backend_and_refuses_closed_ones()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        var closed = await _h.Engine.CloseByBackendAsync(c.Id);
        Assert.Equal((DeskConversationState.Closed, DeskCloseReasons.Backend), (closed.State, closed.CloseReason));
        Assert.Equal(DeskErrorCode.ConversationClosed, await ErrorOf(() => _h.Engine.CloseByBackendAsync(c.Id)));
        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => _h.Engine.CloseByBackendAsync("missing")));
    }

    [Fact]
    public async Task Closing_a_waiting_conversation_withdraws_it_from_the_queue()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        Assert.Equal(["Waiting", "Withdrawn"], _h.Outbox.Of("QIANGDAN").Select(s => s.Detail));
        Assert.Empty(await _h.Engine.ListWaitingAsync());
    }

    private async Task<(DeskActor A, DeskActor B, DeskActor V, DeskConversation C)> ActiveWithTwoAgentsAsync()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1"));
        var b = await _h.ConnectAsync(DeskHarness.Agent("b1", "app"));
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        c = await Grab(a, c.Id);
        _h.Outbox.Clear();
        return (a, b, v, c);
    }

    [Fact]
    public async Task Transfer_request_is_checked_in_the_spec_order()
    {
        var (a, b, v, c) = await ActiveWithTwoAgentsAsync();
        var user = await _h.ConnectAsync(new DeskActor(new DeskUser("u1", "U", DeskRoles.User), "web", "cu"));
        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, "missing", "b1", null, null)));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.RequestTransferAsync(b, c.Id, "a1", null, null)));
        Assert.Equal(DeskErrorCode.TransferToSelf, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, "a1", null, null)));
        Assert.Equal(DeskErrorCode.TransferTargetOffline, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, "ghost", null, null)));
        Assert.Equal(DeskErrorCode.TransferTargetNotAgent, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, user.User.Id, null, null)));
        Assert.Equal(DeskErrorCode.TransferTargetNotAgent, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, v.User.Id, null, null)));
        Assert.Empty(_h.Outbox.Of("RTRANSFER"));

        await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        Assert.Equal(DeskErrorCode.TransferAlreadyPending, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, "ghost", null, null)));
        Assert.Equal(DeskErrorCode.TransferToSelf, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, "a1", null, null)));

        var waiting = await Request(await _h.ConnectAsync(DeskHarness.Visitor("v9")));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, waiting.Id, "b1", null, null)));
        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        Assert.Equal(DeskErrorCode.ConversationClosed, await ErrorOf(() => _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null)));
    }

    [Fact]
    public async Task Transfer_accept_moves_the_conversation_to_the_target()
    {
        var (a, b, v, c) = await ActiveWithTwoAgentsAsync();
        await _h.Engine.SendMessageAsync(v, c.Id, "before transfer");
        await _h.Engine.OpenConversationAsync(a, c.Id, null);
        DeskTransfer? replied = null;
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", "VIP", x => { replied = x; return ValueTask.CompletedTask; });
        Assert.Same(t, replied);
        Assert.Equal(DeskTransferState.Pending, t.State);
        Assert.Equal(DeskHarness.Start + TimeSpan.FromSeconds(30), t.ExpiresAt);
        var rtransfer = Assert.Single(_h.Outbox.Of("RTRANSFER"));
        Assert.Equal("b1", rtransfer.Recipient);
        Assert.Equal("VIP", ((DeskTransfer)rtransfer.Payload).Note);

        // While pending the requester stays the owner (SB-XFER-011).
        await _h.Engine.SendMessageAsync(a, c.Id, "still mine");

        // Only the target may answer.
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.AcceptTransferAsync(a, t.Id, null)));
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.AcceptTransferAsync(b, "missing", null)));

        _h.Outbox.Clear();
        var moved = await _h.Engine.AcceptTransferAsync(b, t.Id, null);
        Assert.Equal("b1", moved.Agent!.User.Id);
        Assert.Equal("app", moved.Agent.Namespace);
        Assert.Equal(["app/b1", "web/v1", "web/a1"], _h.Outbox.Of("CONVERSATION").Select(s => s.Recipient));
        Assert.Equal(["before transfer", "still mine"], _h.Outbox.To("app/b1").Where(s => s.Kind == "NEW_MESSAGE_USER").Select(s => s.Detail));
        Assert.Equal("a1", Assert.Single(_h.Outbox.Of("TRANSFER")).Recipient);
        Assert.Equal((1L, 2L), ((await _h.Engine.GetDayAccessAsync("b1")).Count, (await _h.Engine.GetDayAccessAsync("b1")).Total));
        Assert.Null(await _h.Engine.GetOpenConversationAsync("a1", "web"));

        // The previous owner is out (SB-XFER-010); the new one is in.
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.SendMessageAsync(a, c.Id, "x")));
        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.CloseConversationAsync(a, c.Id, null)));
        _h.Outbox.Clear();
        await _h.Engine.SendMessageAsync(v, c.Id, "hello b");
        Assert.Equal(["web/v1", "app/b1"], _h.Outbox.All.Select(s => s.Recipient));
        // Accepting twice: no longer pending.
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.AcceptTransferAsync(b, t.Id, null)));
        // The timer was disarmed: nothing expires later.
        await _h.AdvanceAsync(TimeSpan.FromSeconds(31));
        Assert.Empty(_h.Outbox.Of("TRANSFER_ERROR"));
    }

    [Fact]
    public async Task Transfer_refuse_tells_the_requester()
    {
        var (a, b, _, c) = await ActiveWithTwoAgentsAsync();
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        await _h.Engine.RefuseTransferAsync(b, t.Id, "busy", null);
        var refused = Assert.Single(_h.Outbox.Of("REFUSE_TRANSFER"));
        Assert.Equal(("a1", "busy"), (refused.Recipient, refused.Detail));
        Assert.Equal("a1", (await _h.Engine.GetConversationAsync(c.Id))!.Agent!.User.Id);
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.AcceptTransferAsync(b, t.Id, null)));
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.RefuseTransferAsync(b, t.Id, null, null)));
        // A new request is possible once the previous one ended.
        await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
    }

    [Fact]
    public async Task Transfer_times_out_on_the_clock_and_then_accept_is_4007()
    {
        var (a, b, _, c) = await ActiveWithTwoAgentsAsync();
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Empty(_h.Outbox.Of("TRANSFER_ERROR"));
        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var errors = _h.Outbox.Of("TRANSFER_ERROR");
        Assert.Equal(["a1", "b1"], errors.Select(s => s.Recipient).Order());
        Assert.All(errors, e => Assert.Equal("4007", e.Detail));
        Assert.Equal(DeskErrorCode.TransferTimeout, await ErrorOf(() => _h.Engine.AcceptTransferAsync(b, t.Id, null)));
        Assert.Equal(DeskErrorCode.TransferTimeout, await ErrorOf(() => _h.Engine.RefuseTransferAsync(b, t.Id, null, null)));
        Assert.Equal("a1", (await _h.Engine.GetConversationAsync(c.Id))!.Agent!.User.Id);
    }

    [Fact]
    public async Task A_stale_or_replayed_deadline_claim_does_nothing()
    {
        var (a, _, _, c) = await ActiveWithTwoAgentsAsync();
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        var later = DeskHarness.Start + TimeSpan.FromSeconds(31);
        var deadline = Assert.Single(await _h.Store.ListDueDeadlinesAsync(later, 10, CancellationToken.None), d => d.Key == DeskDeadline.TransferKey(t.Id));

        // Another scheduling's token (a stale deadline): nothing happens, the real one stays.
        Assert.Null(await _h.Store.ClaimTransferTimeoutAsync(deadline with { Token = "stale" }, later, CancellationToken.None));
        // Not due yet at the claimant's clock: nothing happens.
        Assert.Null(await _h.Store.ClaimTransferTimeoutAsync(deadline, DeskHarness.Start, CancellationToken.None));
        Assert.Equal(DeskTransferState.Pending, (await _h.Engine.GetTransferAsync(t.Id))!.State);

        var expired = await _h.Store.ClaimTransferTimeoutAsync(deadline, later, CancellationToken.None);
        Assert.Equal(DeskTransferState.Expired, expired!.State);
        // Replayed (a second node with the same entry): nothing happens.
        Assert.Null(await _h.Store.ClaimTransferTimeoutAsync(deadline, later, CancellationToken.None));
        Assert.DoesNotContain(await _h.Store.ListDueDeadlinesAsync(later, 10, CancellationToken.None), d => d.Key == deadline.Key);
    }

    [Fact]
    public async Task Open_conversation_is_persisted_state_shared_by_every_engine_on_the_store()
    {
        var (a, _, v, c) = await ActiveWithTwoAgentsAsync();
        await _h.Engine.OpenConversationAsync(a, c.Id, null);
        Assert.Equal(c.Id, await _h.Store.GetOpenConversationAsync("a1", "web", CancellationToken.None));
        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        Assert.Null(await _h.Store.GetOpenConversationAsync("a1", "web", CancellationToken.None));
    }

    [Fact]
    public async Task Closing_the_conversation_fails_its_pending_transfer_with_4009()
    {
        var (a, b, v, c) = await ActiveWithTwoAgentsAsync();
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        await _h.Engine.CloseConversationAsync(v, c.Id, null);
        var errors = _h.Outbox.Of("TRANSFER_ERROR");
        Assert.Equal(["a1", "b1"], errors.Select(s => s.Recipient).Order());
        Assert.All(errors, e => Assert.Equal("4009", e.Detail));
        Assert.Equal(DeskErrorCode.TransferNotFound, await ErrorOf(() => _h.Engine.AcceptTransferAsync(b, t.Id, null)));
        await _h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, _h.Outbox.Of("TRANSFER_ERROR").Count);
    }

    [Fact]
    public async Task Target_going_offline_fails_the_transfer_with_4004_to_the_requester()
    {
        var (a, b, _, c) = await ActiveWithTwoAgentsAsync();
        var t = await _h.Engine.RequestTransferAsync(a, c.Id, "b1", null, null);
        _h.Presence.Disconnect(b.Party);
        await _h.Engine.OnDisconnectedAsync(b);
        var error = Assert.Single(_h.Outbox.Of("TRANSFER_ERROR"));
        Assert.Equal(("a1", "4004"), (error.Recipient, error.Detail));
        Assert.Equal(DeskTransferState.Failed, (await _h.Engine.GetTransferAsync(t.Id))!.State);
    }

    [Fact]
    public async Task Idle_conversation_gets_a_warning_then_closes_and_activity_moves_the_deadline()
    {
        var (a, _, v, c) = await ActiveWithTwoAgentsAsync();
        await _h.AdvanceAsync(TimeSpan.FromSeconds(200));
        await _h.Engine.SendMessageAsync(v, c.Id, "still here"); // idle clock restarts at t=200 s
        await _h.AdvanceAsync(TimeSpan.FromSeconds(100)); // t=300: 100 s idle, no warning yet
        Assert.Empty(_h.Outbox.Of("TIMER"));
        await _h.AdvanceAsync(TimeSpan.FromSeconds(140)); // t=440: 240 s idle -> warning
        var warnings = _h.Outbox.Of("TIMER");
        Assert.Equal(["web/a1", "web/v1"], warnings.Select(s => s.Recipient).Order());
        var timer = (DeskTimer)warnings[0].Payload;
        Assert.Equal((DeskTimerKinds.ConversationIdle, DeskTimerKinds.Warning, c.Id), (timer.Kind, timer.State, timer.ConversationId));
        Assert.Equal(60_000, timer.RemainingMs);
        Assert.Equal(DeskHarness.Start + TimeSpan.FromSeconds(500), timer.FiresAt);
        Assert.Equal(DeskConversationState.Active, (await _h.Engine.GetConversationAsync(c.Id))!.State);

        await _h.AdvanceAsync(TimeSpan.FromSeconds(60)); // t=500 -> closed
        var closed = await _h.Engine.GetConversationAsync(c.Id);
        Assert.Equal(DeskConversationState.Closed, closed!.State);
        Assert.Equal(DeskCloseReasons.Idle, closed.CloseReason);
        Assert.Equal(2, _h.Outbox.Of("CONVERSATION").Count(s => s.Detail == "Closed"));
        Assert.Equal(2, _h.Outbox.Of("TIMER").Count); // one warning per participant only
    }

    [Fact]
    public async Task A_message_after_the_warning_cancels_the_close()
    {
        var (a, _, _, c) = await ActiveWithTwoAgentsAsync();
        await _h.AdvanceAsync(TimeSpan.FromSeconds(250));
        Assert.Equal(2, _h.Outbox.Of("TIMER").Count);
        await _h.Engine.SendMessageAsync(a, c.Id, "ping");
        await _h.AdvanceAsync(TimeSpan.FromSeconds(100)); // 350 s after start, 100 s after the message
        Assert.Equal(DeskConversationState.Active, (await _h.Engine.GetConversationAsync(c.Id))!.State);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(140)); // 240 s after the message: a new warning
        Assert.Equal(4, _h.Outbox.Of("TIMER").Count);
    }

    [Fact]
    public async Task Offline_visitor_waiting_conversation_is_withdrawn_after_the_grace()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        _h.Presence.Disconnect(v.Party);
        await _h.Engine.OnDisconnectedAsync(v);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(59));
        Assert.Equal(DeskConversationState.Waiting, (await _h.Engine.GetConversationAsync(c.Id))!.State);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var withdrawn = await _h.Engine.GetConversationAsync(c.Id);
        Assert.Equal((DeskConversationState.Closed, DeskCloseReasons.Visitor), (withdrawn!.State, withdrawn.CloseReason));
        Assert.Equal("Withdrawn", _h.Outbox.Of("QIANGDAN")[^1].Detail);
    }

    [Fact]
    public async Task Visitor_back_within_the_grace_keeps_its_place()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        _h.Presence.Disconnect(v.Party);
        await _h.Engine.OnDisconnectedAsync(v);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(30));
        await _h.ConnectAsync(v);
        await _h.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(DeskConversationState.Waiting, (await _h.Engine.GetConversationAsync(c.Id))!.State);
    }

    [Fact]
    public async Task Grace_zero_keeps_waiting_conversations_of_offline_visitors()
    {
        using var h = new DeskHarness(new ServiceDeskOptions { VisitorGraceMs = 0 }, kind: _kind);
        var v = await h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await h.Engine.RequestServiceAsync(v, null, null, null);
        h.Presence.Disconnect(v.Party);
        await h.Engine.OnDisconnectedAsync(v);
        Assert.Equal(0, await h.Store.CountDeadlinesAsync(CancellationToken.None));
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal(DeskConversationState.Waiting, (await h.Engine.GetConversationAsync(c.Id))!.State);
    }

    [Fact]
    public async Task Visitor_disconnect_does_not_close_an_active_conversation()
    {
        var (a, _, v, c) = await ActiveWithTwoAgentsAsync();
        _h.Presence.Disconnect(v.Party);
        await _h.Engine.OnDisconnectedAsync(v);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(DeskConversationState.Active, (await _h.Engine.GetConversationAsync(c.Id))!.State);
        await _h.Engine.SendMessageAsync(a, c.Id, "are you there?");
        Assert.Equal("web/v1", _h.Outbox.Of("NEW_MESSAGE")[^1].Recipient);
    }

    [Fact]
    public async Task Agent_greeting_carries_day_access_and_the_waiting_queue()
    {
        var v = await _h.ConnectAsync(DeskHarness.Visitor("v1"));
        var c = await Request(v);
        DayAccessSnapshot? day = null;
        IReadOnlyList<DeskConversation>? queue = null;
        var agent = DeskHarness.Agent("a1", "app");
        _h.Presence.Connect(agent.Party);
        await _h.Engine.OnConnectedAsync(agent, (d, q) => { day = d; queue = q; return ValueTask.CompletedTask; });
        Assert.Equal(("2026-11-23", 0L, 0L), (day!.Date, day.Count, day.Total));
        Assert.Equal(c.Id, Assert.Single(queue!).Id);
    }

    [Fact]
    public async Task Work_orders_reach_the_assignee_in_the_callers_namespace_and_check_permissions()
    {
        var admin = DeskHarness.Admin("boss");
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1", "app"));
        var b = await _h.ConnectAsync(DeskHarness.Agent("b1"));
        DeskWorkOrder? replied = null;
        var order = await _h.Engine.CreateWorkOrderAsync(admin.User, "web", "Refund", "Order 42", "a1", null, o => { replied = o; return ValueTask.CompletedTask; }, ReplyToken);
        Assert.Same(order, replied);
        Assert.Equal(WorkOrderStatuses.Open, order.Status);
        Assert.Equal("Agent a1", order.Assignee!.Name);
        var womsg = Assert.Single(_h.Outbox.Of("WOMSG"));
        Assert.Equal("web/a1", womsg.Recipient);
        Assert.Null(womsg.ReplyContext); // the caller is not the assignee: plain reply + durable copy

        Assert.Equal(DeskErrorCode.NotParticipant, await ErrorOf(() => _h.Engine.UpdateWorkOrderAsync(b.User, "web", order.Id, WorkOrderStatuses.Closed, null, null, null)));
        Assert.Equal(DeskErrorCode.WorkOrderNotFound, await ErrorOf(() => _h.Engine.UpdateWorkOrderAsync(a.User, "app", "missing", WorkOrderStatuses.Closed, null, null, null)));
        Assert.Equal(DeskErrorCode.ConversationNotFound, await ErrorOf(() => _h.Engine.CreateWorkOrderAsync(a.User, "app", "t", "b", null, "missing", null, null)));

        // The assignee updates: its reply is the durable copy in its own stream (SB-ENV-015).
        replied = null;
        var updated = await _h.Engine.UpdateWorkOrderAsync(a.User, "app", order.Id, WorkOrderStatuses.InProgress, "on it", o => { replied = o; return ValueTask.CompletedTask; }, ReplyToken);
        Assert.Null(replied);
        Assert.Equal(("in_progress", "on it"), (updated.Status, updated.Comment));
        var second = _h.Outbox.Of("WOMSG")[1];
        Assert.Equal(("app/a1", "in_progress"), (second.Recipient, second.Detail));
        Assert.Same(ReplyToken, second.ReplyContext);
        await _h.Engine.UpdateWorkOrderAsync(admin.User, "web", order.Id, WorkOrderStatuses.Resolved, null, null, null);
        Assert.Equal(WorkOrderStatuses.Resolved, (await _h.Engine.GetWorkOrderAsync(order.Id))!.Status);
        Assert.Single(await _h.Engine.ListWorkOrdersAsync("a1", WorkOrderStatuses.Resolved, 10));
        Assert.Empty(await _h.Engine.ListWorkOrdersAsync("a1", WorkOrderStatuses.Open, 10));
    }

    [Fact]
    public async Task Work_order_assignee_identity_comes_from_the_last_connection_or_defaults()
    {
        var a = await _h.ConnectAsync(DeskHarness.Agent("a1", "app"));
        _h.Presence.Disconnect(a.Party);
        var known = await _h.Engine.CreateWorkOrderAsync(DeskHarness.Admin("boss").User, "web", "t", "b", "a1", null, null, null);
        var unknown = await _h.Engine.CreateWorkOrderAsync(DeskHarness.Admin("boss").User, "web", "t", "b", "never-seen", null, null, null);
        Assert.Equal(new DeskUser("a1", "Agent a1", DeskRoles.Agent), known.Assignee);
        Assert.Equal(new DeskUser("never-seen", "never-seen", DeskRoles.Agent), unknown.Assignee);
        Assert.Equal(["web/a1", "web/never-seen"], _h.Outbox.Of("WOMSG").Select(s => s.Recipient));
    }

    [Fact]
    public async Task Reminder_fires_to_its_connection_and_is_dropped_on_disconnect()
    {
        var u = DeskHarness.Visitor("v1");
        var timer = _h.Engine.SetReminder(u, 1500, "tea");
        Assert.Equal((DeskTimerKinds.Reminder, DeskTimerKinds.Scheduled, 1500L), (timer.Kind, timer.State, timer.RemainingMs));
        var dropped = _h.Engine.SetReminder(u with { ConnectionId = "other" }, 1500, null);
        await _h.Engine.OnDisconnectedAsync(u with { ConnectionId = "other" });
        await _h.AdvanceAsync(TimeSpan.FromMilliseconds(1499));
        Assert.Empty(_h.Outbox.Of("TIMER"));
        await _h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        var fired = Assert.Single(_h.Outbox.Of("TIMER"));
        Assert.Equal("conn:" + u.ConnectionId, fired.Recipient);
        var firedTimer = (DeskTimer)fired.Payload;
        Assert.Equal((timer.Id, DeskTimerKinds.Fired, 0L, "tea", timer.FiresAt), (firedTimer.Id, firedTimer.State, firedTimer.RemainingMs, firedTimer.Label, firedTimer.FiresAt));
        Assert.NotEqual(timer.Id, dropped.Id);
    }

    [Fact]
    public void Reminders_are_limited_per_connection()
    {
        var u = DeskHarness.Visitor("v1");
        for (var i = 0; i < ServiceDeskEngine.MaxRemindersPerConnection; i++)
        {
            _h.Engine.SetReminder(u, 60_000, null);
        }

        Assert.Equal(DeskErrorCode.RateLimited, Assert.Throws<DeskException>(() => _h.Engine.SetReminder(u, 60_000, null)).Code);
        _h.Engine.SetReminder(u with { ConnectionId = "another" }, 60_000, null);
    }

    [Fact]
    public async Task Lists_return_the_most_recent_rows_in_creation_order_and_the_queue_from_its_head()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var v = await _h.ConnectAsync(DeskHarness.Visitor("lv" + i));
            ids.Add((await Request(v)).Id);
            await _h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(ids[1..], (await _h.Engine.ListConversationsAsync(null, 2)).Select(c => c.Id));
        var head = await _h.Engine.ListConversationsAsync(DeskConversationState.Waiting, 2);
        Assert.Equal((ids[0], 1, ids[1], 2), (head[0].Id, head[0].Position, head[1].Id, head[1].Position));

        var orders = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add((await _h.Engine.CreateWorkOrderAsync(DeskHarness.Admin("boss").User, "web", "t" + i, "b", null, null, null, null)).Id);
            await _h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(orders[1..], (await _h.Engine.ListWorkOrdersAsync(null, null, 2)).Select(o => o.Id));
    }

    [Fact]
    public async Task Day_access_follows_the_utc_day()
    {
        await ActiveWithTwoAgentsAsync();
        Assert.Equal(1, (await _h.Engine.GetDayAccessAsync("a1")).Count);
        await _h.AdvanceAsync(TimeSpan.FromHours(19)); // 2026-11-24T00:00Z
        var tomorrow = await _h.Engine.GetDayAccessAsync("a1");
        Assert.Equal(("2026-11-24", 0L, 0L), (tomorrow.Date, tomorrow.Count, tomorrow.Total));
        Assert.Single(await _h.Engine.ListDayAccessAsync("2026-11-23"));
    }
}

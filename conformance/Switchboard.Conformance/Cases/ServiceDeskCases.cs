using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;

namespace Switchboard.Conformance.Cases;

/// <summary>Visitor queue, grab race, conversations, NEW_MESSAGE vs NEW_MESSAGE_USER, DAY_ACCESS.</summary>
internal static partial class ServiceDeskCases
{
    /// <summary>A visitor requests service; returns the visitor session and the conversation id.</summary>
    public static async Task<(WsSession Visitor, string ConversationId)> QueueAsync(CaseContext ctx, string visitorName = "visitor", string ns = "web")
    {
        var v = await Visitor(ctx, visitorName, ns);
        var conv = await v.CallAsync(Wire.RequestService, Obj(("topic", "billing"), ("data", "I need help")), Wire.Conversation);
        ctx.RequireEqual("waiting", conv.Str("state"), "CONVERSATION state after REQUEST_SERVICE", conv.Text);
        return (v, RequireString(ctx, conv, "conversation_id"));
    }

    /// <summary>An agent grabs a conversation and gets CONVERSATION active.</summary>
    public static async Task<Frame> GrabAsync(CaseContext ctx, WsSession agent, string conversationId)
    {
        var conv = await agent.CallAsync(Wire.Grab, Obj(("conversation_id", conversationId)), Wire.Conversation);
        ctx.RequireEqual("active", conv.Str("state"), "CONVERSATION state after GRAB", conv.Text);
        ctx.RequireEqual(agent.UserId, conv.Str("agent.id"), "CONVERSATION agent after GRAB", conv.Text);
        return conv;
    }

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("cs.request-service", Profiles.ServiceDesk, "REQUEST_SERVICE queues the visitor and announces QIANGDAN",
            "REQUEST_SERVICE is answered with CONVERSATION {state: waiting, visitor, topic, position} (durable); every online agent connection in both namespaces gets QIANGDAN {state: waiting}.",
            ["SB-CS-002", "SB-CS-005", "SB-NS-006", "SB-ENV-015"], async ctx =>
            {
                var agentWeb = await Agent(ctx, "agent1");
                var agentApp = await Agent(ctx, "agent2", "app");
                var user = await ctx.ConnectAsync("plainuser");
                var v = await Visitor(ctx);
                var conv = await v.CallAsync(Wire.RequestService, Obj(("topic", "billing"), ("data", "help")), Wire.Conversation);
                ctx.RequireEqual("waiting", conv.Str("state"), "CONVERSATION state", conv.Text);
                RequireUser(ctx, conv, "visitor", ctx.User("visitor"), "visitor");
                ctx.Require(conv.Seq is > 0, "CONVERSATION is durable (positive seq)", conv.Text);
                ctx.Require(conv.Int("position") is >= 1, "CONVERSATION position >= 1 while waiting", conv.Text);
                var id = RequireString(ctx, conv, "conversation_id");
                foreach (var a in new[] { agentWeb, agentApp })
                {
                    var q = await a.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id);
                    ctx.RequireEqual("waiting", q.Str("state"), "QIANGDAN state", q.Text);
                    RequireUser(ctx, q, "visitor", ctx.User("visitor"));
                    RequireTimestamp(ctx, q, "queued_at");
                }

                await user.ExpectNoEventAsync(Wire.Qiangdan);
                await v.ExpectNoEventAsync(Wire.Qiangdan);
            });

        yield return Define("cs.already-in-service", Profiles.ServiceDesk, "A second REQUEST_SERVICE -> ERROR 4008",
            "A visitor with an open conversation gets ERROR 4008 ALREADY_IN_SERVICE.",
            ["SB-CS-004"], async ctx =>
            {
                var (v, _) = await QueueAsync(ctx);
                var cid = await v.SendCommandAsync(Wire.RequestService, Obj(("topic", "again")));
                await v.ExpectErrorAsync(Err.AlreadyInService, cid);
            });

        yield return Define("cs.grab", Profiles.ServiceDesk, "GRAB assigns the conversation and withdraws the offer",
            "GRAB answers CONVERSATION {state: active, agent: me}; the visitor gets CONVERSATION active; every agent gets QIANGDAN {state: taken, agent}.",
            ["SB-CS-007", "SB-CS-010"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (v, id) = await QueueAsync(ctx);
                await a1.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id && f.Str("state") == "waiting");
                await GrabAsync(ctx, a1, id);
                var vc = await v.ExpectAsync(Wire.Conversation, f => f.Str("state") == "active");
                RequireUser(ctx, vc, "agent", ctx.User("agent1"), "agent");
                foreach (var a in new[] { a1, a2 })
                {
                    var q = await a.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id && f.Str("state") != "waiting");
                    ctx.RequireEqual("taken", q.Str("state"), "QIANGDAN state", q.Text);
                    ctx.RequireEqual(ctx.User("agent1"), q.Str("agent.id"), "QIANGDAN agent", q.Text);
                }
            });

        yield return Define("cs.grab-race", Profiles.ServiceDesk, "Concurrent GRABs: exactly one winner",
            "8 agents GRAB the same conversation at once: exactly one gets CONVERSATION active, the 7 others get ERROR 4002 GRAB_LOST; the visitor sees one agent.",
            ["SB-CS-008"], async ctx =>
            {
                var agents = new List<WsSession>();
                for (var i = 1; i <= 8; i++)
                {
                    agents.Add(await Agent(ctx, "agent" + S(i)));
                }

                var (v, id) = await QueueAsync(ctx);
                foreach (var a in agents)
                {
                    await a.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id);
                }

                var replies = await Task.WhenAll(agents.Select(a => a.RequestAsync(Wire.Grab, Obj(("conversation_id", id)))));
                var winners = replies.Where(r => r.Event == Wire.Conversation && r.Str("state") == "active").ToList();
                var losers = replies.Where(r => r.Event == Wire.Error && r.Int("code") == Err.GrabLost).ToList();
                ctx.RequireEqual(1, winners.Count, "number of GRAB winners", string.Join(" ", winners.Select(w => w.Text)));
                ctx.RequireEqual(7, losers.Count, "number of ERROR 4002 GRAB_LOST replies", string.Join(" ", replies.Select(r => r.Text)));
                var winner = winners[0].Str("agent.id");
                var vc = await v.ExpectAsync(Wire.Conversation, f => f.Str("state") == "active");
                ctx.RequireEqual(winner, vc.Str("agent.id"), "the visitor's agent is the winner", vc.Text);
                await v.ExpectNoEventAsync(Wire.Conversation, f => f.Str("state") == "active", "a second CONVERSATION active");
            }, snapshot: SnapshotMode.None);

        yield return Define("cs.grab-unknown", Profiles.ServiceDesk, "GRAB of an unknown conversation -> ERROR 4001",
            "GRAB with an id that does not exist gets ERROR 4001 CONVERSATION_NOT_FOUND.",
            ["SB-CS-009"], async ctx =>
            {
                var a = await Agent(ctx);
                var cid = await a.SendCommandAsync(Wire.Grab, Obj(("conversation_id", "no-such-conversation-" + ctx.Nonce)));
                await a.ExpectErrorAsync(Err.ConversationNotFound, cid);
            });

        yield return Define("cs.role-forbidden", Profiles.ServiceDesk, "Commands outside the role -> ERROR 2004, connection stays open",
            "A visitor's GRAB, a user's REQUEST_SERVICE and a visitor's GET_DAY_ACCESS get ERROR 2004 FORBIDDEN; the connection stays open.",
            ["SB-AUTH-016"], async ctx =>
            {
                var v = await Visitor(ctx);
                var cid = await v.SendCommandAsync(Wire.Grab, Obj(("conversation_id", "x")));
                await v.ExpectErrorAsync(Err.Forbidden, cid);
                cid = await v.SendCommandAsync(Wire.GetDayAccess, new JsonObject());
                await v.ExpectErrorAsync(Err.Forbidden, cid);
                var u = await ctx.ConnectAsync("plainuser");
                cid = await u.SendCommandAsync(Wire.RequestService, Obj(("topic", "x")));
                await u.ExpectErrorAsync(Err.Forbidden, cid);
                await AssertStillOpenAsync(ctx, v);
                await AssertStillOpenAsync(ctx, u);
            });

        yield return Define("cs.messages-open-vs-other", Profiles.ServiceDesk, "NEW_MESSAGE for the open conversation, NEW_MESSAGE_USER for others",
            "An agent with conversation A open gets NEW_MESSAGE for A's messages and NEW_MESSAGE_USER for B's; after OPEN_CONVERSATION B it is the other way round; the visitor always gets NEW_MESSAGE.",
            ["SB-CS-014", "SB-CS-016", "SB-CS-017"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (va, a) = await QueueAsync(ctx, "visitora");
                var (vb, b) = await QueueAsync(ctx, "visitorb");
                await GrabAsync(ctx, agent, a);
                await GrabAsync(ctx, agent, b);
                var ack = await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", a)), Wire.Ack);
                ctx.RequireEqual(Wire.OpenConversation, ack.Str("command"), "ACK command", ack.Text);

                var okA = await va.CallAsync(Wire.SendMessage, Obj(("conversation_id", a), ("data", "from A")), Wire.SendMessageSuccess);
                ctx.RequireEqual(a, okA.Str("conversation_id"), "SEND_MESSAGE_SUCCESS conversation_id", okA.Text);
                var m = await agent.ExpectAsync(null, f => f.Str("data") == "from A" && f.Event is Wire.NewMessage or Wire.NewMessageUser);
                ctx.RequireEqual(Wire.NewMessage, m.Event, "event for a message of the open conversation", m.Text);
                ctx.RequireEqual(okA.Str("message_id"), m.Str("message_id"), "message_id", m.Text);
                RequireUser(ctx, m, "user", ctx.User("visitora"), "visitor");
                ctx.Require(m.Seq is > 0, "NEW_MESSAGE is durable", m.Text);

                await vb.CallAsync(Wire.SendMessage, Obj(("conversation_id", b), ("data", "from B")), Wire.SendMessageSuccess);
                var mb = await agent.ExpectAsync(null, f => f.Str("data") == "from B" && f.Event is Wire.NewMessage or Wire.NewMessageUser);
                ctx.RequireEqual(Wire.NewMessageUser, mb.Event, "event for a message of another conversation", mb.Text);
                ctx.RequireEqual(b, mb.Str("conversation_id"), "conversation_id", mb.Text);

                await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", b)), Wire.Ack);
                await vb.CallAsync(Wire.SendMessage, Obj(("conversation_id", b), ("data", "B again")), Wire.SendMessageSuccess);
                var mb2 = await agent.ExpectAsync(null, f => f.Str("data") == "B again" && f.Event is Wire.NewMessage or Wire.NewMessageUser);
                ctx.RequireEqual(Wire.NewMessage, mb2.Event, "event after OPEN_CONVERSATION B", mb2.Text);
                await va.CallAsync(Wire.SendMessage, Obj(("conversation_id", a), ("data", "A again")), Wire.SendMessageSuccess);
                var ma2 = await agent.ExpectAsync(null, f => f.Str("data") == "A again" && f.Event is Wire.NewMessage or Wire.NewMessageUser);
                ctx.RequireEqual(Wire.NewMessageUser, ma2.Event, "event for A after B was opened", ma2.Text);

                await agent.CallAsync(Wire.SendMessage, Obj(("conversation_id", a), ("data", "agent says")), Wire.SendMessageSuccess);
                var vm = await va.ExpectAsync(null, f => f.Str("data") == "agent says");
                ctx.RequireEqual(Wire.NewMessage, vm.Event, "the visitor's event", vm.Text);
                RequireUser(ctx, vm, "user", ctx.User("agent"), "agent");
                await vb.ExpectNoEventAsync(null, f => f.Str("data") == "agent says", "the message of another conversation");
            });

        yield return Define("cs.send-not-participant", Profiles.ServiceDesk, "SEND_MESSAGE by a non-participant -> 4003",
            "An agent that does not own the conversation gets SEND_MESSAGE_ERROR 4003; an unknown id gets 4001.",
            ["SB-CS-019"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (_, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                var cid = await a2.SendCommandAsync(Wire.SendMessage, Obj(("conversation_id", id), ("data", "intrude")));
                await a2.ExpectErrorAsync(Err.NotParticipant, cid, Wire.SendMessageError);
                cid = await a2.SendCommandAsync(Wire.SendMessage, Obj(("conversation_id", "nope-" + ctx.Nonce), ("data", "x")));
                await a2.ExpectErrorAsync(Err.ConversationNotFound, cid, Wire.SendMessageError);
            });

        yield return Define("cs.close-conversation", Profiles.ServiceDesk, "CLOSE_CONVERSATION closes for both sides",
            "CLOSE_CONVERSATION by the visitor is acknowledged; visitor and agent get CONVERSATION {state: closed, reason: visitor}; a later SEND_MESSAGE gets SEND_MESSAGE_ERROR 4009.",
            ["SB-CS-020", "SB-CS-001"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                foreach (var s in new[] { v, agent })
                {
                    var c = await s.ExpectAsync(Wire.Conversation, f => f.Str("state") == "closed");
                    ctx.RequireEqual("visitor", c.Str("reason"), "CONVERSATION reason", c.Text);
                }

                var cid = await agent.SendCommandAsync(Wire.SendMessage, Obj(("conversation_id", id), ("data", "too late")));
                await agent.ExpectErrorAsync(Err.ConversationClosed, cid, Wire.SendMessageError);
            });

        yield return Define("cs.withdrawn", Profiles.ServiceDesk, "Closing a waiting conversation withdraws the offer",
            "When a waiting visitor closes, agents get QIANGDAN {state: withdrawn} and a later GRAB fails (4001/4002/4009).",
            ["SB-CS-021"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id && f.Str("state") == "waiting");
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                var q = await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id && f.Str("state") != "waiting");
                ctx.RequireEqual("withdrawn", q.Str("state"), "QIANGDAN state", q.Text);
                var r = await agent.RequestAsync(Wire.Grab, Obj(("conversation_id", id)));
                ctx.Require(r.Event == Wire.Error && r.Int("code") is Err.ConversationNotFound or Err.GrabLost or Err.ConversationClosed, "GRAB of a withdrawn conversation fails with ERROR 4001, 4002 or 4009", r.Text);
            });

        yield return Define("cs.day-access", Profiles.ServiceDesk, "DAY_ACCESS after CONNECT, after each grab, and on request",
            "An agent gets DAY_ACCESS {date, count, total} right after CONNECT, again (count+1) after a grab, and as the reply to GET_DAY_ACCESS.",
            ["SB-CS-024", "SB-CS-026", "SB-CS-027"], async ctx =>
            {
                var agent = await Agent(ctx);
                var first = await agent.ExpectAsync(Wire.DayAccess, f => f.Cid is null);
                ctx.RequireEqual(0L, first.Int("count"), "DAY_ACCESS count of a new agent", first.Text);
                ctx.Require(first.Str("date") is { } d && DateRegex().IsMatch(d), "DAY_ACCESS date is YYYY-MM-DD", first.Text);
                ctx.Require(first.Int("total") is >= 0, "DAY_ACCESS total is a non-negative integer", first.Text);
                var (_, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                var pushed = await agent.ExpectAsync(Wire.DayAccess, f => f.Cid is null);
                ctx.RequireEqual(1L, pushed.Int("count"), "DAY_ACCESS count after one grab", pushed.Text);
                ctx.Require(pushed.Int("total") >= first.Int("total") + 1, "DAY_ACCESS total increased", pushed.Text);
                var reply = await agent.CallAsync(Wire.GetDayAccess, new JsonObject(), Wire.DayAccess);
                ctx.RequireEqual(1L, reply.Int("count"), "GET_DAY_ACCESS count", reply.Text);
            });
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DateRegex();
}

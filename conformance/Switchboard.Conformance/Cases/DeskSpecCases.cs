using System.Net;
using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;
using static Switchboard.Conformance.Cases.ServiceDeskCases;

namespace Switchboard.Conformance.Cases;

/// <summary>Further service-desk requirements: conversation lifecycle, queue, ownership, idle rules, transfers, work orders.</summary>
internal static class DeskSpecCases
{
    private static bool IsMsg(Frame f) => f.Event is Wire.NewMessage or Wire.NewMessageUser;

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("cs.first-message-and-history", Profiles.ServiceDesk, "REQUEST_SERVICE data is the first message and reaches the owner on GRAB",
            "REQUEST_SERVICE with data appends NEW_MESSAGE to the visitor after CONVERSATION; on GRAB the owner gets CONVERSATION then that message (original message_id) as NEW_MESSAGE_USER.",
            ["SB-CS-003", "SB-CS-011", "SB-CS-013"], async ctx =>
            {
                var agent = await Agent(ctx);
                var v = await Visitor(ctx);
                var conv = await v.CallAsync(Wire.RequestService, Obj(("topic", "t"), ("data", "first words")), Wire.Conversation);
                var id = conv.Str("conversation_id")!;
                var first = await v.ExpectAsync(Wire.NewMessage, f => f.Str("data") == "first words");
                ctx.Require(first.Seq > conv.Seq, "NEW_MESSAGE after the CONVERSATION event in the visitor's stream", first.Text);
                var grabbed = await GrabAsync(ctx, agent, id);
                ctx.Require(grabbed.Seq is > 0, "the owner's CONVERSATION is durable (appended to the owner's stream)", grabbed.Text);
                var hist = await agent.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "first words");
                ctx.Require(hist.Seq > grabbed.Seq, "history after the CONVERSATION event", hist.Text);
                ctx.RequireEqual(first.Str("message_id"), hist.Str("message_id"), "original message_id", hist.Text);
                ctx.RequireEqual(Wire.NewMessageUser, hist.Event, "event name (no open conversation)", hist.Text);
            });

        yield return Define("cs.queue-position", Profiles.ServiceDesk, "Queue positions are first come, first served",
            "Two visitors queued one after the other get consecutive positions; conversation ids differ.",
            ["SB-CS-012", "SB-CS-023"], async ctx =>
            {
                var v1 = await Visitor(ctx, "visitor1");
                var c1 = await v1.CallAsync(Wire.RequestService, Obj(("topic", "a")), Wire.Conversation);
                var v2 = await Visitor(ctx, "visitor2");
                var c2 = await v2.CallAsync(Wire.RequestService, Obj(("topic", "b")), Wire.Conversation);
                ctx.RequireEqual(c1.Int("position") + 1, c2.Int("position"), "position of the second visitor", c2.Text);
                ctx.Require(c1.Str("conversation_id") != c2.Str("conversation_id"), "distinct conversation ids", c2.Text);
                ctx.Require(c1.R("agent") is null && c1.R("reason") is null, "a waiting CONVERSATION has no agent and no reason", c1.Text);
            });

        yield return Define("cs.queue-on-connect", Profiles.ServiceDesk, "An agent connecting gets DAY_ACCESS then QIANGDAN for the queue",
            "A new agent connection receives DAY_ACCESS right after CONNECT, then one QIANGDAN waiting per queued conversation (in queue order).",
            ["SB-CS-006", "SB-CS-027"], async ctx =>
            {
                var (_, id1) = await QueueAsync(ctx, "visitor1");
                var (_, id2) = await QueueAsync(ctx, "visitor2");
                var agent = await Agent(ctx);
                var da = await agent.ExpectAsync(Wire.DayAccess);
                var q1 = await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id1);
                var q2 = await agent.ExpectAsync(Wire.Qiangdan, f => f.Str("conversation_id") == id2);
                ctx.Require(da.Ordinal < q1.Ordinal, "DAY_ACCESS before the queue's QIANGDANs", q1.Text);
                ctx.Require(q1.Ordinal < q2.Ordinal, "QIANGDANs in queue order", q2.Text);
                ctx.RequireEqual("waiting", q1.Str("state"), "QIANGDAN state", q1.Text);
            });

        yield return Define("cs.grab-not-waiting", Profiles.ServiceDesk, "GRAB of an active or closed conversation -> 4002",
            "GRAB of a conversation the caller already owns, and of a closed one, is answered with ERROR 4002 GRAB_LOST.",
            ["SB-CS-009", "SB-CS-001"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                var cid = await agent.SendCommandAsync(Wire.Grab, Obj(("conversation_id", id)));
                await agent.ExpectErrorAsync(Err.GrabLost, cid);
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                cid = await agent.SendCommandAsync(Wire.Grab, Obj(("conversation_id", id)));
                await agent.ExpectErrorAsync(Err.GrabLost, cid);
                cid = await v.SendCommandAsync(Wire.CloseConversation, Obj(("conversation_id", id)));
                await v.ExpectErrorAsync(Err.ConversationClosed, cid);
            });

        yield return Define("cs.open-conversation-errors", Profiles.ServiceDesk, "OPEN_CONVERSATION errors and clearing",
            "OPEN_CONVERSATION of an unknown id -> 4001, of another agent's conversation -> 4003, of a closed own one -> 4009; conversation_id null clears it (ACK).",
            ["SB-CS-015", "SB-CS-014"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                var cid = await a1.SendCommandAsync(Wire.OpenConversation, Obj(("conversation_id", "nope-" + ctx.Nonce)));
                await a1.ExpectErrorAsync(Err.ConversationNotFound, cid);
                cid = await a2.SendCommandAsync(Wire.OpenConversation, Obj(("conversation_id", id)));
                await a2.ExpectErrorAsync(Err.NotParticipant, cid);
                await a1.CallAsync(Wire.OpenConversation, Obj(("conversation_id", null)), Wire.Ack);
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                cid = await a1.SendCommandAsync(Wire.OpenConversation, Obj(("conversation_id", id)));
                await a1.ExpectErrorAsync(Err.ConversationClosed, cid);
            });

        yield return Define("cs.message-order-and-self-copy", Profiles.ServiceDesk, "Conversation messages in order, sender gets its own copy",
            "Five messages by the visitor reach the owner in order; the visitor's own stream gets each message too (NEW_MESSAGE).",
            ["SB-CS-031", "SB-CS-016"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                await agent.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "I need help");
                var oks = new List<Frame>();
                for (var i = 1; i <= 5; i++)
                {
                    oks.Add(await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", id), ("data", "n" + S(i))), Wire.SendMessageSuccess));
                }

                long last = 0;
                for (var i = 1; i <= 5; i++)
                {
                    var m = await agent.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "n" + S(i));
                    ctx.Require(m.Seq > last, "owner receives messages in acceptance order", m.Text);
                    last = m.Seq ?? 0;
                    var own = await v.ExpectAsync(Wire.NewMessage, f => f.Str("data") == "n" + S(i));
                    ctx.Require(own.Seq is > 0, "the sender's own copy is durable", own.Text);
                    ctx.Require(own.Ordinal > oks[i - 1].Ordinal, "the sending connection gets SEND_MESSAGE_SUCCESS before its own copy", own.Text);
                }
            });

        yield return Define("cs.replay-keeps-event-name", Profiles.ServiceDesk, "Replay keeps NEW_MESSAGE vs NEW_MESSAGE_USER",
            "A message appended as NEW_MESSAGE while the conversation was open is replayed as NEW_MESSAGE after the agent opened another conversation.",
            ["SB-CS-018", "SB-CS-033"], async ctx =>
            {
                var agent = await Agent(ctx);
                var epoch = agent.Connect!.Str("epoch");
                var (va, a) = await QueueAsync(ctx, "visitora");
                var (_, b) = await QueueAsync(ctx, "visitorb");
                await GrabAsync(ctx, agent, a);
                await GrabAsync(ctx, agent, b);
                await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", a)), Wire.Ack);
                var live = await va.CallAsync(Wire.SendMessage, Obj(("conversation_id", a), ("data", "while open")), Wire.SendMessageSuccess);
                var m = await agent.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "while open");
                ctx.RequireEqual(Wire.NewMessage, m.Event, "live event", m.Text);
                await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", b)), Wire.Ack);
                await agent.CloseAsync();
                var back = await ctx.ConnectAsync("agent", "agent", configure: o => { o.Since = 0; o.Epoch = epoch; });
                var replay = await back.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "while open");
                ctx.RequireEqual(Wire.NewMessage, replay.Event, "replayed event name", replay.Text);
                ctx.RequireEqual(live.Str("message_id"), replay.Str("message_id"), "message_id", replay.Text);
                var st = await va.CallAsync(Wire.SendMessage, Obj(("conversation_id", a), ("data", "still active")), Wire.SendMessageSuccess);
                ctx.RequireEqual(a, st.Str("conversation_id"), "the conversation is unchanged by the agent's disconnect", st.Text);
            });

        yield return Define("cs.open-cleared-on-close", Profiles.ServiceDesk, "Closing clears the open conversation",
            "After the open conversation A is closed, a message of conversation B arrives as NEW_MESSAGE_USER (no open conversation).",
            ["SB-CS-034", "SB-CS-022"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (va, a) = await QueueAsync(ctx, "visitora");
                var (vb, b) = await QueueAsync(ctx, "visitorb");
                await GrabAsync(ctx, agent, a);
                await GrabAsync(ctx, agent, b);
                await agent.CallAsync(Wire.OpenConversation, Obj(("conversation_id", a)), Wire.Ack);
                await agent.CallAsync(Wire.CloseConversation, Obj(("conversation_id", a)), Wire.Ack);
                var closed = await va.ExpectAsync(Wire.Conversation, f => f.Str("state") == "closed");
                ctx.RequireEqual("agent", closed.Str("reason"), "CONVERSATION reason", closed.Text);
                await vb.CallAsync(Wire.SendMessage, Obj(("conversation_id", b), ("data", "after close")), Wire.SendMessageSuccess);
                var m = await agent.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "after close");
                ctx.RequireEqual(Wire.NewMessageUser, m.Event, "event with no open conversation", m.Text);
            });

        yield return Define("cs.request-again-after-close", Profiles.ServiceDesk, "A visitor may request service again after closing",
            "After the visitor's conversation is closed, REQUEST_SERVICE succeeds with a new conversation_id; an agent taking the same visitor twice counts once.",
            ["SB-CS-004", "SB-CS-025"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                var again = await v.CallAsync(Wire.RequestService, Obj(("topic", "again")), Wire.Conversation);
                var id2 = again.Str("conversation_id")!;
                ctx.Require(id2 != id, "a new conversation_id", again.Text);
                await GrabAsync(ctx, agent, id2);
                var da = await agent.CallAsync(Wire.GetDayAccess, new JsonObject(), Wire.DayAccess);
                ctx.RequireEqual(1L, da.Int("count"), "count after taking the same visitor twice", da.Text);
            });

        yield return Define("cs.day-access-all-agents", Profiles.ServiceDesk, "Every agent connection gets DAY_ACCESS on a count change",
            "When agent1 grabs, agent2 (another agent) also receives DAY_ACCESS without cid with its own count and the new total.",
            ["SB-CS-026", "SB-NS-006"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2", "app");
                var before = await a2.ExpectAsync(Wire.DayAccess);
                var (_, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                var after = await a2.ExpectAsync(Wire.DayAccess, f => f.Ordinal > before.Ordinal && f.Cid is null);
                ctx.RequireEqual(0L, after.Int("count"), "agent2's own count", after.Text);
                ctx.Require(after.Int("total") > before.Int("total"), "total increased", after.Text);
            });

        yield return Define("cs.idle-warning-and-close", Profiles.ServiceDesk, "Idle conversations get a TIMER warning, then close",
            "An active conversation without activity gets TIMER {kind: conversation_idle, state: warning} on both sides after conversation_idle_warning_ms, then CONVERSATION closed reason idle after conversation_idle_close_ms.",
            ["SB-CS-028", "SB-CS-029"], async ctx =>
            {
                if (ctx.Options.ConversationIdleWarning is not { } warn || ctx.Options.ConversationIdleClose is not { } close || close > ctx.Options.MaxDerivedWait)
                {
                    ctx.Informational("conversation idle periods unknown or beyond the wait bound (--conversation-idle-warning-ms/--conversation-idle-close-ms); not exercised.");
                    return;
                }

                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                foreach (var s in new[] { v, agent })
                {
                    var t = await s.ExpectAsync(Wire.Timer, f => f.Str("conversation_id") == id, "TIMER idle warning", warn + ctx.Timeout);
                    ctx.RequireEqual("warning", t.Str("state"), "TIMER state", t.Text);
                    ctx.RequireEqual("conversation_idle", t.Str("kind"), "TIMER kind", t.Text);
                    RequireTimestamp(ctx, t, "fires_at");
                    // remaining_ms = fires_at - now, and now is at least last activity + warning: at most close - warning.
                    var remaining = t.Int("remaining_ms");
                    ctx.Require(remaining is > 0 && remaining <= (long)(close - warn).TotalMilliseconds,
                        $"TIMER remaining_ms in (0, conversation_idle_close_ms - conversation_idle_warning_ms = {(long)(close - warn).TotalMilliseconds}]", t.Text);
                }

                var c = await v.ExpectAsync(Wire.Conversation, f => f.Str("state") == "closed", "CONVERSATION closed (idle)", close + ctx.Timeout);
                ctx.RequireEqual("idle", c.Str("reason"), "reason", c.Text);
            }, snapshot: SnapshotMode.None);

        yield return Define("cs.idle-activity-resets", Profiles.ServiceDesk, "Activity after the warning cancels the idle close",
            "A message sent after the idle warning keeps the conversation open past conversation_idle_close_ms from the start.",
            ["SB-CS-030"], async ctx =>
            {
                if (ctx.Options.ConversationIdleWarning is not { } warn || ctx.Options.ConversationIdleClose is not { } close || close * 2 > ctx.Options.MaxDerivedWait)
                {
                    ctx.Informational("conversation idle periods unknown or beyond the wait bound; not exercised.");
                    return;
                }

                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                await v.ExpectAsync(Wire.Timer, f => f.Str("conversation_id") == id, "TIMER idle warning", warn + ctx.Timeout);
                await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", id), ("data", "still here")), Wire.SendMessageSuccess);
                await v.ExpectNoEventAsync(Wire.Conversation, f => f.Str("state") == "closed", "an idle close", close - warn + TimeSpan.FromMilliseconds(300));
            }, snapshot: SnapshotMode.None);

        yield return Define("xfer.already-pending", Profiles.ServiceDesk, "A second transfer while one is pending -> 4012",
            "REQUEST_TRANSFER while a transfer of the conversation is pending is answered with TRANSFER_ERROR 4012; the requester stays owner meanwhile.",
            ["SB-XFER-004", "SB-XFER-011"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                await Agent(ctx, "agent3");
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", id), ("to", ctx.User("agent2"))), Wire.Transfer);
                var cid = await a1.SendCommandAsync(Wire.RequestTransfer, Obj(("conversation_id", id), ("to", ctx.User("agent3"))));
                await a1.ExpectErrorAsync(Err.TransferAlreadyPending, cid, Wire.TransferError);
                await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", id), ("data", "pending")), Wire.SendMessageSuccess);
                await a1.ExpectAsync(null, f => IsMsg(f) && f.Str("data") == "pending");
                await a2.ExpectNoEventAsync(null, f => IsMsg(f) && f.Str("data") == "pending", "the message before acceptance");
            });

        yield return Define("xfer.fails-on-close", Profiles.ServiceDesk, "Closing a conversation fails its pending transfer",
            "When the visitor closes during a pending transfer, requester and target get TRANSFER_ERROR 4009.",
            ["SB-XFER-009", "SB-CS-022"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                var t = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", id), ("to", ctx.User("agent2"))), Wire.Transfer);
                await v.CallAsync(Wire.CloseConversation, Obj(("conversation_id", id)), Wire.Ack);
                foreach (var a in new[] { a1, a2 })
                {
                    var e = await a.ExpectAsync(Wire.TransferError, f => f.Str("transfer_id") == t.Str("transfer_id"));
                    ctx.RequireEqual((long)Err.ConversationClosed, e.Int("code"), "TRANSFER_ERROR code", e.Text);
                }
            });

        yield return Define("xfer.fails-when-target-leaves", Profiles.ServiceDesk, "A pending transfer fails when the target goes offline",
            "When the target's last agent connection closes, the requester gets TRANSFER_ERROR 4004.",
            ["SB-XFER-009"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (_, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, id);
                var t = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", id), ("to", ctx.User("agent2"))), Wire.Transfer);
                await a2.CloseAsync();
                var e = await a1.ExpectAsync(Wire.TransferError, f => f.Str("transfer_id") == t.Str("transfer_id"));
                ctx.RequireEqual((long)Err.TransferTargetOffline, e.Int("code"), "TRANSFER_ERROR code", e.Text);
            });

        yield return Define("wo.validation", Profiles.ServiceDesk, "Work order validation",
            "Invalid assignee -> 1005 $.request.assignee; unknown conversation_id -> 4001; a 201-character title -> 1005; missing title -> 1004; update by an unrelated agent -> 4003.",
            ["SB-WO-003", "SB-WO-004", "SB-WO-006", "SB-WO-005"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a3 = await Agent(ctx, "agent3");
                var cid = await a1.SendCommandAsync(Wire.CreateWorkOrder, Obj(("title", "t"), ("body", "b"), ("assignee", "not a valid id!")));
                var e = await a1.ExpectErrorAsync(Err.InvalidField, cid);
                ctx.RequireEqual("$.request.assignee", e.Str("path"), "path", e.Text);
                cid = await a1.SendCommandAsync(Wire.CreateWorkOrder, Obj(("title", "t"), ("body", "b"), ("conversation_id", "nope-" + ctx.Nonce)));
                await a1.ExpectErrorAsync(Err.ConversationNotFound, cid);
                cid = await a1.SendCommandAsync(Wire.CreateWorkOrder, Obj(("title", new string('t', 201)), ("body", "b")));
                await a1.ExpectErrorAsync(Err.InvalidField, cid);
                cid = await a1.SendCommandAsync(Wire.CreateWorkOrder, Obj(("body", "b")));
                await a1.ExpectErrorAsync(Err.MissingField, cid);
                var wo = await a1.CallAsync(Wire.CreateWorkOrder, Obj(("title", "mine"), ("body", "b"), ("assignee", ctx.User("agent2"))), Wire.Womsg);
                cid = await a3.SendCommandAsync(Wire.UpdateWorkOrder, Obj(("work_order_id", wo.Str("work_order_id")), ("status", "closed")));
                await a3.ExpectErrorAsync(Err.NotParticipant, cid);
            });

        yield return Define("timer.discarded-on-close", Profiles.Core, "Timers are live and belong to their connection",
            "A timer set on a connection that then closes never fires on the user's next connection (not durable, not replayed).",
            ["SB-TIMER-004"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                await s.CallAsync(Wire.SetTimer, Obj(("delay_ms", 200)), Wire.Timer);
                await s.CloseAsync();
                var s2 = await ctx.ConnectAsync("alice");
                await s2.ExpectNoEventAsync(Wire.Timer, window: TimeSpan.FromMilliseconds(600));
            });

        yield return Define("api.close-conversation", Profiles.BackendApi, "Closing a conversation through the API",
            "POST /conversations/{id}/close answers 200 and both sides get CONVERSATION closed reason backend; again -> 409 4009; unknown -> 404 4001.",
            ["SB-API-013", "SB-CS-032"], async ctx =>
            {
                var agent = await Agent(ctx);
                var (v, id) = await QueueAsync(ctx);
                await GrabAsync(ctx, agent, id);
                var r = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/conversations/{id}/close");
                ctx.RequireEqual(HttpStatusCode.OK, r.Status, "status", r.Text);
                foreach (var s in new[] { v, agent })
                {
                    var c = await s.ExpectAsync(Wire.Conversation, f => f.Str("state") == "closed");
                    ctx.RequireEqual("backend", c.Str("reason"), "reason", c.Text);
                }

                var again = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/conversations/{id}/close");
                ctx.RequireEqual(HttpStatusCode.Conflict, again.Status, "status of a second close", again.Text);
                ctx.RequireEqual(4009L, again.Int("code"), "code", again.Text);
                var unknown = await ctx.HttpAsync(HttpMethod.Post, $"/api/v1/conversations/nope-{ctx.Nonce}/close");
                ctx.RequireEqual(HttpStatusCode.NotFound, unknown.Status, "status for an unknown id", unknown.Text);
                ctx.RequireEqual(4001L, unknown.Int("code"), "code", unknown.Text);
            });
    }
}

using System.Text.Json.Nodes;
using Switchboard.Conformance.Core;
using static Switchboard.Conformance.Cases.CaseKit;
using static Switchboard.Conformance.Cases.ServiceDeskCases;

namespace Switchboard.Conformance.Cases;

/// <summary>Transfers, work orders and timers.</summary>
internal static class TransferCases
{
    private static async Task<(WsSession A1, WsSession A2, WsSession Visitor, string Conversation, string Transfer)> RequestAsync(CaseContext ctx)
    {
        var a1 = await Agent(ctx, "agent1");
        var a2 = await Agent(ctx, "agent2");
        var (v, id) = await QueueAsync(ctx);
        await GrabAsync(ctx, a1, id);
        var t = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", id), ("to", ctx.User("agent2")), ("note", "VIP")), Wire.Transfer);
        ctx.RequireEqual("pending", t.Str("state"), "TRANSFER state", t.Text);
        ctx.RequireEqual(ctx.User("agent2"), t.Str("to.id"), "TRANSFER to.id", t.Text);
        var transferId = RequireString(ctx, t, "transfer_id");
        var r = await a2.ExpectAsync(Wire.Rtransfer, f => f.Str("transfer_id") == transferId);
        ctx.RequireEqual(id, r.Str("conversation_id"), "RTRANSFER conversation_id", r.Text);
        RequireUser(ctx, r, "from", ctx.User("agent1"), "agent");
        RequireUser(ctx, r, "visitor", ctx.User("visitor"), "visitor");
        ctx.RequireEqual("VIP", r.Str("note"), "RTRANSFER note", r.Text);
        RequireTimestamp(ctx, r, "expires_at");
        return (a1, a2, v, id, transferId);
    }

    /// <summary>
    /// A REQUEST_TRANSFER error case. <paramref name="target"/> gets the requester and the conversation it owns and
    /// returns the <c>to</c> user id once the server observably holds the state the error depends on.
    /// </summary>
    private static ConformanceCase XferError(string id, string title, int code, string[] reqs, Func<CaseContext, WsSession, string, Task<string>> target) =>
        Define(id, Profiles.ServiceDesk, title, $"REQUEST_TRANSFER is answered with TRANSFER_ERROR {code}.", reqs, async ctx =>
        {
            var a1 = await Agent(ctx, "agent1");
            var (_, conv) = await QueueAsync(ctx);
            await GrabAsync(ctx, a1, conv);
            var to = await target(ctx, a1, conv);
            var cid = await a1.SendCommandAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", to)));
            var e = await a1.ExpectErrorAsync(code, cid, Wire.TransferError);
            ctx.RequireEqual(conv, e.Str("conversation_id"), "TRANSFER_ERROR conversation_id", e.Text);
            ctx.RequireEqual(Wire.RequestTransfer, e.Str("command"), "TRANSFER_ERROR command (SB-CODEC-013)", e.Text);
        });

    public static IEnumerable<ConformanceCase> All()
    {
        yield return Define("xfer.accept", Profiles.ServiceDesk, "Transfer request and acceptance",
            "REQUEST_TRANSFER replies TRANSFER pending and sends RTRANSFER to the target; ACCEPT_TRANSFER is acknowledged, the acceptor and the visitor get CONVERSATION active with the new agent, the requester gets TRANSFER accepted; the visitor's next message goes to the new agent only.",
            ["SB-XFER-001", "SB-XFER-002", "SB-XFER-005", "SB-XFER-010"], async ctx =>
            {
                var (a1, a2, v, conv, transfer) = await RequestAsync(ctx);
                await a2.CallAsync(Wire.AcceptTransfer, Obj(("transfer_id", transfer)), Wire.Ack);
                var c2 = await a2.ExpectAsync(Wire.Conversation, f => f.Str("conversation_id") == conv && f.Str("agent.id") == ctx.User("agent2"));
                ctx.RequireEqual("active", c2.Str("state"), "CONVERSATION state", c2.Text);
                await v.ExpectAsync(Wire.Conversation, f => f.Str("agent.id") == ctx.User("agent2"));
                var t = await a1.ExpectAsync(Wire.Transfer, f => f.Str("transfer_id") == transfer && f.Cid is null);
                ctx.RequireEqual("accepted", t.Str("state"), "TRANSFER state pushed to the requester", t.Text);
                await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", conv), ("data", "after transfer")), Wire.SendMessageSuccess);
                await a2.ExpectAsync(null, f => f.Str("data") == "after transfer" && f.Event is Wire.NewMessage or Wire.NewMessageUser);
                await a1.ExpectNoEventAsync(null, f => f.Str("data") == "after transfer", "the visitor's message after the transfer");
                var cid = await a1.SendCommandAsync(Wire.SendMessage, Obj(("conversation_id", conv), ("data", "still mine?")));
                await a1.ExpectErrorAsync(Err.NotParticipant, cid, Wire.SendMessageError);
            });

        yield return Define("xfer.refuse", Profiles.ServiceDesk, "Transfer refusal",
            "REFUSE_TRANSFER is acknowledged; the requester gets REFUSE_TRANSFER {by, reason}; the conversation stays with the requester.",
            ["SB-XFER-007", "SB-XFER-006"], async ctx =>
            {
                var (a1, a2, v, conv, transfer) = await RequestAsync(ctx);
                await a2.CallAsync(Wire.CmdRefuseTransfer, Obj(("transfer_id", transfer), ("reason", "busy")), Wire.Ack);
                var r = await a1.ExpectAsync(Wire.RefuseTransfer, f => f.Str("transfer_id") == transfer);
                RequireUser(ctx, r, "by", ctx.User("agent2"), "agent");
                ctx.RequireEqual("busy", r.Str("reason"), "REFUSE_TRANSFER reason", r.Text);
                await v.CallAsync(Wire.SendMessage, Obj(("conversation_id", conv), ("data", "still you")), Wire.SendMessageSuccess);
                await a1.ExpectAsync(null, f => f.Str("data") == "still you");
                var cid = await a2.SendCommandAsync(Wire.AcceptTransfer, Obj(("transfer_id", transfer)));
                await a2.ExpectErrorAsync(Err.TransferNotFound, cid);
            });

        yield return Define("xfer.timeout", Profiles.ServiceDesk, "Unanswered transfer times out",
            "Without an answer within transfer_timeout_ms, requester and target get TRANSFER_ERROR 4007; a late ACCEPT_TRANSFER gets ERROR 4006 or 4007.",
            ["SB-XFER-008", "SB-XFER-006"], async ctx =>
            {
                var wait = ctx.Options.TransferTimeout + TimeSpan.FromSeconds(3);
                if (wait > ctx.Options.MaxDerivedWait)
                {
                    ctx.Informational($"transfer timeout {ctx.Options.TransferTimeout.TotalSeconds} s exceeds the wait bound; not exercised (use --transfer-timeout-ms / --max-wait).");
                    return;
                }

                var (a1, a2, _, _, transfer) = await RequestAsync(ctx);
                foreach (var a in new[] { a1, a2 })
                {
                    var e = await a.ExpectAsync(Wire.TransferError, f => f.Str("transfer_id") == transfer, "TRANSFER_ERROR 4007", wait);
                    ctx.RequireEqual((long)Err.TransferTimeout, e.Int("code"), "TRANSFER_ERROR code", e.Text);
                }

                var late = await a2.RequestAsync(Wire.AcceptTransfer, Obj(("transfer_id", transfer)));
                ctx.Require(late.Event == Wire.Error && late.Int("code") is Err.TransferNotFound or Err.TransferTimeout, "a late ACCEPT_TRANSFER gets ERROR 4006 or 4007", late.Text);
            });

        // The close handshake completing does not mean the server has processed the disconnect (nothing in the spec
        // orders the two), so a REQUEST_TRANSFER sent right after CloseAsync could still find the agent online. The
        // case first makes the disconnect observable within service-desk: a transfer pending to the agent fails with
        // 4004 once its last agent connection is gone (SB-XFER-009); only then is the agent offline for certain.
        yield return XferError("xfer.target-offline", "Transfer to an offline agent -> 4004", Err.TransferTargetOffline, ["SB-XFER-003", "SB-XFER-009"], async (ctx, a1, conv) =>
        {
            var gone = await Agent(ctx, "agentgone");
            var pending = await a1.CallAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agentgone"))), Wire.Transfer);
            var transferId = RequireString(ctx, pending, "transfer_id");
            await gone.CloseAsync();
            var failed = await a1.ExpectAsync(Wire.TransferError, f => f.Str("transfer_id") == transferId, "TRANSFER_ERROR 4004 for the transfer pending to the agent that left");
            ctx.RequireEqual((long)Err.TransferTargetOffline, failed.Int("code"), "TRANSFER_ERROR code when the target leaves", failed.Text);
            return ctx.User("agentgone");
        });

        yield return XferError("xfer.target-not-agent", "Transfer to a non-agent -> 4005", Err.TransferTargetNotAgent, ["SB-XFER-003"], async (ctx, _, _) =>
        {
            await ctx.ConnectAsync("plainuser");
            return ctx.User("plainuser");
        });

        yield return XferError("xfer.to-self", "Transfer to oneself -> 4010", Err.TransferToSelf, ["SB-XFER-003"], (ctx, _, _) => Task.FromResult(ctx.User("agent1")));

        yield return Define("xfer.not-participant", Profiles.ServiceDesk, "Transfer of someone else's conversation -> 4003",
            "REQUEST_TRANSFER by an agent who does not own the conversation gets TRANSFER_ERROR 4003.",
            ["SB-XFER-003"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var (_, conv) = await QueueAsync(ctx);
                await GrabAsync(ctx, a1, conv);
                var cid = await a2.SendCommandAsync(Wire.RequestTransfer, Obj(("conversation_id", conv), ("to", ctx.User("agent1"))));
                await a2.ExpectErrorAsync(Err.NotParticipant, cid, Wire.TransferError);
            });

        yield return Define("xfer.error-path-command", Profiles.ServiceDesk, "A field error of REQUEST_TRANSFER names the field and the command",
            "REQUEST_TRANSFER without to gets TRANSFER_ERROR 1004 with path $.request.to and command REQUEST_TRANSFER.",
            ["SB-XFER-003", "SB-CODEC-004", "SB-CODEC-013"], async ctx =>
            {
                var a = await Agent(ctx);
                var cid = await a.SendCommandAsync(Wire.RequestTransfer, Obj(("conversation_id", "nope-" + ctx.Nonce)));
                var e = await a.ExpectErrorAsync(Err.MissingField, cid, Wire.TransferError);
                ctx.RequireEqual("$.request.to", e.Str("path"), "TRANSFER_ERROR path", e.Text);
                ctx.RequireEqual(Wire.RequestTransfer, e.Str("command"), "TRANSFER_ERROR command", e.Text);
            });

        yield return Define("xfer.unknown", Profiles.ServiceDesk, "Accept/refuse of an unknown transfer -> ERROR 4006",
            "ACCEPT_TRANSFER and REFUSE_TRANSFER with an unknown transfer_id get ERROR 4006 TRANSFER_NOT_FOUND.",
            ["SB-XFER-006"], async ctx =>
            {
                var a = await Agent(ctx);
                var cid = await a.SendCommandAsync(Wire.AcceptTransfer, Obj(("transfer_id", "nope-" + ctx.Nonce)));
                await a.ExpectErrorAsync(Err.TransferNotFound, cid);
                cid = await a.SendCommandAsync(Wire.CmdRefuseTransfer, Obj(("transfer_id", "nope-" + ctx.Nonce)));
                await a.ExpectErrorAsync(Err.TransferNotFound, cid);
            });

        yield return Define("wo.create-update", Profiles.ServiceDesk, "Work orders notify the assignee on creation and update",
            "CREATE_WORK_ORDER replies WOMSG {status: open, created_by, assignee}; the assignee gets WOMSG (durable); UPDATE_WORK_ORDER replies WOMSG with the new status and comment and the assignee gets it too.",
            ["SB-WO-001", "SB-WO-002", "SB-WO-005"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                var a2 = await Agent(ctx, "agent2");
                var wo = await a1.CallAsync(Wire.CreateWorkOrder, Obj(("title", "Refund"), ("body", "Customer wants a refund"), ("assignee", ctx.User("agent2"))), Wire.Womsg);
                var id = RequireString(ctx, wo, "work_order_id");
                ctx.RequireEqual("open", wo.Str("status"), "WOMSG status", wo.Text);
                RequireUser(ctx, wo, "created_by", ctx.User("agent1"), "agent");
                RequireUser(ctx, wo, "assignee", ctx.User("agent2"));
                var got = await a2.ExpectAsync(Wire.Womsg, f => f.Str("work_order_id") == id);
                ctx.Require(got.Seq is > 0, "WOMSG to the assignee is durable", got.Text);
                ctx.RequireEqual("Refund", got.Str("title"), "WOMSG title", got.Text);
                var upd = await a2.CallAsync(Wire.UpdateWorkOrder, Obj(("work_order_id", id), ("status", "in_progress"), ("comment", "on it")), Wire.Womsg);
                ctx.RequireEqual("in_progress", upd.Str("status"), "WOMSG status after update", upd.Text);
                ctx.RequireEqual("on it", upd.Str("comment"), "WOMSG comment", upd.Text);
            });

        yield return Define("wo.reply-not-durable", Profiles.ServiceDesk, "The WOMSG reply to a creator who is not the assignee is not durable",
            "CREATE_WORK_ORDER assigned to someone else is answered with WOMSG without seq; the creator's stream stays empty (a reconnect replays nothing).",
            ["SB-WO-008"], async ctx =>
            {
                var a1 = await Agent(ctx, "agent1");
                await Agent(ctx, "agent2");
                var wo = await a1.CallAsync(Wire.CreateWorkOrder, Obj(("title", "Callback"), ("body", "b"), ("assignee", ctx.User("agent2"))), Wire.Womsg);
                ctx.Require(wo.Seq is null, "the creator's WOMSG carries no seq", wo.Text);
                await a1.CloseAsync();
                var back = await Agent(ctx, "agent1");
                ctx.RequireEqual(0L, back.Connect!.Int("seq"), "CONNECT seq of the creator's stream", back.Connect.Text);
                await back.ExpectNoEventAsync(Wire.Womsg, null, "a replayed WOMSG");
            });

        yield return Define("wo.not-found", Profiles.ServiceDesk, "Update of an unknown work order -> ERROR 4011",
            "UPDATE_WORK_ORDER with an unknown id gets ERROR 4011 WORK_ORDER_NOT_FOUND.",
            ["SB-WO-005"], async ctx =>
            {
                var a = await Agent(ctx);
                var cid = await a.SendCommandAsync(Wire.UpdateWorkOrder, Obj(("work_order_id", "nope-" + ctx.Nonce), ("status", "closed")));
                await a.ExpectErrorAsync(Err.WorkOrderNotFound, cid);
            });

        yield return Define("wo.forbidden", Profiles.ServiceDesk, "Visitors cannot create work orders",
            "CREATE_WORK_ORDER by a visitor gets ERROR 2004 FORBIDDEN.",
            ["SB-AUTH-016"], async ctx =>
            {
                var v = await Visitor(ctx);
                var cid = await v.SendCommandAsync(Wire.CreateWorkOrder, Obj(("title", "x"), ("body", "y")));
                await v.ExpectErrorAsync(Err.Forbidden, cid);
            });

        yield return Define("timer.set-and-fire", Profiles.Core, "SET_TIMER replies scheduled and fires once",
            "SET_TIMER {delay_ms: 300, label} replies TIMER {state: scheduled, kind: reminder, fires_at, remaining_ms}; after the delay the same timer_id is pushed with state fired, once.",
            ["SB-TIMER-001", "SB-TIMER-002"], async ctx =>
            {
                var s = await ctx.ConnectAsync("alice");
                var t = await s.CallAsync(Wire.SetTimer, Obj(("delay_ms", 300), ("label", "tea")), Wire.Timer);
                ctx.RequireEqual("scheduled", t.Str("state"), "TIMER state", t.Text);
                ctx.RequireEqual("reminder", t.Str("kind"), "TIMER kind", t.Text);
                ctx.RequireEqual("tea", t.Str("label"), "TIMER label", t.Text);
                RequireTimestamp(ctx, t, "fires_at");
                ctx.Require(t.Int("remaining_ms") is > 0 and <= 300, "TIMER remaining_ms in (0, 300]", t.Text);
                var id = RequireString(ctx, t, "timer_id");
                var fired = await s.ExpectAsync(Wire.Timer, f => f.Str("timer_id") == id && f.Cid is null, "TIMER fired", TimeSpan.FromMilliseconds(300) + ctx.Timeout);
                ctx.RequireEqual("fired", fired.Str("state"), "TIMER state", fired.Text);
                await s.ExpectNoEventAsync(Wire.Timer, f => f.Str("timer_id") == id, "a second TIMER for the same timer");
            });
    }

    private static ConformanceCase Define(string id, string profile, string title, string expectation, string[] reqs, Func<CaseContext, Task> body, string[]? uses = null) =>
        CaseKit.Define(id, profile, title, expectation, reqs, body, uses: uses);
}

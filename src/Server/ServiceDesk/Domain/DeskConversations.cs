using Switchboard.Server.Messaging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// The conversation aggregate after the queue: the agent's open conversation (SB-CS-014/015, persisted), messages
/// (SB-CS-016..019), closing by a participant, the backend, inactivity or the visitor's grace (SB-CS-020..022,
/// 028..030, 035).
/// </summary>
internal sealed class DeskConversations(DeskContext desk, DeskTransfers transfers, DeskDeadlineRunner deadlines)
{
    /// <summary>OPEN_CONVERSATION: sets (or clears, with null) the agent's open conversation in its namespace; the last
    /// call from any of the agent's connections, on any node, wins. 4001 unknown, 4003 not the owner, 4009 closed.</summary>
    public Task OpenAsync(DeskActor agent, string? conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var outcome = await desk.Store.SetOpenConversationAsync(agent.User.Id, agent.Namespace, conversationId, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case OpenOutcome.NotFound:
                        throw DeskContext.NotFound(conversationId!);
                    case OpenOutcome.NotOwner:
                        throw DeskContext.NotParticipant(conversationId!);
                    case OpenOutcome.Closed:
                        throw DeskContext.Closed(conversationId!);
                }

                if (reply is not null)
                {
                    await reply().ConfigureAwait(false);
                }
            },
            cancellationToken);

    /// <summary>
    /// SEND_MESSAGE: stores the message (participant and state checked in the same transition) and appends it to the
    /// visitor's stream (NEW_MESSAGE) and, when there is an owner, to the owner's stream (NEW_MESSAGE or
    /// NEW_MESSAGE_USER, decided now from the persisted open conversation), before returning.
    /// </summary>
    public Task<DeskMessage> SendAsync(DeskActor sender, string conversationId, string data, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var message = new DeskMessage(MessageIds.New(desk.Time), conversationId, sender.User, data, desk.Time.GetUtcNow());
                var outcome = await desk.Store.AppendMessageAsync(message, cancellationToken).ConfigureAwait(false);
                var conversation = outcome.Result switch
                {
                    AppendResult.NotFound => throw DeskContext.NotFound(conversationId),
                    AppendResult.NotParticipant => throw DeskContext.NotParticipant(conversationId),
                    AppendResult.Closed => throw DeskContext.Closed(conversationId),
                    _ => outcome.Conversation!,
                };

                await desk.Outbox.MessageAsync(conversation.Visitor, message, isOpenConversation: true, cancellationToken).ConfigureAwait(false);
                if (conversation.Agent is { } owner)
                {
                    var open = await desk.IsOpenAsync(owner, conversationId, cancellationToken).ConfigureAwait(false);
                    await desk.Outbox.MessageAsync(owner, message, open, cancellationToken).ConfigureAwait(false);
                }

                desk.Metrics?.Message();
                return message;
            },
            cancellationToken);

    /// <summary>CLOSE_CONVERSATION by the visitor or the owner. Errors in order 4001, 4003, 4009.</summary>
    public Task<DeskConversation> CloseAsync(DeskActor actor, string conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var conversation = await desk.Store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                    ?? throw DeskContext.NotFound(conversationId);
                if (!conversation.IsParticipant(actor.User.Id))
                {
                    throw DeskContext.NotParticipant(conversationId);
                }

                var reason = conversation.Visitor.User.Id == actor.User.Id ? DeskCloseReasons.Visitor : DeskCloseReasons.Agent;
                return await CloseAndNotifyAsync(conversationId, reason, reply, cancellationToken).ConfigureAwait(false)
                    ?? throw DeskContext.Closed(conversationId);
            },
            cancellationToken);

    /// <summary>Closes on behalf of the backend (SB-CS-032, reason <c>backend</c>); 4001/4009.</summary>
    public Task<DeskConversation> CloseByBackendAsync(string conversationId, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                _ = await desk.Store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                    ?? throw DeskContext.NotFound(conversationId);
                return await CloseAndNotifyAsync(conversationId, DeskCloseReasons.Backend, null, cancellationToken).ConfigureAwait(false)
                    ?? throw DeskContext.Closed(conversationId);
            },
            cancellationToken);

    /// <summary>The close transition, then its notifications; null when the conversation was already closed.</summary>
    private async Task<DeskConversation?> CloseAndNotifyAsync(string conversationId, string reason, Func<ValueTask>? reply, CancellationToken cancellationToken)
    {
        var closed = await desk.Store.CloseAsync(conversationId, reason, desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (closed is not null)
        {
            await AnnounceClosedAsync(closed, reply, cancellationToken).ConfigureAwait(false);
        }

        return closed;
    }

    /// <summary>Tells everybody about a committed close (by any path: command, backend, idle, grace).</summary>
    private async Task AnnounceClosedAsync(DeskConversation closed, Func<ValueTask>? reply, CancellationToken cancellationToken)
    {
        DeskLog.LogClosed(desk.Logger, closed.Id, closed.CloseReason ?? "?");
        desk.Metrics?.Closed(closed.CloseReason ?? "?");
        if (reply is not null)
        {
            await reply().ConfigureAwait(false);
        }

        // Only a waiting conversation has no owner: closing it withdraws it from the queue (SB-CS-021).
        if (closed.Agent is null)
        {
            await desk.Outbox.QueueChangedAsync(closed, QueueChange.Withdrawn, closed.ClosedAt ?? desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        await desk.Outbox.ConversationChangedAsync(closed.Visitor, closed, null, cancellationToken).ConfigureAwait(false);
        if (closed.Agent is { } agent)
        {
            await desk.Outbox.ConversationChangedAsync(agent, closed, null, cancellationToken).ConfigureAwait(false);
        }

        // SB-XFER-009: a pending transfer fails with the conversation.
        await transfers.FailPendingOfAsync(closed.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deadline <c>idle:</c> claimed (SB-CS-028..030): warn once per idle period, close at the deadline, or
    /// move the deadline when there was activity meanwhile (activity only moves the last-activity time).</summary>
    public Task OnIdleDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                if (desk.Options.ConversationIdleCloseMs <= 0)
                {
                    await desk.Store.CancelDeadlineAsync(deadline.Key, cancellationToken).ConfigureAwait(false);
                    return;
                }

                // Whole milliseconds, as the store keeps times: remaining_ms is then exact (SB-CS-028).
                var now = DateTimeOffset.FromUnixTimeMilliseconds(desk.Time.GetUtcNow().ToUnixTimeMilliseconds());
                var claim = await desk.Store.ClaimIdleAsync(
                    deadline,
                    now,
                    TimeSpan.FromMilliseconds(desk.Options.ConversationIdleWarningMs),
                    TimeSpan.FromMilliseconds(desk.Options.ConversationIdleCloseMs),
                    cancellationToken).ConfigureAwait(false);
                switch (claim.Action)
                {
                    case IdleAction.Closed:
                        await AnnounceClosedAsync(claim.Conversation!, null, cancellationToken).ConfigureAwait(false);
                        break;
                    case IdleAction.Warn when claim.Conversation is { Agent: { } owner } conversation:
                        var timer = new DeskTimer(
                            "idle-" + conversation.Id, DeskTimerKinds.ConversationIdle, DeskTimerKinds.Warning, null, conversation.Id,
                            claim.CloseAt, (long)(claim.CloseAt - now).TotalMilliseconds);
                        DeskLog.LogIdleWarning(desk.Logger, conversation.Id);
                        await desk.Outbox.ConversationTimerAsync(conversation.Visitor, timer, cancellationToken).ConfigureAwait(false);
                        await desk.Outbox.ConversationTimerAsync(owner, timer, cancellationToken).ConfigureAwait(false);
                        break;
                }

                deadlines.Poke(now); // the claim may have moved the deadline
            },
            cancellationToken);

    /// <summary>Deadline <c>grace:</c> claimed: withdraws the waiting conversation of a visitor that stayed away.</summary>
    public Task OnGraceDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var visitorId = deadline.EntityId;
                if ((await desk.Presence.FindOnlineAsync(visitorId, cancellationToken).ConfigureAwait(false)).Count > 0)
                {
                    await desk.Store.CancelDeadlineAsync(deadline.Key, cancellationToken).ConfigureAwait(false);
                    return;
                }

                var withdrawn = await desk.Store.ClaimVisitorGraceAsync(deadline, desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (withdrawn is not null)
                {
                    DeskLog.LogWithdrawn(desk.Logger, withdrawn.Id, visitorId);
                    await AnnounceClosedAsync(withdrawn, null, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);

    /// <summary>Arms the visitor's grace deadline (a waiting conversation and no connection left).</summary>
    public async Task ScheduleGraceAsync(string visitorId, DateTimeOffset from, CancellationToken cancellationToken)
    {
        if (desk.Options.VisitorGraceMs > 0)
        {
            var deadline = new DeskDeadline(DeskDeadline.GraceKey(visitorId), from + TimeSpan.FromMilliseconds(desk.Options.VisitorGraceMs), DeskDeadline.NewToken());
            await desk.Store.ScheduleDeadlineAsync(deadline, cancellationToken).ConfigureAwait(false);
            deadlines.Poke(deadline.DueAt);
        }
    }
}

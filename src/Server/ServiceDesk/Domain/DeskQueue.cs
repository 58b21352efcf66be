using Switchboard.Server.Messaging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>The queue aggregate (SB-CS-002..012): visitors enter the queue, agents grab, exactly one wins.</summary>
internal sealed class DeskQueue(DeskContext desk, DeskDayAccess dayAccess, DeskDeadlineRunner deadlines)
{
    /// <summary>
    /// REQUEST_SERVICE: the visitor enters the queue (one transition stores the conversation and its first message, or
    /// finds the visitor's open one: 4008). CONVERSATION waiting goes to the visitor's stream (the reply, through
    /// <paramref name="replyContext"/>), then the first message as NEW_MESSAGE, then QIANGDAN waiting to every agent.
    /// </summary>
    public Task<DeskConversation> RequestServiceAsync(
        DeskActor visitor, string? topic, string? firstMessage, object? replyContext, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var now = desk.Time.GetUtcNow();
                var conversation = new DeskConversation
                {
                    Id = MessageIds.New(desk.Time),
                    State = DeskConversationState.Waiting,
                    Visitor = visitor.Party,
                    Topic = string.IsNullOrEmpty(topic) ? null : topic,
                    QueuedAt = now,
                    LastActivityAt = now,
                };
                var first = string.IsNullOrEmpty(firstMessage)
                    ? null
                    : new DeskMessage(MessageIds.New(desk.Time), conversation.Id, visitor.User, firstMessage, now);
                var outcome = await desk.Store.EnqueueAsync(conversation, first, cancellationToken).ConfigureAwait(false);
                if (outcome.Existing is { } existing)
                {
                    throw new DeskException(DeskErrorCode.AlreadyInService, $"Visitor already has a {existing.State.ToString().ToLowerInvariant()} conversation ({existing.Id}).")
                    {
                        ConversationId = existing.Id,
                    };
                }

                var stored = outcome.Queued!;
                DeskLog.LogQueued(desk.Logger, stored.Id, visitor.User.Id, stored.Position ?? 0);
                desk.Metrics?.Queued();
                await desk.Outbox.ConversationChangedAsync(stored.Visitor, stored, replyContext, cancellationToken).ConfigureAwait(false);
                if (first is not null)
                {
                    await desk.Outbox.MessageAsync(stored.Visitor, first, isOpenConversation: true, cancellationToken).ConfigureAwait(false);
                }

                await desk.Outbox.QueueChangedAsync(stored, QueueChange.Waiting, now, cancellationToken).ConfigureAwait(false);
                return stored;
            },
            cancellationToken);

    /// <summary>
    /// GRAB (SB-CS-007..011): one transition moves the conversation from waiting to active; every other claimant, on
    /// any node, gets 4002. Unknown id: 4001. The winner's stream gets CONVERSATION active (the reply) and the
    /// history; then the visitor's CONVERSATION, QIANGDAN taken to every agent, and DAY_ACCESS when it changed.
    /// </summary>
    public Task<DeskConversation> GrabAsync(DeskActor agent, string conversationId, object? replyContext, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var now = desk.Time.GetUtcNow();
                var idle = desk.IdleDeadline(conversationId, now);
                var outcome = await desk.Store.GrabAsync(conversationId, agent.Party, now, idle, cancellationToken).ConfigureAwait(false);
                if (outcome.Result == GrabResult.NotFound)
                {
                    throw DeskContext.NotFound(conversationId);
                }

                if (outcome.Result == GrabResult.Lost)
                {
                    desk.Metrics?.GrabLost();
                    DeskLog.LogGrabLost(desk.Logger, conversationId, agent.User.Id);
                    throw new DeskException(DeskErrorCode.GrabLost, outcome.Conversation?.State == DeskConversationState.Closed
                        ? $"Conversation {conversationId} is closed."
                        : $"Conversation {conversationId} was taken by another agent.")
                    {
                        ConversationId = conversationId,
                    };
                }

                var active = outcome.Conversation!;
                if (idle is not null)
                {
                    deadlines.Poke(idle.DueAt);
                }

                // Counted before the reply, so a stats read issued after the reply sees it; announced after the others.
                var dayAccessChanged = await dayAccess.RecordAsync(agent.User, active.Visitor.User.Id, now, cancellationToken).ConfigureAwait(false);
                desk.Metrics?.GrabWon(now - active.QueuedAt);
                DeskLog.LogGrabbed(desk.Logger, conversationId, agent.User.Id);

                await desk.Outbox.ConversationChangedAsync(agent.Party, active, replyContext, cancellationToken).ConfigureAwait(false);
                await desk.AppendHistoryAsync(agent.Party, conversationId, cancellationToken).ConfigureAwait(false);
                await desk.Outbox.ConversationChangedAsync(active.Visitor, active, null, cancellationToken).ConfigureAwait(false);
                await desk.Outbox.QueueChangedAsync(active, QueueChange.Taken, now, cancellationToken).ConfigureAwait(false);
                await dayAccess.AnnounceAsync(dayAccessChanged, cancellationToken).ConfigureAwait(false);
                return active;
            },
            cancellationToken);

    /// <summary>The waiting conversations in queue order (a connecting agent's snapshot, SB-CS-006).</summary>
    public Task<IReadOnlyList<DeskConversation>> ListWaitingAsync(CancellationToken cancellationToken) =>
        desk.Store.ListConversationsAsync(DeskConversationState.Waiting, DeskContext.ListLimit, cancellationToken);
}

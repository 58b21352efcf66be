using Switchboard.Server.Messaging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// The transfer aggregate (section 13): request, accept, refuse, timeout, and failure when the conversation closes or
/// the target's last agent connection goes. Each end of a transfer is one store transition from <c>pending</c>; the
/// timeout is a persisted deadline claimed by the transition that expires it.
/// </summary>
internal sealed class DeskTransfers(DeskContext desk, DeskDayAccess dayAccess, DeskDeadlineRunner deadlines)
{
    /// <summary>
    /// REQUEST_TRANSFER (SB-XFER-001..004): checked in order 4001, 4003, 4009, 4010, 4012, 4004 (target offline),
    /// 4005 (no agent connection). The reply (TRANSFER pending) precedes RTRANSFER to the target.
    /// </summary>
    public Task<DeskTransfer> RequestAsync(
        DeskActor agent, string conversationId, string toAgentId, string? note, Func<DeskTransfer, ValueTask>? reply, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var conversation = await desk.Store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                    ?? throw DeskContext.NotFound(conversationId);
                if (conversation.Agent?.User.Id != agent.User.Id)
                {
                    throw DeskContext.NotParticipant(conversationId);
                }

                if (conversation.State == DeskConversationState.Closed)
                {
                    throw DeskContext.Closed(conversationId);
                }

                if (string.Equals(toAgentId, agent.User.Id, StringComparison.Ordinal))
                {
                    throw new DeskException(DeskErrorCode.TransferToSelf, "A conversation cannot be transferred to its own owner.") { ConversationId = conversationId };
                }

                var pending = await desk.Store.ListPendingTransfersAsync(conversationId, cancellationToken).ConfigureAwait(false);
                if (pending.Count > 0)
                {
                    throw AlreadyPending(conversationId, pending[0]);
                }

                var online = await desk.Presence.FindOnlineAsync(toAgentId, cancellationToken).ConfigureAwait(false);
                if (online.Count == 0)
                {
                    throw new DeskException(DeskErrorCode.TransferTargetOffline, $"User '{toAgentId}' has no open connection.") { ConversationId = conversationId };
                }

                var target = online.Where(p => p.User.Role == DeskRoles.Agent)
                    .OrderBy(p => p.Namespace == agent.Namespace ? 0 : 1)
                    .FirstOrDefault()
                    ?? throw new DeskException(DeskErrorCode.TransferTargetNotAgent, $"User '{toAgentId}' has no agent connection.") { ConversationId = conversationId };

                var now = desk.Time.GetUtcNow();
                var transfer = new DeskTransfer
                {
                    Id = MessageIds.New(desk.Time),
                    ConversationId = conversationId,
                    From = conversation.Agent,
                    To = target.User,
                    Visitor = conversation.Visitor.User,
                    Note = string.IsNullOrEmpty(note) ? null : note,
                    State = DeskTransferState.Pending,
                    CreatedAt = now,
                    ExpiresAt = now + TimeSpan.FromMilliseconds(desk.Options.TransferTimeoutMs),
                };
                var timeout = new DeskDeadline(DeskDeadline.TransferKey(transfer.Id), transfer.ExpiresAt, DeskDeadline.NewToken());
                var outcome = await desk.Store.RequestTransferAsync(transfer, timeout, cancellationToken).ConfigureAwait(false);
                switch (outcome.Result)
                {
                    // Lost a race after the checks above (another node changed the conversation meanwhile).
                    case TransferRequestResult.NotFound:
                        throw DeskContext.NotFound(conversationId);
                    case TransferRequestResult.NotOwner:
                        throw DeskContext.NotParticipant(conversationId);
                    case TransferRequestResult.Closed:
                        throw DeskContext.Closed(conversationId);
                    case TransferRequestResult.AlreadyPending:
                        throw AlreadyPending(conversationId, outcome.Pending!);
                }

                deadlines.Poke(timeout.DueAt);
                DeskLog.LogTransferRequested(desk.Logger, transfer.Id, conversationId, agent.User.Id, target.User.Id);
                if (reply is not null)
                {
                    await reply(transfer).ConfigureAwait(false);
                }

                await desk.Outbox.TransferRequestedAsync(transfer, cancellationToken).ConfigureAwait(false);
                return transfer;
            },
            cancellationToken);

    /// <summary>
    /// ACCEPT_TRANSFER (SB-XFER-005/006/010) by the target: one transition moves the conversation to the acceptor
    /// (owner's namespace = the accepting connection's). ACK, then CONVERSATION active to the new owner (+ history),
    /// the visitor and the previous owner, TRANSFER accepted to the requester, DAY_ACCESS when counted.
    /// 4006 unknown / not addressed to the caller / no longer pending, 4007 timed out.
    /// </summary>
    public Task<DeskConversation> AcceptAsync(DeskActor agent, string transferId, Func<ValueTask>? reply, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var now = desk.Time.GetUtcNow();
                var outcome = await desk.Store.AcceptTransferAsync(transferId, agent.Party, now, desk.IdleWarnAfter, cancellationToken).ConfigureAwait(false);
                switch (outcome.Result)
                {
                    case AcceptResult.NotFound:
                        throw NotFoundFor(transferId, outcome.Transfer);
                    case AcceptResult.Expired:
                        if (outcome.ExpiredNow)
                        {
                            await AnnounceExpiredAsync(outcome.Transfer!, cancellationToken).ConfigureAwait(false);
                        }

                        throw TimedOut(outcome.Transfer!);
                    case AcceptResult.ConversationMoved:
                        throw new DeskException(DeskErrorCode.TransferNotFound, "The conversation of this transfer is no longer with the requesting agent.")
                        {
                            TransferId = transferId,
                            ConversationId = outcome.Transfer?.ConversationId,
                        };
                }

                var moved = outcome.Conversation!;
                var transfer = outcome.Transfer!;
                var previous = outcome.Previous!;
                if (desk.IdleWarnAfter is { } warnAfter)
                {
                    deadlines.Poke(now + warnAfter); // the transition re-armed the idle deadline
                }

                DeskLog.LogTransferAccepted(desk.Logger, transferId, moved.Id, agent.User.Id);
                desk.Metrics?.Transfer("accepted");
                var dayAccessChanged = await dayAccess.RecordAsync(agent.User, moved.Visitor.User.Id, now, cancellationToken).ConfigureAwait(false);
                if (reply is not null)
                {
                    await reply().ConfigureAwait(false);
                }

                await desk.Outbox.ConversationChangedAsync(agent.Party, moved, null, cancellationToken).ConfigureAwait(false);
                await desk.AppendHistoryAsync(agent.Party, moved.Id, cancellationToken).ConfigureAwait(false);
                await desk.Outbox.ConversationChangedAsync(moved.Visitor, moved, null, cancellationToken).ConfigureAwait(false);
                await desk.Outbox.ConversationChangedAsync(previous, moved, null, cancellationToken).ConfigureAwait(false);
                await desk.Outbox.TransferAcceptedAsync(transfer, agent.Party, now, cancellationToken).ConfigureAwait(false);
                await dayAccess.AnnounceAsync(dayAccessChanged, cancellationToken).ConfigureAwait(false);
                return moved;
            },
            cancellationToken);

    /// <summary>REFUSE_TRANSFER (SB-XFER-007) by the target: ACK, then REFUSE_TRANSFER to the requester. Errors as
    /// accept: 4006, 4007.</summary>
    public Task<DeskTransfer> RefuseAsync(DeskActor agent, string transferId, string? reason, Func<ValueTask>? reply, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var transfer = await desk.Store.GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
                if (transfer is null || transfer.To.Id != agent.User.Id)
                {
                    throw NotFoundFor(transferId, null);
                }

                var now = desk.Time.GetUtcNow();
                if (transfer.State == DeskTransferState.Pending && now >= transfer.ExpiresAt)
                {
                    // The clock passed the deadline but no poller claimed it yet: expire it now, consistently.
                    if (await desk.Store.ResolveTransferAsync(transferId, DeskTransferState.Expired, now, cancellationToken).ConfigureAwait(false) is { } expired)
                    {
                        await AnnounceExpiredAsync(expired, cancellationToken).ConfigureAwait(false);
                    }

                    throw TimedOut(transfer);
                }

                var refused = await desk.Store.ResolveTransferAsync(transferId, DeskTransferState.Refused, now, cancellationToken).ConfigureAwait(false);
                if (refused is null)
                {
                    var current = await desk.Store.GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false) ?? transfer;
                    throw current.State == DeskTransferState.Expired ? TimedOut(current) : NotFoundFor(transferId, current);
                }

                refused = refused with { To = agent.User };
                DeskLog.LogTransferRefused(desk.Logger, transferId, agent.User.Id);
                desk.Metrics?.Transfer("refused");
                if (reply is not null)
                {
                    await reply().ConfigureAwait(false);
                }

                await desk.Outbox.TransferRefusedAsync(refused, string.IsNullOrEmpty(reason) ? null : reason, now, cancellationToken).ConfigureAwait(false);
                return refused;
            },
            cancellationToken);

    /// <summary>Deadline <c>xfer:</c> claimed: the transition expires the transfer if it is still pending (exactly once
    /// in the cluster); then TRANSFER_ERROR 4007 to both agents.</summary>
    public Task OnTimeoutDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                var expired = await desk.Store.ClaimTransferTimeoutAsync(deadline, desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (expired is not null)
                {
                    await AnnounceExpiredAsync(expired, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);

    /// <summary>SB-XFER-009: the conversation closed; its pending transfer fails with 4009 to both agents.
    /// Call under the gate.</summary>
    public async Task FailPendingOfAsync(string conversationId, CancellationToken cancellationToken)
    {
        foreach (var pending in await desk.Store.ListPendingTransfersAsync(conversationId, cancellationToken).ConfigureAwait(false))
        {
            await FailAsync(pending, DeskErrorCode.ConversationClosed, "The conversation was closed.", notifyTarget: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SB-XFER-009: the target's last agent connection closed; its pending transfers fail with 4004 to the
    /// requester. Call under the gate.</summary>
    public async Task FailPendingToAsync(string targetId, CancellationToken cancellationToken)
    {
        foreach (var pending in await desk.Store.ListPendingTransfersToAsync(targetId, cancellationToken).ConfigureAwait(false))
        {
            await FailAsync(pending, DeskErrorCode.TransferTargetOffline, "The transfer target went offline.", notifyTarget: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a transfer (null when unknown).</summary>
    public Task<DeskTransfer?> GetAsync(string transferId, CancellationToken cancellationToken) =>
        desk.Store.GetTransferAsync(transferId, cancellationToken);

    private async Task FailAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken)
    {
        var failed = await desk.Store.ResolveTransferAsync(transfer.Id, DeskTransferState.Failed, desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (failed is not null)
        {
            desk.Metrics?.Transfer("failed");
            await desk.Outbox.TransferFailedAsync(failed, code, message, notifyTarget, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnnounceExpiredAsync(DeskTransfer expired, CancellationToken cancellationToken)
    {
        DeskLog.LogTransferExpired(desk.Logger, expired.Id, expired.ConversationId);
        desk.Metrics?.Transfer("expired");
        await desk.Outbox.TransferFailedAsync(expired, DeskErrorCode.TransferTimeout, "The transfer request timed out.", notifyTarget: true, cancellationToken).ConfigureAwait(false);
    }

    private static DeskException AlreadyPending(string conversationId, DeskTransfer pending) =>
        new(DeskErrorCode.TransferAlreadyPending, $"Conversation {conversationId} already has a pending transfer ({pending.Id}).") { ConversationId = conversationId };

    private static DeskException TimedOut(DeskTransfer transfer) =>
        new(DeskErrorCode.TransferTimeout, "The transfer request timed out.") { TransferId = transfer.Id, ConversationId = transfer.ConversationId };

    private static DeskException NotFoundFor(string transferId, DeskTransfer? transfer) =>
        transfer is null
            ? new(DeskErrorCode.TransferNotFound, $"No transfer '{transferId}' for this agent.") { TransferId = transferId }
            : new(DeskErrorCode.TransferNotFound, $"The transfer is no longer pending ({transfer.State.ToString().ToLowerInvariant()}).")
            {
                TransferId = transferId,
                ConversationId = transfer.ConversationId,
            };
}

using Switchboard.Server.Messaging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>The work-order aggregate (section 14): create, update (a version-checked state change), read.</summary>
internal sealed class DeskWorkOrders(DeskContext desk)
{
    /// <summary>
    /// CREATE_WORK_ORDER or POST /api/v1/work-orders: stores an open work order. With an assignee, WOMSG goes to the
    /// assignee's stream in <paramref name="ns"/>; when the creator is the assignee that durable copy is the reply
    /// (<paramref name="replyContext"/>), otherwise <paramref name="reply"/> runs first. 4001 unknown conversation.
    /// </summary>
    public Task<DeskWorkOrder> CreateAsync(
        DeskUser creator, string ns, string title, string body, string? assigneeId, string? conversationId,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                if (!string.IsNullOrEmpty(conversationId)
                    && await desk.Store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw DeskContext.NotFound(conversationId);
                }

                var assignee = string.IsNullOrEmpty(assigneeId) ? null : await ResolveIdentityAsync(assigneeId, cancellationToken).ConfigureAwait(false);
                var now = desk.Time.GetUtcNow();
                var order = new DeskWorkOrder
                {
                    Id = MessageIds.New(desk.Time),
                    Title = title,
                    Body = body,
                    Status = WorkOrderStatuses.Open,
                    Assignee = assignee,
                    CreatedBy = creator,
                    ConversationId = string.IsNullOrEmpty(conversationId) ? null : conversationId,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                await desk.Store.InsertWorkOrderAsync(order, cancellationToken).ConfigureAwait(false);
                DeskLog.LogWorkOrderCreated(desk.Logger, order.Id, creator.Id, order.Assignee?.Id);
                await NotifyAsync(creator, ns, order, reply, replyContext, cancellationToken).ConfigureAwait(false);
                return order;
            },
            cancellationToken);

    /// <summary>
    /// UPDATE_WORK_ORDER or PATCH /api/v1/work-orders/{id}: new status and comment, applied by a version-checked
    /// transition (retried on a concurrent change); the assignee gets WOMSG in <paramref name="ns"/>. 4011 unknown;
    /// 4003 when the caller is neither an admin, the creator nor the assignee.
    /// </summary>
    public Task<DeskWorkOrder> UpdateAsync(
        DeskUser actor, string ns, string workOrderId, string status, string? comment,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken) =>
        desk.GatedAsync(
            async () =>
            {
                while (true)
                {
                    var order = await desk.Store.GetWorkOrderAsync(workOrderId, cancellationToken).ConfigureAwait(false)
                        ?? throw new DeskException(DeskErrorCode.WorkOrderNotFound, $"Work order '{workOrderId}' not found.");
                    if (actor.Role != DeskRoles.Admin && actor.Id != order.Assignee?.Id && actor.Id != order.CreatedBy.Id)
                    {
                        throw new DeskException(DeskErrorCode.NotParticipant, "Only an admin, the creator or the assignee can update this work order.");
                    }

                    var updated = order with
                    {
                        Status = status,
                        Comment = string.IsNullOrEmpty(comment) ? null : comment,
                        UpdatedAt = desk.Time.GetUtcNow(),
                    };
                    if (await desk.Store.UpdateWorkOrderAsync(updated, order.UpdatedAt, actor, cancellationToken).ConfigureAwait(false) is null)
                    {
                        continue; // changed meanwhile (another node): re-read and re-check
                    }

                    DeskLog.LogWorkOrderUpdated(desk.Logger, updated.Id, actor.Id, status);
                    await NotifyAsync(actor, ns, updated, reply, replyContext, cancellationToken).ConfigureAwait(false);
                    return updated;
                }
            },
            cancellationToken);

    /// <summary>Reads a work order (null when unknown).</summary>
    public Task<DeskWorkOrder?> GetAsync(string workOrderId, CancellationToken cancellationToken) =>
        desk.Store.GetWorkOrderAsync(workOrderId, cancellationToken);

    /// <summary>Lists work orders sorted by creation.</summary>
    public Task<IReadOnlyList<DeskWorkOrder>> ListAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken) =>
        desk.Store.ListWorkOrdersAsync(assigneeId, status, Math.Clamp(limit, 1, DeskContext.ListLimit), cancellationToken);

    private async Task NotifyAsync(
        DeskUser caller, string ns, DeskWorkOrder order, Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken)
    {
        var callerIsAssignee = order.Assignee is not null && order.Assignee.Id == caller.Id;
        if (!callerIsAssignee && reply is not null)
        {
            await reply(order).ConfigureAwait(false);
        }

        if (order.Assignee is { } assignee)
        {
            await desk.Outbox.WorkOrderChangedAsync(new DeskParty(ns, assignee), order, callerIsAssignee ? replyContext : null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A user's identity for a WOMSG <c>assignee</c> (SB-WO-002): from a current connection, else from the most
    /// recent agent/admin connection remembered, else <c>{id, name: id, role: agent}</c>.</summary>
    private async Task<DeskUser> ResolveIdentityAsync(string userId, CancellationToken cancellationToken)
    {
        var online = await desk.Presence.FindOnlineAsync(userId, cancellationToken).ConfigureAwait(false);
        if (online.Count > 0)
        {
            return online.FirstOrDefault(p => p.User.Role == DeskRoles.Agent)?.User ?? online[0].User;
        }

        var known = await desk.Store.GetAgentAsync(userId, cancellationToken).ConfigureAwait(false);
        return known?.User ?? new DeskUser(userId, userId, DeskRoles.Agent);
    }
}

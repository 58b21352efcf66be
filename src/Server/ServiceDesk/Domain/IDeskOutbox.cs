namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// Where the desk's notifications go. The engine decides <em>who</em> gets <em>what</em> (the rules);
/// an implementation turns each call into protocol events and delivers them: durable ones through the
/// recipient's stream (stored, pushed, replayed), live ones to the recipient's current connections.
/// </summary>
internal interface IDeskOutbox
{
    /// <summary>QIANGDAN (live) to every online agent connection of every namespace.</summary>
    ValueTask QueueChangedAsync(DeskConversation conversation, QueueChange change, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>CONVERSATION (durable) to <paramref name="recipient"/>'s stream. <paramref name="replyContext"/>, when
    /// not null, is the opaque reply context of the command whose reply this copy is (SB-ENV-015).</summary>
    ValueTask ConversationChangedAsync(DeskParty recipient, DeskConversation conversation, object? replyContext, CancellationToken cancellationToken);

    /// <summary>NEW_MESSAGE (<paramref name="isOpenConversation"/>) or NEW_MESSAGE_USER (durable) to <paramref name="recipient"/>.</summary>
    ValueTask MessageAsync(DeskParty recipient, DeskMessage message, bool isOpenConversation, CancellationToken cancellationToken);

    /// <summary>RTRANSFER (live) to every connection of the target agent.</summary>
    ValueTask TransferRequestedAsync(DeskTransfer transfer, CancellationToken cancellationToken);

    /// <summary>TRANSFER state accepted (live) to every connection of the requesting agent.</summary>
    ValueTask TransferAcceptedAsync(DeskTransfer transfer, DeskParty acceptedBy, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>REFUSE_TRANSFER (live) to every connection of the requesting agent.</summary>
    ValueTask TransferRefusedAsync(DeskTransfer transfer, string? reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>TRANSFER_ERROR (live, no cid) to every connection of the requester and, when
    /// <paramref name="notifyTarget"/>, of the target: 4007 timeout, 4009 conversation closed, 4004 target gone.</summary>
    ValueTask TransferFailedAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken);

    /// <summary>DAY_ACCESS (live, no cid) to every open agent connection (both namespaces), each with its own
    /// user's count from <paramref name="counts"/> (0 when absent) and the day's total.</summary>
    ValueTask DayAccessChangedAsync(string day, IReadOnlyList<DayAccessLine> counts, CancellationToken cancellationToken);

    /// <summary>TIMER (live) to every connection of <paramref name="recipient"/> in its namespace (conversation idle warning).</summary>
    ValueTask ConversationTimerAsync(DeskParty recipient, DeskTimer timer, CancellationToken cancellationToken);

    /// <summary>WOMSG (durable) to <paramref name="recipient"/>'s stream; <paramref name="replyContext"/> as in
    /// <see cref="ConversationChangedAsync"/> (the caller is the assignee).</summary>
    ValueTask WorkOrderChangedAsync(DeskParty recipient, DeskWorkOrder order, object? replyContext, CancellationToken cancellationToken);

    /// <summary>TIMER fired (live) to the one connection that set it (dropped if it is gone).</summary>
    ValueTask ReminderFiredAsync(string connectionId, DeskTimer timer, CancellationToken cancellationToken);
}

/// <summary>Who is connected right now (the desk's view of the connection registry).</summary>
internal interface IDeskPresence
{
    /// <summary>The user's online identities: one per namespace and role with at least one open connection (on any
    /// node of a cluster).</summary>
    ValueTask<IReadOnlyList<DeskParty>> FindOnlineAsync(string userId, CancellationToken cancellationToken);
}

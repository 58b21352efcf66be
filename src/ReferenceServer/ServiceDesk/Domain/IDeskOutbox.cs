namespace Switchboard.ReferenceServer.ServiceDesk.Domain;

/// <summary>
/// Where the desk's notifications go. The engine decides <em>who</em> gets <em>what</em> (the rules);
/// an implementation turns each call into protocol events and delivers them: durable ones through the
/// recipient's stream (stored, pushed, replayed), live ones to the recipient's current connections.
/// </summary>
internal interface IDeskOutbox
{
    /// <summary>QIANGDAN (live) to every online agent connection of every namespace.</summary>
    ValueTask QueueChangedAsync(DeskConversation conversation, QueueChange change, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>CONVERSATION (durable) to <paramref name="recipient"/>'s stream.</summary>
    ValueTask ConversationChangedAsync(DeskParty recipient, DeskConversation conversation, CancellationToken cancellationToken);

    /// <summary>NEW_MESSAGE (<paramref name="isOpenConversation"/>) or NEW_MESSAGE_USER (durable) to <paramref name="recipient"/>.</summary>
    ValueTask MessageAsync(DeskParty recipient, DeskMessage message, bool isOpenConversation, CancellationToken cancellationToken);

    /// <summary>RTRANSFER (live) to every connection of the target agent.</summary>
    ValueTask TransferRequestedAsync(DeskTransfer transfer, CancellationToken cancellationToken);

    /// <summary>TRANSFER state accepted (live) to every connection of the requesting agent.</summary>
    ValueTask TransferAcceptedAsync(DeskTransfer transfer, DeskParty acceptedBy, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>REFUSE_TRANSFER (live) to every connection of the requesting agent.</summary>
    ValueTask TransferRefusedAsync(DeskTransfer transfer, string? reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>TRANSFER_ERROR 4007 (live) to every connection of the requester and of the target.</summary>
    ValueTask TransferExpiredAsync(DeskTransfer transfer, CancellationToken cancellationToken);

    /// <summary>DAY_ACCESS (live) to every connection of the agent.</summary>
    ValueTask DayAccessChangedAsync(string agentId, DayAccessSnapshot dayAccess, CancellationToken cancellationToken);

    /// <summary>TIMER (live) to every connection of <paramref name="recipient"/> in its namespace (conversation idle warning).</summary>
    ValueTask ConversationTimerAsync(DeskParty recipient, DeskTimer timer, CancellationToken cancellationToken);

    /// <summary>WOMSG (durable) to <paramref name="recipient"/>'s stream.</summary>
    ValueTask WorkOrderChangedAsync(DeskParty recipient, DeskWorkOrder order, CancellationToken cancellationToken);

    /// <summary>TIMER fired (live) to the one connection that set it (dropped if it is gone).</summary>
    ValueTask ReminderFiredAsync(string connectionId, DeskTimer timer, CancellationToken cancellationToken);
}

/// <summary>Who is connected right now (the desk's view of the connection registry).</summary>
internal interface IDeskPresence
{
    /// <summary>The user's online identities: one per namespace with at least one open connection.</summary>
    IReadOnlyList<DeskParty> FindOnline(string userId);
}

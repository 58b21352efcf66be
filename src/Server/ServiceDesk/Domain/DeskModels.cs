namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>Role names as they appear in tokens and on the wire (<c>UserRef.role</c>), from the spec.</summary>
internal static class DeskRoles
{
    public const string User = Switchboard.Protocol.Roles.User;
    public const string Visitor = Switchboard.Protocol.Roles.Visitor;
    public const string Agent = Switchboard.Protocol.Roles.Agent;
    public const string Admin = Switchboard.Protocol.Roles.Admin;
}

/// <summary>A user as the desk knows it (maps to the wire <c>UserRef</c>).</summary>
/// <param name="Id">User id (token <c>sub</c>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role name (<see cref="DeskRoles"/>).</param>
internal sealed record DeskUser(string Id, string Name, string Role);

/// <summary>A user in one namespace: the address of a durable stream (<c>web</c>/<c>app</c> + user).</summary>
internal sealed record DeskParty(string Namespace, DeskUser User);

/// <summary>The connection that issued a command: who, from which namespace, and which connection.</summary>
internal sealed record DeskActor(DeskUser User, string Namespace, string ConnectionId)
{
    /// <summary>The actor's durable-stream address.</summary>
    public DeskParty Party => new(Namespace, User);
}

/// <summary>Conversation lifecycle (wire <c>ConversationState</c>).</summary>
internal enum DeskConversationState
{
    /// <summary>In the queue, no agent yet.</summary>
    Waiting,
    /// <summary>Owned by an agent.</summary>
    Active,
    /// <summary>Finished (see <see cref="DeskConversation.CloseReason"/>).</summary>
    Closed,
}

/// <summary>Why a conversation was closed (wire <c>reason</c>).</summary>
internal static class DeskCloseReasons
{
    public const string Visitor = "visitor";
    public const string Agent = "agent";
    public const string Idle = "idle";
    public const string Backend = "backend";
}

/// <summary>How a conversation left (or entered) the queue: the QIANGDAN state.</summary>
internal enum QueueChange
{
    /// <summary>Entered the queue; agents may grab it.</summary>
    Waiting,
    /// <summary>Grabbed by an agent.</summary>
    Taken,
    /// <summary>Left the queue without an agent (visitor closed it or went away).</summary>
    Withdrawn,
}

/// <summary>A visitor conversation (one row of <c>sd_conversations</c>).</summary>
internal sealed record DeskConversation
{
    public required string Id { get; init; }
    public required DeskConversationState State { get; init; }
    public required DeskParty Visitor { get; init; }
    public DeskParty? Agent { get; init; }
    public string? Topic { get; init; }
    public required DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public string? CloseReason { get; init; }
    public required DateTimeOffset LastActivityAt { get; init; }
    /// <summary>1-based queue position, only for waiting conversations when it was computed.</summary>
    public int? Position { get; init; }

    /// <summary>The time of the last state change (the <c>at</c> of CONVERSATION).</summary>
    public DateTimeOffset ChangedAt => ClosedAt ?? ActivatedAt ?? QueuedAt;

    /// <summary>True when <paramref name="userId"/> is the visitor or the owning agent.</summary>
    public bool IsParticipant(string userId) =>
        Visitor.User.Id == userId || (Agent is not null && Agent.User.Id == userId);
}

/// <summary>A message inside a conversation.</summary>
internal sealed record DeskMessage(string Id, string ConversationId, DeskUser Sender, string Data, DateTimeOffset At);

/// <summary>Transfer lifecycle.</summary>
internal enum DeskTransferState
{
    Pending,
    Accepted,
    Refused,
    Expired,
    /// <summary>Failed: the conversation closed, or the target's last agent connection closed.</summary>
    Failed,
}

/// <summary>A request to hand a conversation over to another agent.</summary>
internal sealed record DeskTransfer
{
    public required string Id { get; init; }
    public required string ConversationId { get; init; }
    public required DeskParty From { get; init; }
    public required DeskUser To { get; init; }
    public required DeskUser Visitor { get; init; }
    public string? Note { get; init; }
    public required DeskTransferState State { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
}

/// <summary>Work-order status (wire <c>WorkOrderStatus</c>).</summary>
internal static class WorkOrderStatuses
{
    public const string Open = "open";
    public const string InProgress = "in_progress";
    public const string Resolved = "resolved";
    public const string Closed = "closed";

    /// <summary>True for the four statuses the contract defines.</summary>
    public static bool IsValid(string? status) =>
        status is Open or InProgress or Resolved or Closed;
}

/// <summary>A work order (ticket).</summary>
internal sealed record DeskWorkOrder
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Body { get; init; }
    public required string Status { get; init; }
    public DeskUser? Assignee { get; init; }
    public required DeskUser CreatedBy { get; init; }
    public string? ConversationId { get; init; }
    public string? Comment { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Visitors taken today: one agent's count and the total of all agents (server UTC day).</summary>
internal sealed record DayAccessSnapshot(string Date, long Count, long Total);

/// <summary>One agent's line in the day-access statistics.</summary>
internal sealed record DayAccessLine(DeskUser Agent, long Count);

/// <summary>A reminder timer set with SET_TIMER, or a conversation idle notice.</summary>
internal sealed record DeskTimer(string Id, string Kind, string State, string? Label, string? ConversationId, DateTimeOffset FiresAt, long RemainingMs);

/// <summary>TIMER kinds and states (wire strings).</summary>
internal static class DeskTimerKinds
{
    public const string Reminder = "reminder";
    public const string ConversationIdle = "conversation_idle";
    public const string Scheduled = "scheduled";
    public const string Fired = "fired";
    public const string Warning = "warning";
}

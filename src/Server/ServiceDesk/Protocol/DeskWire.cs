using System.Globalization;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.ServiceDesk.Protocol;

/// <summary>Maps the desk's domain records to the generated wire types (and identities back).</summary>
internal static class DeskWire
{
    /// <summary>The desk view of a connection.</summary>
    public static DeskActor Actor(IConnection connection) =>
        new(User(connection.User), connection.Namespace, connection.ClientId);

    /// <summary>The desk view of an identity.</summary>
    public static DeskUser User(UserIdentity user) => new(user.Id, user.Name, user.Role);

    /// <summary>The wire <c>UserRef</c>.</summary>
    public static UserRef Ref(DeskUser user) => new() { Id = user.Id, Name = user.Name, Role = UserRefs.ToRole(user.Role) };

    /// <summary>CONVERSATION for the conversation's current state (position only while waiting, reason only when closed).</summary>
    public static ConversationEvent Conversation(DeskConversation c) => new()
    {
        ConversationId = c.Id,
        State = State(c.State),
        Visitor = Ref(c.Visitor.User),
        Agent = c.Agent is null ? null : Ref(c.Agent.User),
        Topic = c.Topic,
        Position = c.State == DeskConversationState.Waiting ? c.Position : null,
        Reason = c.State == DeskConversationState.Closed ? Reason(c.CloseReason) : null,
        At = c.ChangedAt,
    };

    /// <summary>QIANGDAN for a queue change.</summary>
    public static QiangdanEvent Qiangdan(DeskConversation c, QueueChange change, DateTimeOffset at) => new()
    {
        ConversationId = c.Id,
        Visitor = Ref(c.Visitor.User),
        Topic = c.Topic,
        State = change switch
        {
            QueueChange.Waiting => QueueState.Waiting,
            QueueChange.Taken => QueueState.Taken,
            _ => QueueState.Withdrawn,
        },
        Agent = change == QueueChange.Taken && c.Agent is not null ? Ref(c.Agent.User) : null,
        QueuedAt = c.QueuedAt,
        At = at,
    };

    /// <summary>NEW_MESSAGE or NEW_MESSAGE_USER.</summary>
    public static IServerEvent Message(DeskMessage m, bool isOpenConversation) => isOpenConversation
        ? new NewMessageEvent { MessageId = m.Id, ConversationId = m.ConversationId, User = Ref(m.Sender), Data = m.Data, At = m.At }
        : new NewMessageUserEvent { MessageId = m.Id, ConversationId = m.ConversationId, User = Ref(m.Sender), Data = m.Data, At = m.At };

    /// <summary>RTRANSFER to the target.</summary>
    public static RtransferEvent Rtransfer(DeskTransfer t) => new()
    {
        TransferId = t.Id,
        ConversationId = t.ConversationId,
        From = Ref(t.From.User),
        Visitor = Ref(t.Visitor),
        Note = t.Note,
        ExpiresAt = t.ExpiresAt,
    };

    /// <summary>TRANSFER pending (reply) or accepted (push).</summary>
    public static TransferEvent Transfer(DeskTransfer t, DeskUser to, bool accepted, DateTimeOffset at) => new()
    {
        TransferId = t.Id,
        ConversationId = t.ConversationId,
        To = Ref(to),
        State = accepted ? TransferState.Accepted : TransferState.Pending,
        At = at,
    };

    /// <summary>TRANSFER_ERROR with the transfer and conversation ids; <paramref name="command"/> is set on the reply to
    /// REQUEST_TRANSFER and absent on the pushed timeout/failure events (SB-XFER-003, SB-CODEC-013).</summary>
    public static TransferErrorEvent TransferError(DeskErrorCode code, string message, string? transferId, string? conversationId, string? command = null) => new()
    {
        Code = (int)code,
        Error = ErrorNames.Of((ErrorCode)(int)code),
        Message = message,
        TransferId = transferId,
        ConversationId = conversationId,
        Command = command,
    };

    /// <summary>REFUSE_TRANSFER to the requester.</summary>
    public static RefuseTransferEvent Refused(DeskTransfer t, string? reason, DateTimeOffset at) => new()
    {
        TransferId = t.Id,
        ConversationId = t.ConversationId,
        By = Ref(t.To),
        Reason = reason,
        At = at,
    };

    /// <summary>DAY_ACCESS.</summary>
    public static DayAccessEvent DayAccess(string date, long count, long total) => new()
    {
        Date = date,
        Count = (int)Math.Min(count, int.MaxValue),
        Total = (int)Math.Min(total, int.MaxValue),
    };

    /// <summary>WOMSG (<c>at</c> = last change).</summary>
    public static WomsgEvent Womsg(DeskWorkOrder o) => new()
    {
        WorkOrderId = o.Id,
        Title = o.Title,
        Body = o.Body,
        Status = WorkOrderStatus(o.Status),
        Assignee = o.Assignee is null ? null : Ref(o.Assignee),
        CreatedBy = Ref(o.CreatedBy),
        ConversationId = o.ConversationId,
        Comment = o.Comment,
        At = o.UpdatedAt,
    };

    /// <summary>TIMER.</summary>
    public static TimerEvent Timer(DeskTimer t) => new()
    {
        TimerId = t.Id,
        Kind = t.Kind == DeskTimerKinds.ConversationIdle ? TimerKind.ConversationIdle : TimerKind.Reminder,
        State = t.State switch
        {
            DeskTimerKinds.Fired => TimerState.Fired,
            DeskTimerKinds.Warning => TimerState.Warning,
            _ => TimerState.Scheduled,
        },
        Label = t.Label,
        ConversationId = t.ConversationId,
        FiresAt = t.FiresAt,
        RemainingMs = t.RemainingMs,
    };

    /// <summary>Wire conversation state.</summary>
    public static ConversationState State(DeskConversationState state) => state switch
    {
        DeskConversationState.Waiting => ConversationState.Waiting,
        DeskConversationState.Active => ConversationState.Active,
        _ => ConversationState.Closed,
    };

    /// <summary>Wire close reason (null when none).</summary>
    public static ConversationCloseReason? Reason(string? reason) => reason switch
    {
        DeskCloseReasons.Visitor => ConversationCloseReason.Visitor,
        DeskCloseReasons.Agent => ConversationCloseReason.Agent,
        DeskCloseReasons.Idle => ConversationCloseReason.Idle,
        DeskCloseReasons.Backend => ConversationCloseReason.Backend,
        _ => null,
    };

    /// <summary>Generated work-order status from its wire string.</summary>
    public static WorkOrderStatus WorkOrderStatus(string status) =>
        WorkOrderStatusExtensions.TryParseWire(status, out var value)
            ? value
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Unknown work-order status '{status}'."));
}

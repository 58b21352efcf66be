using Microsoft.Extensions.Logging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>Log messages of the desk. Event ids 4100-4199 belong to the service desk; never reuse one.</summary>
internal static partial class DeskLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Conversation {ConversationId} queued for visitor {VisitorId} at position {Position}")]
    internal static partial void LogQueued(ILogger logger, string conversationId, string visitorId, int position);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Conversation {ConversationId} grabbed by agent {AgentId}")]
    internal static partial void LogGrabbed(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Grab of conversation {ConversationId} by agent {AgentId} lost")]
    internal static partial void LogGrabLost(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Conversation {ConversationId} closed ({Reason})")]
    internal static partial void LogClosed(ILogger logger, string conversationId, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Transfer {TransferId} of conversation {ConversationId} requested by {FromAgentId} to {ToAgentId}")]
    internal static partial void LogTransferRequested(ILogger logger, string transferId, string conversationId, string fromAgentId, string toAgentId);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Transfer {TransferId} accepted: conversation {ConversationId} now with {AgentId}")]
    internal static partial void LogTransferAccepted(ILogger logger, string transferId, string conversationId, string agentId);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Transfer {TransferId} refused by {AgentId}")]
    internal static partial void LogTransferRefused(ILogger logger, string transferId, string agentId);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Transfer {TransferId} of conversation {ConversationId} timed out")]
    internal static partial void LogTransferExpired(ILogger logger, string transferId, string conversationId);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "Conversation {ConversationId} idle warning sent")]
    internal static partial void LogIdleWarning(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Information, Message = "Waiting conversation {ConversationId} withdrawn: visitor {VisitorId} stayed offline")]
    internal static partial void LogWithdrawn(ILogger logger, string conversationId, string visitorId);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Work order {WorkOrderId} created by {CreatorId} for {AssigneeId}")]
    internal static partial void LogWorkOrderCreated(ILogger logger, string workOrderId, string creatorId, string? assigneeId);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Work order {WorkOrderId} set to {Status} by {ActorId}")]
    internal static partial void LogWorkOrderUpdated(ILogger logger, string workOrderId, string actorId, string status);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Error, Message = "Service desk timer {TimerKey} failed")]
    internal static partial void LogTimerFailed(ILogger logger, string timerKey, Exception exception);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Debug, Message = "Desk deadline {DeadlineKey} claimed")]
    internal static partial void LogDeadlineClaimed(ILogger logger, string deadlineKey);
}

using Microsoft.Extensions.Logging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>Log messages of the desk. Event ids 4100-4199 belong to the service desk; never reuse one.</summary>
internal sealed partial class ServiceDeskEngine
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Conversation {ConversationId} queued for visitor {VisitorId} at position {Position}")]
    private static partial void LogQueued(ILogger logger, string conversationId, string visitorId, int position);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Conversation {ConversationId} grabbed by agent {AgentId}")]
    private static partial void LogGrabbed(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Grab of conversation {ConversationId} by agent {AgentId} lost")]
    private static partial void LogGrabLost(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Conversation {ConversationId} closed ({Reason})")]
    private static partial void LogClosed(ILogger logger, string conversationId, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Transfer {TransferId} of conversation {ConversationId} requested by {FromAgentId} to {ToAgentId}")]
    private static partial void LogTransferRequested(ILogger logger, string transferId, string conversationId, string fromAgentId, string toAgentId);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Transfer {TransferId} accepted: conversation {ConversationId} now with {AgentId}")]
    private static partial void LogTransferAccepted(ILogger logger, string transferId, string conversationId, string agentId);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Transfer {TransferId} refused by {AgentId}")]
    private static partial void LogTransferRefused(ILogger logger, string transferId, string agentId);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Transfer {TransferId} of conversation {ConversationId} timed out")]
    private static partial void LogTransferExpired(ILogger logger, string transferId, string conversationId);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "Conversation {ConversationId} idle warning sent")]
    private static partial void LogIdleWarning(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Information, Message = "Waiting conversation {ConversationId} withdrawn: visitor {VisitorId} stayed offline")]
    private static partial void LogWithdrawn(ILogger logger, string conversationId, string visitorId);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Work order {WorkOrderId} created by {CreatorId} for {AssigneeId}")]
    private static partial void LogWorkOrderCreated(ILogger logger, string workOrderId, string creatorId, string? assigneeId);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Work order {WorkOrderId} set to {Status} by {ActorId}")]
    private static partial void LogWorkOrderUpdated(ILogger logger, string workOrderId, string actorId, string status);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Error, Message = "Service desk timer {TimerKey} failed")]
    private static partial void LogTimerFailed(ILogger logger, string timerKey, Exception exception);
}

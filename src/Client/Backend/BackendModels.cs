using System.Text.Json;
using System.Text.Json.Serialization;
using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>Result of a push through the backend API (HTTP 202).</summary>
public sealed class PushResult
{
    /// <summary>The id of the PUSH event.</summary>
    [JsonPropertyName("message_id")]
    public required string MessageId { get; init; }

    /// <summary>The event's seq in the user's durable stream (pushes to a user only).</summary>
    [JsonPropertyName("seq")]
    public long? Seq { get; init; }

    /// <summary>Connections the event was sent to right away (0 = stored for later delivery, for user pushes).</summary>
    [JsonPropertyName("delivered")]
    public int Delivered { get; init; }
}

/// <summary>The users online in a namespace (<c>GET /api/v1/namespaces/{ns}/online</c>).</summary>
public sealed class OnlineUsers
{
    /// <summary>The namespace.</summary>
    [JsonPropertyName("namespace")]
    public required Namespace Namespace { get; init; }

    /// <summary>The online users with their connection counts.</summary>
    [JsonPropertyName("users")]
    public required IReadOnlyList<OnlineUser> Users { get; init; }
}

/// <summary>Visitors taken per agent on one UTC day (<c>GET /api/v1/stats/day-access</c>).</summary>
public sealed class DayAccessStats
{
    /// <summary>The day, <c>YYYY-MM-DD</c> (UTC).</summary>
    [JsonPropertyName("date")]
    public required string Date { get; init; }

    /// <summary>Visitors taken by all agents that day.</summary>
    [JsonPropertyName("total")]
    public int Total { get; init; }

    /// <summary>Per-agent counts.</summary>
    [JsonPropertyName("agents")]
    public IReadOnlyList<AgentDayAccess> Agents { get; init; } = [];
}

/// <summary>One agent's count in <see cref="DayAccessStats"/>.</summary>
public sealed class AgentDayAccess
{
    /// <summary>The agent.</summary>
    [JsonPropertyName("agent")]
    public required UserRef Agent { get; init; }

    /// <summary>Visitors the agent took that day.</summary>
    [JsonPropertyName("count")]
    public int Count { get; init; }
}

/// <summary>A work order (backend API).</summary>
public sealed class WorkOrder
{
    /// <summary>Id.</summary>
    [JsonPropertyName("work_order_id")]
    public required string WorkOrderId { get; init; }

    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    /// <summary>Body.</summary>
    [JsonPropertyName("body")]
    public string? Body { get; init; }

    /// <summary>Status.</summary>
    [JsonPropertyName("status")]
    public required WorkOrderStatus Status { get; init; }

    /// <summary>The assigned agent, if any.</summary>
    [JsonPropertyName("assignee")]
    public UserRef? Assignee { get; init; }

    /// <summary>Who created it.</summary>
    [JsonPropertyName("created_by")]
    public UserRef? CreatedBy { get; init; }

    /// <summary>The related conversation, if any.</summary>
    [JsonPropertyName("conversation_id")]
    public string? ConversationId { get; init; }

    /// <summary>The last comment, if any.</summary>
    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    /// <summary>Time of the last change.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset? At { get; init; }
}

/// <summary>A conversation of the service desk (backend API).</summary>
public sealed class ConversationSummary
{
    /// <summary>Id.</summary>
    [JsonPropertyName("conversation_id")]
    public required string ConversationId { get; init; }

    /// <summary>State.</summary>
    [JsonPropertyName("state")]
    public required ConversationState State { get; init; }

    /// <summary>The visitor.</summary>
    [JsonPropertyName("visitor")]
    public UserRef? Visitor { get; init; }

    /// <summary>The owning agent, if any.</summary>
    [JsonPropertyName("agent")]
    public UserRef? Agent { get; init; }

    /// <summary>Topic, if any.</summary>
    [JsonPropertyName("topic")]
    public string? Topic { get; init; }

    /// <summary>Time of the last state change.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset? At { get; init; }
}

internal sealed class PushRequest
{
    [JsonPropertyName("topic")]
    public required string Topic { get; init; }

    [JsonPropertyName("data")]
    public JsonElement Data { get; init; }
}

internal sealed class CreateWorkOrderRequest
{
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("body")]
    public required string Body { get; init; }

    [JsonPropertyName("assignee")]
    public string? Assignee { get; init; }

    [JsonPropertyName("conversation_id")]
    public string? ConversationId { get; init; }
}

internal sealed class UpdateWorkOrderRequest
{
    [JsonPropertyName("status")]
    public required WorkOrderStatus Status { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }
}

internal sealed class WorkOrderList
{
    [JsonPropertyName("work_orders")]
    public IReadOnlyList<WorkOrder> WorkOrders { get; init; } = [];
}

internal sealed class ConversationList
{
    [JsonPropertyName("conversations")]
    public IReadOnlyList<ConversationSummary> Conversations { get; init; } = [];
}

internal sealed class ProblemDetailsBody
{
    [JsonPropertyName("title")]
    public string? Title { get; init; }

    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    [JsonPropertyName("status")]
    public int? Status { get; init; }

    [JsonPropertyName("code")]
    public int? Code { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PushRequest))]
[JsonSerializable(typeof(PushResult))]
[JsonSerializable(typeof(OnlineUsers))]
[JsonSerializable(typeof(DayAccessStats))]
[JsonSerializable(typeof(WorkOrder))]
[JsonSerializable(typeof(WorkOrderList))]
[JsonSerializable(typeof(CreateWorkOrderRequest))]
[JsonSerializable(typeof(UpdateWorkOrderRequest))]
[JsonSerializable(typeof(ConversationList))]
[JsonSerializable(typeof(ProblemDetailsBody))]
internal sealed partial class BackendJsonContext : JsonSerializerContext;

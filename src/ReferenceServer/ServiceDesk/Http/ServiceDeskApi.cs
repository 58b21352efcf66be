using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocol;
using Switchboard.ReferenceServer.Api;
using Switchboard.ReferenceServer.Features;
using Switchboard.ReferenceServer.Hosting;
using Switchboard.ReferenceServer.Messaging;
using Switchboard.ReferenceServer.ServiceDesk.Domain;
using Switchboard.ReferenceServer.ServiceDesk.Persistence;
using Switchboard.ReferenceServer.ServiceDesk.Protocol;

namespace Switchboard.ReferenceServer.ServiceDesk.Http;

/// <summary>
/// The service-desk part of the backend HTTP API (spec section 22: SB-API-007..013). Mapped on the core's
/// admin-authenticated <c>/api/v1</c> group, so authentication (401/403) and problem+json errors
/// (<see cref="SwitchboardApiException"/>) are the core's.
/// </summary>
internal static class ServiceDeskApi
{
    private const int DefaultLimit = 1000;

    /// <summary>Maps the endpoints on <paramref name="api"/> (the <c>/api/v1</c> group).</summary>
    public static RouteGroupBuilder Map(RouteGroupBuilder api)
    {
        api.MapGet("/stats/day-access", GetDayAccessAsync);
        api.MapPost("/work-orders", CreateWorkOrderAsync);
        api.MapGet("/work-orders", ListWorkOrdersAsync);
        api.MapGet("/work-orders/{id}", GetWorkOrderAsync);
        api.MapPatch("/work-orders/{id}", UpdateWorkOrderAsync);
        api.MapGet("/conversations", ListConversationsAsync);
        api.MapPost("/conversations/{id}/close", CloseConversationAsync);
        return api;
    }

    private static async Task<IResult> GetDayAccessAsync(string? date, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var day = engine.Today();
        if (!string.IsNullOrEmpty(date))
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                throw BadRequest(ErrorCode.InvalidField, "date must be YYYY-MM-DD.", "$.date");
            }

            day = parsed.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        var lines = await engine.ListDayAccessAsync(day, cancellationToken).ConfigureAwait(false);
        return Results.Json(new DayAccessStats(day, lines.Sum(l => l.Count), [.. lines.Select(l => new AgentCount(UserDto.From(l.Agent), l.Count))]));
    }

    private static async Task<IResult> CreateWorkOrderAsync(HttpContext http, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadObjectAsync(http.Request, cancellationToken).ConfigureAwait(false);
        var title = RequiredText(body, "title", allowEmpty: false);
        var text = RequiredText(body, "body", allowEmpty: true);
        if (!ServiceDeskCommandHandler.ValidateWorkOrder(title, text, null, out var invalid, "$."))
        {
            throw BadRequest(ErrorCode.InvalidField, invalid.Message, invalid.Path);
        }

        var assignee = OptionalString(body, "assignee");
        if (assignee is not null && !Validation.IsUserId(assignee))
        {
            throw BadRequest(ErrorCode.InvalidField, "assignee is not a valid user id (1-64 chars [A-Za-z0-9_.@-]).", "$.assignee");
        }

        var conversationId = OptionalString(body, "conversation_id");
        var ns = Namespace(body);
        try
        {
            var order = await engine.CreateWorkOrderAsync(Caller(http), ns, title, text, assignee, conversationId, null, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(WorkOrderDto.From(order), statusCode: StatusCodes.Status201Created)
                .WithLocation("/api/v1/work-orders/" + Uri.EscapeDataString(order.Id));
        }
        catch (DeskException ex)
        {
            throw ToApi(ex);
        }
    }

    private static async Task<IResult> ListWorkOrdersAsync(string? assignee, string? status, string? limit, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var max = Limit(limit);
        assignee = string.IsNullOrEmpty(assignee) ? null : assignee;
        status = string.IsNullOrEmpty(status) ? null : status;
        if (status is not null && !WorkOrderStatuses.IsValid(status))
        {
            throw BadRequest(ErrorCode.InvalidField, "status must be open, in_progress, resolved or closed.", "$.status");
        }

        if (assignee is not null && !Validation.IsUserId(assignee))
        {
            throw BadRequest(ErrorCode.InvalidField, "assignee is not a valid user id.", "$.assignee");
        }

        var orders = await engine.ListWorkOrdersAsync(assignee, status, max, cancellationToken).ConfigureAwait(false);
        return Results.Json(new WorkOrderList([.. orders.Select(WorkOrderDto.From)]));
    }

    private static async Task<IResult> GetWorkOrderAsync(string id, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var order = await engine.GetWorkOrderAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new SwitchboardApiException(StatusCodes.Status404NotFound, ErrorCode.WorkOrderNotFound, $"Work order '{id}' not found.");
        return Results.Json(WorkOrderDto.From(order));
    }

    private static async Task<IResult> UpdateWorkOrderAsync(string id, HttpContext http, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadObjectAsync(http.Request, cancellationToken).ConfigureAwait(false);
        var status = RequiredText(body, "status", allowEmpty: false);
        if (!WorkOrderStatuses.IsValid(status))
        {
            throw BadRequest(ErrorCode.InvalidField, "status must be open, in_progress, resolved or closed.", "$.status");
        }

        var comment = OptionalString(body, "comment");
        if (!ServiceDeskCommandHandler.ValidateWorkOrder(null, null, comment, out var invalid, "$."))
        {
            throw BadRequest(ErrorCode.InvalidField, invalid.Message, invalid.Path);
        }

        try
        {
            var order = await engine.UpdateWorkOrderAsync(Caller(http), Namespace(body), id, status, comment, null, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(WorkOrderDto.From(order));
        }
        catch (DeskException ex)
        {
            throw ToApi(ex);
        }
    }

    private static async Task<IResult> ListConversationsAsync(string? state, string? limit, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var max = Limit(limit);
        DeskConversationState? filter = null;
        if (!string.IsNullOrEmpty(state))
        {
            filter = state switch
            {
                "waiting" => DeskConversationState.Waiting,
                "active" => DeskConversationState.Active,
                "closed" => DeskConversationState.Closed,
                _ => throw BadRequest(ErrorCode.InvalidField, "state must be waiting, active or closed.", "$.state"),
            };
        }

        var conversations = await engine.ListConversationsAsync(filter, max, cancellationToken).ConfigureAwait(false);
        return Results.Json(new ConversationList([.. conversations.Select(ConversationDto.From)]));
    }

    private static async Task<IResult> CloseConversationAsync(string id, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        try
        {
            var closed = await engine.CloseByBackendAsync(id, cancellationToken).ConfigureAwait(false);
            return Results.Json(ConversationDto.From(closed));
        }
        catch (DeskException ex)
        {
            throw ToApi(ex);
        }
    }

    /// <summary>Optional <c>limit</c> query parameter: 1..1000, default 1000.</summary>
    private static int Limit(string? limit)
    {
        if (string.IsNullOrEmpty(limit))
        {
            return DefaultLimit;
        }

        return int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= DefaultLimit
            ? value
            : throw BadRequest(ErrorCode.InvalidField, $"limit must be an integer within 1..{DefaultLimit}.", "$.limit");
    }

    private static DeskUser Caller(HttpContext http) =>
        http.Items[AdminAuthFilter.UserItemKey] is UserIdentity user
            ? DeskWire.User(user)
            : throw new InvalidOperationException("The admin filter did not run.");

    private static string Namespace(JsonElement body)
    {
        var ns = OptionalString(body, "namespace") ?? Namespaces.Web;
        return Namespaces.IsKnown(ns) ? ns : throw BadRequest(ErrorCode.InvalidField, "namespace must be web or app.", "$.namespace");
    }

    private static string RequiredText(JsonElement body, string name, bool allowEmpty)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw BadRequest(ErrorCode.MissingField, $"Missing required field '{name}'.", "$." + name);
        }

        if (value.ValueKind != JsonValueKind.String || (!allowEmpty && value.GetString()!.Length == 0))
        {
            throw BadRequest(ErrorCode.InvalidField, $"Field '{name}' must be a {(allowEmpty ? string.Empty : "non-empty ")}string.", "$." + name);
        }

        return value.GetString()!;
    }

    private static string? OptionalString(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw BadRequest(ErrorCode.InvalidField, $"Field '{name}' must be a string.", "$." + name);
    }

    private static SwitchboardApiException BadRequest(ErrorCode code, string message, string path) =>
        new(StatusCodes.Status400BadRequest, code, message, path);

    private static SwitchboardApiException ToApi(DeskException ex) => ex.Code switch
    {
        DeskErrorCode.ConversationNotFound or DeskErrorCode.WorkOrderNotFound =>
            new SwitchboardApiException(StatusCodes.Status404NotFound, (ErrorCode)(int)ex.Code, ex.Message),
        DeskErrorCode.ConversationClosed =>
            new SwitchboardApiException(StatusCodes.Status409Conflict, (ErrorCode)(int)ex.Code, ex.Message),
        DeskErrorCode.NotParticipant =>
            new SwitchboardApiException(StatusCodes.Status403Forbidden, (ErrorCode)(int)ex.Code, ex.Message),
        _ => new SwitchboardApiException(StatusCodes.Status409Conflict, (ErrorCode)(int)ex.Code, ex.Message),
    };

    /// <summary>RFC 3339 UTC with exactly three fraction digits (SB-ENV-016).</summary>
    internal static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static IResult WithLocation(this IResult result, string location) => new LocatedResult(result, location);

    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }

    internal sealed record UserDto(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("role")] string Role)
    {
        public static UserDto From(DeskUser user) => new(user.Id, user.Name, user.Role);
    }

    internal sealed record AgentCount(
        [property: JsonPropertyName("agent")] UserDto Agent,
        [property: JsonPropertyName("count")] long Count);

    internal sealed record DayAccessStats(
        [property: JsonPropertyName("date")] string Date,
        [property: JsonPropertyName("total")] long Total,
        [property: JsonPropertyName("agents")] AgentCount[] Agents);

    internal sealed record WorkOrderDto(
        [property: JsonPropertyName("work_order_id")] string WorkOrderId,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("assignee"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserDto? Assignee,
        [property: JsonPropertyName("created_by")] UserDto CreatedBy,
        [property: JsonPropertyName("conversation_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationId,
        [property: JsonPropertyName("comment"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Comment,
        [property: JsonPropertyName("created_at")] string CreatedAt,
        [property: JsonPropertyName("updated_at")] string UpdatedAt)
    {
        public static WorkOrderDto From(DeskWorkOrder o) => new(
            o.Id, o.Title, o.Body, o.Status, o.Assignee is null ? null : UserDto.From(o.Assignee), UserDto.From(o.CreatedBy),
            o.ConversationId, o.Comment, Timestamp(o.CreatedAt), Timestamp(o.UpdatedAt));
    }

    internal sealed record WorkOrderList([property: JsonPropertyName("work_orders")] WorkOrderDto[] WorkOrders);

    internal sealed record ConversationDto(
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("visitor")] UserDto Visitor,
        [property: JsonPropertyName("agent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserDto? Agent,
        [property: JsonPropertyName("topic"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Topic,
        [property: JsonPropertyName("queued_at")] string QueuedAt,
        [property: JsonPropertyName("closed_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClosedAt,
        [property: JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason)
    {
        public static ConversationDto From(DeskConversation c) => new(
            c.Id, ServiceDeskStore.StateName(c.State), UserDto.From(c.Visitor.User), c.Agent is null ? null : UserDto.From(c.Agent.User),
            c.Topic, Timestamp(c.QueuedAt), c.ClosedAt is { } closed ? Timestamp(closed) : null, c.CloseReason);
    }

    internal sealed record ConversationList([property: JsonPropertyName("conversations")] ConversationDto[] Conversations);
}

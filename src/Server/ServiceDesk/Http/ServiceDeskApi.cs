using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocol;
using Switchboard.Server.Api;
using Switchboard.Server.Features;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.ServiceDesk.Persistence;
using Switchboard.Server.ServiceDesk.Protocol;

namespace Switchboard.Server.ServiceDesk.Http;

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
        var stats = new DayAccessStats
        {
            Date = day,
            Total = checked((int)lines.Sum(l => l.Count)),
            Agents = [.. lines.Select(l => new AgentDayAccess { Agent = DeskWire.Ref(l.Agent), Count = checked((int)l.Count) })],
        };
        return Results.Json(stats, SwitchboardJsonContext.Default.DayAccessStats);
    }

    private static async Task<IResult> CreateWorkOrderAsync(HttpContext http, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var request = await ApiJson.ReadAsync(http.Request, SwitchboardJsonContext.Default.CreateWorkOrderRequest, cancellationToken).ConfigureAwait(false);
        var (title, text, assignee, conversationId) = (request.Title, request.Body, request.Assignee, request.ConversationId);
        if (!ServiceDeskCommandHandler.ValidateWorkOrder(title, text, null, out var invalid, "$."))
        {
            throw BadRequest(ErrorCode.InvalidField, invalid.Message, invalid.Path);
        }

        if (assignee is not null && !Validation.IsUserId(assignee))
        {
            throw BadRequest(ErrorCode.InvalidField, "assignee is not a valid user id (1-64 chars [A-Za-z0-9_.@-]).", "$.assignee");
        }

        var ns = (request.Namespace ?? Switchboard.Protocol.Namespace.Web).ToWireString();
        try
        {
            var order = await engine.CreateWorkOrderAsync(Caller(http), ns, title, text, assignee, conversationId, null, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(ToWire(order), SwitchboardJsonContext.Default.WorkOrder, statusCode: StatusCodes.Status201Created)
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
        return Results.Json(new WorkOrderList { WorkOrders = [.. orders.Select(ToWire)] }, SwitchboardJsonContext.Default.WorkOrderList);
    }

    private static async Task<IResult> GetWorkOrderAsync(string id, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var order = await engine.GetWorkOrderAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new SwitchboardApiException(StatusCodes.Status404NotFound, ErrorCode.WorkOrderNotFound, $"No work order {id}.");
        return Results.Json(ToWire(order), SwitchboardJsonContext.Default.WorkOrder);
    }

    private static async Task<IResult> UpdateWorkOrderAsync(string id, HttpContext http, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        var request = await ApiJson.ReadAsync(http.Request, SwitchboardJsonContext.Default.UpdateWorkOrderRequest, cancellationToken).ConfigureAwait(false);
        var status = request.Status.ToWireString();
        var comment = request.Comment;
        if (!ServiceDeskCommandHandler.ValidateWorkOrder(null, null, comment, out var invalid, "$."))
        {
            throw BadRequest(ErrorCode.InvalidField, invalid.Message, invalid.Path);
        }

        try
        {
            var order = await engine.UpdateWorkOrderAsync(Caller(http), Namespaces.Web, id, status, comment, null, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(ToWire(order), SwitchboardJsonContext.Default.WorkOrder);
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
        return Results.Json(new ConversationList { Conversations = [.. conversations.Select(ToWire)] }, SwitchboardJsonContext.Default.ConversationList);
    }

    private static async Task<IResult> CloseConversationAsync(string id, ServiceDeskEngine engine, CancellationToken cancellationToken)
    {
        try
        {
            var closed = await engine.CloseByBackendAsync(id, cancellationToken).ConfigureAwait(false);
            return Results.Json(ToWire(closed), SwitchboardJsonContext.Default.ConversationSummary);
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
        http.Items[AdminApiAuthentication.UserItemKey] is UserIdentity user
            ? DeskWire.User(user)
            : throw new InvalidOperationException("The admin API policy did not run.");

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

    private static IResult WithLocation(this IResult result, string location) => new LocatedResult(result, location);

    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>The generated <see cref="WorkOrder"/> of a stored work order.</summary>
    private static WorkOrder ToWire(DeskWorkOrder order) => new()
    {
        WorkOrderId = order.Id,
        Title = order.Title,
        Body = order.Body,
        Status = DeskWire.WorkOrderStatus(order.Status),
        Assignee = order.Assignee is null ? null : DeskWire.Ref(order.Assignee),
        CreatedBy = DeskWire.Ref(order.CreatedBy),
        ConversationId = order.ConversationId,
        Comment = order.Comment,
        CreatedAt = order.CreatedAt,
        UpdatedAt = order.UpdatedAt,
    };

    /// <summary>The generated <see cref="ConversationSummary"/> of a conversation.</summary>
    private static ConversationSummary ToWire(DeskConversation conversation) => new()
    {
        ConversationId = conversation.Id,
        State = DeskWire.State(conversation.State),
        Visitor = DeskWire.Ref(conversation.Visitor.User),
        Agent = conversation.Agent is null ? null : DeskWire.Ref(conversation.Agent.User),
        Topic = conversation.Topic,
        QueuedAt = conversation.QueuedAt,
        ClosedAt = conversation.ClosedAt,
        Reason = DeskWire.Reason(conversation.CloseReason),
    };
}

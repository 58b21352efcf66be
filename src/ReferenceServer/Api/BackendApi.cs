using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocol;
using Switchboard.ReferenceServer.Features;
using Switchboard.ReferenceServer.Hosting;
using Switchboard.ReferenceServer.Messaging;

namespace Switchboard.ReferenceServer.Api;

/// <summary>
/// The core backend HTTP API (contract "Backend HTTP API"): push to a user (durable), a room or a namespace (live),
/// and the online list. Mapped on the admin-authenticated <c>/api/v1</c> group.
/// </summary>
internal static class BackendApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/namespaces/{ns}/users/{userId}/push", PushToUserAsync);
        api.MapPost("/namespaces/{ns}/rooms/{room}/push", PushToRoomAsync);
        api.MapPost("/namespaces/{ns}/push", PushToNamespaceAsync);
        api.MapGet("/namespaces/{ns}/online", GetOnline);
    }

    private static async Task<IResult> PushToUserAsync(string ns, string userId, HttpRequest request, IDurableDelivery delivery, IConnectionRegistry registry, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        if (!Validation.IsUserId(userId))
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, "The user id is invalid (1-64 chars [A-Za-z0-9_.@-]).", "$.userId");
        }

        var (topic, data) = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = topic, Data = data, At = time.GetUtcNow() };
        var seq = await delivery.AppendAsync(ns, userId, ev, cancellationToken).ConfigureAwait(false);
        var delivered = registry.GetUserConnections(ns, userId).Count;
        return Results.Json(new PushResult(ev.MessageId, seq, delivered), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToRoomAsync(string ns, string room, HttpRequest request, RoomService rooms, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        if (!Validation.IsRoom(room))
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidRoom, "The room name is invalid (1-64 chars [A-Za-z0-9_.:-]).", "$.room");
        }

        var (topic, data) = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = topic, Data = data, Room = room, At = time.GetUtcNow() };
        var delivered = rooms.Broadcast(ns, room, EventFrames.Serialize(ev));
        return Results.Json(new PushResult(ev.MessageId, null, delivered), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToNamespaceAsync(string ns, HttpRequest request, IMessageRouter router, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        var (topic, data) = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = topic, Data = data, At = time.GetUtcNow() };
        var delivered = router.SendToNamespace(ns, EventFrames.Serialize(ev));

        return Results.Json(new PushResult(ev.MessageId, null, delivered), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult GetOnline(string ns, IConnectionRegistry registry)
    {
        CheckNamespace(ns);
        var users = registry.GetOnlineUsers(ns).Select(u => new OnlineUserDto(u.User.Id, u.User.Name, u.User.Role, u.Connections)).ToArray();
        return Results.Json(new OnlineDto(ns, users));
    }

    private static void CheckNamespace(string ns)
    {
        if (!Namespaces.IsKnown(ns))
        {
            throw new SwitchboardApiException(StatusCodes.Status404NotFound, ErrorCode.InvalidField, $"Unknown namespace '{ns}' (web or app).", "$.ns");
        }
    }

    private static async Task<(string Topic, JsonElement Data)> ReadPushAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var topic = ApiJson.RequiredString(body, "topic", 128);
        var data = ApiJson.RequiredValue(body, "data");
        return (topic, data);
    }

    private sealed record OnlineDto(
        [property: System.Text.Json.Serialization.JsonPropertyName("namespace")] string Namespace,
        [property: System.Text.Json.Serialization.JsonPropertyName("users")] OnlineUserDto[] Users);

    private sealed record OnlineUserDto(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("role")] string Role,
        [property: System.Text.Json.Serialization.JsonPropertyName("connections")] int Connections);

    private sealed record PushResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("message_id")] string MessageId,
        [property: System.Text.Json.Serialization.JsonPropertyName("seq"), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? Seq,
        [property: System.Text.Json.Serialization.JsonPropertyName("delivered")] int Delivered);
}

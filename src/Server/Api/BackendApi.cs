using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Features;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Api;

/// <summary>
/// The core backend HTTP API (contract "Backend HTTP API"): push to a user (durable), a room or a namespace (live),
/// and the online list. Mapped on the admin-authenticated <c>/api/v1</c> group.
/// </summary>
internal static class BackendApi
{
    private const int MaxTopicLength = 128;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/namespaces/{ns}/users/{userId}/push", PushToUserAsync);
        api.MapPost("/namespaces/{ns}/rooms/{room}/push", PushToRoomAsync);
        api.MapPost("/namespaces/{ns}/push", PushToNamespaceAsync);
        api.MapGet("/namespaces/{ns}/online", GetOnline);
    }

    private static async Task<IResult> PushToUserAsync(string ns, string userId, HttpRequest request, IDurableDelivery delivery, IPresenceService presence, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        if (!Validation.IsUserId(userId))
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, "The user id is invalid (1-64 chars [A-Za-z0-9_.@-]).", "$.userId");
        }

        var push = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = push.Topic, Data = push.Data, At = time.GetUtcNow() };
        var seq = await delivery.AppendAsync(ns, userId, ev, cancellationToken).ConfigureAwait(false);
        var delivered = await presence.CountConnectionsAsync(ns, userId, cancellationToken).ConfigureAwait(false);
        return Results.Json(new UserPushResult { MessageId = ev.MessageId, Seq = seq, Delivered = delivered }, SwitchboardJsonContext.Default.UserPushResult, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToRoomAsync(string ns, string room, HttpRequest request, IRoomService rooms, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        if (!Validation.IsRoom(room))
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidRoom, "The room name is invalid (1-64 chars [A-Za-z0-9_.:-]).", "$.room");
        }

        var push = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = push.Topic, Data = push.Data, Room = room, At = time.GetUtcNow() };
        var delivered = await rooms.BroadcastAsync(ns, room, EventFrames.Serialize(ev), cancellationToken).ConfigureAwait(false);
        return Results.Json(new PushResult { MessageId = ev.MessageId, Delivered = delivered }, SwitchboardJsonContext.Default.PushResult, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToNamespaceAsync(string ns, HttpRequest request, IMessageRouter router, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        var push = await ReadPushAsync(request, cancellationToken).ConfigureAwait(false);
        var ev = new PushEvent { MessageId = MessageIds.New(time), Topic = push.Topic, Data = push.Data, At = time.GetUtcNow() };
        var delivered = router.SendToNamespace(ns, EventFrames.Serialize(ev));

        return Results.Json(new PushResult { MessageId = ev.MessageId, Delivered = delivered }, SwitchboardJsonContext.Default.PushResult, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> GetOnline(string ns, IPresenceService presence, CancellationToken cancellationToken)
    {
        CheckNamespace(ns);
        var users = (await presence.GetOnlineUsersAsync(ns, cancellationToken).ConfigureAwait(false)).Select(UserRefs.ToOnlineUser).ToArray();
        return Results.Json(new OnlineListResult { Namespace = UserRefs.ToNamespace(ns), Users = users }, SwitchboardJsonContext.Default.OnlineListResult);
    }

    private static void CheckNamespace(string ns)
    {
        if (!Namespaces.IsKnown(ns))
        {
            throw new SwitchboardApiException(StatusCodes.Status404NotFound, ErrorCode.InvalidField, $"Unknown namespace '{ns}' (web or app).", "$.ns");
        }
    }

    /// <summary>The push body as the generated <see cref="PushRequest"/>; <c>topic</c> is 1-128 characters.</summary>
    private static async Task<PushRequest> ReadPushAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var push = await ApiJson.ReadAsync(request, SwitchboardJsonContext.Default.PushRequest, cancellationToken).ConfigureAwait(false);
        if (!TextLength.IsWithin(push.Topic, 1, MaxTopicLength)) // code points (section 7), not UTF-16 units
        {
            throw new SwitchboardApiException(StatusCodes.Status400BadRequest, ErrorCode.InvalidField, "topic must be 1-128 characters.", "$.topic");
        }

        return push;
    }
}

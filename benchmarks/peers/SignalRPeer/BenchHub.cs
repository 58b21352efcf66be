using Microsoft.AspNetCore.SignalR;

namespace Switchboard.Peers.SignalR;

/// <summary>
/// The SignalR equivalent of the load tool's scenarios, written the way a SignalR application would:
/// echo is a hub method with a result (invocation + completion), rooms are SignalR groups, a private
/// message goes to <c>Clients.User</c>.
/// </summary>
public sealed class BenchHub : Hub
{
    /// <summary>Returns <paramref name="d"/> to the caller as the invocation result.</summary>
    public string Echo(string d) => d;

    /// <summary>Adds the caller to the group <paramref name="room"/>; completes when it is a member.</summary>
    public Task Join(string room) => Groups.AddToGroupAsync(Context.ConnectionId, room);

    /// <summary>Broadcasts <c>msg</c> to every connection of the group (SignalR serializes it once per protocol).</summary>
    public Task Pub(string room, string d) =>
        Clients.Group(room).SendAsync("msg", new RoomMessage(room, Context.UserIdentifier ?? string.Empty, d), Context.ConnectionAborted);

    /// <summary>Sends <c>pm</c> to every connection of user <paramref name="to"/>.</summary>
    public Task Pm(string to, string d) =>
        Clients.User(to).SendAsync("pm", new PrivateMessage(Context.UserIdentifier ?? string.Empty, d), Context.ConnectionAborted);
}

/// <summary>The payload of a room broadcast.</summary>
/// <param name="Room">Room name.</param>
/// <param name="From">Sender's user id.</param>
/// <param name="D">Message body.</param>
public sealed record RoomMessage(string Room, string From, string D);

/// <summary>The payload of a private message.</summary>
/// <param name="From">Sender's user id.</param>
/// <param name="D">Message body.</param>
public sealed record PrivateMessage(string From, string D);

/// <summary>The user id is the <c>user</c> query parameter (the benchmark has no authentication).</summary>
public sealed class QueryUserIdProvider : IUserIdProvider
{
    /// <inheritdoc />
    public string? GetUserId(HubConnectionContext connection) =>
        connection.GetHttpContext()?.Request.Query["user"].ToString() is { Length: > 0 } user ? user : connection.ConnectionId;
}

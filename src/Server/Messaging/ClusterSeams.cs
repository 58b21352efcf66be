using Switchboard.Protocol;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Messaging;

/// <summary>
/// Live push of committed durable events to this node's connections when several nodes share the streams (cluster
/// mode). Without one registered (the single node), <see cref="DurableDelivery"/> pushes to the connections of the
/// registry itself. With one, every push goes through it, so it can order and de-duplicate events that reach this node
/// both from its own commits and from other nodes.
/// </summary>
internal interface IDurableFanout
{
    /// <summary>Called before the stream of a new connection is read (e.g. subscribe to the user's channel).</summary>
    ValueTask OpeningAsync(IConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Called once the connection is registered (for a replay of one page: before its CONNECT is written);
    /// <paramref name="replayedThrough"/> is the last seq it was sent. Must not throw (log instead).
    /// </summary>
    ValueTask OpenedAsync(IConnection connection, long replayedThrough, CancellationToken cancellationToken);

    /// <summary>Called when an open attempt failed after <see cref="OpeningAsync"/>, or when the connection closed.</summary>
    void Closed(IConnection connection);

    /// <summary>
    /// A durable event of (ns, user) committed by this node: push it to the user's connections here, in seq order.
    /// <paramref name="replyFrame"/>, when given, returns the frame for one connection (the command's reply with cid)
    /// or null for the stored bytes.
    /// </summary>
    void Deliver(string ns, string userId, StoredFrame frame, Func<IConnection, byte[]?>? replyFrame);
}

/// <summary>Rooms: JOIN_ROOM / LEAVE_ROOM / SEND_ROOM_MESSAGE, room pushes, disconnect effects.</summary>
internal interface IRoomService : IConnectionLifecycleHandler
{
    ValueTask JoinAsync(CommandContext context, string room, long? since, CancellationToken cancellationToken);

    ValueTask LeaveAsync(CommandContext context, string room, CancellationToken cancellationToken);

    ValueTask SendAsync(CommandContext context, string room, string data, CancellationToken cancellationToken);

    /// <summary>Sends a pre-serialized frame to every member connection of a room; returns how many accepted it.</summary>
    ValueTask<int> BroadcastAsync(string ns, string room, byte[] frame, CancellationToken cancellationToken);
}

/// <summary>Presence: GET_ONLINE_LIST, ONLINE / ONLINE_LIST pushes, the online list for the HTTP API.</summary>
internal interface IPresenceService : ICommandHandler
{
    /// <summary>Starts following connections (called once at startup).</summary>
    void Attach();

    /// <summary>The online users of a namespace, ordered by user id.</summary>
    ValueTask<IReadOnlyList<OnlineUserInfo>> GetOnlineUsersAsync(string ns, CancellationToken cancellationToken);

    /// <summary>The user's open connections in the namespace.</summary>
    ValueTask<int> CountConnectionsAsync(string ns, string userId, CancellationToken cancellationToken);
}

namespace Switchboard.Server.Messaging;

/// <summary>
/// All open connections of this node, indexed by namespace, user and role. Lookups return snapshots (safe to
/// enumerate while connections come and go). Registered as a singleton.
/// </summary>
public interface IConnectionRegistry
{
    /// <summary>Number of open connections.</summary>
    int Count { get; }

    /// <summary>The open connections of <paramref name="userId"/> in <paramref name="ns"/> (empty when offline).</summary>
    IReadOnlyList<IConnection> GetUserConnections(string ns, string userId);

    /// <summary>All open connections of a namespace.</summary>
    IReadOnlyList<IConnection> GetNamespaceConnections(string ns);

    /// <summary>All open connections whose user has <paramref name="role"/>, across both namespaces
    /// (e.g. <c>GetConnectionsByRole(Roles.Agent)</c> for QIANGDAN).</summary>
    IReadOnlyList<IConnection> GetConnectionsByRole(string role);

    /// <summary>Whether the user has at least one open connection in <paramref name="ns"/>.</summary>
    bool IsOnline(string ns, string userId);

    /// <summary>Whether the user has at least one open connection in any namespace.</summary>
    bool IsOnlineAnywhere(string userId);

    /// <summary>The online users of a namespace with their connection counts, ordered by user id.</summary>
    IReadOnlyList<OnlineUserInfo> GetOnlineUsers(string ns);

    /// <summary>Raised after a connection was added (CONNECT and the resume replay were already queued).</summary>
    event Action<ConnectionChange>? ConnectionOpened;

    /// <summary>Raised after a connection was removed.</summary>
    event Action<ConnectionChange>? ConnectionClosed;
}

/// <summary>A user online in a namespace.</summary>
/// <param name="User">The user (identity of the most recent connection).</param>
/// <param name="Connections">The user's open connections in the namespace.</param>
public sealed record OnlineUserInfo(UserIdentity User, int Connections);

/// <summary>A connection was opened or closed.</summary>
/// <param name="Connection">The connection.</param>
/// <param name="UserConnections">The user's open connections in the namespace after the change.</param>
public sealed record ConnectionChange(IConnection Connection, int UserConnections)
{
    /// <summary>True for an opened connection that is the user's first in the namespace.</summary>
    public bool IsUserFirst => UserConnections == 1 && !Connection.Closed.IsCancellationRequested;

    /// <summary>True for a closed connection that was the user's last in the namespace.</summary>
    public bool IsUserLast => UserConnections == 0;
}

/// <summary>
/// Async lifecycle hook (register many in DI as <c>services.AddSingleton&lt;IConnectionLifecycleHandler, X&gt;()</c>).
/// Called sequentially per connection; exceptions are logged and swallowed.
/// </summary>
public interface IConnectionLifecycleHandler
{
    /// <summary>
    /// Called after CONNECT and the resume/offline replay were queued and the connection is registered. What the
    /// handlers send on <paramref name="connection"/> from this call reaches the client before the live events that
    /// arrived meanwhile (those are held until every handler returned), so this is the place for per-role greetings
    /// (e.g. DAY_ACCESS for agents, SB-CS-027). Commands are read only after the handlers returned.
    /// </summary>
    ValueTask OnConnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Called after the connection was removed from the registry (<see cref="ConnectionChange.UserConnections"/> is 0
    /// when it was the user's last connection in the namespace). The connection can no longer be sent to.
    /// </summary>
    ValueTask OnDisconnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken);
}

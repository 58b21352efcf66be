using Switchboard.Protocol;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Connections;

/// <summary>
/// In-memory <see cref="IConnectionRegistry"/> of this node. Writes take a lock; reads return cached snapshots that
/// are rebuilt lazily after a change, so broadcasts enumerate arrays without locking or allocating.
/// </summary>
public sealed class ConnectionRegistry : IConnectionRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Ns, string User), List<IConnection>> _byUser = [];
    private readonly Dictionary<string, Group> _byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Group> _byRole = new(StringComparer.Ordinal);
    private readonly Group _all = new();

    /// <inheritdoc />
    public event Action<ConnectionChange>? ConnectionOpened;

    /// <inheritdoc />
    public event Action<ConnectionChange>? ConnectionClosed;

    /// <inheritdoc />
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _all.Members.Count;
            }
        }
    }

    /// <summary>Every open connection (snapshot).</summary>
    public IReadOnlyList<IConnection> GetAll()
    {
        lock (_gate)
        {
            return _all.Snapshot();
        }
    }

    /// <summary>Adds a connection; returns the change (with the user's connection count after it).</summary>
    /// <remarks>Does not raise <see cref="ConnectionOpened"/>: call <see cref="RaiseOpened"/> once the caller has
    /// released its own locks.</remarks>
    public ConnectionChange Add(IConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_gate)
        {
            var key = (connection.Namespace, connection.User.Id);
            if (!_byUser.TryGetValue(key, out var list))
            {
                _byUser[key] = list = [];
            }

            list.Add(connection);
            GetGroup(_byNamespace, connection.Namespace).Add(connection);
            GetGroup(_byRole, connection.User.Role).Add(connection);
            _all.Add(connection);
            return new ConnectionChange(connection, list.Count);
        }
    }

    /// <summary>Raises <see cref="ConnectionOpened"/>.</summary>
    public void RaiseOpened(ConnectionChange change) => ConnectionOpened?.Invoke(change);

    /// <summary>Removes a connection and raises <see cref="ConnectionClosed"/>; null if it was not registered.</summary>
    public ConnectionChange? Remove(IConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ConnectionChange change;
        lock (_gate)
        {
            var key = (connection.Namespace, connection.User.Id);
            if (!_byUser.TryGetValue(key, out var list) || !list.Remove(connection))
            {
                return null;
            }

            if (list.Count == 0)
            {
                _byUser.Remove(key);
            }

            GetGroup(_byNamespace, connection.Namespace).Remove(connection);
            GetGroup(_byRole, connection.User.Role).Remove(connection);
            _all.Remove(connection);
            change = new ConnectionChange(connection, list.Count);
        }

        ConnectionClosed?.Invoke(change);
        return change;
    }

    /// <inheritdoc />
    public IReadOnlyList<IConnection> GetUserConnections(string ns, string userId)
    {
        lock (_gate)
        {
            return _byUser.TryGetValue((ns, userId), out var list) ? list.ToArray() : [];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<IConnection> GetNamespaceConnections(string ns)
    {
        lock (_gate)
        {
            return _byNamespace.TryGetValue(ns, out var group) ? group.Snapshot() : [];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<IConnection> GetConnectionsByRole(string role)
    {
        lock (_gate)
        {
            return _byRole.TryGetValue(role, out var group) ? group.Snapshot() : [];
        }
    }

    /// <inheritdoc />
    public bool IsOnline(string ns, string userId)
    {
        lock (_gate)
        {
            return _byUser.ContainsKey((ns, userId));
        }
    }

    /// <inheritdoc />
    public bool IsOnlineAnywhere(string userId)
    {
        lock (_gate)
        {
            foreach (var ns in Namespaces.All)
            {
                if (_byUser.ContainsKey((ns, userId)))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<OnlineUserInfo> GetOnlineUsers(string ns)
    {
        lock (_gate)
        {
            var result = new List<OnlineUserInfo>();
            foreach (var (key, list) in _byUser)
            {
                if (key.Ns == ns && list.Count > 0)
                {
                    result.Add(new OnlineUserInfo(list[^1].User, list.Count));
                }
            }

            result.Sort(static (a, b) => string.CompareOrdinal(a.User.Id, b.User.Id));
            return result;
        }
    }

    private static Group GetGroup(Dictionary<string, Group> groups, string key)
    {
        if (!groups.TryGetValue(key, out var group))
        {
            groups[key] = group = new Group();
        }

        return group;
    }

    private sealed class Group
    {
        private IConnection[]? _snapshot;

        public HashSet<IConnection> Members { get; } = [];

        public void Add(IConnection connection)
        {
            Members.Add(connection);
            _snapshot = null;
        }

        public void Remove(IConnection connection)
        {
            Members.Remove(connection);
            _snapshot = null;
        }

        public IConnection[] Snapshot() => _snapshot ??= [.. Members];
    }
}

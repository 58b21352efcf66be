namespace Switchboard.Server.Messaging;

/// <summary>
/// Fan-out of pre-serialized live frames (group messages, namespace pushes, role broadcasts). The default
/// <see cref="LocalMessageRouter"/> delivers to this node's connections; a backplane (e.g. Redis pub/sub) would
/// implement the same interface to reach other nodes too. Durable per-user delivery goes through
/// <see cref="IDurableDelivery"/> instead.
/// </summary>
public interface IMessageRouter
{
    /// <summary>Sends <paramref name="frame"/> to every connection of <paramref name="ns"/> except <paramref name="except"/>; returns the count.</summary>
    int SendToNamespace(string ns, ReadOnlyMemory<byte> frame, IConnection? except = null);

    /// <summary>Sends <paramref name="frame"/> to every connection of a user in a namespace; returns the count.</summary>
    int SendToUser(string ns, string userId, ReadOnlyMemory<byte> frame);

    /// <summary>Sends <paramref name="frame"/> to every connection whose user has <paramref name="role"/> (both namespaces); returns the count.</summary>
    int SendToRole(string role, ReadOnlyMemory<byte> frame);
}

/// <summary>Single-node <see cref="IMessageRouter"/> over <see cref="IConnectionRegistry"/>.</summary>
public sealed class LocalMessageRouter(IConnectionRegistry registry) : IMessageRouter
{
    /// <inheritdoc />
    public int SendToNamespace(string ns, ReadOnlyMemory<byte> frame, IConnection? except = null)
        => Send(registry.GetNamespaceConnections(ns), frame, except);

    /// <inheritdoc />
    public int SendToUser(string ns, string userId, ReadOnlyMemory<byte> frame)
        => Send(registry.GetUserConnections(ns, userId), frame, null);

    /// <inheritdoc />
    public int SendToRole(string role, ReadOnlyMemory<byte> frame)
        => Send(registry.GetConnectionsByRole(role), frame, null);

    private static int Send(IReadOnlyList<IConnection> connections, ReadOnlyMemory<byte> frame, IConnection? except)
    {
        var delivered = 0;
        for (var i = 0; i < connections.Count; i++)
        {
            var connection = connections[i];
            if (!ReferenceEquals(connection, except) && connection.TrySend(frame))
            {
                delivered++;
            }
        }

        return delivered;
    }
}

using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.ServiceDesk.Protocol;

/// <summary><see cref="IDeskPresence"/> over the core's connection registry.</summary>
internal sealed class RegistryDeskPresence(IConnectionRegistry registry) : IDeskPresence
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeskParty>> FindOnlineAsync(string userId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FindLocal(registry, userId));

    /// <summary>The user's identities among this node's connections.</summary>
    public static IReadOnlyList<DeskParty> FindLocal(IConnectionRegistry registry, string userId)
    {
        List<DeskParty>? result = null;
        foreach (var ns in Namespaces.All)
        {
            foreach (var connection in registry.GetUserConnections(ns, userId))
            {
                var party = new DeskParty(ns, DeskWire.User(connection.User));
                result ??= [];
                if (!result.Any(p => p.Namespace == ns && p.User.Role == party.User.Role))
                {
                    result.Add(party);
                }
            }
        }

        return result ?? (IReadOnlyList<DeskParty>)[];
    }
}

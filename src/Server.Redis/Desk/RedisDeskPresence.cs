using Switchboard.Protocol;
using StackExchange.Redis;
using Switchboard.Server.Messaging;
using Switchboard.Server.Redis.Presence;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.ServiceDesk.Protocol;

namespace Switchboard.Server.Redis.Desk;

/// <summary>
/// <see cref="IDeskPresence"/> for a cluster: this node's connections (exact, including one closing right now) plus
/// the cluster presence in Redis (<c>{p:ns}</c> users/names, kept by the presence service, swept for dead nodes), so
/// a transfer target, a returning visitor or a work-order assignee connected to another node is found.
/// </summary>
internal sealed class RedisDeskPresence(IConnectionMultiplexer redis, RedisNode node, IConnectionRegistry registry) : IDeskPresence
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DeskParty>> FindOnlineAsync(string userId, CancellationToken cancellationToken)
    {
        var result = new List<DeskParty>(RegistryDeskPresence.FindLocal(registry, userId));
        var db = redis.GetDatabase();
        foreach (var ns in Namespaces.All)
        {
            var count = await db.HashGetAsync(node.Keys.OnlineUsers(ns), userId).ConfigureAwait(false);
            if (count.IsNull || (long)count <= 0)
            {
                continue;
            }

            var identity = await db.HashGetAsync(node.Keys.OnlineNames(ns), userId).ConfigureAwait(false);
            var user = identity.IsNull ? new UserIdentity(userId, userId, Roles.User) : IdentityCodec.Decode(identity!);
            var party = new DeskParty(ns, DeskWire.User(user));
            if (!result.Any(p => p.Namespace == ns && p.User.Role == party.User.Role))
            {
                result.Add(party);
            }
        }

        return result;
    }
}

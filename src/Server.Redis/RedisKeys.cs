using StackExchange.Redis;

namespace Switchboard.Server.Redis;

/// <summary>
/// Key and channel names. Each atomic unit has its own hash tag, so every multi-key script touches one slot and the
/// design runs unchanged on Redis Cluster: <c>{u:ns:user}</c> (a user's stream, meta hash and channel),
/// <c>{r:ns:room}</c> (a room's stream, meta hash, members and channel), <c>{p:ns}</c> (a namespace's online list),
/// <c>{n}</c> (the node heartbeats), <c>{desk}</c> (reserved for the service desk). Ids are used as they are: a user
/// id containing <c>}</c> still hashes consistently because only the first <c>{...}</c> counts and every key of a
/// unit is built from the same prefix.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>The key prefix (<c>sb</c> by default).</summary>
    public string Prefix { get; } = prefix;

    private string User(string ns, string userId) => $"{Prefix}:{{u:{ns}:{userId}}}";

    private string Room(string ns, string room) => $"{Prefix}:{{r:{ns}:{room}}}";

    /// <summary>Hash: <c>seq</c> (last seq), <c>epoch</c>, <c>acked</c>, <c>pruned</c> of a user's durable stream.</summary>
    public RedisKey UserMeta(string ns, string userId) => User(ns, userId) + ":meta";

    /// <summary>Stream: the user's durable events, entry id <c>&lt;seq&gt;-0</c>, fields <c>f</c> (frame) and <c>t</c> (unix ms).</summary>
    public RedisKey UserStream(string ns, string userId) => User(ns, userId) + ":stream";

    /// <summary>Sharded channel: every frame for the user's connections in <paramref name="ns"/>.</summary>
    public RedisChannel UserChannel(string ns, string userId) => RedisChannel.Sharded(User(ns, userId) + ":ch");

    /// <summary>Hash: <c>seq</c>, <c>pruned</c> of a room stream.</summary>
    public RedisKey RoomMeta(string ns, string room) => Room(ns, room) + ":meta";

    /// <summary>Stream: the room's messages, entry id <c>&lt;room_seq&gt;-0</c>.</summary>
    public RedisKey RoomStream(string ns, string room) => Room(ns, room) + ":stream";

    /// <summary>Hash: <c>&lt;node&gt;|&lt;client_id&gt;</c> → identity, the room's member connections.</summary>
    public RedisKey RoomMembers(string ns, string room) => Room(ns, room) + ":members";

    /// <summary>Hash: user id → the user's member connections in the room (cluster-wide).</summary>
    public RedisKey RoomUsers(string ns, string room) => Room(ns, room) + ":users";

    /// <summary>Hash: user id → identity of the member's latest joining connection.</summary>
    public RedisKey RoomNames(string ns, string room) => Room(ns, room) + ":names";

    /// <summary>Set: the <see cref="RoomMembers"/> fields a node owns.</summary>
    public RedisKey RoomMembersOfNode(string ns, string room, string node) => Room(ns, room) + ":node:" + node;

    /// <summary>Set of <c>ns\nroom</c>: the rooms in which a node has members (swept when the node dies).</summary>
    public RedisKey RoomsOfNode(string node) => $"{Prefix}:{{nr:{node}}}:rooms";

    /// <summary>Sharded channel: frames for the room's members.</summary>
    public RedisChannel RoomChannel(string ns, string room) => RedisChannel.Sharded(Room(ns, room) + ":ch");

    /// <summary>Hash: <c>&lt;node&gt;|&lt;client_id&gt;</c> → identity, the namespace's online connections.</summary>
    public RedisKey Online(string ns) => $"{Prefix}:{{p:{ns}}}:online";

    /// <summary>Hash: user id → open connections in the namespace (cluster-wide).</summary>
    public RedisKey OnlineUsers(string ns) => $"{Prefix}:{{p:{ns}}}:users";

    /// <summary>Hash: user id → identity of the user's latest connection.</summary>
    public RedisKey OnlineNames(string ns) => $"{Prefix}:{{p:{ns}}}:names";

    /// <summary>Set: the <see cref="Online"/> fields a node owns (swept when the node dies).</summary>
    public RedisKey OnlineOfNode(string ns, string node) => $"{Prefix}:{{p:{ns}}}:node:{node}";

    /// <summary>Sharded channel: presence changes of the namespace.</summary>
    public RedisChannel PresenceChannel(string ns) => RedisChannel.Sharded($"{Prefix}:{{p:{ns}}}:presence");

    /// <summary>Sharded channel: frames for every connection of the namespace.</summary>
    public RedisChannel NamespaceChannel(string ns) => RedisChannel.Sharded($"{Prefix}:{{p:{ns}}}:ch");

    /// <summary>Sharded channel: frames for every connection of a role (both namespaces).</summary>
    public RedisChannel RoleChannel(string role) => RedisChannel.Sharded($"{Prefix}:{{role:{role}}}:ch");

    /// <summary>Sharded channel: the desk's node-to-node signals (DAY_ACCESS changed), in the desk's slot.</summary>
    public RedisChannel DeskSignals => RedisChannel.Sharded($"{Prefix}:{{desk}}:signals");

    /// <summary>ZSET: node id → heartbeat expiry (unix ms).</summary>
    public RedisKey Nodes => $"{Prefix}:{{n}}:nodes";

    /// <summary>String: the signing key agreed by the cluster (SET NX) when none is configured.</summary>
    public RedisKey SigningKey => $"{Prefix}:{{auth}}:signing-key";
}

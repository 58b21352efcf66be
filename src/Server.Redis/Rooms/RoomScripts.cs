namespace Switchboard.Server.Redis.Rooms;

/// <summary>
/// Room membership scripts. KEYS (all <c>{r:ns:room}</c>): members (node|client → identity), users (user → member
/// connections), names (user → identity), the node's set of member fields.
/// </summary>
internal static class RoomScripts
{
    /// <summary>
    /// ARGV: field, user, identity, channel, ROOM_ENTER payload (published when this is the user's first connection in
    /// the room). Returns { first (0/1), identities of all members... }.
    /// </summary>
    public const string Join = """
        local first = 0
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 1 then
          redis.call('SADD', KEYS[4], ARGV[1])
          if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then first = 1 end
          redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
          if first == 1 then redis.call('SPUBLISH', ARGV[4], ARGV[5]) end
        end
        local result = { first }
        for _, v in ipairs(redis.call('HVALS', KEYS[3])) do result[#result + 1] = v end
        return result
        """;

    /// <summary>
    /// ARGV: field, user, channel, ROOM_LEAVE payload (published when it was the user's last connection). Returns -1
    /// when the field was not a member, else the user's remaining member connections.
    /// </summary>
    public const string Leave = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
        redis.call('SREM', KEYS[4], ARGV[1])
        local c = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
        if c <= 0 then
          redis.call('HDEL', KEYS[2], ARGV[2])
          redis.call('HDEL', KEYS[3], ARGV[2])
          redis.call('SPUBLISH', ARGV[3], ARGV[4])
          c = 0
        end
        return c
        """;

    /// <summary>Removes a dead node's members; returns the identities of the users who left the room with it.</summary>
    public const string Sweep = """
        local gone = {}
        for _, f in ipairs(redis.call('SMEMBERS', KEYS[4])) do
          local ident = redis.call('HGET', KEYS[1], f)
          if ident then
            redis.call('HDEL', KEYS[1], f)
            local user = string.match(ident, '^([^\31]*)')
            if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
              redis.call('HDEL', KEYS[2], user)
              redis.call('HDEL', KEYS[3], user)
              gone[#gone + 1] = ident
            end
          end
        end
        redis.call('DEL', KEYS[4])
        return gone
        """;
}

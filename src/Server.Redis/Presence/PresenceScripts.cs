namespace Switchboard.Server.Redis.Presence;

/// <summary>
/// Presence scripts. KEYS (all <c>{p:ns}</c>): online (node|client → identity), users (user → connections), names
/// (user → identity), the node's set of online fields. Every change is published on <c>{p:ns}:presence</c> as
/// <c>1|node|client|count</c> (connected) or <c>0|node|client|count</c> (gone), a newline and the identity; count is
/// the user's connections in the namespace after the change, cluster-wide.
/// </summary>
internal static class PresenceScripts
{
    /// <summary>ARGV: field, user, identity, channel, header (<c>1|node|client|</c>). Returns the user's count.</summary>
    public const string Connect = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('SADD', KEYS[4], ARGV[1])
        local c = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
        redis.call('SPUBLISH', ARGV[4], ARGV[5] .. c .. '\n' .. ARGV[3])
        return c
        """;

    /// <summary>ARGV: field, user, channel, header (<c>0|node|client|</c>). Returns the count, -1 if unknown.</summary>
    public const string Disconnect = """
        local ident = redis.call('HGET', KEYS[1], ARGV[1])
        if not ident then return -1 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('SREM', KEYS[4], ARGV[1])
        local c = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
        if c <= 0 then
          redis.call('HDEL', KEYS[2], ARGV[2])
          redis.call('HDEL', KEYS[3], ARGV[2])
          c = 0
        end
        redis.call('SPUBLISH', ARGV[3], ARGV[4] .. c .. '\n' .. ident)
        return c
        """;

    /// <summary>
    /// Removes every online entry of a dead node, publishing each as gone (origin: the sweeping node). ARGV: channel,
    /// sweeping node id. Idempotent: a second sweep finds the set empty. Returns the number removed.
    /// </summary>
    public const string Sweep = """
        local fields = redis.call('SMEMBERS', KEYS[4])
        local removed = 0
        for _, f in ipairs(fields) do
          local ident = redis.call('HGET', KEYS[1], f)
          if ident then
            redis.call('HDEL', KEYS[1], f)
            removed = removed + 1
            local user = string.match(ident, '^([^\31]*)')
            local c = redis.call('HINCRBY', KEYS[2], user, -1)
            if c <= 0 then
              redis.call('HDEL', KEYS[2], user)
              redis.call('HDEL', KEYS[3], user)
              c = 0
            end
            local client = string.match(f, '|(.*)$')
            redis.call('SPUBLISH', ARGV[1], '0|' .. ARGV[2] .. '|' .. client .. '|' .. c .. '\n' .. ident)
          end
        end
        redis.call('DEL', KEYS[4])
        return removed
        """;
}

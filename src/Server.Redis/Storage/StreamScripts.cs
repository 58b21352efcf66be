namespace Switchboard.Server.Redis.Storage;

/// <summary>
/// The Lua scripts of the streams. Each touches the keys of one hash tag only (<c>{u:ns:user}</c> or
/// <c>{r:ns:room}</c>) and publishes on that unit's sharded channel, so it runs on Redis Cluster unchanged.
/// </summary>
internal static class StreamScripts
{
    /// <summary>
    /// Appends the next event of a user stream and publishes it. KEYS: meta, stream. ARGV: frame prefix, frame suffix
    /// (the stored frame is prefix .. seq .. suffix), channel, publish header (the payload is header .. seq .. "\n" ..
    /// frame), epoch for a new stream, MAXLEN, now (unix ms). A missing meta hash starts a new epoch and drops any
    /// stream left over (state was lost: SB-DLV-004). Returns { seq, epoch }.
    /// </summary>
    public const string AppendUser = """
        local meta, stream = KEYS[1], KEYS[2]
        if redis.call('HEXISTS', meta, 'epoch') == 0 then
          redis.call('DEL', stream)
          redis.call('HSET', meta, 'epoch', ARGV[5], 'seq', 0, 'acked', 0, 'pruned', 0)
        end
        local seq = redis.call('HINCRBY', meta, 'seq', 1)
        local frame = ARGV[1] .. seq .. ARGV[2]
        local maxlen = tonumber(ARGV[6])
        redis.call('XADD', stream, 'MAXLEN', maxlen, seq .. '-0', 'f', frame, 't', ARGV[7])
        if seq - maxlen > tonumber(redis.call('HGET', meta, 'pruned')) then
          redis.call('HSET', meta, 'pruned', seq - maxlen)
        end
        redis.call('SPUBLISH', ARGV[3], ARGV[4] .. seq .. '\n' .. frame)
        return { seq, redis.call('HGET', meta, 'epoch') }
        """;

    /// <summary>Room append: as <see cref="AppendUser"/> without epoch/acked. Returns seq.</summary>
    public const string AppendRoom = """
        local meta, stream = KEYS[1], KEYS[2]
        local seq = redis.call('HINCRBY', meta, 'seq', 1)
        local frame = ARGV[1] .. seq .. ARGV[2]
        local maxlen = tonumber(ARGV[5])
        redis.call('XADD', stream, 'MAXLEN', maxlen, seq .. '-0', 'f', frame, 't', ARGV[6])
        if seq - maxlen > tonumber(redis.call('HGET', meta, 'pruned') or '0') then
          redis.call('HSET', meta, 'pruned', seq - maxlen)
        end
        redis.call('SPUBLISH', ARGV[3], ARGV[4] .. seq .. '\n' .. frame)
        return seq
        """;

    /// <summary>Creates the user stream if missing. KEYS: meta, stream. ARGV: epoch. Returns { epoch, seq, acked, pruned }.</summary>
    public const string EnsureUser = """
        if redis.call('HEXISTS', KEYS[1], 'epoch') == 0 then
          redis.call('DEL', KEYS[2])
          redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', 0, 'acked', 0, 'pruned', 0)
        end
        return redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'acked', 'pruned')
        """;

    /// <summary>Moves acked forward only. KEYS: meta. ARGV: seq.</summary>
    public const string Acknowledge = """
        local acked = tonumber(redis.call('HGET', KEYS[1], 'acked') or '-1')
        if acked >= 0 and tonumber(ARGV[1]) > acked then
          redis.call('HSET', KEYS[1], 'acked', ARGV[1])
        end
        return 0
        """;

    /// <summary>
    /// Retention of one stream (user or room): keeps at most ARGV[1] entries, removes entries older than ARGV[2]
    /// (unix ms), moves <c>pruned</c> to the highest removed seq. KEYS: meta, stream. Returns the number removed.
    /// </summary>
    public const string Prune = """
        local meta, stream = KEYS[1], KEYS[2]
        local removed = redis.call('XTRIM', stream, 'MAXLEN', tonumber(ARGV[1]))
        local pruned = tonumber(redis.call('HGET', meta, 'pruned') or '0')
        local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
        if seq - tonumber(ARGV[1]) > pruned then pruned = seq - tonumber(ARGV[1]) end
        local cutoff = tonumber(ARGV[2])
        while true do
          local entries = redis.call('XRANGE', stream, '-', '+', 'COUNT', 100)
          if #entries == 0 then break end
          local stop = false
          for _, entry in ipairs(entries) do
            if tonumber(entry[2][4]) >= cutoff then stop = true break end
            redis.call('XDEL', stream, entry[1])
            removed = removed + 1
            local s = tonumber(string.match(entry[1], '^(%d+)'))
            if s > pruned then pruned = s end
          end
          if stop then break end
        end
        if redis.call('EXISTS', meta) == 1 then redis.call('HSET', meta, 'pruned', pruned) end
        return removed
        """;
}

namespace Switchboard.Server.Redis.Desk;

/// <summary>
/// The desk's Lua scripts, one per exclusive transition (the BullMQ shape: check state and version, apply, maintain
/// the indexes, answer a precise code). Every key is passed in KEYS and carries the one hash tag <c>{desk}</c>, so each
/// script touches one slot (Redis Cluster safe). Scripts run atomically: no other command interleaves, on any node.
/// Codes: the first reply element; hashes follow flattened (HGETALL order).
/// </summary>
internal static class DeskScripts
{
    /// <summary>Shared Lua functions, prepended to the scripts that need them (as BullMQ's includes).</summary>
    private const string Include = """
        local function claim(due, tok, key, token, now)
          if redis.call('HGET', tok, key) ~= token then return false end
          local score = redis.call('ZSCORE', due, key)
          if not score or tonumber(score) > tonumber(now) then return false end
          redis.call('ZREM', due, key)
          redis.call('HDEL', tok, key)
          return true
        end

        local function schedule(due, tok, key, at, token)
          redis.call('ZADD', due, at, key)
          redis.call('HSET', tok, key, token)
        end

        local function unschedule(due, tok, key)
          redis.call('ZREM', due, key)
          redis.call('HDEL', tok, key)
        end

        -- waiting/active -> closed; indexes, the visitor's open slot, idle/grace deadlines, the owner's open conversation.
        local function close(c, vopen, waiting, active, closed, due, tok, open, now, reason)
          local st = redis.call('HGET', c, 'state')
          if st ~= 'waiting' and st ~= 'active' then return false end
          local id = redis.call('HGET', c, 'id')
          local vid = redis.call('HGET', c, 'vid')
          redis.call('HSET', c, 'state', 'closed', 'closed', now, 'reason', reason)
          redis.call('ZREM', waiting, id)
          redis.call('ZREM', active, id)
          redis.call('ZADD', closed, redis.call('HGET', c, 'seq'), id)
          if redis.call('HGET', vopen, vid) == id then redis.call('HDEL', vopen, vid) end
          unschedule(due, tok, 'idle:' .. id)
          unschedule(due, tok, 'grace:' .. vid)
          local aid = redis.call('HGET', c, 'aid')
          if aid then
            local f = aid .. '\n' .. redis.call('HGET', c, 'ans')
            if redis.call('HGET', open, f) == id then redis.call('HDEL', open, f) end
          end
          return true
        end

        -- pending -> state; the pending indexes and the timeout deadline.
        local function resolve(t, pconv, pto, due, tok, state, now)
          if redis.call('HGET', t, 'state') ~= 'pending' then return false end
          local id = redis.call('HGET', t, 'id')
          local cid = redis.call('HGET', t, 'cid')
          redis.call('HSET', t, 'state', state, 'resolved', now)
          if redis.call('HGET', pconv, cid) == id then redis.call('HDEL', pconv, cid) end
          redis.call('HDEL', pto, id)
          unschedule(due, tok, 'xfer:' .. id)
          return true
        end

        local function reply(code, key)
          local r = redis.call('HGETALL', key)
          table.insert(r, 1, code)
          return r
        end

        """;

    /// <summary>KEYS: c, vopen, waiting, all, seq, messages. ARGV: id, vid, vname, vrole, vns, topic, now, first message
    /// ('' none). 1 queued; 0 + existing id when the visitor has an open conversation (4008).</summary>
    public const string Enqueue = """
        local existing = redis.call('HGET', KEYS[2], ARGV[2])
        if existing then return {0, existing} end
        local seq = redis.call('INCR', KEYS[5])
        redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'waiting', 'vid', ARGV[2], 'vname', ARGV[3], 'vrole', ARGV[4],
          'vns', ARGV[5], 'queued', ARGV[7], 'last', ARGV[7], 'warned', 0, 'seq', seq)
        if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'topic', ARGV[6]) end
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
        redis.call('ZADD', KEYS[3], seq, ARGV[1])
        redis.call('ZADD', KEYS[4], seq, ARGV[1])
        if ARGV[8] ~= '' then redis.call('RPUSH', KEYS[6], ARGV[8]) end
        return {1}
        """;

    /// <summary>KEYS: c, waiting, active, due, tok. ARGV: aid, aname, arole, ans, now, idle key ('' none), idle due,
    /// idle token. 1 won (+hash), 0 unknown, 2 lost (+hash: taken or closed).</summary>
    public const string Grab = Include + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        if redis.call('HGET', KEYS[1], 'state') ~= 'waiting' then return reply(2, KEYS[1]) end
        local id = redis.call('HGET', KEYS[1], 'id')
        redis.call('HSET', KEYS[1], 'state', 'active', 'aid', ARGV[1], 'aname', ARGV[2], 'arole', ARGV[3], 'ans', ARGV[4],
          'activated', ARGV[5], 'last', ARGV[5], 'warned', 0)
        redis.call('ZREM', KEYS[2], id)
        redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[1], 'seq'), id)
        if ARGV[6] ~= '' then schedule(KEYS[4], KEYS[5], ARGV[6], ARGV[7], ARGV[8]) end
        return reply(1, KEYS[1])
        """;

    /// <summary>KEYS: c, waiting. Reply: rank in the queue (-1 when not waiting) + hash; {} when unknown.</summary>
    public const string GetConversation = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
        local rank = redis.call('ZRANK', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
        local r = redis.call('HGETALL', KEYS[1])
        table.insert(r, 1, rank or -1)
        return r
        """;

    /// <summary>KEYS: c, messages. ARGV: sender id, message json, now, keep. 1 stored, 0 unknown, 2 not a participant,
    /// 3 closed (+hash).</summary>
    public const string Append = Include + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        local vid = redis.call('HGET', KEYS[1], 'vid')
        local aid = redis.call('HGET', KEYS[1], 'aid')
        if ARGV[1] ~= vid and ARGV[1] ~= aid then return reply(2, KEYS[1]) end
        if redis.call('HGET', KEYS[1], 'state') == 'closed' then return reply(3, KEYS[1]) end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
        redis.call('HSET', KEYS[1], 'last', ARGV[3], 'warned', 0)
        return reply(1, KEYS[1])
        """;

    /// <summary>KEYS: c, vopen, waiting, active, closed, due, tok, open. ARGV: now, reason. 1 closed (+hash), 0 not open.</summary>
    public const string Close = Include + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        if not close(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], ARGV[1], ARGV[2]) then return {0} end
        return reply(1, KEYS[1])
        """;

    /// <summary>KEYS: open, c ('' key when clearing). ARGV: agent\nns field, conversation id ('' clears), agent id.
    /// 1 set, 0 unknown, 2 not the owner, 3 closed.</summary>
    public const string SetOpen = """
        if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
        if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
        if redis.call('HGET', KEYS[2], 'aid') ~= ARGV[3] then return 2 end
        if redis.call('HGET', KEYS[2], 'state') == 'closed' then return 3 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """;

    /// <summary>KEYS: c, t, pconv, pto, due, tok. ARGV: transfer fields (id, cid, fid, fname, frole, fns, tid, tname,
    /// trole, vid, vname, vrole, note, created, expires), deadline token. 1 created, 0 unknown, 2 not the owner,
    /// 3 closed, 4 + pending id.</summary>
    public const string RequestTransfer = Include + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
        if redis.call('HGET', KEYS[1], 'aid') ~= ARGV[3] then return {2} end
        if redis.call('HGET', KEYS[1], 'state') ~= 'active' then return {3} end
        local pending = redis.call('HGET', KEYS[3], ARGV[2])
        if pending then return {4, pending} end
        redis.call('HSET', KEYS[2], 'id', ARGV[1], 'cid', ARGV[2], 'fid', ARGV[3], 'fname', ARGV[4], 'frole', ARGV[5], 'fns', ARGV[6],
          'tid', ARGV[7], 'tname', ARGV[8], 'trole', ARGV[9], 'vid', ARGV[10], 'vname', ARGV[11], 'vrole', ARGV[12],
          'state', 'pending', 'created', ARGV[14], 'expires', ARGV[15])
        if ARGV[13] ~= '' then redis.call('HSET', KEYS[2], 'note', ARGV[13]) end
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[7])
        schedule(KEYS[5], KEYS[6], 'xfer:' .. ARGV[1], ARGV[15], ARGV[16])
        return {1}
        """;

    /// <summary>KEYS: t, c, pconv, pto, due, tok, open. ARGV: acceptor id, name, role, ns, now, idle warn ms ('' none),
    /// idle token. 1 accepted + previous owner (id, name, role, ns); 0 not found (+transfer hash when it exists);
    /// 2 already expired; 5 expired by this call; 3 the conversation moved (transfer failed).</summary>
    public const string Accept = Include + """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'tid') ~= ARGV[1] then return {0} end
        local st = redis.call('HGET', KEYS[1], 'state')
        if st == 'expired' then return {2} end
        if st ~= 'pending' then return {0, 'x'} end
        if tonumber(ARGV[5]) >= tonumber(redis.call('HGET', KEYS[1], 'expires')) then
          resolve(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], 'expired', ARGV[5])
          return {5}
        end
        local cid = redis.call('HGET', KEYS[1], 'cid')
        if redis.call('HGET', KEYS[2], 'id') ~= cid or redis.call('HGET', KEYS[2], 'state') ~= 'active'
           or redis.call('HGET', KEYS[2], 'aid') ~= redis.call('HGET', KEYS[1], 'fid') then
          resolve(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], 'failed', ARGV[5])
          return {3}
        end
        local prev = redis.call('HMGET', KEYS[2], 'aid', 'aname', 'arole', 'ans')
        redis.call('HSET', KEYS[2], 'aid', ARGV[1], 'aname', ARGV[2], 'arole', ARGV[3], 'ans', ARGV[4],
          'activated', ARGV[5], 'last', ARGV[5], 'warned', 0)
        resolve(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], 'accepted', ARGV[5])
        local f = prev[1] .. '\n' .. prev[4]
        if redis.call('HGET', KEYS[7], f) == cid then redis.call('HDEL', KEYS[7], f) end
        if ARGV[6] ~= '' then schedule(KEYS[5], KEYS[6], 'idle:' .. cid, tonumber(ARGV[5]) + tonumber(ARGV[6]), ARGV[7]) end
        return {1, prev[1], prev[2], prev[3], prev[4]}
        """;

    /// <summary>KEYS: t, pconv, pto, due, tok. ARGV: new state, now. 1 resolved (+hash), 0 not pending.</summary>
    public const string Resolve = Include + """
        if not resolve(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2]) then return {0} end
        return reply(1, KEYS[1])
        """;

    /// <summary>KEYS: pairs, counts, names. ARGV: agent id, visitor id, agent name, agent role. 1 counted, 0 already.</summary>
    public const string DayAccess = """
        if redis.call('SADD', KEYS[1], ARGV[1] .. '\n' .. ARGV[2]) == 0 then return 0 end
        redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[3] .. '\n' .. ARGV[4])
        return 1
        """;

    /// <summary>KEYS: order, history. ARGV: expected updated ms, new json, new updated ms, history line. 1 updated,
    /// 0 unknown or changed meanwhile (version check).</summary>
    public const string UpdateWorkOrder = """
        if redis.call('HGET', KEYS[1], 'updated') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'j', ARGV[2], 'updated', ARGV[3])
        redis.call('RPUSH', KEYS[2], ARGV[4])
        return 1
        """;

    /// <summary>KEYS: due, tok. ARGV: now, max. Reply: key, score, token triples of due deadlines (not claimed).</summary>
    public const string ListDue = """
        local r = {}
        local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]), 'WITHSCORES')
        for i = 1, #due, 2 do
          table.insert(r, due[i])
          table.insert(r, due[i + 1])
          table.insert(r, redis.call('HGET', KEYS[2], due[i]) or '')
        end
        return r
        """;

    /// <summary>KEYS: due, tok, t, pconv, pto. ARGV: key, token, now. 1 expired (+hash); 0 stale, replayed or not pending.</summary>
    public const string ClaimTransferTimeout = Include + """
        if not claim(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]) then return {0} end
        if not resolve(KEYS[3], KEYS[4], KEYS[5], KEYS[1], KEYS[2], 'expired', ARGV[3]) then return {0} end
        return reply(1, KEYS[3])
        """;

    /// <summary>KEYS: due, tok, c, vopen, waiting, active, closed, open. ARGV: key, token, now, warn ms, close ms, new
    /// token. 0 nothing (stale/replayed/moved on), 1 + close-at + hash: warn, 2 + hash: closed (idle).</summary>
    public const string ClaimIdle = Include + """
        if not claim(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]) then return {0} end
        if redis.call('HGET', KEYS[3], 'state') ~= 'active' or not redis.call('HGET', KEYS[3], 'aid') then return {0} end
        local now = tonumber(ARGV[3])
        local last = tonumber(redis.call('HGET', KEYS[3], 'last'))
        local warnAt = last + tonumber(ARGV[4])
        local closeAt = last + tonumber(ARGV[5])
        if now >= closeAt then
          close(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[1], KEYS[2], KEYS[8], ARGV[3], 'idle')
          return reply(2, KEYS[3])
        end
        if now < warnAt then
          schedule(KEYS[1], KEYS[2], ARGV[1], warnAt, ARGV[6])
          return {0}
        end
        schedule(KEYS[1], KEYS[2], ARGV[1], closeAt, ARGV[6])
        if redis.call('HGET', KEYS[3], 'warned') == '1' then return {0} end
        redis.call('HSET', KEYS[3], 'warned', 1)
        local r = redis.call('HGETALL', KEYS[3])
        table.insert(r, 1, closeAt)
        table.insert(r, 1, 1)
        return r
        """;

    /// <summary>KEYS: due, tok, c, vopen, waiting, active, closed, open. ARGV: key, token, now, visitor id, conversation
    /// id. 1 + hash: withdrawn; 0 stale, replayed, or no waiting conversation.</summary>
    public const string ClaimGrace = Include + """
        if not claim(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]) then return {0} end
        if ARGV[5] == '' or redis.call('HGET', KEYS[4], ARGV[4]) ~= ARGV[5] or redis.call('HGET', KEYS[3], 'state') ~= 'waiting' then return {0} end
        close(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[1], KEYS[2], KEYS[8], ARGV[3], 'visitor')
        return reply(1, KEYS[3])
        """;
}

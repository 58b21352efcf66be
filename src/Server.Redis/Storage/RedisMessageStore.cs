using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Server.Options;
using Switchboard.Server.Storage;
using StreamInfo = Switchboard.Server.Storage.StreamInfo;

namespace Switchboard.Server.Redis.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on Redis. A user stream is a hash <c>{u:ns:user}:meta</c> (epoch, seq, acked, pruned)
/// and a stream <c>{u:ns:user}:stream</c> whose entry ids are the seqs; one Lua script per append assigns the seq
/// (HINCRBY), stores the frame (XADD with MAXLEN) and publishes it on the user's sharded channel, so the event is in
/// Redis before anyone — the sender's acknowledgement included — hears of it. Rooms have the same shape under
/// <c>{r:ns:room}</c>. The commit callbacks of one stream run in seq order (each waits for its predecessor).
/// </summary>
internal sealed class RedisMessageStore : IMessageStore
{
    // Two sentinels of the same length whose digits all differ: building a frame with each and comparing the bytes
    // locates exactly where the seq goes, whatever the payload contains.
    private const long SentinelA = 1111111111111111111;
    private const long SentinelB = 2222222222222222222;
    private const int SentinelLength = 19;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisNode _node;
    private readonly TimeProvider _time;
    private readonly int _maxPerStream;
    private readonly ConcurrentDictionary<string, Task> _tails = new(StringComparer.Ordinal);

    public RedisMessageStore(IConnectionMultiplexer redis, RedisNode node, IOptions<SwitchboardOptions> options, TimeProvider time)
    {
        _redis = redis;
        _node = node;
        _time = time;
        _maxPerStream = Math.Max(1, options.Value.History.MaxPerStream);
    }

    private IDatabase Db => _redis.GetDatabase();

    private RedisKeys Keys => _node.Keys;

    /// <summary>The header of a published durable event: <c>d|node|</c> followed by the seq, a newline and the frame.</summary>
    internal static string DurableHeader(string nodeId) => "d|" + nodeId + "|";

    public async ValueTask<StreamInfo?> GetStreamAsync(string ns, string userId, CancellationToken cancellationToken = default)
    {
        var values = await Db.HashGetAsync(Keys.UserMeta(ns, userId), ["epoch", "seq", "acked", "pruned"]).ConfigureAwait(false);
        return values[0].IsNull ? null : ToInfo(values);
    }

    public async ValueTask<StreamInfo> EnsureStreamAsync(string ns, string userId, CancellationToken cancellationToken = default)
    {
        await BarrierAsync(UserTail(ns, userId)).ConfigureAwait(false);
        var result = await Db.ScriptEvaluateAsync(StreamScripts.EnsureUser, [Keys.UserMeta(ns, userId), Keys.UserStream(ns, userId)], [NewEpoch()]).ConfigureAwait(false);
        return ToInfo((RedisValue[])result!);
    }

    public ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default)
        => AppendAsync(ns, userId, eventName, buildFrame, null, cancellationToken);

    public ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default)
    {
        var (prefix, suffix) = Template(buildFrame);
        var pending = Db.ScriptEvaluateAsync(StreamScripts.AppendUser, [Keys.UserMeta(ns, userId), Keys.UserStream(ns, userId)],
        [
            prefix, suffix, Keys.UserChannel(ns, userId).ToString(), DurableHeader(_node.Id), NewEpoch(), _maxPerStream,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
        ]);
        return Chain(UserTail(ns, userId), pending, result => Frame(prefix, suffix, (long)((RedisResult[])result!)[0]), onCommitted);
    }

    public async ValueTask<IReadOnlyList<StoredFrame>> ReadAsync(string ns, string userId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => await ReadStreamAsync(Keys.UserStream(ns, userId), afterSeq, limit).ConfigureAwait(false);

    public async ValueTask AcknowledgeAsync(string ns, string userId, long seq, CancellationToken cancellationToken = default)
        => await Db.ScriptEvaluateAsync(StreamScripts.Acknowledge, [Keys.UserMeta(ns, userId)], [seq]).ConfigureAwait(false);

    public async ValueTask<RoomStreamInfo> GetRoomAsync(string ns, string room, CancellationToken cancellationToken = default)
    {
        await BarrierAsync(RoomTail(ns, room)).ConfigureAwait(false);
        var values = await Db.HashGetAsync(Keys.RoomMeta(ns, room), ["seq", "pruned"]).ConfigureAwait(false);
        return new RoomStreamInfo(values[0].IsNull ? 0 : (long)values[0], values[1].IsNull ? 0 : (long)values[1]);
    }

    public ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default)
        => AppendRoomAsync(ns, room, buildFrame, null, cancellationToken);

    public ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default)
    {
        var (prefix, suffix) = Template(buildFrame);
        var pending = Db.ScriptEvaluateAsync(StreamScripts.AppendRoom, [Keys.RoomMeta(ns, room), Keys.RoomStream(ns, room)],
        [
            prefix, suffix, Keys.RoomChannel(ns, room).ToString(), RoomHeader(_node.Id), _maxPerStream,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
        ]);
        return Chain(RoomTail(ns, room), pending, result => Frame(prefix, suffix, (long)result), onCommitted);
    }

    /// <summary>The header of a published room message: <c>m|node|</c>, then room_seq, a newline and the frame.</summary>
    internal static string RoomHeader(string nodeId) => "m|" + nodeId + "|";

    public async ValueTask<IReadOnlyList<StoredFrame>> ReadRoomAsync(string ns, string room, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => await ReadStreamAsync(Keys.RoomStream(ns, room), afterSeq, limit).ConfigureAwait(false);

    /// <summary>
    /// Retention over every user and room stream of the cluster (SCAN per server). Any node may run it: each stream is
    /// pruned by one atomic script, so concurrent runs remove each entry once.
    /// </summary>
    public async ValueTask<int> PruneAsync(int maxPerStream, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        var cutoff = olderThan.ToUnixTimeMilliseconds();
        foreach (var endpoint in _redis.GetEndPoints())
        {
            var server = _redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            await foreach (var meta in server.KeysAsync(pattern: Keys.Prefix + ":{[ur]:*}:meta", pageSize: 500).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var name = (string)meta!;
                var stream = name[..^":meta".Length] + ":stream";
                removed += (int)await Db.ScriptEvaluateAsync(StreamScripts.Prune, [meta, stream], [Math.Max(1, maxPerStream), cutoff]).ConfigureAwait(false);
            }
        }

        return removed;
    }

    private async Task<IReadOnlyList<StoredFrame>> ReadStreamAsync(RedisKey stream, long afterSeq, int limit)
    {
        if (limit <= 0 || afterSeq == long.MaxValue)
        {
            return [];
        }

        var entries = await Db.StreamRangeAsync(stream, $"{afterSeq + 1}-0", "+", limit).ConfigureAwait(false);
        var frames = new StoredFrame[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var id = (string)entries[i].Id!;
            frames[i] = new StoredFrame(long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture), (byte[])entries[i]["f"]!);
        }

        return frames;
    }

    private string UserTail(string ns, string userId) => "u\n" + ns + "\n" + userId;

    private string RoomTail(string ns, string room) => "r\n" + ns + "\n" + room;

    private async Task BarrierAsync(string tail)
    {
        if (_tails.TryGetValue(tail, out var previous))
        {
            try
            {
                await previous.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                // that append failed (its caller was told); the barrier only orders
            }
        }
    }

    // Called under the caller's per-stream lock: the scripts go out in that order on the multiplexer's pipeline, and
    // each callback waits for its predecessor, so callbacks run in seq order.
    private ValueTask<StoredFrame> Chain(string tail, Task<RedisResult> pending, Func<RedisResult, StoredFrame> toFrame, Action<StoredFrame>? onCommitted)
    {
        _tails.TryGetValue(tail, out var previous);
        var task = CompleteAsync(previous, pending, toFrame, onCommitted);
        _tails[tail] = task;
        _ = task.ContinueWith(t => _tails.TryRemove(new KeyValuePair<string, Task>(tail, t)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ValueTask<StoredFrame>(task);
    }

    private static async Task<StoredFrame> CompleteAsync(Task? previous, Task<RedisResult> pending, Func<RedisResult, StoredFrame> toFrame, Action<StoredFrame>? onCommitted)
    {
        if (previous is not null)
        {
            try
            {
                await previous.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                // ordered only
            }
        }

        var frame = toFrame(await pending.ConfigureAwait(false));
        onCommitted?.Invoke(frame);
        return frame;
    }

    /// <summary>Splits a frame into the bytes before and after its seq digits.</summary>
    internal static (byte[] Prefix, byte[] Suffix) Template(Func<long, byte[]> buildFrame)
    {
        var a = buildFrame(SentinelA);
        var b = buildFrame(SentinelB);
        var start = a.AsSpan().CommonPrefixLength(b);
        if (a.Length != b.Length || start + SentinelLength > a.Length
            || !a.AsSpan(start + SentinelLength).SequenceEqual(b.AsSpan(start + SentinelLength)))
        {
            throw new InvalidOperationException("A stored frame must contain its seq exactly once.");
        }

        return (a[..start], a[(start + SentinelLength)..]);
    }

    private static StoredFrame Frame(byte[] prefix, byte[] suffix, long seq)
    {
        Span<byte> digits = stackalloc byte[20];
        seq.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        var frame = new byte[prefix.Length + length + suffix.Length];
        prefix.CopyTo(frame, 0);
        digits[..length].CopyTo(frame.AsSpan(prefix.Length));
        suffix.CopyTo(frame, prefix.Length + length);
        return new StoredFrame(seq, frame);
    }

    private static StreamInfo ToInfo(RedisValue[] values) =>
        new(values[0].ToString(), (long)values[1], (long)values[2], (long)values[3]);

    private static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}

namespace Switchboard.Server.Storage;

/// <summary>
/// Persistence of the durable per-user streams and the room streams. Frames are stored as the exact UTF-8 envelope
/// bytes that were (or will be) sent, so a replay sends them as they are. Callers serialize operations on one stream
/// (the delivery layer holds a per-stream lock); implementations must make each call atomic and durable before it
/// returns. The SQLite implementation is <see cref="SqliteMessageStore"/>; a Redis backplane can implement the same.
/// </summary>
public interface IMessageStore
{
    /// <summary>The stream of (ns, user), or null if it never existed.</summary>
    ValueTask<StreamInfo?> GetStreamAsync(string ns, string userId, CancellationToken cancellationToken = default);

    /// <summary>The stream of (ns, user), created (new random epoch, seq 0) if needed.</summary>
    ValueTask<StreamInfo> EnsureStreamAsync(string ns, string userId, CancellationToken cancellationToken = default);

    /// <summary>Appends the next event; <paramref name="buildFrame"/> receives the assigned seq and returns the stored bytes.</summary>
    ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="AppendAsync(string, string, string, Func{long, byte[]}, CancellationToken)"/>; the append is queued
    /// (its seq order fixed) before this returns, and <paramref name="onCommitted"/> runs after the commit, before the
    /// returned task completes, in seq order for the stream (keep it short and non-blocking: it runs on the commit path).
    /// A later <see cref="EnsureStreamAsync"/> of the stream completes only after every earlier append's callback ran.
    /// </summary>
    ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default);

    /// <summary>Stored frames with seq greater than <paramref name="afterSeq"/>, in order (at most <paramref name="limit"/>).</summary>
    ValueTask<IReadOnlyList<StoredFrame>> ReadAsync(string ns, string userId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves the acknowledged position forward (never backwards).</summary>
    ValueTask AcknowledgeAsync(string ns, string userId, long seq, CancellationToken cancellationToken = default);

    /// <summary>The room stream state (last room_seq and the highest pruned room_seq); zeros if it never existed.</summary>
    ValueTask<RoomStreamInfo> GetRoomAsync(string ns, string room, CancellationToken cancellationToken = default);

    /// <summary>Appends a room message; <paramref name="buildFrame"/> receives the assigned room_seq.</summary>
    ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="AppendRoomAsync(string, string, Func{long, byte[]}, CancellationToken)"/> with a commit callback
    /// that runs in room_seq order before the returned task completes; a later <see cref="GetRoomAsync"/> of the room
    /// completes only after every earlier room append's callback ran.
    /// </summary>
    ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default);

    /// <summary>Stored room frames with room_seq greater than <paramref name="afterSeq"/>, in order.</summary>
    ValueTask<IReadOnlyList<StoredFrame>> ReadRoomAsync(string ns, string room, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Applies retention (count per stream and age); returns the number of deleted events.</summary>
    ValueTask<int> PruneAsync(int maxPerStream, DateTimeOffset olderThan, CancellationToken cancellationToken = default);
}

/// <summary>A durable stream's state.</summary>
/// <param name="Epoch">The stream's epoch (random, new when the stream is created).</param>
/// <param name="LastSeq">The last assigned seq (0 when empty).</param>
/// <param name="AckedSeq">The acknowledged position (RECEIVED / connect with since).</param>
/// <param name="PrunedThrough">The highest seq removed by retention (events after it are all retained).</param>
public sealed record StreamInfo(string Epoch, long LastSeq, long AckedSeq, long PrunedThrough);

/// <summary>A room stream's state.</summary>
/// <param name="LastSeq">The last room_seq (0 when none).</param>
/// <param name="PrunedThrough">The highest room_seq removed by retention.</param>
public readonly record struct RoomStreamInfo(long LastSeq, long PrunedThrough);

/// <summary>One stored event.</summary>
/// <param name="Seq">Its seq (or room_seq).</param>
/// <param name="Frame">The exact envelope bytes.</param>
public readonly record struct StoredFrame(long Seq, byte[] Frame);

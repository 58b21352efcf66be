using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Switchboard.ReferenceServer.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on the shared <see cref="SqliteDatabase"/> (tables <c>sb_streams</c>,
/// <c>sb_stream_events</c>, <c>sb_rooms</c>, <c>sb_room_messages</c>). Appends are group-committed: each call returns
/// after the transaction holding it committed; appends that arrive while a commit runs share the next transaction.
/// Stream heads are cached in memory (the store is the only writer of these tables).
/// </summary>
public sealed class SqliteMessageStore : IMessageStore, IDisposable
{
    private const int MaxBatch = 512;
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private int _loopStarted;
    private readonly SqliteDatabase _db;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string, string), StreamInfo> _streams = new();
    private readonly ConcurrentDictionary<(string, string), RoomStreamInfo> _rooms = new();

    /// <summary>Creates the store.</summary>
    public SqliteMessageStore(SqliteDatabase database, TimeProvider timeProvider)
    {
        _db = database ?? throw new ArgumentNullException(nameof(database));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    /// <inheritdoc />
    public ValueTask<StreamInfo?> GetStreamAsync(string ns, string userId, CancellationToken cancellationToken = default)
    {
        if (_streams.TryGetValue((ns, userId), out var cached))
        {
            return ValueTask.FromResult<StreamInfo?>(cached);
        }

        using var connection = _db.OpenConnection();
        var info = LoadStream(connection, null, ns, userId);
        if (info is not null)
        {
            _streams[(ns, userId)] = info;
        }

        return ValueTask.FromResult(info);
    }

    /// <inheritdoc />
    public async ValueTask<StreamInfo> EnsureStreamAsync(string ns, string userId, CancellationToken cancellationToken = default)
    {
        var existing = await GetStreamAsync(ns, userId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        return await _db.WriteAsync(connection => EnsureStreamLocked(connection, ns, userId), cancellationToken).ConfigureAwait(false);
    }

    private StreamInfo EnsureStreamLocked(SqliteConnection connection, string ns, string userId)
    {
        if (_streams.TryGetValue((ns, userId), out var cached))
        {
            return cached;
        }

        var info = LoadStream(connection, null, ns, userId);
        if (info is null)
        {
            info = new StreamInfo(NewEpoch(), 0, 0, 0);
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO sb_streams (ns, user_id, epoch, last_seq, acked_seq, pruned_through, created_at) VALUES ($ns, $u, $e, 0, 0, 0, $at)";
            insert.Parameters.AddWithValue("$ns", ns);
            insert.Parameters.AddWithValue("$u", userId);
            insert.Parameters.AddWithValue("$e", info.Epoch);
            insert.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        _streams[(ns, userId)] = info;
        return info;
    }

    /// <inheritdoc />
    public ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildFrame);
        return Enqueue(new PendingAppend(IsRoom: false, ns, userId, eventName, buildFrame));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredFrame>> ReadAsync(string ns, string userId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq, frame FROM sb_stream_events WHERE ns = $ns AND user_id = $u AND seq > $s ORDER BY seq LIMIT $l";
        cmd.Parameters.AddWithValue("$ns", ns);
        cmd.Parameters.AddWithValue("$u", userId);
        cmd.Parameters.AddWithValue("$s", afterSeq);
        cmd.Parameters.AddWithValue("$l", limit);
        return ValueTask.FromResult<IReadOnlyList<StoredFrame>>(ReadFrames(cmd));
    }

    /// <inheritdoc />
    public ValueTask AcknowledgeAsync(string ns, string userId, long seq, CancellationToken cancellationToken = default)
    {
        if (_streams.TryGetValue((ns, userId), out var cached) && cached.AckedSeq >= seq)
        {
            return ValueTask.CompletedTask;
        }

        return AckCore();

        async ValueTask AckCore()
        {
            await _db.WriteAsync(connection =>
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "UPDATE sb_streams SET acked_seq = MAX(acked_seq, MIN($s, last_seq)) WHERE ns = $ns AND user_id = $u";
                cmd.Parameters.AddWithValue("$ns", ns);
                cmd.Parameters.AddWithValue("$u", userId);
                cmd.Parameters.AddWithValue("$s", seq);
                cmd.ExecuteNonQuery();
                var info = LoadStream(connection, null, ns, userId);
                if (info is not null)
                {
                    _streams[(ns, userId)] = info;
                }

                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<RoomStreamInfo> GetRoomAsync(string ns, string room, CancellationToken cancellationToken = default)
    {
        if (_rooms.TryGetValue((ns, room), out var cached))
        {
            return ValueTask.FromResult(cached);
        }

        using var connection = _db.OpenConnection();
        var info = LoadRoom(connection, ns, room);
        _rooms[(ns, room)] = info;
        return ValueTask.FromResult(info);
    }

    /// <inheritdoc />
    public ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildFrame);
        return Enqueue(new PendingAppend(IsRoom: true, ns, room, "ROOM_MESSAGE", buildFrame));
    }

    /// <summary>Stops the group-commit loop (pending appends still complete).</summary>
    public void Dispose() => _appends.Writer.TryComplete();

    private ValueTask<StoredFrame> Enqueue(PendingAppend append)
    {
        if (Interlocked.CompareExchange(ref _loopStarted, 1, 0) == 0)
        {
            _ = Task.Run(AppendLoopAsync);
        }

        if (!_appends.Writer.TryWrite(append))
        {
            throw new ObjectDisposedException(nameof(SqliteMessageStore));
        }

        return new ValueTask<StoredFrame>(append.Completion.Task);
    }

    // Group commit: every append queued while the previous transaction was committing goes into the next one, so
    // under load many durable events share one commit; a lone append is committed immediately (no added latency).
    private async Task AppendLoopAsync()
    {
        var reader = _appends.Reader;
        var batch = new List<PendingAppend>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var append))
            {
                batch.Add(append);
            }

            try
            {
                var results = await _db.WriteAsync(connection => CommitBatch(connection, batch)).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var append in batch)
                {
                    append.Completion.TrySetException(ex);
                }
            }
        }
    }

    private StoredFrame[] CommitBatch(SqliteConnection connection, List<PendingAppend> batch)
    {
        var results = new StoredFrame[batch.Count];
        var streams = new Dictionary<(string, string), StreamInfo>();
        var rooms = new Dictionary<(string, string), RoomStreamInfo>();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using var tx = connection.BeginTransaction();
        using var insertEvent = connection.CreateCommand();
        insertEvent.Transaction = tx;
        insertEvent.CommandText = "INSERT INTO sb_stream_events (ns, user_id, seq, event, frame, created_at) VALUES ($ns, $u, $s, $ev, $f, $at)";
        var pNs = insertEvent.Parameters.Add("$ns", SqliteType.Text);
        var pUser = insertEvent.Parameters.Add("$u", SqliteType.Text);
        var pSeq = insertEvent.Parameters.Add("$s", SqliteType.Integer);
        var pEvent = insertEvent.Parameters.Add("$ev", SqliteType.Text);
        var pFrame = insertEvent.Parameters.Add("$f", SqliteType.Blob);
        insertEvent.Parameters.AddWithValue("$at", now);
        using var insertRoom = connection.CreateCommand();
        insertRoom.Transaction = tx;
        insertRoom.CommandText = "INSERT INTO sb_room_messages (ns, room, room_seq, frame, created_at) VALUES ($ns, $r, $s, $f, $at)";
        var rNs = insertRoom.Parameters.Add("$ns", SqliteType.Text);
        var rRoom = insertRoom.Parameters.Add("$r", SqliteType.Text);
        var rSeq = insertRoom.Parameters.Add("$s", SqliteType.Integer);
        var rFrame = insertRoom.Parameters.Add("$f", SqliteType.Blob);
        insertRoom.Parameters.AddWithValue("$at", now);

        for (var i = 0; i < batch.Count; i++)
        {
            var append = batch[i];
            var key = (append.Ns, append.Key);
            long seq;
            if (append.IsRoom)
            {
                if (!rooms.TryGetValue(key, out var room))
                {
                    room = _rooms.TryGetValue(key, out var cachedRoom) ? cachedRoom : LoadRoom(connection, append.Ns, append.Key, tx);
                }

                seq = room.LastSeq + 1;
                rooms[key] = room with { LastSeq = seq };
                var frame = append.BuildFrame(seq);
                rNs.Value = append.Ns;
                rRoom.Value = append.Key;
                rSeq.Value = seq;
                rFrame.Value = frame;
                insertRoom.ExecuteNonQuery();
                results[i] = new StoredFrame(seq, frame);
            }
            else
            {
                if (!streams.TryGetValue(key, out var stream))
                {
                    stream = _streams.TryGetValue(key, out var cached) ? cached : LoadStream(connection, tx, append.Ns, append.Key) ?? CreateStream(connection, tx, append.Ns, append.Key);
                }

                seq = stream.LastSeq + 1;
                streams[key] = stream with { LastSeq = seq };
                var frame = append.BuildFrame(seq);
                pNs.Value = append.Ns;
                pUser.Value = append.Key;
                pSeq.Value = seq;
                pEvent.Value = append.EventName;
                pFrame.Value = frame;
                insertEvent.ExecuteNonQuery();
                results[i] = new StoredFrame(seq, frame);
            }
        }

        foreach (var ((ns, user), stream) in streams)
        {
            using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE sb_streams SET last_seq = $s WHERE ns = $ns AND user_id = $u";
            update.Parameters.AddWithValue("$ns", ns);
            update.Parameters.AddWithValue("$u", user);
            update.Parameters.AddWithValue("$s", stream.LastSeq);
            update.ExecuteNonQuery();
        }

        foreach (var ((ns, room), info) in rooms)
        {
            using var upsert = connection.CreateCommand();
            upsert.Transaction = tx;
            upsert.CommandText = "INSERT INTO sb_rooms (ns, room, last_seq, pruned_through) VALUES ($ns, $r, $s, 0) ON CONFLICT(ns, room) DO UPDATE SET last_seq = excluded.last_seq";
            upsert.Parameters.AddWithValue("$ns", ns);
            upsert.Parameters.AddWithValue("$r", room);
            upsert.Parameters.AddWithValue("$s", info.LastSeq);
            upsert.ExecuteNonQuery();
        }

        tx.Commit();

        // Publish the new heads only after the commit succeeded.
        foreach (var (key, stream) in streams)
        {
            _streams[key] = stream;
        }

        foreach (var (key, info) in rooms)
        {
            _rooms[key] = info;
        }

        return results;
    }

    private StreamInfo CreateStream(SqliteConnection connection, SqliteTransaction tx, string ns, string userId)
    {
        var info = new StreamInfo(NewEpoch(), 0, 0, 0);
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO sb_streams (ns, user_id, epoch, last_seq, acked_seq, pruned_through, created_at) VALUES ($ns, $u, $e, 0, 0, 0, $at)";
        insert.Parameters.AddWithValue("$ns", ns);
        insert.Parameters.AddWithValue("$u", userId);
        insert.Parameters.AddWithValue("$e", info.Epoch);
        insert.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        return info;
    }

    private sealed record PendingAppend(bool IsRoom, string Ns, string Key, string EventName, Func<long, byte[]> BuildFrame)
    {
        public TaskCompletionSource<StoredFrame> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredFrame>> ReadRoomAsync(string ns, string room, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT room_seq, frame FROM sb_room_messages WHERE ns = $ns AND room = $r AND room_seq > $s ORDER BY room_seq LIMIT $l";
        cmd.Parameters.AddWithValue("$ns", ns);
        cmd.Parameters.AddWithValue("$r", room);
        cmd.Parameters.AddWithValue("$s", afterSeq);
        cmd.Parameters.AddWithValue("$l", limit);
        return ValueTask.FromResult<IReadOnlyList<StoredFrame>>(ReadFrames(cmd));
    }

    /// <inheritdoc />
    public ValueTask<int> PruneAsync(int maxPerStream, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = olderThan.ToUnixTimeMilliseconds();
        return _db.WriteAsync(connection =>
        {
            using var tx = connection.BeginTransaction();
            var deleted = 0;
            using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                // Record the highest removed seq per stream first, then delete (by age or beyond the count limit).
                cmd.CommandText = """
                    UPDATE sb_streams SET pruned_through = MAX(pruned_through, COALESCE((
                        SELECT MAX(e.seq) FROM sb_stream_events e
                        WHERE e.ns = sb_streams.ns AND e.user_id = sb_streams.user_id
                          AND (e.created_at < $cutoff OR e.seq <= sb_streams.last_seq - $max)), 0));
                    DELETE FROM sb_stream_events WHERE created_at < $cutoff OR seq <= (
                        SELECT s.last_seq - $max FROM sb_streams s WHERE s.ns = sb_stream_events.ns AND s.user_id = sb_stream_events.user_id);
                    """;
                cmd.Parameters.AddWithValue("$cutoff", cutoff);
                cmd.Parameters.AddWithValue("$max", maxPerStream);
                deleted += cmd.ExecuteNonQuery();
            }

            using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = """
                    UPDATE sb_rooms SET pruned_through = MAX(pruned_through, COALESCE((
                        SELECT MAX(m.room_seq) FROM sb_room_messages m
                        WHERE m.ns = sb_rooms.ns AND m.room = sb_rooms.room
                          AND (m.created_at < $cutoff OR m.room_seq <= sb_rooms.last_seq - $max)), 0));
                    DELETE FROM sb_room_messages WHERE created_at < $cutoff OR room_seq <= (
                        SELECT r.last_seq - $max FROM sb_rooms r WHERE r.ns = sb_room_messages.ns AND r.room = sb_room_messages.room);
                    """;
                cmd.Parameters.AddWithValue("$cutoff", cutoff);
                cmd.Parameters.AddWithValue("$max", maxPerStream);
                deleted += cmd.ExecuteNonQuery();
            }

            tx.Commit();
            _streams.Clear();
            _rooms.Clear();
            return deleted;
        }, cancellationToken);
    }

    private static StreamInfo? LoadStream(SqliteConnection connection, SqliteTransaction? tx, string ns, string userId)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT epoch, last_seq, acked_seq, pruned_through FROM sb_streams WHERE ns = $ns AND user_id = $u";
        cmd.Parameters.AddWithValue("$ns", ns);
        cmd.Parameters.AddWithValue("$u", userId);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? new StreamInfo(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) : null;
    }

    private static RoomStreamInfo LoadRoom(SqliteConnection connection, string ns, string room, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT last_seq, pruned_through FROM sb_rooms WHERE ns = $ns AND room = $r";
        cmd.Parameters.AddWithValue("$ns", ns);
        cmd.Parameters.AddWithValue("$r", room);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? new RoomStreamInfo(reader.GetInt64(0), reader.GetInt64(1)) : default;
    }

    private static List<StoredFrame> ReadFrames(SqliteCommand cmd)
    {
        var result = new List<StoredFrame>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new StoredFrame(reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }

        return result;
    }

    private static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}

/// <summary>The core schema (<c>sb_*</c> tables).</summary>
internal sealed class CoreSchemaMigration : ISqliteMigration
{
    public string Id => "core-001-streams";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = """
            CREATE TABLE sb_streams (
                ns TEXT NOT NULL, user_id TEXT NOT NULL, epoch TEXT NOT NULL,
                last_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL, pruned_through INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (ns, user_id)) WITHOUT ROWID;
            CREATE TABLE sb_stream_events (
                ns TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
                frame BLOB NOT NULL, created_at INTEGER NOT NULL,
                PRIMARY KEY (ns, user_id, seq)) WITHOUT ROWID;
            CREATE INDEX ix_sb_stream_events_created ON sb_stream_events (created_at);
            CREATE TABLE sb_rooms (
                ns TEXT NOT NULL, room TEXT NOT NULL, last_seq INTEGER NOT NULL, pruned_through INTEGER NOT NULL,
                PRIMARY KEY (ns, room)) WITHOUT ROWID;
            CREATE TABLE sb_room_messages (
                ns TEXT NOT NULL, room TEXT NOT NULL, room_seq INTEGER NOT NULL, frame BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (ns, room, room_seq)) WITHOUT ROWID;
            CREATE INDEX ix_sb_room_messages_created ON sb_room_messages (created_at);
            """;
        cmd.ExecuteNonQuery();
    }
}

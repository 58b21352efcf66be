using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on the shared <see cref="SqliteDatabase"/> (tables <c>sb_streams</c>,
/// <c>sb_stream_events</c>, <c>sb_rooms</c>, <c>sb_room_messages</c>). Appends are group-committed: each call returns
/// after the transaction holding it committed; appends that arrive while a commit runs share the next transaction.
/// Stream creation (<see cref="EnsureStreamAsync"/>) goes through the same loop, so many first connects share one commit.
/// Commit callbacks run on the loop in queue order. Stream heads are cached in memory (the store is the only writer of
/// these tables).
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
    private readonly ConcurrentDictionary<(string, string), int> _pending = new(); // queued, not yet delivered stream appends
    private readonly ConcurrentDictionary<(string, string), int> _pendingRooms = new(); // the same for room messages

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
    /// <remarks>
    /// A missing stream is created by the group-commit loop, so the first connects of many new users share one
    /// transaction (and one fsync) instead of paying one synchronous commit each.
    /// </remarks>
    public ValueTask<StreamInfo> EnsureStreamAsync(string ns, string userId, CancellationToken cancellationToken = default)
    {
        if (_streams.TryGetValue((ns, userId), out var cached) && !_pending.ContainsKey((ns, userId)))
        {
            return ValueTask.FromResult(cached);
        }

        // Unknown stream, or appends of it still queued: go through the loop (creates it in the next group commit,
        // and completes only after the queued appends were committed and delivered).
        var create = new PendingAppend(PendingKind.EnsureStream, ns, userId, string.Empty, null, null);
        Enqueue(create);
        return new ValueTask<StreamInfo>(create.Created!.Task);
    }

    /// <inheritdoc />
    public ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, CancellationToken cancellationToken = default)
        => AppendAsync(ns, userId, eventName, buildFrame, null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StoredFrame> AppendAsync(string ns, string userId, string eventName, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildFrame);
        var append = new PendingAppend(PendingKind.StreamEvent, ns, userId, eventName, buildFrame, onCommitted);
        _pending.AddOrUpdate((ns, userId), 1, static (_, n) => n + 1);
        Enqueue(append);
        return new ValueTask<StoredFrame>(append.Completion!.Task);
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
        if (_pendingRooms.ContainsKey((ns, room)))
        {
            // Room messages still queued: answer after they were committed and delivered (a barrier for JOIN_ROOM).
            var barrier = new PendingAppend(PendingKind.EnsureRoom, ns, room, string.Empty, null, null);
            Enqueue(barrier);
            return new ValueTask<RoomStreamInfo>(barrier.RoomInfo!.Task);
        }

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
        => AppendRoomAsync(ns, room, buildFrame, null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StoredFrame> AppendRoomAsync(string ns, string room, Func<long, byte[]> buildFrame, Action<StoredFrame>? onCommitted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildFrame);
        var append = new PendingAppend(PendingKind.RoomMessage, ns, room, "ROOM_MESSAGE", buildFrame, onCommitted);
        _pendingRooms.AddOrUpdate((ns, room), 1, static (_, n) => n + 1);
        Enqueue(append);
        return new ValueTask<StoredFrame>(append.Completion!.Task);
    }

    /// <summary>Stops the group-commit loop (pending appends still complete).</summary>
    public void Dispose() => _appends.Writer.TryComplete();

    private void Enqueue(PendingAppend append)
    {
        if (Interlocked.CompareExchange(ref _loopStarted, 1, 0) == 0)
        {
            _ = Task.Run(AppendLoopAsync);
        }

        if (!_appends.Writer.TryWrite(append))
        {
            throw new ObjectDisposedException(nameof(SqliteMessageStore));
        }
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
                await _db.WriteAsync(connection => CommitBatch(connection, batch)).ConfigureAwait(false);
                // In queue order: the commit callbacks (delivery to connections) run here, on the loop, so a stream's
                // events reach its connections in seq order, and a stream barrier (EnsureStream) completes only after
                // every earlier append of that stream was delivered.
                foreach (var append in batch)
                {
                    append.Complete();
                    ReleasePending(append);
                }
            }
            catch (Exception ex)
            {
                foreach (var append in batch)
                {
                    append.Fail(ex);
                    ReleasePending(append);
                }
            }
        }
    }

    private int CommitBatch(SqliteConnection connection, List<PendingAppend> batch)
    {
        var statements = _statements ??= new Statements(connection);
        var streams = new Dictionary<(string, string), StreamInfo>();
        var dirtyStreams = new HashSet<(string, string)>();
        var rooms = new Dictionary<(string, string), RoomStreamInfo>();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using var tx = connection.BeginTransaction();
        statements.Bind(tx, now);

        for (var i = 0; i < batch.Count; i++)
        {
            var append = batch[i];
            var key = (append.Ns, append.Key);
            long seq;
            if (append.Kind is PendingKind.RoomMessage or PendingKind.EnsureRoom)
            {
                if (!rooms.TryGetValue(key, out var room))
                {
                    room = _rooms.TryGetValue(key, out var cachedRoom) ? cachedRoom : LoadRoom(connection, append.Ns, append.Key, tx);
                    if (append.Kind == PendingKind.EnsureRoom)
                    {
                        append.Room = room;
                        continue; // nothing to write; not added to the heads to upsert
                    }
                }

                if (append.Kind == PendingKind.EnsureRoom)
                {
                    append.Room = room;
                    continue;
                }

                seq = room.LastSeq + 1;
                rooms[key] = room with { LastSeq = seq };
                var frame = append.BuildFrame!(seq);
                statements.InsertRoomMessage(append.Ns, append.Key, seq, frame);
                append.Frame = new StoredFrame(seq, frame);
                continue;
            }

            if (!streams.TryGetValue(key, out var stream))
            {
                stream = _streams.TryGetValue(key, out var cached)
                    ? cached
                    : statements.LoadStream(append.Ns, append.Key) ?? statements.CreateStream(append.Ns, append.Key, NewEpoch());
                streams[key] = stream;
            }

            if (append.Kind == PendingKind.EnsureStream)
            {
                append.Stream = stream;
                continue;
            }

            seq = stream.LastSeq + 1;
            stream = stream with { LastSeq = seq };
            streams[key] = stream;
            dirtyStreams.Add(key);
            var eventFrame = append.BuildFrame!(seq);
            statements.InsertStreamEvent(append.Ns, append.Key, seq, append.EventName, eventFrame);
            append.Frame = new StoredFrame(seq, eventFrame);
        }

        foreach (var key in dirtyStreams)
        {
            statements.UpdateStreamHead(key.Item1, key.Item2, streams[key].LastSeq);
        }

        foreach (var ((ns, room), info) in rooms)
        {
            statements.UpsertRoomHead(ns, room, info.LastSeq);
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

        return batch.Count;
    }

    private Statements? _statements;

    private void ReleasePending(PendingAppend append)
    {
        var pending = append.Kind switch
        {
            PendingKind.StreamEvent => _pending,
            PendingKind.RoomMessage => _pendingRooms,
            _ => null,
        };
        if (pending is null)
        {
            return;
        }

        var key = (append.Ns, append.Key);
        if (pending.AddOrUpdate(key, 0, static (_, n) => n - 1) <= 0)
        {
            pending.TryRemove(KeyValuePair.Create(key, 0));
        }
    }

    /// <summary>
    /// The group-commit loop's prepared statements, created once on the writer connection and reused for every batch
    /// (only the loop uses them, under the database write lock).
    /// </summary>
    private sealed class Statements
    {
        private readonly SqliteCommand _insertEvent;
        private readonly SqliteCommand _insertRoom;
        private readonly SqliteCommand _updateStream;
        private readonly SqliteCommand _upsertRoom;
        private readonly SqliteCommand _loadStream;
        private readonly SqliteCommand _createStream;

        public Statements(SqliteConnection connection)
        {
            _insertEvent = Create(connection, "INSERT INTO sb_stream_events (ns, user_id, seq, event, frame, created_at) VALUES ($ns, $k, $s, $ev, $f, $at)",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text), ("$s", SqliteType.Integer), ("$ev", SqliteType.Text), ("$f", SqliteType.Blob), ("$at", SqliteType.Integer));
            _insertRoom = Create(connection, "INSERT INTO sb_room_messages (ns, room, room_seq, frame, created_at) VALUES ($ns, $k, $s, $f, $at)",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text), ("$s", SqliteType.Integer), ("$f", SqliteType.Blob), ("$at", SqliteType.Integer));
            _updateStream = Create(connection, "UPDATE sb_streams SET last_seq = $s WHERE ns = $ns AND user_id = $k",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text), ("$s", SqliteType.Integer));
            _upsertRoom = Create(connection, "INSERT INTO sb_rooms (ns, room, last_seq, pruned_through) VALUES ($ns, $k, $s, 0) ON CONFLICT(ns, room) DO UPDATE SET last_seq = excluded.last_seq",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text), ("$s", SqliteType.Integer));
            _loadStream = Create(connection, "SELECT epoch, last_seq, acked_seq, pruned_through FROM sb_streams WHERE ns = $ns AND user_id = $k",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text));
            _createStream = Create(connection, "INSERT INTO sb_streams (ns, user_id, epoch, last_seq, acked_seq, pruned_through, created_at) VALUES ($ns, $k, $e, 0, 0, 0, $at)",
                ("$ns", SqliteType.Text), ("$k", SqliteType.Text), ("$e", SqliteType.Text), ("$at", SqliteType.Integer));
        }

        public void Bind(SqliteTransaction tx, long now)
        {
            foreach (var cmd in (ReadOnlySpan<SqliteCommand>)[_insertEvent, _insertRoom, _updateStream, _upsertRoom, _loadStream, _createStream])
            {
                cmd.Transaction = tx;
                if (cmd.Parameters.Contains("$at"))
                {
                    cmd.Parameters["$at"].Value = now;
                }
            }
        }

        public void InsertStreamEvent(string ns, string user, long seq, string eventName, byte[] frame)
        {
            var p = _insertEvent.Parameters;
            p[0].Value = ns;
            p[1].Value = user;
            p[2].Value = seq;
            p[3].Value = eventName;
            p[4].Value = frame;
            _insertEvent.ExecuteNonQuery();
        }

        public void InsertRoomMessage(string ns, string room, long seq, byte[] frame)
        {
            var p = _insertRoom.Parameters;
            p[0].Value = ns;
            p[1].Value = room;
            p[2].Value = seq;
            p[3].Value = frame;
            _insertRoom.ExecuteNonQuery();
        }

        public void UpdateStreamHead(string ns, string user, long lastSeq)
        {
            var p = _updateStream.Parameters;
            p[0].Value = ns;
            p[1].Value = user;
            p[2].Value = lastSeq;
            _updateStream.ExecuteNonQuery();
        }

        public void UpsertRoomHead(string ns, string room, long lastSeq)
        {
            var p = _upsertRoom.Parameters;
            p[0].Value = ns;
            p[1].Value = room;
            p[2].Value = lastSeq;
            _upsertRoom.ExecuteNonQuery();
        }

        public StreamInfo? LoadStream(string ns, string user)
        {
            var p = _loadStream.Parameters;
            p[0].Value = ns;
            p[1].Value = user;
            using var reader = _loadStream.ExecuteReader();
            return reader.Read() ? new StreamInfo(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) : null;
        }

        public StreamInfo CreateStream(string ns, string user, string epoch)
        {
            var p = _createStream.Parameters;
            p[0].Value = ns;
            p[1].Value = user;
            p[2].Value = epoch;
            _createStream.ExecuteNonQuery();
            return new StreamInfo(epoch, 0, 0, 0);
        }

        private static SqliteCommand Create(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, type) in parameters)
            {
                cmd.Parameters.Add(name, type);
            }

            return cmd;
        }
    }

    private enum PendingKind
    {
        StreamEvent,
        RoomMessage,
        EnsureStream,
        EnsureRoom,
    }

    private sealed class PendingAppend(PendingKind kind, string ns, string key, string eventName, Func<long, byte[]>? buildFrame, Action<StoredFrame>? onCommitted)
    {
        public PendingKind Kind { get; } = kind;

        public string Ns { get; } = ns;

        public string Key { get; } = key;

        public string EventName { get; } = eventName;

        public Func<long, byte[]>? BuildFrame { get; } = buildFrame;

        public TaskCompletionSource<StoredFrame>? Completion { get; } = kind == PendingKind.EnsureStream ? null : new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<StreamInfo>? Created { get; } = kind == PendingKind.EnsureStream ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public TaskCompletionSource<RoomStreamInfo>? RoomInfo { get; } = kind == PendingKind.EnsureRoom ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public RoomStreamInfo Room { get; set; }

        public StoredFrame Frame { get; set; }

        public StreamInfo? Stream { get; set; }

        public void Complete()
        {
            if (onCommitted is not null)
            {
                try
                {
                    onCommitted(Frame);
                }
                catch (Exception ex)
                {
                    // The event is stored; a failing delivery callback must not stop the loop. Report it to the caller.
                    Completion?.TrySetException(ex);
                    return;
                }
            }

            Completion?.TrySetResult(Frame);
            Created?.TrySetResult(Stream!);
            RoomInfo?.TrySetResult(Room);
        }

        public void Fail(Exception ex)
        {
            Completion?.TrySetException(ex);
            Created?.TrySetException(ex);
            RoomInfo?.TrySetException(ex);
        }
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

using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Messaging;

/// <summary>
/// <see cref="IDurableDelivery"/> over <see cref="IMessageStore"/>: queues appends under a per-stream lock; the store's
/// group-commit loop commits them and pushes the stored bytes to the user's connections in seq order. Connection
/// resume (<see cref="OpenStreamAsync"/>) takes the same lock and waits (EnsureStream barrier) until the stream's
/// queued appends were delivered, which makes replay + registration gap- and dupe-free.
/// </summary>
internal sealed class DurableDelivery : IDurableDelivery
{
    private readonly IMessageStore _store;
    private readonly ConnectionRegistry _registry;
    private readonly StripedAsyncLock _locks = new();
    private readonly int _pageFrames;
    private readonly long _pageBytes;
    private readonly int _stallTimeoutMs;
    private readonly TimeProvider _time;
    private readonly IDurableFanout? _fanout;

    public DurableDelivery(IMessageStore store, ConnectionRegistry registry, Microsoft.Extensions.Options.IOptions<Options.SwitchboardOptions> options, TimeProvider time, IDurableFanout? fanout = null)
    {
        _store = store;
        _fanout = fanout;
        _registry = registry;
        _time = time;
        var limits = options.Value.Limits;
        _pageFrames = Math.Max(1, limits.SendQueueMaxFrames / 2);
        _pageBytes = Math.Max(1, limits.SendQueueMaxBytes / 2);
        _stallTimeoutMs = options.Value.KeepAlive.IdleTimeoutMs;
    }

    public ValueTask<long> AppendAsync(string ns, string userId, IServerEvent ev, CancellationToken cancellationToken = default)
        => AppendAsync(ns, userId, ev, null, cancellationToken);

    public async ValueTask<long> AppendAsync(string ns, string userId, IServerEvent ev, CommandContext? reply, CancellationToken cancellationToken = default)
    {
        var committed = await BeginAppendAsync(ns, userId, ev, reply, null, cancellationToken).ConfigureAwait(false);
        return await committed.ConfigureAwait(false);
    }

    public ValueTask<Task<long>> BeginAppendAsync(string ns, string userId, IServerEvent ev, Action<long>? onDelivered, CancellationToken cancellationToken = default)
        => BeginAppendAsync(ns, userId, ev, null, onDelivered, cancellationToken);

    // The stream lock is held only while the append is queued (that fixes its seq order relative to resumes, which take
    // the same lock); the commit and the push to the user's connections happen on the store's group-commit loop, in
    // seq order. So a sender can have many appends in flight, and they share commits.
    private async ValueTask<Task<long>> BeginAppendAsync(string ns, string userId, IServerEvent ev, CommandContext? reply, Action<long>? onDelivered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ValueTask<StoredFrame> stored;
        using (await _locks.AcquireAsync(ns, userId, cancellationToken).ConfigureAwait(false))
        {
            stored = _store.AppendAsync(ns, userId, ev.EventName, seq => EventFrames.Serialize(ev, null, seq), frame =>
            {
                if (_fanout is not null)
                {
                    // Cluster mode: the fanout orders this node's commits with the events other nodes committed.
                    _fanout.Deliver(ns, userId, frame, reply is null ? null : connection =>
                        ReferenceEquals(connection, reply.Connection) && reply.TryClaimReply() && reply.Cid is not null
                            ? EventFrames.Serialize(ev, reply.Cid, frame.Seq)
                            : null);
                    onDelivered?.Invoke(frame.Seq);
                    return;
                }

                foreach (var connection in _registry.GetUserConnections(ns, userId))
                {
                    if (reply is not null && ReferenceEquals(connection, reply.Connection) && reply.TryClaimReply())
                    {
                        connection.TrySend(reply.Cid is null ? frame.Frame : EventFrames.Serialize(ev, reply.Cid, frame.Seq));
                    }
                    else
                    {
                        connection.TrySend(frame.Frame);
                    }
                }

                onDelivered?.Invoke(frame.Seq);
            }, CancellationToken.None);
        }

        return SeqOf(stored);
    }

    private static async Task<long> SeqOf(ValueTask<StoredFrame> stored) => (await stored.ConfigureAwait(false)).Seq;

    public async ValueTask<bool> StreamExistsAsync(string ns, string userId, CancellationToken cancellationToken = default)
        => await _store.GetStreamAsync(ns, userId, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Opens the user's stream for a new connection: decides the replay start (since/epoch or acked_seq), queues
    /// CONNECT (built by <paramref name="buildConnect"/>), advances acked_seq for a valid since, replays the retained
    /// events after the start and registers the connection.
    /// </summary>
    /// <remarks>
    /// The replay is paged so that it never exceeds the connection's send queue bound (SB-LIM-004): each page holds at
    /// most half of <c>SendQueueMaxBytes</c>/<c>SendQueueMaxFrames</c> and is queued only when the writer has drained
    /// the queue to at most that half. A backlog that fits in one page is queued and the connection registered under
    /// the stream lock in one go. A larger backlog is paged outside the lock (appends to the stream continue meanwhile);
    /// the connection is registered only when the replay has caught up: under the stream lock, after the store's
    /// barrier (every earlier append committed and pushed), the last page is read and queued and the connection
    /// registered, so the durable events appended during the replay are read from the store (not pushed) and the
    /// client sees seq strictly increasing with no gap or duplicate (SB-DLV-006), followed by live delivery.
    /// CONNECT's <c>missed</c> is the number of retained events up to CONNECT's <c>seq</c> that the replay sends.
    /// </remarks>
    public async ValueTask<(ConnectionChange Change, int Missed)> OpenStreamAsync(
        SwitchboardConnection connection,
        long? since,
        string? epoch,
        Func<StreamInfo, bool, int, byte[]> buildConnect,
        CancellationToken cancellationToken)
    {
        if (_fanout is null)
        {
            return await OpenStreamCoreAsync(connection, since, epoch, buildConnect, cancellationToken).ConfigureAwait(false);
        }

        // Cluster mode: the fanout hears the stream's live events before the replay reads it, and takes the connection
        // over once it is registered (catching up on whatever was committed between the last read and registration).
        await _fanout.OpeningAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            return await OpenStreamCoreAsync(connection, since, epoch, buildConnect, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _fanout.Closed(connection);
            throw;
        }
    }

    private async ValueTask<ConnectionChange> RegisterAsync(SwitchboardConnection connection, ReplayCursor cursor, CancellationToken cancellationToken)
    {
        var change = _registry.Add(connection);
        if (_fanout is not null)
        {
            await _fanout.OpenedAsync(connection, cursor.LastRead, cancellationToken).ConfigureAwait(false);
        }

        return change;
    }

    private async ValueTask<(ConnectionChange Change, int Missed)> OpenStreamCoreAsync(
        SwitchboardConnection connection,
        long? since,
        string? epoch,
        Func<StreamInfo, bool, int, byte[]> buildConnect,
        CancellationToken cancellationToken)
    {
        var ns = connection.Namespace;
        var userId = connection.User.Id;
        var cursor = new ReplayCursor(ns, userId, _pageFrames, _pageBytes);
        int missed;
        using (await _locks.AcquireAsync(ns, userId, cancellationToken).ConfigureAwait(false))
        {
            var info = await _store.EnsureStreamAsync(ns, userId, cancellationToken).ConfigureAwait(false);
            long from;
            bool recovered;
            var validSince = since is { } s && s >= 0 && s <= info.LastSeq && string.Equals(epoch, info.Epoch, StringComparison.Ordinal);
            if (validSince)
            {
                from = since!.Value;
                recovered = from >= info.PrunedThrough;
            }
            else
            {
                from = info.AckedSeq;
                recovered = since is null && from >= info.PrunedThrough;
            }

            // Retention removes a prefix: the retained events are exactly (PrunedThrough, LastSeq].
            missed = (int)Math.Clamp(info.LastSeq - Math.Max(from, info.PrunedThrough), 0, int.MaxValue);
            connection.SendForced(buildConnect(info, recovered, missed));
            if (validSince && since!.Value > info.AckedSeq)
            {
                await _store.AcknowledgeAsync(ns, userId, since.Value, cancellationToken).ConfigureAwait(false);
            }

            cursor.LastRead = from;
            cursor.AtEnd = info.LastSeq <= from;
            if (await QueuePageAsync(connection, cursor, cancellationToken).ConfigureAwait(false))
            {
                return (await RegisterAsync(connection, cursor, cancellationToken).ConfigureAwait(false), missed);
            }
        }

        // Larger than one page: let the writer drain, page by page, without holding the stream lock.
        var stallLimit = TimeSpan.FromMilliseconds(_stallTimeoutMs);
        while (true)
        {
            bool drained;
            try
            {
                await connection.WaitForQueueRoomAsync(_pageBytes, _pageFrames, cancellationToken)
                    .WaitAsync(stallLimit, _time, cancellationToken).ConfigureAwait(false);
                drained = true;
            }
            catch (TimeoutException)
            {
                // The client stopped reading its replay: it is a slow consumer (SB-LIM-004); the events stay stored
                // for a resume with since.
                connection.StartClose(CloseCode.SlowConsumer, CloseReasons.SlowConsumer, discardQueued: true);
                drained = false;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                drained = false; // the writer stopped: the transport failed or the connection is closing
            }

            if (!drained)
            {
                // Hand the (closing or failed) connection to the normal lifecycle, which ends it and unregisters it.
                // It receives nothing more: a closing connection queues nothing and a failed one is aborted.
                return (await RegisterAsync(connection, cursor, cancellationToken).ConfigureAwait(false), missed);
            }

            if (!cursor.CaughtUp)
            {
                await QueuePageAsync(connection, cursor, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (await _locks.AcquireAsync(ns, userId, cancellationToken).ConfigureAwait(false))
            {
                // Barrier: every append queued before the lock is committed and its push ran (and skipped this
                // unregistered connection); appends queued after it will find the connection registered.
                await _store.EnsureStreamAsync(ns, userId, cancellationToken).ConfigureAwait(false);
                cursor.AtEnd = false;
                if (await QueuePageAsync(connection, cursor, cancellationToken).ConfigureAwait(false))
                {
                    return (await RegisterAsync(connection, cursor, cancellationToken).ConfigureAwait(false), missed);
                }
            }
        }
    }

    /// <summary>
    /// Queues the next page (reading from the store when nothing read is pending); returns true when the replay has
    /// caught up with what the store held at the last read.
    /// </summary>
    private async ValueTask<bool> QueuePageAsync(SwitchboardConnection connection, ReplayCursor cursor, CancellationToken cancellationToken)
    {
        if (cursor.Pending.Count == 0 && !cursor.AtEnd)
        {
            var frames = await _store.ReadAsync(cursor.Namespace, cursor.UserId, cursor.LastRead, cursor.PageFrames, cancellationToken).ConfigureAwait(false);
            foreach (var frame in frames)
            {
                cursor.Pending.Enqueue(frame);
            }

            if (frames.Count > 0)
            {
                cursor.LastRead = frames[^1].Seq;
            }

            cursor.AtEnd = frames.Count < cursor.PageFrames;
        }

        long bytes = 0;
        var count = 0;
        while (count < cursor.PageFrames && cursor.Pending.TryPeek(out var next) && (count == 0 || bytes + next.Frame.Length <= cursor.PageBytes))
        {
            cursor.Pending.Dequeue();
            connection.SendForced(next.Frame);
            bytes += next.Frame.Length;
            count++;
        }

        return cursor.CaughtUp;
    }

    /// <summary>Position of one connection's paged replay.</summary>
    private sealed class ReplayCursor(string ns, string userId, int pageFrames, long pageBytes)
    {
        public string Namespace { get; } = ns;

        public string UserId { get; } = userId;

        public int PageFrames { get; } = pageFrames;

        public long PageBytes { get; } = pageBytes;

        /// <summary>The highest seq read from the store.</summary>
        public long LastRead { get; set; }

        /// <summary>The last read returned less than a page (nothing more was stored then).</summary>
        public bool AtEnd { get; set; }

        /// <summary>Read but not yet queued.</summary>
        public Queue<StoredFrame> Pending { get; } = new();

        public bool CaughtUp => AtEnd && Pending.Count == 0;
    }

    /// <summary>RECEIVED: moves acked_seq. Returns false if <paramref name="seq"/> is beyond the stream's last seq.</summary>
    public async ValueTask<bool> AcknowledgeAsync(string ns, string userId, long seq, CancellationToken cancellationToken)
    {
        var info = await _store.GetStreamAsync(ns, userId, cancellationToken).ConfigureAwait(false);
        if (info is null || seq > info.LastSeq)
        {
            return false;
        }

        await _store.AcknowledgeAsync(ns, userId, seq, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

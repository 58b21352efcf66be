using Switchboard.Protocol;
using Switchboard.ReferenceServer.Connections;
using Switchboard.ReferenceServer.Storage;

namespace Switchboard.ReferenceServer.Messaging;

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
    private readonly int _replayLimit;

    public DurableDelivery(IMessageStore store, ConnectionRegistry registry, Microsoft.Extensions.Options.IOptions<Options.SwitchboardOptions> options)
    {
        _store = store;
        _registry = registry;
        _replayLimit = options.Value.History.MaxPerStream;
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
    /// CONNECT (built by <paramref name="buildConnect"/>) and the replayed frames, advances acked_seq for a valid since,
    /// and registers the connection — all under the stream lock.
    /// </summary>
    public async ValueTask<(ConnectionChange Change, int Missed)> OpenStreamAsync(
        SwitchboardConnection connection,
        long? since,
        string? epoch,
        Func<StreamInfo, bool, int, byte[]> buildConnect,
        CancellationToken cancellationToken)
    {
        var ns = connection.Namespace;
        var userId = connection.User.Id;
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

            var frames = info.LastSeq > from
                ? await _store.ReadAsync(ns, userId, from, _replayLimit, cancellationToken).ConfigureAwait(false)
                : [];
            connection.SendForced(buildConnect(info, recovered, frames.Count));
            foreach (var frame in frames)
            {
                connection.SendForced(frame.Frame);
            }

            if (validSince && since!.Value > info.AckedSeq)
            {
                await _store.AcknowledgeAsync(ns, userId, since.Value, cancellationToken).ConfigureAwait(false);
            }

            return (_registry.Add(connection), frames.Count);
        }
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

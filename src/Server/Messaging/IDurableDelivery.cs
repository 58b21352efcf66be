using Switchboard.Protocol;

namespace Switchboard.Server.Messaging;

/// <summary>
/// The per-recipient durable streams (contract "Delivery"): each (namespace, user) has a stream with an epoch and a
/// monotonically increasing <c>seq</c>. Appended events are stored (committed to SQLite) before the call returns, and
/// pushed to the user's open connections in that namespace in seq order; they are replayed on resume/offline connect.
/// </summary>
public interface IDurableDelivery
{
    /// <summary>
    /// Stores <paramref name="ev"/> as the next event of the user's stream and pushes it to the user's connections in
    /// <paramref name="ns"/>. Creates the stream if needed. Returns the assigned seq.
    /// </summary>
    ValueTask<long> AppendAsync(string ns, string userId, IServerEvent ev, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="AppendAsync(string, string, IServerEvent, CancellationToken)"/>, but when
    /// <paramref name="reply"/> is given and its connection is one of the recipient's, that connection gets the event
    /// with the command's cid (it IS the command's success reply — e.g. CONVERSATION for REQUEST_SERVICE/GRAB) and the
    /// context is marked replied; the other connections get it without cid. When the reply connection is not one of
    /// the recipient's, nothing special happens (reply separately).
    /// </summary>
    ValueTask<long> AppendAsync(string ns, string userId, IServerEvent ev, CommandContext? reply, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pipelined append: returns as soon as the event is queued in the user's stream (its seq order is fixed); the
    /// inner task completes with the seq after the event was committed (fsynced) and pushed to the user's connections.
    /// <paramref name="onDelivered"/> runs right after that push, on the commit path, in seq order (use it to send the
    /// sender's acknowledgement without waiting for a thread-pool hop; keep it non-blocking).
    /// </summary>
    ValueTask<Task<long>> BeginAppendAsync(string ns, string userId, IServerEvent ev, Action<long>? onDelivered, CancellationToken cancellationToken = default);

    /// <summary>Whether a stream exists for the user (the user connected at least once or was sent a durable event).</summary>
    ValueTask<bool> StreamExistsAsync(string ns, string userId, CancellationToken cancellationToken = default);
}

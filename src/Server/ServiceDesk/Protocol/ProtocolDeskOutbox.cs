using System.Collections.Concurrent;
using Switchboard.Protocol;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.ServiceDesk.Protocol;

/// <summary>
/// Delivers the desk's notifications as protocol events: durable ones (CONVERSATION, NEW_MESSAGE[_USER], WOMSG)
/// through <see cref="IDurableDelivery"/> (stored, pushed in seq order, replayed on resume; the reply copy carries
/// the command's cid), live ones (QIANGDAN, RTRANSFER, TRANSFER, TRANSFER_ERROR, REFUSE_TRANSFER, DAY_ACCESS,
/// TIMER) serialized once and fanned out through <see cref="IMessageRouter"/> (this node's connections, or every node's
/// with a cluster router). DAY_ACCESS carries each agent's own count, so it is built per local connection.
/// </summary>
internal sealed class ProtocolDeskOutbox(IConnectionRegistry registry, IDurableDelivery delivery, IMessageRouter router) : IDeskOutbox
{
    private readonly ConcurrentDictionary<string, IConnection> _reminderConnections = new(StringComparer.Ordinal);

    /// <summary>Remembers the connection a reminder fires to (SET_TIMER).</summary>
    public void TrackReminderConnection(IConnection connection) => _reminderConnections.TryAdd(connection.ClientId, connection);

    /// <summary>Forgets a closed connection.</summary>
    public void Forget(string connectionId) => _reminderConnections.TryRemove(connectionId, out _);

    /// <inheritdoc />
    public ValueTask QueueChangedAsync(DeskConversation conversation, QueueChange change, DateTimeOffset at, CancellationToken cancellationToken)
    {
        router.SendToRole(Roles.Agent, EventFrames.Serialize(DeskWire.Qiangdan(conversation, change, at)));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask ConversationChangedAsync(DeskParty recipient, DeskConversation conversation, object? replyContext, CancellationToken cancellationToken) =>
        await delivery.AppendAsync(recipient.Namespace, recipient.User.Id, DeskWire.Conversation(conversation), replyContext as CommandContext, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask MessageAsync(DeskParty recipient, DeskMessage message, bool isOpenConversation, CancellationToken cancellationToken) =>
        await delivery.AppendAsync(recipient.Namespace, recipient.User.Id, DeskWire.Message(message, isOpenConversation), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask TransferRequestedAsync(DeskTransfer transfer, CancellationToken cancellationToken)
    {
        SendToUser(transfer.To.Id, DeskWire.Rtransfer(transfer), agentsOnly: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferAcceptedAsync(DeskTransfer transfer, DeskParty acceptedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        SendToUser(transfer.From.User.Id, DeskWire.Transfer(transfer, acceptedBy.User, accepted: true, at), agentsOnly: false);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferRefusedAsync(DeskTransfer transfer, string? reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        SendToUser(transfer.From.User.Id, DeskWire.Refused(transfer, reason, at), agentsOnly: false);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferFailedAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken)
    {
        var ev = DeskWire.TransferError(code, message, transfer.Id, transfer.ConversationId);
        SendToUser(transfer.From.User.Id, ev, agentsOnly: false);
        if (notifyTarget)
        {
            SendToUser(transfer.To.Id, ev, agentsOnly: false);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DayAccessChangedAsync(string day, IReadOnlyList<DayAccessLine> counts, CancellationToken cancellationToken)
    {
        long total = 0;
        var byAgent = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in counts)
        {
            total += line.Count;
            byAgent[line.Agent.Id] = line.Count;
        }

        var frames = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var connection in registry.GetConnectionsByRole(Roles.Agent))
        {
            var id = connection.User.Id;
            if (!frames.TryGetValue(id, out var frame))
            {
                frame = EventFrames.Serialize(DeskWire.DayAccess(day, byAgent.GetValueOrDefault(id), total));
                frames[id] = frame;
            }

            connection.TrySend(frame);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask ConversationTimerAsync(DeskParty recipient, DeskTimer timer, CancellationToken cancellationToken)
    {
        router.SendToUser(recipient.Namespace, recipient.User.Id, EventFrames.Serialize(DeskWire.Timer(timer)));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask WorkOrderChangedAsync(DeskParty recipient, DeskWorkOrder order, object? replyContext, CancellationToken cancellationToken) =>
        await delivery.AppendAsync(recipient.Namespace, recipient.User.Id, DeskWire.Womsg(order), replyContext as CommandContext, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask ReminderFiredAsync(string connectionId, DeskTimer timer, CancellationToken cancellationToken)
    {
        if (_reminderConnections.TryGetValue(connectionId, out var connection) && !connection.Closed.IsCancellationRequested)
        {
            await connection.SendAsync(DeskWire.Timer(timer), null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every connection of the user in both namespaces, on every node (through the router). RTRANSFER is meant
    /// for the target's agent connections; a user id holds one role, so the role filter of the single-node version is
    /// not needed on the router (a user holding an agent and a non-agent token at once would get it on both).</summary>
    private void SendToUser(string userId, IServerEvent ev, bool agentsOnly)
    {
        _ = agentsOnly;
        var frame = EventFrames.Serialize(ev);
        foreach (var ns in Namespaces.All)
        {
            router.SendToUser(ns, userId, frame);
        }
    }
}

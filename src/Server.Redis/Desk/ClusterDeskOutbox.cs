using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Server.ServiceDesk.Domain;
using Switchboard.Server.ServiceDesk.Protocol;

namespace Switchboard.Server.Redis.Desk;

/// <summary>
/// DAY_ACCESS across nodes (SB-CS-026). Each agent's announcement carries its own count, so it cannot be one broadcast
/// frame: the node that recorded the change tells its own agents (the protocol outbox) and publishes "day D changed"
/// on the sharded channel <c>{desk}:signals</c>; every other node reads D's counts from the shared store and tells its
/// agents. Live only, as the single-node announcement is: an agent who misses one reads the counts with GET_DAY_ACCESS
/// or gets them again on its next connect (SB-CS-027).
/// </summary>
internal sealed partial class ClusterDeskOutbox(
    ProtocolDeskOutbox local,
    IDeskStateStore store,
    IConnectionMultiplexer redis,
    RedisNode node,
    ILogger<ClusterDeskOutbox> logger) : IDeskOutbox
{
    /// <summary>Subscribes to the other nodes' signals (at startup, before this node serves connections).</summary>
    public async Task StartAsync() =>
        await redis.GetSubscriber().SubscribeAsync(node.Keys.DeskSignals, OnSignal).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DayAccessChangedAsync(string day, IReadOnlyList<DayAccessLine> counts, CancellationToken cancellationToken)
    {
        await local.DayAccessChangedAsync(day, counts, cancellationToken).ConfigureAwait(false);
        try
        {
            await redis.GetSubscriber().PublishAsync(node.Keys.DeskSignals, $"day-access|{node.Id}|{day}").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogSignalFailed(logger, day, ex);
        }
    }

    // Runs on the multiplexer's subscription thread: hand the store read off to the thread pool.
    private void OnSignal(RedisChannel channel, RedisValue value) => _ = Task.Run(() => OnSignalAsync((string?)value));

    private async Task OnSignalAsync(string? signal)
    {
        var parts = signal?.Split('|');
        if (parts is not ["day-access", var origin, var day] || origin == node.Id)
        {
            return;
        }

        try
        {
            var counts = await store.ListDayAccessAsync(day, CancellationToken.None).ConfigureAwait(false);
            await local.DayAccessChangedAsync(day, counts, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogSignalFailed(logger, day, ex);
        }
    }

    // Everything else is already cluster-wide in the protocol outbox (durable appends and the cluster router).

    /// <inheritdoc />
    public ValueTask QueueChangedAsync(DeskConversation conversation, QueueChange change, DateTimeOffset at, CancellationToken cancellationToken) =>
        local.QueueChangedAsync(conversation, change, at, cancellationToken);

    /// <inheritdoc />
    public ValueTask ConversationChangedAsync(DeskParty recipient, DeskConversation conversation, object? replyContext, CancellationToken cancellationToken) =>
        local.ConversationChangedAsync(recipient, conversation, replyContext, cancellationToken);

    /// <inheritdoc />
    public ValueTask MessageAsync(DeskParty recipient, DeskMessage message, bool isOpenConversation, CancellationToken cancellationToken) =>
        local.MessageAsync(recipient, message, isOpenConversation, cancellationToken);

    /// <inheritdoc />
    public ValueTask TransferRequestedAsync(DeskTransfer transfer, CancellationToken cancellationToken) =>
        local.TransferRequestedAsync(transfer, cancellationToken);

    /// <inheritdoc />
    public ValueTask TransferAcceptedAsync(DeskTransfer transfer, DeskParty acceptedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        local.TransferAcceptedAsync(transfer, acceptedBy, at, cancellationToken);

    /// <inheritdoc />
    public ValueTask TransferRefusedAsync(DeskTransfer transfer, string? reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        local.TransferRefusedAsync(transfer, reason, at, cancellationToken);

    /// <inheritdoc />
    public ValueTask TransferFailedAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken) =>
        local.TransferFailedAsync(transfer, code, message, notifyTarget, cancellationToken);

    /// <inheritdoc />
    public ValueTask ConversationTimerAsync(DeskParty recipient, DeskTimer timer, CancellationToken cancellationToken) =>
        local.ConversationTimerAsync(recipient, timer, cancellationToken);

    /// <inheritdoc />
    public ValueTask WorkOrderChangedAsync(DeskParty recipient, DeskWorkOrder order, object? replyContext, CancellationToken cancellationToken) =>
        local.WorkOrderChangedAsync(recipient, order, replyContext, cancellationToken);

    /// <inheritdoc />
    public ValueTask ReminderFiredAsync(string connectionId, DeskTimer timer, CancellationToken cancellationToken) =>
        local.ReminderFiredAsync(connectionId, timer, cancellationToken);

    [LoggerMessage(EventId = 7040, Level = LogLevel.Warning, Message = "DAY_ACCESS of {Day} could not be signalled to or read for the other nodes; their agents see it on GET_DAY_ACCESS or their next connect.")]
    private static partial void LogSignalFailed(ILogger logger, string day, Exception exception);
}

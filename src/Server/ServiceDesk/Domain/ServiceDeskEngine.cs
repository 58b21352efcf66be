using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Persistence;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// The rules of the customer-service desk: visitor queue, grab race, conversations, agent's open
/// conversation, transfers, idle handling, day-access counts, work orders and reminder timers.
/// <para>
/// Every state change runs under one asynchronous lock and is committed to SQLite with a compare-and-set
/// update before anybody is told, so exactly one GRAB wins and every recipient sees the same order of
/// events. Replies go out through the <c>reply</c> callbacks while the lock is held (the caller's reply
/// precedes the notifications its change causes). Protocol-free: notifications go to <see cref="IDeskOutbox"/>.
/// </para>
/// </summary>
internal sealed partial class ServiceDeskEngine : IDisposable
{
    private const int ListLimit = 1000;

    /// <summary>Messages appended to a new owner's stream (SB-CS-011: the most recent 100 at most).</summary>
    public const int HistoryLimit = 100;

    /// <summary>Pending reminders allowed per connection (SB-TIMER-006).</summary>
    public const int MaxRemindersPerConnection = 100;

    private readonly ServiceDeskStore _store;
    private readonly IDeskOutbox _outbox;
    private readonly IDeskPresence _presence;
    private readonly ServiceDeskOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServiceDeskMetrics? _metrics;
    private readonly DeskScheduler _scheduler;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<(string AgentId, string Namespace), string> _openConversations = new();
    private readonly ConcurrentDictionary<string, IdleState> _idle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _reminders = new(StringComparer.Ordinal);
    private int _initialized;

    /// <summary>Creates the engine.</summary>
    public ServiceDeskEngine(
        ServiceDeskStore store,
        IDeskOutbox outbox,
        IDeskPresence presence,
        IOptions<ServiceDeskOptions> options,
        TimeProvider time,
        ILogger<ServiceDeskEngine> logger,
        ServiceDeskMetrics? metrics = null)
    {
        _store = store;
        _outbox = outbox;
        _presence = presence;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _scheduler = new DeskScheduler(time, (key, ex) => LogTimerFailed(_logger, key, ex));
    }

    /// <summary>The engine's timers (exposed for tests and diagnostics).</summary>
    internal DeskScheduler Scheduler => _scheduler;

    /// <summary>The server's current UTC day, <c>yyyy-MM-dd</c>.</summary>
    public string Today() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Re-arms the timers of persisted state (pending transfers, idle
    /// conversations, waiting conversations of offline visitors). Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            foreach (var transfer in await _store.ListPendingTransfersAsync(null, cancellationToken).ConfigureAwait(false))
            {
                ScheduleTransferExpiry(transfer);
            }

            foreach (var conversation in await _store.ListConversationsAsync(DeskConversationState.Active, int.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                StartIdle(conversation.Id, conversation.LastActivityAt);
            }

            foreach (var conversation in await _store.ListConversationsAsync(DeskConversationState.Waiting, int.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                if (_presence.FindOnline(conversation.Visitor.User.Id).Count == 0)
                {
                    ScheduleGrace(conversation.Visitor.User.Id, now);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // ================================================================ queue and grab

    /// <summary>
    /// REQUEST_SERVICE (SB-CS-002..005): the visitor enters the queue. CONVERSATION waiting goes to the visitor's
    /// stream (the reply, through <paramref name="replyContext"/>), then the first message as NEW_MESSAGE, then
    /// QIANGDAN waiting to every agent. 4008 when the visitor already has a waiting or active conversation.
    /// </summary>
    public async Task<DeskConversation> RequestServiceAsync(
        DeskActor visitor, string? topic, string? firstMessage, object? replyContext, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await _store.FindOpenConversationOfVisitorAsync(visitor.User.Id, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                throw new DeskException(DeskErrorCode.AlreadyInService, $"Visitor already has a {ServiceDeskStore.StateName(existing.State)} conversation ({existing.Id}).")
                {
                    ConversationId = existing.Id,
                };
            }

            var now = _time.GetUtcNow();
            var conversation = new DeskConversation
            {
                Id = MessageIds.New(_time),
                State = DeskConversationState.Waiting,
                Visitor = visitor.Party,
                Topic = string.IsNullOrEmpty(topic) ? null : topic,
                QueuedAt = now,
                LastActivityAt = now,
            };
            if (!await _store.TryInsertConversationAsync(conversation, cancellationToken).ConfigureAwait(false))
            {
                throw new DeskException(DeskErrorCode.AlreadyInService, "Visitor already has an open conversation.");
            }

            DeskMessage? first = null;
            if (!string.IsNullOrEmpty(firstMessage))
            {
                first = new DeskMessage(MessageIds.New(_time), conversation.Id, visitor.User, firstMessage, now);
                await _store.InsertMessageAsync(first, cancellationToken).ConfigureAwait(false);
            }

            _scheduler.Cancel(GraceKey(visitor.User.Id));
            var stored = await GetRequiredAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
            LogQueued(_logger, stored.Id, visitor.User.Id, stored.Position ?? 0);
            _metrics?.Queued();
            await _outbox.ConversationChangedAsync(stored.Visitor, stored, replyContext, cancellationToken).ConfigureAwait(false);
            if (first is not null)
            {
                await _outbox.MessageAsync(stored.Visitor, first, isOpenConversation: true, cancellationToken).ConfigureAwait(false);
            }

            await _outbox.QueueChangedAsync(stored, QueueChange.Waiting, now, cancellationToken).ConfigureAwait(false);
            return stored;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// GRAB (SB-CS-007..011): claims a waiting conversation. Exactly one claimant wins (compare-and-set on
    /// <c>state = 'waiting'</c> under the desk lock); every other one gets 4002. Unknown id: 4001. The winner's
    /// stream gets CONVERSATION active (the reply) and the history; then the visitor's CONVERSATION, QIANGDAN
    /// taken to every agent, and DAY_ACCESS when the count changed.
    /// </summary>
    public async Task<DeskConversation> GrabAsync(
        DeskActor agent, string conversationId, object? replyContext, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                ?? throw NotFound(conversationId);
            var now = _time.GetUtcNow();
            if (conversation.State != DeskConversationState.Waiting
                || !await _store.TryActivateAsync(conversationId, agent.Party, now, cancellationToken).ConfigureAwait(false))
            {
                _metrics?.GrabLost();
                LogGrabLost(_logger, conversationId, agent.User.Id);
                throw new DeskException(DeskErrorCode.GrabLost, conversation.State == DeskConversationState.Closed
                    ? $"Conversation {conversationId} is closed."
                    : $"Conversation {conversationId} was taken by another agent.")
                {
                    ConversationId = conversationId,
                };
            }

            var active = await GetRequiredAsync(conversationId, cancellationToken).ConfigureAwait(false);
            StartIdle(conversationId, now);
            // Counted before the reply, so a stats read issued after the reply sees it; announced after the others.
            var dayAccessChanged = await RecordDayAccessAsync(agent.User, active.Visitor.User.Id, now, cancellationToken).ConfigureAwait(false);
            _metrics?.GrabWon(now - conversation.QueuedAt);
            LogGrabbed(_logger, conversationId, agent.User.Id);

            await _outbox.ConversationChangedAsync(agent.Party, active, replyContext, cancellationToken).ConfigureAwait(false);
            await AppendHistoryAsync(agent.Party, conversationId, cancellationToken).ConfigureAwait(false);
            await _outbox.ConversationChangedAsync(active.Visitor, active, null, cancellationToken).ConfigureAwait(false);
            await _outbox.QueueChangedAsync(active, QueueChange.Taken, now, cancellationToken).ConfigureAwait(false);
            await AnnounceDayAccessAsync(dayAccessChanged, cancellationToken).ConfigureAwait(false);
            return active;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The waiting conversations in queue order (for a connecting agent's snapshot).</summary>
    public Task<IReadOnlyList<DeskConversation>> ListWaitingAsync(CancellationToken cancellationToken = default) =>
        _store.ListConversationsAsync(DeskConversationState.Waiting, ListLimit, cancellationToken);

    /// <summary>SB-CS-011: the conversation's most recent messages, in order, to a new owner's stream.</summary>
    private async Task AppendHistoryAsync(DeskParty owner, string conversationId, CancellationToken cancellationToken)
    {
        var open = IsOpen(owner, conversationId);
        foreach (var message in await _store.ListMessagesAsync(conversationId, HistoryLimit, cancellationToken).ConfigureAwait(false))
        {
            await _outbox.MessageAsync(owner, message, open, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SB-CS-025: counts the visitor once per agent and UTC day; returns the day when the count changed.</summary>
    private async Task<string?> RecordDayAccessAsync(DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = Today();
        return await _store.TryAddDayAccessAsync(day, agent, visitorId, now, cancellationToken).ConfigureAwait(false) ? day : null;
    }

    /// <summary>SB-CS-026: after a change every agent hears the day's counts.</summary>
    private async Task AnnounceDayAccessAsync(string? changedDay, CancellationToken cancellationToken)
    {
        if (changedDay is not null)
        {
            var counts = await _store.ListDayAccessAsync(changedDay, cancellationToken).ConfigureAwait(false);
            await _outbox.DayAccessChangedAsync(changedDay, counts, cancellationToken).ConfigureAwait(false);
        }
    }

    // ================================================================ conversations

    /// <summary>OPEN_CONVERSATION (SB-CS-014/015): sets (or clears, with null) the agent's open conversation in
    /// its namespace; the last call from any of the agent's connections wins. 4001 unknown, 4003 not the owner,
    /// 4009 closed.</summary>
    public async Task OpenConversationAsync(
        DeskActor agent, string? conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = (agent.User.Id, agent.Namespace);
            if (string.IsNullOrEmpty(conversationId))
            {
                _openConversations.TryRemove(key, out _);
            }
            else
            {
                var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(conversationId);
                if (conversation.Agent?.User.Id != agent.User.Id)
                {
                    throw NotParticipant(conversationId);
                }

                if (conversation.State == DeskConversationState.Closed)
                {
                    throw Closed(conversationId);
                }

                _openConversations[key] = conversationId;
            }

            if (reply is not null)
            {
                await reply().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The agent's open conversation in <paramref name="ns"/>, if any.</summary>
    public string? GetOpenConversation(string agentId, string ns) =>
        _openConversations.TryGetValue((agentId, ns), out var id) ? id : null;

    /// <summary>
    /// SEND_MESSAGE (SB-CS-016..019): stores the message and appends it to the visitor's stream (NEW_MESSAGE)
    /// and, when there is an owner, to the owner's stream (NEW_MESSAGE or NEW_MESSAGE_USER, decided now), the
    /// sender's own stream included, before returning, so the caller acknowledges only stored messages.
    /// 4001 unknown, 4003 not a participant, 4009 closed.
    /// </summary>
    public async Task<DeskMessage> SendMessageAsync(DeskActor sender, string conversationId, string data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conversation = await GetParticipantConversationAsync(sender, conversationId, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var message = new DeskMessage(MessageIds.New(_time), conversationId, sender.User, data, now);
            await _store.InsertMessageAsync(message, cancellationToken).ConfigureAwait(false);
            await _store.TouchAsync(conversationId, now, cancellationToken).ConfigureAwait(false);
            if (_idle.TryGetValue(conversationId, out var idle))
            {
                idle.LastActivity = now;
                idle.Warned = false;
            }

            await _outbox.MessageAsync(conversation.Visitor, message, isOpenConversation: true, cancellationToken).ConfigureAwait(false);
            if (conversation.Agent is { } owner)
            {
                await _outbox.MessageAsync(owner, message, IsOpen(owner, conversationId), cancellationToken).ConfigureAwait(false);
            }

            _metrics?.Message();
            return message;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>CLOSE_CONVERSATION (SB-CS-020..022) by the visitor or the owner. Errors in order 4001, 4003, 4009.</summary>
    public async Task<DeskConversation> CloseConversationAsync(
        DeskActor actor, string conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conversation = await GetParticipantConversationAsync(actor, conversationId, cancellationToken).ConfigureAwait(false);
            var reason = conversation.Visitor.User.Id == actor.User.Id ? DeskCloseReasons.Visitor : DeskCloseReasons.Agent;
            return await CloseLockedAsync(conversation, reason, reply, cancellationToken).ConfigureAwait(false) ?? conversation;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes a conversation on behalf of the backend (SB-CS-032, reason <c>backend</c>); 4001/4009.</summary>
    public async Task<DeskConversation> CloseByBackendAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                ?? throw NotFound(conversationId);
            if (conversation.State == DeskConversationState.Closed)
            {
                throw Closed(conversationId);
            }

            return await CloseLockedAsync(conversation, DeskCloseReasons.Backend, null, cancellationToken).ConfigureAwait(false) ?? conversation;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads a conversation (null when unknown).</summary>
    public Task<DeskConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _store.GetConversationAsync(conversationId, cancellationToken);

    /// <summary>Lists conversations in queue order (all states when <paramref name="state"/> is null).</summary>
    public Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken = default) =>
        _store.ListConversationsAsync(state, Math.Clamp(limit, 1, ListLimit), cancellationToken);

    /// <summary>The most recent messages of a conversation, oldest first.</summary>
    public Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit = HistoryLimit, CancellationToken cancellationToken = default) =>
        _store.ListMessagesAsync(conversationId, Math.Clamp(limit, 1, ListLimit), cancellationToken);

    private async Task<DeskConversation?> CloseLockedAsync(
        DeskConversation conversation, string reason, Func<ValueTask>? reply, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!await _store.TryCloseAsync(conversation.Id, reason, now, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var closed = await GetRequiredAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
        StopIdle(conversation.Id);
        if (conversation.Agent is { } owner)
        {
            ClearOpen(owner, conversation.Id);
        }

        _scheduler.Cancel(GraceKey(conversation.Visitor.User.Id));
        LogClosed(_logger, conversation.Id, reason);
        _metrics?.Closed(reason);
        if (reply is not null)
        {
            await reply().ConfigureAwait(false);
        }

        if (conversation.State == DeskConversationState.Waiting)
        {
            await _outbox.QueueChangedAsync(closed, QueueChange.Withdrawn, now, cancellationToken).ConfigureAwait(false);
        }

        await _outbox.ConversationChangedAsync(closed.Visitor, closed, null, cancellationToken).ConfigureAwait(false);
        if (closed.Agent is { } agent)
        {
            await _outbox.ConversationChangedAsync(agent, closed, null, cancellationToken).ConfigureAwait(false);
        }

        // SB-XFER-009: a pending transfer fails with the conversation.
        foreach (var pending in await _store.ListPendingTransfersAsync(conversation.Id, cancellationToken).ConfigureAwait(false))
        {
            await FailTransferLockedAsync(pending, DeskErrorCode.ConversationClosed, "The conversation was closed.", notifyTarget: true, cancellationToken).ConfigureAwait(false);
        }

        return closed;
    }

    private async Task<DeskConversation> GetParticipantConversationAsync(DeskActor actor, string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(conversationId);
        if (!conversation.IsParticipant(actor.User.Id))
        {
            throw NotParticipant(conversationId);
        }

        if (conversation.State == DeskConversationState.Closed)
        {
            throw Closed(conversationId);
        }

        return conversation;
    }

    private bool IsOpen(DeskParty agent, string conversationId) =>
        _openConversations.TryGetValue((agent.User.Id, agent.Namespace), out var open) && open == conversationId;

    private void ClearOpen(DeskParty agent, string conversationId) =>
        _openConversations.TryRemove(new KeyValuePair<(string, string), string>((agent.User.Id, agent.Namespace), conversationId));

    private async Task<DeskConversation> GetRequiredAsync(string id, CancellationToken cancellationToken) =>
        await _store.GetConversationAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"Conversation {id} vanished.");

    // ================================================================ transfers

    /// <summary>
    /// REQUEST_TRANSFER (SB-XFER-001..004): the owner asks another online agent to take over. Checked in order:
    /// 4001 unknown, 4003 not the owner, 4009 closed, 4010 self, 4012 a transfer is pending, 4004 target offline,
    /// 4005 target has no agent connection. The reply (TRANSFER pending) precedes RTRANSFER to the target.
    /// </summary>
    public async Task<DeskTransfer> RequestTransferAsync(
        DeskActor agent, string conversationId, string toAgentId, string? note, Func<DeskTransfer, ValueTask>? reply, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false)
                ?? throw NotFound(conversationId);
            if (conversation.Agent?.User.Id != agent.User.Id)
            {
                throw NotParticipant(conversationId);
            }

            if (conversation.State == DeskConversationState.Closed)
            {
                throw Closed(conversationId);
            }

            if (string.Equals(toAgentId, agent.User.Id, StringComparison.Ordinal))
            {
                throw new DeskException(DeskErrorCode.TransferToSelf, "A conversation cannot be transferred to its own owner.") { ConversationId = conversationId };
            }

            var pending = await _store.ListPendingTransfersAsync(conversationId, cancellationToken).ConfigureAwait(false);
            if (pending.Count > 0)
            {
                throw new DeskException(DeskErrorCode.TransferAlreadyPending, $"Conversation {conversationId} already has a pending transfer ({pending[0].Id}).")
                {
                    ConversationId = conversationId,
                };
            }

            var online = _presence.FindOnline(toAgentId);
            if (online.Count == 0)
            {
                throw new DeskException(DeskErrorCode.TransferTargetOffline, $"User '{toAgentId}' has no open connection.") { ConversationId = conversationId };
            }

            var target = online.Where(p => p.User.Role == DeskRoles.Agent)
                .OrderBy(p => p.Namespace == agent.Namespace ? 0 : 1)
                .FirstOrDefault()
                ?? throw new DeskException(DeskErrorCode.TransferTargetNotAgent, $"User '{toAgentId}' has no agent connection.") { ConversationId = conversationId };

            var now = _time.GetUtcNow();
            var transfer = new DeskTransfer
            {
                Id = MessageIds.New(_time),
                ConversationId = conversationId,
                From = conversation.Agent,
                To = target.User,
                Visitor = conversation.Visitor.User,
                Note = string.IsNullOrEmpty(note) ? null : note,
                State = DeskTransferState.Pending,
                CreatedAt = now,
                ExpiresAt = now + TimeSpan.FromMilliseconds(_options.TransferTimeoutMs),
            };
            await _store.InsertTransferAsync(transfer, cancellationToken).ConfigureAwait(false);
            ScheduleTransferExpiry(transfer);
            LogTransferRequested(_logger, transfer.Id, conversationId, agent.User.Id, target.User.Id);
            if (reply is not null)
            {
                await reply(transfer).ConfigureAwait(false);
            }

            await _outbox.TransferRequestedAsync(transfer, cancellationToken).ConfigureAwait(false);
            return transfer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// ACCEPT_TRANSFER (SB-XFER-005/006/010) by the target: the conversation moves to the acceptor (owner's
    /// namespace = the accepting connection's). ACK, then CONVERSATION active to the new owner (+ history),
    /// the visitor and the previous owner, TRANSFER accepted to the requester, DAY_ACCESS when counted.
    /// 4006 unknown / not addressed to the caller / no longer pending, 4007 timed out.
    /// </summary>
    public async Task<DeskConversation> AcceptTransferAsync(
        DeskActor agent, string transferId, Func<ValueTask>? reply, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transfer = await GetPendingTransferForTargetAsync(agent, transferId, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var conversation = await _store.GetConversationAsync(transfer.ConversationId, cancellationToken).ConfigureAwait(false);
            if (conversation?.Agent is null
                || conversation.State != DeskConversationState.Active
                || conversation.Agent.User.Id != transfer.From.User.Id
                || !await _store.TryReassignAsync(transfer.ConversationId, transfer.From.User.Id, agent.Party, now, cancellationToken).ConfigureAwait(false))
            {
                // Defensive: closing fails pending transfers, and a pending transfer blocks others.
                await _store.TryResolveTransferAsync(transferId, DeskTransferState.Failed, now, cancellationToken).ConfigureAwait(false);
                _scheduler.Cancel(TransferKey(transferId));
                throw new DeskException(DeskErrorCode.TransferNotFound, "The conversation of this transfer is no longer with the requesting agent.")
                {
                    TransferId = transferId,
                    ConversationId = transfer.ConversationId,
                };
            }

            await _store.TryResolveTransferAsync(transferId, DeskTransferState.Accepted, now, cancellationToken).ConfigureAwait(false);
            _scheduler.Cancel(TransferKey(transferId));
            var previous = conversation.Agent;
            ClearOpen(previous, conversation.Id);
            var moved = await GetRequiredAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
            StartIdle(moved.Id, now);
            LogTransferAccepted(_logger, transferId, moved.Id, agent.User.Id);
            _metrics?.Transfer("accepted");
            var dayAccessChanged = await RecordDayAccessAsync(agent.User, moved.Visitor.User.Id, now, cancellationToken).ConfigureAwait(false);
            if (reply is not null)
            {
                await reply().ConfigureAwait(false);
            }

            await _outbox.ConversationChangedAsync(agent.Party, moved, null, cancellationToken).ConfigureAwait(false);
            await AppendHistoryAsync(agent.Party, moved.Id, cancellationToken).ConfigureAwait(false);
            await _outbox.ConversationChangedAsync(moved.Visitor, moved, null, cancellationToken).ConfigureAwait(false);
            await _outbox.ConversationChangedAsync(previous, moved, null, cancellationToken).ConfigureAwait(false);
            await _outbox.TransferAcceptedAsync(transfer with { State = DeskTransferState.Accepted, ResolvedAt = now }, agent.Party, now, cancellationToken).ConfigureAwait(false);
            await AnnounceDayAccessAsync(dayAccessChanged, cancellationToken).ConfigureAwait(false);
            return moved;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>REFUSE_TRANSFER (SB-XFER-007) by the target: ACK, then REFUSE_TRANSFER to the requester.
    /// Errors as accept: 4006, 4007.</summary>
    public async Task<DeskTransfer> RefuseTransferAsync(
        DeskActor agent, string transferId, string? reason, Func<ValueTask>? reply, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transfer = await GetPendingTransferForTargetAsync(agent, transferId, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await _store.TryResolveTransferAsync(transferId, DeskTransferState.Refused, now, cancellationToken).ConfigureAwait(false);
            _scheduler.Cancel(TransferKey(transferId));
            var refused = transfer with { State = DeskTransferState.Refused, ResolvedAt = now, To = agent.User };
            LogTransferRefused(_logger, transferId, agent.User.Id);
            _metrics?.Transfer("refused");
            if (reply is not null)
            {
                await reply().ConfigureAwait(false);
            }

            await _outbox.TransferRefusedAsync(refused, string.IsNullOrEmpty(reason) ? null : reason, now, cancellationToken).ConfigureAwait(false);
            return refused;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads a transfer (null when unknown).</summary>
    public Task<DeskTransfer?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        _store.GetTransferAsync(transferId, cancellationToken);

    private async Task<DeskTransfer> GetPendingTransferForTargetAsync(DeskActor agent, string transferId, CancellationToken cancellationToken)
    {
        var transfer = await _store.GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
        if (transfer is null || transfer.To.Id != agent.User.Id)
        {
            throw new DeskException(DeskErrorCode.TransferNotFound, $"No transfer '{transferId}' for this agent.") { TransferId = transferId };
        }

        var expired = transfer.State == DeskTransferState.Expired;
        if (!expired && transfer.State == DeskTransferState.Pending && _time.GetUtcNow() >= transfer.ExpiresAt)
        {
            // The clock passed the deadline but the timer has not run yet: expire it now, consistently.
            await ExpireLockedAsync(transfer, cancellationToken).ConfigureAwait(false);
            expired = true;
        }

        if (expired)
        {
            throw new DeskException(DeskErrorCode.TransferTimeout, "The transfer request timed out.")
            {
                TransferId = transferId,
                ConversationId = transfer.ConversationId,
            };
        }

        if (transfer.State != DeskTransferState.Pending)
        {
            throw new DeskException(DeskErrorCode.TransferNotFound, $"The transfer is no longer pending ({transfer.State.ToString().ToLowerInvariant()}).")
            {
                TransferId = transferId,
                ConversationId = transfer.ConversationId,
            };
        }

        return transfer;
    }

    private void ScheduleTransferExpiry(DeskTransfer transfer) =>
        _scheduler.Schedule(TransferKey(transfer.Id), transfer.ExpiresAt, ct => OnTransferTimerAsync(transfer.Id, ct));

    /// <summary>Timer callback: expires the transfer if it is still pending.</summary>
    internal async Task OnTransferTimerAsync(string transferId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transfer = await _store.GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
            if (transfer is { State: DeskTransferState.Pending })
            {
                await ExpireLockedAsync(transfer, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ExpireLockedAsync(DeskTransfer transfer, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (await _store.TryResolveTransferAsync(transfer.Id, DeskTransferState.Expired, now, cancellationToken).ConfigureAwait(false))
        {
            _scheduler.Cancel(TransferKey(transfer.Id));
            LogTransferExpired(_logger, transfer.Id, transfer.ConversationId);
            _metrics?.Transfer("expired");
            await _outbox.TransferFailedAsync(
                transfer with { State = DeskTransferState.Expired, ResolvedAt = now },
                DeskErrorCode.TransferTimeout,
                "The transfer request timed out.",
                notifyTarget: true,
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FailTransferLockedAsync(DeskTransfer transfer, DeskErrorCode code, string message, bool notifyTarget, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (await _store.TryResolveTransferAsync(transfer.Id, DeskTransferState.Failed, now, cancellationToken).ConfigureAwait(false))
        {
            _scheduler.Cancel(TransferKey(transfer.Id));
            _metrics?.Transfer("failed");
            await _outbox.TransferFailedAsync(transfer with { State = DeskTransferState.Failed, ResolvedAt = now }, code, message, notifyTarget, cancellationToken).ConfigureAwait(false);
        }
    }

    // ================================================================ day access

    /// <summary>GET_DAY_ACCESS (SB-CS-024): the caller's count and the total of today (server UTC day).</summary>
    public Task<DayAccessSnapshot> GetDayAccessAsync(string agentId, CancellationToken cancellationToken = default) =>
        _store.GetDayAccessAsync(Today(), agentId, cancellationToken);

    /// <summary>Every agent's count of <paramref name="day"/> (<c>yyyy-MM-dd</c>), sorted by agent id.</summary>
    public Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken = default) =>
        _store.ListDayAccessAsync(day, cancellationToken);

    // ================================================================ work orders

    /// <summary>
    /// CREATE_WORK_ORDER (SB-WO-001..004) or POST /api/v1/work-orders: stores an open work order. With an assignee,
    /// WOMSG goes to the assignee's stream in <paramref name="ns"/>; when the creator is the assignee that durable
    /// copy is the reply (<paramref name="replyContext"/>), otherwise <paramref name="reply"/> runs first.
    /// 4001 when <paramref name="conversationId"/> is unknown.
    /// </summary>
    public async Task<DeskWorkOrder> CreateWorkOrderAsync(
        DeskUser creator, string ns, string title, string body, string? assigneeId, string? conversationId,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creator);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!string.IsNullOrEmpty(conversationId)
                && await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false) is null)
            {
                throw NotFound(conversationId);
            }

            var assignee = string.IsNullOrEmpty(assigneeId) ? null : await ResolveIdentityAsync(assigneeId, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var order = new DeskWorkOrder
            {
                Id = MessageIds.New(_time),
                Title = title,
                Body = body,
                Status = WorkOrderStatuses.Open,
                Assignee = assignee,
                CreatedBy = creator,
                ConversationId = string.IsNullOrEmpty(conversationId) ? null : conversationId,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await _store.InsertWorkOrderAsync(order, cancellationToken).ConfigureAwait(false);
            LogWorkOrderCreated(_logger, order.Id, creator.Id, order.Assignee?.Id);
            await NotifyWorkOrderAsync(creator, ns, order, reply, replyContext, cancellationToken).ConfigureAwait(false);
            return order;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// UPDATE_WORK_ORDER (SB-WO-005) or PATCH /api/v1/work-orders/{id}: new status and comment; the assignee gets
    /// WOMSG in <paramref name="ns"/>. 4011 unknown; 4003 when the caller is neither an admin, the creator nor the
    /// assignee.
    /// </summary>
    public async Task<DeskWorkOrder> UpdateWorkOrderAsync(
        DeskUser actor, string ns, string workOrderId, string status, string? comment,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!WorkOrderStatuses.IsValid(status))
        {
            throw new ArgumentException($"Unknown work-order status '{status}'.", nameof(status));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var order = await _store.GetWorkOrderAsync(workOrderId, cancellationToken).ConfigureAwait(false)
                ?? throw new DeskException(DeskErrorCode.WorkOrderNotFound, $"Work order '{workOrderId}' not found.");
            if (actor.Role != DeskRoles.Admin && actor.Id != order.Assignee?.Id && actor.Id != order.CreatedBy.Id)
            {
                throw new DeskException(DeskErrorCode.NotParticipant, "Only an admin, the creator or the assignee can update this work order.");
            }

            var updated = order with
            {
                Status = status,
                Comment = string.IsNullOrEmpty(comment) ? null : comment,
                UpdatedAt = _time.GetUtcNow(),
            };
            await _store.UpdateWorkOrderAsync(updated, actor, cancellationToken).ConfigureAwait(false);
            LogWorkOrderUpdated(_logger, updated.Id, actor.Id, status);
            await NotifyWorkOrderAsync(actor, ns, updated, reply, replyContext, cancellationToken).ConfigureAwait(false);
            return updated;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task NotifyWorkOrderAsync(
        DeskUser caller, string ns, DeskWorkOrder order, Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken)
    {
        var callerIsAssignee = order.Assignee is not null && order.Assignee.Id == caller.Id;
        if (!callerIsAssignee && reply is not null)
        {
            await reply(order).ConfigureAwait(false);
        }

        if (order.Assignee is { } assignee)
        {
            await _outbox.WorkOrderChangedAsync(new DeskParty(ns, assignee), order, callerIsAssignee ? replyContext : null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a work order (null when unknown).</summary>
    public Task<DeskWorkOrder?> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken = default) =>
        _store.GetWorkOrderAsync(workOrderId, cancellationToken);

    /// <summary>Lists work orders sorted by creation.</summary>
    public Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken = default) =>
        _store.ListWorkOrdersAsync(assigneeId, status, Math.Clamp(limit, 1, ListLimit), cancellationToken);

    /// <summary>
    /// A user's identity for a WOMSG <c>assignee</c> (SB-WO-002): from a current connection, else from the most
    /// recent agent/admin connection remembered, else <c>{id, name: id, role: agent}</c>.
    /// </summary>
    private async Task<DeskUser> ResolveIdentityAsync(string userId, CancellationToken cancellationToken)
    {
        var online = _presence.FindOnline(userId);
        if (online.Count > 0)
        {
            return online.FirstOrDefault(p => p.User.Role == DeskRoles.Agent)?.User ?? online[0].User;
        }

        var known = await _store.GetAgentAsync(userId, cancellationToken).ConfigureAwait(false);
        return known?.User ?? new DeskUser(userId, userId, DeskRoles.Agent);
    }

    // ================================================================ timers

    /// <summary>SET_TIMER (SB-TIMER-001..006): a reminder that fires (TIMER state fired) to the connection that set
    /// it. At most <see cref="MaxRemindersPerConnection"/> pending per connection (5001 beyond).</summary>
    public DeskTimer SetReminder(DeskActor actor, long delayMs, string? label)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentOutOfRangeException.ThrowIfLessThan(delayMs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayMs, 86_400_000);
        var connectionId = actor.ConnectionId;
        var set = _reminders.GetOrAdd(connectionId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (set.Count >= MaxRemindersPerConnection)
        {
            throw new DeskException(DeskErrorCode.RateLimited, $"At most {MaxRemindersPerConnection} pending timers per connection.");
        }

        var now = _time.GetUtcNow();
        var firesAt = now + TimeSpan.FromMilliseconds(delayMs);
        var timer = new DeskTimer(MessageIds.New(_time), DeskTimerKinds.Reminder, DeskTimerKinds.Scheduled, string.IsNullOrEmpty(label) ? null : label, null, firesAt, delayMs);
        set[timer.Id] = 0;
        _scheduler.Schedule(ReminderKey(timer.Id), firesAt, async ct =>
        {
            if (_reminders.TryGetValue(connectionId, out var pending) && pending.TryRemove(timer.Id, out _))
            {
                await _outbox.ReminderFiredAsync(connectionId, timer with { State = DeskTimerKinds.Fired, RemainingMs = 0 }, ct).ConfigureAwait(false);
            }
        });
        return timer;
    }

    private void StartIdle(string conversationId, DateTimeOffset lastActivity)
    {
        if (_options.ConversationIdleCloseMs <= 0)
        {
            return;
        }

        _idle[conversationId] = new IdleState { LastActivity = lastActivity };
        _scheduler.Schedule(IdleKey(conversationId), lastActivity + TimeSpan.FromMilliseconds(_options.ConversationIdleWarningMs),
            ct => OnIdleTimerAsync(conversationId, ct));
    }

    private void StopIdle(string conversationId)
    {
        _idle.TryRemove(conversationId, out _);
        _scheduler.Cancel(IdleKey(conversationId));
    }

    /// <summary>Timer callback of the idle rules (SB-CS-028..030): warns once per idle period, closes at the
    /// deadline, or re-arms for the next deadline when there was activity meanwhile (activity only moves it).</summary>
    internal async Task OnIdleTimerAsync(string conversationId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_idle.TryGetValue(conversationId, out var idle))
            {
                return;
            }

            var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
            if (conversation is not { State: DeskConversationState.Active, Agent: not null })
            {
                StopIdle(conversationId);
                return;
            }

            var now = _time.GetUtcNow();
            var warnAt = idle.LastActivity + TimeSpan.FromMilliseconds(_options.ConversationIdleWarningMs);
            var closeAt = idle.LastActivity + TimeSpan.FromMilliseconds(_options.ConversationIdleCloseMs);
            if (now >= closeAt)
            {
                await CloseLockedAsync(conversation, DeskCloseReasons.Idle, null, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (now >= warnAt)
            {
                if (!idle.Warned)
                {
                    idle.Warned = true;
                    var timer = new DeskTimer(
                        "idle-" + conversationId, DeskTimerKinds.ConversationIdle, DeskTimerKinds.Warning, null, conversationId,
                        closeAt, (long)(closeAt - now).TotalMilliseconds);
                    LogIdleWarning(_logger, conversationId);
                    await _outbox.ConversationTimerAsync(conversation.Visitor, timer, cancellationToken).ConfigureAwait(false);
                    await _outbox.ConversationTimerAsync(conversation.Agent, timer, cancellationToken).ConfigureAwait(false);
                }

                _scheduler.Schedule(IdleKey(conversationId), closeAt, ct => OnIdleTimerAsync(conversationId, ct));
            }
            else
            {
                _scheduler.Schedule(IdleKey(conversationId), warnAt, ct => OnIdleTimerAsync(conversationId, ct));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // ================================================================ connection lifecycle

    /// <summary>
    /// A connection opened (after CONNECT and replay). Agents and admins are remembered (identity, namespace).
    /// Agents get, under the desk lock so that no queue change slips between, today's DAY_ACCESS and one QIANGDAN
    /// waiting per queued conversation through <paramref name="greetAgent"/> (SB-CS-006/027).
    /// A returning visitor cancels the withdrawal of its waiting conversation.
    /// </summary>
    public async Task OnConnectedAsync(
        DeskActor actor, Func<DayAccessSnapshot, IReadOnlyList<DeskConversation>, ValueTask>? greetAgent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.User.Role == DeskRoles.Visitor)
        {
            _scheduler.Cancel(GraceKey(actor.User.Id));
            return;
        }

        if (actor.User.Role is not (DeskRoles.Agent or DeskRoles.Admin))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.UpsertAgentAsync(actor.Party, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (actor.User.Role == DeskRoles.Agent && greetAgent is not null)
            {
                var day = await _store.GetDayAccessAsync(Today(), actor.User.Id, cancellationToken).ConfigureAwait(false);
                var waiting = await _store.ListConversationsAsync(DeskConversationState.Waiting, ListLimit, cancellationToken).ConfigureAwait(false);
                await greetAgent(day, waiting).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A connection closed (the presence view no longer lists it). Its reminders are dropped (SB-TIMER-004).
    /// When an agent has no agent connection left, transfers pending to it fail with 4004 to the requester
    /// (SB-XFER-009). When a visitor has no connection left, its waiting conversation is withdrawn after
    /// <see cref="ServiceDeskOptions.VisitorGraceMs"/> unless it comes back (active conversations stay).
    /// </summary>
    public async Task OnDisconnectedAsync(DeskActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (_reminders.TryRemove(actor.ConnectionId, out var reminders))
        {
            foreach (var id in reminders.Keys)
            {
                _scheduler.Cancel(ReminderKey(id));
            }
        }

        if (actor.User.Role == DeskRoles.Agent)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_presence.FindOnline(actor.User.Id).Any(p => p.User.Role == DeskRoles.Agent))
                {
                    return;
                }

                foreach (var pending in await _store.ListPendingTransfersToAsync(actor.User.Id, cancellationToken).ConfigureAwait(false))
                {
                    await FailTransferLockedAsync(pending, DeskErrorCode.TransferTargetOffline, "The transfer target went offline.", notifyTarget: false, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }

            return;
        }

        if (actor.User.Role != DeskRoles.Visitor || _options.VisitorGraceMs <= 0 || _presence.FindOnline(actor.User.Id).Count > 0)
        {
            return;
        }

        var open = await _store.FindOpenConversationOfVisitorAsync(actor.User.Id, cancellationToken).ConfigureAwait(false);
        if (open is { State: DeskConversationState.Waiting })
        {
            ScheduleGrace(actor.User.Id, _time.GetUtcNow());
        }
    }

    private void ScheduleGrace(string visitorId, DateTimeOffset from)
    {
        if (_options.VisitorGraceMs > 0)
        {
            _scheduler.Schedule(GraceKey(visitorId), from + TimeSpan.FromMilliseconds(_options.VisitorGraceMs), ct => OnGraceTimerAsync(visitorId, ct));
        }
    }

    /// <summary>Timer callback: withdraws the waiting conversation of a visitor that stayed away.</summary>
    internal async Task OnGraceTimerAsync(string visitorId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_presence.FindOnline(visitorId).Count > 0)
            {
                return;
            }

            var open = await _store.FindOpenConversationOfVisitorAsync(visitorId, cancellationToken).ConfigureAwait(false);
            if (open is { State: DeskConversationState.Waiting })
            {
                LogWithdrawn(_logger, open.Id, visitorId);
                await CloseLockedAsync(open, DeskCloseReasons.Visitor, null, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _scheduler.Dispose();
        _gate.Dispose();
    }

    private static string TransferKey(string id) => "xfer:" + id;

    private static string IdleKey(string id) => "idle:" + id;

    private static string GraceKey(string visitorId) => "grace:" + visitorId;

    private static string ReminderKey(string id) => "timer:" + id;

    private static DeskException NotFound(string conversationId) =>
        new(DeskErrorCode.ConversationNotFound, $"Conversation '{conversationId}' not found.") { ConversationId = conversationId };

    private static DeskException NotParticipant(string conversationId) =>
        new(DeskErrorCode.NotParticipant, "Not a participant of this conversation.") { ConversationId = conversationId };

    private static DeskException Closed(string conversationId) =>
        new(DeskErrorCode.ConversationClosed, "The conversation is closed.") { ConversationId = conversationId };

    private sealed class IdleState
    {
        public DateTimeOffset LastActivity { get; set; }

        public bool Warned { get; set; }
    }
}

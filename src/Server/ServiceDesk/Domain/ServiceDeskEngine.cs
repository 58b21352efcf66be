using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// The customer-service desk: one entry point over its aggregates, each with one job — <see cref="DeskQueue"/>
/// (enter the queue, grab), <see cref="DeskConversations"/> (open conversation, messages, closing, idle and grace),
/// <see cref="DeskTransfers"/>, <see cref="DeskWorkOrders"/>, <see cref="DeskDayAccess"/>, <see cref="DeskReminders"/>
/// and <see cref="DeskDeadlineRunner"/> (the persisted deadlines) — plus the connection lifecycle.
/// <para>
/// The rules are one implementation over <see cref="IDeskStateStore"/>, which decides every exclusive transition
/// atomically (SQLite on one node, Redis in a cluster). Protocol-free: notifications go to <see cref="IDeskOutbox"/>.
/// </para>
/// </summary>
internal sealed class ServiceDeskEngine : IDisposable
{
    /// <summary>Messages appended to a new owner's stream (SB-CS-011: the most recent 100 at most).</summary>
    public const int HistoryLimit = DeskContext.HistoryLimit;

    /// <summary>Pending reminders allowed per connection (SB-TIMER-006).</summary>
    public const int MaxRemindersPerConnection = DeskReminders.MaxPerConnection;

    private readonly DeskContext _desk;
    private readonly DeskScheduler _scheduler;
    private readonly DeskDeadlineRunner _deadlines;
    private readonly DeskDayAccess _dayAccess;
    private readonly DeskQueue _queue;
    private readonly DeskTransfers _transfers;
    private readonly DeskConversations _conversations;
    private readonly DeskWorkOrders _workOrders;
    private readonly DeskReminders _reminders;
    private readonly HashSet<string> _graceScheduledHere = new(StringComparer.Ordinal);
    private int _initialized;

    /// <summary>Creates the engine.</summary>
    public ServiceDeskEngine(
        IDeskStateStore store,
        IDeskOutbox outbox,
        IDeskPresence presence,
        IOptions<ServiceDeskOptions> options,
        TimeProvider time,
        ILogger<ServiceDeskEngine> logger,
        ServiceDeskMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _desk = new DeskContext(store, outbox, presence, options.Value, time, logger, metrics);
        _scheduler = new DeskScheduler(time, (key, ex) => DeskLog.LogTimerFailed(logger, key, ex));
        _deadlines = new DeskDeadlineRunner(_desk, _scheduler);
        _dayAccess = new DeskDayAccess(_desk);
        _queue = new DeskQueue(_desk, _dayAccess, _deadlines);
        _transfers = new DeskTransfers(_desk, _dayAccess, _deadlines);
        _conversations = new DeskConversations(_desk, _transfers, _deadlines);
        _workOrders = new DeskWorkOrders(_desk);
        _reminders = new DeskReminders(_desk, _scheduler);
    }

    /// <summary>The engine's node-local timers: reminders and the deadline wake-up (tests and diagnostics).</summary>
    internal DeskScheduler Scheduler => _scheduler;

    /// <summary>The deadline runner (tests).</summary>
    internal DeskDeadlineRunner Deadlines => _deadlines;

    /// <summary>The state store.</summary>
    internal IDeskStateStore Store => _desk.Store;

    /// <summary>The server's current UTC day, <c>yyyy-MM-dd</c>.</summary>
    public string Today() => _desk.Today();

    /// <summary>
    /// Starts firing persisted deadlines (idempotent). On a single node, a waiting conversation whose visitor has no
    /// connection at startup gets its grace deadline (a cluster cannot tell from one node who is offline).
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1)
        {
            return;
        }

        if (!_desk.Store.IsShared && _desk.Options.VisitorGraceMs > 0)
        {
            var now = _desk.Time.GetUtcNow();
            foreach (var conversation in await _desk.Store.ListConversationsAsync(DeskConversationState.Waiting, int.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                var visitorId = conversation.Visitor.User.Id;
                if ((await _desk.Presence.FindOnlineAsync(visitorId, cancellationToken).ConfigureAwait(false)).Count == 0)
                {
                    await _conversations.ScheduleGraceAsync(visitorId, now, cancellationToken).ConfigureAwait(false);
                    lock (_graceScheduledHere)
                    {
                        _graceScheduledHere.Add(visitorId);
                    }
                }
            }
        }

        await _deadlines.StartAsync(DispatchDeadlineAsync, cancellationToken).ConfigureAwait(false);
    }

    private Task DispatchDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken) => deadline.Key switch
    {
        var k when k.StartsWith(DeskDeadline.TransferPrefix, StringComparison.Ordinal) => _transfers.OnTimeoutDeadlineAsync(deadline, cancellationToken),
        var k when k.StartsWith(DeskDeadline.IdlePrefix, StringComparison.Ordinal) => _conversations.OnIdleDeadlineAsync(deadline, cancellationToken),
        var k when k.StartsWith(DeskDeadline.GracePrefix, StringComparison.Ordinal) => _conversations.OnGraceDeadlineAsync(deadline, cancellationToken),
        _ => _desk.Store.CancelDeadlineAsync(deadline.Key, cancellationToken), // unknown kind (newer node): drop
    };

    // ---------------------------------------------------------------- queue and grab

    /// <inheritdoc cref="DeskQueue.RequestServiceAsync"/>
    public async Task<DeskConversation> RequestServiceAsync(
        DeskActor visitor, string? topic, string? firstMessage, object? replyContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var conversation = await _queue.RequestServiceAsync(visitor, topic, firstMessage, replyContext, cancellationToken).ConfigureAwait(false);
        await CancelGraceAsync(visitor.User.Id, cancellationToken).ConfigureAwait(false);
        return conversation;
    }

    /// <inheritdoc cref="DeskQueue.GrabAsync"/>
    public Task<DeskConversation> GrabAsync(DeskActor agent, string conversationId, object? replyContext, CancellationToken cancellationToken = default) =>
        _queue.GrabAsync(agent, conversationId, replyContext, cancellationToken);

    /// <inheritdoc cref="DeskQueue.ListWaitingAsync"/>
    public Task<IReadOnlyList<DeskConversation>> ListWaitingAsync(CancellationToken cancellationToken = default) =>
        _queue.ListWaitingAsync(cancellationToken);

    // ---------------------------------------------------------------- conversations

    /// <inheritdoc cref="DeskConversations.OpenAsync"/>
    public Task OpenConversationAsync(DeskActor agent, string? conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken = default) =>
        _conversations.OpenAsync(agent, conversationId, reply, cancellationToken);

    /// <summary>The agent's open conversation in <paramref name="ns"/>, if any (persisted).</summary>
    public Task<string?> GetOpenConversationAsync(string agentId, string ns, CancellationToken cancellationToken = default) =>
        _desk.Store.GetOpenConversationAsync(agentId, ns, cancellationToken);

    /// <inheritdoc cref="DeskConversations.SendAsync"/>
    public Task<DeskMessage> SendMessageAsync(DeskActor sender, string conversationId, string data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return _conversations.SendAsync(sender, conversationId, data, cancellationToken);
    }

    /// <inheritdoc cref="DeskConversations.CloseAsync"/>
    public Task<DeskConversation> CloseConversationAsync(DeskActor actor, string conversationId, Func<ValueTask>? reply, CancellationToken cancellationToken = default) =>
        _conversations.CloseAsync(actor, conversationId, reply, cancellationToken);

    /// <inheritdoc cref="DeskConversations.CloseByBackendAsync"/>
    public Task<DeskConversation> CloseByBackendAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _conversations.CloseByBackendAsync(conversationId, cancellationToken);

    /// <summary>Reads a conversation (null when unknown).</summary>
    public Task<DeskConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        _desk.Store.GetConversationAsync(conversationId, cancellationToken);

    /// <summary>Lists conversations in queue order (all states when <paramref name="state"/> is null).</summary>
    public Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken = default) =>
        _desk.Store.ListConversationsAsync(state, Math.Clamp(limit, 1, DeskContext.ListLimit), cancellationToken);

    /// <summary>The most recent messages of a conversation, oldest first.</summary>
    public Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit = HistoryLimit, CancellationToken cancellationToken = default) =>
        _desk.Store.ListMessagesAsync(conversationId, Math.Clamp(limit, 1, DeskContext.ListLimit), cancellationToken);

    // ---------------------------------------------------------------- transfers

    /// <inheritdoc cref="DeskTransfers.RequestAsync"/>
    public Task<DeskTransfer> RequestTransferAsync(
        DeskActor agent, string conversationId, string toAgentId, string? note, Func<DeskTransfer, ValueTask>? reply, CancellationToken cancellationToken = default) =>
        _transfers.RequestAsync(agent, conversationId, toAgentId, note, reply, cancellationToken);

    /// <inheritdoc cref="DeskTransfers.AcceptAsync"/>
    public Task<DeskConversation> AcceptTransferAsync(DeskActor agent, string transferId, Func<ValueTask>? reply, CancellationToken cancellationToken = default) =>
        _transfers.AcceptAsync(agent, transferId, reply, cancellationToken);

    /// <inheritdoc cref="DeskTransfers.RefuseAsync"/>
    public Task<DeskTransfer> RefuseTransferAsync(DeskActor agent, string transferId, string? reason, Func<ValueTask>? reply, CancellationToken cancellationToken = default) =>
        _transfers.RefuseAsync(agent, transferId, reason, reply, cancellationToken);

    /// <summary>Reads a transfer (null when unknown).</summary>
    public Task<DeskTransfer?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        _transfers.GetAsync(transferId, cancellationToken);

    // ---------------------------------------------------------------- day access

    /// <inheritdoc cref="DeskDayAccess.GetAsync"/>
    public Task<DayAccessSnapshot> GetDayAccessAsync(string agentId, CancellationToken cancellationToken = default) =>
        _dayAccess.GetAsync(agentId, cancellationToken);

    /// <inheritdoc cref="DeskDayAccess.ListAsync"/>
    public Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken = default) =>
        _dayAccess.ListAsync(day, cancellationToken);

    // ---------------------------------------------------------------- work orders

    /// <inheritdoc cref="DeskWorkOrders.CreateAsync"/>
    public Task<DeskWorkOrder> CreateWorkOrderAsync(
        DeskUser creator, string ns, string title, string body, string? assigneeId, string? conversationId,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creator);
        return _workOrders.CreateAsync(creator, ns, title, body, assigneeId, conversationId, reply, replyContext, cancellationToken);
    }

    /// <inheritdoc cref="DeskWorkOrders.UpdateAsync"/>
    public Task<DeskWorkOrder> UpdateWorkOrderAsync(
        DeskUser actor, string ns, string workOrderId, string status, string? comment,
        Func<DeskWorkOrder, ValueTask>? reply, object? replyContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!WorkOrderStatuses.IsValid(status))
        {
            throw new ArgumentException($"Unknown work-order status '{status}'.", nameof(status));
        }

        return _workOrders.UpdateAsync(actor, ns, workOrderId, status, comment, reply, replyContext, cancellationToken);
    }

    /// <inheritdoc cref="DeskWorkOrders.GetAsync"/>
    public Task<DeskWorkOrder?> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken = default) =>
        _workOrders.GetAsync(workOrderId, cancellationToken);

    /// <inheritdoc cref="DeskWorkOrders.ListAsync"/>
    public Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken = default) =>
        _workOrders.ListAsync(assigneeId, status, limit, cancellationToken);

    // ---------------------------------------------------------------- reminders

    /// <inheritdoc cref="DeskReminders.Set"/>
    public DeskTimer SetReminder(DeskActor actor, long delayMs, string? label) => _reminders.Set(actor, delayMs, label);

    // ---------------------------------------------------------------- connection lifecycle

    /// <summary>
    /// A connection opened (after CONNECT and replay). Agents and admins are remembered (identity, namespace). Agents
    /// get, under the gate so that no queue change from this node slips between, today's DAY_ACCESS and one QIANGDAN
    /// waiting per queued conversation, in queue order, through <paramref name="greetAgent"/> (SB-CS-006/027).
    /// A returning visitor cancels the withdrawal of its waiting conversation.
    /// </summary>
    public async Task OnConnectedAsync(
        DeskActor actor, Func<DayAccessSnapshot, IReadOnlyList<DeskConversation>, ValueTask>? greetAgent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.User.Role == DeskRoles.Visitor)
        {
            await CancelGraceAsync(actor.User.Id, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (actor.User.Role is not (DeskRoles.Agent or DeskRoles.Admin))
        {
            return;
        }

        await _desk.GatedAsync(
            async () =>
            {
                await _desk.Store.UpsertAgentAsync(actor.Party, _desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (actor.User.Role == DeskRoles.Agent && greetAgent is not null)
                {
                    var day = await _desk.Store.GetDayAccessAsync(_desk.Today(), actor.User.Id, cancellationToken).ConfigureAwait(false);
                    var waiting = await _queue.ListWaitingAsync(cancellationToken).ConfigureAwait(false);
                    await greetAgent(day, waiting).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A connection closed (the presence view no longer lists it). Its reminders are dropped (SB-TIMER-004). When an
    /// agent has no agent connection left, transfers pending to it fail with 4004 to the requester (SB-XFER-009).
    /// When a visitor has no connection left, its waiting conversation is withdrawn after
    /// <see cref="ServiceDeskOptions.VisitorGraceMs"/> unless it comes back (active conversations stay).
    /// </summary>
    public async Task OnDisconnectedAsync(DeskActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        _reminders.Drop(actor.ConnectionId);
        if (actor.User.Role == DeskRoles.Agent)
        {
            await _desk.GatedAsync(
                async () =>
                {
                    if (!(await _desk.Presence.FindOnlineAsync(actor.User.Id, cancellationToken).ConfigureAwait(false)).Any(p => p.User.Role == DeskRoles.Agent))
                    {
                        await _transfers.FailPendingToAsync(actor.User.Id, cancellationToken).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            return;
        }

        if (actor.User.Role != DeskRoles.Visitor || _desk.Options.VisitorGraceMs <= 0 || (await _desk.Presence.FindOnlineAsync(actor.User.Id, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return;
        }

        var open = await _desk.Store.FindOpenConversationOfVisitorAsync(actor.User.Id, cancellationToken).ConfigureAwait(false);
        if (open is { State: DeskConversationState.Waiting })
        {
            await _conversations.ScheduleGraceAsync(actor.User.Id, _desk.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            lock (_graceScheduledHere)
            {
                _graceScheduledHere.Add(actor.User.Id);
            }
        }
    }

    /// <summary>Cancels a visitor's grace deadline. On a single node only a deadline this node set can exist, so the
    /// store is written only then (no write per visitor connection); a shared store is always asked.</summary>
    private async Task CancelGraceAsync(string visitorId, CancellationToken cancellationToken)
    {
        bool scheduledHere;
        lock (_graceScheduledHere)
        {
            scheduledHere = _graceScheduledHere.Remove(visitorId);
        }

        if (scheduledHere || _desk.Store.IsShared)
        {
            await _desk.Store.CancelDeadlineAsync(DeskDeadline.GraceKey(visitorId), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _scheduler.Dispose();
        _desk.Dispose();
    }
}

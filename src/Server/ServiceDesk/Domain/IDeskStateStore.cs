namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// The desk's state, behind one seam with two implementations: SQLite (one node, <c>SqliteDeskStore</c>) and Redis
/// (a cluster, <c>Switchboard.Server.Redis</c>). Every operation that the spec makes exclusive is ONE atomic
/// transition here (a compare-and-set transaction in SQLite, one Lua script in Redis): the domain never decides a
/// race with a node-local lock. Reads may be slightly stale; every decision is re-checked by the transition.
/// </summary>
internal interface IDeskStateStore
{
    /// <summary>True when several nodes share this state (deadlines set elsewhere must be polled for).</summary>
    bool IsShared { get; }

    // ---------------------------------------------------------------- queue and grab

    /// <summary>Enqueue a visitor: stores the waiting conversation and its optional first message together.
    /// Returns the stored conversation (with its position), or the visitor's existing open one (4008).</summary>
    Task<EnqueueOutcome> EnqueueAsync(DeskConversation conversation, DeskMessage? firstMessage, CancellationToken cancellationToken);

    /// <summary>GRAB: waiting → active with <paramref name="agent"/>; exactly one caller wins. The idle deadline is
    /// armed in the same transition.</summary>
    Task<GrabOutcome> GrabAsync(string conversationId, DeskParty agent, DateTimeOffset now, DeskDeadline? idle, CancellationToken cancellationToken);

    /// <summary>Reads one conversation (null when unknown); waiting ones carry their queue position.</summary>
    Task<DeskConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The visitor's waiting or active conversation, if any.</summary>
    Task<DeskConversation?> FindOpenConversationOfVisitorAsync(string visitorId, CancellationToken cancellationToken);

    /// <summary>Conversations in queue order: for waiting the head of the queue (with positions), otherwise the most
    /// recent <paramref name="limit"/> (all states when <paramref name="state"/> is null).</summary>
    Task<IReadOnlyList<DeskConversation>> ListConversationsAsync(DeskConversationState? state, int limit, CancellationToken cancellationToken);

    // ---------------------------------------------------------------- conversations

    /// <summary>Stores a message if its sender is still a participant of the open conversation (checked in the
    /// same transition), and moves the conversation's last activity (the idle period restarts).</summary>
    Task<AppendOutcome> AppendMessageAsync(DeskMessage message, CancellationToken cancellationToken);

    /// <summary>The most recent <paramref name="limit"/> messages of a conversation, oldest first.</summary>
    Task<IReadOnlyList<DeskMessage>> ListMessagesAsync(string conversationId, int limit, CancellationToken cancellationToken);

    /// <summary>Close: waiting/active → closed. Also removes the conversation's idle deadline and the visitor's grace
    /// deadline and clears the owner's open conversation if it is this one. Null when it was already closed.</summary>
    Task<DeskConversation?> CloseAsync(string conversationId, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Sets the agent's open conversation in <paramref name="ns"/> (SB-CS-014) after checking, in the same
    /// transition, that the agent owns it and it is not closed; null clears it.</summary>
    Task<OpenOutcome> SetOpenConversationAsync(string agentId, string ns, string? conversationId, CancellationToken cancellationToken);

    /// <summary>The agent's open conversation in <paramref name="ns"/>, if any (persisted: survives restarts and
    /// reconnects to other nodes).</summary>
    Task<string?> GetOpenConversationAsync(string agentId, string ns, CancellationToken cancellationToken);

    // ---------------------------------------------------------------- transfers

    /// <summary>Transfer request: stores a pending transfer and its timeout deadline if the conversation is still
    /// active with <see cref="DeskTransfer.From"/> and has no pending transfer (SB-XFER-004).</summary>
    Task<TransferRequestOutcome> RequestTransferAsync(DeskTransfer transfer, DeskDeadline timeout, CancellationToken cancellationToken);

    /// <summary>Transfer accept: pending → accepted and the conversation moves to <paramref name="acceptor"/> in one
    /// transition (previous owner's open conversation cleared, the idle deadline re-armed at now +
    /// <paramref name="idleWarnAfter"/> when idle handling is on). A transfer past its deadline is expired instead.</summary>
    Task<AcceptOutcome> AcceptTransferAsync(string transferId, DeskParty acceptor, DateTimeOffset now, TimeSpan? idleWarnAfter, CancellationToken cancellationToken);

    /// <summary>Transfer refuse / cancel / fail / timeout: pending → <paramref name="to"/>; removes the timeout
    /// deadline. Null when the transfer was not pending any more.</summary>
    Task<DeskTransfer?> ResolveTransferAsync(string transferId, DeskTransferState to, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Reads a transfer (null when unknown).</summary>
    Task<DeskTransfer?> GetTransferAsync(string transferId, CancellationToken cancellationToken);

    /// <summary>Pending transfers of one conversation.</summary>
    Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>Pending transfers addressed to <paramref name="targetId"/>.</summary>
    Task<IReadOnlyList<DeskTransfer>> ListPendingTransfersToAsync(string targetId, CancellationToken cancellationToken);

    // ---------------------------------------------------------------- day access and agents

    /// <summary>Counts <paramref name="visitorId"/> for <paramref name="agent"/> on <paramref name="day"/>; false when
    /// the pair was already counted (SB-CS-025). Cluster-wide in a shared store.</summary>
    Task<bool> TryAddDayAccessAsync(string day, DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>One agent's count and the day's total.</summary>
    Task<DayAccessSnapshot> GetDayAccessAsync(string day, string agentId, CancellationToken cancellationToken);

    /// <summary>Every agent's count of the day (counts &gt; 0), sorted by agent id.</summary>
    Task<IReadOnlyList<DayAccessLine>> ListDayAccessAsync(string day, CancellationToken cancellationToken);

    /// <summary>Remembers an agent's/admin's identity and the namespace of its most recent connection.</summary>
    Task UpsertAgentAsync(DeskParty agent, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The agent as last seen, or null.</summary>
    Task<DeskParty?> GetAgentAsync(string agentId, CancellationToken cancellationToken);

    // ---------------------------------------------------------------- work orders

    /// <summary>Stores a new work order (and the first line of its history).</summary>
    Task InsertWorkOrderAsync(DeskWorkOrder order, CancellationToken cancellationToken);

    /// <summary>Work-order state change: applies status/comment only if the stored order was last updated at
    /// <paramref name="expectedUpdatedAt"/> (version check), and records the history line. Null when the order is
    /// unknown or changed meanwhile.</summary>
    Task<DeskWorkOrder?> UpdateWorkOrderAsync(DeskWorkOrder updated, DateTimeOffset expectedUpdatedAt, DeskUser by, CancellationToken cancellationToken);

    /// <summary>Reads one work order (null when unknown).</summary>
    Task<DeskWorkOrder?> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken);

    /// <summary>The most recent work orders, sorted by creation, optionally filtered.</summary>
    Task<IReadOnlyList<DeskWorkOrder>> ListWorkOrdersAsync(string? assigneeId, string? status, int limit, CancellationToken cancellationToken);

    // ---------------------------------------------------------------- deadlines (the persisted due-set)

    /// <summary>Adds or replaces the deadline with the same key (a new token makes the old one stale).</summary>
    Task ScheduleDeadlineAsync(DeskDeadline deadline, CancellationToken cancellationToken);

    /// <summary>Removes the deadline with <paramref name="key"/>, whatever its token.</summary>
    Task CancelDeadlineAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deadlines due at <paramref name="now"/>, earliest first (not claimed: the claim is the transition).</summary>
    Task<IReadOnlyList<DeskDeadline>> ListDueDeadlinesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>The earliest deadline, if any.</summary>
    Task<DateTimeOffset?> NextDeadlineAsync(CancellationToken cancellationToken);

    /// <summary>Number of deadlines in the due-set (tests, diagnostics).</summary>
    Task<long> CountDeadlinesAsync(CancellationToken cancellationToken);

    /// <summary>Claims a due transfer timeout and applies it (pending → expired) in one transition. Null when the
    /// deadline is stale (other token), replayed (already claimed) or the transfer is no longer pending.</summary>
    Task<DeskTransfer?> ClaimTransferTimeoutAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Claims a due idle deadline and applies the idle rules (SB-CS-028..030) in one transition: close,
    /// warn once, or move the deadline to the next instant that matters.</summary>
    Task<IdleClaim> ClaimIdleAsync(DeskDeadline deadline, DateTimeOffset now, TimeSpan warnAfter, TimeSpan closeAfter, CancellationToken cancellationToken);

    /// <summary>Claims a due visitor grace and withdraws the visitor's waiting conversation in one transition
    /// (closed, reason visitor). Null when stale, replayed, or there is no waiting conversation.</summary>
    Task<DeskConversation?> ClaimVisitorGraceAsync(DeskDeadline deadline, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A persisted deadline: <see cref="Key"/> names the entity (<c>xfer:</c>, <c>idle:</c>, <c>grace:</c>),
/// <see cref="Token"/> is this scheduling's version (a claim with another token does nothing).</summary>
internal sealed record DeskDeadline(string Key, DateTimeOffset DueAt, string Token)
{
    public const string TransferPrefix = "xfer:";
    public const string IdlePrefix = "idle:";
    public const string GracePrefix = "grace:";

    public static string TransferKey(string transferId) => TransferPrefix + transferId;

    public static string IdleKey(string conversationId) => IdlePrefix + conversationId;

    public static string GraceKey(string visitorId) => GracePrefix + visitorId;

    /// <summary>A fresh scheduling token (the deadline's version).</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>The id after the kind prefix.</summary>
    public string EntityId => Key[(Key.IndexOf(':', StringComparison.Ordinal) + 1)..];
}

/// <summary>Result of <see cref="IDeskStateStore.EnqueueAsync"/>: exactly one of the two is set.</summary>
internal sealed record EnqueueOutcome(DeskConversation? Queued, DeskConversation? Existing);

/// <summary>Result of <see cref="IDeskStateStore.GrabAsync"/>.</summary>
internal enum GrabResult
{
    Won,
    NotFound,
    /// <summary>Not waiting any more (taken, or closed: see the state).</summary>
    Lost,
}

/// <summary>Result of a grab; <see cref="Conversation"/> is the activated one (won) or the current one (lost).</summary>
internal sealed record GrabOutcome(GrabResult Result, DeskConversation? Conversation);

/// <summary>Result of <see cref="IDeskStateStore.AppendMessageAsync"/>.</summary>
internal enum AppendResult
{
    Stored,
    NotFound,
    NotParticipant,
    Closed,
}

/// <summary>Result of an append; <see cref="Conversation"/> as of the append (for recipients).</summary>
internal sealed record AppendOutcome(AppendResult Result, DeskConversation? Conversation);

/// <summary>Result of <see cref="IDeskStateStore.SetOpenConversationAsync"/> (SB-CS-015 order).</summary>
internal enum OpenOutcome
{
    Set,
    NotFound,
    NotOwner,
    Closed,
}

/// <summary>Result of <see cref="IDeskStateStore.RequestTransferAsync"/>.</summary>
internal enum TransferRequestResult
{
    Created,
    NotFound,
    NotOwner,
    Closed,
    AlreadyPending,
}

/// <summary>Result of a transfer request; <see cref="Pending"/> is the blocking transfer for AlreadyPending.</summary>
internal sealed record TransferRequestOutcome(TransferRequestResult Result, DeskTransfer? Pending);

/// <summary>Result of <see cref="IDeskStateStore.AcceptTransferAsync"/>.</summary>
internal enum AcceptResult
{
    Accepted,
    /// <summary>Unknown, not addressed to the acceptor, or no longer pending (4006).</summary>
    NotFound,
    /// <summary>Already expired, or expired by this call because its deadline passed (4007).</summary>
    Expired,
    /// <summary>The conversation is no longer active with the requester (the transfer failed; 4006).</summary>
    ConversationMoved,
}

/// <summary>Result of an accept. <see cref="ExpiredNow"/> is true when this call expired the transfer (the caller
/// must announce the timeout). <see cref="Previous"/> is the previous owner.</summary>
internal sealed record AcceptOutcome(AcceptResult Result, DeskTransfer? Transfer, DeskConversation? Conversation, DeskParty? Previous, bool ExpiredNow = false);

/// <summary>What a claimed idle deadline did.</summary>
internal enum IdleAction
{
    /// <summary>Stale, replayed, or nothing to do now (the deadline may have moved).</summary>
    None,
    /// <summary>The warning is due and was not sent for this idle period: send it.</summary>
    Warn,
    /// <summary>The conversation was closed (reason idle).</summary>
    Closed,
}

/// <summary>Result of <see cref="IDeskStateStore.ClaimIdleAsync"/>; <see cref="CloseAt"/> for warnings.</summary>
internal sealed record IdleClaim(IdleAction Action, DeskConversation? Conversation, DateTimeOffset CloseAt = default);

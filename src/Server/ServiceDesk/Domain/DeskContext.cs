using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>
/// What every part of the desk shares: the state store (where every exclusive transition is decided), the outbox,
/// the presence view, options, clock, logging and metrics, and the node-local gate.
/// <para>
/// The one consistency rule: a state change is committed by ONE atomic store transition before anybody is told.
/// The gate is not what makes a transition exclusive (on several nodes it could not be); it only keeps this node's
/// notifications in the order of its commits, so every recipient sees the same order from one node.
/// </para>
/// </summary>
internal sealed class DeskContext(
    IDeskStateStore store,
    IDeskOutbox outbox,
    IDeskPresence presence,
    ServiceDeskOptions options,
    TimeProvider time,
    ILogger logger,
    ServiceDeskMetrics? metrics) : IDisposable
{
    /// <summary>Rows a list returns at most.</summary>
    public const int ListLimit = 1000;

    public IDeskStateStore Store { get; } = store;

    public IDeskOutbox Outbox { get; } = outbox;

    public IDeskPresence Presence { get; } = presence;

    public ServiceDeskOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    public ServiceDeskMetrics? Metrics { get; } = metrics;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The server's current UTC day, <c>yyyy-MM-dd</c>.</summary>
    public string Today() => Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The idle deadline of a conversation whose activity is <paramref name="lastActivity"/> (null when idle
    /// handling is off). It is due at the warning; the claim moves it on (SB-CS-028..030).</summary>
    public DeskDeadline? IdleDeadline(string conversationId, DateTimeOffset lastActivity) =>
        Options.ConversationIdleCloseMs <= 0
            ? null
            : new DeskDeadline(DeskDeadline.IdleKey(conversationId), lastActivity + TimeSpan.FromMilliseconds(Options.ConversationIdleWarningMs), DeskDeadline.NewToken());

    /// <summary>Inactivity before the idle warning, null when idle handling is off.</summary>
    public TimeSpan? IdleWarnAfter => Options.ConversationIdleCloseMs <= 0 ? null : TimeSpan.FromMilliseconds(Options.ConversationIdleWarningMs);

    /// <summary>Runs <paramref name="work"/> under the node-local gate.</summary>
    public async Task<T> GatedAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> under the node-local gate.</summary>
    public async Task GatedAsync(Func<Task> work, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Messages appended to a new owner's stream (SB-CS-011: the most recent 100 at most).</summary>
    public const int HistoryLimit = 100;

    /// <summary>SB-CS-011: the conversation's most recent messages, in order, to a new owner's stream, each labelled
    /// by the owner's open conversation (SB-CS-017).</summary>
    public async Task AppendHistoryAsync(DeskParty owner, string conversationId, CancellationToken cancellationToken)
    {
        var open = await IsOpenAsync(owner, conversationId, cancellationToken).ConfigureAwait(false);
        foreach (var message in await Store.ListMessagesAsync(conversationId, HistoryLimit, cancellationToken).ConfigureAwait(false))
        {
            await Outbox.MessageAsync(owner, message, open, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="conversationId"/> is the agent's open conversation in the party's namespace.</summary>
    public async Task<bool> IsOpenAsync(DeskParty agent, string conversationId, CancellationToken cancellationToken) =>
        await Store.GetOpenConversationAsync(agent.User.Id, agent.Namespace, cancellationToken).ConfigureAwait(false) == conversationId;

    public static DeskException NotFound(string conversationId) =>
        new(DeskErrorCode.ConversationNotFound, $"Conversation '{conversationId}' not found.") { ConversationId = conversationId };

    public static DeskException NotParticipant(string conversationId) =>
        new(DeskErrorCode.NotParticipant, "Not a participant of this conversation.") { ConversationId = conversationId };

    public static DeskException Closed(string conversationId) =>
        new(DeskErrorCode.ConversationClosed, "The conversation is closed.") { ConversationId = conversationId };

    /// <inheritdoc />
    public void Dispose() => Gate.Dispose();
}

using Switchboard.Protocol;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Features;

/// <summary>
/// SEND_GROUP_MESSAGE (live, to every connection of the namespace, optionally not the sender's) and
/// SEND_PRIVATE_MESSAGE (durable PRIVATE_MESSAGE to every connection of the recipient, optionally in the other
/// namespace; nobody else receives it).
/// </summary>
internal sealed class ChatCommandHandler(IMessageRouter router, IDurableDelivery delivery, TimeProvider time) : ICommandHandler
{
    public IReadOnlyCollection<string> Commands { get; } = [CommandNames.SendGroupMessage, CommandNames.SendPrivateMessage];

    public ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken) => command switch
    {
        SendGroupMessageCommand group => GroupAsync(context, group, cancellationToken),
        SendPrivateMessageCommand direct => PrivateAsync(context, direct, cancellationToken),
        _ => throw new InvalidOperationException($"Unexpected command type {command.GetType().Name}."),
    };

    private async ValueTask GroupAsync(CommandContext context, SendGroupMessageCommand command, CancellationToken cancellationToken)
    {
        var messageId = MessageIds.New(time);
        var at = time.GetUtcNow();
        var frame = EventFrames.Serialize(new GroupMessageEvent { MessageId = messageId, User = UserRefs.From(context.User), Data = command.Data, At = at });
        var includeSelf = command.IncludeSelf ?? true;

        // SB-CHAT-003: the sender gets the reply before its copy of the GROUP_MESSAGE.
        await context.ReplyAsync(new SendMessageSuccessEvent { MessageId = messageId, At = at }, cancellationToken).ConfigureAwait(false);
        router.SendToNamespace(context.Namespace, frame, includeSelf ? null : context.Connection);
    }

    private async ValueTask PrivateAsync(CommandContext context, SendPrivateMessageCommand command, CancellationToken cancellationToken)
    {
        var targetNs = command.Namespace is { } ns ? UserRefs.FromNamespace(ns) : context.Namespace;
        if (!Validation.IsUserId(command.To) || !await delivery.StreamExistsAsync(targetNs, command.To, cancellationToken).ConfigureAwait(false))
        {
            await context.FailAsync(ErrorCode.RecipientUnknown, $"User '{command.To}' is unknown in namespace {targetNs}.", "$.request.to", cancellationToken).ConfigureAwait(false);
            return;
        }

        var messageId = MessageIds.New(time);
        var at = time.GetUtcNow();

        // SB-CHAT: stored before the sender is acknowledged. The command is only queued here (seq order fixed), so
        // the connection goes on reading while the group commit runs; the ack is sent after the commit, in order.
        var committed = await delivery.BeginAppendAsync(targetNs, command.To, new PrivateMessageEvent
        {
            MessageId = messageId,
            User = UserRefs.From(context.User),
            To = command.To,
            Namespace = UserRefs.ToNamespace(context.Namespace),
            Data = command.Data,
            At = at,
        }, _ => Forget(context.ReplyAsync(new SendMessageSuccessEvent { MessageId = messageId, At = at }, CancellationToken.None)), cancellationToken).ConfigureAwait(false);
        if (!committed.IsCompletedSuccessfully)
        {
            _ = FailIfNotStoredAsync(committed, context);
        }
    }

    // Connections queue frames synchronously; should an implementation complete later, do not block the commit path.
    private static void Forget(ValueTask pending)
    {
        if (!pending.IsCompleted)
        {
            _ = pending.AsTask();
        }
    }

    private static async Task FailIfNotStoredAsync(Task<long> committed, CommandContext context)
    {
        try
        {
            await committed.ConfigureAwait(false);
        }
        catch (Exception)
        {
            await context.FailAsync(ErrorCode.InternalError, "The message could not be stored; it was not sent.", null, CancellationToken.None).ConfigureAwait(false);
        }
    }
}

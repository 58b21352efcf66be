using Switchboard.Protocol;
using Switchboard.ReferenceServer.Messaging;

namespace Switchboard.ReferenceServer.Features;

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
        await delivery.AppendAsync(targetNs, command.To, new PrivateMessageEvent
        {
            MessageId = messageId,
            User = UserRefs.From(context.User),
            To = command.To,
            Namespace = UserRefs.ToNamespace(context.Namespace),
            Data = command.Data,
            At = at,
        }, cancellationToken).ConfigureAwait(false);
        await context.ReplyAsync(new SendMessageSuccessEvent { MessageId = messageId, At = at }, cancellationToken).ConfigureAwait(false);
    }
}

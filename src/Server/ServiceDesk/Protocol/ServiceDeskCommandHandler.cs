using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Features;
using Switchboard.Server.Messaging;
using Switchboard.Server.ServiceDesk.Domain;

namespace Switchboard.Server.ServiceDesk.Protocol;

/// <summary>
/// The service-desk commands (REQUEST_SERVICE, GRAB, OPEN_CONVERSATION, SEND_MESSAGE, CLOSE_CONVERSATION,
/// REQUEST_/ACCEPT_/REFUSE_TRANSFER, GET_DAY_ACCESS, CREATE_/UPDATE_WORK_ORDER, SET_TIMER). Roles are enforced by the
/// core dispatcher from the generated metadata; this handler maps commands to <see cref="ServiceDeskEngine"/> calls,
/// replies per the spec, and turns <see cref="DeskException"/> into the command's error reply.
/// </summary>
internal sealed class ServiceDeskCommandHandler(ServiceDeskEngine engine, ProtocolDeskOutbox outbox) : ICommandHandler
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Commands { get; } =
    [
        CommandNames.RequestService,
        CommandNames.Grab,
        CommandNames.OpenConversation,
        CommandNames.SendMessage,
        CommandNames.CloseConversation,
        CommandNames.RequestTransfer,
        CommandNames.AcceptTransfer,
        CommandNames.RefuseTransfer,
        CommandNames.GetDayAccess,
        CommandNames.CreateWorkOrder,
        CommandNames.UpdateWorkOrder,
        CommandNames.SetTimer,
    ];

    /// <inheritdoc />
    public async ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var actor = DeskWire.Actor(context.Connection);
        try
        {
            await DispatchAsync(context, actor, command, cancellationToken).ConfigureAwait(false);
        }
        catch (DeskException ex)
        {
            if (context.CommandName == CommandNames.RequestTransfer)
            {
                await context.FailWithAsync(DeskWire.TransferError(ex.Code, ex.Message, ex.TransferId, ex.ConversationId, context.CommandName), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await context.FailAsync((ErrorCode)(int)ex.Code, ex.Message, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask DispatchAsync(CommandContext context, DeskActor actor, IClientCommand command, CancellationToken cancellationToken)
    {
        var ack = new Func<ValueTask>(() => context.ReplyAsync(new AckEvent { Command = context.CommandName }, cancellationToken));
        switch (command)
        {
            case RequestServiceCommand request:
                await engine.RequestServiceAsync(actor, request.Topic, request.Data, context, cancellationToken).ConfigureAwait(false);
                break;

            case GrabCommand grab:
                await engine.GrabAsync(actor, grab.ConversationId, context, cancellationToken).ConfigureAwait(false);
                break;

            case OpenConversationCommand open:
                await engine.OpenConversationAsync(actor, open.ConversationId, ack, cancellationToken).ConfigureAwait(false);
                break;

            case SendMessageCommand send:
                // SB-CS-016: the sender's own copy is appended (durably) before the reply, but must reach the sending
                // connection after it: hold this connection's deliveries until the reply is queued.
                using (context.HoldConnectionDeliveries())
                {
                    var message = await engine.SendMessageAsync(actor, send.ConversationId, send.Data, cancellationToken).ConfigureAwait(false);
                    await context.ReplyAsync(
                        new SendMessageSuccessEvent { MessageId = message.Id, At = message.At, ConversationId = message.ConversationId },
                        cancellationToken).ConfigureAwait(false);
                }

                break;

            case CloseConversationCommand close:
                await engine.CloseConversationAsync(actor, close.ConversationId, ack, cancellationToken).ConfigureAwait(false);
                break;

            case RequestTransferCommand transfer:
                await engine.RequestTransferAsync(
                    actor,
                    transfer.ConversationId,
                    transfer.To,
                    transfer.Note,
                    t => context.ReplyAsync(DeskWire.Transfer(t, t.To, accepted: false, t.CreatedAt), cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                break;

            case AcceptTransferCommand accept:
                await engine.AcceptTransferAsync(actor, accept.TransferId, ack, cancellationToken).ConfigureAwait(false);
                break;

            case RefuseTransferCommand refuse:
                await engine.RefuseTransferAsync(actor, refuse.TransferId, refuse.Reason, ack, cancellationToken).ConfigureAwait(false);
                break;

            case GetDayAccessCommand:
                var day = await engine.GetDayAccessAsync(actor.User.Id, cancellationToken).ConfigureAwait(false);
                await context.ReplyAsync(DeskWire.DayAccess(day.Date, day.Count, day.Total), cancellationToken).ConfigureAwait(false);
                break;

            case CreateWorkOrderCommand create:
                if (!ValidateWorkOrder(create.Title, create.Body, null, out var invalid))
                {
                    await context.FailAsync(ErrorCode.InvalidField, invalid.Message, invalid.Path, cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (create.Assignee is not null && !Validation.IsUserId(create.Assignee))
                {
                    await context.FailAsync(ErrorCode.InvalidField, "assignee is not a valid user id (1-64 chars [A-Za-z0-9_.@-]).", "$.request.assignee", cancellationToken).ConfigureAwait(false);
                    return;
                }

                await engine.CreateWorkOrderAsync(
                    actor.User, actor.Namespace, create.Title, create.Body, create.Assignee, create.ConversationId,
                    o => context.ReplyAsync(DeskWire.Womsg(o), cancellationToken), context, cancellationToken).ConfigureAwait(false);
                break;

            case UpdateWorkOrderCommand update:
                if (update.Comment is not null && !TextLength.IsWithin(update.Comment, 0, MaxCommentLength))
                {
                    await context.FailAsync(ErrorCode.InvalidField, $"comment must be at most {MaxCommentLength} characters.", "$.request.comment", cancellationToken).ConfigureAwait(false);
                    return;
                }

                await engine.UpdateWorkOrderAsync(
                    actor.User, actor.Namespace, update.WorkOrderId, update.Status.ToWireString(), update.Comment,
                    o => context.ReplyAsync(DeskWire.Womsg(o), cancellationToken), context, cancellationToken).ConfigureAwait(false);
                break;

            case SetTimerCommand timer:
                if (timer.DelayMs is < 1 or > 86_400_000)
                {
                    await context.FailAsync(ErrorCode.InvalidField, "delay_ms must be within 1..86400000.", "$.request.delay_ms", cancellationToken).ConfigureAwait(false);
                    return;
                }

                outbox.TrackReminderConnection(context.Connection);
                var scheduled = engine.SetReminder(actor, timer.DelayMs, timer.Label);
                await context.ReplyAsync(DeskWire.Timer(scheduled), cancellationToken).ConfigureAwait(false);
                break;

            default:
                throw new InvalidOperationException($"The service desk does not handle {command.CommandName}.");
        }
    }

    /// <summary>Largest work-order title (SB-WO-006).</summary>
    internal const int MaxTitleLength = 200;

    /// <summary>Largest work-order body (SB-WO-006).</summary>
    internal const int MaxBodyLength = 10_000;

    /// <summary>Largest work-order comment (SB-WO-006).</summary>
    internal const int MaxCommentLength = 2_000;

    /// <summary>Checks SB-WO-006 lengths; <paramref name="error"/> carries the message and the JSON path.</summary>
    internal static bool ValidateWorkOrder(string? title, string? body, string? comment, out (string Message, string Path) error, string pathPrefix = "$.request.")
    {
        // Lengths count code points (section 7), as the generated readers do: 200 emoji are a valid title.
        if (title is not null && !TextLength.IsWithin(title, 1, MaxTitleLength))
        {
            error = ($"title must be 1-{MaxTitleLength} characters.", pathPrefix + "title");
            return false;
        }

        if (body is not null && !TextLength.IsWithin(body, 0, MaxBodyLength))
        {
            error = ($"body must be at most {MaxBodyLength} characters.", pathPrefix + "body");
            return false;
        }

        if (comment is not null && !TextLength.IsWithin(comment, 0, MaxCommentLength))
        {
            error = ($"comment must be at most {MaxCommentLength} characters.", pathPrefix + "comment");
            return false;
        }

        error = default;
        return true;
    }
}

using Switchboard.Protocol;
using Switchboard.Server.Auth;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;

namespace Switchboard.Server.Features;

/// <summary>ECHO, PONG, REFRESH_TOKEN and RECEIVED.</summary>
internal sealed class CoreCommandHandler(TokenService tokens, DurableDelivery delivery) : ICommandHandler
{
    public IReadOnlyCollection<string> Commands { get; } = [CommandNames.Echo, CommandNames.Pong, CommandNames.RefreshToken, CommandNames.Received];

    public ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken) => command switch
    {
        EchoCommand echo => context.ReplyAsync(new EchoEvent { Data = echo.Data }, cancellationToken),
        PongCommand => ValueTask.CompletedTask, // activity is recorded by the receive loop
        RefreshTokenCommand refresh => RefreshAsync(context, refresh, cancellationToken),
        ReceivedCommand received => ReceivedAsync(context, received, cancellationToken),
        _ => throw new InvalidOperationException($"Unexpected command type {command.GetType().Name}."),
    };

    private async ValueTask RefreshAsync(CommandContext context, RefreshTokenCommand refresh, CancellationToken cancellationToken)
    {
        var result = await tokens.ValidateAsync(refresh.Token, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var code = result.Error == ErrorCode.TokenExpired ? ErrorCode.TokenExpired : ErrorCode.TokenInvalid;
            await context.FailAsync(code, result.Message ?? "Invalid token.", "$.request.token", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(result.User!.Id, context.User.Id, StringComparison.Ordinal))
        {
            await context.FailAsync(ErrorCode.TokenSubjectMismatch, "The new token is for a different user.", "$.request.token", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (context.Connection is SwitchboardConnection connection)
        {
            connection.SetTokenExpiry(result.ExpiresAt);
        }

        await context.ReplyAsync(new AckEvent { Command = CommandNames.RefreshToken, ExpiresAt = result.ExpiresAt }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ReceivedAsync(CommandContext context, ReceivedCommand received, CancellationToken cancellationToken)
    {
        if (!await delivery.AcknowledgeAsync(context.Namespace, context.User.Id, received.Seq, cancellationToken).ConfigureAwait(false))
        {
            await context.FailAsync(ErrorCode.InvalidField, "seq is beyond the last seq of your stream.", "$.request.seq", cancellationToken).ConfigureAwait(false);
            return;
        }

        await context.ReplyAsync(new AckEvent { Command = CommandNames.Received }, cancellationToken).ConfigureAwait(false);
    }
}

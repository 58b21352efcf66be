using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Diagnostics;

namespace Switchboard.Server.Messaging;

/// <summary>
/// Routes decoded commands to their <see cref="ICommandHandler"/>: checks roles from the generated command
/// metadata (ERROR 2004), isolates handler failures (ERROR 5003), and sends error replies in the command's
/// error-reply event type (ERROR / SEND_MESSAGE_ERROR / TRANSFER_ERROR).
/// </summary>
public sealed class CommandDispatcher
{
    private readonly FrozenDictionary<string, ICommandHandler> _handlers;
    private readonly SwitchboardMetrics _metrics;
    private readonly ILogger<CommandDispatcher> _logger;
    private readonly ICommandReplySink _sink;

    /// <summary>Creates the dispatcher; fails if two handlers claim the same command.</summary>
    public CommandDispatcher(IEnumerable<ICommandHandler> handlers, SwitchboardMetrics metrics, ILogger<CommandDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        var map = new Dictionary<string, ICommandHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            foreach (var name in handler.Commands)
            {
                if (!map.TryAdd(name, handler))
                {
                    throw new InvalidOperationException($"Command {name} is handled by both {map[name].GetType().Name} and {handler.GetType().Name}.");
                }
            }
        }

        _handlers = map.ToFrozenDictionary(StringComparer.Ordinal);
        _metrics = metrics;
        _logger = logger;
        _sink = new Sink(this);
    }

    /// <summary>The command names that have a handler.</summary>
    public IReadOnlyCollection<string> HandledCommands => _handlers.Keys;

    /// <summary>Handles one decoded envelope.</summary>
    public async ValueTask DispatchAsync(IConnection connection, ClientEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var context = new CommandContext(connection, envelope.Command, envelope.Cid, _sink);
        if (!_handlers.TryGetValue(envelope.Command, out var handler))
        {
            await context.FailAsync(ErrorCode.UnknownCommand, $"Command {envelope.Command} is not supported by this server.", "$.command", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!CommandRules.IsAllowed(envelope.Command, connection.User.Role))
        {
            await context.FailAsync(ErrorCode.Forbidden, $"Role '{connection.User.Role}' may not send {envelope.Command}.", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await handler.HandleAsync(context, envelope.Request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection closed or the server is stopping: nothing to reply to.
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, envelope.Command, connection.User.Id, ex);
            await context.FailAsync(ErrorCode.InternalError, "The server failed to process the command.", null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Builds the error reply event for <paramref name="commandName"/> (null command = ERROR).</summary>
    public static IServerEvent CreateError(string? commandName, ErrorCode code, string message, string? path)
    {
        var name = ErrorNames.Of(code);
        return CommandRules.ErrorReplyOf(commandName) switch
        {
            EventNames.SendMessageError => new SendMessageErrorEvent { Code = (int)code, Error = name, Message = message, Path = path, Command = commandName },
            EventNames.TransferError => new TransferErrorEvent { Code = (int)code, Error = name, Message = message, Path = path, Command = commandName },
            _ => new ErrorEvent { Code = (int)code, Error = name, Message = message, Path = path, Command = commandName },
        };
    }

    private ValueTask SendErrorAsync(CommandContext context, ErrorCode code, string message, string? path, CancellationToken cancellationToken)
    {
        _metrics.Error((int)code);
        return context.Connection.SendAsync(CreateError(context.CommandName, code, message, path), context.Cid, cancellationToken);
    }

    private sealed class Sink(CommandDispatcher owner) : ICommandReplySink
    {
        public ValueTask SendErrorAsync(CommandContext context, ErrorCode code, string message, string? path, CancellationToken cancellationToken)
            => owner.SendErrorAsync(context, code, message, path, cancellationToken);
    }
}


using Switchboard.Protocol;

namespace Switchboard.Server.Messaging;

/// <summary>
/// Handles one or more client commands. Register implementations in DI as
/// <c>services.AddSingleton&lt;ICommandHandler, MyHandler&gt;()</c> (many allowed; a command name may be claimed by
/// one handler only — a duplicate fails at startup). The dispatcher routes by wire name, checks the command's roles
/// (generated command metadata) before calling the handler (ERROR 2004 FORBIDDEN otherwise) and turns any exception
/// thrown by the handler into ERROR 5003 INTERNAL_ERROR; the connection stays open.
/// Commands of one connection are handled one at a time, in arrival order.
/// </summary>
public interface ICommandHandler
{
    /// <summary>The wire names of the commands this handler handles (e.g. <c>CommandNames.Grab</c>).</summary>
    IReadOnlyCollection<string> Commands { get; }

    /// <summary>Handles one decoded command.</summary>
    /// <param name="context">The connection, cid, and the reply helpers.</param>
    /// <param name="command">The decoded request (the generated <c>XxxCommand</c> type).</param>
    /// <param name="cancellationToken">Cancelled when the connection closes or the server stops.</param>
    ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken);
}

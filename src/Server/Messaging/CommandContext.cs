using Switchboard.Protocol;

namespace Switchboard.Server.Messaging;

/// <summary>
/// The context of one command being handled: the connection it came from, its <c>cid</c>, and helpers that send
/// the command's reply following the contract's cid rule (a command with a cid gets exactly one reply carrying
/// that cid; a command without cid gets no success reply, but errors are still sent).
/// </summary>
public sealed class CommandContext
{
    private readonly ICommandReplySink _sink;
    private int _replied;

    internal CommandContext(IConnection connection, string commandName, string? cid, ICommandReplySink sink)
    {
        Connection = connection;
        CommandName = commandName;
        Cid = cid;
        _sink = sink;
    }

    /// <summary>The connection the command arrived on.</summary>
    public IConnection Connection { get; }

    /// <summary>The envelope's <c>cid</c>, or <see langword="null"/> (fire-and-forget).</summary>
    public string? Cid { get; }

    /// <summary>The command's wire name (e.g. <c>SEND_MESSAGE</c>).</summary>
    public string CommandName { get; }

    /// <summary>The user who sent the command (shortcut for <c>Connection.User</c>).</summary>
    public UserIdentity User => Connection.User;

    /// <summary>The namespace of the connection (shortcut for <c>Connection.Namespace</c>).</summary>
    public string Namespace => Connection.Namespace;

    /// <summary>Whether a reply (success or error) has already been sent for this command.</summary>
    public bool HasReplied => Volatile.Read(ref _replied) != 0;

    /// <summary>
    /// Sends the success reply <paramref name="ev"/> carrying the command's cid. Does nothing when the command had no
    /// cid (fire-and-forget) or a reply was already sent.
    /// </summary>
    public ValueTask ReplyAsync(IServerEvent ev, CancellationToken cancellationToken = default)
        => Cid is null ? ValueTask.CompletedTask : SendReplyAsync(ev, cancellationToken);

    /// <summary>
    /// Sends the success reply <paramref name="ev"/> also when the command had no cid (then without cid), for the
    /// commands whose reply is sent regardless (<c>x-reply-without-cid</c>: JOIN_ROOM's ROOM_STATE, SB-ROOM-002).
    /// Does nothing if a reply was already sent.
    /// </summary>
    public ValueTask ReplyEvenWithoutCidAsync(IServerEvent ev, CancellationToken cancellationToken = default)
        => SendReplyAsync(ev, cancellationToken);

    private ValueTask SendReplyAsync(IServerEvent ev, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _replied, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_holding && Connection is Connections.SwitchboardConnection connection)
        {
            connection.TrySendNow(EventFrames.Serialize(ev, Cid));
            return ValueTask.CompletedTask;
        }

        return Connection.SendAsync(ev, Cid, cancellationToken);
    }

    /// <summary>
    /// Holds back every other frame for this connection until the returned scope is disposed, so the reply sent
    /// meanwhile with <see cref="ReplyAsync"/> arrives before the events the command caused on the same connection
    /// (SB-CS-016: SEND_MESSAGE_SUCCESS before the sender's own NEW_MESSAGE). Frames for other connections are unaffected.
    /// </summary>
    public IDisposable HoldConnectionDeliveries()
    {
        if (Connection is not Connections.SwitchboardConnection connection)
        {
            return NoHold.Instance;
        }

        connection.HoldDeliveries();
        _holding = true;
        return new HoldScope(this, connection);
    }

    private bool _holding;

    private sealed class HoldScope(CommandContext context, Connections.SwitchboardConnection connection) : IDisposable
    {
        public void Dispose()
        {
            context._holding = false;
            connection.ReleaseHeld();
        }
    }

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// Sends the command's error reply (with the cid when there is one): <c>ERROR</c>, or <c>SEND_MESSAGE_ERROR</c> /
    /// <c>TRANSFER_ERROR</c> for the commands whose generated metadata names that error-reply event.
    /// Does nothing if a reply was already sent.
    /// </summary>
    /// <param name="code">The error code (its wire name goes into <c>error</c>).</param>
    /// <param name="message">A human-readable message.</param>
    /// <param name="path">The JSON path of the offending field (e.g. <c>$.request.to</c>), if any.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public ValueTask FailAsync(ErrorCode code, string message, string? path = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _replied, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        return _sink.SendErrorAsync(this, code, message, path, cancellationToken);
    }

    /// <summary>
    /// Sends a custom error reply event (e.g. a <c>TRANSFER_ERROR</c> carrying <c>transfer_id</c>), with the cid when
    /// there is one. Always sent (errors are never fire-and-forget); does nothing if a reply was already sent.
    /// </summary>
    public ValueTask FailWithAsync(IServerEvent errorEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(errorEvent);
        if (Interlocked.Exchange(ref _replied, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        return Connection.SendAsync(errorEvent, Cid, cancellationToken);
    }

    /// <summary>
    /// Marks the command as replied without sending anything (used when the reply went out another way, e.g.
    /// <see cref="IDurableDelivery.AppendAsync(string, string, IServerEvent, CommandContext?, CancellationToken)"/>
    /// delivered the durable reply with the cid). Returns <see langword="true"/> if this call claimed the reply.
    /// </summary>
    public bool TryClaimReply() => Interlocked.Exchange(ref _replied, 1) == 0;
}

/// <summary>Sends error replies on behalf of <see cref="CommandContext"/> (implemented by the dispatcher).</summary>
internal interface ICommandReplySink
{
    ValueTask SendErrorAsync(CommandContext context, ErrorCode code, string message, string? path, CancellationToken cancellationToken);
}

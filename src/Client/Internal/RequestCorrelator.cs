using System.Collections.Concurrent;
using System.Globalization;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Internal;

/// <summary>Matches replies to the commands awaiting them, by <c>cid</c>.</summary>
internal sealed class RequestCorrelator
{
    private readonly ConcurrentDictionary<string, PendingCommand> _pending = new(StringComparer.Ordinal);
    private long _cidCounter;

    /// <summary>A <c>cid</c> not used before by this client.</summary>
    public string NextCid() => "c" + Interlocked.Increment(ref _cidCounter).ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts waiting for the reply to <paramref name="cid"/>, sent on <paramref name="connection"/>.</summary>
    public PendingCommand Register(string cid, string commandName, ActiveConnection connection)
    {
        var pending = new PendingCommand(commandName, connection);
        _pending[cid] = pending;
        return pending;
    }

    /// <summary>Stops waiting (the command completed, timed out or was not sent).</summary>
    public void Remove(string cid) => _pending.TryRemove(cid, out _);

    /// <summary>Hands a reply to its waiting command; false when nobody waits for it (a late reply).</summary>
    public bool TryComplete(string cid, ServerEnvelope envelope)
    {
        if (!_pending.TryRemove(cid, out var pending))
        {
            return false;
        }

        pending.Reply.TrySetResult(envelope);
        return true;
    }

    /// <summary>Fails the command waiting for <paramref name="cid"/> with the error <paramref name="error"/> builds.</summary>
    public void TryFail(string cid, Func<string, Exception> error)
    {
        if (_pending.TryRemove(cid, out var pending))
        {
            pending.Reply.TrySetException(error(pending.CommandName));
        }
    }

    /// <summary>Fails every command sent on <paramref name="connection"/> (all of them when <see langword="null"/>).</summary>
    public void FailAll(ActiveConnection? connection, SwitchboardCloseInfo close)
    {
        foreach (var (cid, pending) in _pending)
        {
            if ((connection is null || ReferenceEquals(pending.Connection, connection)) && _pending.TryRemove(cid, out _))
            {
                pending.Reply.TrySetException(new SwitchboardConnectionException(
                    $"The connection closed ({(int)close.Code} {close.Reason}) before the reply to {pending.CommandName} arrived; the command may or may not have been processed.",
                    close));
            }
        }
    }

    /// <summary>A command awaiting its reply.</summary>
    public sealed class PendingCommand(string commandName, ActiveConnection connection)
    {
        public string CommandName { get; } = commandName;

        public ActiveConnection Connection { get; } = connection;

        public TaskCompletionSource<ServerEnvelope> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Features;

/// <summary>
/// Rooms (per namespace): membership per connection, ROOM_ENTER/ROOM_LEAVE on a user's first join / last leave
/// (also on disconnect), room streams stored once per message (room_seq) and replayed on JOIN_ROOM with since.
/// Every operation on a room runs under that room's lock, so members see one consistent order.
/// </summary>
internal sealed class RoomService(IMessageStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<Options.SwitchboardOptions> options) : IRoomService
{
    private readonly StripedAsyncLock _locks = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Ns, string Room), Room> _rooms = [];
    private readonly Dictionary<IConnection, HashSet<string>> _joined = new(ReferenceEqualityComparer.Instance);
    private readonly int _replayLimit = options.Value.History.MaxPerStream;

    private static async ValueTask<bool> CheckRoomAsync(CommandContext context, string room, CancellationToken cancellationToken)
    {
        if (Validation.IsRoom(room))
        {
            return true;
        }

        await context.FailAsync(ErrorCode.InvalidRoom, "Room names are 1-64 characters [A-Za-z0-9_.:-].", "$.request.room", cancellationToken).ConfigureAwait(false);
        return false;
    }

    public async ValueTask JoinAsync(CommandContext context, string room, long? since, CancellationToken cancellationToken)
    {
        if (!await CheckRoomAsync(context, room, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var connection = context.Connection;
        var ns = connection.Namespace;
        using (await _locks.AcquireAsync(ns, room, cancellationToken).ConfigureAwait(false))
        {
            var info = await store.GetRoomAsync(ns, room, cancellationToken).ConfigureAwait(false);
            var (frames, recovered) = since is { } from
                ? await ReadReplayAsync(ns, room, from, info, cancellationToken).ConfigureAwait(false)
                : ([], true);
            foreach (var frame in frames)
            {
                SendReplay(connection, frame.Frame);
            }

            bool firstForUser;
            UserRef[] members;
            IConnection[] recipients;
            lock (_gate)
            {
                if (!_rooms.TryGetValue((ns, room), out var state))
                {
                    _rooms[(ns, room)] = state = new Room();
                }

                firstForUser = state.Add(connection);
                if (!_joined.TryGetValue(connection, out var set))
                {
                    _joined[connection] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(room);
                members = state.MemberRefs();
                recipients = state.Connections();
            }

            // SB-ROOM-002: ROOM_STATE ends the replay, so a cid-less JOIN_ROOM gets it too (without cid).
            await context.ReplyEvenWithoutCidAsync(new RoomStateEvent { Room = room, Members = members, Seq = info.LastSeq, Recovered = recovered, Missed = frames.Count }, cancellationToken).ConfigureAwait(false);
            if (firstForUser)
            {
                var frame = EventFrames.Serialize(new RoomEnterEvent { Room = room, User = UserRefs.From(connection.User), At = time.GetUtcNow() });
                foreach (var member in recipients)
                {
                    member.TrySend(frame);
                }
            }
        }
    }

    /// <summary>
    /// SB-ROOM-012/014: the replay for JOIN_ROOM <c>since</c> = <paramref name="since"/> always ends at the room's last
    /// <c>room_seq</c> (nothing between the replay and the live messages is skipped). Retention guarantees only the last
    /// <c>History:MaxPerStream</c> messages (SB-DLV-011), so the replay starts at that floor (or at what pruning already
    /// removed) whether or not the pruning job has run yet: the same join gets the same answer before and after pruning.
    /// <c>recovered</c> is true only when every message after <paramref name="since"/> is in the replay.
    /// </summary>
    private async ValueTask<(IReadOnlyList<StoredFrame> Frames, bool Recovered)> ReadReplayAsync(string ns, string room, long since, RoomStreamInfo info, CancellationToken cancellationToken)
    {
        if (since > info.LastSeq)
        {
            return ([], false);
        }

        if (since == info.LastSeq)
        {
            return ([], true);
        }

        var floor = Math.Max(since, Math.Max(info.PrunedThrough, info.LastSeq - _replayLimit));
        var frames = await store.ReadRoomAsync(ns, room, floor, (int)(info.LastSeq - floor), cancellationToken).ConfigureAwait(false);

        // Counting what was read (not only the floor) keeps recovered truthful if a TTL prune removed rows meanwhile.
        return (frames, floor == since && frames.Count == info.LastSeq - since);
    }

    public async ValueTask LeaveAsync(CommandContext context, string room, CancellationToken cancellationToken)
    {
        if (!await CheckRoomAsync(context, room, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var connection = context.Connection;
        if (!await RemoveAsync(connection, room, RoomLeaveReason.Left, cancellationToken).ConfigureAwait(false))
        {
            await context.FailAsync(ErrorCode.NotInRoom, $"You are not in room '{room}'.", "$.request.room", cancellationToken).ConfigureAwait(false);
            return;
        }

        await context.ReplyAsync(new AckEvent { Command = CommandNames.LeaveRoom }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SendAsync(CommandContext context, string room, string data, CancellationToken cancellationToken)
    {
        if (!await CheckRoomAsync(context, room, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var connection = context.Connection;
        var ns = connection.Namespace;
        using (await _locks.AcquireAsync(ns, room, cancellationToken).ConfigureAwait(false))
        {
            IConnection[] recipients;
            lock (_gate)
            {
                if (!_rooms.TryGetValue((ns, room), out var state) || !state.Contains(connection))
                {
                    recipients = [];
                }
                else
                {
                    recipients = state.Connections();
                }
            }

            if (recipients.Length == 0)
            {
                await context.FailAsync(ErrorCode.NotInRoom, $"You are not in room '{room}'.", "$.request.room", cancellationToken).ConfigureAwait(false);
                return;
            }

            var messageId = MessageIds.New(time);
            var at = time.GetUtcNow();
            var user = UserRefs.From(connection.User);
            // Only queued under the room lock (room_seq order fixed); the commit, the sender's reply and the broadcast
            // run on the store's group-commit loop in room_seq order, so the sender can keep publishing meanwhile and
            // concurrent messages share one commit. The members are taken at commit time: JOIN_ROOM (same lock) waits
            // for the queued messages first (GetRoomAsync barrier), so a joiner gets each message exactly once.
            var stored = store.AppendRoomAsync(ns, room, seq => EventFrames.Serialize(new RoomMessageEvent
            {
                MessageId = messageId,
                Room = room,
                RoomSeq = seq,
                User = user,
                Data = data,
                At = at,
            }), frame =>
            {
                // SB-ROOM-010: the sender gets the reply before its copy of the ROOM_MESSAGE.
                var reply = context.ReplyAsync(new SendMessageSuccessEvent { MessageId = messageId, At = at, Seq = frame.Seq }, CancellationToken.None);
                if (!reply.IsCompleted)
                {
                    _ = reply.AsTask();
                }

                IConnection[] members;
                lock (_gate)
                {
                    members = _rooms.TryGetValue((ns, room), out var current) ? current.Connections() : [];
                }

                foreach (var member in members)
                {
                    member.TrySend(frame.Frame);
                }
            }, CancellationToken.None);
            if (!stored.IsCompletedSuccessfully)
            {
                _ = FailIfNotStoredAsync(stored, context);
            }
        }
    }

    private static async Task FailIfNotStoredAsync(ValueTask<StoredFrame> stored, CommandContext context)
    {
        try
        {
            await stored.ConfigureAwait(false);
        }
        catch (Exception)
        {
            await context.FailAsync(ErrorCode.InternalError, "The message could not be stored; it was not sent.", null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a pre-serialized frame to every member connection of a room; returns how many accepted it.</summary>
    public ValueTask<int> BroadcastAsync(string ns, string room, byte[] frame, CancellationToken cancellationToken)
        => ValueTask.FromResult(Broadcast(ns, room, frame));

    /// <summary>Sends a pre-serialized frame to every member connection of a room; returns how many accepted it.</summary>
    public int Broadcast(string ns, string room, byte[] frame)
    {
        IConnection[] recipients;
        lock (_gate)
        {
            recipients = _rooms.TryGetValue((ns, room), out var state) ? state.Connections() : [];
        }

        var delivered = 0;
        foreach (var member in recipients)
        {
            if (member.TrySend(frame))
            {
                delivered++;
            }
        }

        return delivered;
    }

    /// <summary>The rooms a connection is in (snapshot).</summary>
    public IReadOnlyCollection<string> RoomsOf(IConnection connection)
    {
        lock (_gate)
        {
            return _joined.TryGetValue(connection, out var set) ? [.. set] : [];
        }
    }

    public ValueTask OnConnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask OnDisconnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken)
    {
        foreach (var room in RoomsOf(connection))
        {
            await RemoveAsync(connection, room, RoomLeaveReason.Disconnected, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _joined.Remove(connection);
        }
    }

    private async ValueTask<bool> RemoveAsync(IConnection connection, string room, RoomLeaveReason reason, CancellationToken cancellationToken)
    {
        var ns = connection.Namespace;
        using (await _locks.AcquireAsync(ns, room, cancellationToken).ConfigureAwait(false))
        {
            bool lastForUser;
            IConnection[] recipients;
            lock (_gate)
            {
                if (!_rooms.TryGetValue((ns, room), out var state) || !state.Remove(connection, out lastForUser))
                {
                    return false;
                }

                if (state.IsEmpty)
                {
                    _rooms.Remove((ns, room));
                }

                if (_joined.TryGetValue(connection, out var set))
                {
                    set.Remove(room);
                }

                recipients = state.Connections();
            }

            if (lastForUser)
            {
                var frame = EventFrames.Serialize(new RoomLeaveEvent { Room = room, User = UserRefs.From(connection.User), Reason = reason, At = time.GetUtcNow() });
                foreach (var member in recipients)
                {
                    member.TrySend(frame); // SB-ROOM-006: the leaving connection gets no ROOM_LEAVE
                }
            }

            return true;
        }
    }

    private static void SendReplay(IConnection connection, byte[] frame)
    {
        if (connection is SwitchboardConnection c)
        {
            c.SendForced(frame);
        }
        else
        {
            connection.TrySend(frame);
        }
    }

    private sealed class Room
    {
        private readonly Dictionary<string, List<IConnection>> _byUser = new(StringComparer.Ordinal);
        private IConnection[]? _snapshot;

        public bool IsEmpty => _byUser.Count == 0;

        public bool Contains(IConnection connection) => _byUser.TryGetValue(connection.User.Id, out var list) && list.Contains(connection);

        /// <summary>Adds; returns true when this is the user's first connection in the room.</summary>
        public bool Add(IConnection connection)
        {
            if (!_byUser.TryGetValue(connection.User.Id, out var list))
            {
                _byUser[connection.User.Id] = list = [];
            }

            if (list.Contains(connection))
            {
                return false;
            }

            list.Add(connection);
            _snapshot = null;
            return list.Count == 1;
        }

        public bool Remove(IConnection connection, out bool lastForUser)
        {
            lastForUser = false;
            if (!_byUser.TryGetValue(connection.User.Id, out var list) || !list.Remove(connection))
            {
                return false;
            }

            if (list.Count == 0)
            {
                _byUser.Remove(connection.User.Id);
                lastForUser = true;
            }

            _snapshot = null;
            return true;
        }

        public IConnection[] Connections() => _snapshot ??= _byUser.Values.SelectMany(l => l).ToArray();

        public UserRef[] MemberRefs() => _byUser.Values
            .Select(l => l[^1].User)
            .OrderBy(u => u.Id, StringComparer.Ordinal)
            .Select(UserRefs.From)
            .ToArray();
    }
}

/// <summary>JOIN_ROOM, LEAVE_ROOM, SEND_ROOM_MESSAGE.</summary>
internal sealed class RoomCommandHandler(IRoomService rooms) : ICommandHandler
{
    public IReadOnlyCollection<string> Commands { get; } = [CommandNames.JoinRoom, CommandNames.LeaveRoom, CommandNames.SendRoomMessage];

    public ValueTask HandleAsync(CommandContext context, IClientCommand command, CancellationToken cancellationToken) => command switch
    {
        JoinRoomCommand join => rooms.JoinAsync(context, join.Room, join.Since, cancellationToken),
        LeaveRoomCommand leave => rooms.LeaveAsync(context, leave.Room, cancellationToken),
        SendRoomMessageCommand send => rooms.SendAsync(context, send.Room, send.Data, cancellationToken),
        _ => throw new InvalidOperationException($"Unexpected command type {command.GetType().Name}."),
    };
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Features;
using Switchboard.Server.Messaging;
using Switchboard.Server.Options;
using Switchboard.Server.Redis.Presence;
using Switchboard.Server.Redis.Routing;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Redis.Rooms;

/// <summary>
/// Rooms across the cluster (section 9). Membership lives in Redis (<c>{r:ns:room}</c>: member connections, per-user
/// counts, identities), so ROOM_STATE lists the members of every node and ROOM_ENTER / ROOM_LEAVE are decided
/// cluster-wide by one script each (first join / last leave of the user). Room messages are appended to the room
/// stream by the store's script, which publishes them on <c>{r:ns:room}:ch</c>; a node subscribes to that channel while
/// it has members of the room, before it reads the room for a join, and follows each member connection with a
/// <see cref="SequencedFollower"/> (room_seq order, no gap, no duplicate). ROOM_ENTER / ROOM_LEAVE / room pushes are
/// delivered here at once and on the other nodes from the channel.
/// </summary>
internal sealed partial class RedisRoomService : IRoomService
{
    private readonly IMessageStore _store;
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisNode _node;
    private readonly RedisAvailability _availability;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisRoomService> _logger;
    private readonly int _replayLimit;
    private readonly StripedAsyncLock _locks = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Ns, string Room), LocalRoom> _rooms = [];
    private readonly Dictionary<IConnection, HashSet<string>> _joined = new(ReferenceEqualityComparer.Instance);

    public RedisRoomService(IMessageStore store, IConnectionMultiplexer redis, RedisNode node, RedisAvailability availability, TimeProvider time, IOptions<SwitchboardOptions> options, ILogger<RedisRoomService> logger)
    {
        _store = store;
        _redis = redis;
        _node = node;
        _availability = availability;
        _time = time;
        _logger = logger;
        _replayLimit = options.Value.History.MaxPerStream;
    }

    private IDatabase Db => _redis.GetDatabase();

    private RedisKeys Keys => _node.Keys;

    private static async ValueTask<bool> CheckRoomAsync(CommandContext context, string room, CancellationToken cancellationToken)
    {
        if (Validation.IsRoom(room))
        {
            return true;
        }

        await context.FailAsync(ErrorCode.InvalidRoom, "Room names are 1-64 characters [A-Za-z0-9_.:-].", "$.request.room", cancellationToken).ConfigureAwait(false);
        return false;
    }

    private RedisKey[] MemberKeys(string ns, string room, string node) =>
        [Keys.RoomMembers(ns, room), Keys.RoomUsers(ns, room), Keys.RoomNames(ns, room), Keys.RoomMembersOfNode(ns, room, node)];

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
            // Hear the room's messages before reading it: whatever is committed after the read reaches the follower.
            var local = await SubscribeAsync(ns, room).ConfigureAwait(false);
            bool alreadyMember;
            lock (_gate)
            {
                alreadyMember = local.Members.ContainsKey(connection);
                if (!alreadyMember)
                {
                    local.Members[connection] = null; // reserved: counts for the subscription
                }
            }

            try
            {
                var info = await _store.GetRoomAsync(ns, room, cancellationToken).ConfigureAwait(false);
                var (frames, recovered) = since is { } from
                    ? await ReadReplayAsync(ns, room, from, info, cancellationToken).ConfigureAwait(false)
                    : ([], true);
                foreach (var frame in frames)
                {
                    SendReplay(connection, frame.Frame);
                }

                var enter = EventFrames.Serialize(new RoomEnterEvent { Room = room, User = UserRefs.From(connection.User), At = _time.GetUtcNow() });
                var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RoomScripts.Join, MemberKeys(ns, room, _node.Id),
                [
                    Field(connection), connection.User.Id, IdentityCodec.Encode(connection.User), Keys.RoomChannel(ns, room).ToString(),
                    BusMessage.Build('e', _node.Id, connection.ClientId, enter),
                ]).ConfigureAwait(false))!;
                await Db.SetAddAsync(Keys.RoomsOfNode(_node.Id), ns + "\n" + room).ConfigureAwait(false);
                var first = (int)result[0] == 1;
                var members = result.Skip(1).Select(r => IdentityCodec.Decode((string)r!))
                    .OrderBy(u => u.Id, StringComparer.Ordinal).Select(UserRefs.From).ToArray();

                // SB-ROOM-002: ROOM_STATE ends the replay, so a cid-less JOIN_ROOM gets it too (without cid).
                await context.ReplyEvenWithoutCidAsync(new RoomStateEvent { Room = room, Members = members, Seq = info.LastSeq, Recovered = recovered, Missed = frames.Count }, cancellationToken).ConfigureAwait(false);
                if (!alreadyMember)
                {
                    var follower = new SequencedFollower(connection, (after, limit) => ReadRoomAsync(ns, room, after, limit), _availability.OnConnectionReadFailed);
                    lock (_gate)
                    {
                        local.Members[connection] = follower;
                        if (!_joined.TryGetValue(connection, out var set))
                        {
                            _joined[connection] = set = new HashSet<string>(StringComparer.Ordinal);
                        }

                        set.Add(room);
                    }

                    follower.Start(info.LastSeq);
                }

                if (first)
                {
                    foreach (var member in local.Snapshot())
                    {
                        member.TrySend(enter);
                    }
                }
            }
            catch when (!alreadyMember)
            {
                await DropLocalAsync(ns, room, connection).ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task<IReadOnlyList<StoredFrame>> ReadRoomAsync(string ns, string room, long after, int limit)
        => await _store.ReadRoomAsync(ns, room, after, limit).ConfigureAwait(false);

    // As the single node's RoomService.ReadReplayAsync (SB-ROOM-012/014).
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
        var frames = await _store.ReadRoomAsync(ns, room, floor, (int)(info.LastSeq - floor), cancellationToken).ConfigureAwait(false);
        return (frames, floor == since && frames.Count == info.LastSeq - since);
    }

    public async ValueTask LeaveAsync(CommandContext context, string room, CancellationToken cancellationToken)
    {
        if (!await CheckRoomAsync(context, room, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!await RemoveAsync(context.Connection, room, RoomLeaveReason.Left, cancellationToken).ConfigureAwait(false))
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
            LocalRoom? local;
            lock (_gate)
            {
                local = _rooms.TryGetValue((ns, room), out var state) && state.Members.TryGetValue(connection, out var f) && f is not null ? state : null;
            }

            if (local is null)
            {
                await context.FailAsync(ErrorCode.NotInRoom, $"You are not in room '{room}'.", "$.request.room", cancellationToken).ConfigureAwait(false);
                return;
            }

            var messageId = MessageIds.New(_time);
            var at = _time.GetUtcNow();
            var user = UserRefs.From(connection.User);
            var stored = _store.AppendRoomAsync(ns, room, seq => EventFrames.Serialize(new RoomMessageEvent
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

                foreach (var follower in local.Followers())
                {
                    follower.Offer(frame.Seq, frame.Frame);
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

    public async ValueTask<int> BroadcastAsync(string ns, string room, byte[] frame, CancellationToken cancellationToken)
    {
        await _redis.GetSubscriber().PublishAsync(Keys.RoomChannel(ns, room), BusMessage.Build('p', _node.Id, string.Empty, frame)).ConfigureAwait(false);
        LocalRoom? local;
        lock (_gate)
        {
            _rooms.TryGetValue((ns, room), out local);
        }

        foreach (var member in local?.Snapshot() ?? [])
        {
            member.TrySend(frame);
        }

        // Every member connection of the cluster was offered the frame (the other nodes' from the channel).
        return (int)await Db.HashLengthAsync(Keys.RoomMembers(ns, room)).ConfigureAwait(false);
    }

    public ValueTask OnConnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask OnDisconnectedAsync(IConnection connection, ConnectionChange change, CancellationToken cancellationToken)
    {
        string[] rooms;
        lock (_gate)
        {
            rooms = _joined.Remove(connection, out var set) ? [.. set] : [];
        }

        foreach (var room in rooms)
        {
            await RemoveAsync(connection, room, RoomLeaveReason.Disconnected, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> RemoveAsync(IConnection connection, string room, RoomLeaveReason reason, CancellationToken cancellationToken)
    {
        var ns = connection.Namespace;
        using (await _locks.AcquireAsync(ns, room, cancellationToken).ConfigureAwait(false))
        {
            lock (_gate)
            {
                if (!_rooms.TryGetValue((ns, room), out var state) || !state.Members.TryGetValue(connection, out var follower) || follower is null)
                {
                    return false;
                }

                if (_joined.TryGetValue(connection, out var set))
                {
                    set.Remove(room);
                }
            }

            var leave = EventFrames.Serialize(new RoomLeaveEvent { Room = room, User = UserRefs.From(connection.User), Reason = reason, At = _time.GetUtcNow() });
            var remaining = (int)await Db.ScriptEvaluateAsync(RoomScripts.Leave, MemberKeys(ns, room, _node.Id),
            [
                Field(connection), connection.User.Id, Keys.RoomChannel(ns, room).ToString(), BusMessage.Build('x', _node.Id, connection.ClientId, leave),
            ]).ConfigureAwait(false);
            var local = await DropLocalAsync(ns, room, connection).ConfigureAwait(false);
            if (remaining == 0)
            {
                foreach (var member in local)
                {
                    member.TrySend(leave); // SB-ROOM-006: the leaving connection gets no ROOM_LEAVE
                }
            }

            return true;
        }
    }

    /// <summary>Removes the members a dead node left in its rooms and tells the remaining members (ROOM_LEAVE disconnected).</summary>
    public async Task SweepNodeAsync(string deadNode)
    {
        foreach (var entry in await Db.SetMembersAsync(Keys.RoomsOfNode(deadNode)).ConfigureAwait(false))
        {
            var parts = ((string)entry!).Split('\n', 2);
            var (ns, room) = (parts[0], parts[1]);
            var gone = (RedisResult[])(await Db.ScriptEvaluateAsync(RoomScripts.Sweep, MemberKeys(ns, room, deadNode)).ConfigureAwait(false))!;
            foreach (var identity in gone)
            {
                var user = IdentityCodec.Decode((string)identity!);
                var leave = EventFrames.Serialize(new RoomLeaveEvent { Room = room, User = UserRefs.From(user), Reason = RoomLeaveReason.Disconnected, At = _time.GetUtcNow() });
                await _redis.GetSubscriber().PublishAsync(Keys.RoomChannel(ns, room), BusMessage.Build('x', _node.Id, string.Empty, leave)).ConfigureAwait(false);
                LocalRoom? local;
                lock (_gate)
                {
                    _rooms.TryGetValue((ns, room), out local);
                }

                foreach (var member in local?.Snapshot() ?? [])
                {
                    member.TrySend(leave);
                }
            }
        }

        await Db.KeyDeleteAsync(Keys.RoomsOfNode(deadNode)).ConfigureAwait(false);
    }

    private string Field(IConnection connection) => _node.Id + "|" + connection.ClientId;

    private async Task<LocalRoom> SubscribeAsync(string ns, string room)
    {
        LocalRoom? local;
        lock (_gate)
        {
            if (!_rooms.TryGetValue((ns, room), out local))
            {
                _rooms[(ns, room)] = local = new LocalRoom(Keys.RoomChannel(ns, room), _gate);
                var created = local;
                local.Handler = (_, value) => OnMessage(created, (byte[]?)value);
                local.Subscribed = _redis.GetSubscriber().SubscribeAsync(local.Channel, local.Handler);
            }
        }

        await local.Subscribed.ConfigureAwait(false);
        return local;
    }

    /// <summary>Forgets a local member; unsubscribes when it was the room's last here. Returns the remaining members.</summary>
    private async Task<IConnection[]> DropLocalAsync(string ns, string room, IConnection connection)
    {
        LocalRoom? emptied = null;
        IConnection[] remaining;
        lock (_gate)
        {
            if (!_rooms.TryGetValue((ns, room), out var local))
            {
                return [];
            }

            local.Members.Remove(connection);
            remaining = local.Snapshot();
            if (local.Members.Count == 0)
            {
                _rooms.Remove((ns, room));
                emptied = local;
            }
        }

        if (emptied is not null)
        {
            try
            {
                await _redis.GetSubscriber().UnsubscribeAsync(emptied.Channel, emptied.Handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogUnsubscribeFailed(_logger, emptied.Channel.ToString(), ex);
            }
        }

        return remaining;
    }

    private void OnMessage(LocalRoom local, byte[]? payload)
    {
        if (!BusMessage.TryParse(payload, out var message) || message.Origin == _node.Id)
        {
            return;
        }

        switch (message.Kind)
        {
            case 'm':
                var seq = message.ArgAsLong;
                foreach (var follower in local.Followers())
                {
                    follower.Offer(seq, message.Frame);
                }

                break;
            case 'e' or 'x' or 'p':
                foreach (var member in local.Snapshot())
                {
                    member.TrySend(message.Frame);
                }

                break;
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

    [LoggerMessage(EventId = 7050, Level = LogLevel.Warning, Message = "Unsubscribing from {Channel} failed.")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string channel, Exception exception);

    /// <summary>This node's members of one room (a null follower: joining, not yet a member).</summary>
    private sealed class LocalRoom(RedisChannel channel, Lock gate)
    {
        private readonly Lock _gate = gate; // the service's lock: Members changes under it

        public RedisChannel Channel { get; } = channel;

        public Action<RedisChannel, RedisValue> Handler { get; set; } = static (_, _) => { };

        public Task Subscribed { get; set; } = Task.CompletedTask;

        public Dictionary<IConnection, SequencedFollower?> Members { get; } = new(ReferenceEqualityComparer.Instance);

        public IConnection[] Snapshot()
        {
            lock (_gate)
            {
                return [.. Members.Where(m => m.Value is not null).Select(m => m.Key)];
            }
        }

        public SequencedFollower[] Followers()
        {
            lock (_gate)
            {
                return [.. Members.Values.OfType<SequencedFollower>()];
            }
        }
    }
}

using System.Collections.Concurrent;
using Switchboard.Protocol;

namespace Switchboard.Client.Internal;

/// <summary>
/// The rooms to re-join after a reconnect, each with the last <c>room_seq</c> seen (the <c>since</c> of the re-join);
/// drops room messages replayed by a re-join that were delivered already.
/// </summary>
internal sealed class RoomCursor
{
    /// <summary>room → last room_seq seen (-1 = none yet).</summary>
    private readonly ConcurrentDictionary<string, long> _rooms = new(StringComparer.Ordinal);

    public bool IsEmpty => _rooms.IsEmpty;

    /// <summary>The rooms and the <c>since</c> to re-join each with (<see langword="null"/> = no replay).</summary>
    public IEnumerable<(string Room, long? Since)> Rejoins() => _rooms.Select(r => (r.Key, r.Value >= 0 ? (long?)r.Value : null));

    /// <summary>A <c>JOIN_ROOM</c> is being sent.</summary>
    public void Joining(string room, long? since) => _rooms.AddOrUpdate(room, since ?? -1, (_, existing) => since ?? existing);

    /// <summary>Left, or the join was refused: stop re-joining.</summary>
    public void Forget(string room) => _rooms.TryRemove(room, out _);

    /// <summary>A <c>ROOM_STATE</c> reply: the room's current <c>room_seq</c>.</summary>
    public void Observe(IServerEvent response)
    {
        if (response is RoomStateEvent state && _rooms.ContainsKey(state.Room))
        {
            _rooms.AddOrUpdate(state.Room, state.Seq, (_, existing) => Math.Max(existing, state.Seq));
        }
    }

    /// <summary>False for a room message already delivered (replayed after a re-join).</summary>
    public bool ShouldDeliver(IServerEvent response)
    {
        if (response is not RoomMessageEvent message || !_rooms.TryGetValue(message.Room, out var last))
        {
            return true;
        }

        if (message.RoomSeq <= last)
        {
            return false;
        }

        _rooms.TryUpdate(message.Room, message.RoomSeq, last);
        return true;
    }
}

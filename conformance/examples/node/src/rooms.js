// Rooms (spec section 9): membership per connection, ROOM_ENTER/ROOM_LEAVE per user, numbered room messages.
//
// Capability `chat`. Every ROOM_MESSAGE is stored in its room stream (room_seq 1, 2, 3 ...) before the reply
// (SB-ROOM-011), so JOIN_ROOM's `since` replay (SB-ROOM-012..014) costs a few lines and is implemented too, in
// memory, with the same retention as user streams. This server still does not declare `rooms-history`: its
// history does not survive a restart, which an application relying on that capability would expect.

import { CommandError, ErrorCode, ROOM_PATTERN, newId, timestamp, userRef } from './codec.js';

const roomField = { name: 'room', type: 'string', required: true, pattern: ROOM_PATTERN, patternCode: ErrorCode.INVALID_ROOM };
const dataField = { name: 'data', type: 'string', required: true, minLength: 1 };

export class RoomStore {
  constructor({ historyMaxPerStream, historyTtlMs }) {
    this.maxMessages = historyMaxPerStream;
    this.ttlMs = historyTtlMs;
    /** `${namespace}/${room}` -> Room. A room name denotes different rooms per namespace (SB-NS-004). */
    this.rooms = new Map();
  }

  get(namespace, name) {
    const key = `${namespace}/${name}`;
    let room = this.rooms.get(key);
    if (!room) {
      room = { name, members: new Set(), messages: [], lastSeq: 0 };
      this.rooms.set(key, room);
    }
    return room;
  }

  trim(room) {
    const cutoff = Date.now() - this.ttlMs;
    let drop = Math.max(0, room.messages.length - this.maxMessages);
    while (drop < room.messages.length && room.messages[drop].storedAt < cutoff) drop++;
    if (drop > 0) room.messages.splice(0, drop);
  }
}

const isMemberUser = (room, userId) => [...room.members].some((c) => c.userId === userId);

/** Distinct member users sorted by id (ordinal), each as seen on its earliest member connection. */
function members(room) {
  const byId = new Map();
  for (const c of room.members) if (!byId.has(c.userId)) byId.set(c.userId, userRef(c.identity));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const roomCommands = {
  JOIN_ROOM: {
    capability: 'chat',
    schema: [roomField, { name: 'since', type: 'integer', min: 0 }],
    handle({ rooms }, conn, { room: name, since }, cid) {
      const room = rooms.get(conn.namespace, name);
      const alreadyMember = room.members.has(conn);
      const userWasMember = isMemberUser(room, conn.userId);
      room.members.add(conn);
      conn.rooms.add(name);

      // SB-ROOM-012..014: replay newer retained messages to this connection only, before ROOM_STATE.
      rooms.trim(room);
      let missed = 0;
      let recovered = true;
      if (since !== undefined) {
        const firstRetained = room.messages.length > 0 ? room.messages[0].roomSeq : room.lastSeq + 1;
        if (since > room.lastSeq || firstRetained > since + 1) recovered = false;
        for (const m of room.messages) {
          if (m.roomSeq > since) {
            conn.send('ROOM_MESSAGE', m.event);
            missed++;
          }
        }
      }
      conn.reply(cid, 'ROOM_STATE', { room: name, members: members(room), seq: room.lastSeq, recovered, missed });

      // SB-ROOM-003..005: ROOM_ENTER only for the user's first member connection, after the joiner's ROOM_STATE.
      if (!alreadyMember && !userWasMember) {
        const enter = { room: name, user: userRef(conn.identity), at: timestamp() };
        for (const c of room.members) c.send('ROOM_ENTER', enter);
      }
    },
  },

  LEAVE_ROOM: {
    capability: 'chat',
    schema: [roomField],
    handle({ rooms }, conn, { room: name }, cid) {
      const room = rooms.get(conn.namespace, name);
      if (!room.members.has(conn)) throw new CommandError(ErrorCode.NOT_IN_ROOM, `not a member of ${name}`, '$.request.room');
      conn.reply(cid, 'ACK', { command: 'LEAVE_ROOM' });
      leave(room, conn, 'left');
    },
  },

  SEND_ROOM_MESSAGE: {
    capability: 'chat',
    errorEvent: 'SEND_MESSAGE_ERROR',
    schema: [roomField, dataField],
    handle({ rooms }, conn, { room: name, data }, cid) {
      const room = rooms.get(conn.namespace, name);
      if (!room.members.has(conn)) throw new CommandError(ErrorCode.NOT_IN_ROOM, `not a member of ${name}`, '$.request.room');
      const roomSeq = room.lastSeq + 1;
      const event = { message_id: newId(), room: name, room_seq: roomSeq, user: userRef(conn.identity), data, at: timestamp() };
      // Stored before the reply (SB-ROOM-011); the sender's reply precedes its own copy (SB-ROOM-010).
      room.messages.push({ roomSeq, event, storedAt: Date.now() });
      room.lastSeq = roomSeq;
      rooms.trim(room);
      conn.reply(cid, 'SEND_MESSAGE_SUCCESS', { message_id: event.message_id, at: event.at, seq: roomSeq });
      for (const c of room.members) c.send('ROOM_MESSAGE', event);
    },
  },
};

function leave(room, conn, reason) {
  room.members.delete(conn);
  conn.rooms.delete(room.name);
  // SB-ROOM-006/015: ROOM_LEAVE when the user's last member connection is gone; the leaver gets none.
  if (!isMemberUser(room, conn.userId)) {
    const event = { room: room.name, user: userRef(conn.identity), reason, at: timestamp() };
    for (const c of room.members) c.send('ROOM_LEAVE', event);
  }
}

/** SB-ROOM-015: a closed connection leaves all its rooms. */
export function leaveAllRooms({ rooms }, conn) {
  for (const name of [...conn.rooms]) leave(rooms.get(conn.namespace, name), conn, 'disconnected');
}

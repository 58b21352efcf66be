// Rooms (spec section 9): membership per connection, ROOM_ENTER/ROOM_LEAVE per user, numbered room messages.
//
// Capability `chat`, without `rooms-history`: messages are numbered (room_seq 1, 2, 3 ..., SB-ROOM-011) but not
// kept, so JOIN_ROOM's `since` replays nothing and answers `recovered: false` — the signal every client already
// handles ("reload from elsewhere"). Spec 1.0.0 leaves this case open; 1.1.0 (branch specgaps) writes it down
// as SB-ROOM-018. A server that keeps room streams and declares `rooms-history` replays them instead
// (SB-ROOM-012..014).

import { CommandError, ErrorCode, ROOM_PATTERN, newId, timestamp, userRef } from './codec.js';

const roomField = { name: 'room', type: 'string', required: true, pattern: ROOM_PATTERN, patternCode: ErrorCode.INVALID_ROOM };
const dataField = { name: 'data', type: 'string', required: true, minLength: 1 };

export class RoomStore {
  constructor() {
    /** `${namespace}/${room}` -> { name, members: Set<Connection>, lastSeq }. Per namespace (SB-NS-004). */
    this.rooms = new Map();
  }

  /** The room, created by the first JOIN_ROOM. Rooms stay (with their last room_seq) after the last member left. */
  get(namespace, name) {
    const key = `${namespace}/${name}`;
    let room = this.rooms.get(key);
    if (!room) {
      room = { name, members: new Set(), lastSeq: 0 };
      this.rooms.set(key, room);
    }
    return room;
  }

  /** The room if it exists (LEAVE_ROOM and SEND_ROOM_MESSAGE must not create rooms). */
  find(namespace, name) {
    return this.rooms.get(`${namespace}/${name}`);
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

      // No room history here: nothing to replay; a client that asked for one did not get it (see the top).
      const missed = 0;
      const recovered = since === undefined;
      // SB-ROOM-002: ROOM_STATE answers every JOIN_ROOM, with the cid only when the command had one.
      conn.send('ROOM_STATE', { room: name, members: members(room), seq: room.lastSeq, recovered, missed }, cid === undefined ? undefined : { cid });

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
      const room = rooms.find(conn.namespace, name);
      if (!room?.members.has(conn)) throw new CommandError(ErrorCode.NOT_IN_ROOM, `not a member of ${name}`, '$.request.room');
      conn.reply(cid, 'ACK', { command: 'LEAVE_ROOM' });
      leave(room, conn, 'left');
    },
  },

  SEND_ROOM_MESSAGE: {
    capability: 'chat',
    errorEvent: 'SEND_MESSAGE_ERROR',
    schema: [roomField, dataField],
    handle({ rooms }, conn, { room: name, data }, cid) {
      const room = rooms.find(conn.namespace, name);
      if (!room?.members.has(conn)) throw new CommandError(ErrorCode.NOT_IN_ROOM, `not a member of ${name}`, '$.request.room');
      const roomSeq = ++room.lastSeq; // numbered without gaps, in delivery order (SB-ROOM-011)
      const event = { message_id: newId(), room: name, room_seq: roomSeq, user: userRef(conn.identity), data, at: timestamp() };
      // The sender's reply precedes its own copy (SB-ROOM-010).
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
  for (const name of [...conn.rooms]) leave(rooms.find(conn.namespace, name), conn, 'disconnected');
}

// Core commands: ECHO (section 8), PONG (17), REFRESH_TOKEN (4.4), RECEIVED (16.2), SET_TIMER (15).

import { verifyToken } from './auth.js';
import { CommandError, ErrorCode, newId, timestamp } from './codec.js';

export const coreCommands = {
  ECHO: {
    schema: [{ name: 'data', type: 'string', required: true }],
    handle(ctx, conn, { data }, cid) {
      conn.reply(cid, 'ECHO', { data });
    },
  },

  // The answer to PING: never replied to (SB-KA-002); receiving it already reset the idle timer.
  PONG: { schema: [], handle() {} },

  REFRESH_TOKEN: {
    schema: [{ name: 'token', type: 'string', required: true, minLength: 1 }],
    handle({ config }, conn, { token }, cid) {
      const result = verifyToken(token, config.signingKey);
      if (!result.ok && result.kind === 'expired') throw new CommandError(ErrorCode.TOKEN_EXPIRED, 'the token is expired');
      if (!result.ok) throw new CommandError(ErrorCode.TOKEN_INVALID, 'the token is invalid');
      if (result.identity.id !== conn.userId) throw new CommandError(ErrorCode.TOKEN_SUBJECT_MISMATCH, 'the token is for another user');
      // SB-AUTH-017: only the expiry changes; name, role and ns of the connection stay as they were.
      conn.expMs = result.expMs;
      conn.keepalive.expireAt(result.expMs);
      conn.reply(cid, 'ACK', { command: 'REFRESH_TOKEN', expires_at: timestamp(result.expMs) });
    },
  },

  RECEIVED: {
    schema: [{ name: 'seq', type: 'integer', required: true, min: 0 }],
    handle({ streams }, conn, { seq }, cid) {
      const stream = streams.get(conn.namespace, conn.userId);
      // SB-DLV-009: beyond the last seq is an invalid field and changes nothing.
      if (seq > stream.lastSeq) throw new CommandError(ErrorCode.INVALID_FIELD, `seq ${seq} is beyond the stream's last seq ${stream.lastSeq}`, '$.request.seq');
      stream.ackedSeq = Math.max(stream.ackedSeq, seq); // per stream, shared by all connections (SB-DLV-013)
      conn.reply(cid, 'ACK', { command: 'RECEIVED' });
    },
  },

  SET_TIMER: {
    schema: [
      { name: 'delay_ms', type: 'integer', required: true, min: 1, max: 86_400_000 },
      { name: 'label', type: 'string', maxLength: 128 },
    ],
    handle({ config }, conn, { delay_ms: delayMs, label }, cid) {
      // SB-TIMER-006 (MAY): bound the pending reminders per connection.
      if (conn.timers.size >= config.maxTimersPerConnection) throw new CommandError(ErrorCode.RATE_LIMITED, 'too many pending timers');
      const timerId = newId();
      const firesAtMs = Date.now() + delayMs;
      const firesAt = timestamp(firesAtMs);
      conn.reply(cid, 'TIMER', { timer_id: timerId, kind: 'reminder', state: 'scheduled', label, fires_at: firesAt, remaining_ms: delayMs });
      // Live and owned by the connection (SB-TIMER-004): cleared when it closes.
      const fire = () => {
        // Timers may run a millisecond early; never fire before fires_at (SB-TIMER-002).
        const early = firesAtMs - Date.now();
        if (early > 0) {
          conn.timers.set(timerId, setTimeout(fire, early));
          return;
        }
        conn.timers.delete(timerId);
        conn.send('TIMER', { timer_id: timerId, kind: 'reminder', state: 'fired', label, fires_at: firesAt, remaining_ms: 0 });
      };
      conn.timers.set(timerId, setTimeout(fire, delayMs));
    },
  },
};

export function discardTimers(conn) {
  for (const t of conn.timers.values()) clearTimeout(t);
  conn.timers.clear();
}

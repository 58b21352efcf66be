// The life of one WebSocket connection: authentication, CONNECT and replay, reading frames, dispatching
// commands, and the effects of its close.

import { verifyToken } from './auth.js';
import { CAPABILITIES, PROTOCOL, SERVER_NAME } from './config.js';
import { Close, CommandError, ErrorCode, encodeEvent, errorPayload, newId, parseFrame, peekEnvelope, validatePayload } from './codec.js';
import { Connection } from './connection.js';
import { Keepalive } from './keepalive.js';
import { RateLimiter } from './limits.js';
import { chatCommands } from './chat.js';
import { coreCommands, discardTimers } from './core.js';
import { announcePresence, presenceCommands } from './presence.js';
import { leaveAllRooms, roomCommands } from './rooms.js';

// Every command this server knows. A command of an undeclared capability (the service desk here) is simply not in
// the table and gets ERROR 1003 UNKNOWN_COMMAND (SB-HS-009).
const COMMANDS = { ...coreCommands, ...roomCommands, ...chatCommands, ...presenceCommands };
for (const [name, spec] of Object.entries(COMMANDS)) {
  if (spec.capability && !CAPABILITIES.includes(spec.capability)) delete COMMANDS[name];
}
const isKnownCommand = (name) => Object.hasOwn(COMMANDS, name);

/**
 * Sends an in-band authentication failure (SB-HS-011, SB-AUTH-003..010): the upgrade succeeded, the client gets
 * CLOSE and the close frame, and no state is created for it.
 */
function rejectConnection(ws, close) {
  ws.send(encodeEvent('CLOSE', close));
  ws.close(close.code, close.reason);
  setTimeout(() => ws.terminate(), 5000).unref();
}

/** `since` must be a decimal integer 0..2^63-1, anything else is ignored (SB-DLV-014). */
function parseSince(raw) {
  if (raw === null || !/^[0-9]{1,19}$/.test(raw)) return undefined;
  const value = BigInt(raw);
  return value <= 2n ** 63n - 1n ? value : undefined;
}

/**
 * @param {object} ctx  shared state: { config, registry, streams, rooms }
 * @param {import('ws').WebSocket} ws
 * @param {{namespace: 'web'|'app', token: string|undefined, url: URL}} handshake
 */
export function acceptConnection(ctx, ws, { namespace, token, url }) {
  const { config, registry, streams } = ctx;

  // --- authentication (section 4.3) ---
  if (token === undefined) return rejectConnection(ws, Close.TOKEN_MISSING);
  const auth = verifyToken(token, config.signingKey);
  if (!auth.ok) return rejectConnection(ws, auth.kind === 'expired' ? Close.TOKEN_EXPIRED : Close.TOKEN_INVALID);
  if (!auth.identity.namespaces.includes(namespace)) return rejectConnection(ws, Close.NAMESPACE_FORBIDDEN);

  const conn = new Connection(ws, {
    clientId: newId(),
    namespace,
    identity: { id: auth.identity.id, name: auth.identity.name, role: auth.identity.role },
    expMs: auth.expMs,
    sendQueueMaxBytes: config.sendQueueMaxBytes,
  });

  // --- CONNECT, then the replay, then presence (sections 4.2, 16.2, 10) ---
  // CONNECT and the start of the replay run in one synchronous step, so nothing slips in between. The replay is
  // paced (connection.js): until it reaches the end of the stream, durable events appended meanwhile are read from
  // the stream and every other frame is held back, so the client sees CONNECT, the backlog in seq order, then
  // live events: no gaps, no duplicates (SB-DLV-006).
  const stream = streams.getOrCreate(namespace, conn.userId);
  const { from, missed, recovered } = streams.planReplay(stream, parseSince(url.searchParams.get('since')), url.searchParams.get('epoch') ?? undefined);
  const first = registry.add(conn);
  conn.send('CONNECT', {
    client_id: conn.clientId,
    user: { id: conn.identity.id, name: conn.identity.name, role: conn.identity.role },
    namespace,
    protocol: PROTOCOL,
    server: SERVER_NAME,
    epoch: stream.epoch,
    seq: stream.lastSeq,
    recovered,
    missed,
    ping_interval_ms: config.pingIntervalMs,
    idle_timeout_ms: config.idleTimeoutMs,
    max_message_bytes: config.maxMessageBytes,
    rate_limit_per_second: config.rateLimitPerSecond,
    rate_limit_burst: config.rateLimitBurst,
    capabilities: CAPABILITIES,
  });
  conn.replay(stream, from);
  announcePresence(ctx, conn, { online: true, changed: first });

  // SB-CODEC-011: when a message exceeds maxPayload (= max_message_bytes), `ws` stops reading the socket and calls
  // ws.close(1009) itself, before the application sees any of it. That call is the only place to answer as the
  // spec says, so it is intercepted here: ERROR 1006, then CLOSE 4413 and the close frame 4413.
  const libraryClose = ws.close.bind(ws);
  ws.close = (code, reason) => {
    if (code !== 1009 || conn.closed) return libraryClose(code, reason);
    conn.send('ERROR', errorPayload(ErrorCode.MESSAGE_TOO_LARGE, `the message exceeds ${config.maxMessageBytes} bytes`));
    conn.closeWith(Close.MESSAGE_TOO_BIG);
  };

  conn.keepalive = new Keepalive(conn, config);
  conn.keepalive.expireAt(conn.expMs);
  const limiter = new RateLimiter(config);

  ws.on('message', (data, isBinary) => {
    if (conn.closed) return; // SB-CLOSE-002: nothing is processed after CLOSE
    try {
      onFrame(ctx, conn, limiter, Buffer.isBuffer(data) ? data : Buffer.concat([].concat(data)), isBinary);
    } catch (err) {
      // SB-CLOSE-005: an unexpected failure that leaves the connection unusable.
      console.error('internal error', err);
      conn.closeWith(Close.INTERNAL_ERROR);
    }
  });

  ws.on('close', () => {
    // SB-CLOSE-004: the same effects whoever closed and however.
    conn.closed = true;
    conn.keepalive.stop();
    discardTimers(conn);
    leaveAllRooms(ctx, conn);
    const last = registry.remove(conn);
    announcePresence(ctx, conn, { online: false, changed: last });
  });
  ws.on('error', () => {}); // a 'close' always follows
}

/** Section 7's checks, in order, for one received frame. */
function onFrame(ctx, conn, limiter, bytes, isBinary) {

  // 1. frame type (the size was checked by `ws` while reading, see acceptConnection)
  if (isBinary) {
    conn.send('ERROR', errorPayload(ErrorCode.BINARY_NOT_SUPPORTED, 'binary frames are not supported'));
    return conn.closeWith(Close.PROTOCOL_ERROR);
  }

  // 2. rate limit
  if (!limiter.take()) {
    if (limiter.flooding) return conn.closeWith(Close.RATE_LIMITED);
    const { cid, command } = peekEnvelope(bytes);
    return conn.send('ERROR', errorPayload(ErrorCode.RATE_LIMITED, 'rate limit exceeded; the command was dropped', { command }), { cid });
  }

  // 3-6. UTF-8, JSON, envelope, known command
  const parsed = parseFrame(bytes, isKnownCommand);
  if (parsed.error) return conn.send('ERROR', parsed.error.payload, { cid: parsed.error.cid });
  const { command, cid, request } = parsed.envelope;
  const spec = COMMANDS[command];

  // 7-9. role (every command of core, chat and presence is open to any role), payload fields, semantics
  try {
    spec.handle(ctx, conn, validatePayload(request, spec.schema), cid);
  } catch (err) {
    // SB-LIM-007: an unexpected failure is 5003 in the command's error event; the connection stays open.
    const failure = err instanceof CommandError ? err : new CommandError(ErrorCode.INTERNAL_ERROR, 'internal error');
    if (failure !== err) console.error(`internal error in ${command}`, err);
    conn.send(spec.errorEvent ?? 'ERROR', errorPayload(failure.code, failure.message, { path: failure.path, command }), { cid });
  }
}

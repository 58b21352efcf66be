// One authenticated WebSocket connection: identity, outgoing frames and server-initiated closes.

import { encodeEvent, Close } from './codec.js';

const CLOSE_HANDSHAKE_TIMEOUT_MS = 5000; // SB-CLOSE-006

export class Connection {
  /**
   * @param {import('ws').WebSocket} ws
   * @param {{clientId: string, namespace: 'web'|'app', identity: {id: string, name: string, role: string}, expMs: number,
   *          sendQueueMaxBytes: number}} init
   */
  constructor(ws, init) {
    this.ws = ws;
    this.clientId = init.clientId;
    this.namespace = init.namespace;
    this.identity = init.identity; // fixed for the connection's lifetime (SB-AUTH-017)
    this.expMs = init.expMs;
    this.sendQueueMaxBytes = init.sendQueueMaxBytes;
    this.openedAt = Date.now();
    /** Rooms this connection is a member of (room names of its namespace). */
    this.rooms = new Set();
    /** Presence subscription (SB-PRES-002). */
    this.presence = { subscribe: false, fullList: false };
    /** Pending SET_TIMER reminders: timer_id -> Timeout. */
    this.timers = new Map();
    /** True once the server sent CLOSE (or the socket went away): nothing is sent or processed after that. */
    this.closed = false;
  }

  get userId() {
    return this.identity.id;
  }

  /** Sends one event. Returns false when nothing was written (closed, or the client stopped reading). */
  send(event, response, opts) {
    return this.sendRaw(encodeEvent(event, response, opts));
  }

  /** Sends a pre-encoded frame (used for replays, which must be byte-identical to the first delivery). */
  sendRaw(frame) {
    if (this.closed) return false;
    // SB-LIM-004: `bufferedAmount` is what the socket still holds because the client does not read. Past the bound
    // the connection is dropped with 4499; durable events stay in their stream for the resume.
    if (this.ws.bufferedAmount + Buffer.byteLength(frame) > this.sendQueueMaxBytes) {
      this.closed = true;
      this.ws.close(Close.SLOW_CONSUMER.code, Close.SLOW_CONSUMER.reason);
      this.armAbort();
      return false;
    }
    this.ws.send(frame);
    return true;
  }

  /** Sends a success reply: only when the command carried a cid (SB-ENV-012/013). */
  reply(cid, event, response) {
    if (cid !== undefined) this.send(event, response, { cid });
  }

  /** Server-initiated close (SB-CLOSE-001/002): CLOSE event, then the close frame with the same code and reason. */
  closeWith({ code, reason, retryable }) {
    if (this.closed) return;
    this.send('CLOSE', { code, reason, retryable });
    this.closed = true;
    this.ws.close(code, reason);
    this.armAbort();
  }

  /** The `ws` package waits 30 s for the client's close frame; the spec wants the TCP connection gone after 5 s. */
  armAbort() {
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }
}

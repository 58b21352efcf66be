// One authenticated WebSocket connection: identity, outgoing frames, the paced replay and server-initiated closes.

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
    /** Rooms this connection is a member of (room names of its namespace). */
    this.rooms = new Set();
    /** Presence subscription (SB-PRES-002). */
    this.presence = { subscribe: false, fullList: false };
    /** Pending SET_TIMER reminders: timer_id -> Timeout. */
    this.timers = new Map();
    /** True once the server sent CLOSE (or the socket went away): nothing is sent or processed after that. */
    this.closed = false;
    /** While the durable backlog is replayed, other frames wait here so that they follow it (SB-DLV-006). */
    this.replaying = false;
    this.held = [];
    this.heldBytes = 0;
  }

  get userId() {
    return this.identity.id;
  }

  /** Sends one event. */
  send(event, response, opts) {
    this.sendRaw(encodeEvent(event, response, opts));
  }

  /** Sends a pre-encoded frame. */
  sendRaw(frame) {
    if (this.closed) return;
    const bytes = Buffer.byteLength(frame);
    if (this.replaying) {
      this.held.push(frame);
      this.heldBytes += bytes;
      if (this.heldBytes > this.sendQueueMaxBytes) this.dropSlowConsumer();
      return;
    }
    // SB-LIM-004: `bufferedAmount` is what the socket still holds because the client does not read.
    if (this.ws.bufferedAmount + bytes > this.sendQueueMaxBytes) return this.dropSlowConsumer();
    this.ws.send(frame);
  }

  /**
   * Delivers a durable event just appended to this connection's stream. During the replay it is not sent here:
   * the replay reads the stream up to its end, so the event is sent exactly once, in seq order.
   */
  deliverDurable(entry) {
    if (!this.replaying) this.sendRaw(entry.frame);
  }

  /** Sends a success reply: only when the command carried a cid (SB-ENV-012/013). */
  reply(cid, event, response) {
    if (cid !== undefined) this.send(event, response, { cid });
  }

  /**
   * Replays the stream's events with seq > `afterSeq` (SB-DLV-006/007), paced to the client's reading speed: a page
   * of at most half the send-queue budget is written, and the next page waits until the socket has flushed the
   * last frame of the previous one. So a backlog larger than the send queue never trips SB-LIM-004 by itself.
   * Events appended meanwhile are read from the stream too; when the replay reaches the end of the stream, the
   * frames held back in the meantime follow, and the connection is live.
   */
  replay(stream, afterSeq) {
    this.replaying = true;
    const pageBytes = Math.max(1, Math.floor(this.sendQueueMaxBytes / 2));
    let cursor = afterSeq;
    const pump = () => {
      if (this.closed) return;
      let i = stream.events.findIndex((e) => e.seq > cursor);
      if (i === -1) return this.goLive(); // reached the end of the stream
      let bytes = 0;
      let frame;
      do {
        const entry = stream.events[i++];
        if (frame !== undefined) this.ws.send(frame);
        frame = entry.frame; // byte-identical to the first delivery, no cid (SB-DLV-015)
        bytes += Buffer.byteLength(frame);
        cursor = entry.seq;
      } while (i < stream.events.length && bytes < pageBytes);
      this.ws.send(frame, (err) => err || pump()); // called once the socket has written this page's last frame
    };
    pump();
  }

  goLive() {
    this.replaying = false;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const frame of held) this.sendRaw(frame);
  }

  dropSlowConsumer() {
    // SB-LIM-004: drop what is queued, send nothing more, close with 4499. The close frame queues behind data the
    // client is not reading, so terminate() after 5 s ends it; durable events stay in their stream for a resume.
    this.closed = true;
    this.held = [];
    this.ws.close(Close.SLOW_CONSUMER.code, Close.SLOW_CONSUMER.reason);
    this.armAbort();
  }

  /** Server-initiated close (SB-CLOSE-001/002): CLOSE event, then the close frame with the same code and reason. */
  closeWith({ code, reason, retryable }) {
    if (this.closed) return;
    if (this.replaying) {
      // The CLOSE goes out now, not after the rest of the backlog; what was held back (e.g. the ERROR that
      // explains the close) goes first. The stream keeps the unsent events for the next resume.
      this.replaying = false;
      for (const frame of this.held.splice(0)) this.ws.send(frame);
    }
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

// Keepalive and idle connections (spec section 17) and token expiry while connected (SB-AUTH-015).
//
// - PING {at} every ping_interval_ms on every connection (SB-KA-001), plus a WebSocket ping frame (SB-KA-006); a
//   peer that answers no ping for idle_timeout_ms - ping_interval_ms is dead and dropped.
// - Liveness is the WebSocket ping/pong alone (SB-KA-003, spec 1.1.0): a client that sends no data frame but
//   answers pings stays connected; 4408 is not sent.
// - The token's exp passes without a successful REFRESH_TOKEN -> CLOSE 4419 within 1 s (SB-AUTH-015).
//
// Plain setTimeout/setInterval: Node has no TimeProvider (SB-TIMER-005 is a SHOULD for .NET); in a larger server
// put these behind a small clock interface so tests can advance time.

import { Close, timestamp } from './codec.js';

export class Keepalive {
  /**
   * @param {import('./connection.js').Connection} conn
   * @param {{pingIntervalMs: number, idleTimeoutMs: number}} config
   */
  constructor(conn, config) {
    this.conn = conn;
    this.idleTimeoutMs = config.idleTimeoutMs;
    // A peer that has not answered our WebSocket pings for this long is gone (its TCP connection may hang for
    // minutes): drop it. Every RFC 6455 stack answers pings by itself, so a live client never trips this.
    const deadAfterMs = config.idleTimeoutMs - config.pingIntervalMs;
    this.lastPongAt = Date.now();
    conn.ws.on('pong', () => {
      this.lastPongAt = Date.now();
    });
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastPongAt > deadAfterMs) return conn.ws.terminate();
      conn.send('PING', { at: timestamp() });
      if (!conn.closed) conn.ws.ping(); // SB-KA-006 (MAY in 1.0.0; how liveness works in 1.1.0, SB-KA-003)
    }, config.pingIntervalMs);
    this.expiryTimer = undefined;
  }

  /** (Re)arms the expiry close for a token that expires at `expMs`. */
  expireAt(expMs) {
    clearTimeout(this.expiryTimer);
    // setTimeout's limit is 2^31-1 ms (~24.8 days); a token living longer re-arms itself when that fires.
    const delay = Math.min(Math.max(0, expMs - Date.now()), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      if (Date.now() >= expMs) this.conn.closeWith(Close.TOKEN_EXPIRED);
      else this.expireAt(expMs);
    }, delay);
  }

  stop() {
    clearInterval(this.pingTimer);
    clearTimeout(this.expiryTimer);
  }
}

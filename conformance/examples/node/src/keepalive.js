// Keepalive and idle connections (spec section 17) and token expiry while connected (SB-AUTH-015).
//
// - PING {at} every ping_interval_ms on every connection (SB-KA-001).
// - No data frame for idle_timeout_ms -> CLOSE 4408 (SB-KA-003). Only text/binary frames count: the `ws` package
//   answers WebSocket-level pings itself, and we never look at them.
// - The token's exp passes without a successful REFRESH_TOKEN -> CLOSE 4419 within 1 s (SB-AUTH-015).
//
// Plain setTimeout/setInterval: Node has no TimeProvider (SB-TIMER-005 is a SHOULD for .NET); in a larger server
// put these behind a small clock interface so tests can advance time.

import { Close } from './codec.js';

export class Keepalive {
  /**
   * @param {import('./connection.js').Connection} conn
   * @param {{pingIntervalMs: number, idleTimeoutMs: number}} config
   */
  constructor(conn, config) {
    this.conn = conn;
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.pingTimer = setInterval(() => conn.send('PING', { at: new Date().toISOString() }), config.pingIntervalMs);
    this.idleTimer = undefined;
    this.expiryTimer = undefined;
    this.touch();
  }

  /** Called for every data frame received. */
  touch() {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.conn.closeWith(Close.IDLE_TIMEOUT), this.idleTimeoutMs);
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
    clearTimeout(this.idleTimer);
    clearTimeout(this.expiryTimer);
  }
}

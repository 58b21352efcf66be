// Rate limiting (spec section 18, SB-LIM-002 and SB-LIM-003).
//
// A token bucket of `burst` tokens refilled at `perSecond`; every received frame takes one token. A frame that
// finds the bucket empty is dropped (answered with ERROR 5001). More than 3 x burst drops within 10 seconds
// close the connection with 4429.

const FLOOD_WINDOW_MS = 10_000;

export class RateLimiter {
  constructor({ rateLimitPerSecond, rateLimitBurst }) {
    this.perSecond = rateLimitPerSecond;
    this.burst = rateLimitBurst;
    this.tokens = rateLimitBurst;
    this.refilledAt = performance.now();
    /** Times of recent drops (at most 3 x burst + 1 entries are kept). */
    this.drops = [];
  }

  /** Takes a token; false when the frame must be dropped. */
  take() {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.drops.push(now);
    while (this.drops.length > 0 && now - this.drops[0] > FLOOD_WINDOW_MS) this.drops.shift();
    return false;
  }

  /** True once more than 3 x burst frames were dropped within the last 10 seconds. */
  get flooding() {
    return this.drops.length > 3 * this.burst;
  }
}

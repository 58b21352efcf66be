/** Capped exponential backoff with jitter: the delay before the 1-based `attempt` (as the C# client's ReconnectBackoff). */
export function backoffDelay(
  attempt: number,
  o: { initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: number },
  random: () => number,
): number {
  if (attempt < 1) throw new RangeError("attempt must be >= 1");
  let base = o.initialDelayMs * Math.pow(o.multiplier, Math.min(attempt - 1, 64));
  if (!Number.isFinite(base) || base > o.maxDelayMs) base = o.maxDelayMs;
  const factor = 1 - o.jitter + 2 * o.jitter * random();
  return Math.min(o.maxDelayMs, Math.max(0, base * factor));
}

/** The `exp` claim of a JWT in epoch milliseconds, or undefined when the token has none (or is not a JWT). */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const b64 = parts[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

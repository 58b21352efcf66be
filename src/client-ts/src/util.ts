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

/** The UTF-8 byte length of `text` without encoding it (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one code point above U+FFFF
      i++;
    } else bytes += 3;
  }
  return bytes;
}

// Token verification (spec section 4.3): a JWT in JWS compact form, HS256 with the UTF-8 bytes of the configured key.
//
// No JWT library: the rules are short and a library's defaults (accepted algorithms, leeway, claim coercion) would
// hide exactly what the spec pins down. Returns either { ok: true, identity, expMs } or { ok: false, kind } where
// kind is 'invalid' or 'expired' (the caller maps it to CLOSE 4401/4419 or ERROR 2002/2003).

import { createHmac, timingSafeEqual } from 'node:crypto';

const SUB_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
const ROLES = new Set(['user', 'visitor', 'agent', 'admin']);
const NAMESPACES = new Set(['web', 'app']);
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonPart(part) {
  if (!BASE64URL.test(part)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// A NumericDate (RFC 7519 section 2): a JSON number of seconds, possibly fractional.
const isNumericDate = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * @param {string} token
 * @param {Buffer} key  HMAC key (UTF-8 bytes of the configured text key)
 * @param {number} nowMs
 */
export function verifyToken(token, key, nowMs = Date.now()) {
  const invalid = { ok: false, kind: 'invalid' };
  if (typeof token !== 'string') return invalid;
  const parts = token.split('.');
  if (parts.length !== 3) return invalid;
  const [headerPart, claimsPart, signaturePart] = parts;

  const header = decodeJsonPart(headerPart);
  // SB-AUTH-002: only HS256; "none" and every other alg are invalid.
  if (!header || header.alg !== 'HS256') return invalid;

  if (!BASE64URL.test(signaturePart)) return invalid;
  const expected = createHmac('sha256', key).update(`${headerPart}.${claimsPart}`).digest();
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return invalid;

  const claims = decodeJsonPart(claimsPart);
  if (!claims) return invalid;

  // SB-AUTH-004 / SB-AUTH-006: required claims and their types.
  if (typeof claims.sub !== 'string' || !SUB_PATTERN.test(claims.sub)) return invalid;
  if (!isNumericDate(claims.exp)) return invalid;
  if (claims.role !== undefined && (typeof claims.role !== 'string' || !ROLES.has(claims.role))) return invalid;
  if (claims.name !== undefined && typeof claims.name !== 'string') return invalid;
  if (claims.ns !== undefined) {
    if (!Array.isArray(claims.ns) || !claims.ns.every((n) => typeof n === 'string' && NAMESPACES.has(n))) return invalid;
  }
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) return invalid;
    // "nbf is honoured": a token that is not valid yet is invalid (not expired). No leeway (SB-AUTH-018 is a MAY).
    if (claims.nbf * 1000 > nowMs) return invalid;
  }
  if (claims.iat !== undefined && !isNumericDate(claims.iat)) return invalid;

  // SB-AUTH-005: well-formed and correctly signed, but exp is not after now.
  const expMs = claims.exp * 1000;
  if (expMs <= nowMs) return { ok: false, kind: 'expired' };

  return {
    ok: true,
    expMs,
    identity: {
      id: claims.sub,
      // SB-AUTH-008: absent or empty name = sub. SB-AUTH-007: absent role = user.
      name: typeof claims.name === 'string' && claims.name !== '' ? claims.name : claims.sub,
      role: claims.role ?? 'user',
      namespaces: claims.ns ?? ['web', 'app'],
    },
  };
}

/** Reads the token from `Authorization: Bearer` (wins, SB-AUTH-001) or the `access_token` query parameter. */
export function tokenFromRequest(req, url) {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  const fromQuery = url.searchParams.get('access_token');
  return fromQuery === null || fromQuery === '' ? undefined : fromQuery;
}

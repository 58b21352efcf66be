// Envelopes, wire conventions and bad input (spec sections 6, 7, 20, 21).
//
// Writing: every event is `{"event", "cid"?, "seq"?, "response"}` in exactly that order (SB-ENV-002). Payloads are
// built as object literals whose keys follow the payload schema's `properties` order in asyncapi.yaml; JavaScript
// keeps string keys in insertion order and JSON.stringify drops `undefined`, so absent optional fields are omitted
// and never written as null.
//
// Reading: `parseFrame` runs checks 3-6 of section 7 (UTF-8, JSON, envelope shape, cid); `validatePayload` runs
// check 8 against a small schema table per command (the same constraints as asyncapi.yaml).

import { randomUUID } from 'node:crypto';

export const ErrorCode = {
  MALFORMED_JSON: 1001,
  INVALID_UTF8: 1002,
  UNKNOWN_COMMAND: 1003,
  MISSING_FIELD: 1004,
  INVALID_FIELD: 1005,
  MESSAGE_TOO_LARGE: 1006,
  BINARY_NOT_SUPPORTED: 1007,
  INVALID_ENVELOPE: 1008,
  UNSUPPORTED_PROTOCOL: 1010,
  TOKEN_INVALID: 2002,
  TOKEN_EXPIRED: 2003,
  FORBIDDEN: 2004,
  TOKEN_SUBJECT_MISMATCH: 2006,
  RECIPIENT_UNKNOWN: 3001,
  NOT_IN_ROOM: 3002,
  INVALID_ROOM: 3003,
  RATE_LIMITED: 5001,
  INTERNAL_ERROR: 5003,
};
const ERROR_NAMES = Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
export const errorName = (code) => ERROR_NAMES[code];

// Close codes with the reason texts and `retryable` flags of the registry (section 21).
export const Close = {
  PROTOCOL_ERROR: { code: 4400, reason: 'binary frames are not supported', retryable: false },
  TOKEN_MISSING: { code: 4401, reason: 'token missing', retryable: false },
  TOKEN_INVALID: { code: 4401, reason: 'token invalid', retryable: false },
  NAMESPACE_FORBIDDEN: { code: 4403, reason: 'namespace forbidden', retryable: false },
  IDLE_TIMEOUT: { code: 4408, reason: 'idle timeout', retryable: true },
  MESSAGE_TOO_BIG: { code: 4413, reason: 'message too big', retryable: false },
  TOKEN_EXPIRED: { code: 4419, reason: 'token expired', retryable: true },
  RATE_LIMITED: { code: 4429, reason: 'rate limited', retryable: true },
  SLOW_CONSUMER: { code: 4499, reason: 'slow consumer', retryable: true },
  INTERNAL_ERROR: { code: 4500, reason: 'internal error', retryable: true },
  SHUTTING_DOWN: { code: 4503, reason: 'shutting down', retryable: true },
};

/** RFC 3339 UTC with exactly three fraction digits and `Z` (SB-ENV-016): what Date#toISOString writes. */
export const timestamp = (ms = Date.now()) => new Date(ms).toISOString();

/** Opaque unique ids (SB-DLV-018, SB-HS-008): random UUIDs never repeat in practice. */
export const newId = () => randomUUID().replaceAll('-', '');

// SB-ENV-017: never emit a lone surrogate. Commands with such strings are refused (isText below), but other input
// reaches events too (a token's `name` claim): as a last line of defence, lone surrogates are written as U+FFFD.
const wellFormed = (key, value) => (typeof value === 'string' ? value.toWellFormed() : value);

/** Serialises one event envelope. */
export function encodeEvent(event, response, { cid, seq } = {}) {
  return JSON.stringify({ event, cid, seq, response }, wellFormed);
}

/** An error payload (ERROR, SEND_MESSAGE_ERROR): code, error, message, path?, command?. */
export function errorPayload(code, message, { path, command } = {}) {
  return { code, error: errorName(code), message, path, command };
}

/** A failure raised while handling a command; the dispatcher turns it into the command's error event. */
export class CommandError extends Error {
  constructor(code, message, path) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
// A string whose \u escapes leave a lone surrogate (e.g. "\ud800") is valid JSON but not text: it is treated like a
// value of the wrong type (spec 1.1.0 SB-CODEC-018, branch specgaps; 1.0.0 does not say).
const isText = (v) => typeof v === 'string' && v.isWellFormed();
const cidIsValid = (cid) => isText(cid) && codePoints(cid) >= 1 && codePoints(cid) <= 64;

/** Lengths count Unicode code points, not UTF-16 units or bytes (section 7). */
export function codePoints(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Checks 3-6 of section 7 on one text frame. Returns { envelope } or { error } where error is the ERROR payload
 * plus the cid to reply with (only when the cid was readable and valid, SB-CODEC-013).
 */
export function parseFrame(bytes, isKnownCommand) {
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: { payload: errorPayload(ErrorCode.INVALID_UTF8, 'the frame is not valid UTF-8') } };
  }
  let value;
  try {
    value = JSON.parse(text); // rejects empty frames and trailing garbage, as SB-CODEC-001 wants
  } catch {
    return { error: { payload: errorPayload(ErrorCode.MALFORMED_JSON, 'the frame is not valid JSON') } };
  }
  if (!isObject(value)) {
    return { error: { payload: errorPayload(ErrorCode.INVALID_ENVELOPE, 'the envelope must be a JSON object', { path: '$' }) } };
  }
  const cid = cidIsValid(value.cid) ? value.cid : undefined;
  const command = isText(value.command) ? value.command : undefined;
  const fail = (code, message, path) => ({ error: { cid, payload: errorPayload(code, message, { path, command }) } });

  if (value.command === undefined) return fail(ErrorCode.MISSING_FIELD, 'command is required', '$.command');
  if (command === undefined) return fail(ErrorCode.INVALID_ENVELOPE, 'command must be a string', '$.command');
  // SB-ENV-008 / SB-ENV-010: an absent (or null) request is {}.
  const request = value.request === undefined || value.request === null ? {} : value.request;
  if (!isObject(request)) return fail(ErrorCode.INVALID_ENVELOPE, 'request must be an object', '$.request');
  if (value.cid !== undefined && value.cid !== null && cid === undefined) {
    // SB-ENV-007: an invalid cid is reported without any cid.
    return { error: { payload: errorPayload(ErrorCode.INVALID_FIELD, 'cid must be a string of 1-64 characters', { path: '$.cid', command }) } };
  }
  if (!isKnownCommand(command)) return fail(ErrorCode.UNKNOWN_COMMAND, `unknown command ${command}`);
  return { envelope: { command, cid, request } };
}

/** Best-effort cid and command of a frame that will not be processed (rate limiting, SB-LIM-002). */
export function peekEnvelope(bytes) {
  try {
    const value = JSON.parse(utf8.decode(bytes));
    if (!isObject(value)) return {};
    return { cid: cidIsValid(value.cid) ? value.cid : undefined, command: isText(value.command) ? value.command : undefined };
  } catch {
    return {};
  }
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * Check 8 of section 7: validates `request` against `schema`, an ordered list of field rules:
 * { name, type: 'string'|'integer'|'boolean', required, min, max, minLength, maxLength, pattern, enum,
 *   patternCode (the dedicated error code of a pattern violation, e.g. 3003 for room names) }.
 * Returns the cleaned request (null treated as absent) or throws CommandError with the field's path.
 */
export function validatePayload(request, schema) {
  const out = {};
  for (const rule of schema) {
    const path = `$.request.${rule.name}`;
    const v = request[rule.name];
    if (v === undefined || v === null) {
      // SB-ENV-010: an optional property set to null is absent. A required one set to null is missing.
      if (rule.required) throw new CommandError(ErrorCode.MISSING_FIELD, `${rule.name} is required`, path);
      continue;
    }
    const invalid = (why) => new CommandError(ErrorCode.INVALID_FIELD, `${rule.name} ${why}`, path);
    switch (rule.type) {
      case 'string': {
        if (!isText(v)) throw invalid('must be a string (of valid UTF-16: no lone surrogates)');
        const len = codePoints(v);
        const badLength = (rule.minLength !== undefined && len < rule.minLength) || (rule.maxLength !== undefined && len > rule.maxLength);
        if (rule.pattern && !rule.pattern.test(v)) {
          if (rule.patternCode) throw new CommandError(rule.patternCode, `${rule.name} is not valid`, path);
          throw invalid('does not match its pattern');
        }
        if (badLength) throw invalid(`must be ${rule.minLength ?? 0}-${rule.maxLength ?? '∞'} characters`);
        if (rule.enum && !rule.enum.includes(v)) throw invalid(`must be one of ${rule.enum.join(', ')}`);
        break;
      }
      case 'integer': {
        // Numbers outside int64 are never valid; a non-integral number is a wrong type (SB-CODEC-005).
        if (typeof v !== 'number' || !Number.isInteger(v) || BigInt(v) > INT64_MAX || BigInt(v) < -INT64_MAX - 1n) {
          throw invalid('must be an integer');
        }
        if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
          throw invalid(`must be within ${rule.min ?? '-∞'}..${rule.max ?? '∞'}`);
        }
        break;
      }
      case 'boolean':
        if (typeof v !== 'boolean') throw invalid('must be a boolean');
        break;
      default:
        throw new Error(`unknown rule type ${rule.type}`);
    }
    out[rule.name] = v;
  }
  return out;
}

export const USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
export const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const NAMESPACES = ['web', 'app'];

/** A UserRef as other users see it: {id, name, role}. */
export const userRef = (identity) => ({ id: identity.id, name: identity.name, role: identity.role });

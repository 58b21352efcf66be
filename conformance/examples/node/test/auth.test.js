// Token verification (spec section 4.3), including what the conformance suite cannot mint: nbf, claim types.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyToken } from '../src/auth.js';
import { KEY, mintToken } from './harness.js';

const key = Buffer.from(KEY, 'utf8');
const now = Date.UTC(2026, 10, 23, 5, 30, 0);
const secs = now / 1000;
const verify = (claims, opts = {}) => verifyToken(opts.token ?? mintToken(claims, opts.key), key, now);

test('a valid token gives the identity with the defaults of SB-AUTH-007/008', () => {
  const r = verify({ sub: 'alice', exp: secs + 60 });
  assert.deepEqual(r, { ok: true, expMs: (secs + 60) * 1000, identity: { id: 'alice', name: 'alice', role: 'user', namespaces: ['web', 'app'] } });
  assert.equal(verify({ sub: 'alice', exp: secs + 60, name: '' }).identity.name, 'alice');
  assert.equal(verify({ sub: 'alice', exp: secs + 60, name: 'Alice', role: 'agent' }).identity.role, 'agent');
});

test('expired: exp not after now (SB-AUTH-005)', () => {
  assert.deepEqual(verify({ sub: 'alice', exp: secs }), { ok: false, kind: 'expired' });
  assert.deepEqual(verify({ sub: 'alice', exp: secs - 1 }), { ok: false, kind: 'expired' });
});

test('nbf in the future is invalid, nbf in the past is fine (SB-AUTH-004)', () => {
  assert.equal(verify({ sub: 'alice', exp: secs + 60, nbf: secs + 10 }).kind, 'invalid');
  assert.equal(verify({ sub: 'alice', exp: secs + 60, nbf: secs - 10 }).ok, true);
});

const invalid = {
  'wrong key': [{ sub: 'alice', exp: secs + 60 }, { key: 'another-key-of-at-least-32-bytes-long!!' }],
  'exp missing': [{ sub: 'alice' }],
  'exp a string': [{ sub: 'alice', exp: String(secs + 60) }],
  'sub missing': [{ exp: secs + 60 }],
  'sub a number': [{ sub: 42, exp: secs + 60 }],
  'sub with a space': [{ sub: 'al ice', exp: secs + 60 }],
  'sub of 65 characters': [{ sub: 'a'.repeat(65), exp: secs + 60 }],
  'unknown role': [{ sub: 'alice', exp: secs + 60, role: 'root' }],
  'role not a string': [{ sub: 'alice', exp: secs + 60, role: ['agent'] }],
  'name not a string': [{ sub: 'alice', exp: secs + 60, name: 7 }],
  'ns not an array': [{ sub: 'alice', exp: secs + 60, ns: 'web' }],
  'ns with an unknown namespace': [{ sub: 'alice', exp: secs + 60, ns: ['web', 'desktop'] }],
  'nbf a string': [{ sub: 'alice', exp: secs + 60, nbf: 'yesterday' }],
};
for (const [name, [claims, opts]] of Object.entries(invalid)) {
  test(`invalid: ${name}`, () => assert.deepEqual(verify(claims, opts), { ok: false, kind: 'invalid' }));
}

test('invalid: alg none, other algs, not a JWS', () => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = part({ sub: 'alice', exp: secs + 60 });
  assert.equal(verify(null, { token: `${part({ alg: 'none' })}.${claims}.` }).kind, 'invalid');
  const good = mintToken({ sub: 'alice', exp: secs + 60 }).split('.');
  assert.equal(verify(null, { token: `${part({ alg: 'HS512', typ: 'JWT' })}.${good[1]}.${good[2]}` }).kind, 'invalid');
  assert.equal(verify(null, { token: 'not-a-jwt' }).kind, 'invalid');
  assert.equal(verify(null, { token: `${good[0]}.${good[1]}` }).kind, 'invalid');
});

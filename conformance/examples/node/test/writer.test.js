// The envelope writer against the spec's golden vectors (spec/vectors/events and errors, spec/README.md):
// - escaping: encodeEvent(read(file)) is byte-identical to the minified file;
// - property order (SB-ENV-002): every event the running server writes lists its properties, recursively, in the
//   order of the vectors of that event (which are written in asyncapi.yaml's `properties` order).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encodeEvent } from '../src/codec.js';
import { connect, startServer, tokenFor, vectorsRoot } from './harness.js';

const vectors = ['events', 'errors'].flatMap((folder) => {
  const dir = new URL(`${folder}/`, vectorsRoot);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ file: `${folder}/${f}`, text: readFileSync(new URL(f, dir), 'utf8') }));
});

test('encodeEvent reproduces every event vector byte for byte', () => {
  for (const { file, text } of vectors) {
    const v = JSON.parse(text);
    assert.equal(encodeEvent(v.event, v.response, { cid: v.cid, seq: v.seq }), JSON.stringify(v), file);
  }
});

/** Key paths in document order: ["event", "response", "response.client_id", ...] (array items share a path). */
function keyOrder(value, prefix = '', out = []) {
  if (Array.isArray(value)) value.forEach((item) => keyOrder(item, prefix, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (!out.includes(path)) out.push(path);
      keyOrder(v, path, out);
    }
  }
  return out;
}

// For each event name, the union of the vectors' key orders (variants add optional properties).
const reference = new Map();
for (const { text } of vectors) {
  const v = JSON.parse(text);
  const merged = reference.get(v.event) ?? [];
  let previous = -1;
  for (const k of keyOrder(v)) {
    // A key only this variant has goes right after the key that precedes it in the variant.
    if (!merged.includes(k)) merged.splice(previous + 1, 0, k);
    previous = merged.indexOf(k);
  }
  reference.set(v.event, merged);
}

function assertOrder(text) {
  const frame = JSON.parse(text);
  const expected = reference.get(frame.event);
  assert.ok(expected, `no vector for ${frame.event}`);
  const actual = keyOrder(frame);
  const unknown = actual.filter((k) => !expected.includes(k));
  assert.deepEqual(unknown, [], `${frame.event}: properties without a vector: ${text}`);
  const positions = actual.map((k) => expected.indexOf(k));
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `${frame.event} property order: ${text}`);
}

test('events written by the server follow the vectors\' property order', async () => {
  const server = await startServer({ PING_INTERVAL_MS: '200', IDLE_TIMEOUT_MS: '5000' });
  try {
    const alice = await connect(server.port, { token: tokenFor('alice', { name: 'Alice' }) });
    const bob = await connect(server.port, { token: tokenFor('bob') });
    const seen = [];
    const send = (c, command, request, cid = 'c') => c.ws.send(JSON.stringify({ command, cid, request }));
    const take = async (c, n) => {
      for (let i = 0; i < n; i++) seen.push((await c.next()).text);
    };
    seen.push(JSON.stringify(alice.connect));

    send(alice, 'GET_ONLINE_LIST', { subscribe: true });
    await take(alice, 1); // ONLINE_LIST
    send(alice, 'ECHO', {});
    await take(alice, 1); // ERROR with path and command
    send(alice, 'SET_TIMER', { delay_ms: 1, label: 'l' });
    await take(alice, 2); // TIMER scheduled, fired
    send(alice, 'JOIN_ROOM', { room: 'lobby' });
    await take(alice, 2); // ROOM_STATE, ROOM_ENTER
    send(bob, 'JOIN_ROOM', { room: 'lobby' });
    await take(alice, 1); // ROOM_ENTER (bob)
    send(alice, 'SEND_ROOM_MESSAGE', { room: 'lobby', data: 'hi' });
    await take(alice, 2); // SEND_MESSAGE_SUCCESS with seq, ROOM_MESSAGE
    send(alice, 'SEND_GROUP_MESSAGE', { data: 'all' });
    await take(alice, 2); // SEND_MESSAGE_SUCCESS, GROUP_MESSAGE
    send(bob, 'SEND_PRIVATE_MESSAGE', { to: 'alice', data: 'psst' });
    await take(alice, 1); // PRIVATE_MESSAGE with seq
    send(bob, 'SEND_PRIVATE_MESSAGE', { to: 'nobody', data: 'x' });
    seen.push((await bob.next()).text); // (bob's ROOM_STATE etc. are checked below)
    send(alice, 'RECEIVED', { seq: 1 });
    await take(alice, 1); // ACK
    bob.ws.close();
    await take(alice, 2); // ROOM_LEAVE, ONLINE offline
    seen.push(...(await drain(bob)));

    const idle = await connect(server.port, { token: tokenFor('idle') });
    await new Promise((r) => setTimeout(r, 250));
    idle.ws.send(Buffer.from('x'), { binary: true });
    seen.push((await idle.next()).text, (await idle.next()).text); // ERROR, CLOSE

    for (const text of seen) assertOrder(text);
    const events = new Set(seen.map((t) => JSON.parse(t).event));
    for (const e of ['CONNECT', 'ONLINE_LIST', 'ERROR', 'TIMER', 'ROOM_STATE', 'ROOM_ENTER', 'SEND_MESSAGE_SUCCESS', 'ROOM_MESSAGE', 'GROUP_MESSAGE', 'PRIVATE_MESSAGE', 'SEND_MESSAGE_ERROR', 'ACK', 'ROOM_LEAVE', 'ONLINE', 'CLOSE']) {
      assert.ok(events.has(e), `${e} was exercised`);
    }
  } finally {
    await server.stop();
  }
});

async function drain(client) {
  const texts = [];
  for (;;) {
    try {
      texts.push((await client.next()).text);
    } catch {
      return texts;
    }
  }
}

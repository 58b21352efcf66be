// SB-CODEC-011 / SB-LIM-001: frames at, just over and far over max_message_bytes, whole and fragmented.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, startServer, tokenFor } from './harness.js';

let server;
before(async () => {
  server = await startServer({ MAX_MESSAGE_BYTES: '1000' });
});
after(() => server.stop());

const echoOfSize = (bytes) => {
  const prefix = '{"command":"ECHO","cid":"e","request":{"data":"';
  const suffix = '"}}';
  return prefix + 'x'.repeat(bytes - prefix.length - suffix.length) + suffix;
};

async function expectTooLarge(client) {
  const { frame: error } = await client.next();
  assert.deepEqual([error.event, error.response.code, error.response.error], ['ERROR', 1006, 'MESSAGE_TOO_LARGE']);
  const { frame: close } = await client.next();
  assert.deepEqual(close, { event: 'CLOSE', response: { code: 4413, reason: 'message too big', retryable: false } });
  assert.equal(await client.closeCode(), 4413);
}

test('a frame of exactly max_message_bytes is accepted', async () => {
  const c = await connect(server.port, { token: tokenFor('at-limit') });
  c.ws.send(echoOfSize(1000));
  assert.equal((await c.next()).frame.event, 'ECHO');
  c.ws.close();
});

for (const [name, bytes] of [['one byte over', 1001], ['far over (4 MiB)', 4 * 1024 * 1024]]) {
  test(`a frame ${name} the limit gets ERROR 1006, then CLOSE 4413`, async () => {
    const c = await connect(server.port, { token: tokenFor(`over-${bytes}`) });
    c.ws.send(echoOfSize(bytes));
    await expectTooLarge(c);
  });
}

test('a fragmented message whose fragments add up to more than the limit gets ERROR 1006, then CLOSE 4413', async () => {
  const c = await connect(server.port, { token: tokenFor('fragments') });
  const text = echoOfSize(1500);
  c.ws.send(text.slice(0, 700), { fin: false });
  c.ws.send(text.slice(700, 1400), { fin: false });
  c.ws.send(text.slice(1400), { fin: true });
  await expectTooLarge(c);
});

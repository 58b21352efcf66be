// Resume edge cases the conformance suite leaves open (spec section 16.2).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, startServer, tokenFor } from './harness.js';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

async function streamWithTwoMessages(user) {
  const target = await connect(server.port, { token: tokenFor(user) });
  target.ws.close();
  const sender = await connect(server.port, { token: tokenFor(`${user}-friend`) });
  for (const data of ['one', 'two']) {
    sender.ws.send(JSON.stringify({ command: 'SEND_PRIVATE_MESSAGE', cid: data, request: { to: user, data } }));
    assert.equal((await sender.next()).frame.event, 'SEND_MESSAGE_SUCCESS');
  }
  sender.ws.close();
  return target.connect.response.epoch;
}

test('since without epoch: offline delivery after acked_seq, recovered false', async () => {
  await streamWithTwoMessages('carol');
  const c = await connect(server.port, { token: tokenFor('carol'), query: '&since=1' });
  assert.deepEqual([c.connect.response.recovered, c.connect.response.missed], [false, 2]);
  assert.equal((await c.next()).frame.seq, 1);
  assert.equal((await c.next()).frame.seq, 2);
});

test('since beyond the end: recovered false, offline delivery, acked_seq unchanged', async () => {
  const epoch = await streamWithTwoMessages('dave');
  const c = await connect(server.port, { token: tokenFor('dave'), query: `&since=99&epoch=${epoch}` });
  assert.deepEqual([c.connect.response.recovered, c.connect.response.missed, c.connect.response.seq], [false, 2, 2]);
  c.ws.close();
  const again = await connect(server.port, { token: tokenFor('dave') });
  assert.equal(again.connect.response.missed, 2, 'since=99 did not acknowledge anything');
});

test('a since that is not a decimal integer is ignored (SB-DLV-014)', async () => {
  const epoch = await streamWithTwoMessages('erin');
  for (const since of ['-1', '1.0', '0x1', '9223372036854775808']) {
    const c = await connect(server.port, { token: tokenFor('erin'), query: `&since=${since}&epoch=${epoch}` });
    assert.deepEqual([c.connect.response.recovered, c.connect.response.missed], [true, 2], `since=${since}`);
    c.ws.close();
  }
});

// SB-LIM-004 / SB-LIM-005: a connection that stops reading is closed with 4499 once its unread data passes the
// send-queue bound, the sender is not held up, and the durable events all come back on a resume. (The conformance
// suite's case for this needs the backend API, which this server does not have, so it is tested here.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, startServer, tokenFor } from './harness.js';

test('a consumer that stops reading is dropped with 4499 and recovers every private message by resume', async () => {
  const server = await startServer({ SEND_QUEUE_MAX_BYTES: String(256 * 1024) });
  try {
    const bob = await connect(server.port, { token: tokenFor('bob') });
    const { epoch } = bob.connect.response;
    bob.ws.pause(); // bob's client stops reading; the kernel buffers fill, then the server's queue

    const alice = await connect(server.port, { token: tokenFor('alice') });
    const body = 'z'.repeat(60 * 1024);
    const bobOnServer = () => server.ctx.registry.ofUser('web', 'bob')[0];
    let sent = 0;
    while (sent < 600 && bobOnServer() && !bobOnServer().closed) {
      alice.ws.send(JSON.stringify({ command: 'SEND_PRIVATE_MESSAGE', cid: `m${sent}`, request: { to: 'bob', data: body } }));
      const { frame } = await alice.next();
      assert.equal(frame.event, 'SEND_MESSAGE_SUCCESS', JSON.stringify(frame)); // alice is never slowed down or refused
      sent++;
    }
    assert.ok(sent < 600, `bob was still connected after ${sent} messages of 60 KiB`);

    bob.ws.resume();
    const code = await bob.closeCode();
    assert.ok(code === 4499 || code === 1006, `closed with ${code}`);

    const back = await connect(server.port, { token: tokenFor('bob'), query: `&since=0&epoch=${epoch}` });
    assert.equal(back.connect.response.recovered, true);
    assert.equal(back.connect.response.seq, sent);
    assert.equal(back.connect.response.missed, sent);
    for (let seq = 1; seq <= sent; seq++) {
      const { frame } = await back.next();
      assert.equal(frame.event, 'PRIVATE_MESSAGE');
      assert.equal(frame.seq, seq);
    }
  } finally {
    await server.stop();
  }
});

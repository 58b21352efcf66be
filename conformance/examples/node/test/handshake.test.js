// Upgrade refusals and liveness (spec sections 3, 4.1, 17) that the conformance suite of spec 1.0.0 does not probe.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { connect, startServer, tokenFor } from './harness.js';

let server;
before(async () => {
  server = await startServer({ PING_INTERVAL_MS: '200', IDLE_TIMEOUT_MS: '1000' });
});
after(() => server.stop());

/** A raw upgrade request; resolves with the HTTP status, headers and body of a refusal. */
function upgrade(path, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { Connection: 'Upgrade', ...headers } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const wsHeaders = (extra = {}) => ({ Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...extra });

test('a valid upgrade is accepted (the baseline of the refusals below)', async () => {
  assert.equal((await upgrade('/web', wsHeaders())).status, 101);
});

test('another WebSocket version gets 426 with Sec-WebSocket-Version: 13 (RFC 6455 section 4.4)', async () => {
  const r = await upgrade('/web', wsHeaders({ 'Sec-WebSocket-Version': '8' }));
  assert.equal(r.status, 426);
  assert.equal(r.headers['sec-websocket-version'], '13');
  assert.deepEqual([r.body.code, r.body.error], [1010, 'UNSUPPORTED_PROTOCOL']);
});

test('an upgrade to something other than websocket is a plain request: 400 1008 (SB-HS-010)', async () => {
  const r = await upgrade('/app', { Upgrade: 'h2c' });
  assert.deepEqual([r.status, r.body.code], [400, 1008]);
});

test('an upgrade on another path is 404 (SB-NS-008)', async () => {
  assert.equal((await upgrade('/chat', wsHeaders())).status, 404);
});

test('a peer that answers no WebSocket ping is dropped after idle_timeout_ms - ping_interval_ms', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/web?access_token=${tokenFor('mute')}`, { autoPong: false });
  await once(ws, 'open');
  // Data frames keep arriving (so this is not the 4408 idle rule), but pings go unanswered.
  const chatter = setInterval(() => ws.send('{"command":"PONG"}'), 100);
  const [code] = await once(ws, 'close');
  clearInterval(chatter);
  assert.equal(code, 1006, 'dropped without a close frame (not the 4408 of the idle rule)');
});

test('a peer that answers pings and sends PONG stays connected past idle_timeout_ms (SB-KA-003)', async () => {
  const c = await connect(server.port, { token: tokenFor('lively') });
  const chatter = setInterval(() => c.ws.send('{"command":"PONG"}'), 100);
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(chatter);
  c.ws.send(JSON.stringify({ command: 'ECHO', cid: 'x', request: { data: 'alive' } }));
  assert.equal((await c.next()).frame.event, 'ECHO');
  c.ws.close();
});

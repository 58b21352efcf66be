// Rooms without `rooms-history` and strings that are not text: rules spec 1.0.0 leaves open and 1.1.0 (branch
// specgaps) writes down (SB-ROOM-018, SB-CODEC-018).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, startServer, tokenFor } from './harness.js';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

const send = (c, command, request, cid = 'c') => c.ws.send(JSON.stringify({ command, cid, request }));

test('JOIN_ROOM with since on a chat-only server replays nothing and says recovered: false', async () => {
  const alice = await connect(server.port, { token: tokenFor('alice') });
  send(alice, 'JOIN_ROOM', { room: 'lobby' });
  assert.equal((await alice.next()).frame.event, 'ROOM_STATE');
  assert.equal((await alice.next()).frame.event, 'ROOM_ENTER');
  for (const data of ['one', 'two']) {
    send(alice, 'SEND_ROOM_MESSAGE', { room: 'lobby', data });
    await alice.next(); // SEND_MESSAGE_SUCCESS
    await alice.next(); // ROOM_MESSAGE
  }
  const bob = await connect(server.port, { token: tokenFor('bob') });
  send(bob, 'JOIN_ROOM', { room: 'lobby', since: 0 });
  const { frame } = await bob.next();
  assert.equal(frame.event, 'ROOM_STATE', 'no replayed ROOM_MESSAGE before it');
  assert.deepEqual([frame.response.seq, frame.response.missed, frame.response.recovered], [2, 0, false]);
  assert.equal((await bob.next()).frame.event, 'ROOM_ENTER');
  send(bob, 'JOIN_ROOM', { room: 'lobby' }, 'again');
  const again = (await bob.next()).frame;
  assert.deepEqual([again.cid, again.response.recovered, again.response.missed], ['again', true, 0]);
});

test('strings with lone surrogates are not text: 1005 at their path, 1005 $.cid, 1008 $.command', async () => {
  const c = await connect(server.port, { token: tokenFor('carol') });
  c.ws.send('{"command":"ECHO","cid":"s1","request":{"data":"a\\ud800b"}}');
  assert.deepEqual((await c.next()).frame, {
    event: 'ERROR', cid: 's1',
    response: { code: 1005, error: 'INVALID_FIELD', message: 'data must be a string (of valid UTF-16: no lone surrogates)', path: '$.request.data', command: 'ECHO' },
  });
  c.ws.send('{"command":"SEND_GROUP_MESSAGE","cid":"s2","request":{"data":"\\udc00"}}');
  const group = (await c.next()).frame;
  assert.deepEqual([group.event, group.cid, group.response.code, group.response.path], ['SEND_MESSAGE_ERROR', 's2', 1005, '$.request.data']);
  c.ws.send('{"command":"ECHO","cid":"\\ud800","request":{"data":"x"}}');
  const cid = (await c.next()).frame;
  assert.deepEqual([cid.cid, cid.response.code, cid.response.path], [undefined, 1005, '$.cid']);
  c.ws.send('{"command":"EC\\ud800HO","cid":"s4","request":{"data":"x"}}');
  const command = (await c.next()).frame;
  assert.deepEqual([command.cid, command.response.code, command.response.path, command.response.command], ['s4', 1008, '$.command', undefined]);
  c.ws.send('{"command":"ECHO","cid":"s5","request":{"data":"fine","ignored":"\\ud800"}}');
  assert.deepEqual((await c.next()).frame, { event: 'ECHO', cid: 's5', response: { data: 'fine' } });
});

// The spec's bad-input vectors (spec/vectors/bad-input), each sent over a real WebSocket to a running server:
// the reply must be the vector's event, code, name, path and cid, and a close must follow where the vector says.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { connect, startServer, tokenFor, vectorsRoot } from './harness.js';

const dir = new URL('bad-input/', vectorsRoot);
const vectors = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

let server;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

test('the vectors are there', () => assert.ok(vectors.length >= 20, `${vectors.length} vectors`));

for (const file of vectors) {
  const v = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  test(`${file}: ${v.description}`, async () => {
    if (v.max_message_bytes !== undefined) assert.equal(server.ctx.config.maxMessageBytes, v.max_message_bytes);
    const client = await connect(server.port, { token: tokenFor(`vector-${file.replace('.json', '')}`) });
    const bytes = v.input_base64 !== undefined ? Buffer.from(v.input_base64, 'base64') : Buffer.from(v.input, 'utf8');
    client.ws.send(bytes, { binary: v.frame === 'binary' });

    // SB-CODEC-002: over WebSocket, a text frame that is not UTF-8 fails the connection (close 1007, RFC 6455
    // section 8.1); the vector's ERROR 1002 is what a codec API reports for the same bytes.
    if (v.expected_code === 1002) {
      assert.equal(await client.closeCode(), 1007);
      return;
    }

    const { frame } = await client.next();
    assert.equal(frame.event, v.expected_event);
    assert.equal(frame.response.code, v.expected_code);
    assert.equal(frame.response.error, v.expected_error);
    assert.equal(frame.response.path, v.expected_path);
    assert.equal(frame.cid, v.expected_cid);

    if (v.expected_close !== undefined) {
      const { frame: close } = await client.next();
      assert.equal(close.event, 'CLOSE');
      assert.equal(close.response.code, v.expected_close);
      assert.equal(await client.closeCode(), v.expected_close);
    } else {
      // SB-CODEC-015: the connection stays usable.
      client.ws.send(JSON.stringify({ command: 'ECHO', cid: 'after', request: { data: 'still here' } }));
      assert.deepEqual((await client.next()).frame, { event: 'ECHO', cid: 'after', response: { data: 'still here' } });
      client.ws.close();
    }
  });
}

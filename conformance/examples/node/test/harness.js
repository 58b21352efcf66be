// Test helpers: the real server on a free loopback port, real WebSocket clients, tokens minted as the spec says.

import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const KEY = 'node-example-test-signing-key-0123456789';

/** The golden vectors of the spec in this repository (SPEC_VECTORS_DIR points elsewhere, e.g. another version). */
export const vectorsRoot = process.env.SPEC_VECTORS_DIR
  ? pathToFileURL(`${process.env.SPEC_VECTORS_DIR.replace(/\/$/, '')}/`)
  : new URL('../../../../spec/vectors/', import.meta.url);

export function mintToken(claims, key = KEY) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}

export const tokenFor = (sub, extra = {}) => mintToken({ sub, exp: Math.floor(Date.now() / 1000) + 300, ...extra });

export async function startServer(env = {}) {
  const { ctx, server } = createApp(loadConfig({ SWITCHBOARD_SIGNING_KEY: KEY, ...env }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    ctx,
    port,
    async stop() {
      for (const c of ctx.registry.all()) c.ws.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A client that queues every received event (PINGs dropped) and its close. */
export async function connect(port, { path = '/web', token, query = '' } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}?access_token=${token}${query}`, 'switchboard.v1.json');
  const frames = [];
  const waiters = [];
  let closed;
  const wake = () => waiters.splice(0).forEach((w) => w());
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.event !== 'PING') frames.push({ frame, text: String(data) });
    wake();
  });
  ws.on('close', (code) => {
    closed = code;
    wake();
  });
  await once(ws, 'open');
  const client = {
    ws,
    /** The next event (and its exact text), waiting up to `ms`. */
    async next(ms = 2000) {
      const deadline = Date.now() + ms;
      while (frames.length === 0) {
        if (closed !== undefined) throw new Error(`closed ${closed} while waiting for an event`);
        if (Date.now() > deadline) throw new Error(`no event within ${ms} ms`);
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return frames.shift();
    },
    async closeCode() {
      if (closed === undefined) await once(ws, 'close');
      return closed;
    },
  };
  client.connect = (await client.next()).frame;
  return client;
}

// The server's shared state and its HTTP server, without listening (index.js listens; tests listen on port 0).

import { createSwitchboardServer } from './http.js';
import { Registry } from './registry.js';
import { RoomStore } from './rooms.js';
import { StreamStore } from './streams.js';

export function createApp(config) {
  const ctx = { shuttingDown: false, config, registry: new Registry(), streams: new StreamStore(config), rooms: new RoomStore() };
  return { ctx, server: createSwitchboardServer(ctx) };
}

// Entry point: reads the configuration from the environment and starts listening.
//
//   SWITCHBOARD_SIGNING_KEY=... PORT=8080 node src/index.js
//
// Prints "listening on http://HOST:PORT" once ready (scripts wait for that line; PORT=0 picks a free port).

import { loadConfig } from './config.js';
import { createSwitchboardServer } from './http.js';
import { Registry } from './registry.js';
import { RoomStore } from './rooms.js';
import { StreamStore } from './streams.js';

const config = loadConfig();
const ctx = { config, registry: new Registry(), streams: new StreamStore(config), rooms: new RoomStore(config) };
const server = createSwitchboardServer(ctx);

server.listen(config.port, config.host, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});

// Stop on Ctrl-C / kill; this example does not implement graceful shutdown (SB-CLOSE-003's 4503 CLOSE).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

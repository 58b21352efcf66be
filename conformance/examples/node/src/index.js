// Entry point: reads the configuration from the environment and starts listening.
//
//   SWITCHBOARD_SIGNING_KEY=... PORT=8080 node src/index.js
//
// Prints "listening on http://HOST:PORT" once ready (scripts wait for that line; PORT=0 picks a free port).

import { createApp } from './app.js';
import { Close } from './codec.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const { ctx, server } = createApp(config);

server.listen(config.port, config.host, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});

// Graceful shutdown on Ctrl-C / kill (SB-CLOSE-003): refuse new upgrades with 503, /health says shutting_down,
// every connection gets CLOSE 4503. Streams are in memory, so they end with the process (clients see a new epoch).
function shutdown() {
  if (ctx.shuttingDown) return;
  ctx.shuttingDown = true;
  for (const conn of ctx.registry.all()) conn.closeWith(Close.SHUTTING_DOWN);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref(); // clients that never finish the close handshake
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, shutdown);

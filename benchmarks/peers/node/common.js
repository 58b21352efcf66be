'use strict';
// Shared helpers for the peer servers: argument parsing, a /stats endpoint, clean shutdown.

/** Parses `--port N --host H` style arguments. */
function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--') && i + 1 < argv.length) {
      out[a.slice(2)] = argv[++i];
    }
  }
  out.port = Number(out.port);
  return out;
}

/**
 * Answers GET /health with "ok" and GET /stats with memory figures: heap_bytes = V8 heap in use after a full GC
 * when node runs with --expose-gc (as compare.sh starts it), otherwise the current heap in use.
 */
function statsHandler(req, res, extra) {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return true;
  }
  if (req.url === '/stats') {
    if (typeof global.gc === 'function') global.gc();
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rss_bytes: m.rss, heap_bytes: m.heapUsed, gc_forced: typeof global.gc === 'function', ...extra() }));
    return true;
  }
  return false;
}

function onShutdown(close) {
  const stop = () => { close(); setTimeout(() => process.exit(0), 200).unref(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { parseArgs, statsHandler, onShutdown };

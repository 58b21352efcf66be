// HTTP: GET /health, the WebSocket endpoints /web and /app, and every upgrade refusal (sections 3, 4.1, 22.6).
//
// The checks that happen before the upgrade, in order: path (404, SB-NS-008), Origin (403, SB-HS-005), offered
// subprotocols (400 1010, SB-HS-003). Token problems are never refused here: they are reported in-band after the
// upgrade (SB-HS-011), because browsers cannot read the status of a failed upgrade.

import { createServer, STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { tokenFromRequest } from './auth.js';
import { PROTOCOL } from './config.js';
import { ErrorCode, errorName } from './codec.js';
import { acceptConnection } from './gateway.js';

const ENDPOINTS = { '/web': 'web', '/app': 'app' };

/** An RFC 9457 problem document with the registry's code and name. */
function problem(status, code, detail) {
  const name = errorName(code) ?? 'NOT_FOUND';
  return JSON.stringify({ type: `urn:switchboard:error:${name}`, title: name, status, detail, code, error: name });
}

function sendProblem(res, status, code, detail) {
  const body = problem(status, code, detail);
  res.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Refuses an upgrade on the raw socket (the `upgrade` event hands us a socket, not a response object). */
function refuseUpgrade(socket, status, code, detail, extraHeaders = '') {
  const body = code === undefined ? '' : problem(status, code, detail);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extraHeaders}` +
      (body ? 'Content-Type: application/problem+json\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createSwitchboardServer(ctx) {
  const { config } = ctx;
  const wss = new WebSocketServer({
    noServer: true,
    // SB-CODEC-002 (RFC 6455 section 8.1): a text frame that is not UTF-8 fails the connection with close 1007,
    // which is what `ws` does by itself when it validates UTF-8 (its default).
    // SB-CODEC-011: `ws` stops reading as soon as a message (all its fragments together) grows past maxPayload
    // and then closes with 1009 by itself; gateway.js turns that close into ERROR 1006 + CLOSE 4413.
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    // SB-HS-002/004: select switchboard.v1.json when offered; with no offer, send no Sec-WebSocket-Protocol.
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') {
      const body = JSON.stringify({ status: ctx.shuttingDown ? 'shutting_down' : 'ok' }); // SB-API-016
      res.writeHead(ctx.shuttingDown ? 503 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      return res.end(body);
    }
    if (ENDPOINTS[url.pathname]) {
      return sendProblem(res, 400, ErrorCode.INVALID_ENVELOPE, 'this endpoint only accepts WebSocket upgrades'); // SB-HS-010
    }
    // No backend HTTP API here: this server does not declare `backend-api`.
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://localhost');
    const namespace = ENDPOINTS[url.pathname];
    if (!namespace) return refuseUpgrade(socket, 404);
    if (ctx.shuttingDown) return refuseUpgrade(socket, 503); // SB-CLOSE-003
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      return refuseUpgrade(socket, 400, ErrorCode.INVALID_ENVELOPE, 'this endpoint only accepts WebSocket upgrades'); // SB-HS-010
    }
    // RFC 6455 section 4.4: another WebSocket version gets 426 and the version we speak, so the client can retry.
    // (`ws` would answer 400.) Spec 1.1.0 makes this SB-HS-013 (on branch rfc); 1.0.0 does not say.
    if (req.headers['sec-websocket-version'] !== '13') {
      return refuseUpgrade(socket, 426, ErrorCode.UNSUPPORTED_PROTOCOL, 'only WebSocket version 13 is supported', 'Sec-WebSocket-Version: 13\r\n');
    }

    const origin = req.headers.origin;
    if (origin !== undefined && config.allowedOrigins.length > 0 && !config.allowedOrigins.includes(origin)) {
      return refuseUpgrade(socket, 403, ErrorCode.FORBIDDEN, `origin ${origin} is not allowed`);
    }

    const offered = req.headers['sec-websocket-protocol'];
    if (offered !== undefined && !offered.split(',').map((p) => p.trim()).includes(PROTOCOL)) {
      return refuseUpgrade(socket, 400, ErrorCode.UNSUPPORTED_PROTOCOL, `supported subprotocol: ${PROTOCOL}`);
    }

    wss.handleUpgrade(req, socket, head, (ws) => acceptConnection(ctx, ws, { namespace, token: tokenFromRequest(req, url), url }));
  });

  return server;
}

'use strict';
// Peer: a plain `ws` server speaking the load tool's "raw ws JSON" wire — the shape of the seeds'
// hand-rolled Node.js servers. One JSON object per text frame:
//   server -> client on connect: {"t":"hello","id":"<n>"}
//   {"t":"echo","d":S}             -> {"t":"echo","d":S}
//   {"t":"join","room":R}          -> {"t":"joined","room":R}
//   {"t":"pub","room":R,"d":S}     -> {"t":"msg","room":R,"from":U,"d":S} to every member (serialized once)
//   {"t":"pm","to":U2,"d":S}       -> {"t":"pm","from":U,"d":S} to every connection of user U2
// The user id comes from the `user` query parameter.
const http = require('http');
const { WebSocketServer } = require('ws');
const { parseArgs, statsHandler, onShutdown } = require('./common');

const args = parseArgs(process.argv.slice(2), { port: 8081, host: '127.0.0.1' });
const rooms = new Map(); // room -> Set<ws>
const users = new Map(); // user -> Set<ws>
let nextId = 0;
let connections = 0;

const server = http.createServer((req, res) => {
  if (!statsHandler(req, res, () => ({ connections }))) { res.writeHead(404); res.end(); }
});
const wss = new WebSocketServer({ server, maxPayload: 65536, perMessageDeflate: false });

function addTo(map, key, ws) {
  let set = map.get(key);
  if (!set) { set = new Set(); map.set(key, set); }
  set.add(ws);
}
function removeFrom(map, key, ws) {
  const set = map.get(key);
  if (set) { set.delete(ws); if (set.size === 0) map.delete(key); }
}

wss.on('connection', (ws, req) => {
  const user = new URL(req.url, 'http://x').searchParams.get('user') || `anon${nextId}`;
  const joined = new Set();
  connections++;
  addTo(users, user, ws);
  ws.send(JSON.stringify({ t: 'hello', id: String(++nextId) }));

  ws.on('message', (raw, isBinary) => {
    if (isBinary) { ws.close(1003, 'binary not supported'); return; }
    let m;
    try { m = JSON.parse(raw); } catch { ws.send('{"t":"error","error":"malformed json"}'); return; }
    switch (m.t) {
      case 'echo':
        ws.send(JSON.stringify({ t: 'echo', d: m.d }));
        break;
      case 'join':
        addTo(rooms, m.room, ws);
        joined.add(m.room);
        ws.send(JSON.stringify({ t: 'joined', room: m.room }));
        break;
      case 'pub': {
        const members = rooms.get(m.room);
        if (!members || !members.has(ws)) { ws.send('{"t":"error","error":"not in room"}'); return; }
        const frame = JSON.stringify({ t: 'msg', room: m.room, from: user, d: m.d });
        for (const member of members) member.send(frame);
        break;
      }
      case 'pm': {
        const targets = users.get(m.to);
        if (!targets) { ws.send('{"t":"error","error":"unknown recipient"}'); return; }
        const frame = JSON.stringify({ t: 'pm', from: user, d: m.d });
        for (const target of targets) target.send(frame);
        break;
      }
      default:
        ws.send('{"t":"error","error":"unknown command"}');
    }
  });

  ws.on('close', () => {
    connections--;
    removeFrom(users, user, ws);
    for (const room of joined) removeFrom(rooms, room, ws);
  });
});

server.listen(args.port, args.host, () => console.log(`ws peer listening on ws://${args.host}:${args.port}`));
onShutdown(() => { wss.close(); server.close(); });

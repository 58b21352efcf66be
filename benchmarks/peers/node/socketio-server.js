'use strict';
// Peer: a socket.io server — the seeds' other Node.js stack — with the load tool's socket.io wire
// (engine.io v4 over WebSocket only, default namespace "/"):
//   "echo" (d, ack)      -> ack(d)
//   "join" (room, ack)   -> socket.join(room); ack()
//   "pub"  (room, d)     -> io.to(room).emit("msg", {room, from, d})   (socket.io encodes a broadcast once)
//   "pm"   (to, d)       -> io.to("u:" + to).emit("pm", {from, d})
// The user id comes from the `user` query parameter; every socket joins the room "u:<user>".
const http = require('http');
const { Server } = require('socket.io');
const { parseArgs, statsHandler, onShutdown } = require('./common');

const args = parseArgs(process.argv.slice(2), { port: 8082, host: '127.0.0.1' });
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/socket.io/')) return; // handled by socket.io
  if (!statsHandler(req, res, () => ({ connections: io.engine.clientsCount }))) { res.writeHead(404); res.end(); }
});
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 65536,
  cors: { origin: false },
});

io.on('connection', (socket) => {
  const user = String(socket.handshake.query.user || socket.id);
  socket.join('u:' + user);
  socket.on('echo', (d, ack) => { if (typeof ack === 'function') ack(d); else socket.emit('echo', d); });
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack();
  });
  socket.on('pub', (room, d) => {
    if (!socket.rooms.has(room)) { socket.emit('error_msg', 'not in room'); return; }
    io.to(room).emit('msg', { room, from: user, d });
  });
  socket.on('pm', (to, d) => { io.to('u:' + to).emit('pm', { from: user, d }); });
});

server.listen(args.port, args.host, () => console.log(`socket.io peer listening on ws://${args.host}:${args.port}/socket.io/`));
onShutdown(() => { io.close(); server.close(); });

// The client on an injected clock and an in-memory socket: timeouts, liveness and acks are driven by hand, so these
// tests never wait on the wall clock; and the local max_message_bytes check (SB-CODEC-011) at its exact boundary.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CloseCode,
  encodeCommand,
  encodeEvent,
  ErrorCode,
  SwitchboardClient,
  SwitchboardError,
  SwitchboardTimeoutError,
  utf8Length,
  type ConnectEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from "../src/index.js";
import { flush, ManualClock } from "./manual-clock.js";

/** An in-memory WebSocket: the test plays the server. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  readyState = 1;
  readonly protocol = "switchboard.v1.json";
  readonly sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1005, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  deliver(frame: string): void {
    this.onmessage?.({ data: frame });
  }

  commands(name: string): string[] {
    return this.sent.filter((f) => f.startsWith(`{"command":"${name}"`));
  }
}

const connectEvent = (overrides: Partial<ConnectEvent> = {}): ConnectEvent => ({
  client_id: "c1",
  user: { id: "carol", name: "Carol", role: "user" },
  namespace: "web",
  protocol: "switchboard.v1.json",
  server: "fake",
  epoch: "e1",
  seq: 0,
  recovered: true,
  missed: 0,
  ping_interval_ms: 25_000,
  idle_timeout_ms: 60_000,
  max_message_bytes: 65_536,
  rate_limit_per_second: 0,
  rate_limit_burst: 200,
  capabilities: ["chat"],
  ...overrides,
});

async function connected(clock: ManualClock, connect: Partial<ConnectEvent> = {}, reconnect = false): Promise<{ client: SwitchboardClient; socket: FakeSocket }> {
  const client = new SwitchboardClient({
    url: "ws://fake",
    token: "t",
    webSocket: FakeSocket as unknown as WebSocketConstructor,
    clock,
    reconnect: { enabled: reconnect },
  });
  const connecting = client.connect();
  await flush();
  const socket = FakeSocket.last!;
  socket.deliver(encodeEvent("CONNECT", connectEvent(connect)));
  await connecting;
  return { client, socket };
}

test("connect times out on the injected clock, not the wall clock", async () => {
  const clock = new ManualClock();
  const client = new SwitchboardClient({ url: "ws://fake", token: "t", webSocket: FakeSocket as unknown as WebSocketConstructor, clock, connectTimeoutMs: 15_000 });
  const connecting = client.connect();
  let settled = false;
  connecting.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush(); // the token is resolved and the socket opened; the timeout runs from here
  await clock.advance(14_999);
  assert.equal(settled, false, "not before the timeout");
  assert.equal(client.state, "connecting");
  await clock.advance(1);
  await assert.rejects(connecting, SwitchboardTimeoutError);
  assert.equal(client.state, "disconnected");
  assert.equal(clock.pending, 0, "no timer left behind");
});

test("a silent server is dropped after serverTimeoutMs of injected time; data keeps it alive", async () => {
  const clock = new ManualClock();
  const { client, socket } = await connected(clock, { ping_interval_ms: 25_000 }); // server timeout 35 s
  await clock.advance(30_000);
  socket.deliver(encodeEvent("PING", { at: "2026-01-01T00:00:30Z" })); // any frame counts as life
  await clock.advance(30_000);
  assert.equal(client.state, "connected");
  assert.equal(socket.commands("PONG").length, 1);
  await clock.advance(6_000);
  assert.equal(client.state, "disconnected");
  assert.equal(client.lastClose?.code, 1006);
  assert.equal(client.lastClose?.retryable, true);
  assert.equal(clock.pending, 0);
});

test("RECEIVED is sent on the ack interval of injected time", async () => {
  const clock = new ManualClock();
  const { client, socket } = await connected(clock);
  socket.deliver(encodeEvent("PRIVATE_MESSAGE", { message_id: "m1", user: { id: "dan", name: "Dan", role: "user" }, to: "carol", namespace: "web", data: "hi", at: "2026-01-01T00:00:00.000Z" }, undefined, 1));
  await clock.advance(500);
  assert.equal(socket.commands("RECEIVED").length, 0);
  await clock.advance(600);
  assert.deepEqual(socket.commands("RECEIVED"), [encodeCommand("RECEIVED", { seq: 1 })]);
  await clock.advance(5_000);
  assert.equal(socket.commands("RECEIVED").length, 1, "nothing new, no new ack");
  const stopped = client.stop();
  await clock.advance(0);
  await stopped;
  assert.equal(clock.pending, 0, "stop() leaves no timer");
});

test("a frame over max_message_bytes is refused locally with MESSAGE_TOO_LARGE (SB-CODEC-011); exactly the limit is sent", async () => {
  const clock = new ManualClock();
  const data = "é".repeat(40) + "😀".repeat(10); // multi-byte: the limit counts UTF-8 bytes, not UTF-16 units
  const frame = encodeCommand("SEND_PRIVATE_MESSAGE", { to: "dan", data });
  const bytes = utf8Length(frame);
  assert.equal(bytes, Buffer.byteLength(frame, "utf8"));

  const exact = await connected(clock, { max_message_bytes: bytes });
  await exact.client.send("SEND_PRIVATE_MESSAGE", { to: "dan", data });
  assert.deepEqual(exact.socket.commands("SEND_PRIVATE_MESSAGE"), [frame]);

  const over = await connected(clock, { max_message_bytes: bytes - 1 });
  await assert.rejects(over.client.send("SEND_PRIVATE_MESSAGE", { to: "dan", data }), (e: unknown) => {
    assert.ok(e instanceof SwitchboardError);
    assert.equal(e.code, ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(e.command, "SEND_PRIVATE_MESSAGE");
    return true;
  });
  await assert.rejects(over.client.sendPrivateMessage({ to: "dan", data }), (e: unknown) => e instanceof SwitchboardError && e.code === ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(over.socket.commands("SEND_PRIVATE_MESSAGE").length, 0, "nothing oversized reached the socket");
  assert.equal(over.client.state, "connected", "the connection survives");
  assert.notEqual(over.client.lastClose?.code, CloseCode.MESSAGE_TOO_BIG);
});

test("utf8Length agrees with the platform encoder, lone surrogates included", () => {
  for (const s of ["", "a", "é", "€", "😀", "a😀b", "\ud800", "x\udc00y", "\ud83d\ude00\ud83d"]) {
    assert.equal(utf8Length(s), Buffer.byteLength(s, "utf8"), JSON.stringify(s));
  }
});

// 300 private messages while the recipient's connection is cut 4 times: every message arrives exactly once, in
// order (resume with since/epoch, dedupe by seq, RECEIVED acks), and joined rooms are re-joined with replay.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ConnectionState } from "../src/index.js";
import { client, until } from "./helpers.js";
import { CuttingProxy } from "./proxy.js";
import { TestServer } from "./server.js";

const server = new TestServer();
let proxy: CuttingProxy;
before(async () => {
  await server.start();
  proxy = new CuttingProxy(server.port);
  await proxy.start();
});
after(async () => {
  await proxy.close();
  await server.dispose();
});

test("300 private messages across 4 connection cuts: none lost, none duplicated", async () => {
  const sender = client(server.url, server.token("sender"));
  const bob = client(proxy.url, server.token("bob"), { ackIntervalMs: 200 });
  const received: string[] = [];
  const states: ConnectionState[] = [];
  let reconnects = 0;
  bob.onStateChange((c) => {
    states.push(c.state);
    if (c.previous === "reconnecting" && c.state === "connected") reconnects++;
  });
  const all = until(() => received.length >= 300, 60_000, "300 messages");
  bob.on("PRIVATE_MESSAGE", (m) => {
    received.push(m.data);
    all.poke();
  });
  await bob.connect();
  await sender.connect();

  let cuts = 0;
  for (let i = 1; i <= 300; i++) {
    await sender.sendPrivateMessage({ to: "bob", data: `m${i}` });
    if (i % 60 === 0 && cuts < 4) {
      // cut, then wait until bob is back before the next batch, so every cut hits a live connection
      const target = reconnects + 1;
      const back = until(() => bob.state === "connected" && reconnects >= target, 30_000, "reconnect");
      const off = bob.onStateChange(() => back.poke());
      assert.ok(proxy.cut() >= 1, "the proxy had a connection to cut");
      cuts++;
      await back.promise;
      off();
    }
  }
  await all.promise;
  assert.equal(cuts, 4);
  assert.ok(reconnects >= 4, `reconnects: ${reconnects}`);
  assert.deepEqual(received, Array.from({ length: 300 }, (_, i) => `m${i + 1}`));
  assert.ok(states.includes("reconnecting"));
  await Promise.all([sender.stop(), bob.stop()]);
});

test("a joined room is re-joined after a cut and messages sent meanwhile are replayed once", async () => {
  const sender = client(server.url, server.token("roomsender"));
  const erin = client(proxy.url, server.token("erin"), { reconnect: { initialDelayMs: 300, maxDelayMs: 300, jitter: 0 } });
  const seen: string[] = [];
  const enough = until(() => seen.length >= 4, 30_000, "room messages");
  erin.on("ROOM_MESSAGE", (m) => {
    seen.push(m.data);
    enough.poke();
  });
  await sender.connect();
  await erin.connect();
  await sender.joinRoom({ room: "replay" });
  await erin.joinRoom({ room: "replay" });
  await sender.sendRoomMessage({ room: "replay", data: "r1" });
  await sender.sendRoomMessage({ room: "replay", data: "r2" });
  const got2 = until(() => seen.length >= 2, 10_000, "r1, r2");
  const off = erin.on("ROOM_MESSAGE", () => got2.poke());
  await got2.promise;
  off();
  const gone = until(() => erin.state === "reconnecting", 10_000, "reconnecting");
  const offState = erin.onStateChange(() => gone.poke());
  proxy.cut();
  await gone.promise;
  offState();
  // erin is offline now (300 ms backoff): these two arrive only through the re-join's replay
  await sender.sendRoomMessage({ room: "replay", data: "r3" });
  await sender.sendRoomMessage({ room: "replay", data: "r4" });
  await enough.promise;
  assert.deepEqual(seen, ["r1", "r2", "r3", "r4"]);
  await Promise.all([sender.stop(), erin.stop()]);
});

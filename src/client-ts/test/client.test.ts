// Typed commands against the real reference server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, SwitchboardConnectionError, SwitchboardError, type PrivateMessageEvent, type RoomMessageEvent } from "../src/index.js";
import { client, until } from "./helpers.js";
import { TestServer } from "./server.js";

const server = new TestServer();
before(async () => await server.start());
after(async () => await server.dispose());

test("connect, echo, and the CONNECT greeting", async () => {
  const alice = client(server.url, server.token("alice", "user", 3600, "Alice"));
  const connect = await alice.connect();
  assert.equal(connect.user.id, "alice");
  assert.equal(connect.user.name, "Alice");
  assert.equal(alice.state, "connected");
  const echo = await alice.echo({ data: "hello" });
  assert.equal(echo.data, "hello");
  await alice.stop();
  assert.equal(alice.state, "disconnected");
});

test("private message: typed reply, typed event, typed error with the spec code", async () => {
  const alice = client(server.url, server.token("alice2"));
  const bob = client(server.url, server.token("bob2"));
  const received: PrivateMessageEvent[] = [];
  const got = until(() => received.length === 1, 10_000, "PRIVATE_MESSAGE");
  const unsubscribe = bob.on("PRIVATE_MESSAGE", (m) => {
    received.push(m);
    got.poke();
  });
  await alice.connect();
  await bob.connect();
  const ok = await alice.sendPrivateMessage({ to: "bob2", data: "hi bob" });
  assert.ok(ok.message_id.length > 0);
  await got.promise;
  assert.equal(received[0]!.data, "hi bob");
  assert.equal(received[0]!.user.id, "alice2");
  unsubscribe();

  await assert.rejects(alice.sendPrivateMessage({ to: "nobody-ever", data: "x" }), (e: unknown) => {
    assert.ok(e instanceof SwitchboardError);
    assert.equal(e.code, ErrorCode.RECIPIENT_UNKNOWN);
    assert.equal(e.error, "RECIPIENT_UNKNOWN");
    assert.equal(e.command, "SEND_PRIVATE_MESSAGE");
    return true;
  });
  await assert.rejects(alice.joinRoom({ room: "bad room!" }), (e: unknown) => e instanceof SwitchboardError && e.code === ErrorCode.INVALID_ROOM);
  await alice.stop();
  await bob.stop();
  await assert.rejects(alice.echo({ data: "x" }), SwitchboardConnectionError);
});

test("rooms, group chat and the online list through the async iterator", async () => {
  const carol = client(server.url, server.token("carol"));
  const dave = client(server.url, server.token("dave"));
  await carol.connect();
  await dave.connect();
  const messages = dave.events("ROOM_MESSAGE");
  const state = await carol.joinRoom({ room: "lobby" });
  assert.equal(state.room, "lobby");
  await dave.joinRoom({ room: "lobby" });
  await carol.sendRoomMessage({ room: "lobby", data: "hello room" });
  const first = await messages.next();
  assert.equal((first.value as RoomMessageEvent).data, "hello room");
  messages.close();

  const list = await dave.getOnlineList({});
  const ids = list.users.map((u) => u.id);
  assert.ok(ids.includes("carol") && ids.includes("dave"), JSON.stringify(ids));
  const group = dave.events("GROUP_MESSAGE");
  await carol.sendGroupMessage({ data: "hello all" });
  assert.equal((await group.next()).value?.data, "hello all");
  group.close();
  await carol.stop();
  await dave.stop();
});

test("service desk: request, grab (exactly one agent wins), messages, close", async () => {
  const visitor = client(server.url, server.token("v1", "visitor"));
  const a1 = client(server.url, server.token("agent1", "agent"));
  const a2 = client(server.url, server.token("agent2", "agent"));
  await a1.connect();
  await a2.connect();
  await visitor.connect();
  const conversation = await visitor.requestService({ topic: "billing" });
  const results = await Promise.allSettled([a1.grab({ conversation_id: conversation.conversation_id }), a2.grab({ conversation_id: conversation.conversation_id })]);
  const won = results.filter((r) => r.status === "fulfilled");
  const lost = results.filter((r) => r.status === "rejected");
  assert.equal(won.length, 1);
  assert.equal(lost.length, 1);
  assert.equal(((lost[0] as PromiseRejectedResult).reason as SwitchboardError).code, ErrorCode.GRAB_LOST);
  const winner = results[0]!.status === "fulfilled" ? a1 : a2;
  const incoming = visitor.events("NEW_MESSAGE");
  await winner.sendMessage({ conversation_id: conversation.conversation_id, data: "how can I help?" });
  assert.equal((await incoming.next()).value?.data, "how can I help?");
  incoming.close();
  await winner.closeConversation({ conversation_id: conversation.conversation_id });
  await Promise.all([visitor.stop(), a1.stop(), a2.stop()]);
});

test("durable events replayed right behind CONNECT are delivered (offline messages, fresh client and resumed client)", async () => {
  const frank = client(server.url, server.token("frank"));
  await frank.connect();
  await frank.stop();
  const gina = client(server.url, server.token("gina"));
  await gina.connect();
  for (let i = 1; i <= 5; i++) await gina.sendPrivateMessage({ to: "frank", data: `offline ${i}` });

  // a new client (no epoch): the server replays from the acknowledged position, in the frames right after CONNECT
  const fresh = client(server.url, server.token("frank"));
  const got: string[] = [];
  const all = until(() => got.length >= 5, 10_000, "5 replayed messages");
  fresh.on("PRIVATE_MESSAGE", (m) => {
    got.push(m.data);
    all.poke();
  });
  const connect = await fresh.connect();
  await all.promise;
  assert.deepEqual(got, ["offline 1", "offline 2", "offline 3", "offline 4", "offline 5"]);
  assert.equal(connect.missed, 5);
  await fresh.stop();

  // the same client stopped and connected again resumes with since/epoch
  for (let i = 6; i <= 8; i++) await gina.sendPrivateMessage({ to: "frank", data: `offline ${i}` });
  const more = until(() => got.length >= 8, 10_000, "3 more replayed messages");
  fresh.on("PRIVATE_MESSAGE", () => more.poke());
  await fresh.connect();
  await more.promise;
  assert.deepEqual(got.slice(5), ["offline 6", "offline 7", "offline 8"]);
  await Promise.all([fresh.stop(), gina.stop()]);
});

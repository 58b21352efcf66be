// In-band token refresh: the client asks its token provider for a new token before the current one expires and
// sends REFRESH_TOKEN, so the connection outlives the first token (the server would close with 4419 otherwise).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jwtExpiry } from "../src/index.js";
import { client, until } from "./helpers.js";
import { TestServer } from "./server.js";

const server = new TestServer();
before(async () => await server.start());
after(async () => await server.dispose());

test("the token provider is called again before expiry and the same connection stays open past the first expiry", async () => {
  const issued: { token: string; expiresAt: number }[] = [];
  const provider = (): string => {
    const token = server.token("refresher", "user", 3);
    issued.push({ token, expiresAt: jwtExpiry(token)! });
    progress.poke();
    return token;
  };
  // Each token lives 2-3 s (exp is in whole seconds) and is refreshed at half its remaining life (>= 1 s), so the
  // fourth token is asked for at or after the first one's expiry.
  const progress = until(() => issued.length >= 4, 30_000, "three refreshes");
  const c = client(server.url, provider, { tokenRefreshRatio: 0.5 });
  const connect = await c.connect();
  const changes: string[] = [];
  c.onStateChange((s) => changes.push(s.state));
  await progress.promise;
  assert.ok(Date.now() >= issued[0]!.expiresAt, "the first token has expired by now");
  const echo = await c.echo({ data: "still here" });
  assert.equal(echo.data, "still here");
  assert.equal(c.connectInfo?.client_id, connect.client_id, "same connection, no reconnect");
  assert.deepEqual(changes, []);
  await c.stop();
});

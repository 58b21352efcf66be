import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, jwtExpiry, SwitchboardClient } from "../src/index.js";

const policy = { initialDelayMs: 1000, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 };

test("backoff grows exponentially, is capped, and jitter stays within +-jitter", () => {
  assert.equal(backoffDelay(1, policy, () => 0.5), 1000);
  assert.equal(backoffDelay(3, policy, () => 0.5), 4000);
  assert.equal(backoffDelay(10, policy, () => 0.5), 30_000);
  assert.equal(backoffDelay(1, policy, () => 0), 500);
  assert.equal(backoffDelay(2, policy, () => 0.999999) <= 3000, true);
  assert.equal(backoffDelay(100, policy, () => 0.999999), 30_000);
  assert.throws(() => backoffDelay(0, policy, Math.random), RangeError);
});

test("jwtExpiry reads exp in ms and ignores non-JWTs", () => {
  const body = Buffer.from(JSON.stringify({ sub: "a", exp: 2_000_000_000 })).toString("base64url");
  assert.equal(jwtExpiry(`x.${body}.y`), 2_000_000_000_000);
  assert.equal(jwtExpiry("not-a-jwt"), undefined);
});

test("options are checked when the client is built", () => {
  assert.throws(() => new SwitchboardClient({ url: "", token: "t" }), TypeError);
  assert.throws(() => new SwitchboardClient({ url: "ws://x", token: "" }), TypeError);
});

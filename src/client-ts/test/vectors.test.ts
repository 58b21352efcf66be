// Every golden vector in spec/vectors decodes, and encodes back byte for byte (minify(file) == encode(decode(file))).
// Property order comes from the generated schema table: the decoded objects are re-built with their keys reversed
// before encoding, so insertion order cannot make the test pass.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { COMMANDS, CommandNames, EVENTS, SCHEMAS, decodeCommand, decodeEvent, encodeCommand, encodeEvent, ErrorCode, ErrorNames, EventNames, SwitchboardError } from "../src/index.js";
import { repoRoot } from "./server.js";

const vectors = (kind: string): string[] =>
  readdirSync(join(repoRoot, "spec/vectors", kind))
    .filter((f) => f.endsWith(".json"))
    .sort();
const read = (kind: string, file: string): string => readFileSync(join(repoRoot, "spec/vectors", kind, file), "utf8");

/** Removes insignificant whitespace only (strings untouched), as spec/README.md defines minify. */
function minify(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== " " && c !== "\n" && c !== "\r" && c !== "\t") {
      out += c;
    }
  }
  return out;
}

/** The object of schema `schema` with its keys (and those of nested schema objects) in reverse order; free-form values ("any") untouched. */
function reversed(schema: string, value: unknown): unknown {
  const fields = new Map(SCHEMAS[schema]!.map((f) => [f.name, f]));
  const entries = Object.entries(value as object).reverse();
  return Object.fromEntries(
    entries.map(([k, v]) => {
      const f = fields.get(k);
      if (f?.kind === "object") return [k, reversed(f.ref!, v)];
      if (f?.kind === "array" && f.items === "object") return [k, (v as unknown[]).map((x) => reversed(f.ref!, x))];
      return [k, v];
    }),
  );
}

test("vector folders are not empty and every event and command has a vector", () => {
  const events = new Set(vectors("events").map((f) => f.split(".")[0]));
  const commands = new Set(vectors("commands").map((f) => f.split(".")[0]));
  assert.deepEqual(EventNames.filter((n) => !events.has(n)), []);
  assert.deepEqual(CommandNames.filter((n) => !commands.has(n)), []);
  assert.ok(vectors("errors").length > 0);
});

for (const file of vectors("events")) {
  test(`event vector ${file} round-trips byte for byte`, () => {
    const text = read("events", file);
    const r = decodeEvent(text);
    assert.equal(r.kind, "event", JSON.stringify(r));
    if (r.kind !== "event") return;
    assert.equal(r.envelope.event, file.split(".")[0]);
    const e = r.envelope;
    assert.equal(encodeEvent(e.event, reversed(EVENTS[e.event].schema, e.response) as never, e.cid, e.seq), minify(text));
  });
}

for (const file of vectors("errors")) {
  test(`error vector ${file} decodes with its code and round-trips`, () => {
    const text = read("errors", file);
    const r = decodeEvent(text);
    assert.equal(r.kind, "event");
    if (r.kind !== "event") return;
    const code = Number(file.split("-")[0]);
    const name = file.slice(file.indexOf("-") + 1, -".json".length);
    const response = r.envelope.response as { code: number; error: string };
    assert.equal(response.code, code);
    assert.equal(response.error, name);
    assert.equal(ErrorNames[code], name);
    assert.equal(ErrorCode[name as keyof typeof ErrorCode], code);
    assert.equal(encodeEvent(r.envelope.event, reversed(EVENTS[r.envelope.event].schema, r.envelope.response) as never, r.envelope.cid, r.envelope.seq), minify(text));
  });
}

for (const file of vectors("commands")) {
  test(`command vector ${file} round-trips byte for byte`, () => {
    const text = read("commands", file);
    const c = decodeCommand(text);
    assert.equal(c.command, file.split(".")[0]);
    assert.equal(encodeCommand(c.command, reversed(COMMANDS[c.command].schema, c.request) as never, c.cid), minify(text));
  });
}

test("the reader reports MISSING_FIELD and INVALID_FIELD with the JSONPath", () => {
  const missing = decodeEvent('{"event":"ECHO","cid":"c1","response":{}}');
  assert.equal(missing.kind, "error");
  if (missing.kind === "error") {
    assert.equal(missing.error.code, ErrorCode.MISSING_FIELD);
    assert.equal(missing.error.path, "$.response.data");
    assert.equal(missing.cid, "c1");
  }
  assert.throws(
    () => decodeCommand('{"command":"JOIN_ROOM","request":{"room":"lobby","since":"x"}}'),
    (e: unknown) => e instanceof SwitchboardError && e.code === ErrorCode.INVALID_FIELD && e.path === "$.request.since",
  );
  assert.equal(decodeEvent('{"event":"FROM_THE_FUTURE","response":{}}').kind, "unknown");
});

// The envelope codec. Writers put properties in the spec's order (envelope: event, cid, seq, response / command, cid,
// request; payloads: the schema's `properties` order, recursively) and omit absent optional properties, so the output
// is byte-identical to the golden vectors and to the C# writer. Readers check the generated schema table and report
// the spec's MISSING_FIELD / INVALID_FIELD with a JSONPath, as the C# readers do (PROTOCOL.md section 7).
import { ErrorCode } from "./generated/codes.js";
import { COMMANDS, ENUMS, EVENTS, SCHEMAS, type FieldInfo } from "./generated/metadata.js";
import type { CommandName, CommandPayloads, EventName, EventPayloads } from "./generated/types.js";
import { SwitchboardError } from "./errors.js";

/** A decoded server-to-client envelope. */
export interface ServerEnvelope<E extends EventName = EventName> {
  readonly event: E;
  readonly cid?: string;
  readonly seq?: number;
  readonly response: EventPayloads[E];
}

/** A decoded client-to-server envelope. */
export interface ClientEnvelope<C extends CommandName = CommandName> {
  readonly command: C;
  readonly cid?: string;
  readonly request: CommandPayloads[C];
}

/** Result of reading a frame: an envelope, an event name this client does not know (skipped, SB-ENV-011), or an error. */
export type ReadResult =
  | { readonly kind: "event"; readonly envelope: ServerEnvelope }
  | { readonly kind: "unknown"; readonly event: string; readonly cid?: string }
  | { readonly kind: "error"; readonly error: SwitchboardError; readonly event?: string; readonly cid?: string };

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Writes a command envelope. */
export function encodeCommand<C extends CommandName>(command: C, request: CommandPayloads[C], cid?: string): string {
  const info = COMMANDS[command];
  if (!info) throw new TypeError(`Unknown command ${command}`);
  return `{"command":${JSON.stringify(command)}${cid === undefined ? "" : `,"cid":${JSON.stringify(cid)}`},"request":${writeObject(info.schema, request ?? {})}}`;
}

/** Writes an event envelope (servers and tests). */
export function encodeEvent<E extends EventName>(event: E, response: EventPayloads[E], cid?: string, seq?: number): string {
  const info = EVENTS[event];
  if (!info) throw new TypeError(`Unknown event ${event}`);
  return `{"event":${JSON.stringify(event)}${cid === undefined ? "" : `,"cid":${JSON.stringify(cid)}`}${seq === undefined ? "" : `,"seq":${seq}`},"response":${writeObject(info.schema, response)}}`;
}

function writeObject(schema: string, value: unknown): string {
  const fields = SCHEMAS[schema];
  if (!fields) throw new TypeError(`Unknown schema ${schema}`);
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const f of fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue; // absent optional properties are omitted, never null
    parts.push(`${JSON.stringify(f.name)}:${writeValue(f.kind, f.ref, f.items, v)}`);
  }
  return `{${parts.join(",")}}`;
}

function writeValue(kind: string, ref: string | undefined, items: string | undefined, v: unknown): string {
  switch (kind) {
    case "object":
      return writeObject(ref!, v);
    case "array":
      return `[${(v as unknown[]).map((x) => (x === null ? "null" : writeValue(items ?? "any", ref, undefined, x))).join(",")}]`;
    default:
      return JSON.stringify(v);
  }
}

/** Reads a server frame (text). Never throws: bad frames come back as `{ kind: "error" }`. */
export function decodeEvent(text: string): ReadResult {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { kind: "error", error: new SwitchboardError(ErrorCode.MALFORMED_JSON, `Malformed JSON: ${(e as Error).message}`) };
  }
  if (!isObject(root)) return { kind: "error", error: new SwitchboardError(ErrorCode.INVALID_ENVELOPE, "A frame must be a JSON object.", { path: "$" }) };
  const cid = typeof root.cid === "string" ? root.cid : undefined;
  const event = root.event;
  if (typeof event !== "string") {
    return { kind: "error", cid, error: new SwitchboardError(ErrorCode.INVALID_ENVELOPE, "The frame has no event name.", { path: "$.event" }) };
  }
  if (!hasOwn(EVENTS, event)) return { kind: "unknown", event, cid };
  try {
    if (root.cid !== undefined && root.cid !== null && typeof root.cid !== "string") throw invalid("$.cid", "a string");
    let seq: number | undefined;
    if (root.seq !== undefined && root.seq !== null) {
      if (typeof root.seq !== "number" || !Number.isInteger(root.seq) || root.seq < 1) throw invalid("$.seq", "a positive integer");
      seq = root.seq;
    }
    const response = root.response ?? {};
    checkObject(EVENTS[event as EventName].schema, response, "$.response");
    const envelope: ServerEnvelope = { event: event as EventName, response: response as never, ...(cid === undefined ? {} : { cid }), ...(seq === undefined ? {} : { seq }) };
    return { kind: "event", envelope };
  } catch (e) {
    if (e instanceof SwitchboardError) return { kind: "error", error: e, event, cid };
    throw e;
  }
}

/** Reads a client frame (servers and tests); throws SwitchboardError with the spec's code. */
export function decodeCommand(text: string): ClientEnvelope {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new SwitchboardError(ErrorCode.MALFORMED_JSON, `Malformed JSON: ${(e as Error).message}`);
  }
  if (!isObject(root)) throw new SwitchboardError(ErrorCode.INVALID_ENVELOPE, "A frame must be a JSON object.", { path: "$" });
  const command = root.command;
  if (command === undefined || command === null) throw new SwitchboardError(ErrorCode.MISSING_FIELD, "command is required.", { path: "$.command" });
  if (typeof command !== "string") throw invalid("$.command", "a string");
  if (!hasOwn(COMMANDS, command)) throw new SwitchboardError(ErrorCode.UNKNOWN_COMMAND, `Unknown command ${command}.`, { path: "$.command" });
  const cid = root.cid ?? undefined;
  if (cid !== undefined && typeof cid !== "string") throw invalid("$.cid", "a string");
  const request = root.request;
  if (request === undefined || request === null) throw new SwitchboardError(ErrorCode.MISSING_FIELD, "request is required.", { path: "$.request" });
  checkObject(COMMANDS[command as CommandName].schema, request, "$.request");
  return { command: command as CommandName, request: request as never, ...(cid === undefined ? {} : { cid }) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(path: string, expected: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.INVALID_FIELD, `${path} must be ${expected}.`, { path });
}

function checkObject(schema: string, value: unknown, path: string): void {
  if (!isObject(value)) throw invalid(path, "an object");
  for (const f of SCHEMAS[schema]!) {
    const v = value[f.name];
    const p = `${path}.${f.name}`;
    if (v === undefined || v === null) {
      // null is treated as absent (SB-ENV-010)
      if (f.required) throw new SwitchboardError(ErrorCode.MISSING_FIELD, `${p} is required.`, { path: p });
      continue;
    }
    checkValue(f, f.kind, v, p);
  }
}

function checkValue(f: FieldInfo, kind: string, v: unknown, path: string): void {
  switch (kind) {
    case "string":
    case "date-time":
      if (typeof v !== "string") throw invalid(path, "a string");
      return;
    case "integer":
      if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(path, "an integer");
      return;
    case "number":
      if (typeof v !== "number") throw invalid(path, "a number");
      return;
    case "boolean":
      if (typeof v !== "boolean") throw invalid(path, "a boolean");
      return;
    case "enum":
      // Unknown enum values from a newer server are kept as strings (names are stable; later versions only add).
      if (typeof v !== "string") throw invalid(path, `one of ${ENUMS[f.ref!]!.join(", ")}`);
      return;
    case "object":
      checkObject(f.ref!, v, path);
      return;
    case "array":
      if (!Array.isArray(v)) throw invalid(path, "an array");
      v.forEach((item, i) => checkValue(f, f.items ?? "any", item, `${path}[${i}]`));
      return;
    default:
      return;
  }
}

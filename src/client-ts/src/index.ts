// @switchboard/client: the typed Switchboard client for browsers and Node.js.
export { SwitchboardClient } from "./client.js";
export type { ConnectionState, ReconnectOptions, StateChange, SwitchboardClientOptions, WebSocketConstructor, WebSocketLike } from "./client.js";
export { SwitchboardConnectionError, SwitchboardError, SwitchboardTimeoutError } from "./errors.js";
export type { CloseInfo } from "./errors.js";
export { decodeCommand, decodeEvent, encodeCommand, encodeEvent } from "./codec.js";
export type { ClientEnvelope, ReadResult, ServerEnvelope } from "./codec.js";
export { backoffDelay, jwtExpiry, utf8Length } from "./util.js";
export { systemClock } from "./clock.js";
export type { Clock, TimerHandle } from "./clock.js";
export * from "./generated/types.js";
export * from "./generated/codes.js";
export * from "./generated/metadata.js";
export { SwitchboardCommands } from "./generated/commands.js";

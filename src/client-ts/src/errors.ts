import { ErrorNames, type ErrorCode, type ErrorName } from "./generated/codes.js";

/** Why a connection ended: the close code (spec registry or WebSocket standard), reason, and whether to reconnect. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly retryable: boolean;
}

/** The server answered a command with its error reply (ERROR, SEND_MESSAGE_ERROR, TRANSFER_ERROR), or a frame broke the spec. */
export class SwitchboardError extends Error {
  /** The spec's error code, e.g. `ErrorCode.RECIPIENT_UNKNOWN` (3001). */
  readonly code: ErrorCode;
  /** The spec's error name, e.g. `"RECIPIENT_UNKNOWN"`. */
  readonly error: ErrorName | string;
  /** JSONPath of the offending field, when the server gave one. */
  readonly path: string | undefined;
  /** The command that failed, when this is a reply to one. */
  readonly command: string | undefined;

  constructor(code: number, message: string, options: { error?: string; path?: string; command?: string } = {}) {
    super(message);
    this.name = "SwitchboardError";
    this.code = code as ErrorCode;
    this.error = options.error ?? ErrorNames[code] ?? String(code);
    this.path = options.path;
    this.command = options.command;
  }
}

/** No connection, the connection was lost before the reply, or the server refused the connection (see `close`). */
export class SwitchboardConnectionError extends Error {
  readonly close: CloseInfo | undefined;

  constructor(message: string, close?: CloseInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SwitchboardConnectionError";
    this.close = close;
  }
}

/** No reply (or no connection) within the configured time. */
export class SwitchboardTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SwitchboardTimeoutError";
  }
}

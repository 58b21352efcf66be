// The realtime client: one connection to one namespace, typed commands (generated in ./generated/commands.ts),
// typed events, reconnect with capped jittered backoff, resume by since/epoch with dedupe by seq, RECEIVED acks,
// room re-join with replay, in-band token refresh and PING/PONG. Mirrors src/Client/SwitchboardClient.cs.
import { decodeEvent, encodeCommand, type ServerEnvelope } from "./codec.js";
import { CloseCode, ErrorCode, RetryableCloseCodes } from "./generated/codes.js";
import { SwitchboardCommands } from "./generated/commands.js";
import { COMMANDS } from "./generated/metadata.js";
import type { CommandName, CommandPayloads, CommandReplies, ConnectEvent, EventName, EventPayloads } from "./generated/types.js";
import { SwitchboardConnectionError, SwitchboardError, SwitchboardTimeoutError, type CloseInfo } from "./errors.js";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { backoffDelay, jwtExpiry, utf8Length } from "./util.js";

/** The subset of the WHATWG WebSocket the client uses; the browser's `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `WebSocket` from the `ws` package in Node). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Connection states, as in the C# client. */
export type ConnectionState = "disconnected" | "connecting" | "connected" | "reconnecting";

/** A state change; `close` says why a connection ended. */
export interface StateChange {
  readonly previous: ConnectionState;
  readonly state: ConnectionState;
  readonly close?: CloseInfo;
  readonly error?: unknown;
}

/** Reconnect policy: capped exponential backoff with jitter (defaults as seed 001 / the C# client). */
export interface ReconnectOptions {
  /** Default true. */
  enabled?: boolean;
  /** Default 10. */
  maxAttempts?: number;
  /** Default 1000 ms. */
  initialDelayMs?: number;
  /** Default 30000 ms. */
  maxDelayMs?: number;
  /** Default 2. */
  multiplier?: number;
  /** Default 0.5: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter?: number;
}

/** Client options. */
export interface SwitchboardClientOptions {
  /** Server base URL (`ws://`, `wss://`, `http://`, `https://`); the namespace path is appended. */
  url: string;
  /** `web` (default) or `app`. */
  namespace?: "web" | "app";
  /** The access token, or a function returning it; called on every (re)connect and for in-band refresh. */
  token: string | (() => string | Promise<string>);
  /** WebSocket implementation; default `globalThis.WebSocket`. In Node pass `WebSocket` from the `ws` package. */
  webSocket?: WebSocketConstructor;
  reconnect?: ReconnectOptions;
  /** Token + upgrade + CONNECT; default 15000 ms. */
  connectTimeoutMs?: number;
  /** Reply timeout, including waiting for a connection while reconnecting; default 30000 ms. */
  commandTimeoutMs?: number;
  /** Send RECEIVED at least this often when new durable events arrived; default 1000 ms (0 = only by batch). */
  ackIntervalMs?: number;
  /** Send RECEIVED after this many new durable events; default 100. */
  ackBatchSize?: number;
  /** Refresh the token in-band at this fraction of its remaining lifetime (SB-AUTH-021); default 0.8; 0 disables. */
  tokenRefreshRatio?: number;
  /** Consider the connection dead after this long without any frame; default ping_interval_ms + 10000. */
  serverTimeoutMs?: number;
  /** Re-join rooms after a reconnect with since = last room_seq seen; default true. */
  rejoinRooms?: boolean;
  /** Random source in [0, 1) for the backoff jitter (tests). */
  random?: () => number;
  /** Source of time for every timeout, interval and timestamp; default {@link systemClock} (tests pass a manual clock). */
  clock?: Clock;
}

type Handler<E extends EventName> = (payload: EventPayloads[E], envelope: ServerEnvelope<E>) => void;
type AnyHandler = (envelope: ServerEnvelope) => void;

interface Pending {
  readonly command: CommandName;
  readonly connection: Connection;
  resolve(envelope: ServerEnvelope): void;
  reject(error: unknown): void;
}

interface Connection {
  readonly socket: WebSocketLike;
  readonly connect: ConnectEvent;
  token: string;
  lastReceived: number;
  serverClose?: CloseInfo;
  closed: boolean;
  maintenanceTimer?: TimerHandle;
  refreshTimer?: TimerHandle;
  onClosed: Array<(close: CloseInfo) => void>;
  /** Frames (and a close) that arrived between CONNECT and onConnected; processed in order by onConnected. */
  early: string[];
  earlyClose?: { code: number; reason: string };
  /** Token bucket for the server's advertised rate limit (frames per second, burst). */
  tokens: number;
  tokensAt: number;
  sendChain: Promise<void>;
}

const SUBPROTOCOL = "switchboard.v1.json"; // PROTOCOL.md handshake: the only v1 subprotocol
const ABNORMAL = 1006;

/**
 * The typed realtime client. `await client.connect()`, then call the generated command methods
 * (`client.sendPrivateMessage({ to, data })`) and subscribe with `client.on("PRIVATE_MESSAGE", m => ...)`.
 */
export class SwitchboardClient extends SwitchboardCommands {
  private readonly options: Required<Omit<SwitchboardClientOptions, "serverTimeoutMs" | "reconnect" | "clock">> & {
    serverTimeoutMs?: number;
    reconnect: Required<ReconnectOptions>;
  };
  private readonly clock: Clock;
  private readonly handlers = new Map<string, Set<(envelope: ServerEnvelope) => void>>();
  private readonly anyHandlers = new Set<AnyHandler>();
  private readonly stateHandlers = new Set<(change: StateChange) => void>();
  private readonly pending = new Map<string, Pending>();
  private readonly rooms = new Map<string, number>();
  private connection: Connection | undefined;
  private connectedWaiters: Array<{ resolve(c: Connection): void; reject(e: unknown): void }> = [];
  private currentState: ConnectionState = "disconnected";
  private stopRequested = false;
  private epoch: string | undefined;
  private lastSeq = 0;
  private ackedSeq = 0;
  private cidCounter = 0;
  private rejectedToken: string | undefined;
  private repeatedRejectedToken = false;
  private session = 0;

  /** Why the last connection ended. */
  lastClose: CloseInfo | undefined;

  /** Called after a reconnect when the server could not resume the durable stream (events may be lost; reload state). */
  onStreamReset: ((connect: ConnectEvent) => void) | undefined;

  /** Called for each failed connection attempt (attempt 0 = the explicit connect()). */
  onConnectFailed: ((attempt: number, error: unknown, willRetry: boolean) => void) | undefined;

  constructor(options: SwitchboardClientOptions) {
    super();
    if (!options || !options.url) throw new TypeError("options.url is required");
    if (options.token === undefined || options.token === null || options.token === "") throw new TypeError("options.token is required");
    const ws = options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ws) throw new TypeError("No WebSocket implementation: pass options.webSocket (e.g. WebSocket from the 'ws' package)");
    const r = options.reconnect ?? {};
    this.clock = options.clock ?? systemClock;
    this.options = {
      url: options.url,
      namespace: options.namespace ?? "web",
      token: options.token,
      webSocket: ws,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      ackIntervalMs: options.ackIntervalMs ?? 1_000,
      ackBatchSize: options.ackBatchSize ?? 100,
      tokenRefreshRatio: options.tokenRefreshRatio ?? 0.8,
      rejoinRooms: options.rejoinRooms ?? true,
      random: options.random ?? Math.random,
      reconnect: {
        enabled: r.enabled ?? true,
        maxAttempts: r.maxAttempts ?? 10,
        initialDelayMs: r.initialDelayMs ?? 1_000,
        maxDelayMs: r.maxDelayMs ?? 30_000,
        multiplier: r.multiplier ?? 2,
        jitter: r.jitter ?? 0.5,
      },
      ...(options.serverTimeoutMs === undefined ? {} : { serverTimeoutMs: options.serverTimeoutMs }),
    };
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** The CONNECT greeting of the current connection (user, limits, epoch); undefined when not connected. */
  get connectInfo(): ConnectEvent | undefined {
    return this.connection?.connect;
  }

  /** The durable stream position: epoch and last seq received (used to resume). */
  get streamPosition(): { epoch: string | undefined; seq: number } {
    return { epoch: this.epoch, seq: this.lastSeq };
  }

  // ------------------------------------------------------------------ subscriptions

  /** Calls `handler` for every `event` received (in order). Returns a function that unsubscribes. */
  on<E extends EventName>(event: E, handler: Handler<E>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const wrapped = (envelope: ServerEnvelope): void => handler(envelope.response as EventPayloads[E], envelope as ServerEnvelope<E>);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  /** Calls `handler` for every event (replies to this client's commands excluded). Returns a function that unsubscribes. */
  onAny(handler: AnyHandler): () => void {
    this.anyHandlers.add(handler);
    return () => {
      this.anyHandlers.delete(handler);
    };
  }

  /** Calls `handler` on every connection state change. Returns a function that unsubscribes. */
  onStateChange(handler: (change: StateChange) => void): () => void {
    this.stateHandlers.add(handler);
    return () => {
      this.stateHandlers.delete(handler);
    };
  }

  /**
   * The events named `event` as an async iterator (`for await (const m of client.events("PRIVATE_MESSAGE"))`);
   * events are buffered from this call on. Breaking out of the loop unsubscribes; so does `stop()`.
   */
  events<E extends EventName>(event: E): AsyncIterableIterator<EventPayloads[E]> & { close(): void } {
    const queue: EventPayloads[E][] = [];
    const waiters: Array<(r: IteratorResult<EventPayloads[E]>) => void> = [];
    let done = false;
    const finish = (): void => {
      done = true;
      unsubscribe();
      unsubscribeState();
      for (const w of waiters.splice(0)) w({ value: undefined, done: true });
    };
    const unsubscribe = this.on(event, (payload) => {
      const w = waiters.shift();
      if (w) w({ value: payload, done: false });
      else queue.push(payload);
    });
    const unsubscribeState = this.onStateChange((c) => {
      if (c.state === "disconnected" && this.stopRequested) finish();
    });
    const iterator = {
      next: (): Promise<IteratorResult<EventPayloads[E]>> => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => waiters.push(resolve));
      },
      return: (): Promise<IteratorResult<EventPayloads[E]>> => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      close: finish,
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator as AsyncIterableIterator<EventPayloads[E]> & { close(): void };
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Connects (one attempt, bounded by connectTimeoutMs). After the first successful connection, lost connections are
   * re-established automatically. After `stop()` it can be called again and resumes the durable stream.
   */
  async connect(): Promise<ConnectEvent> {
    if (this.currentState !== "disconnected") throw new Error(`The client is ${this.currentState}; call stop() first.`);
    this.stopRequested = false;
    this.rejectedToken = undefined;
    const session = ++this.session;
    this.setState("connecting");
    let connection: Connection;
    try {
      connection = await this.establish(session);
    } catch (error) {
      this.onConnectFailed?.(0, error, false);
      const close = error instanceof SwitchboardConnectionError ? error.close : undefined;
      if (close) this.lastClose = close;
      this.setState("disconnected", close, error);
      throw error;
    }
    this.onConnected(connection, this.epoch !== undefined && this.everConnected);
    return connection.connect;
  }

  private everConnected = false;

  /** Sends RECEIVED for what was delivered, closes the connection normally and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.session++;
    const connection = this.connection;
    if (connection && !connection.closed) {
      try {
        await this.flushAck(connection);
      } catch {
        // the connection is going away anyway
      }
      await new Promise<void>((resolve) => {
        connection.onClosed.push(() => resolve());
        const timer = this.clock.setTimeout(() => this.teardown(connection, { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false }), 2_000);
        connection.onClosed.push(() => this.clock.clearTimeout(timer));
        try {
          connection.socket.close(1000, "bye");
        } catch {
          this.teardown(connection, { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false });
        }
      });
    }
    const close: CloseInfo = { code: CloseCode.NORMAL, reason: "stopped by the client", retryable: false };
    this.lastClose = close;
    this.failPending(undefined, close);
    this.failWaiters(new SwitchboardConnectionError("The client was stopped.", close));
    this.setState("disconnected", close);
  }

  /** Sends RECEIVED with the last durable seq received now (also sent automatically). */
  async acknowledge(): Promise<void> {
    if (this.connection) await this.flushAck(this.connection);
  }

  // ------------------------------------------------------------------ commands

  /** Sends a command with a fresh cid and resolves with its typed success reply (rejects with SwitchboardError). */
  override async invoke<N extends CommandName>(command: N, request: CommandPayloads[N]): Promise<EventPayloads[CommandReplies[N]]> {
    const info = COMMANDS[command];
    if (!info) throw new TypeError(`Unknown command ${command}`);
    if (info.reply === null) throw new TypeError(`${command} has no reply; use send()`);
    if (command === "JOIN_ROOM" && this.options.rejoinRooms) {
      const r = request as CommandPayloads["JOIN_ROOM"];
      this.rooms.set(r.room, r.since ?? this.rooms.get(r.room) ?? -1);
    }
    if (command === "LEAVE_ROOM") this.rooms.delete((request as CommandPayloads["LEAVE_ROOM"]).room);
    const envelope = await this.invokeCore(command, request);
    if (envelope.event === info.reply) return envelope.response as EventPayloads[CommandReplies[N]];
    const error = toError(envelope, command);
    if (command === "JOIN_ROOM") this.rooms.delete((request as CommandPayloads["JOIN_ROOM"]).room);
    throw error ?? new SwitchboardError(ErrorCode.INVALID_ENVELOPE, `Unexpected reply ${envelope.event} to ${command}; expected ${info.reply}.`, { command });
  }

  /** Sends a command without cid (fire-and-forget; the server sends no success reply, errors arrive as ERROR events). */
  override async send<N extends CommandName>(command: N, request: CommandPayloads[N]): Promise<void> {
    const deadline = this.clock.now() + this.options.commandTimeoutMs;
    const connection = await this.waitForConnection(deadline, command);
    await this.write(connection, encodeCommand(command, request), command);
  }

  private async invokeCore(command: CommandName, request: unknown): Promise<ServerEnvelope> {
    const deadline = this.clock.now() + this.options.commandTimeoutMs;
    const cid = `c${++this.cidCounter}`;
    const connection = await this.waitForConnection(deadline, command);
    const frame = encodeCommand(command, request as never, cid);
    return await new Promise<ServerEnvelope>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(cid);
        reject(new SwitchboardTimeoutError(`No reply to ${command} (cid ${cid}) within ${this.options.commandTimeoutMs} ms.`));
      }, Math.max(0, deadline - this.clock.now()));
      this.pending.set(cid, {
        command,
        connection,
        resolve: (e) => {
          this.clock.clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      });
      this.write(connection, frame, command).catch((e: unknown) => {
        const error = e instanceof SwitchboardError ? e : new SwitchboardConnectionError(`${command} could not be sent: ${String(e)}`, this.lastClose, { cause: e });
        this.pending.get(cid)?.reject(error);
        this.pending.delete(cid);
      });
    });
  }

  private waitForConnection(deadline: number, command: string): Promise<Connection> {
    if (this.connection && !this.connection.closed) return Promise.resolve(this.connection);
    if (this.currentState === "disconnected" || this.stopRequested) {
      return Promise.reject(new SwitchboardConnectionError("The client is not connected; call connect() first.", this.lastClose));
    }
    return new Promise<Connection>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== waiter);
        reject(new SwitchboardTimeoutError(`${command}: no connection within ${this.options.commandTimeoutMs} ms.`));
      }, Math.max(0, deadline - this.clock.now()));
      const waiter = {
        resolve: (c: Connection) => {
          this.clock.clearTimeout(timer);
          resolve(c);
        },
        reject: (e: unknown) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      };
      this.connectedWaiters.push(waiter);
    });
  }

  /**
   * Writes a frame, in order, paced to the server's advertised rate limit (token bucket). The client keeps 10% below
   * the advertised rate and burst: frames sent apart can arrive together, and the server counts them on arrival.
   */
  private write(connection: Connection, frame: string, command: string): Promise<void> {
    // The server closes the connection (ERROR 1006 then 4413, SB-CODEC-011) for a frame over its advertised limit;
    // refuse such a command here instead, as the C# client does, so one oversized message does not cost the connection.
    const max = connection.connect.max_message_bytes;
    if (max > 0 && frame.length > max / 3) {
      const size = utf8Length(frame);
      if (size > max) {
        return Promise.reject(
          new SwitchboardError(ErrorCode.MESSAGE_TOO_LARGE, `The ${command} envelope is ${size} bytes; the server accepts at most ${max} (max_message_bytes).`, { command }),
        );
      }
    }
    const rate = connection.connect.rate_limit_per_second * 0.9;
    const burst = Math.max(1, Math.floor(connection.connect.rate_limit_burst * 0.9));
    const step = connection.sendChain.then(async () => {
      if (rate > 0) {
        for (;;) {
          const now = this.clock.now();
          connection.tokens = Math.min(burst, connection.tokens + ((now - connection.tokensAt) * rate) / 1000);
          connection.tokensAt = now;
          if (connection.tokens >= 1) break;
          await sleep(this.clock, Math.ceil(((1 - connection.tokens) * 1000) / rate));
        }
        connection.tokens -= 1;
      }
      if (connection.closed || connection.socket.readyState !== 1) throw new Error("the connection is closed");
      connection.socket.send(frame);
    });
    connection.sendChain = step.catch(() => undefined);
    return step;
  }

  // ------------------------------------------------------------------ connection

  private async resolveToken(): Promise<string> {
    const t = this.options.token;
    const token = typeof t === "function" ? await t() : t;
    if (!token) throw new SwitchboardConnectionError("The token provider returned an empty token.");
    return token;
  }

  private buildUrl(token: string): string {
    let base = this.options.url;
    if (!/^[a-z]+:/i.test(base) && typeof location !== "undefined") base = new URL(base, location.href).href;
    const url = new URL(base);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.pathname = url.pathname.replace(/\/+$/, "") + "/" + this.options.namespace;
    // Handshake query parameters (asyncapi.yaml channelBindings): browsers cannot set Authorization on a WebSocket.
    url.searchParams.set("access_token", token);
    if (this.epoch !== undefined) {
      url.searchParams.set("since", String(this.lastSeq));
      url.searchParams.set("epoch", this.epoch);
    }
    return url.href;
  }

  private async establish(session: number): Promise<Connection> {
    this.repeatedRejectedToken = false;
    const token = await withTimeout(this.clock, this.resolveToken(), this.options.connectTimeoutMs, "getting a token");
    if (this.rejectedToken !== undefined && token === this.rejectedToken) {
      this.repeatedRejectedToken = true;
      throw new SwitchboardConnectionError("The server rejected the access token (4401) and the token provider returned the same token again.", {
        code: CloseCode.UNAUTHORIZED,
        reason: "token rejected",
        retryable: false,
      });
    }
    if (session !== this.session) throw new SwitchboardConnectionError("The client was stopped.");
    const socket = new this.options.webSocket(this.buildUrl(token), SUBPROTOCOL);
    return await new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        socket.onopen = socket.onmessage = socket.onerror = null;
        socket.onclose = null;
        try {
          socket.close();
        } catch {
          // already closed
        }
        reject(error);
      };
      const timer = this.clock.setTimeout(
        () => fail(new SwitchboardTimeoutError(`Connecting to namespace '${this.options.namespace}' timed out after ${this.options.connectTimeoutMs} ms.`)),
        this.options.connectTimeoutMs,
      );
      socket.onerror = () => {
        /* followed by onclose */
      };
      socket.onclose = (ev) => {
        const close: CloseInfo = { code: ev.code || ABNORMAL, reason: ev.reason || "the connection closed before CONNECT", retryable: isRetryable(ev.code || ABNORMAL) };
        if (close.code === CloseCode.UNAUTHORIZED) this.rejectedToken = token;
        fail(new SwitchboardConnectionError(`The server refused the connection: ${close.code} ${close.reason}`, close));
      };
      socket.onmessage = (ev) => {
        if (settled) return;
        const read = decodeEvent(String(ev.data));
        if (read.kind === "event" && read.envelope.event === "CONNECT") {
          settled = true;
          this.clock.clearTimeout(timer);
          this.rejectedToken = undefined;
          const now = this.clock.now();
          const connect = read.envelope.response as ConnectEvent;
          const connection: Connection = {
            socket,
            connect,
            token,
            lastReceived: now,
            closed: false,
            onClosed: [],
            early: [],
            tokens: Math.max(1, Math.floor(connect.rate_limit_burst * 0.9)),
            tokensAt: now,
            sendChain: Promise.resolve(),
          };
          // Frames right behind CONNECT (a resume replay) can arrive before the awaiting code runs: keep them.
          socket.onmessage = (e) => void connection.early.push(String(e.data));
          socket.onclose = (e) => void (connection.earlyClose = { code: e.code, reason: e.reason });
          resolve(connection);
          return;
        }
        if (read.kind === "event" && read.envelope.event === "CLOSE") {
          const c = read.envelope.response as EventPayloads["CLOSE"];
          const close: CloseInfo = { code: c.code, reason: c.reason, retryable: c.retryable };
          if (close.code === CloseCode.UNAUTHORIZED) this.rejectedToken = token;
          fail(new SwitchboardConnectionError(`The server refused the connection: ${close.code} ${close.reason}`, close));
          return;
        }
        fail(new SwitchboardConnectionError("Expected CONNECT as the first frame.", { code: CloseCode.PROTOCOL_ERROR, reason: "expected CONNECT", retryable: false }));
      };
    });
  }

  private onConnected(connection: Connection, isReconnect: boolean): void {
    const connect = connection.connect;
    if (this.epoch !== connect.epoch) {
      // A new stream: its seq numbering starts afresh.
      this.lastSeq = 0;
      this.ackedSeq = 0;
    }
    this.epoch = connect.epoch;
    this.everConnected = true;
    this.connection = connection;
    const socket = connection.socket;
    socket.onmessage = (ev) => {
      connection.lastReceived = this.clock.now();
      this.handleFrame(connection, String(ev.data));
    };
    socket.onclose = (ev) => {
      const code = ev.code || ABNORMAL;
      this.teardown(connection, connection.serverClose ?? { code, reason: ev.reason || "the connection closed", retryable: isRetryable(code) });
    };
    socket.onerror = () => {
      /* followed by onclose */
    };
    this.startMaintenance(connection);
    this.setState("connected");
    for (const w of this.connectedWaiters.splice(0)) w.resolve(connection);
    this.dispatch({ event: "CONNECT", response: connect });
    if (isReconnect && !connect.recovered) this.onStreamReset?.(connect);
    for (const frame of connection.early.splice(0)) this.handleFrame(connection, frame);
    if (connection.earlyClose) {
      const code = connection.earlyClose.code || ABNORMAL;
      this.teardown(connection, connection.serverClose ?? { code, reason: connection.earlyClose.reason || "the connection closed", retryable: isRetryable(code) });
      return;
    }
    if (isReconnect && this.rooms.size > 0) void this.rejoinRooms(connection);
  }

  private startMaintenance(connection: Connection): void {
    const serverTimeout = this.options.serverTimeoutMs ?? (connection.connect.ping_interval_ms > 0 ? connection.connect.ping_interval_ms : 25_000) + 10_000;
    const period = Math.max(50, Math.min(1_000, this.options.ackIntervalMs > 0 ? this.options.ackIntervalMs : 1_000, serverTimeout / 4));
    let lastAck = this.clock.now();
    // One re-armed timeout rather than setInterval, so an injected clock drives it too.
    const tick = (): void => {
      if (connection.closed) return;
      const now = this.clock.now();
      if (now - connection.lastReceived > serverTimeout) {
        // Nothing from the server for too long: treat the connection as lost and reconnect.
        this.teardown(connection, { code: ABNORMAL, reason: `no data from the server for ${now - connection.lastReceived} ms`, retryable: true });
        return;
      }
      if (this.options.ackIntervalMs > 0 && now - lastAck >= this.options.ackIntervalMs) {
        lastAck = now;
        this.flushAck(connection).catch(() => undefined);
      }
      connection.maintenanceTimer = this.clock.setTimeout(tick, period);
    };
    connection.maintenanceTimer = this.clock.setTimeout(tick, period);
    this.scheduleRefresh(connection, connection.token);
  }

  private scheduleRefresh(connection: Connection, token: string, expiresAtMs?: number): void {
    if (connection.refreshTimer) this.clock.clearTimeout(connection.refreshTimer);
    connection.refreshTimer = undefined;
    const ratio = this.options.tokenRefreshRatio;
    const exp = expiresAtMs ?? jwtExpiry(token);
    if (ratio <= 0 || exp === undefined || typeof this.options.token !== "function") return;
    const remaining = exp - this.clock.now();
    if (remaining <= 0) return;
    connection.refreshTimer = this.clock.setTimeout(() => void this.refreshInBand(connection), Math.min(remaining * ratio, 2 ** 31 - 1));
  }

  private async refreshInBand(connection: Connection): Promise<void> {
    if (connection.closed) return;
    try {
      const token = await this.resolveToken();
      const ack = await this.refreshToken({ token });
      if (connection.closed) return;
      connection.token = token;
      const fromToken = jwtExpiry(token);
      this.scheduleRefresh(connection, token, fromToken ?? (ack.expires_at ? Date.parse(ack.expires_at) : undefined));
    } catch {
      // Try again shortly; at expiry the server closes with 4419 and the reconnect fetches a new token anyway.
      if (!connection.closed) connection.refreshTimer = this.clock.setTimeout(() => void this.refreshInBand(connection), 5_000);
    }
  }

  private handleFrame(connection: Connection, text: string): void {
    const read = decodeEvent(text);
    if (read.kind === "unknown") return; // events of a newer server are skipped (SB-ENV-011)
    if (read.kind === "error") {
      if (read.cid !== undefined) {
        const p = this.pending.get(read.cid);
        if (p) {
          this.pending.delete(read.cid);
          p.reject(read.error);
        }
      }
      return;
    }
    const envelope = read.envelope;
    switch (envelope.event) {
      case "PING":
        this.write(connection, encodeCommand("PONG", {}), "PONG").catch(() => undefined);
        return;
      case "CLOSE": {
        const c = envelope.response as EventPayloads["CLOSE"];
        connection.serverClose = { code: c.code, reason: c.reason, retryable: c.retryable };
        this.dispatch(envelope);
        return;
      }
    }
    if (envelope.cid !== undefined) {
      const p = this.pending.get(envelope.cid);
      if (p) {
        this.pending.delete(envelope.cid);
        p.resolve(envelope);
      }
      if (envelope.seq === undefined) {
        // A direct reply that is not part of the durable stream belongs to its caller only.
        if (envelope.event === "ROOM_STATE") {
          const s = envelope.response as EventPayloads["ROOM_STATE"];
          if (this.rooms.has(s.room)) this.rooms.set(s.room, Math.max(this.rooms.get(s.room)!, s.seq));
        }
        return;
      }
    }
    if (envelope.seq !== undefined && envelope.seq <= this.lastSeq) return; // already delivered (resume replay)
    if (envelope.event === "ROOM_MESSAGE") {
      const m = envelope.response as EventPayloads["ROOM_MESSAGE"];
      const last = this.rooms.get(m.room);
      if (last !== undefined) {
        if (m.room_seq <= last) return; // replayed after a re-join, already delivered
        this.rooms.set(m.room, m.room_seq);
      }
    }
    this.dispatch(envelope);
    if (envelope.seq !== undefined) {
      this.lastSeq = envelope.seq;
      if (this.options.ackBatchSize > 0 && this.lastSeq - this.ackedSeq >= this.options.ackBatchSize) {
        this.flushAck(connection).catch(() => undefined);
      }
    }
  }

  private dispatch(envelope: ServerEnvelope): void {
    for (const h of [...(this.handlers.get(envelope.event) ?? [])]) {
      try {
        h(envelope);
      } catch (e) {
        reportHandlerError(e);
      }
    }
    for (const h of [...this.anyHandlers]) {
      try {
        h(envelope);
      } catch (e) {
        reportHandlerError(e);
      }
    }
  }

  private async flushAck(connection: Connection): Promise<void> {
    const seq = this.lastSeq;
    if (seq <= this.ackedSeq || connection.closed) return;
    await this.write(connection, encodeCommand("RECEIVED", { seq }), "RECEIVED");
    if (seq > this.ackedSeq) this.ackedSeq = seq;
  }

  private async rejoinRooms(connection: Connection): Promise<void> {
    for (const [room, last] of [...this.rooms]) {
      if (connection.closed) return;
      try {
        await this.invoke("JOIN_ROOM", last >= 0 ? { room, since: last } : { room });
      } catch {
        // reported through the state/stream; the room stays tracked for the next reconnect
      }
    }
  }

  private teardown(connection: Connection, close: CloseInfo): void {
    if (connection.closed) return;
    connection.closed = true;
    if (connection.maintenanceTimer !== undefined) this.clock.clearTimeout(connection.maintenanceTimer);
    if (connection.refreshTimer) this.clock.clearTimeout(connection.refreshTimer);
    const socket = connection.socket;
    socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close();
    } catch {
      // already closed
    }
    if (this.connection === connection) this.connection = undefined;
    this.lastClose = close;
    this.failPending(connection, close);
    for (const cb of connection.onClosed.splice(0)) cb(close);
    if (this.stopRequested) return;
    if (!this.options.reconnect.enabled || this.options.reconnect.maxAttempts === 0 || !this.canRetry(close)) {
      this.goDisconnected(close);
      return;
    }
    this.setState("reconnecting", close);
    void this.reconnect(this.session);
  }

  private canRetry(close: CloseInfo): boolean {
    return close.retryable || (close.code === CloseCode.UNAUTHORIZED && !this.repeatedRejectedToken);
  }

  private async reconnect(session: number): Promise<void> {
    const r = this.options.reconnect;
    let lastError: unknown;
    for (let attempt = 1; attempt <= r.maxAttempts; attempt++) {
      await sleep(this.clock, backoffDelay(attempt, r, this.options.random));
      if (session !== this.session || this.stopRequested) return;
      try {
        const connection = await this.establish(session);
        if (session !== this.session || this.stopRequested) {
          connection.socket.close(1000, "bye");
          return;
        }
        this.onConnected(connection, true);
        return;
      } catch (error) {
        lastError = error;
        const close = error instanceof SwitchboardConnectionError ? error.close : undefined;
        const willRetry = attempt < r.maxAttempts && (close === undefined || this.canRetry(close));
        this.onConnectFailed?.(attempt, error, willRetry);
        if (close) this.lastClose = close;
        if (!willRetry) break;
      }
    }
    if (session !== this.session || this.stopRequested) return;
    this.goDisconnected(this.lastClose ?? { code: ABNORMAL, reason: String(lastError), retryable: true }, lastError);
  }

  private goDisconnected(close: CloseInfo, error?: unknown): void {
    this.lastClose = close;
    this.failPending(undefined, close);
    this.failWaiters(new SwitchboardConnectionError(`Disconnected: ${close.code} ${close.reason}`, close));
    this.setState("disconnected", close, error);
  }

  private failPending(connection: Connection | undefined, close: CloseInfo): void {
    for (const [cid, p] of [...this.pending]) {
      if (connection === undefined || p.connection === connection) {
        this.pending.delete(cid);
        p.reject(
          new SwitchboardConnectionError(
            `The connection closed (${close.code} ${close.reason}) before the reply to ${p.command} arrived; the command may or may not have been processed.`,
            close,
          ),
        );
      }
    }
  }

  private failWaiters(error: unknown): void {
    for (const w of this.connectedWaiters.splice(0)) w.reject(error);
  }

  private setState(state: ConnectionState, close?: CloseInfo, error?: unknown): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    const change: StateChange = { previous, state, ...(close ? { close } : {}), ...(error === undefined ? {} : { error }) };
    for (const h of [...this.stateHandlers]) {
      try {
        h(change);
      } catch (e) {
        reportHandlerError(e);
      }
    }
  }
}

/** Turns an error reply into a SwitchboardError; undefined when the envelope is not an error event. */
function toError(envelope: ServerEnvelope, command: string): SwitchboardError | undefined {
  switch (envelope.event) {
    case "ERROR":
    case "SEND_MESSAGE_ERROR":
    case "TRANSFER_ERROR": {
      const e = envelope.response as EventPayloads["ERROR"];
      return new SwitchboardError(e.code, e.message, { error: e.error, command, ...(e.path === undefined ? {} : { path: e.path }) });
    }
    default:
      return undefined;
  }
}

/** Standard WebSocket codes by their meaning; Switchboard codes as the spec's registry says. */
function isRetryable(code: number): boolean {
  if ([1001, 1006, 1011, 1012, 1013, 1014].includes(code)) return true;
  return RetryableCloseCodes.has(code);
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new SwitchboardTimeoutError(`${what} timed out after ${ms} ms.`)), ms);
    promise.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function reportHandlerError(e: unknown): void {
  // A throwing handler must not break delivery to the others; surface it like an unhandled error.
  setTimeout(() => {
    throw e;
  }, 0);
}

import { WebSocket } from "ws";
import { SwitchboardClient, type SwitchboardClientOptions, type WebSocketConstructor } from "../src/index.js";

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export function client(url: string, token: SwitchboardClientOptions["token"], extra: Partial<SwitchboardClientOptions> = {}): SwitchboardClient {
  return new SwitchboardClient({ url, token, webSocket: NodeWebSocket, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...extra });
}

/** Resolves when `predicate` holds, checking after every call of the returned `poke` (event-driven, no fixed sleeps). */
export function until(predicate: () => boolean, timeoutMs = 30_000, what = "condition"): { promise: Promise<void>; poke: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  const poke = (): void => {
    if (predicate()) {
      clearTimeout(timer);
      resolve();
    }
  };
  poke();
  return { promise, poke };
}

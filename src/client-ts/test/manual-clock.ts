// A hand-driven Clock (the TypeScript counterpart of FakeTimeProvider): time moves only when a test calls advance().
import type { Clock, TimerHandle } from "../src/index.js";

export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Pending timers (for asserting that a stopped client left none behind). */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in due order (timers they set that fall due fire too). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      let nextId = -1;
      let next: { due: number; callback: () => void } | undefined;
      for (const [id, t] of this.timers) if (t.due <= target && (next === undefined || t.due < next.due)) [nextId, next] = [id, t];
      if (next === undefined) break;
      this.timers.delete(nextId);
      this.current = next.due;
      next.callback();
      await flush();
    }
    this.current = target;
    await flush();
  }
}

/** Lets pending promise callbacks run (several turns: callbacks queue further callbacks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

// Time as a seam (the TypeScript counterpart of .NET's TimeProvider): every timeout, interval and timestamp the
// client uses goes through a Clock, so tests drive time by hand instead of waiting on the wall clock.

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The client's source of time. The default is {@link systemClock}; tests pass a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch (as `Date.now()`). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

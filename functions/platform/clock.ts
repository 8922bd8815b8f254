/**
 * The time journeys see. In Lambda it is the wall clock; the local runtime and tests install a
 * virtual or accelerated clock so a 23-hour wait passes in seconds, consistently everywhere.
 */
export interface Clock {
  now(): number;
}

const wallClock: Clock = { now: () => Date.now() };
let current: Clock = wallClock;

/** Milliseconds since the epoch on the active clock. */
export function now(): number {
  return current.now();
}

/** ISO-8601 timestamp on the active clock. */
export function nowIso(): string {
  return new Date(current.now()).toISOString();
}

/** Installs a clock (local runtime, tests); returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}

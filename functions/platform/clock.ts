/**
 * The time journeys see. In Lambda it is the wall clock; the local runtime and tests install a
 * virtual or accelerated clock so a 23-hour wait passes in seconds, consistently everywhere.
 */
export interface Clock {
  now(): number;
  /**
   * Journey milliseconds per real millisecond: 1 in Lambda, N under `relance dev --time-scale N`,
   * 0 on a virtual clock that moves only when a test moves it. Absent means 1.
   */
  readonly scale?: number;
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

/**
 * How much journey time passes while `realMs` of real time does: a duration the infrastructure sets
 * (a provider's grace, a timeout), compared with journey timestamps. In Lambda it is `realMs`; under
 * `--time-scale 720`, 300 s of grace is 300 s of real time, so 216,000 s of journey time. A virtual
 * clock (scale 0) does not move with real time: the duration is taken as it is.
 */
export function journeyMsOfRealMs(realMs: number): number {
  const scale = current.scale ?? 1;
  return scale > 1 ? realMs * scale : realMs;
}

/** Installs a clock (local runtime, tests); returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}

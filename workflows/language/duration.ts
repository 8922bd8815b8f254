/** Journey durations in seconds, apart from the validator so the runtime reads them without it. */
import type { Duration } from './types.ts';

/** Seconds in a duration. */
export function durationSeconds(d: Duration): number {
  return (d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0);
}

/** Journey durations in seconds, apart from the validator so the runtime reads them without it. */
import type { Duration, JourneyDefinition } from './types.ts';

/** Seconds in a duration. */
export function durationSeconds(d: Duration): number {
  return (d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0);
}

/**
 * The longest a run of the journey can wait at one step, in seconds (a wait's duration, a waitFor's
 * timeout, a day for a local time); undefined when a wait has no bound (until a moment a field of
 * the run names).
 */
export function longestPauseSeconds(journey: Pick<JourneyDefinition, 'steps'>): number | undefined {
  let longest = 0;
  for (const step of Object.values(journey.steps)) {
    if (step.type === 'waitFor') longest = Math.max(longest, durationSeconds(step.timeout));
    else if (step.type === 'wait') {
      if (step.until) return undefined;
      if (step.duration) longest = Math.max(longest, durationSeconds(step.duration));
      if (step.untilLocalTime) longest = Math.max(longest, 86_400);
    }
  }
  return longest;
}

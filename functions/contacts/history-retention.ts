/**
 * How long each item of a contact's event history is kept, by event type.
 *
 * Goal events are read over long periods: the journey report recounts conversions from the goal
 * events in the contacts' history (`relance report --recount`, or any attribution window other
 * than the counted one), for as long as the counters it checks are kept. Every other event is read
 * only as recent activity: the rep's view of a lead and lead scoring read the most recent events
 * (scoring decays them, with half-lives of days to weeks), and a merge moves them to the survivor.
 * Segments read none of them: they read the profile's aggregates, kept for their own window. So goal
 * events are kept `fullDays`, the others `recentDays`; storage is billed for as long as an item is kept.
 */

import { listEnv, optionalEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';

export interface HistoryRetention {
  /** Days a goal event is kept. */
  readonly fullDays: number;
  /** Days any other event is kept. */
  readonly recentDays: number;
  /** The event types kept `fullDays`: the goals of the deployed journeys and of the earlier versions runs are on. */
  readonly fullTypes: ReadonlySet<string>;
}

/** Days a history item of this event type is kept. */
export function retentionDaysOf(retention: HistoryRetention, type: string): number {
  return retention.fullTypes.has(type) ? retention.fullDays : retention.recentDays;
}

/** A whole number of days of at least 1 from the environment variable `name`, else an error naming it. */
function daysFromEnvironment(name: string, fallback: number): number {
  const text = optionalEnv(name, String(fallback));
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`${name} must be a whole number of days, at least 1, got "${text}"`);
  return days;
}

/**
 * The retention the template gives the function (HISTORY_RETENTION_DAYS, RECENT_HISTORY_RETENTION_DAYS,
 * FULL_HISTORY_EVENT_TYPES: comma-separated). Unset, every event is kept the full 400 days, as before
 * the two retentions existed.
 */
export function historyRetentionFromEnvironment(): HistoryRetention {
  const fullDays = daysFromEnvironment(ENV.historyRetentionDays, 400);
  const recentDays = daysFromEnvironment(ENV.recentHistoryRetentionDays, fullDays);
  return { fullDays, recentDays, fullTypes: new Set(listEnv(ENV.fullHistoryEventTypes)) };
}

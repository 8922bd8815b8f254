/**
 * Pure rules of journey runs: which key a run has, how later events correlate with it, and the
 * deterministic names and draws that make at-least-once segments idempotent.
 */
import { createHash } from 'node:crypto';
import { durationSeconds } from '#language/duration.ts';
import type { Correlation, Duration, JourneyDefinition } from '#language/types.ts';

/** A value at a dotted path (`items.0.sku`), or undefined. */
export function valueAt(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * The run key: the dedupe value when the journey has a dedupe key (one run per cart), the contact
 * when re-entry is not allowed (one run per contact, ever), else the trigger event (one per event).
 */
export function runKeyFor(
  journey: JourneyDefinition,
  trigger: Record<string, unknown>,
  contactId: string | undefined,
): string {
  if (journey.entry.dedupeKey) {
    const value = valueAt(trigger, journey.entry.dedupeKey);
    if (value !== undefined && value !== null) return `key:${String(value)}`;
  }
  if (!journey.entry.reentry && contactId) return `contact:${contactId}`;
  return `event:${String(trigger.eventId)}`;
}

/** The value a run listens on for a correlation, from its trigger (or contact). */
export function runCorrelationValue(
  correlation: Correlation,
  trigger: Record<string, unknown>,
  contactId: string | undefined,
): string | undefined {
  const value = correlation.by === 'contact' ? contactId : valueAt(trigger, correlation.triggerField);
  return value === undefined || value === null ? undefined : String(value);
}

/** The value an incoming event carries for a correlation. */
export function eventCorrelationValue(
  correlation: Correlation,
  detail: Record<string, unknown>,
  contactId: string | undefined,
): string | undefined {
  const value = correlation.by === 'contact' ? contactId : valueAt(detail, correlation.eventField);
  return value === undefined || value === null ? undefined : String(value);
}

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The schedule that resumes a run after a step: unique per run generation and step, at most 64 characters. */
export function scheduleName(journeyId: string, runKey: string, gen: number, stepId: string): string {
  return `${digest(`${journeyId}#${runKey}`, 16)}-${gen}-${stepId}`.slice(0, 64);
}

/** A run's draw for a split step, 0-99, stable for the run and step. */
export function splitDraw(journeyId: string, runKey: string, gen: number, stepId: string): number {
  return Number.parseInt(digest(`${journeyId}#${runKey}#${gen}#${stepId}`, 8), 16) % 100;
}

/** Milliseconds in a duration. */
export function durationMs(duration: Duration): number {
  return durationSeconds(duration) * 1000;
}

/**
 * The run key an event's correlation value points to directly, when the correlation is the run's
 * own key (a goal or waitFor on the dedupe field, or on the contact of a one-run-per-contact
 * journey): the router then needs no listen item to find the run.
 */
export function directRunKey(
  journey: JourneyDefinition,
  correlation: Correlation,
  value: string,
): string | undefined {
  if (correlation.by === 'field' && journey.entry.dedupeKey === correlation.triggerField)
    return `key:${value}`;
  if (correlation.by === 'contact' && !journey.entry.dedupeKey && !journey.entry.reentry)
    return `contact:${value}`;
  return undefined;
}

/** How a schedule resumes a run paused this way. */
export const VIA = { wait: 'wait', waitFor: 'timeout', defer: 'defer' } as const;

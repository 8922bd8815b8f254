/**
 * Real-time segment membership: after a profile change, the segments that read what changed (the
 * event's type, a profile field, or another segment that may have changed) are evaluated again;
 * the others keep their membership until the daily pass, which also catches time alone (no order
 * in 90 days). The changes are kept on the profile, per event, so the events that announce them can
 * be published again after a crash (see SegmentChange).
 */
import type { Contact } from '#catalogue/contact.ts';
import type { SegmentDefinition } from '#language/segments.ts';
import { dependsOn, type EvaluationOptions } from './evaluate.ts';
import { evaluateAll, evaluateSome, membershipChanges } from './membership.ts';

/** Segment entries and exits caused by one event, kept on the profile until they are announced. */
export interface SegmentChange {
  readonly eventId: string;
  readonly entered: readonly string[];
  readonly exited: readonly string[];
}

/** Changes kept per profile: enough for a retry of any recent event. */
export const SEGMENT_CHANGE_MEMORY = 10;

/** The profile paths that differ, as segment dependencies name them (`country`, `attributes.plan`, `consent.email`). */
export function changedPaths(before: Contact, after: Contact): Set<string> {
  const changed = new Set<string>();
  const nested = new Set(['attributes', 'consent', 'suppressed', 'stats']);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof Contact>;
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (nested.has(key) && typeof a === 'object' && typeof b === 'object' && a && b) {
      const inner = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const name of inner) {
        const x = (a as Record<string, unknown>)[name];
        const y = (b as Record<string, unknown>)[name];
        if (JSON.stringify(x) !== JSON.stringify(y)) changed.add(`${key}.${name}`);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      changed.add(key);
    }
  }
  return changed;
}

const touches = (dependency: string, changed: ReadonlySet<string>) => {
  for (const path of changed) {
    if (dependency === path || dependency.startsWith(`${path}.`) || path.startsWith(`${dependency}.`)) {
      return true;
    }
  }
  return false;
};

// Segment lists are fixed at deploy time and read on every ingested event: analyse each list once.
const analysed = new WeakMap<
  readonly SegmentDefinition[],
  ReadonlyArray<{ segment: SegmentDefinition; reads: ReturnType<typeof dependsOn> }>
>();

function dependenciesOf(segments: readonly SegmentDefinition[]) {
  let dependencies = analysed.get(segments);
  if (!dependencies) {
    dependencies = segments.map((segment) => ({ segment, reads: dependsOn(segment) }));
    analysed.set(segments, dependencies);
  }
  return dependencies;
}

/** The ids of the segments an event of `eventType` that changed `changed` may move the contact in or out of. */
export function affectedSegments(
  segments: readonly SegmentDefinition[],
  eventType: string,
  changed: ReadonlySet<string>,
): Set<string> {
  const affected = new Set<string>();
  const dependencies = dependenciesOf(segments);
  for (const { segment, reads } of dependencies) {
    if (reads.events.has(eventType) || [...reads.fields].some((f) => touches(f, changed))) {
      affected.add(segment.id);
    }
  }
  // A segment built on an affected one is affected too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const { segment, reads } of dependencies) {
      if (!affected.has(segment.id) && [...reads.segments].some((id) => affected.has(id))) {
        affected.add(segment.id);
        grew = true;
      }
    }
  }
  return affected;
}

/**
 * The profile after an event with its segment membership brought up to date: affected segments
 * evaluated again, the change recorded under the event id (when there is one).
 */
export function withMembership(
  segments: readonly SegmentDefinition[],
  before: Contact,
  after: Contact,
  event: { readonly type: string; readonly eventId: string },
  nowMs: number,
  options?: EvaluationOptions & {
    /** Evaluate every segment again, not only those the change touches (a merge changes everything). */
    readonly all?: boolean;
  },
): Contact {
  const affected = options?.all
    ? new Set(segments.map((s) => s.id))
    : affectedSegments(segments, event.type, changedPaths(before, after));
  if (affected.size === 0) return after;
  const evaluated = options?.all
    ? evaluateAll(segments, after, after.aggregates, nowMs, options)
    : evaluateSome(segments, affected, after, after.aggregates, nowMs, options);
  const previous = new Set(before.segments);
  const next = new Set<string>();
  for (const segment of segments) {
    const member = affected.has(segment.id) ? evaluated.has(segment.id) : previous.has(segment.id);
    if (member) next.add(segment.id);
  }
  const { entered, exited } = membershipChanges(previous, next);
  if (entered.length === 0 && exited.length === 0) return after;
  return {
    ...after,
    segments: [...next],
    segmentChanges: [...after.segmentChanges, { eventId: event.eventId, entered, exited }].slice(
      -SEGMENT_CHANGE_MEMORY,
    ),
  };
}

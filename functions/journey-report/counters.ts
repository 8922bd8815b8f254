/**
 * A journey's counters, kept as things happen: per journey, version, step and day, what its runs
 * and messages did. Each change is written in the same DynamoDB transaction as the state change it
 * counts (a ledger entry settled, a delivery event recorded, a run entered or ended), so a retry
 * can neither count twice nor lose a count: the counters agree with the ledger and the runs.
 *
 * Spread: a journey's counters for a day are split over COUNTER_SHARDS items, the shard chosen
 * from the run, so no item takes more than its share of a busy journey's writes (a transaction
 * writes 2 units per item; an item takes up to 1,000 units a second). The report adds the shards.
 *
 * Ledger counters are gauges of the entries' statuses: an entry moving from deferred to sent takes
 * one from `deferred` and adds one to `sent`, so each figure is what the ledger holds now. Delivery
 * events count once per message and kind. Run counters count entries and endings.
 */
import type { Correlation, JourneyDefinition } from '#language/types.ts';
import type { LedgerStatus } from '../delivery/ledger.ts';

export const COUNTER_SHARDS = 16;

/** Counters live as long as the ledger entries they count. */
export const COUNTER_RETENTION_DAYS = 400;

/** What happened to a message after it was sent: provider events, and the unsubscribes its link made. */
export const FEEDBACK_KINDS = [
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'unsubscribed',
] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export const RUN_METRICS = ['entered', 'heldOut', 'completed', 'goalReached', 'exited', 'failed'] as const;

/**
 * Conversions, counted when the goal event is routed (once per run): runs converted and their
 * revenue (order totals), treated and held out apart.
 */
export const CONVERSION_METRICS = ['converted', 'revenue', 'heldOutConverted', 'heldOutRevenue'] as const;
export type RunMetric = (typeof RUN_METRICS)[number] | (typeof CONVERSION_METRICS)[number];

/** Days after a run starts in which its goal event counts as its conversion, as counted. */
export const ATTRIBUTION_DAYS = 7;

/** What converts a run: the journey's goal, or an order by the same contact when it names none. */
export function conversionGoal(journey: Pick<JourneyDefinition, 'goal'>): {
  event: string;
  correlate: Correlation;
} {
  return journey.goal ?? { event: 'order.completed', correlate: { by: 'contact' } };
}

/** The version label of a run or message on an unversioned deployment. */
export const UNVERSIONED = 'unversioned';

/** Attribute name → change (positive or negative). */
export type CounterDeltas = Record<string, number>;

/** The UTC day (YYYY-MM-DD) an ISO time falls on: counters are kept per day. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

/** The shard of a run (FNV-1a of its key): a run's counts always land on the same shard. */
export function shardOf(runKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runKey.length; i++) {
    hash ^= runKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % COUNTER_SHARDS;
}

/** The partition key of a counter item in the ledger table (message counters). */
export const sendCountersKey = (journeyId: string, day: string, shard: number) => ({
  pk: `COUNTS#SENDS#${journeyId}#${day}#${shard}`,
});

/** The key of a counter item in the journey-state table (run counters). */
export const runCountersKey = (journeyId: string, day: string, shard: number) => ({
  pk: `COUNTS#RUNS#${journeyId}#${day}#${shard}`,
  sk: 'COUNTS',
});

/** A step's counter attribute: `<version>|<step>|<metric>` (metric `skipped:<reason>` by reason). */
export const stepCounter = (version: string | undefined, stepId: string, metric: string) =>
  `${version ?? UNVERSIONED}|${stepId}|${metric}`;

/** A run counter attribute: `<version>|<metric>`. */
export const runCounter = (version: string | undefined, metric: RunMetric) =>
  `${version ?? UNVERSIONED}|${metric}`;

/** The statuses an entry is counted in (one in flight is not counted yet). */
const COUNTED_STATUSES: readonly LedgerStatus[] = ['sent', 'skipped', 'deferred', 'failed'];

/** What a ledger entry counts as in its status: its status and, when skipped, its reason. */
function statusCounters(status: LedgerStatus, reason: string | undefined): string[] {
  if (!COUNTED_STATUSES.includes(status)) return [];
  return status === 'skipped' ? ['skipped', `skipped:${reason ?? 'unknown'}`] : [status];
}

/** The counter changes of a ledger entry moving from one status (and reason) to another. */
export function ledgerTransitionDeltas(
  entry: { version?: string; stepId: string },
  from: { status: LedgerStatus; reason?: string },
  to: { status: LedgerStatus; reason?: string },
): CounterDeltas {
  const deltas: CounterDeltas = {};
  for (const metric of statusCounters(from.status, from.reason)) {
    const name = stepCounter(entry.version, entry.stepId, metric);
    deltas[name] = (deltas[name] ?? 0) - 1;
  }
  for (const metric of statusCounters(to.status, to.reason)) {
    const name = stepCounter(entry.version, entry.stepId, metric);
    deltas[name] = (deltas[name] ?? 0) + 1;
  }
  for (const [name, delta] of Object.entries(deltas)) if (delta === 0) delete deltas[name];
  return deltas;
}

/** The kind of a delivery event text (`<at> <kind> [detail]`), when it is one the funnel counts. */
export function feedbackKindOf(event: string): FeedbackKind | undefined {
  const kind = event.split(' ')[1];
  return (FEEDBACK_KINDS as readonly string[]).includes(kind ?? '') ? (kind as FeedbackKind) : undefined;
}

/** The counter change of a delivery event: one for its kind, unless the message already had one. */
export function feedbackDeltas(
  entry: { version?: string; stepId: string; deliveryEvents?: readonly string[] },
  event: string,
): CounterDeltas {
  const kind = feedbackKindOf(event);
  if (!kind) return {};
  if ((entry.deliveryEvents ?? []).some((seen) => feedbackKindOf(seen) === kind)) return {};
  return { [stepCounter(entry.version, entry.stepId, kind)]: 1 };
}

/** Adds two sets of deltas. */
export function combineDeltas(a: CounterDeltas, b: CounterDeltas): CounterDeltas {
  const sum: CounterDeltas = { ...a };
  for (const [name, delta] of Object.entries(b)) sum[name] = (sum[name] ?? 0) + delta;
  for (const [name, delta] of Object.entries(sum)) if (delta === 0) delete sum[name];
  return sum;
}

/** The update adding `deltas` to a counter item (an Update action of a transaction), with its expiry. */
export function counterUpdate(
  tableName: string,
  key: Record<string, string>,
  deltas: CounterDeltas,
  day: string,
) {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {
    ':expiresAt': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + COUNTER_RETENTION_DAYS * 86_400,
  };
  const adds = Object.entries(deltas).map(([name, delta], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = delta;
    return `#c${i} :c${i}`;
  });
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :expiresAt`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Counter items' own attributes, which are not counters. */
const NOT_COUNTERS = new Set(['pk', 'sk', 'expiresAt']);

/** The counters of items read back, added up across shards and days. */
export function sumCounters(items: ReadonlyArray<Record<string, unknown>>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items)
    for (const [name, value] of Object.entries(item))
      if (!NOT_COUNTERS.has(name) && typeof value === 'number') sums.set(name, (sums.get(name) ?? 0) + value);
  return sums;
}

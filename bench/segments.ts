/**
 * Segment evaluation rate, in memory: every deployed segment at once (`evaluateAll`, as ingest and
 * audience passes do) and one realistic complex segment on its own (`evaluateSegment`), over
 * synthetic contacts with a year of behaviour.
 */
import type { Contact } from '#catalogue/contact.ts';
import { ORDER_COMPLETED } from '#catalogue/profile-aggregates.ts';
import { segmentViolations } from '#language/segment-validator.ts';
import type { SegmentDefinition } from '#language/segments.ts';
import { evaluateSegment } from '../functions/segments/evaluate.ts';
import { evaluateAll } from '../functions/segments/membership.ts';
import { declaredAttributes, segments } from '../workflows/segments/index.ts';
import { syntheticContacts } from './contacts.ts';
import { count, rate, seconds, type Table, verdict } from './report.ts';

/** Issue 18's target: the deployed segments evaluated together, contacts per second, one thread. */
const TARGET_PER_SECOND = 5_000_000;

/** Timed passes per measure. */
const RUNS = 3;

export interface SegmentBenchOptions {
  readonly contacts: number;
  readonly seed: number;
  /** The instant segments are evaluated at. */
  readonly nowMs: number;
}

/**
 * A reactivation audience a marketer would write: French-speaking shoppers who can receive offers,
 * spent in the last six months and are cooling off, still opening e-mail.
 */
export const reactivationSegment: SegmentDefinition = {
  id: 'bench-reactivation',
  description: 'FR/BE e-mail subscribers who spent 150+ in 180 days, cooling off, still opening.',
  where: {
    all: [
      { field: 'contact.country', op: 'in', values: ['FR', 'BE'] },
      { consent: { channel: 'email', status: 'opted_in' } },
      { notSuppressed: 'email' },
      { not: { hasTag: 'do-not-disturb' } },
      { orderTotal: { fromDaysAgo: 180, op: 'gte', value: 150 } },
      {
        any: [
          { rfm: { recency: { lte: 3 }, monetary: { gte: 3 } } },
          {
            all: [
              { eventCount: { event: 'order.completed', withinDays: 365, op: 'gte', value: 3 } },
              { daysSinceLastOrder: { op: 'gte', value: 45 } },
            ],
          },
        ],
      },
      { engaged: { action: 'opened', withinDays: 60 } },
    ],
  },
};

/**
 * A number from every field the deployed segments read of a contact, nothing compared: what
 * evaluating them costs at the least, once each object is fetched from memory. (The per-day maps
 * are read only for customers, as evaluation reads them: a window outside the orders is skipped.)
 */
function touchSegmentFields(contact: Contact): number {
  const { aggregates } = contact;
  let n = contact.mergedInto === undefined ? 0 : 1;
  n += contact.email === undefined ? 0 : 1;
  n += contact.consent.email?.channel?.status.length ?? 0;
  n += contact.suppressed.email === undefined ? 0 : 1;
  n += (contact.birthday?.length ?? 0) + (contact.timezone?.length ?? 0);
  n += (aggregates.lastOpenedAt?.length ?? 0) + (aggregates.lastClickedAt?.length ?? 0);
  n += aggregates.orderCount;
  if (aggregates.orderCount > 0) {
    n += (aggregates.firstOrderAt?.length ?? 0) + (aggregates.lastOrderAt?.length ?? 0);
    for (const day in aggregates.orderTotals) n += aggregates.orderTotals[day] ?? 0;
    const orders = aggregates.counts[ORDER_COMPLETED];
    for (const day in orders) n += orders[day] ?? 0;
  }
  return n;
}

/** Wall time of `work`, in milliseconds. */
function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** The median wall time of `runs` runs of `work`: one slow run (another process, a GC) does not decide. */
function medianOf(runs: number, work: () => void): number {
  const times = Array.from({ length: runs }, () => timed(work)).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

export async function benchSegments(options: SegmentBenchOptions): Promise<Table[]> {
  const violations = segmentViolations([reactivationSegment], { attributes: declaredAttributes });
  if (violations.length > 0) throw new Error(`the benchmark's segment is invalid: ${violations.join('; ')}`);
  const { nowMs } = options;
  let contacts: Contact[] = [];
  const generation = timed(() => {
    contacts = [...syntheticContacts(options.contacts, options.seed, nowMs)];
  });

  // Warm-up, so the timed passes measure compiled code rather than the JIT getting there.
  for (const contact of contacts.slice(0, 5_000)) {
    evaluateAll(segments, contact, contact.aggregates, nowMs);
    evaluateSegment(reactivationSegment, contact, contact.aggregates, nowMs, () => false);
  }

  let members = new Map<string, number>();
  const all = medianOf(RUNS, () => {
    members = new Map(segments.map((s) => [s.id, 0]));
    for (const contact of contacts) {
      for (const id of evaluateAll(segments, contact, contact.aggregates, nowMs))
        members.set(id, (members.get(id) ?? 0) + 1);
    }
  });
  let complexMembers = 0;
  const complex = medianOf(RUNS, () => {
    complexMembers = 0;
    for (const contact of contacts) {
      // The segment refers to no other segment: nothing to resolve.
      if (evaluateSegment(reactivationSegment, contact, contact.aggregates, nowMs, () => false))
        complexMembers++;
    }
  });

  let touched = 0;
  const reading = medianOf(RUNS, () => {
    touched = 0;
    for (const contact of contacts) touched += touchSegmentFields(contact);
  });

  const n = contacts.length;
  return [
    {
      title: `Segment evaluation, in memory (${count(n)} synthetic contacts, seed ${options.seed})`,
      columns: ['evaluation', 'time', 'contacts/s', 'members', 'target', 'verdict'],
      rows: [
        [
          `all ${segments.length} deployed segments (evaluateAll)`,
          seconds(all),
          rate(n, all),
          count([...members.values()].reduce((a, b) => a + b, 0)),
          `>= ${count(TARGET_PER_SECOND)}`,
          verdict(n / (all / 1000) >= TARGET_PER_SECOND),
        ],
        [
          'reactivation segment alone (evaluateSegment)',
          seconds(complex),
          rate(n, complex),
          count(complexMembers),
          '',
          '',
        ],
        [
          'the fields the deployed segments read, nothing evaluated',
          seconds(reading),
          rate(n, reading),
          '',
          '',
          '',
        ],
      ],
      notes: [
        `members per segment: ${[...members].map(([id, m]) => `${id} ${count(m)}`).join(', ')}`,
        `contacts generated in ${seconds(generation)}: a year and more of orders, carts, opens and clicks each, consent, suppressions`,
        `evaluated at ${new Date(nowMs).toISOString()}, one thread, median of ${RUNS} passes after a warm-up over 5,000 contacts`,
        `the last line reads each field a deployed segment reads (profile, consent, suppressions, last dates, and the order days of customers) and compares nothing: evaluation over contacts held as objects cannot go faster than that (checksum ${count(Math.round(touched))})`,
      ],
    },
  ];
}

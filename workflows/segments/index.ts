/**
 * The segments the retention flows use (win-back, VIP, birthday, account reviews). Each is data in
 * the language of workflows/language/segments.ts; segmentViolations checks them before deploy.
 */
import type { SegmentDefinition } from '#language/segments.ts';
import { contactAttributes } from '../attributes.ts';

/** Contacts with at least one order, ever. */
export const customers: SegmentDefinition = {
  id: 'customers',
  description: 'Placed at least one order.',
  where: { hasOrdered: true },
};

/** Customers whose last order was 90 or more UTC days ago: nothing today nor on the 89 days before. */
export const lapsed90: SegmentDefinition = {
  id: 'lapsed-90',
  description: 'Customers with no order in the last 90 days (win-back).',
  where: { all: [{ inSegment: 'customers' }, { daysSinceLastOrder: { op: 'gte', value: 90 } }] },
};

/**
 * The best customers by RFM (default thresholds of functions/segments/rfm.ts): at least 4 on each of
 * recency, frequency and monetary, or a total of 13 or more of 15 (so one 3 is offset by two 5s).
 */
export const vip: SegmentDefinition = {
  id: 'vip',
  description: 'Top RFM: R, F and M all at least 4, or R + F + M at least 13.',
  where: {
    any: [
      { rfm: { recency: { gte: 4 }, frequency: { gte: 4 }, monetary: { gte: 4 } } },
      { rfm: { total: { gte: 13 } } },
    ],
  },
};

/** Opened or clicked an e-mail today or on the 29 days before. */
export const engaged30: SegmentDefinition = {
  id: 'engaged-30',
  description: 'Opened or clicked an e-mail in the last 30 days.',
  where: {
    any: [
      { engaged: { action: 'opened', withinDays: 30 } },
      { engaged: { action: 'clicked', withinDays: 30 } },
    ],
  },
};

/** Has an address, opted in to marketing e-mail explicitly, and is not suppressed (bounce, complaint...). */
export const emailMarketable: SegmentDefinition = {
  id: 'email-marketable',
  description: 'Can receive marketing e-mail: an address, an explicit opt-in, not suppressed.',
  where: {
    all: [
      { field: 'contact.email', op: 'exists' },
      { consent: { channel: 'email', status: 'opted_in' } },
      { notSuppressed: 'email' },
    ],
  },
};

/** Today is the contact's birthday in their timezone (UTC when unknown); checked by the daily pass. */
export const birthdayToday: SegmentDefinition = {
  id: 'birthday-today',
  description: "Today is the contact's birthday, in their timezone.",
  where: { birthdayToday: true },
};

/**
 * Order totals of the last 90 days at most 70% of the 90 days before them, which had orders. It reads
 * the aggregates it is given: a contact's own, or an account's when the caller rolls them up.
 */
export const accountRevenueDrop: SegmentDefinition = {
  id: 'account-revenue-drop',
  description: 'Revenue of the last 90 days at most 70% of the 90 days before (which had orders).',
  where: {
    all: [
      { orderTotal: { fromDaysAgo: 180, toDaysAgo: 90, op: 'gt', value: 0 } },
      { orderTotalRatio: { days: 90, op: 'lte', value: 0.7 } },
    ],
  },
};

/** Every segment that deploys. */
export const segments: readonly SegmentDefinition[] = [
  customers,
  lapsed90,
  vip,
  engaged30,
  emailMarketable,
  birthdayToday,
  accountRevenueDrop,
];

/**
 * The custom profile attributes (`contact.attributes.<name>`) segments may read: those declared in
 * workflows/attributes.ts, so a typo in a segment fails at synth time instead of matching nobody.
 */
export const declaredAttributes: readonly string[] = Object.keys(contactAttributes);

const byId = new Map(segments.map((s) => [s.id, s]));

/** The segment with this id, or undefined. */
export function segmentById(id: string): SegmentDefinition | undefined {
  return byId.get(id);
}

/**
 * The segment language as data. A segment is an id, a description and a condition on one contact:
 * its profile (fields, attributes, tags, consent, suppression), its behavioural aggregates (events
 * counted per day, orders, e-mail engagement, RFM), its birthday, and other segments.
 *
 * A condition is an object with one key naming what it tests (`{ hasTag: 'vip' }`,
 * `{ rfm: { recency: { gte: 4 } } }`, `{ all: [...] }`), or a field comparison written as in
 * journey branches (`{ field: 'contact.country', op: 'in', values: ['FR', 'BE'] }`).
 * These schemas check the shape only; segmentViolations (segment-validator.ts) checks the meaning: known
 * fields and events, numbers in range, references and cycles.
 */

import { ConsentStatus } from '#catalogue/contact.ts';
import * as z from '#catalogue/zod.ts';

const Channel = z.enum(['email', 'sms', 'voice']);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
/** Numbers compare as numbers, strings (ISO dates) in text order; a number never matches a string. */
const Ordered = z.union([z.number(), z.string()]);
const FieldRef = z.string().check(z.describe('`contact.<field>` or `contact.attributes.<name>`'));

/** A test of one profile field; a missing field only matches `notExists` and `notEquals`. */
export const Comparison = z.discriminatedUnion('op', [
  z.strictObject({ field: FieldRef, op: z.enum(['exists', 'notExists']) }),
  z.strictObject({ field: FieldRef, op: z.enum(['equals', 'notEquals']), value: Scalar }),
  z.strictObject({ field: FieldRef, op: z.literal('in'), values: z.array(Scalar) }),
  z.strictObject({ field: FieldRef, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: Ordered }),
  /** Both ends included. */
  z.strictObject({ field: FieldRef, op: z.literal('between'), min: Ordered, max: Ordered }),
]);
export type Comparison = z.infer<typeof Comparison>;

export const NumberOp = z.enum(['equals', 'notEquals', 'gt', 'gte', 'lt', 'lte']);
export type NumberOp = z.infer<typeof NumberOp>;

/** A whole score range, both ends included and optional: `{ gte: 4 }`. */
const ScoreRange = z.strictObject({ gte: z.optional(z.number()), lte: z.optional(z.number()) });
export type ScoreRange = z.infer<typeof ScoreRange>;

export const Condition = z.union([
  Comparison,
  z.strictObject({
    get all(): z.ZodMiniArray<typeof Condition> {
      return z.array(Condition);
    },
  }),
  z.strictObject({
    get any(): z.ZodMiniArray<typeof Condition> {
      return z.array(Condition);
    },
  }),
  z.strictObject({
    get not(): typeof Condition {
      return Condition;
    },
  }),
  z.strictObject({ hasTag: z.string() }),
  /** The channel's consent (or the topic's, when given) has this status; no record matches no status. */
  z.strictObject({
    consent: z.strictObject({ channel: Channel, topic: z.optional(z.string()), status: ConsentStatus }),
  }),
  z.strictObject({ notSuppressed: Channel }),
  /** Events of a type on the last `withinDays` UTC days (today included), compared with `value`. */
  z.strictObject({
    eventCount: z.strictObject({
      event: z.string(),
      withinDays: z.number(),
      op: NumberOp,
      value: z.number(),
    }),
  }),
  /** Order totals of the days from `fromDaysAgo` (excluded) to `toDaysAgo` (included, default 0: today). */
  z.strictObject({
    orderTotal: z.strictObject({
      fromDaysAgo: z.number(),
      toDaysAgo: z.optional(z.number()),
      op: NumberOp,
      value: z.number(),
    }),
  }),
  /**
   * Order totals of the last `days` days divided by those of the `days` before them, compared with
   * `value` (0.7: down 30%); false when the earlier period has no orders.
   */
  z.strictObject({
    orderTotalRatio: z.strictObject({ days: z.number(), op: NumberOp, value: z.number() }),
  }),
  /** Whole UTC days since the last order; false for a contact who never ordered. */
  z.strictObject({ daysSinceLastOrder: z.strictObject({ op: NumberOp, value: z.number() }) }),
  z.strictObject({ hasOrdered: z.boolean() }),
  /** Opened (or clicked in) an e-mail on the last `withinDays` UTC days, today included. */
  z.strictObject({
    engaged: z.strictObject({ action: z.enum(['opened', 'clicked']), withinDays: z.number() }),
  }),
  /** Every given RFM range holds (scores 1-5, total 3-15); never true for a contact who never ordered. */
  z.strictObject({
    rfm: z.strictObject({
      recency: z.optional(ScoreRange),
      frequency: z.optional(ScoreRange),
      monetary: z.optional(ScoreRange),
      total: z.optional(ScoreRange),
    }),
  }),
  /** Today, in the contact's timezone, is their birthday (29 February is celebrated on the 28th in other years). */
  z.strictObject({ birthdayToday: z.literal(true) }),
  z.strictObject({ inSegment: z.string() }),
]);
export type Condition = z.infer<typeof Condition>;

/** Stable id (lower-case letters, digits, dashes), a description for marketers, and the condition. */
export const SegmentDefinition = z
  .strictObject({ id: z.string(), description: z.string(), where: Condition })
  .check(z.describe('A segment: the contacts for whom `where` holds.'));
export type SegmentDefinition = z.infer<typeof SegmentDefinition>;

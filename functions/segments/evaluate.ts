/**
 * Whether a contact is in a segment, from its profile and aggregates only (no I/O), and what a
 * segment reads, so real-time re-evaluation can skip the segments a change cannot affect.
 *
 * Each condition is compiled once into a closure (cached by object identity: segment definitions are
 * treated as immutable), so evaluating is a walk of closures with no parsing or dispatch on keys.
 * The costly parts (RFM, the contact's local date) are computed at most once per contact evaluation.
 */
import type { Contact } from '#catalogue/contact.ts';
import {
  countInLastDays,
  daysSinceLastOrder,
  EMAIL_CLICKED,
  EMAIL_OPENED,
  isoUtcDay,
  lastEngagement,
  ORDER_COMPLETED,
  orderTotalInWindow,
  type ProfileAggregates,
  utcDay,
} from '#catalogue/profile-aggregates.ts';
import { isValidTimeZone, type LocalParts, localParts } from '#language/local-time.ts';
import type { Comparison, Condition, NumberOp, ScoreRange, SegmentDefinition } from '#language/segments.ts';
import { type OrderFigures, type RfmScore, type RfmThresholds, rfmScoreOf } from './rfm.ts';

/** Whether the contact being evaluated is in the segment with this id. */
export type ResolveSegment = (id: string) => boolean;

export interface EvaluationOptions {
  /** RFM thresholds instead of the defaults of rfm.ts. */
  readonly rfm?: Partial<RfmThresholds>;
  /** Timezone for the birthday of contacts without a valid one. @default 'UTC' */
  readonly defaultTimezone?: string;
}

/**
 * One contact at one instant; shared by every segment evaluated for it. What several conditions
 * read (days since the last order, RFM, the birthday) is computed once.
 */
export class ContactEvaluation implements OrderFigures {
  readonly contact: Contact;
  readonly aggregates: ProfileAggregates;
  readonly nowMs: number;
  /** The UTC day number of `nowMs`. */
  readonly today: number;
  readonly resolveSegment: ResolveSegment;
  readonly options: EvaluationOptions;
  // null: not computed yet (undefined is a valid RFM and a valid days-since: never ordered).
  private rfmMemo: RfmScore | undefined | null = null;
  private daysSinceLastOrderMemo: number | undefined | null = null;
  private birthdayMemo: boolean | undefined;
  /** The UTC days of the first and last orders. */
  private orderDays: { readonly first: number; readonly last: number } | undefined;

  constructor(
    contact: Contact,
    aggregates: ProfileAggregates,
    nowMs: number,
    resolveSegment: ResolveSegment,
    options: EvaluationOptions = {},
  ) {
    this.contact = contact;
    this.aggregates = aggregates;
    this.nowMs = nowMs;
    this.today = utcDay(nowMs);
    this.resolveSegment = resolveSegment;
    this.options = options;
  }

  rfm(): RfmScore | undefined {
    if (this.rfmMemo === null) this.rfmMemo = rfmScoreOf(this, this.options.rfm);
    return this.rfmMemo;
  }

  daysSinceLastOrder(): number | undefined {
    if (this.daysSinceLastOrderMemo === null)
      this.daysSinceLastOrderMemo = daysSinceLastOrder(this.aggregates, this.nowMs);
    return this.daysSinceLastOrderMemo;
  }

  /** Events of a type on the last `days` UTC days: today and the `days - 1` before it. */
  eventsInLastDays(type: string, days: number): number {
    if (type !== ORDER_COMPLETED) return countInLastDays(this.aggregates, type, days, this.nowMs);
    return this.ordersInLastDays(days);
  }

  ordersInLastDays(days: number): number {
    const first = this.today - days + 1;
    if (days < 1 || !this.mayHaveOrdersBetween(first, this.today)) return 0;
    return countInLastDays(this.aggregates, ORDER_COMPLETED, days, this.nowMs);
  }

  /** Order totals of the days at least `toDaysAgo` and less than `fromDaysAgo` days ago (0 is today). */
  orderTotalBetween(fromDaysAgo: number, toDaysAgo: number): number {
    const first = this.today - fromDaysAgo + 1;
    const last = this.today - toDaysAgo;
    if (fromDaysAgo <= toDaysAgo || !this.mayHaveOrdersBetween(first, last)) return 0;
    return orderTotalInWindow(this.aggregates, fromDaysAgo, toDaysAgo, this.nowMs);
  }

  /**
   * False when no order can fall on the days from `first` to `last`: every order is dated from the
   * first order to the last, so the per-day maps need not be read (reading one costs more than all
   * the rest of an evaluation).
   */
  private mayHaveOrdersBetween(first: number, last: number): boolean {
    if (this.orderDays === undefined) {
      const { firstOrderAt, lastOrderAt } = this.aggregates;
      this.orderDays = {
        first: firstOrderAt === undefined ? Number.NEGATIVE_INFINITY : isoUtcDay(firstOrderAt),
        last: lastOrderAt === undefined ? Number.NaN : isoUtcDay(lastOrderAt),
      };
    }
    // NaN (never ordered, or an unreadable date) compares false: no order to count.
    return this.orderDays.last >= first && !(this.orderDays.first > last);
  }

  spentInLastDays(days: number): number {
    return this.orderTotalBetween(days, 0);
  }

  isBirthday(): boolean {
    this.birthdayMemo ??= isBirthdayToday(this.contact, this.nowMs, this.options.defaultTimezone ?? 'UTC');
    return this.birthdayMemo;
  }

  /** Whether the contact is in the segment with this id (an `inSegment` condition). */
  inSegment(id: string): boolean {
    return this.resolveSegment(id);
  }

  /** Whether the contact is in the segment; `predicate`: its condition already compiled (segmentPredicate). */
  matches(segment: SegmentDefinition, predicate: SegmentPredicate = predicateOf(segment.where)): boolean {
    return predicate(this);
  }
}

/** Whether the contact is in the segment at `nowMs`; `resolveSegment` answers `inSegment` conditions. */
export function evaluateSegment(
  segment: SegmentDefinition,
  contact: Contact,
  aggregates: ProfileAggregates,
  nowMs: number,
  resolveSegment: ResolveSegment,
  options?: EvaluationOptions,
): boolean {
  return new ContactEvaluation(contact, aggregates, nowMs, resolveSegment, options).matches(segment);
}

type Predicate = (evaluation: ContactEvaluation) => boolean;

/** A segment's condition, compiled: what a plan keeps so each contact skips the lookup. */
export type SegmentPredicate = Predicate;

/** The segment's condition, compiled once (cached by the condition object). */
export function segmentPredicate(segment: SegmentDefinition): SegmentPredicate {
  return predicateOf(segment.where);
}

const predicates = new WeakMap<Condition, Predicate>();

function predicateOf(condition: Condition): Predicate {
  let predicate = predicates.get(condition);
  if (predicate === undefined) {
    predicate = compile(condition);
    predicates.set(condition, predicate);
  }
  return predicate;
}

function numberTest(op: NumberOp, value: number): (n: number) => boolean {
  switch (op) {
    case 'equals':
      return (n) => n === value;
    case 'notEquals':
      return (n) => n !== value;
    case 'gt':
      return (n) => n > value;
    case 'gte':
      return (n) => n >= value;
    case 'lt':
      return (n) => n < value;
    case 'lte':
      return (n) => n <= value;
  }
}

function scoreTest(range: ScoreRange | undefined): (score: number) => boolean {
  const low = range?.gte ?? Number.NEGATIVE_INFINITY;
  const high = range?.lte ?? Number.POSITIVE_INFINITY;
  return (score) => score >= low && score <= high;
}

/** Reads `contact.<path>` (own properties only, so `contact.constructor` is simply missing). */
function accessor(field: string): (contact: Contact) => unknown {
  const path = (field.startsWith('contact.') ? field.slice('contact.'.length) : field).split('.');
  return (contact) => {
    let current: unknown = contact;
    for (const key of path) {
      if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  };
}

/** A test of a field value against a bound: a number only compares with a number, a string with a string. */
function orderedTest(op: 'gt' | 'gte' | 'lt' | 'lte', bound: number | string): (value: unknown) => boolean {
  if (typeof bound === 'number') {
    const test = numberTest(op, bound);
    return (value) => typeof value === 'number' && test(value);
  }
  switch (op) {
    case 'gt':
      return (value) => typeof value === 'string' && value > bound;
    case 'gte':
      return (value) => typeof value === 'string' && value >= bound;
    case 'lt':
      return (value) => typeof value === 'string' && value < bound;
    case 'lte':
      return (value) => typeof value === 'string' && value <= bound;
  }
}

function valueTest(comparison: Comparison): (value: unknown) => boolean {
  switch (comparison.op) {
    case 'exists':
      return (value) => value !== undefined && value !== null;
    case 'notExists':
      return (value) => value === undefined || value === null;
    case 'equals': {
      const expected = comparison.value;
      return (value) => value === expected;
    }
    case 'notEquals': {
      const expected = comparison.value;
      return (value) => value !== expected;
    }
    case 'in': {
      const allowed = new Set<unknown>(comparison.values);
      return (value) => allowed.has(value);
    }
    case 'between': {
      const atLeast = orderedTest('gte', comparison.min);
      const atMost = orderedTest('lte', comparison.max);
      return (value) => atLeast(value) && atMost(value);
    }
    default:
      return orderedTest(comparison.op, comparison.value);
  }
}

function compile(condition: Condition): Predicate {
  if ('field' in condition) {
    const read = accessor(condition.field);
    const test = valueTest(condition);
    return (e) => test(read(e.contact));
  }
  if ('all' in condition) {
    const parts = condition.all.map(predicateOf);
    return (e) => {
      for (const part of parts) if (!part(e)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(predicateOf);
    return (e) => {
      for (const part of parts) if (part(e)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const inner = predicateOf(condition.not);
    return (e) => !inner(e);
  }
  if ('hasTag' in condition) {
    const tag = condition.hasTag;
    return (e) => e.contact.tags.includes(tag);
  }
  if ('consent' in condition) {
    const { channel, topic, status } = condition.consent;
    if (topic === undefined) return (e) => e.contact.consent[channel]?.channel?.status === status;
    return (e) => e.contact.consent[channel]?.topics[topic]?.status === status;
  }
  if ('notSuppressed' in condition) {
    const channel = condition.notSuppressed;
    return (e) => e.contact.suppressed[channel] === undefined;
  }
  if ('eventCount' in condition) {
    const { event, withinDays, op, value } = condition.eventCount;
    const test = numberTest(op, value);
    return (e) => test(e.eventsInLastDays(event, withinDays));
  }
  if ('orderTotal' in condition) {
    const { fromDaysAgo, toDaysAgo = 0, op, value } = condition.orderTotal;
    const test = numberTest(op, value);
    return (e) => test(e.orderTotalBetween(fromDaysAgo, toDaysAgo));
  }
  if ('orderTotalRatio' in condition) {
    const { days, op, value } = condition.orderTotalRatio;
    const test = numberTest(op, value);
    return (e) => {
      const before = e.orderTotalBetween(2 * days, days);
      return before > 0 && test(e.orderTotalBetween(days, 0) / before);
    };
  }
  if ('daysSinceLastOrder' in condition) {
    const { op, value } = condition.daysSinceLastOrder;
    const test = numberTest(op, value);
    return (e) => {
      const days = e.daysSinceLastOrder();
      return days !== undefined && test(days);
    };
  }
  if ('hasOrdered' in condition) {
    const expected = condition.hasOrdered;
    return (e) => e.aggregates.orderCount > 0 === expected;
  }
  if ('engaged' in condition) {
    const { action, withinDays } = condition.engaged;
    return (e) => {
      const last = lastEngagement(e.aggregates, action);
      return last !== undefined && e.today - isoUtcDay(last) < withinDays;
    };
  }
  if ('rfm' in condition) {
    const recency = scoreTest(condition.rfm.recency);
    const frequency = scoreTest(condition.rfm.frequency);
    const monetary = scoreTest(condition.rfm.monetary);
    const total = scoreTest(condition.rfm.total);
    return (e) => {
      const score = e.rfm();
      return (
        score !== undefined &&
        recency(score.recency) &&
        frequency(score.frequency) &&
        monetary(score.monetary) &&
        total(score.total)
      );
    };
  }
  if ('birthdayToday' in condition) return (e) => e.isBirthday();
  if ('inSegment' in condition) {
    const id = condition.inSegment;
    return (e) => e.inSegment(id);
  }
  throw new Error(`not a segment condition: ${JSON.stringify(condition).slice(0, 200)}`);
}

// The local date changes only at a local midnight, which falls on a UTC quarter hour in every
// zone in use: one lookup per zone and quarter hour is enough.
const QUARTER_HOUR_MS = 900_000;
const localDates = new Map<string, { readonly quarter: number; readonly date: LocalParts }>();
const LOCAL_DATE_CACHE_SIZE = 1000;

function localDate(nowMs: number, zone: string, fallbackZone: string): LocalParts {
  const quarter = Math.floor(nowMs / QUARTER_HOUR_MS);
  const cached = localDates.get(zone);
  if (cached?.quarter === quarter) return cached.date;
  if (!isValidTimeZone(zone)) return localDate(nowMs, fallbackZone, 'UTC');
  if (localDates.size >= LOCAL_DATE_CACHE_SIZE) localDates.clear();
  const date = localParts(nowMs, zone);
  localDates.set(zone, { quarter, date });
  return date;
}

/** The number of the two digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const units = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether today, in the contact's timezone (else `defaultZone`), is their birthday (YYYY-MM-DD or --MM-DD). */
function isBirthdayToday(contact: Contact, nowMs: number, defaultZone: string): boolean {
  // `MM-DD` at the end (YYYY-MM-DD or --MM-DD), read from its character codes.
  const birthday = contact.birthday;
  if (birthday === undefined || birthday.length < 5 || birthday.charCodeAt(birthday.length - 3) !== 45)
    return false;
  const month = twoDigits(birthday, birthday.length - 5);
  const day = twoDigits(birthday, birthday.length - 2);
  if (month < 0 || day < 0) return false;
  const today = localDate(nowMs, contact.timezone ?? defaultZone, defaultZone);
  if (today.month === month && today.day === day) return true;
  return month === 2 && day === 29 && today.month === 2 && today.day === 28 && !isLeapYear(today.year);
}

/** What a segment reads; profile fields are paths without `contact.` (`country`, `attributes.plan`, `consent.email`). */
export interface SegmentDependencies {
  readonly fields: ReadonlySet<string>;
  /** Event types whose aggregates it reads (RFM and order conditions read `order.completed`). */
  readonly events: ReadonlySet<string>;
  /** Segments it refers to directly (theirs are not included). */
  readonly segments: ReadonlySet<string>;
}

/** Every condition of a tree, the tree itself first. */
function* conditionsOf(condition: Condition): Generator<Condition> {
  yield condition;
  if ('all' in condition) for (const part of condition.all) yield* conditionsOf(part);
  else if ('any' in condition) for (const part of condition.any) yield* conditionsOf(part);
  else if ('not' in condition) yield* conditionsOf(condition.not);
}

/** The profile fields, event types and segments a segment reads. */
export function dependsOn(segment: SegmentDefinition): SegmentDependencies {
  const fields = new Set<string>();
  const events = new Set<string>();
  const segments = new Set<string>();
  for (const c of conditionsOf(segment.where)) {
    if ('field' in c) fields.add(c.field.startsWith('contact.') ? c.field.slice('contact.'.length) : c.field);
    else if ('hasTag' in c) fields.add('tags');
    else if ('consent' in c) fields.add(`consent.${c.consent.channel}`);
    else if ('notSuppressed' in c) fields.add(`suppressed.${c.notSuppressed}`);
    else if ('birthdayToday' in c) {
      fields.add('birthday');
      fields.add('timezone');
    } else if ('eventCount' in c) events.add(c.eventCount.event);
    else if ('engaged' in c) events.add(c.engaged.action === 'opened' ? EMAIL_OPENED : EMAIL_CLICKED);
    else if ('inSegment' in c) segments.add(c.inSegment);
    else if (
      'orderTotal' in c ||
      'orderTotalRatio' in c ||
      'daysSinceLastOrder' in c ||
      'hasOrdered' in c ||
      'rfm' in c
    ) {
      events.add(ORDER_COMPLETED);
    }
  }
  return { fields, events, segments };
}

/** Conditions whose answer changes with the clock alone (windows, days since, RFM, birthdays). */
function changesWithTime(condition: Condition): boolean {
  return (
    'eventCount' in condition ||
    'orderTotal' in condition ||
    'orderTotalRatio' in condition ||
    'daysSinceLastOrder' in condition ||
    'engaged' in condition ||
    'rfm' in condition ||
    'birthdayToday' in condition
  );
}

/**
 * Whether membership can change with time alone, so a daily pass must re-evaluate the segment. A
 * referenced segment counts as time-dependent unless `segmentById` finds it and it is not.
 */
export function isTimeDependent(
  segment: SegmentDefinition,
  segmentById?: (id: string) => SegmentDefinition | undefined,
): boolean {
  const visited = new Set<string>([segment.id]);
  const pending = [segment];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const c of conditionsOf(current.where)) {
      if (changesWithTime(c)) return true;
      if (!('inSegment' in c) || visited.has(c.inSegment)) continue;
      const referenced = segmentById?.(c.inSegment);
      if (referenced === undefined) return true;
      visited.add(c.inSegment);
      pending.push(referenced);
    }
  }
  return false;
}

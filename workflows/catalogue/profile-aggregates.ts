/**
 * Behavioural aggregates kept on the profile, so segments read a few numbers instead of event
 * history. Updated one event at a time by a pure function; queried with helpers that take `nowMs`
 * explicitly. Days are UTC calendar days written `YYYY-MM-DD`.
 *
 * Stored shape (bounded): per event type, a count per day; per day, the sum of order totals; and a
 * few all-time facts. Only days with events are stored, and only the last `windowDays` (400 by
 * default) of them, so a profile holds at most windowDays × (event types + 1) day entries whatever
 * the contact's history (the event types are the catalogue's plus the two engagement ones).
 */
import * as z from '#catalogue/zod.ts';
import { ORDER_COMPLETED } from './event-types.ts';

/** Orders feed the order counters and totals. */
export { ORDER_COMPLETED };

/** E-mail engagement fed from SES events: counted per day like any event and remembered as last open / click. */
export const EMAIL_OPENED = 'email.opened';
export const EMAIL_CLICKED = 'email.clicked';
export const ENGAGEMENT_EVENT_TYPES = [EMAIL_OPENED, EMAIL_CLICKED] as const;

/** Days of per-day counters kept by default: a year plus a margin for year-over-year windows. */
export const AGGREGATE_WINDOW_DAYS = 400;

/** A producer clock ahead of ours by more than this is not believed (it would push the window forward). */
const FUTURE_TOLERANCE_MS = 86_400_000;
const DAY_MS = 86_400_000;

const DayKey = z.iso.date();
const UtcTimestamp = z.iso.datetime();

export const ProfileAggregates = z
  .object({
    /** `counts[eventType][day]`: events of that type that day. */
    counts: z._default(z.record(z.string(), z.record(DayKey, z.int().check(z.gte(1)))), {}),
    /** `orderTotals[day]`: sum of `order.completed` totals that day, in the shop's currency. */
    orderTotals: z._default(z.record(DayKey, z.number().check(z.gte(0))), {}),
    /** All-time, including orders older than the window. */
    orderCount: z._default(z.int().check(z.gte(0)), 0),
    firstOrderAt: z.optional(UtcTimestamp),
    lastOrderAt: z.optional(UtcTimestamp),
    lastOpenedAt: z.optional(UtcTimestamp),
    lastClickedAt: z.optional(UtcTimestamp),
    lastEventAt: z.optional(UtcTimestamp),
  })
  .check(z.describe('Behavioural aggregates of a contact: bounded per-day counters and last dates.'));
export type ProfileAggregates = z.infer<typeof ProfileAggregates>;

/** What applyEvent needs of an accepted (already deduplicated) event. */
export interface AggregateEvent {
  readonly type: string;
  /** When it happened (ISO-8601, any offset). */
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AggregateOptions {
  /** Days of per-day counters to keep. @default AGGREGATE_WINDOW_DAYS */
  readonly windowDays?: number;
  /** The receiver's clock: the window ends no earlier than today, and events dated more than a day ahead are ignored. */
  readonly nowMs?: number;
}

/** The UTC day number of an instant (days since 1970-01-01). */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The number of `length` decimal digits at `start`, or -1 when one of them is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** Whether a valid `THH:MM` follows the date and the timestamp ends in `Z`: a UTC time (its seconds do not change the day). */
function isUtcTimeOfDay(iso: string): boolean {
  if (iso.length < 17 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58) return false;
  if (iso.charCodeAt(iso.length - 1) !== 90) return false;
  const hour = digitsAt(iso, 11, 2);
  const minute = digitsAt(iso, 14, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (the civil-calendar arithmetic of a 400-year era). */
function civilDayNumber(year: number, month: number, day: number): number {
  // Counted from March, so the leap day ends the year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The UTC day number of a `YYYY-MM-DD` day key or a UTC ISO-8601 timestamp (`...Z`), read from its
 * date digits: segment evaluation asks this for every contact, and Date.parse costs ten times more.
 * Anything else (an offset, a malformed date) goes through Date.parse; NaN when that cannot read it.
 */
export function isoUtcDay(iso: string): number {
  if (
    iso.length >= 10 &&
    iso.charCodeAt(4) === 45 &&
    iso.charCodeAt(7) === 45 &&
    (iso.length === 10 || isUtcTimeOfDay(iso))
  ) {
    const year = digitsAt(iso, 0, 4);
    const month = digitsAt(iso, 5, 2);
    const day = digitsAt(iso, 8, 2);
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthDays = (MONTH_DAYS[month - 1] ?? 0) + (leap ? 1 : 0);
    if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= monthDays) {
      return civilDayNumber(year, month, day);
    }
  }
  return utcDay(Date.parse(iso));
}

// Day keys are asked for with the same few day numbers over and over: format each once.
const dayKeyCache = new Map<number, string>();
const DAY_KEY_CACHE_SIZE = 4096;

/** The `YYYY-MM-DD` key of a UTC day number. */
export function dayKey(day: number): string {
  let key = dayKeyCache.get(day);
  if (key === undefined) {
    if (dayKeyCache.size >= DAY_KEY_CACHE_SIZE) dayKeyCache.clear();
    key = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayKeyCache.set(day, key);
  }
  return key;
}

function roundCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

function later(stored: string | undefined, at: string, atMs: number): string {
  return stored !== undefined && Date.parse(stored) >= atMs ? stored : at;
}

function earlier(stored: string | undefined, at: string, atMs: number): string {
  return stored !== undefined && Date.parse(stored) <= atMs ? stored : at;
}

/** The map without days before `firstKey`; the same object when there is none to drop. */
function withoutDaysBefore<T>(perDay: Readonly<Record<string, T>>, firstKey: string): Record<string, T> {
  let stale = false;
  for (const key in perDay) {
    if (key < firstKey) {
      stale = true;
      break;
    }
  }
  if (!stale) return perDay;
  const kept: Record<string, T> = {};
  for (const key in perDay) {
    const value = perDay[key];
    if (key >= firstKey && value !== undefined) kept[key] = value;
  }
  return kept;
}

function withoutEmpty<T>(maps: Record<string, Record<string, T>>): Record<string, Record<string, T>> {
  const kept: Record<string, Record<string, T>> = {};
  for (const type in maps) {
    const perDay = maps[type];
    if (perDay !== undefined && Object.keys(perDay).length > 0) kept[type] = perDay;
  }
  return kept;
}

/**
 * The aggregates after one event; never mutates its input. Order-tolerant: the last-* dates only
 * move forward and first-order only backward, whatever order events arrive in. The window ends on
 * the latest of the newest event seen, this event and (when given) today; an event before the
 * window is left out of the per-day counters but still counts in the all-time facts (order count,
 * first / last dates). An unreadable date, or one more than a day in the future of `nowMs`, is
 * ignored. An `order.completed` without a valid `total` counts as an order of 0.
 */
export function applyEvent(
  aggregates: ProfileAggregates,
  event: AggregateEvent,
  options: AggregateOptions = {},
): ProfileAggregates {
  const atMs = Date.parse(event.at);
  if (!Number.isFinite(atMs)) return aggregates;
  if (options.nowMs !== undefined && atMs > options.nowMs + FUTURE_TOLERANCE_MS) return aggregates;
  const at = new Date(atMs).toISOString();
  const windowDays = options.windowDays ?? AGGREGATE_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new RangeError(`windowDays must be a whole number of days, at least 1, got ${windowDays}`);
  }
  const day = utcDay(atMs);
  const newestSeen = aggregates.lastEventAt === undefined ? day : utcDay(Date.parse(aggregates.lastEventAt));
  const windowEnd = Math.max(day, newestSeen, options.nowMs === undefined ? day : utcDay(options.nowMs));
  const firstKey = dayKey(windowEnd - windowDays + 1);

  const next: ProfileAggregates = { ...aggregates, lastEventAt: later(aggregates.lastEventAt, at, atMs) };
  const isOrder = event.type === ORDER_COMPLETED;
  if (isOrder) {
    next.orderCount = aggregates.orderCount + 1;
    next.firstOrderAt = earlier(aggregates.firstOrderAt, at, atMs);
    next.lastOrderAt = later(aggregates.lastOrderAt, at, atMs);
  } else if (event.type === EMAIL_OPENED) {
    next.lastOpenedAt = later(aggregates.lastOpenedAt, at, atMs);
  } else if (event.type === EMAIL_CLICKED) {
    next.lastClickedAt = later(aggregates.lastClickedAt, at, atMs);
  }

  let counts: Record<string, Record<string, number>> = {};
  let pruned = false;
  for (const type in aggregates.counts) {
    const perDay = aggregates.counts[type];
    if (perDay === undefined) continue;
    const kept = withoutDaysBefore(perDay, firstKey);
    pruned ||= kept !== perDay;
    counts[type] = kept;
  }
  if (pruned) counts = withoutEmpty(counts);
  let orderTotals = withoutDaysBefore(aggregates.orderTotals, firstKey);

  const key = dayKey(day);
  if (key >= firstKey) {
    const perDay = counts[event.type] ?? {};
    counts[event.type] = { ...perDay, [key]: (perDay[key] ?? 0) + 1 };
    if (isOrder) {
      const total = event.detail.total;
      const amount = typeof total === 'number' && Number.isFinite(total) && total > 0 ? total : 0;
      orderTotals = { ...orderTotals, [key]: roundCents((orderTotals[key] ?? 0) + amount) };
    }
  }
  next.counts = counts;
  next.orderTotals = orderTotals;
  return next;
}

/** The later of two optional ISO timestamps. */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The earlier of two optional ISO timestamps. */
export function earlierOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function sumPerDay(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) {
  const sum: Record<string, number> = { ...a };
  for (const key in b) sum[key] = roundCents((sum[key] ?? 0) + (b[key] ?? 0));
  return sum;
}

/**
 * The aggregates of two profiles of one person (an explicit merge): per-day counts and order totals
 * added, order counts added, first dates the earlier, last dates the later, then days before the
 * window of the newest event dropped. Never mutates its inputs.
 */
export function combineAggregates(
  a: ProfileAggregates,
  b: ProfileAggregates,
  options: Pick<AggregateOptions, 'windowDays'> = {},
): ProfileAggregates {
  const lastEventAt = laterOf(a.lastEventAt, b.lastEventAt);
  const counts: Record<string, Record<string, number>> = { ...a.counts };
  for (const type in b.counts) counts[type] = sumPerDay(counts[type] ?? {}, b.counts[type] ?? {});
  let orderTotals = sumPerDay(a.orderTotals, b.orderTotals);
  const combined: ProfileAggregates = {
    counts,
    orderTotals,
    orderCount: a.orderCount + b.orderCount,
  };
  const dates = {
    firstOrderAt: earlierOf(a.firstOrderAt, b.firstOrderAt),
    lastOrderAt: laterOf(a.lastOrderAt, b.lastOrderAt),
    lastOpenedAt: laterOf(a.lastOpenedAt, b.lastOpenedAt),
    lastClickedAt: laterOf(a.lastClickedAt, b.lastClickedAt),
    lastEventAt,
  };
  for (const [key, value] of Object.entries(dates)) {
    if (value !== undefined) (combined as Record<string, unknown>)[key] = value;
  }
  if (lastEventAt === undefined) return combined;
  const windowDays = options.windowDays ?? AGGREGATE_WINDOW_DAYS;
  const firstKey = dayKey(utcDay(Date.parse(lastEventAt)) - windowDays + 1);
  const kept: Record<string, Record<string, number>> = {};
  for (const type in counts) kept[type] = withoutDaysBefore(counts[type] ?? {}, firstKey);
  orderTotals = withoutDaysBefore(orderTotals, firstKey);
  return { ...combined, counts: withoutEmpty(kept), orderTotals };
}

/** Sum of the values of the days from `firstKey` to `lastKey` (both included). */
function sumDays(perDay: Readonly<Record<string, number>> | undefined, firstKey: string, lastKey: string) {
  let sum = 0;
  for (const key in perDay) {
    if (key >= firstKey && key <= lastKey) sum += perDay[key] ?? 0;
  }
  return sum;
}

/** Events of a type on the last `days` UTC days: today and the `days - 1` before it. */
export function countInLastDays(
  aggregates: ProfileAggregates,
  type: string,
  days: number,
  nowMs: number,
): number {
  if (days < 1) return 0;
  const today = utcDay(nowMs);
  return sumDays(aggregates.counts[type], dayKey(today - days + 1), dayKey(today));
}

/**
 * Order totals of the days at least `toDaysAgo` and less than `fromDaysAgo` days ago (0 is today):
 * (90, 0) is the last 90 days, (180, 90) the 90 days before them.
 */
export function orderTotalInWindow(
  aggregates: ProfileAggregates,
  fromDaysAgo: number,
  toDaysAgo: number,
  nowMs: number,
): number {
  if (fromDaysAgo <= toDaysAgo) return 0;
  const today = utcDay(nowMs);
  return roundCents(
    sumDays(aggregates.orderTotals, dayKey(today - fromDaysAgo + 1), dayKey(today - toDaysAgo)),
  );
}

/** Whole UTC days since the last order (0: ordered today); undefined when the contact never ordered. */
export function daysSinceLastOrder(aggregates: ProfileAggregates, nowMs: number): number | undefined {
  if (aggregates.lastOrderAt === undefined) return undefined;
  return Math.max(0, utcDay(nowMs) - isoUtcDay(aggregates.lastOrderAt));
}

/** When the contact last opened, or clicked in, an e-mail (UTC ISO-8601), if ever. */
export function lastEngagement(
  aggregates: ProfileAggregates,
  action: 'opened' | 'clicked',
): string | undefined {
  return action === 'opened' ? aggregates.lastOpenedAt : aggregates.lastClickedAt;
}

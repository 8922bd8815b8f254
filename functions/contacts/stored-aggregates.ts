/**
 * How a profile's per-day aggregates are stored. As a DynamoDB map each day costs its 10-byte key,
 * its number and the map's overhead (about 14 bytes); a contact active every day of the 400-day
 * window carried ~20 KB of them, and DynamoDB bills each write by the whole item's size (per 1 KB,
 * UpdateItem included), so each of its events paid ~20 write units more for its profile than a
 * new contact's. Stored here as one binary value per event type (and one for the order totals): the days
 * in ascending order, each as its distance from the previous day then its value, both unsigned
 * LEB128 varints (usually one byte each), so a day costs about 2 bytes.
 *
 * Profiles written before this encoding hold maps; they are read as they are and rewritten encoded
 * by their next change.
 */
import { dayKey, isoUtcDay, type ProfileAggregates } from '#catalogue/profile-aggregates.ts';

/** A profile item's `aggregates` attribute: per-day maps as binary values, the all-time facts as they are. */
export type StoredAggregates = Omit<ProfileAggregates, 'counts' | 'orderTotals'> & {
  readonly counts: Record<string, Uint8Array>;
  readonly orderTotals: Uint8Array;
};

/** Order totals are sums of amounts rounded to cents (profile-aggregates.ts): stored as whole cents. */
const CENTS = 100;

function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** A stored value that cannot be read back: the item was not written by this encoding. */
export class CorruptAggregatesError extends Error {}

/** Encodes `{ day: value }` (values whole numbers after `scale`, at least 0). */
function encodePerDay(perDay: Readonly<Record<string, number>>, scale: number): Uint8Array {
  const days: Array<[number, number]> = [];
  for (const key in perDay) {
    const value = perDay[key];
    if (value === undefined) continue;
    days.push([isoUtcDay(key), Math.round(value * scale)]);
  }
  days.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  let previous = 0;
  for (const [day, value] of days) {
    if (!Number.isSafeInteger(day) || day < previous || value < 0 || !Number.isSafeInteger(value)) {
      throw new RangeError(`cannot store the aggregate of day ${dayKey(day)}: ${value / scale}`);
    }
    writeVarint(out, day - previous);
    writeVarint(out, value);
    previous = day;
  }
  return Uint8Array.from(out);
}

/** The last UTC day the profile's schema accepts (9999-12-31: a day key has a four-digit year). */
const LAST_DAY = 2_932_896;

/**
 * Walks an encoded value, calling `visit` with each day and its value (unscaled): throws
 * CorruptAggregatesError unless every number ends, fits, dates a day up to LAST_DAY and is at least
 * `minValue` (the schema's bound: a count is at least 1).
 */
function forEachDay(bytes: Uint8Array, minValue: number, visit?: (day: number, value: number) => void): void {
  let offset = 0;
  let day = 0;
  let isDay = true;
  while (offset < bytes.length) {
    let value = 0;
    let factor = 1;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new CorruptAggregatesError('stored aggregates end inside a number');
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) break;
      factor *= 0x80;
      if (factor > 2 ** 56) throw new CorruptAggregatesError('stored aggregates hold a number too large');
    }
    if (isDay) {
      day += value;
      if (day > LAST_DAY) throw new CorruptAggregatesError('stored aggregates date a day past 9999');
    } else if (value < minValue) {
      throw new CorruptAggregatesError(`stored aggregates hold ${value} where at least ${minValue} is kept`);
    } else {
      visit?.(day, value);
    }
    isDay = !isDay;
  }
  if (!isDay) throw new CorruptAggregatesError('stored aggregates end between a day and its value');
}

/** `{ day: value }` from an encoded value. */
function decodePerDay(bytes: Uint8Array, scale: number): Record<string, number> {
  const perDay: Record<string, number> = {};
  forEachDay(bytes, 0, (day, value) => {
    perDay[dayKey(day)] = value / scale;
  });
  return perDay;
}

/**
 * Makes `target[key]` the value `bytes` decode to, decoded the first time it is read (then an
 * ordinary property): an audience pass reads the order days of customers and nothing else, so most
 * stored days are never built. Enumerable like the map it stands for; assigning replaces it.
 */
function decodedOnFirstRead(target: object, key: string, bytes: Uint8Array, scale: number): void {
  const settle = (on: object, value: unknown) =>
    Object.defineProperty(on, key, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get(this: object) {
      const value = decodePerDay(bytes, scale);
      settle(this, value);
      return value;
    },
    set(this: object, value: unknown) {
      settle(this, value);
    },
  });
}

/** The aggregates as a profile item stores them. */
export function storedAggregates(aggregates: ProfileAggregates): StoredAggregates {
  const counts: Record<string, Uint8Array> = {};
  for (const type in aggregates.counts) counts[type] = encodePerDay(aggregates.counts[type] ?? {}, 1);
  return { ...aggregates, counts, orderTotals: encodePerDay(aggregates.orderTotals, CENTS) };
}

const isBinary = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/** A stored `aggregates` attribute, read in two steps around the profile's schema. */
export interface StoredAggregatesReading {
  /**
   * The attribute without its binary values, for the schema to check: per-day maps (profiles
   * written before the encoding) and the all-time facts. The binary values are checked here.
   */
  readonly forSchema: unknown;
  /** The aggregates the schema returned, with the binary values added as maps, each built when first read. */
  complete(parsed: ProfileAggregates): ProfileAggregates;
}

/**
 * Reads a stored `aggregates` attribute. Its binary values are checked at once (every number ends,
 * every value in the schema's bounds: a bad item fails where it is read) but decoded only when
 * read; the schema checks the rest.
 */
export function readStoredAggregates(stored: unknown): StoredAggregatesReading {
  if (typeof stored !== 'object' || stored === null)
    return { forSchema: stored, complete: (parsed) => parsed };
  const { counts, orderTotals, ...rest } = stored as { counts?: unknown; orderTotals?: unknown };
  const binaryCounts: Array<[string, Uint8Array]> = [];
  let mapCounts = counts;
  if (typeof counts === 'object' && counts !== null) {
    const maps: Record<string, unknown> = {};
    for (const [type, perDay] of Object.entries(counts)) {
      if (!isBinary(perDay)) maps[type] = perDay;
      else {
        forEachDay(perDay, 1);
        binaryCounts.push([type, perDay]);
      }
    }
    mapCounts = maps;
  }
  const binaryTotals = isBinary(orderTotals) ? orderTotals : undefined;
  if (binaryTotals) forEachDay(binaryTotals, 0);
  return {
    forSchema: {
      ...rest,
      ...(mapCounts === undefined ? {} : { counts: mapCounts }),
      ...(orderTotals === undefined || binaryTotals ? {} : { orderTotals }),
    },
    complete(parsed) {
      if (binaryCounts.length === 0 && !binaryTotals) return parsed;
      const counts = { ...parsed.counts };
      for (const [type, bytes] of binaryCounts) decodedOnFirstRead(counts, type, bytes, 1);
      const aggregates = { ...parsed, counts };
      if (binaryTotals) decodedOnFirstRead(aggregates, 'orderTotals', binaryTotals, CENTS);
      return aggregates;
    },
  };
}

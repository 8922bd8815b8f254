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

function decodePerDay(bytes: Uint8Array, scale: number): Record<string, number> {
  const perDay: Record<string, number> = {};
  let offset = 0;
  const readVarint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new CorruptAggregatesError('stored aggregates end inside a number');
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) return value;
      factor *= 0x80;
      if (factor > 2 ** 56) throw new CorruptAggregatesError('stored aggregates hold a number too large');
    }
  };
  let day = 0;
  while (offset < bytes.length) {
    day += readVarint();
    perDay[dayKey(day)] = readVarint() / scale;
  }
  return perDay;
}

/** The aggregates as a profile item stores them. */
export function storedAggregates(aggregates: ProfileAggregates): StoredAggregates {
  const counts: Record<string, Uint8Array> = {};
  for (const type in aggregates.counts) counts[type] = encodePerDay(aggregates.counts[type] ?? {}, 1);
  return { ...aggregates, counts, orderTotals: encodePerDay(aggregates.orderTotals, CENTS) };
}

const isBinary = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/**
 * A stored `aggregates` attribute with its per-day values as maps again, ready for the profile's
 * schema: binary values decoded, maps (profiles written before the encoding) left as they are.
 */
export function aggregatesFromStorage(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null) return stored;
  const { counts, orderTotals, ...rest } = stored as { counts?: unknown; orderTotals?: unknown };
  let decodedCounts = counts;
  if (typeof counts === 'object' && counts !== null) {
    const perType: Record<string, unknown> = {};
    for (const [type, perDay] of Object.entries(counts))
      perType[type] = isBinary(perDay) ? decodePerDay(perDay, 1) : perDay;
    decodedCounts = perType;
  }
  return {
    ...rest,
    ...(decodedCounts === undefined ? {} : { counts: decodedCounts }),
    ...(orderTotals === undefined
      ? {}
      : { orderTotals: isBinary(orderTotals) ? decodePerDay(orderTotals, CENTS) : orderTotals }),
  };
}

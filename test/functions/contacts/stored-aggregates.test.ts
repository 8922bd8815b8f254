// The per-day aggregates' storage encoding: what is written reads back as the same aggregates, an
// item written before the encoding (maps) reads as it is, and bytes that do not decode are refused.
import { describe, expect, it } from 'vitest';
import { dayKey, ProfileAggregates, utcDay } from '#catalogue/profile-aggregates.ts';
import {
  CorruptAggregatesError,
  readStoredAggregates,
  storedAggregates,
} from '../../../functions/contacts/stored-aggregates.ts';

/** A stored attribute read as contactOf reads it: the schema checks what is not binary, the binary values are added. */
function readBack(stored: unknown): ProfileAggregates {
  const reading = readStoredAggregates(stored);
  return reading.complete(ProfileAggregates.parse(reading.forSchema));
}

const TODAY = utcDay(Date.parse('2026-03-02T10:00:00Z'));

/** Aggregates with `days` active days spread over the 400 before today, as profile-aggregates.ts keeps them. */
function aggregatesOver(days: number): ProfileAggregates {
  const carts: Record<string, number> = {};
  const orders: Record<string, number> = {};
  const orderTotals: Record<string, number> = {};
  for (let i = 0; i < days; i++) {
    const day = dayKey(TODAY - ((i * 7) % 400));
    carts[day] = 1 + ((i * 37) % 300);
    if (i % 3 === 0) {
      orders[day] = 1 + (i % 4);
      orderTotals[day] = ((i * 7919) % 5_000_000) + (i % 100) / 100;
    }
  }
  return ProfileAggregates.parse({
    counts: { 'cart.updated': carts, 'order.completed': orders },
    orderTotals,
    orderCount: Object.keys(orderTotals).length,
    lastEventAt: '2026-03-02T09:00:00.000Z',
  });
}

describe('storedAggregates / readStoredAggregates', () => {
  it.each([0, 1, 10, 400])('reads back the same aggregates (%i active days)', (days) => {
    // Prepare
    const aggregates = aggregatesOver(days);

    // Act
    const stored = storedAggregates(aggregates);
    const read = readBack(stored);

    // Assess
    expect(read).toEqual(aggregates);
    expect(stored.orderTotals).toBeInstanceOf(Uint8Array);
    expect(stored.counts['cart.updated']).toBeInstanceOf(Uint8Array);
  });

  it('keeps order totals to the cent, large ones included', () => {
    const aggregates = ProfileAggregates.parse({
      counts: { 'order.completed': { '2026-03-01': 2, '2026-03-02': 1 } },
      orderTotals: { '2026-03-01': 0.1 + 0.2, '2026-03-02': 123_456_789.99 },
    });
    const rounded = { ...aggregates, orderTotals: { '2026-03-01': 0.3, '2026-03-02': 123_456_789.99 } };

    expect(readBack(storedAggregates(rounded))).toEqual(rounded);
  });

  it('stores a day in about two bytes', () => {
    // Prepare: every day of the window active, counts below 128 (one varint byte each).
    const perDay = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [dayKey(TODAY - i), 1 + (i % 100)]),
    );

    // Act
    const stored = storedAggregates(ProfileAggregates.parse({ counts: { 'cart.updated': perDay } }));

    // Assess: the first day's distance from 1970 takes three bytes, every other day one, each count one.
    expect(stored.counts['cart.updated']?.length).toBe(3 + 399 + 400);
  });

  it('reads per-day maps written before the encoding as they are, checked by the schema', () => {
    const legacy = {
      counts: { 'cart.updated': { '2026-03-01': 3 } },
      orderTotals: { '2026-03-01': 44.97 },
      orderCount: 1,
    };

    expect(readStoredAggregates(legacy).forSchema).toEqual(legacy);
    expect(readBack(legacy)).toEqual(ProfileAggregates.parse(legacy));
    expect(readStoredAggregates(undefined).forSchema).toBeUndefined();
    expect(() => readBack({ counts: { 'cart.updated': { '2026-03-01': 0 } } })).toThrow();
  });

  it('reads a profile holding both maps and binary values', () => {
    const encoded = storedAggregates(aggregatesOver(10));
    const mixed = { ...encoded, counts: { ...encoded.counts, 'page.viewed': { '2026-03-01': 2 } } };

    const read = readBack(mixed);

    expect(read).toEqual({
      ...aggregatesOver(10),
      counts: { ...aggregatesOver(10).counts, 'page.viewed': { '2026-03-01': 2 } },
    });
  });

  it('builds each per-day map when it is first read, as an ordinary property from then on', () => {
    // Prepare
    const read = readBack(storedAggregates(aggregatesOver(400)));
    const expected = aggregatesOver(400);
    const carts = () => Object.getOwnPropertyDescriptor(read.counts, 'cart.updated');
    expect(carts()?.get).toBeTypeOf('function');
    expect(Object.keys(read.counts)).toEqual(['cart.updated', 'order.completed']);

    // Act
    const first = read.counts['cart.updated'];

    // Assess: decoded once, then kept; the other values still wait to be read.
    expect(first).toEqual(expected.counts['cart.updated']);
    expect(carts()?.value).toBe(first);
    expect(read.counts['cart.updated']).toBe(first);
    expect(Object.getOwnPropertyDescriptor(read.counts, 'order.completed')?.get).toBeTypeOf('function');
    expect(Object.getOwnPropertyDescriptor(read, 'orderTotals')?.get).toBeTypeOf('function');
    // Spread, JSON and assignment see maps, as with a profile read whole.
    expect({ ...read }.orderTotals).toEqual(expected.orderTotals);
    expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(JSON.stringify(expected)));
    read.counts['order.completed'] = { '2026-03-02': 1 };
    expect(read.counts['order.completed']).toEqual({ '2026-03-02': 1 });
  });

  describe('refuses, when the item is read, binary values the encoding never writes', () => {
    const stored = storedAggregates(
      ProfileAggregates.parse({
        counts: { 'cart.updated': { '2026-03-01': 300 } },
        orderTotals: { '2026-03-01': 12.5 },
      }),
    );
    const valid = stored.counts['cart.updated'] ?? new Uint8Array();
    const day = Uint8Array.from(valid.slice(0, 3));
    it.each([
      ['ends inside a number', valid.slice(0, -1)],
      ['ends between a day and its value', day],
      ['counts zero events on a day', Uint8Array.from([...day, 0])],
      ['dates a day past 9999', Uint8Array.from([0xff, 0xff, 0xff, 0x7f, 1])],
      ['holds a number past 2^56', Uint8Array.from([...Array(9).fill(0xff), 1, 1])],
    ])('a count that %s', (_, bytes) => {
      expect(() => readStoredAggregates({ ...stored, counts: { 'cart.updated': bytes } })).toThrow(
        CorruptAggregatesError,
      );
    });

    it('order totals that end inside a number', () => {
      expect(() => readStoredAggregates({ ...stored, orderTotals: stored.orderTotals.slice(0, -1) })).toThrow(
        CorruptAggregatesError,
      );
    });
  });
});

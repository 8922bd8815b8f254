// The per-day aggregates' storage encoding: what is written reads back as the same aggregates, an
// item written before the encoding (maps) reads as it is, and bytes that do not decode are refused.
import { describe, expect, it } from 'vitest';
import { dayKey, ProfileAggregates, utcDay } from '#catalogue/profile-aggregates.ts';
import {
  aggregatesFromStorage,
  CorruptAggregatesError,
  storedAggregates,
} from '../../../functions/contacts/stored-aggregates.ts';

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

describe('storedAggregates / aggregatesFromStorage', () => {
  it.each([0, 1, 10, 400])('reads back the same aggregates (%i active days)', (days) => {
    // Prepare
    const aggregates = aggregatesOver(days);

    // Act
    const stored = storedAggregates(aggregates);
    const read = ProfileAggregates.parse(aggregatesFromStorage(stored));

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

    expect(ProfileAggregates.parse(aggregatesFromStorage(storedAggregates(rounded)))).toEqual(rounded);
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

  it('reads per-day maps written before the encoding as they are', () => {
    const legacy = {
      counts: { 'cart.updated': { '2026-03-01': 3 } },
      orderTotals: { '2026-03-01': 44.97 },
      orderCount: 1,
    };

    expect(aggregatesFromStorage(legacy)).toEqual(legacy);
    expect(aggregatesFromStorage(undefined)).toBeUndefined();
  });

  it('refuses bytes that end inside a number', () => {
    const stored = storedAggregates(
      ProfileAggregates.parse({ counts: { 'cart.updated': { '2026-03-01': 300 } } }),
    );
    const truncated = stored.counts['cart.updated']?.slice(0, -1);

    expect(() => aggregatesFromStorage({ ...stored, counts: { 'cart.updated': truncated } })).toThrow(
      CorruptAggregatesError,
    );
  });
});

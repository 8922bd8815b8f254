// Behavioural aggregates: per-day counters, order totals, last dates; bounded and order-tolerant.
import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_WINDOW_DAYS,
  applyEvent,
  countInLastDays,
  daysSinceLastOrder,
  isoUtcDay,
  lastEngagement,
  orderTotalInWindow,
  ProfileAggregates,
} from '#catalogue/profile-aggregates.ts';
import { aggregatesOf, daysAgo, event, NOW, order } from '../../functions/segments/fixtures.ts';

const DAY_MS = 86_400_000;

describe('ProfileAggregates', () => {
  it('parses an empty object to empty aggregates', () => {
    // Act
    const parsed = ProfileAggregates.parse({});

    // Assess
    expect(parsed).toEqual({ counts: {}, orderTotals: {}, orderCount: 0 });
  });

  it('accepts what applyEvent stores', () => {
    // Prepare
    const agg = aggregatesOf(order(3, 20), event('email.opened', 1), event('cart.updated', 0));

    // Assess
    expect(ProfileAggregates.parse(agg)).toEqual(agg);
  });
});

describe('applyEvent', () => {
  it('counts events per type and UTC day, sums order totals per day and keeps the last dates', () => {
    // Prepare: two orders on 2024-06-14 (one written in +02:00), one cart update, one open, one click.
    const events = [
      { type: 'order.completed', at: '2024-06-14T09:00:00Z', detail: { total: 19.99 } },
      { type: 'order.completed', at: '2024-06-14T23:30:00+02:00', detail: { total: 0.02 } },
      { type: 'cart.updated', at: '2024-06-13T10:00:00Z', detail: {} },
      { type: 'email.opened', at: '2024-06-15T08:00:00Z', detail: {} },
      { type: 'email.clicked', at: '2024-06-15T08:01:00Z', detail: {} },
    ];

    // Act
    const agg = events.reduce((a, e) => applyEvent(a, e, { nowMs: NOW }), ProfileAggregates.parse({}));

    // Assess: 19.99 + 0.02 = 20.01, both on the UTC day 2024-06-14.
    expect(agg.counts).toEqual({
      'order.completed': { '2024-06-14': 2 },
      'cart.updated': { '2024-06-13': 1 },
      'email.opened': { '2024-06-15': 1 },
      'email.clicked': { '2024-06-15': 1 },
    });
    expect(agg.orderTotals).toEqual({ '2024-06-14': 20.01 });
    expect(agg.orderCount).toBe(2);
    expect(agg.firstOrderAt).toBe('2024-06-14T09:00:00.000Z');
    expect(agg.lastOrderAt).toBe('2024-06-14T21:30:00.000Z');
    expect(agg.lastOpenedAt).toBe('2024-06-15T08:00:00.000Z');
    expect(agg.lastClickedAt).toBe('2024-06-15T08:01:00.000Z');
    expect(agg.lastEventAt).toBe('2024-06-15T08:01:00.000Z');
  });

  it('never changes the aggregates it is given', () => {
    // Prepare
    const before = aggregatesOf(order(2, 10));
    const snapshot = structuredClone(before);

    // Act
    applyEvent(before, order(1, 5), { nowMs: NOW });

    // Assess
    expect(before).toEqual(snapshot);
  });

  it('keeps at most the window of days, whatever the history (1000 days of daily events)', () => {
    // Prepare
    const start = NOW - 999 * DAY_MS;
    let agg = ProfileAggregates.parse({});
    let largest = 0;

    // Act
    for (let day = 0; day < 1000; day++) {
      const at = new Date(start + day * DAY_MS).toISOString();
      const nowMs = start + day * DAY_MS;
      for (const type of ['cart.updated', 'email.opened', 'order.completed']) {
        agg = applyEvent(agg, { type, at, detail: { total: 1 } }, { nowMs });
      }
      for (const perDay of [...Object.values(agg.counts), agg.orderTotals]) {
        largest = Math.max(largest, Object.keys(perDay).length);
      }
    }

    // Assess: 1000 days fed, 400 kept per type; all-time facts still cover everything.
    expect(largest).toBe(AGGREGATE_WINDOW_DAYS);
    expect(Object.keys(agg.counts['cart.updated'] ?? {})).toHaveLength(AGGREGATE_WINDOW_DAYS);
    expect(Object.keys(agg.orderTotals)).toHaveLength(AGGREGATE_WINDOW_DAYS);
    expect(agg.orderCount).toBe(1000);
    expect(agg.firstOrderAt).toBe(new Date(start).toISOString());
  });

  it('drops types whose days all left the window', () => {
    // Prepare
    const agg = aggregatesOf(event('lead.submitted', 399));

    // Act: a day later the lead's day is 400 days old.
    const next = applyEvent(agg, event('cart.updated', -1), { nowMs: NOW + DAY_MS });

    // Assess
    expect(Object.keys(next.counts)).toEqual(['cart.updated']);
  });

  it('honours a smaller window', () => {
    // Act
    const agg = [order(10, 5), order(2, 7)].reduce(
      (a, e) => applyEvent(a, e, { nowMs: NOW, windowDays: 7 }),
      ProfileAggregates.parse({}),
    );

    // Assess: the 10-day-old order is outside a 7-day window but still counts as an order.
    expect(agg.orderTotals).toEqual({ [daysAgo(2).slice(0, 10)]: 7 });
    expect(agg.orderCount).toBe(2);
  });

  it('refuses a window that is not a whole number of days', () => {
    // Assess
    expect(() => applyEvent(aggregatesOf(), order(1, 5), { windowDays: 0 })).toThrow(RangeError);
    expect(() => applyEvent(aggregatesOf(), order(1, 5), { windowDays: 1.5 })).toThrow(RangeError);
  });
});

describe('applyEvent order tolerance', () => {
  it('does not move lastOrderAt back, and moves firstOrderAt back, for a late older order', () => {
    // Act
    const agg = aggregatesOf(order(1, 10), order(20, 30));

    // Assess
    expect(agg.lastOrderAt).toBe(daysAgo(1));
    expect(agg.firstOrderAt).toBe(daysAgo(20));
    expect(agg.lastEventAt).toBe(daysAgo(1));
    expect(agg.orderTotals).toEqual({ [daysAgo(1).slice(0, 10)]: 10, [daysAgo(20).slice(0, 10)]: 30 });
  });

  it('gives the same aggregates whatever the arrival order', () => {
    // Prepare
    const events = [order(5, 10), event('email.opened', 3), order(40, 12.5), event('email.opened', 9)];

    // Act
    const forward = aggregatesOf(...events);
    const backward = aggregatesOf(...[...events].reverse());

    // Assess: same content (key order aside).
    expect(backward).toEqual(forward);
  });

  it('leaves an event older than the window out of the counters but counts the order', () => {
    // Prepare
    const recent = aggregatesOf(order(1, 10));

    // Act: 450 days ago is before the 400-day window.
    const agg = applyEvent(recent, order(450, 99), { nowMs: NOW });

    // Assess
    expect(agg.counts).toEqual(recent.counts);
    expect(agg.orderTotals).toEqual(recent.orderTotals);
    expect(agg.orderCount).toBe(2);
    expect(agg.firstOrderAt).toBe(daysAgo(450));
    expect(agg.lastOrderAt).toBe(daysAgo(1));
  });

  it('ignores an event dated more than a day after now, and one with an unreadable date', () => {
    // Prepare
    const agg = aggregatesOf(order(1, 10));

    // Act
    const future = applyEvent(agg, order(-3, 50), { nowMs: NOW });
    const unreadable = applyEvent(agg, { type: 'order.completed', at: 'yesterday', detail: { total: 1 } });

    // Assess
    expect(future).toBe(agg);
    expect(unreadable).toBe(agg);
  });

  it('counts an order without a valid total as an order of 0', () => {
    // Act
    const agg = aggregatesOf({ type: 'order.completed', at: daysAgo(0), detail: { total: 'lots' } });

    // Assess
    expect(agg.orderCount).toBe(1);
    expect(agg.orderTotals).toEqual({ '2024-06-15': 0 });
  });
});

describe('queries', () => {
  // Orders 0, 29, 30, 89, 90 and 179 days ago; opens 0 and 30 days ago.
  const agg = aggregatesOf(
    order(0, 10),
    order(29, 20),
    order(30, 40),
    order(89, 80),
    order(90, 160),
    order(179, 320),
    event('email.opened', 0),
    event('email.opened', 30),
  );

  it('counts the events of the last N days, today included', () => {
    // Assess: the last 30 days are 0..29 days ago → orders at 0 and 29.
    expect(countInLastDays(agg, 'order.completed', 30, NOW)).toBe(2);
    expect(countInLastDays(agg, 'order.completed', 31, NOW)).toBe(3);
    expect(countInLastDays(agg, 'order.completed', 1, NOW)).toBe(1);
    expect(countInLastDays(agg, 'order.completed', 0, NOW)).toBe(0);
    expect(countInLastDays(agg, 'email.opened', 30, NOW)).toBe(1);
    expect(countInLastDays(agg, 'cart.updated', 30, NOW)).toBe(0);
  });

  it('sums order totals in a window of days ago', () => {
    // Assess
    // (90, 0): 0..89 days ago → 10 + 20 + 40 + 80 = 150
    expect(orderTotalInWindow(agg, 90, 0, NOW)).toBe(150);
    // (180, 90): 90..179 days ago → 160 + 320 = 480
    expect(orderTotalInWindow(agg, 180, 90, NOW)).toBe(480);
    // (30, 29): only 29 days ago → 20
    expect(orderTotalInWindow(agg, 30, 29, NOW)).toBe(20);
    expect(orderTotalInWindow(agg, 10, 10, NOW)).toBe(0);
  });

  it('gives whole UTC days since the last order, undefined without orders', () => {
    // Prepare
    const lateYesterday = aggregatesOf({ type: 'order.completed', at: '2024-06-14T23:59:00Z', detail: {} });

    // Assess
    expect(daysSinceLastOrder(agg, NOW)).toBe(0);
    expect(daysSinceLastOrder(aggregatesOf(order(45, 1)), NOW)).toBe(45);
    // Yesterday 23:59 is one calendar day before today noon, though only 12 hours apart.
    expect(daysSinceLastOrder(lateYesterday, NOW)).toBe(1);
    expect(daysSinceLastOrder(ProfileAggregates.parse({}), NOW)).toBeUndefined();
  });

  it('gives the last open and click', () => {
    // Assess
    expect(lastEngagement(agg, 'opened')).toBe(daysAgo(0));
    expect(lastEngagement(agg, 'clicked')).toBeUndefined();
  });
});

describe('isoUtcDay', () => {
  const DAY = 86_400_000;

  it('gives the UTC day number Date.parse gives for day keys and UTC timestamps, 1900 to 2200', () => {
    // Prepare: every 13th day over three centuries (leap and century years included) at two times.
    const start = Date.UTC(1900, 0, 1);
    const end = Date.UTC(2200, 0, 1);

    for (let ms = start; ms < end; ms += 13 * DAY) {
      const iso = new Date(ms + 23 * 3_600_000 + 59 * 60_000).toISOString();

      // Assess
      expect(isoUtcDay(iso.slice(0, 10))).toBe(Math.floor(ms / DAY));
      expect(isoUtcDay(iso)).toBe(Math.floor(Date.parse(iso) / DAY));
    }
  });

  it('reads leap days and the last day of each month', () => {
    // Assess
    expect(isoUtcDay('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / DAY);
    expect(isoUtcDay('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29) / DAY);
    expect(isoUtcDay('2026-12-31T23:59:59.999Z')).toBe(Date.UTC(2026, 11, 31) / DAY);
    expect(isoUtcDay('1970-01-01')).toBe(0);
  });

  it('goes through Date.parse for an offset, and is NaN for what no date reader accepts', () => {
    // Assess: 23:30 at -05:00 is already the next UTC day.
    expect(isoUtcDay('2026-03-01T23:30:00-05:00')).toBe(Date.UTC(2026, 2, 2) / DAY);
    expect(isoUtcDay('2026-03-01T23:30:00+00:00')).toBe(Date.UTC(2026, 2, 1) / DAY);
    expect(isoUtcDay('not a date')).toBeNaN();
    expect(isoUtcDay('2026-13-01')).toBeNaN();
    expect(isoUtcDay('2026-04-31T10:00:00Z')).toBe(Math.floor(Date.parse('2026-04-31T10:00:00Z') / DAY));
  });
});

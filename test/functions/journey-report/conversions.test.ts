// Conversions of a journey's runs: the goal event inside the attribution window, correlated as the
// goal says, for treated and held-out runs alike; the uplift is the difference of their rates.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../functions/contacts/events-repository.ts';
import { conversions, type ReportedRun, runCounts } from '../../../functions/journey-report/conversions.ts';
import { differenceInterval } from '../../../functions/journey-report/interval.ts';

const START = '2026-03-02T10:00:00.000Z';
const later = (hours: number) => new Date(Date.parse(START) + hours * 3_600_000).toISOString();

function run(runKey: string, contactId: string, changes: Partial<ReportedRun> = {}): ReportedRun {
  return {
    journeyId: 'abandoned-cart',
    runKey,
    contactId,
    status: 'ended',
    endReason: 'completed',
    startedAt: START,
    trigger: { cartId: `cart-${runKey}` },
    ...changes,
  };
}

const order = (cartId: string, at: string, total: number): HistoryEntry => ({
  type: 'order.completed',
  eventId: `order-${cartId}-${at}`,
  occurredAt: at,
  detail: { cartId, total, currency: 'EUR' },
});

const cartGoal = {
  goal: {
    event: 'order.completed',
    correlate: { by: 'field', eventField: 'cartId', triggerField: 'cartId' },
  },
} as const;

describe('conversions', () => {
  const runs = [
    run('a', 'c1', { status: 'ended', endReason: 'goal_reached' }),
    run('b', 'c2'),
    run('c', 'c3'),
    run('d', 'c4', { endReason: 'holdout' }),
    run('e', 'c5', { endReason: 'holdout' }),
  ];
  const histories: Record<string, HistoryEntry[]> = {
    c1: [order('cart-a', later(2), 89)],
    // An order for another cart does not convert a run correlated by cart.
    c2: [order('cart-other', later(2), 40)],
    // Ordered after the 7-day window.
    c3: [order('cart-c', later(24 * 8), 120)],
    c4: [order('cart-d', later(30), 55.5)],
    c5: [],
  };

  it('counts a correlated goal event inside the window, for treated and held-out runs alike', () => {
    const result = conversions(cartGoal, runs, (id) => histories[id] ?? [], 7);

    expect(result.goalEvent).toBe('order.completed');
    expect(result.treated).toMatchObject({ runs: 3, converted: 1, revenue: 89 });
    expect(result.treated.rate).toBeCloseTo(1 / 3, 12);
    expect(result.holdout).toMatchObject({ runs: 2, converted: 1, rate: 0.5, revenue: 55.5 });
    expect(result.uplift).toEqual({
      ...differenceInterval(1, 3, 1, 2),
      test: expect.stringContaining('Newcombe'),
    });
  });

  it('widens the window on request, and reads any order by the contact when the journey names no goal', () => {
    expect(conversions(cartGoal, runs, (id) => histories[id] ?? [], 10).treated.converted).toBe(2);
    expect(conversions({}, runs, (id) => histories[id] ?? [], 7).treated.converted).toBe(2);
  });

  it('gives no uplift without held-out runs', () => {
    const treatedOnly = runs.filter((r) => r.endReason !== 'holdout');
    expect(conversions(cartGoal, treatedOnly, (id) => histories[id] ?? [], 7).uplift).toBeUndefined();
  });

  it('counts runs by what happened to them', () => {
    expect(
      runCounts([
        ...runs,
        run('f', 'c6', { status: 'waiting', endReason: undefined }),
        run('g', 'c7', { endReason: 'merged' }),
        run('h', 'c8', { status: 'failed', endReason: undefined }),
      ]),
    ).toEqual({ entered: 8, heldOut: 2, inProgress: 1, completed: 2, goalReached: 1, exited: 1, failed: 1 });
  });
});

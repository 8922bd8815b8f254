// RFM scores from the aggregates, on hand-computed fixtures.
import { describe, expect, it } from 'vitest';
import { ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import { rfmScore } from '../../../functions/segments/rfm.ts';
import { aggregatesOf, NOW, order } from './fixtures.ts';

describe('rfmScore', () => {
  it('has no score for a contact who never ordered', () => {
    // Assess
    expect(rfmScore(ProfileAggregates.parse({}), NOW)).toBeUndefined();
  });

  it('scores a frequent, recent, big spender 5-5-5', () => {
    // Prepare: 10 orders of 120, every 30 days from 5 days ago (5, 35, ..., 275).
    const agg = aggregatesOf(...Array.from({ length: 10 }, (_, i) => order(5 + 30 * i, 120)));

    // Act
    const score = rfmScore(agg, NOW);

    // Assess
    // R: 5 days ≤ 30 → 5; F: 10 orders ≥ 10 → 5; M: 10 × 120 = 1200 ≥ 1000 → 5; total 15.
    expect(score).toEqual({ recency: 5, frequency: 5, monetary: 5, total: 15 });
  });

  it('scores a middling customer on each threshold', () => {
    // Prepare: orders 75, 100, 200 days ago of 100, 90, 70.
    const agg = aggregatesOf(order(75, 100), order(100, 90), order(200, 70));

    // Act
    const score = rfmScore(agg, NOW);

    // Assess
    // R: 75 days: > 60, ≤ 90 → 3; F: 3 orders ≥ 3 → 3; M: 100 + 90 + 70 = 260 ≥ 250 → 3; total 9.
    expect(score).toEqual({ recency: 3, frequency: 3, monetary: 3, total: 9 });
  });

  it('scores the bounds themselves with the better score', () => {
    // Prepare: last order exactly 30 days ago; 2 orders; 100 + 0 spent.
    const agg = aggregatesOf(order(30, 100), order(31, 0));

    // Act
    const score = rfmScore(agg, NOW);

    // Assess
    // R: 30 ≤ 30 → 5; F: 2 ≥ 2 → 2; M: 100 ≥ 100 → 2; total 9.
    expect(score).toEqual({ recency: 5, frequency: 2, monetary: 2, total: 9 });
  });

  it('scores a lapsed customer 1-1-1 once the orders leave the 365-day window', () => {
    // Prepare: one order of 5000, 366 days ago.
    const agg = aggregatesOf(order(366, 5000));

    // Act
    const score = rfmScore(agg, NOW);

    // Assess
    // R: 366 > 180 → 1; F: 0 orders in the last 365 days → 1; M: 0 in the window → 1; total 3.
    expect(score).toEqual({ recency: 1, frequency: 1, monetary: 1, total: 3 });
  });

  it('uses the thresholds it is given', () => {
    // Prepare: one order of 40, 10 days ago.
    const agg = aggregatesOf(order(10, 40));

    // Act
    const score = rfmScore(agg, NOW, {
      recencyDays: [7, 14, 21, 28],
      orders: [4, 3, 2, 1],
      spent: [40, 30, 20, 10],
    });

    // Assess
    // R: 10 > 7, ≤ 14 → 4; F: 1 ≥ 1 → 2; M: 40 ≥ 40 → 5; total 11.
    expect(score).toEqual({ recency: 4, frequency: 2, monetary: 5, total: 11 });
  });
});

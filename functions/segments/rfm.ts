/**
 * RFM scores (recency, frequency, monetary; 1 = lowest, 5 = highest) from the aggregates alone, by
 * fixed thresholds rather than quintiles of the customer base: a contact's score then never
 * depends on other contacts, so it can be computed when one profile changes.
 *
 * Defaults, for a typical online shop (replace `spent` with amounts that fit your currency and basket):
 * - recency: days since the last order ≤ 30 → 5, ≤ 60 → 4, ≤ 90 → 3, ≤ 180 → 2, else 1;
 * - frequency: orders in the last 365 days ≥ 10 → 5, ≥ 5 → 4, ≥ 3 → 3, ≥ 2 → 2, else 1;
 * - monetary: order totals in the last 365 days ≥ 1000 → 5, ≥ 500 → 4, ≥ 250 → 3, ≥ 100 → 2, else 1.
 * A contact who never ordered has no RFM score (undefined), not 1-1-1: "not a customer" is not
 * "the worst customer", and RFM conditions never match them.
 */
import {
  countInLastDays,
  daysSinceLastOrder,
  ORDER_COMPLETED,
  orderTotalInWindow,
  type ProfileAggregates,
} from '#catalogue/profile-aggregates.ts';

export type RfmValue = 1 | 2 | 3 | 4 | 5;

export interface RfmScore {
  readonly recency: RfmValue;
  readonly frequency: RfmValue;
  readonly monetary: RfmValue;
  /** recency + frequency + monetary, 3 to 15. */
  readonly total: number;
}

/** Bounds for scores 5, 4, 3 and 2, in that order; anything past the last bound scores 1. */
type Bounds = readonly [number, number, number, number];

export interface RfmThresholds {
  /** Days of history frequency and monetary look at; at most the aggregate window (400). */
  readonly windowDays: number;
  /** Most days since the last order for each score (smaller is better). */
  readonly recencyDays: Bounds;
  /** Fewest orders in the window for each score. */
  readonly orders: Bounds;
  /** Least spent in the window for each score, in the shop's currency. */
  readonly spent: Bounds;
}

export const DEFAULT_RFM_THRESHOLDS: RfmThresholds = {
  windowDays: 365,
  recencyDays: [30, 60, 90, 180],
  orders: [10, 5, 3, 2],
  spent: [1000, 500, 250, 100],
};

function scoreAtMost(value: number, bounds: Bounds): RfmValue {
  if (value <= bounds[0]) return 5;
  if (value <= bounds[1]) return 4;
  if (value <= bounds[2]) return 3;
  if (value <= bounds[3]) return 2;
  return 1;
}

function scoreAtLeast(value: number, bounds: Bounds): RfmValue {
  if (value >= bounds[0]) return 5;
  if (value >= bounds[1]) return 4;
  if (value >= bounds[2]) return 3;
  if (value >= bounds[3]) return 2;
  return 1;
}

/** What an RFM score reads of a contact's orders, at one instant. */
export interface OrderFigures {
  /** Whole UTC days since the last order; undefined when the contact never ordered. */
  daysSinceLastOrder(): number | undefined;
  /** Orders on the last `days` UTC days, today included. */
  ordersInLastDays(days: number): number;
  /** Order totals of the last `days` UTC days, today included. */
  spentInLastDays(days: number): number;
}

/** The contact's RFM score from its order figures, or undefined when they never ordered. */
export function rfmScoreOf(
  figures: OrderFigures,
  thresholds: Partial<RfmThresholds> = {},
): RfmScore | undefined {
  const days = figures.daysSinceLastOrder();
  if (days === undefined) return undefined;
  const windowDays = thresholds.windowDays ?? DEFAULT_RFM_THRESHOLDS.windowDays;
  const recency = scoreAtMost(days, thresholds.recencyDays ?? DEFAULT_RFM_THRESHOLDS.recencyDays);
  const orders = figures.ordersInLastDays(windowDays);
  const frequency = scoreAtLeast(orders, thresholds.orders ?? DEFAULT_RFM_THRESHOLDS.orders);
  const spent = figures.spentInLastDays(windowDays);
  const monetary = scoreAtLeast(spent, thresholds.spent ?? DEFAULT_RFM_THRESHOLDS.spent);
  return { recency, frequency, monetary, total: recency + frequency + monetary };
}

/** The contact's RFM score at `nowMs`, or undefined when they never ordered. */
export function rfmScore(
  aggregates: ProfileAggregates,
  nowMs: number,
  thresholds: Partial<RfmThresholds> = {},
): RfmScore | undefined {
  return rfmScoreOf(
    {
      daysSinceLastOrder: () => daysSinceLastOrder(aggregates, nowMs),
      ordersInLastDays: (days) => countInLastDays(aggregates, ORDER_COMPLETED, days, nowMs),
      spentInLastDays: (days) => orderTotalInWindow(aggregates, days, 0, nowMs),
    },
    thresholds,
  );
}

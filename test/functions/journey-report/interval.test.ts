// The intervals against the worked examples of Newcombe (1998), Statistics in Medicine 17:873-890.
import { describe, expect, it } from 'vitest';
import { differenceInterval, wilsonInterval } from '../../../functions/journey-report/interval.ts';

const rounded = (value: number) => Math.round(value * 10_000) / 10_000;

describe('wilsonInterval', () => {
  it('matches the published score intervals', () => {
    // Newcombe's companion paper (1998, 17:857-872), method 3: 81/263 → 0.2553 to 0.3662.
    const interval = wilsonInterval(81, 263);
    expect([rounded(interval.lower), rounded(interval.upper)]).toEqual([0.2553, 0.3662]);
    // 0 out of 20 → 0 to 0.1611 (the score interval never goes below 0).
    const none = wilsonInterval(0, 20);
    expect([rounded(none.lower), rounded(none.upper)]).toEqual([0, 0.1611]);
  });
});

describe('differenceInterval (hybrid score, method 10)', () => {
  it.each([
    // Newcombe (1998), Table II, examples (a), (b) and (d).
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
  ])('%i/%i vs %i/%i → %f to %f', (k1, n1, k2, n2, lower, upper) => {
    const interval = differenceInterval(k1, n1, k2, n2);
    expect(rounded(interval.lower)).toBe(lower);
    expect(rounded(interval.upper)).toBe(upper);
    expect(interval.difference).toBeCloseTo(k1 / n1 - k2 / n2, 12);
  });
});

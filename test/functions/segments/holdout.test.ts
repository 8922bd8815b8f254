// Holdout draws: stable per contact and campaign, at the requested rate, independent across campaigns.
import { describe, expect, it } from 'vitest';
import { inHoldout } from '../../../functions/segments/holdout.ts';

const contactIds = Array.from({ length: 10_000 }, (_, i) => `c-${i}`);

function share(campaignId: string, percent: number): number {
  return contactIds.filter((id) => inHoldout(id, campaignId, percent)).length / contactIds.length;
}

describe('inHoldout', () => {
  it('gives the same answer every time for a contact and campaign', () => {
    // Act
    const first = contactIds.slice(0, 500).map((id) => inHoldout(id, 'win-back', 10));
    const again = contactIds.slice(0, 500).map((id) => inHoldout(id, 'win-back', 10));

    // Assess
    expect(again).toEqual(first);
  });

  it.each([5, 10, 12.5, 50])('holds out about %s% of 10,000 contacts (±1.5 points)', (percent) => {
    // Act
    const held = share('spring-sale', percent);

    // Assess
    expect(Math.abs(held * 100 - percent)).toBeLessThanOrEqual(1.5);
  });

  it('holds out nobody at 0% and everybody at 100%', () => {
    // Assess
    expect(share('spring-sale', 0)).toBe(0);
    expect(share('spring-sale', 100)).toBe(1);
  });

  it('draws independently for different campaigns', () => {
    // Act
    const inA = contactIds.filter((id) => inHoldout(id, 'campaign-a', 10));
    const inBoth = inA.filter((id) => inHoldout(id, 'campaign-b', 10));

    // Assess: independent draws put about 10% × 10% = 1% of contacts in both (100 of 10,000), not 10%.
    expect(inBoth.length).toBeGreaterThan(50);
    expect(inBoth.length).toBeLessThan(150);
  });

  it('keeps a contact held out at a small percentage when the percentage grows', () => {
    // Act
    const atFive = contactIds.filter((id) => inHoldout(id, 'vip-offer', 5));

    // Assess
    expect(atFive.every((id) => inHoldout(id, 'vip-offer', 10))).toBe(true);
  });

  it('refuses a percentage outside 0-100', () => {
    // Assess
    expect(() => inHoldout('c-1', 'x', 101)).toThrow(RangeError);
    expect(() => inHoldout('c-1', 'x', Number.NaN)).toThrow(RangeError);
  });
});

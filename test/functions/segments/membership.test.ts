// Memberships across segments: dependency order, memoisation, and entries / exits.
import { describe, expect, it } from 'vitest';
import type { Condition, SegmentDefinition } from '#language/segments.ts';
import { evaluateAll, evaluateSome, membershipChanges } from '../../../functions/segments/membership.ts';
import { aggregatesOf, contactWith, NOW, order } from './fixtures.ts';

function seg(id: string, where: Condition): SegmentDefinition {
  return { id, description: `segment ${id}`, where };
}

describe('membershipChanges', () => {
  it('lists the segments entered and exited', () => {
    // Act
    const changes = membershipChanges(
      new Set(['customers', 'vip', 'engaged-30']),
      new Set(['customers', 'lapsed-90']),
    );

    // Assess
    expect(changes).toEqual({ entered: ['lapsed-90'], exited: ['vip', 'engaged-30'] });
  });

  it('finds no change between equal sets', () => {
    // Assess
    expect(membershipChanges(new Set(['a']), new Set(['a']))).toEqual({ entered: [], exited: [] });
  });
});

describe('evaluateAll', () => {
  // Listed before the segments they refer to, on purpose.
  const segments = [
    seg('loyal-not-vip', { all: [{ inSegment: 'loyal' }, { not: { hasTag: 'vip' } }] }),
    seg('loyal', { all: [{ inSegment: 'customers' }, { rfm: { frequency: { gte: 2 } } }] }),
    seg('customers', { hasOrdered: true }),
    seg('prospects', { not: { inSegment: 'customers' } }),
  ];

  it('evaluates referenced segments first, whatever the list order', () => {
    // Prepare: two orders → F 2 (see rfm.ts: ≥ 2 orders in 365 days → 2).
    const agg = aggregatesOf(order(10, 20), order(40, 20));

    // Act
    const members = evaluateAll(segments, contactWith(), agg, NOW);
    const vipMembers = evaluateAll(segments, contactWith({ tags: ['vip'] }), agg, NOW);
    const prospectMembers = evaluateAll(segments, contactWith(), aggregatesOf(), NOW);

    // Assess
    expect([...members].sort()).toEqual(['customers', 'loyal', 'loyal-not-vip']);
    expect([...vipMembers].sort()).toEqual(['customers', 'loyal']);
    expect([...prospectMembers]).toEqual(['prospects']);
  });

  it('evaluates each segment once however many refer to it', () => {
    // Prepare: only `base` reads the order count; a getter counts the reads.
    let reads = 0;
    const agg = aggregatesOf(order(1, 5));
    const counted = Object.defineProperty({ ...agg }, 'orderCount', {
      get: () => {
        reads += 1;
        return agg.orderCount;
      },
    });
    const shared = [
      seg('two', { all: [{ inSegment: 'base' }, { inSegment: 'one' }] }),
      seg('one', { inSegment: 'base' }),
      seg('base', { hasOrdered: true }),
    ];

    // Act
    const members = evaluateAll(shared, contactWith(), counted, NOW);

    // Assess
    expect([...members].sort()).toEqual(['base', 'one', 'two']);
    expect(reads).toBe(1);
  });

  it('refuses a list with a cycle or an unknown reference', () => {
    // Assess
    expect(() =>
      evaluateAll(
        [seg('a', { inSegment: 'b' }), seg('b', { inSegment: 'a' })],
        contactWith(),
        aggregatesOf(),
        NOW,
      ),
    ).toThrow(/cycle/);
    expect(() => evaluateAll([seg('a', { inSegment: 'zzz' })], contactWith(), aggregatesOf(), NOW)).toThrow(
      /unknown segment "zzz"/,
    );
  });
});

describe('evaluateSome', () => {
  const segments = [
    seg('loyal-not-vip', { all: [{ inSegment: 'loyal' }, { not: { hasTag: 'vip' } }] }),
    seg('loyal', { all: [{ inSegment: 'customers' }, { rfm: { frequency: { gte: 2 } } }] }),
    seg('customers', { hasOrdered: true }),
    seg('tagged', { hasTag: 'vip' }),
  ];

  it('answers for the segments asked, from those they refer to, without evaluating the others', () => {
    // Prepare: two orders, so customers, loyal and loyal-not-vip; `tagged` would throw if evaluated.
    const agg = aggregatesOf(order(10, 20), order(40, 20));
    const contact = contactWith();
    const trap = Object.defineProperty({ ...contact }, 'tags', {
      get: () => {
        throw new Error('tags read: a segment outside the ones asked was evaluated');
      },
    });

    // Act
    const members = evaluateSome(segments, new Set(['loyal']), contact, agg, NOW);
    const onlyCustomers = evaluateSome(segments, new Set(['customers']), trap, agg, NOW);

    // Assess: loyal read customers (evaluated, not reported); the rest was not evaluated.
    expect([...members]).toEqual(['loyal']);
    expect([...onlyCustomers]).toEqual(['customers']);
    expect(() => evaluateAll(segments, trap, agg, NOW)).toThrow(/tags read/);
  });

  it('gives the same answers as evaluateAll for the segments asked', () => {
    // Prepare
    const contacts = [
      contactWith(),
      contactWith({ tags: ['vip'] }),
      contactWith({ tags: ['vip'], aggregates: aggregatesOf(order(3, 50), order(90, 10)) }),
    ];

    for (const contact of contacts) {
      for (const id of segments.map((s) => s.id)) {
        // Act
        const some = evaluateSome(segments, new Set([id]), contact, contact.aggregates, NOW);
        const all = evaluateAll(segments, contact, contact.aggregates, NOW);

        // Assess
        expect(some.has(id)).toBe(all.has(id));
        expect(some.size).toBeLessThanOrEqual(1);
      }
    }
  });
});

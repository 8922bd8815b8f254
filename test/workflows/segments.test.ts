// The retention segments of workflows/segments on fixture contacts, and their validity.
import { describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import { type ProfileAggregates, ProfileAggregates as Schema } from '#catalogue/profile-aggregates.ts';
import { segmentViolations } from '#language/segment-validator.ts';
import { SegmentDefinition } from '#language/segments.ts';
import { evaluateAll } from '../../functions/segments/membership.ts';
import { segmentById, segments } from '../../workflows/segments/index.ts';
import { aggregatesOf, consent, contactWith, event, NOW, order } from '../functions/segments/fixtures.ts';

const EMPTY = Schema.parse({});

function isIn(id: string, contact: Contact, aggregates: ProfileAggregates = EMPTY, nowMs = NOW): boolean {
  return evaluateAll(segments, contact, aggregates, nowMs).has(id);
}

describe('workflows/segments', () => {
  it('passes the validator', () => {
    // Assess
    expect(segmentViolations(segments, { attributes: [] })).toEqual([]);
  });

  it('parses with the segment schema', () => {
    // Assess
    for (const segment of segments) expect(SegmentDefinition.parse(segment)).toEqual(segment);
  });

  it('finds each segment by id', () => {
    // Assess
    expect(segments.map((s) => segmentById(s.id)?.id)).toEqual([
      'customers',
      'lapsed-90',
      'vip',
      'engaged-30',
      'email-marketable',
      'birthday-today',
      'account-revenue-drop',
    ]);
    expect(segmentById('nope')).toBeUndefined();
  });
});

describe('customers', () => {
  it('holds contacts with at least one order', () => {
    // Assess
    expect(isIn('customers', contactWith(), aggregatesOf(order(500, 10)))).toBe(true);
    expect(isIn('customers', contactWith(), EMPTY)).toBe(false);
  });
});

describe('lapsed-90', () => {
  it.each([
    [89, false],
    [90, true],
    [300, true],
  ])('last order %s days ago → %s', (days, expected) => {
    // Assess: "no order in the last 90 days" = none 0..89 days ago.
    expect(isIn('lapsed-90', contactWith(), aggregatesOf(order(days, 10)))).toBe(expected);
  });

  it('leaves out contacts who never ordered', () => {
    // Assess
    expect(isIn('lapsed-90', contactWith(), EMPTY)).toBe(false);
  });
});

describe('vip', () => {
  it('holds a 5-4-4 customer', () => {
    // Prepare: 5 orders of 110, 3 to 123 days ago (every 30 days).
    const agg = aggregatesOf(...[3, 33, 63, 93, 123].map((d) => order(d, 110)));

    // Assess: R 3 days ≤ 30 → 5; F 5 ≥ 5 → 4; M 5 × 110 = 550 ≥ 500 → 4.
    expect(isIn('vip', contactWith(), agg)).toBe(true);
  });

  it('holds a 5-5-3 customer by total (13)', () => {
    // Prepare: 10 orders of 30, 1 to 271 days ago (every 30 days).
    const agg = aggregatesOf(...Array.from({ length: 10 }, (_, i) => order(1 + 30 * i, 30)));

    // Assess: R 5; F 10 ≥ 10 → 5; M 10 × 30 = 300 ≥ 250 → 3; total 13 ≥ 13, though M < 4.
    expect(isIn('vip', contactWith(), agg)).toBe(true);
  });

  it('leaves out a 3-4-4 customer (total 11)', () => {
    // Prepare: 5 orders of 110, 70 to 190 days ago (every 30 days).
    const agg = aggregatesOf(...[70, 100, 130, 160, 190].map((d) => order(d, 110)));

    // Assess: R 70 days: ≤ 90 → 3; F 5 → 4; M 550 → 4; total 11 < 13 and R < 4.
    expect(isIn('vip', contactWith(), agg)).toBe(false);
  });
});

describe('engaged-30', () => {
  it.each([
    ['opened 29 days ago', aggregatesOf(event('email.opened', 29)), true],
    ['clicked today', aggregatesOf(event('email.clicked', 0)), true],
    ['opened 30 days ago', aggregatesOf(event('email.opened', 30)), false],
    ['never', EMPTY, false],
  ])('%s → %s', (_name, agg, expected) => {
    // Assess
    expect(isIn('engaged-30', contactWith(), agg)).toBe(expected);
  });
});

describe('email-marketable', () => {
  const optedIn = { email: { channel: consent('opted_in'), topics: {} } };

  it.each<[string, Partial<Contact>, boolean]>([
    ['opted in, not suppressed', { email: 'a@example.com', consent: optedIn }, true],
    [
      'opted in but bounced',
      {
        email: 'a@example.com',
        consent: optedIn,
        suppressed: { email: { reason: 'bounce', at: '2024-06-01T00:00:00Z' } },
      },
      false,
    ],
    [
      'pending double opt-in',
      { email: 'a@example.com', consent: { email: { channel: consent('pending'), topics: {} } } },
      false,
    ],
    ['no consent recorded', { email: 'a@example.com' }, false],
    ['no address', { consent: optedIn }, false],
  ])('%s → %s', (_name, changes, expected) => {
    // Assess
    expect(isIn('email-marketable', contactWith(changes))).toBe(expected);
  });
});

describe('birthday-today', () => {
  it('holds the contact whose birthday it is today where they live', () => {
    // Prepare: NOW is 15 June 12:00 UTC, 16 June 00:00 in Auckland.
    const tomorrowInUtc = contactWith({ birthday: '1992-06-16', timezone: 'Pacific/Auckland' });

    // Assess
    expect(isIn('birthday-today', contactWith({ birthday: '1992-06-15' }))).toBe(true);
    expect(isIn('birthday-today', tomorrowInUtc)).toBe(true);
    expect(isIn('birthday-today', contactWith({ birthday: '1992-06-16' }))).toBe(false);
  });
});

describe('account-revenue-drop', () => {
  it.each([
    // Last 90 days (0..89): 70; the 90 before (90..179): 100 → 70 / 100 = 0.7 ≤ 0.7.
    ['down 30%', [order(10, 30), order(50, 40), order(100, 100)], true],
    // Last 90 days: 71; before: 100 → 0.71 > 0.7.
    ['down 29%', [order(10, 71), order(100, 100)], false],
    // Last 90 days: 0; before: 50 → 0 ≤ 0.7.
    ['stopped ordering', [order(120, 50)], true],
    // Nothing in the earlier window: no baseline to drop from.
    ['new customer', [order(10, 50)], false],
  ])('%s → %s', (_name, events, expected) => {
    // Assess
    expect(isIn('account-revenue-drop', contactWith(), aggregatesOf(...events))).toBe(expected);
  });
});

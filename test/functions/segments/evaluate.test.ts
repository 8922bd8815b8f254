// Each condition of the segment language on fixture contacts, and what a segment depends on.
import { describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import {
  countInLastDays,
  orderTotalInWindow,
  type ProfileAggregates,
  ProfileAggregates as Schema,
} from '#catalogue/profile-aggregates.ts';
import type { Condition, SegmentDefinition } from '#language/segments.ts';
import {
  dependsOn,
  evaluateSegment,
  isTimeDependent,
  type ResolveSegment,
} from '../../../functions/segments/evaluate.ts';
import { aggregatesOf, consent, contactWith, event, NOW, order } from './fixtures.ts';

const EMPTY = Schema.parse({});
const noSegments: ResolveSegment = () => false;

function segment(where: Condition): SegmentDefinition {
  return { id: 'under-test', description: 'a segment under test', where };
}

function matches(
  where: Condition,
  contact: Contact = contactWith(),
  aggregates: ProfileAggregates = EMPTY,
  nowMs = NOW,
  resolve: ResolveSegment = noSegments,
): boolean {
  return evaluateSegment(segment(where), contact, aggregates, nowMs, resolve);
}

describe('field comparisons', () => {
  const contact = contactWith({
    country: 'FR',
    birthday: '1990-03-10',
    attributes: { plan: 'pro', seats: 12, trial: false },
    stats: { orderCount: 3, totalSpent: 150 },
  });

  it.each<[string, Condition, boolean]>([
    ['equals a string', { field: 'contact.country', op: 'equals', value: 'FR' }, true],
    ['equals another string', { field: 'contact.country', op: 'equals', value: 'BE' }, false],
    ['equals a boolean attribute', { field: 'contact.attributes.trial', op: 'equals', value: false }, true],
    ['notEquals', { field: 'contact.country', op: 'notEquals', value: 'BE' }, true],
    ['notEquals a missing field', { field: 'contact.locale', op: 'notEquals', value: 'fr' }, true],
    ['in', { field: 'contact.country', op: 'in', values: ['BE', 'FR'] }, true],
    ['in, absent', { field: 'contact.country', op: 'in', values: ['BE', 'DE'] }, false],
    ['gt', { field: 'contact.attributes.seats', op: 'gt', value: 11 }, true],
    ['gt at the bound', { field: 'contact.attributes.seats', op: 'gt', value: 12 }, false],
    ['gte at the bound', { field: 'contact.attributes.seats', op: 'gte', value: 12 }, true],
    ['lt', { field: 'contact.stats.orderCount', op: 'lt', value: 4 }, true],
    ['lte', { field: 'contact.stats.totalSpent', op: 'lte', value: 149.99 }, false],
    [
      'gt on a string never matches a number',
      { field: 'contact.attributes.seats', op: 'gt', value: '1' },
      false,
    ],
    ['lt on ISO dates', { field: 'contact.birthday', op: 'lt', value: '2000-01-01' }, true],
    ['between, inclusive', { field: 'contact.attributes.seats', op: 'between', min: 12, max: 20 }, true],
    ['between, outside', { field: 'contact.attributes.seats', op: 'between', min: 1, max: 11 }, false],
    ['exists', { field: 'contact.attributes.plan', op: 'exists' }, true],
    ['exists, missing', { field: 'contact.attributes.nope', op: 'exists' }, false],
    ['notExists, missing', { field: 'contact.phone', op: 'notExists' }, true],
    [
      'a missing field matches no ordered comparison',
      { field: 'contact.attributes.nope', op: 'lt', value: 5 },
      false,
    ],
  ])('%s', (_name, where, expected) => {
    // Assess
    expect(matches(where, contact)).toBe(expected);
  });

  it('does not read inherited properties', () => {
    // Assess
    expect(matches({ field: 'contact.constructor', op: 'exists' })).toBe(false);
  });
});

describe('tags, consent and suppression', () => {
  const contact = contactWith({
    tags: ['newsletter', 'wholesale'],
    consent: {
      email: { channel: consent('opted_in'), topics: { offers: consent('opted_out') } },
      sms: { channel: consent('pending'), topics: {} },
    },
    suppressed: { sms: { reason: 'stop', at: '2024-06-01T00:00:00.000Z' } },
  });

  it.each<[string, Condition, boolean]>([
    ['hasTag', { hasTag: 'wholesale' }, true],
    ['hasTag, absent', { hasTag: 'vip' }, false],
    ['channel opted in', { consent: { channel: 'email', status: 'opted_in' } }, true],
    ['channel opted out', { consent: { channel: 'email', status: 'opted_out' } }, false],
    ['topic opted out', { consent: { channel: 'email', topic: 'offers', status: 'opted_out' } }, true],
    ['topic without a record', { consent: { channel: 'email', topic: 'news', status: 'opted_in' } }, false],
    ['channel pending', { consent: { channel: 'sms', status: 'pending' } }, true],
    ['not suppressed', { notSuppressed: 'email' }, true],
    ['suppressed', { notSuppressed: 'sms' }, false],
  ])('%s', (_name, where, expected) => {
    // Assess
    expect(matches(where, contact)).toBe(expected);
  });

  it('matches no consent status for a contact with no record', () => {
    // Assess
    for (const status of ['opted_in', 'opted_out', 'pending'] as const) {
      expect(matches({ consent: { channel: 'email', status } })).toBe(false);
    }
  });
});

describe('behaviour', () => {
  // Carts 0, 6, 7 and 13 days ago; orders 10 and 100 days ago (25 and 60); an open 20 days ago,
  // a click 31 days ago.
  const agg = aggregatesOf(
    event('cart.updated', 0),
    event('cart.updated', 6),
    event('cart.updated', 7),
    event('cart.updated', 13),
    order(10, 25),
    order(100, 60),
    event('email.opened', 20),
    event('email.clicked', 31),
  );
  const contact = contactWith();

  it.each<[string, Condition, boolean]>([
    // Last 7 days = 0..6 days ago → carts at 0 and 6 = 2.
    [
      'eventCount equals',
      { eventCount: { event: 'cart.updated', withinDays: 7, op: 'equals', value: 2 } },
      true,
    ],
    // Last 14 days = 0..13 → 4 carts.
    ['eventCount gte', { eventCount: { event: 'cart.updated', withinDays: 14, op: 'gte', value: 4 } }, true],
    [
      'eventCount of a type never seen',
      { eventCount: { event: 'lead.submitted', withinDays: 30, op: 'equals', value: 0 } },
      true,
    ],
    // Last 30 days: the order of 25.
    ['orderTotal recent', { orderTotal: { fromDaysAgo: 30, op: 'equals', value: 25 } }, true],
    // 30..119 days ago: the order of 60.
    [
      'orderTotal earlier window',
      { orderTotal: { fromDaysAgo: 120, toDaysAgo: 30, op: 'gt', value: 59.99 } },
      true,
    ],
    ['daysSinceLastOrder', { daysSinceLastOrder: { op: 'equals', value: 10 } }, true],
    ['daysSinceLastOrder lt', { daysSinceLastOrder: { op: 'lt', value: 10 } }, false],
    ['hasOrdered', { hasOrdered: true }, true],
    ['hasOrdered false', { hasOrdered: false }, false],
    // Opened 20 days ago: within 21 days (0..20), not within 20 (0..19).
    ['opened within 21 days', { engaged: { action: 'opened', withinDays: 21 } }, true],
    ['opened within 20 days', { engaged: { action: 'opened', withinDays: 20 } }, false],
    ['clicked within 30 days', { engaged: { action: 'clicked', withinDays: 30 } }, false],
  ])('%s', (_name, where, expected) => {
    // Assess
    expect(matches(where, contact, agg)).toBe(expected);
  });

  it('treats a contact who never ordered as matching no order condition but hasOrdered false', () => {
    // Assess
    expect(matches({ daysSinceLastOrder: { op: 'gte', value: 0 } })).toBe(false);
    expect(matches({ hasOrdered: false })).toBe(true);
    expect(matches({ rfm: { total: { gte: 3 } } })).toBe(false);
  });

  it('compares the order totals of two periods', () => {
    // Prepare: last 90 days (0..89): 35 + 35 = 70; the 90 before (90..179): 100.
    const dropped = aggregatesOf(order(5, 35), order(60, 35), order(120, 100));
    const steady = aggregatesOf(order(5, 71), order(120, 100));
    const newCustomer = aggregatesOf(order(5, 10));
    const ratio: Condition = { orderTotalRatio: { days: 90, op: 'lte', value: 0.7 } };

    // Assess: 70 / 100 = 0.7 ≤ 0.7; 71 / 100 = 0.71 > 0.7; nothing before → false.
    expect(matches(ratio, contact, dropped)).toBe(true);
    expect(matches(ratio, contact, steady)).toBe(false);
    expect(matches(ratio, contact, newCustomer)).toBe(false);
  });
});

describe('order windows', () => {
  // Orders 3, 40, 95, 200 and 390 days ago: windows before the first, after the last and across them.
  const agg = aggregatesOf(order(3, 12.5), order(40, 30), order(95, 7.25), order(200, 60), order(390, 5));
  const contact = contactWith();

  it('sums the same totals and counts as the aggregate queries, for every window', () => {
    for (const from of [1, 3, 4, 41, 95, 96, 180, 201, 365, 391, 400]) {
      for (const to of [0, 2, 3, 39, 40, 94, 95, 199, 200, 389, 390]) {
        const total = orderTotalInWindow(agg, from, to, NOW);

        // Assess: a total is matched exactly when it equals the query's answer.
        expect(
          matches(
            { orderTotal: { fromDaysAgo: from, toDaysAgo: to, op: 'equals', value: total } },
            contact,
            agg,
          ),
        ).toBe(true);
        expect(
          matches({ orderTotal: { fromDaysAgo: from, toDaysAgo: to, op: 'gt', value: total } }, contact, agg),
        ).toBe(false);
      }
      const orders = countInLastDays(agg, 'order.completed', from, NOW);
      const counted: Condition = {
        eventCount: { event: 'order.completed', withinDays: from, op: 'equals', value: orders },
      };
      expect(matches(counted, contact, agg)).toBe(true);
    }
  });

  it('finds no order before the first nor after the last', () => {
    // Assess: nothing in the last 3 days (0..2), nothing 391..399 days ago.
    expect(matches({ orderTotal: { fromDaysAgo: 3, op: 'equals', value: 0 } }, contact, agg)).toBe(true);
    expect(
      matches({ orderTotal: { fromDaysAgo: 400, toDaysAgo: 391, op: 'equals', value: 0 } }, contact, agg),
    ).toBe(true);
    expect(
      matches({ orderTotal: { fromDaysAgo: 400, toDaysAgo: 390, op: 'equals', value: 5 } }, contact, agg),
    ).toBe(true);
  });
});

describe('rfm', () => {
  // Orders 75, 100 and 200 days ago of 100, 90 and 70: R 3, F 3, M 3, total 9 (see rfm.test.ts).
  const agg = aggregatesOf(order(75, 100), order(100, 90), order(200, 70));

  it.each<[string, Condition, boolean]>([
    ['recency in range', { rfm: { recency: { gte: 3, lte: 3 } } }, true],
    ['recency too low', { rfm: { recency: { gte: 4 } } }, false],
    [
      'every dimension',
      { rfm: { recency: { gte: 3 }, frequency: { lte: 3 }, monetary: { gte: 2, lte: 4 } } },
      true,
    ],
    ['one dimension fails', { rfm: { recency: { gte: 3 }, frequency: { gte: 4 } } }, false],
    ['total', { rfm: { total: { gte: 9 } } }, true],
    ['total too low', { rfm: { total: { gte: 10 } } }, false],
  ])('%s', (_name, where, expected) => {
    // Assess
    expect(matches(where, contactWith(), agg)).toBe(expected);
  });

  it('uses the thresholds given in the options', () => {
    // Prepare: with "≥ 250 → 5", M becomes 5.
    const where: Condition = { rfm: { monetary: { gte: 5 } } };
    const options = { rfm: { spent: [250, 200, 150, 100] as const } };

    // Assess
    expect(evaluateSegment(segment(where), contactWith(), agg, NOW, noSegments)).toBe(false);
    expect(evaluateSegment(segment(where), contactWith(), agg, NOW, noSegments, options)).toBe(true);
  });
});

describe('birthdayToday', () => {
  const where: Condition = { birthdayToday: true };

  it('matches on the birthday in the contact’s timezone', () => {
    // Prepare: NOW is 15 June 12:00 UTC; in Auckland (UTC+12) it is already midnight, 16 June.
    const auckland = contactWith({ birthday: '1990-06-16', timezone: 'Pacific/Auckland' });
    const paris = contactWith({ birthday: '1990-06-16', timezone: 'Europe/Paris' });

    // Assess
    expect(matches(where, auckland)).toBe(true);
    expect(matches(where, paris)).toBe(false);
    expect(matches(where, paris, EMPTY, NOW + 12 * 3_600_000)).toBe(true);
  });

  it('uses UTC without a valid timezone, and never matches without a birthday', () => {
    // Assess
    expect(matches(where, contactWith({ birthday: '1985-06-15' }))).toBe(true);
    expect(matches(where, contactWith({ birthday: '1985-06-15', timezone: 'Mars/Olympus' }))).toBe(true);
    expect(matches(where, contactWith())).toBe(false);
  });

  it('reads the month and day at the end of the birthday, and nothing that is not two digits each', () => {
    // Assess: the year is optional (--MM-DD); a shorter or malformed date is no birthday.
    expect(matches(where, contactWith({ birthday: '--06-15' }))).toBe(true);
    for (const birthday of ['1985-6-15', '1985-06-5', '06-1', '1985/06/15', '1985-0a-15', '1985-06-1x', ''])
      expect(matches(where, contactWith({ birthday })), birthday).toBe(false);
  });

  it('celebrates 29 February on the 28th in other years', () => {
    // Prepare
    const leapling = contactWith({ birthday: '2000-02-29' });

    // Assess
    expect(matches(where, leapling, EMPTY, Date.parse('2023-02-28T12:00:00Z'))).toBe(true);
    expect(matches(where, leapling, EMPTY, Date.parse('2024-02-28T12:00:00Z'))).toBe(false);
    expect(matches(where, leapling, EMPTY, Date.parse('2024-02-29T12:00:00Z'))).toBe(true);
  });
});

describe('composition', () => {
  const contact = contactWith({ country: 'FR', tags: ['vip'] });

  it.each<[string, Condition, boolean]>([
    ['all', { all: [{ hasTag: 'vip' }, { field: 'contact.country', op: 'equals', value: 'FR' }] }, true],
    ['all, one false', { all: [{ hasTag: 'vip' }, { hasTag: 'nope' }] }, false],
    ['any', { any: [{ hasTag: 'nope' }, { hasTag: 'vip' }] }, true],
    ['any, none', { any: [{ hasTag: 'nope' }, { hasOrdered: true }] }, false],
    ['not', { not: { hasTag: 'vip' } }, false],
    [
      'nested',
      { not: { any: [{ hasTag: 'nope' }, { all: [{ hasTag: 'vip' }, { hasOrdered: true }] }] } },
      true,
    ],
  ])('%s', (_name, where, expected) => {
    // Assess
    expect(matches(where, contact)).toBe(expected);
  });

  it('asks the resolver about other segments', () => {
    // Prepare
    const asked: string[] = [];
    const resolve: ResolveSegment = (id) => {
      asked.push(id);
      return id === 'customers';
    };

    // Act
    const inCustomers = matches({ inSegment: 'customers' }, contact, EMPTY, NOW, resolve);
    const inVip = matches({ inSegment: 'vip' }, contact, EMPTY, NOW, resolve);

    // Assess
    expect([inCustomers, inVip]).toEqual([true, false]);
    expect(asked).toEqual(['customers', 'vip']);
  });

  it('gives the same answer when the same segment is evaluated again (compiled once)', () => {
    // Prepare
    const vipInFrance = segment({
      all: [{ hasTag: 'vip' }, { field: 'contact.country', op: 'equals', value: 'FR' }],
    });

    // Act
    const answers = [contact, contactWith({ country: 'FR' }), contact].map((c) =>
      evaluateSegment(vipInFrance, c, EMPTY, NOW, noSegments),
    );

    // Assess
    expect(answers).toEqual([true, false, true]);
  });
});

describe('dependsOn', () => {
  it('lists the profile fields, event types and segments a segment reads', () => {
    // Prepare
    const where: Condition = {
      all: [
        { field: 'contact.attributes.plan', op: 'equals', value: 'pro' },
        { field: 'contact.country', op: 'exists' },
        { hasTag: 'vip' },
        { consent: { channel: 'email', status: 'opted_in' } },
        { notSuppressed: 'sms' },
        { not: { eventCount: { event: 'cart.updated', withinDays: 7, op: 'gte', value: 1 } } },
        { any: [{ rfm: { total: { gte: 12 } } }, { engaged: { action: 'clicked', withinDays: 30 } }] },
        { birthdayToday: true },
        { inSegment: 'customers' },
      ],
    };

    // Act
    const deps = dependsOn(segment(where));

    // Assess
    expect([...deps.fields].sort()).toEqual(
      [
        'attributes.plan',
        'birthday',
        'consent.email',
        'country',
        'suppressed.sms',
        'tags',
        'timezone',
      ].sort(),
    );
    expect([...deps.events].sort()).toEqual(['cart.updated', 'email.clicked', 'order.completed']);
    expect([...deps.segments]).toEqual(['customers']);
  });
});

describe('isTimeDependent', () => {
  const profileOnly = segment({ all: [{ hasTag: 'vip' }, { hasOrdered: true }] });

  it.each<[string, Condition]>([
    ['eventCount', { eventCount: { event: 'cart.updated', withinDays: 7, op: 'gte', value: 1 } }],
    ['orderTotal', { orderTotal: { fromDaysAgo: 30, op: 'gt', value: 0 } }],
    ['orderTotalRatio', { orderTotalRatio: { days: 90, op: 'lt', value: 1 } }],
    ['daysSinceLastOrder', { not: { daysSinceLastOrder: { op: 'gte', value: 90 } } }],
    ['engaged', { engaged: { action: 'opened', withinDays: 30 } }],
    ['rfm', { any: [{ hasTag: 'x' }, { rfm: { recency: { gte: 4 } } }] }],
    ['birthdayToday', { birthdayToday: true }],
  ])('is true with %s', (_name, where) => {
    // Assess
    expect(isTimeDependent(segment(where))).toBe(true);
  });

  it('is false for profile and all-time conditions', () => {
    // Assess
    expect(isTimeDependent(profileOnly)).toBe(false);
  });

  it('follows referenced segments when it can find them, and assumes the worst when not', () => {
    // Prepare
    const lapsed = { ...segment({ daysSinceLastOrder: { op: 'gte', value: 90 } }), id: 'lapsed' };
    const known = { ...profileOnly, id: 'known' };
    const lookup = (id: string) => [lapsed, known].find((s) => s.id === id);

    // Assess
    expect(isTimeDependent(segment({ inSegment: 'known' }), lookup)).toBe(false);
    expect(isTimeDependent(segment({ not: { inSegment: 'lapsed' } }), lookup)).toBe(true);
    expect(isTimeDependent(segment({ inSegment: 'known' }))).toBe(true);
  });
});

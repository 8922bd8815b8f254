// The segment validator: every violation kind, each naming the segment and the path.
import { describe, expect, it } from 'vitest';
import { type SegmentCatalogue, segmentViolations } from '#language/segment-validator.ts';
import type { Condition, SegmentDefinition } from '#language/segments.ts';
import type { Violation } from '#language/validator.ts';

const catalogue: SegmentCatalogue = { attributes: ['plan', 'seats'] };

function seg(id: string, where: Condition): SegmentDefinition {
  return { id, description: `segment ${id}`, where };
}

/** The violations of one segment, `vip`, with this condition. */
function violationsOf(where: Condition, options: SegmentCatalogue = catalogue): Violation[] {
  return segmentViolations([seg('vip', where)], options);
}

describe('segmentViolations', () => {
  it('accepts a segment using every kind of condition', () => {
    // Prepare
    const where: Condition = {
      all: [
        { field: 'contact.attributes.plan', op: 'in', values: ['pro', 'team'] },
        { field: 'contact.stats.totalSpent', op: 'between', min: 10, max: 10 },
        { field: 'contact.birthday', op: 'lt', value: '2000-01-01' },
        { hasTag: 'vip' },
        { consent: { channel: 'email', topic: 'offers', status: 'opted_in' } },
        { notSuppressed: 'email' },
        { eventCount: { event: 'email.clicked', withinDays: 400, op: 'gte', value: 1 } },
        { orderTotal: { fromDaysAgo: 180, toDaysAgo: 90, op: 'gt', value: 0 } },
        { orderTotalRatio: { days: 200, op: 'lte', value: 0.7 } },
        { daysSinceLastOrder: { op: 'lt', value: 30 } },
        { hasOrdered: true },
        { engaged: { action: 'opened', withinDays: 30 } },
        { rfm: { recency: { gte: 1, lte: 5 }, total: { gte: 3, lte: 15 } } },
        { birthdayToday: true },
        { not: { inSegment: 'other' } },
      ],
    };

    // Act
    const violations = segmentViolations([seg('vip', where), seg('other', { hasOrdered: false })], {
      ...catalogue,
      consentTopics: ['offers'],
    });

    // Assess
    expect(violations).toEqual([]);
  });

  it.each<[string, Condition, Violation]>([
    [
      'an unknown contact field',
      { field: 'contact.favouriteColour', op: 'exists' },
      {
        journey: 'segment vip',
        path: 'where.field',
        message: '"contact.favouriteColour" is not a contact field',
      },
    ],
    [
      'a field outside the contact',
      { field: 'trigger.total', op: 'exists' },
      { journey: 'segment vip', path: 'where.field', message: '"trigger.total" must start with contact.' },
    ],
    [
      'an undeclared attribute (a typo)',
      { field: 'contact.attributes.plna', op: 'equals', value: 'pro' },
      {
        journey: 'segment vip',
        path: 'where.field',
        message: 'attribute "plna" is not declared (declared: plan, seats)',
      },
    ],
    [
      'a tag read as a field',
      { field: 'contact.tags.vip', op: 'exists' },
      {
        journey: 'segment vip',
        path: 'where.field',
        message: '"contact.tags.vip": test tags with { hasTag }',
      },
    ],
    [
      'an unknown event type',
      { eventCount: { event: 'cart.updatd', withinDays: 7, op: 'gte', value: 1 } },
      { journey: 'segment vip', path: 'where.eventCount.event', message: 'unknown event type "cart.updatd"' },
    ],
    [
      'negative days',
      { eventCount: { event: 'cart.updated', withinDays: -7, op: 'gte', value: 1 } },
      {
        journey: 'segment vip',
        path: 'where.eventCount.withinDays',
        message: 'must be a whole number from 1 to 400',
      },
    ],
    [
      'more days than the aggregates keep',
      { engaged: { action: 'opened', withinDays: 401 } },
      {
        journey: 'segment vip',
        path: 'where.engaged.withinDays',
        message: 'must be a whole number from 1 to 400',
      },
    ],
    [
      'a negative count',
      { eventCount: { event: 'cart.updated', withinDays: 7, op: 'lt', value: -1 } },
      { journey: 'segment vip', path: 'where.eventCount.value', message: 'must be a number, 0 or more' },
    ],
    [
      'an empty window',
      { orderTotal: { fromDaysAgo: 90, toDaysAgo: 90, op: 'gt', value: 0 } },
      {
        journey: 'segment vip',
        path: 'where.orderTotal.fromDaysAgo',
        message: 'must be greater than toDaysAgo (90)',
      },
    ],
    [
      'two windows that do not fit',
      { orderTotalRatio: { days: 201, op: 'lt', value: 1 } },
      {
        journey: 'segment vip',
        path: 'where.orderTotalRatio.days',
        message: 'must be a whole number from 1 to 200',
      },
    ],
    [
      'not a number of days since the last order',
      { daysSinceLastOrder: { op: 'gt', value: Number.NaN } },
      {
        journey: 'segment vip',
        path: 'where.daysSinceLastOrder.value',
        message: 'must be a number, 0 or more',
      },
    ],
    [
      'a range with min > max',
      { field: 'contact.attributes.seats', op: 'between', min: 10, max: 5 },
      { journey: 'segment vip', path: 'where', message: 'min (10) is greater than max (5)' },
    ],
    [
      'a range mixing numbers and strings',
      { field: 'contact.attributes.seats', op: 'between', min: 1, max: '5' },
      { journey: 'segment vip', path: 'where', message: 'min and max must both be numbers or both strings' },
    ],
    [
      'an empty list of values',
      { field: 'contact.country', op: 'in', values: [] },
      { journey: 'segment vip', path: 'where.values', message: 'needs at least one value' },
    ],
    [
      'an RFM score outside 1-5',
      { all: [{ hasOrdered: true }, { rfm: { recency: { gte: 6 } } }] },
      {
        journey: 'segment vip',
        path: 'where.all[1].rfm.recency.gte',
        message: 'must be a whole number from 1 to 5',
      },
    ],
    [
      'an RFM total outside 3-15',
      { rfm: { total: { lte: 16 } } },
      { journey: 'segment vip', path: 'where.rfm.total.lte', message: 'must be a whole number from 3 to 15' },
    ],
    [
      'an RFM range with gte > lte',
      { rfm: { frequency: { gte: 4, lte: 2 } } },
      { journey: 'segment vip', path: 'where.rfm.frequency', message: 'gte (4) is greater than lte (2)' },
    ],
    [
      'an empty RFM range',
      { rfm: { monetary: {} } },
      { journey: 'segment vip', path: 'where.rfm.monetary', message: 'needs gte, lte or both' },
    ],
    [
      'an RFM condition with no dimension',
      { rfm: {} },
      {
        journey: 'segment vip',
        path: 'where.rfm',
        message: 'needs at least one of recency, frequency, monetary or total',
      },
    ],
    [
      'an empty all',
      { not: { all: [] } },
      { journey: 'segment vip', path: 'where.not.all', message: 'needs at least one condition' },
    ],
    [
      'an empty tag',
      { any: [{ hasTag: ' ' }] },
      { journey: 'segment vip', path: 'where.any[0].hasTag', message: 'must not be empty' },
    ],
    [
      'an unknown segment',
      { any: [{ hasOrdered: true }, { inSegment: 'vipp' }] },
      { journey: 'segment vip', path: 'where.any[1].inSegment', message: 'unknown segment "vipp"' },
    ],
    [
      'a segment referring to itself',
      { inSegment: 'vip' },
      { journey: 'segment vip', path: 'where.inSegment', message: 'makes a cycle: vip → vip' },
    ],
  ])('reports %s', (_name, where, violation) => {
    // Act
    const violations = violationsOf(where);

    // Assess
    expect(violations).toEqual([violation]);
  });

  it('reports an unknown consent topic when topics are given', () => {
    // Act
    const violations = violationsOf(
      { consent: { channel: 'email', topic: 'ofers', status: 'opted_in' } },
      { ...catalogue, consentTopics: ['offers'] },
    );

    // Assess
    expect(violations).toEqual([
      { journey: 'segment vip', path: 'where.consent.topic', message: 'unknown consent topic "ofers"' },
    ]);
  });

  it('reports cycles between segments once, at the reference that closes them', () => {
    // Prepare: a → b → c → a, and d → b (outside the cycle).
    const segments = [
      seg('a', { inSegment: 'b' }),
      seg('b', { all: [{ hasOrdered: true }, { inSegment: 'c' }] }),
      seg('c', { not: { inSegment: 'a' } }),
      seg('d', { inSegment: 'b' }),
    ];

    // Act
    const violations = segmentViolations(segments, catalogue);

    // Assess
    expect(violations).toEqual([
      { journey: 'segment c', path: 'where.not.inSegment', message: 'makes a cycle: a → b → c → a' },
    ]);
  });

  it('reports duplicate ids, bad ids and empty descriptions', () => {
    // Prepare
    const segments: SegmentDefinition[] = [
      seg('vip', { hasOrdered: true }),
      seg('vip', { hasOrdered: false }),
      seg('VIP Customers', { hasOrdered: true }),
      { id: 'quiet', description: ' ', where: { hasOrdered: true } },
    ];

    // Act
    const violations = segmentViolations(segments, catalogue);

    // Assess
    expect(violations).toEqual([
      { journey: 'segment vip', path: 'id', message: 'another segment has the same id' },
      {
        journey: 'segment VIP Customers',
        path: 'id',
        message:
          'must be lower-case letters, digits and dashes, starting with a letter, at most 40 characters',
      },
      { journey: 'segment quiet', path: 'description', message: 'must not be empty' },
    ]);
  });

  it('reports every violation of a segment, not only the first', () => {
    // Act
    const violations = violationsOf({
      all: [
        { field: 'contact.nope', op: 'exists' },
        { eventCount: { event: 'nope', withinDays: 0, op: 'gte', value: 1 } },
      ],
    });

    // Assess
    expect(violations).toEqual([
      {
        journey: 'segment vip',
        path: 'where.all[0].field',
        message: '"contact.nope" is not a contact field',
      },
      { journey: 'segment vip', path: 'where.all[1].eventCount.event', message: 'unknown event type "nope"' },
      {
        journey: 'segment vip',
        path: 'where.all[1].eventCount.withinDays',
        message: 'must be a whole number from 1 to 400',
      },
    ]);
  });

  it('reports a condition it does not know (data from outside TypeScript)', () => {
    // Prepare: JSON parsed elsewhere; the schema would refuse it, the validator must not crash on it.
    const where = JSON.parse('{ "hasTags": "vip" }') as Condition;

    // Act
    const violations = violationsOf(where);

    // Assess
    expect(violations).toEqual([
      { journey: 'segment vip', path: 'where', message: 'is not a segment condition' },
    ]);
  });

  it('counts event types from the catalogue it is given', () => {
    // Act
    const violations = violationsOf(
      { eventCount: { event: 'cart.updated', withinDays: 7, op: 'gte', value: 1 } },
      { ...catalogue, eventTypes: ['order.completed'] },
    );

    // Assess
    expect(violations).toEqual([
      {
        journey: 'segment vip',
        path: 'where.eventCount.event',
        message: 'unknown event type "cart.updated"',
      },
    ]);
  });
});

// Lead scoring on hand-computed fixtures. Decay: points × 0.5^(age / half-life), so a 20-point rule
// with a 7-day half-life is worth 10 after 7 days, 5 after 14, 20 × 2^-0.5 = 14.142... after 3.5.
import { describe, expect, it } from 'vitest';
import {
  type BehaviourEvent,
  engagementBehaviour,
  SCORABLE_EVENT_TYPES,
  type ScoringModel,
  scoreLead,
  scoringModelViolations,
  validateScoringModel,
} from '../../../functions/leads/scoring.ts';
import { defaultScoringModel } from '../../../functions/leads/scoring-model.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T10:00:00Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

const model: ScoringModel = {
  rules: [
    { kind: 'attribute', id: 'size-250', field: 'companySize', op: 'gte', value: 250, points: 10 },
    { kind: 'attribute', id: 'size-micro', field: 'companySize', op: 'lte', value: 5, points: -10 },
    { kind: 'attribute', id: 'budget-10k', field: 'budget', op: 'gte', value: 10_000, points: 15 },
    { kind: 'attribute', id: 'market', field: 'country', op: 'in', value: ['FR', 'DE'], points: 10 },
    { kind: 'attribute', id: 'french', field: 'language', op: 'equals', value: 'fr', points: 5 },
    {
      kind: 'attribute',
      id: 'analytics',
      field: 'productInterest',
      op: 'equals',
      value: 'analytics',
      points: 8,
    },
    {
      kind: 'behaviour',
      id: 'pricing',
      event: 'page.viewed',
      match: { path: { prefix: '/pricing' } },
      points: 20,
      halfLifeDays: 7,
      maxEvents: 2,
    },
    { kind: 'behaviour', id: 'demo', event: 'demo.requested', points: 30, halfLifeDays: 14 },
  ],
  thresholds: { A: 50, B: 25 },
};

const goodFit = {
  companySize: 300,
  budget: 12_000,
  country: 'FR',
  language: 'fr-FR',
  productInterest: 'Analytics',
};

describe('scoreLead', () => {
  it('adds the points of every attribute rule that holds and lists them', () => {
    // Act
    const result = scoreLead(goodFit, [], model, NOW);

    // Assess: 10 + 15 + 10 + 5 (fr covers fr-FR) + 8 (case-insensitive) = 48, between B (25) and A (50).
    expect(result).toEqual({
      score: 48,
      grade: 'B',
      fired: [
        { ruleId: 'size-250', points: 10 },
        { ruleId: 'budget-10k', points: 15 },
        { ruleId: 'market', points: 10 },
        { ruleId: 'french', points: 5 },
        { ruleId: 'analytics', points: 8 },
      ],
    });
  });

  it('halves behaviour points at one half-life and counts only the most recent maxEvents', () => {
    // Prepare: pricing views 7, 14 and 21 days ago (10 + 5, the third is beyond maxEvents 2),
    // a blog view that does not match, a demo request today (30).
    const behaviour: BehaviourEvent[] = [
      { type: 'page.viewed', occurredAt: ago(21), detail: { path: '/pricing' } },
      { type: 'page.viewed', occurredAt: ago(7), detail: { path: '/pricing/enterprise' } },
      { type: 'page.viewed', occurredAt: ago(14), detail: { path: '/pricing' } },
      { type: 'page.viewed', occurredAt: ago(1), detail: { path: '/blog/pricing-tips' } },
      { type: 'demo.requested', occurredAt: ago(0), detail: {} },
    ];

    // Act
    const result = scoreLead(goodFit, behaviour, model, NOW);

    // Assess: 48 + 15 + 30 = 93.
    expect(result.score).toBe(93);
    expect(result.grade).toBe('A');
    expect(result.fired.slice(-2)).toEqual([
      { ruleId: 'pricing', points: 15 },
      { ruleId: 'demo', points: 30 },
    ]);
  });

  it('rounds decayed points to one decimal', () => {
    // Act: 3.5 days is half a half-life: 20 × 0.7071 = 14.14.
    const result = scoreLead(
      {},
      [{ type: 'page.viewed', occurredAt: ago(3.5), detail: { path: '/pricing' } }],
      model,
      NOW,
    );

    // Assess
    expect(result).toEqual({ score: 14.1, grade: 'C', fired: [{ ruleId: 'pricing', points: 14.1 }] });
  });

  it('counts an event stamped in the future as happening now and ignores unreadable dates', () => {
    // Act
    const result = scoreLead(
      {},
      [
        { type: 'demo.requested', occurredAt: new Date(NOW + DAY).toISOString(), detail: {} },
        { type: 'page.viewed', occurredAt: 'yesterday', detail: { path: '/pricing' } },
      ],
      model,
      NOW,
    );

    // Assess
    expect(result.fired).toEqual([{ ruleId: 'demo', points: 30 }]);
  });

  it('applies negative points and grades on the thresholds inclusively', () => {
    // Assess: a micro company scores -10 (C); exactly 25 is a B, exactly 50 an A.
    expect(scoreLead({ companySize: 3 }, [], model, NOW)).toEqual({
      score: -10,
      grade: 'C',
      fired: [{ ruleId: 'size-micro', points: -10 }],
    });
    expect(scoreLead({ budget: 10_000, country: 'DE' }, [], model, NOW)).toMatchObject({
      score: 25,
      grade: 'B',
    });
    const fifty = scoreLead(
      { budget: 10_000, country: 'DE', companySize: 250, language: 'fr' },
      [{ type: 'page.viewed', occurredAt: ago(7), detail: { path: '/pricing' } }],
      model,
      NOW,
    );
    expect(fifty).toMatchObject({ score: 50, grade: 'A' });
    expect(
      scoreLead({ ...goodFit, productInterest: undefined, language: undefined }, [], model, NOW).score,
    ).toBe(35);
  });

  it('gives an A to a mid-sized French company that asked for a demo, with the reference model', () => {
    // Act
    const result = scoreLead(
      { companySize: 300, country: 'FR', productInterest: 'automation', language: 'fr' },
      [{ type: 'demo.requested', occurredAt: ago(2), detail: {} }],
      defaultScoringModel,
      NOW,
    );

    // Assess: 10 + 10 (size tiers) + 10 + 10 + 5 + 30 × 0.5^(2/14) = 27.2.
    expect(result.score).toBe(72.2);
    expect(result.grade).toBe('A');
  });
});

describe('validateScoringModel', () => {
  it('accepts the reference model', () => {
    // Assess
    expect(validateScoringModel(defaultScoringModel)).toEqual([]);
  });

  it('reports duplicate ids, thresholds out of order, misfit values and zero points', () => {
    // Prepare
    const bad: ScoringModel = {
      rules: [
        { kind: 'attribute', id: 'size', field: 'companySize', op: 'gte', value: 10, points: 5 },
        { kind: 'attribute', id: 'size', field: 'companySize', op: 'lte', value: 2, points: -5 },
        { kind: 'attribute', id: 'country-gte', field: 'country', op: 'gte', value: 'FR', points: 5 },
        { kind: 'attribute', id: 'in-scalar', field: 'country', op: 'in', value: 'FR', points: 5 },
        { kind: 'attribute', id: 'lower-country', field: 'country', op: 'equals', value: 'fr', points: 5 },
        { kind: 'attribute', id: 'size-text', field: 'companySize', op: 'equals', value: 'big', points: 5 },
        { kind: 'behaviour', id: 'nothing', event: 'demo.requested', points: 0, halfLifeDays: 7 },
        { kind: 'behaviour', id: 'bad-event', event: 'Demo Requested', points: 5, halfLifeDays: 7 },
      ],
      thresholds: { A: 20, B: 20 },
    };

    // Act
    const errors = validateScoringModel(bad);

    // Assess
    expect(errors).toEqual([
      'thresholds: A (20) must be greater than B (20)',
      'rule size: duplicate id',
      'rule country-gte: "gte" compares numbers, and country is not a number',
      'rule in-scalar: "in" needs a list of values',
      'rule lower-country: countries are ISO-3166-1 alpha-2 codes such as "FR"',
      'rule size-text: companySize values must be numbers',
      'rule nothing: points must be a non-zero number',
      'rule bad-event: event "Demo Requested" is not an event type such as "page.viewed"',
    ]);
  });

  it('names the path of unknown fields, operators and kinds', () => {
    // Act
    const errors = validateScoringModel({
      rules: [
        { kind: 'attribute', id: 'a', field: 'revenue', op: 'gte', value: 1, points: 1 },
        { kind: 'attribute', id: 'b', field: 'budget', op: 'between', value: 1, points: 1 },
        { kind: 'behaviour', id: 'c', event: 'demo.requested', points: 1, halfLifeDays: 0 },
        { kind: 'magic', id: 'd' },
      ],
      thresholds: { A: 10 },
    });

    // Assess
    expect(errors.map((e) => e.split(':')[0])).toEqual([
      'rules.0.field',
      'rules.1.op',
      'rules.2.halfLifeDays',
      'rules.3.kind',
      'thresholds.B',
    ]);
  });
});

describe('scoringModelViolations', () => {
  it('accepts the reference model: every behaviour rule names an event lead scoring sees', () => {
    expect(scoringModelViolations(defaultScoringModel)).toEqual([]);
  });

  it('names a behaviour rule whose event type the catalogue lacks (it could never fire)', () => {
    // Prepare: the catalogue as it was before page.viewed, demo.requested and webinar.attended
    const before = SCORABLE_EVENT_TYPES.filter(
      (type) => !['page.viewed', 'demo.requested', 'webinar.attended'].includes(type),
    );

    // Act
    const violations = scoringModelViolations(defaultScoringModel, before);

    // Assess
    expect(violations.map((v) => v.path)).toEqual([
      'rules.pricing-page.event',
      'rules.demo-requested.event',
      'rules.webinar-attended.event',
    ]);
    expect(violations[0]).toMatchObject({
      journey: 'scoring model',
      message: expect.stringContaining('unknown event type "page.viewed"'),
    });
  });

  it('reports the model errors with the rule path', () => {
    const broken: ScoringModel = { ...model, thresholds: { A: 10, B: 20 } };
    expect(scoringModelViolations(broken)).toContainEqual({
      journey: 'scoring model',
      path: 'thresholds',
      message: 'A (10) must be greater than B (20)',
    });
  });
});

describe('engagementBehaviour', () => {
  it('turns the per-day click counts of the profile into behaviour events the email-clicked rule scores', () => {
    // Prepare: two clicks yesterday
    const yesterday = new Date(NOW - DAY).toISOString().slice(0, 10);
    const aggregates = {
      counts: { 'email.clicked': { [yesterday]: 2 } },
      orderTotals: {},
      orderCount: 0,
    };

    // Act
    const events = engagementBehaviour(aggregates, NOW);
    const score = scoreLead({}, events, defaultScoringModel, NOW);

    // Assess
    expect(events).toEqual([
      { type: 'email.clicked', occurredAt: `${yesterday}T12:00:00.000Z`, detail: {} },
      { type: 'email.clicked', occurredAt: `${yesterday}T12:00:00.000Z`, detail: {} },
    ]);
    expect(score.fired.map((f) => f.ruleId)).toEqual(['email-clicked']);
  });
});

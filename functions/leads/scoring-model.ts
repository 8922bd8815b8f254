/**
 * The reference B2B scoring model. Size and budget tiers add up (a 1,200-person company gets all
 * three size tiers: +30), so each rule stays a single comparison. Behaviour decays: a demo request
 * keeps half its weight after two weeks, a pricing-page view after one.
 *
 * Largest possible score: 30 (size) + 30 (budget) + 10 + 10 + 5 + 45 + 30 + 10 + 15 = 185; a lead
 * from a mid-sized company in a core market that asked for a demo this week is an A.
 */
import type { ScoringModel } from './scoring.ts';

export const defaultScoringModel: ScoringModel = {
  rules: [
    // Company size: additive tiers, and a malus for very small companies.
    { kind: 'attribute', id: 'size-50-plus', field: 'companySize', op: 'gte', value: 50, points: 10 },
    { kind: 'attribute', id: 'size-250-plus', field: 'companySize', op: 'gte', value: 250, points: 10 },
    { kind: 'attribute', id: 'size-1000-plus', field: 'companySize', op: 'gte', value: 1000, points: 10 },
    { kind: 'attribute', id: 'size-micro', field: 'companySize', op: 'lte', value: 5, points: -10 },
    // Declared budget (in the form's currency).
    { kind: 'attribute', id: 'budget-10k-plus', field: 'budget', op: 'gte', value: 10_000, points: 15 },
    { kind: 'attribute', id: 'budget-50k-plus', field: 'budget', op: 'gte', value: 50_000, points: 15 },
    // Fit: where we sell, what we sell, languages the teams speak.
    {
      kind: 'attribute',
      id: 'core-market',
      field: 'country',
      op: 'in',
      value: ['FR', 'DE', 'AT', 'CH', 'BE', 'US'],
      points: 10,
    },
    {
      kind: 'attribute',
      id: 'product-fit',
      field: 'productInterest',
      op: 'in',
      value: ['analytics', 'automation'],
      points: 10,
    },
    {
      kind: 'attribute',
      id: 'team-language',
      field: 'language',
      op: 'in',
      value: ['fr', 'de', 'en'],
      points: 5,
    },
    // Recent behaviour, decaying with age.
    {
      kind: 'behaviour',
      id: 'pricing-page',
      event: 'page.viewed',
      match: { path: { prefix: '/pricing' } },
      points: 15,
      halfLifeDays: 7,
      maxEvents: 3,
    },
    { kind: 'behaviour', id: 'demo-requested', event: 'demo.requested', points: 30, halfLifeDays: 14 },
    { kind: 'behaviour', id: 'webinar-attended', event: 'webinar.attended', points: 10, halfLifeDays: 30 },
    {
      kind: 'behaviour',
      id: 'email-clicked',
      event: 'email.clicked',
      points: 3,
      halfLifeDays: 7,
      maxEvents: 5,
    },
  ],
  thresholds: { A: 60, B: 30 },
};

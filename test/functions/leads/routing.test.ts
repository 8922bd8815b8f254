// Lead routing, rule by rule, on a fixed roster at fixed instants (see fixtures.ts): Monday 11:00 in
// Paris and Berlin (05:00 in New York, before its reps start), and a Saturday when nobody works.
import { describe, expect, it } from 'vitest';
import type { SalesRep } from '../../../functions/leads/reps.ts';
import { chooseOwner, type RepState, type RoutingInput } from '../../../functions/leads/routing.ts';
import { MONDAY_11_PARIS, rep, roster, SATURDAY_11_PARIS } from './fixtures.ts';

const team = roster([
  rep('fr-paris', { territory: { countries: ['FR'], postcodePrefixes: ['75', '92'] } }),
  rep('fr-a'),
  rep('fr-b', { weight: 2 }),
  rep('fr-analytics', {
    skills: { products: ['analytics'], languages: ['fr'] },
    territory: { countries: ['BE'] },
  }),
  rep('de-bayern', {
    timezone: 'Europe/Berlin',
    territory: { countries: ['DE'], regions: ['Bayern'] },
    skills: { languages: ['de', 'en'] },
  }),
  rep('de-all', {
    timezone: 'Europe/Berlin',
    territory: { countries: ['DE'] },
    skills: { languages: ['de', 'en'] },
  }),
  rep('us-east', {
    timezone: 'America/New_York',
    territory: { countries: ['US'] },
    workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
  }),
  rep('inside', { territory: {}, skills: {}, fallback: true }),
  rep('manager', { territory: {}, skills: {}, capacity: 3 }),
]);

function route(overrides: Partial<RoutingInput> = {}) {
  return chooseOwner({ lead: {}, roster: team, state: {}, nowMs: MONDAY_11_PARIS, ...overrides });
}

describe('chooseOwner: key accounts', () => {
  it('keeps the lead with the contact’s owner, off hours and over capacity included', () => {
    // Act: us-east is not on duty (05:00 in New York) and full.
    const decision = route({
      lead: { country: 'FR', postcode: '75011' },
      contactOwnerId: 'us-east',
      state: { 'us-east': { open: 5 } },
    });

    // Assess
    expect(decision).toMatchObject({ repId: 'us-east', rule: 'key_account', candidates: ['us-east'] });
    expect(decision.attempts).toEqual([
      { repId: 'us-east', capacity: Number.POSITIVE_INFINITY, passDelta: 0 },
    ]);
  });

  it('falls through when the owner is out of office or no longer in the roster', () => {
    // Prepare
    const away = roster(
      team.reps.map((r) =>
        r.id === 'fr-a' ? { ...r, outOfOffice: { from: '2026-11-20', to: '2026-11-24' } } : r,
      ),
    );

    // Act
    const outOfOffice = route({
      roster: away,
      lead: { country: 'FR', postcode: '75011' },
      contactOwnerId: 'fr-a',
    });
    const departed = route({
      lead: { country: 'FR', postcode: '75011' },
      contactOwnerId: 'someone-who-left',
    });

    // Assess
    expect(outOfOffice).toMatchObject({ repId: 'fr-paris', rule: 'territory_skills' });
    expect(departed).toMatchObject({ repId: 'fr-paris', rule: 'territory_skills' });
  });
});

describe('chooseOwner: territory and skills', () => {
  it('prefers a postcode match over reps covering the whole country', () => {
    // Act
    const decision = route({ lead: { country: 'FR', postcode: '92100' } });

    // Assess
    expect(decision).toMatchObject({ repId: 'fr-paris', rule: 'territory_skills', candidates: ['fr-paris'] });
  });

  it('widens to the country when the postcode rep is full, and shares among several', () => {
    // Act
    const decision = route({
      lead: { country: 'FR', postcode: '75011' },
      state: { 'fr-paris': { open: 5 } },
    });

    // Assess: both at pass 0 and never assigned: by id.
    expect(decision).toMatchObject({ repId: 'fr-a', rule: 'round_robin', candidates: ['fr-a', 'fr-b'] });
    expect(decision.attempts).toEqual([
      { repId: 'fr-a', capacity: 5, passDelta: 1 },
      { repId: 'fr-b', capacity: 5, passDelta: 0.5 },
    ]);
  });

  it('routes by region within a country, else to the country’s reps', () => {
    // Assess
    expect(route({ lead: { country: 'DE', region: 'Bayern' } })).toMatchObject({
      repId: 'de-bayern',
      rule: 'territory_skills',
    });
    expect(route({ lead: { country: 'DE', region: 'Hessen' } })).toMatchObject({
      repId: 'de-all',
      rule: 'territory_skills',
    });
  });

  it('requires the product and the language', () => {
    // Assess: fr-analytics covers Belgium but not automation; nobody in France speaks German.
    expect(route({ lead: { country: 'BE', productInterest: 'analytics' } })).toMatchObject({
      repId: 'fr-analytics',
    });
    expect(route({ lead: { country: 'BE', productInterest: 'automation' } })).toMatchObject({
      rule: 'fallback',
      repId: 'inside',
    });
    expect(route({ lead: { country: 'FR', language: 'de-DE' } })).toMatchObject({ rule: 'fallback' });
    expect(route({ lead: { country: 'DE', language: 'de-AT' } })).toMatchObject({ repId: 'de-all' });
  });

  it('skips a rep at capacity, off duty or out of office', () => {
    // Prepare
    const state: Record<string, RepState> = { 'fr-a': { open: 5 } };
    const away = roster(
      team.reps.map((r) =>
        r.id === 'fr-b' ? { ...r, outOfOffice: { from: '2026-11-23', to: '2026-11-23' } } : r,
      ),
    );

    // Act
    const full = route({ lead: { country: 'FR' }, state });
    const fullAndAway = route({ lead: { country: 'FR' }, state, roster: away });
    const offDuty = route({ lead: { country: 'US' } });

    // Assess
    expect(full).toMatchObject({ repId: 'fr-b', rule: 'territory_skills', candidates: ['fr-b'] });
    expect(fullAndAway).toMatchObject({ repId: 'inside', rule: 'fallback' });
    expect(offDuty).toMatchObject({ repId: 'inside', rule: 'fallback' });
  });
});

describe('chooseOwner: fallback', () => {
  it('gives a lead nobody covers to the fallback queue, then its manager', () => {
    // Act
    const decision = route({ lead: { country: 'JP' } });

    // Assess: the manager comes last, within their capacity.
    expect(decision).toMatchObject({ repId: 'inside', rule: 'fallback', candidates: ['inside', 'manager'] });
    expect(decision.attempts.at(-1)).toEqual({ repId: 'manager', capacity: 3, passDelta: 0 });
  });

  it('leaves no attempt when every rep and the manager are full: nobody goes past their capacity', () => {
    // Act: everyone at capacity (5 each in the fixture, 3 for the manager)
    const full = Object.fromEntries(team.reps.map((r) => [r.id, { open: r.capacity }]));
    const decision = route({ lead: { country: 'FR', postcode: '75011' }, state: full });

    // Assess
    expect(decision).toEqual({ repId: undefined, rule: 'fallback', candidates: [], attempts: [] });
  });

  it('gives the lead to the manager when nobody is on duty', () => {
    // Act
    const decision = route({ lead: { country: 'FR', postcode: '75011' }, nowMs: SATURDAY_11_PARIS });

    // Assess
    expect(decision).toMatchObject({ repId: 'manager', rule: 'fallback', candidates: ['manager'] });
  });
});

describe('chooseOwner: reassignment', () => {
  it('skips excluded reps in every rule', () => {
    // Act
    const paris = route({ lead: { country: 'FR', postcode: '75011' }, excludeRepIds: ['fr-paris'] });
    const keyAccount = route({ lead: { country: 'DE' }, contactOwnerId: 'fr-a', excludeRepIds: ['fr-a'] });
    const nobody = route({ lead: { country: 'JP' }, excludeRepIds: ['inside', 'manager'] });

    // Assess
    expect(paris).toMatchObject({ rule: 'round_robin', candidates: ['fr-a', 'fr-b'] });
    expect(keyAccount).toMatchObject({ repId: 'de-all', rule: 'territory_skills' });
    expect(nobody).toEqual({ repId: undefined, rule: 'fallback', candidates: [], attempts: [] });
  });
});

/** Applies a decision to the in-memory state as the repository would. */
function apply(state: Record<string, RepState>, repId: string, passDelta: number, at: string): void {
  const before = state[repId] ?? { open: 0 };
  state[repId] = { open: before.open + 1, lastAssignedAt: at, pass: (before.pass ?? 0) + passDelta };
}

function simulate(reps: SalesRep[], leads: number, state: Record<string, RepState> = {}, startMs = 0) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < leads; i++) {
    const decision = chooseOwner({
      lead: { country: 'FR' },
      roster: roster(reps),
      state,
      nowMs: MONDAY_11_PARIS,
    });
    const attempt = decision.attempts[0];
    if (!attempt || decision.rule !== 'round_robin') throw new Error(`unexpected ${decision.rule}`);
    apply(state, attempt.repId, attempt.passDelta, new Date(startMs + i * 1000).toISOString());
    counts[attempt.repId] = (counts[attempt.repId] ?? 0) + 1;
  }
  return counts;
}

describe('chooseOwner: weighted round robin', () => {
  it('shares 1,000 leads in proportion to the weights', () => {
    // Prepare
    const reps = [
      rep('w1', { weight: 1, capacity: 10_000 }),
      rep('w2', { weight: 2, capacity: 10_000 }),
      rep('w3', { weight: 3, capacity: 10_000 }),
    ];

    // Act
    const counts = simulate(reps, 1000);

    // Assess: 1/6, 2/6, 3/6 of 1,000, within 5%.
    for (const [id, share] of [
      ['w1', 1 / 6],
      ['w2', 2 / 6],
      ['w3', 3 / 6],
    ] as const) {
      expect(Math.abs((counts[id] ?? 0) - 1000 * share)).toBeLessThanOrEqual(1000 * share * 0.05);
    }
  });

  it('is deterministic and breaks ties by least recently assigned', () => {
    // Prepare: equal passes, fr-b assigned longer ago.
    const state: Record<string, RepState> = {
      'fr-a': { open: 1, pass: 1, lastAssignedAt: '2026-11-23T09:00:00Z' },
      'fr-b': { open: 1, pass: 1, lastAssignedAt: '2026-11-23T08:00:00Z' },
    };

    // Act
    const first = route({ lead: { country: 'FR' }, state });
    const second = route({ lead: { country: 'FR' }, state });

    // Assess
    expect(first).toEqual(second);
    expect(first.candidates).toEqual(['fr-b', 'fr-a']);
  });

  it('lets a rep who joins later take turns instead of every lead until caught up', () => {
    // Prepare: 300 leads shared by two reps, then a third joins with no history.
    const veterans = [rep('v1', { capacity: 10_000 }), rep('v2', { capacity: 10_000 })];
    const state: Record<string, RepState> = {};
    simulate(veterans, 300, state);

    // Act
    const counts = simulate([...veterans, rep('newcomer', { capacity: 10_000 })], 30, state, 300_000);

    // Assess: a third of the next 30, give or take one.
    expect(counts.newcomer).toBeGreaterThanOrEqual(9);
    expect(counts.newcomer).toBeLessThanOrEqual(11);
  });
});

// Sales reps as data: the bundled roster, validation, availability in the rep's own timezone, and
// territory and skills matching. Instants are worked out by hand in the fixtures' comment.
import { describe, expect, it } from 'vitest';
import {
  isAvailable,
  isOutOfOffice,
  matchesSkills,
  matchesTerritory,
  territoryFit,
  validateRoster,
} from '../../../functions/leads/reps.ts';
import { loadRoster } from '../../../functions/leads/roster.ts';
import { MONDAY_11_PARIS, rep, roster } from './fixtures.ts';

const at = (iso: string) => Date.parse(iso);

describe('loadRoster', () => {
  it('loads the bundled roster: reps in FR, DE and the US, a fallback manager', () => {
    // Act
    const loaded = loadRoster();

    // Assess
    expect(loaded.reps.length).toBeGreaterThanOrEqual(6);
    expect(validateRoster(loaded)).toEqual([]);
    expect(new Set(loaded.reps.flatMap((r) => r.territory.countries ?? []))).toEqual(
      new Set(['FR', 'BE', 'DE', 'AT', 'CH', 'US']),
    );
    expect(loaded.reps.some((r) => r.id === loaded.fallbackQueue.managerId)).toBe(true);
    // Phone numbers come out in E.164.
    expect(loaded.reps.find((r) => r.id === 'grace-hopper')?.phone).toBe('+12125550100');
  });

  it('fails naming the field that is wrong', () => {
    // Prepare
    const source = {
      fallbackQueue: { managerId: 'a' },
      reps: [
        { ...rep('a'), timezone: 'Europe/Paris' },
        { ...rep('b'), timezone: 'Mars/Olympus', capacity: -1 },
      ],
    };

    // Act / Assess
    expect(() => loadRoster(source)).toThrow(/reps\.json: reps\.1\.timezone: must be an IANA time zone name/);
    expect(() => loadRoster(source)).toThrow(/reps\.1\.capacity/);
  });

  it('fails on a roster that parses but does not hold together', () => {
    // Act / Assess
    expect(() => loadRoster(roster([rep('a')], 'nobody'))).toThrow(
      'reps.json: fallbackQueue: manager nobody is not in the roster',
    );
  });
});

describe('validateRoster', () => {
  it('accepts a consistent roster', () => {
    // Assess
    expect(validateRoster(roster([rep('manager'), rep('a', { managerId: 'manager' })]))).toEqual([]);
  });

  it('reports duplicate ids, unknown managers, cycles, a missing fallback manager, bad zones and hours', () => {
    // Prepare
    const reps = [
      rep('a', { managerId: 'b' }),
      rep('b', { managerId: 'a' }),
      rep('a'),
      rep('c', { managerId: 'ghost' }),
      rep('d', { managerId: 'd' }),
      rep('e', { timezone: 'Europe/Atlantis' }),
      rep('f', { workingHours: { days: [1, 1, 8], start: '09:00', end: '09:00' } }),
      rep('g', { outOfOffice: { from: '2026-12-24', to: '2026-12-20' } }),
      rep('h', { workingHours: { days: [1], start: '24:00', end: '7:00' } }),
    ];

    // Act
    const errors = validateRoster(roster(reps, 'boss'));

    // Assess
    expect(errors).toEqual([
      'rep a: duplicate id',
      'rep c: manager ghost is not in the roster',
      'rep d: is their own manager',
      'rep e: timezone "Europe/Atlantis" is not an IANA time zone name',
      'rep f: workingHours start and end are the same time',
      'rep f: workingHours days are 1 (Monday) to 7 (Sunday)',
      'rep f: workingHours lists a day twice',
      'rep g: outOfOffice ends (2026-12-20) before it starts (2026-12-24)',
      'rep h: workingHours start "24:00" is not HH:MM',
      'rep h: workingHours end "7:00" is not HH:MM',
      'managers form a cycle: a -> b -> a',
      'fallbackQueue: manager boss is not in the roster',
    ]);
  });
});

describe('isAvailable', () => {
  const paris = rep('paris');

  it('reads working hours in the rep’s own timezone', () => {
    // Prepare
    const newYork = rep('ny', {
      timezone: 'America/New_York',
      workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });

    // Assess: Monday 09:30 in Paris is 08:30Z; 18:00 Paris (17:00Z) is the end, excluded.
    expect(isAvailable(paris, at('2026-11-23T08:30:00Z'))).toBe(true);
    expect(isAvailable(paris, at('2026-11-23T07:59:00Z'))).toBe(false);
    expect(isAvailable(paris, at('2026-11-23T17:00:00Z'))).toBe(false);
    expect(isAvailable(paris, at('2026-11-28T10:00:00Z'))).toBe(false); // Saturday
    // 11:00 in Paris is 05:00 in New York; 09:00 New York is 14:00Z.
    expect(isAvailable(newYork, MONDAY_11_PARIS)).toBe(false);
    expect(isAvailable(newYork, at('2026-11-23T14:00:00Z'))).toBe(true);
  });

  it('uses the rep’s local weekday, not UTC’s', () => {
    // Prepare: Friday 21:00Z is Saturday 10:00 in Auckland (UTC+13).
    const auckland = rep('akl', { timezone: 'Pacific/Auckland' });

    // Assess
    expect(isAvailable(auckland, at('2026-11-27T21:00:00Z'))).toBe(false);
    // Sunday 21:00Z is Monday 10:00 in Auckland.
    expect(isAvailable(auckland, at('2026-11-29T21:00:00Z'))).toBe(true);
  });

  it('runs a night shift past midnight as part of the day it starts on', () => {
    // Prepare: Fridays 22:00–06:00 in Paris.
    const night = rep('night', { workingHours: { days: [5], start: '22:00', end: '06:00' } });

    // Assess
    expect(isAvailable(night, at('2026-11-27T21:30:00Z'))).toBe(true); // Friday 22:30
    expect(isAvailable(night, at('2026-11-28T01:00:00Z'))).toBe(true); // Saturday 02:00
    expect(isAvailable(night, at('2026-11-28T05:00:00Z'))).toBe(false); // Saturday 06:00
    expect(isAvailable(night, at('2026-11-27T01:00:00Z'))).toBe(false); // Friday 02:00: Thursday's shift
    expect(isAvailable(night, at('2026-11-27T20:59:00Z'))).toBe(false); // Friday 21:59
  });

  it('treats 24:00 as the end of the day', () => {
    // Prepare
    const allDay = rep('all-day', { workingHours: { days: [1], start: '00:00', end: '24:00' } });

    // Assess: Monday 00:00 and 23:59 in Paris; Tuesday 00:00 is not.
    expect(isAvailable(allDay, at('2026-11-22T23:00:00Z'))).toBe(true);
    expect(isAvailable(allDay, at('2026-11-23T22:59:00Z'))).toBe(true);
    expect(isAvailable(allDay, at('2026-11-23T23:00:00Z'))).toBe(false);
  });

  it('is off while out of office, the dates read in the rep’s timezone', () => {
    // Prepare
    const away = rep('away', { outOfOffice: { from: '2026-11-23', to: '2026-11-27' } });

    // Assess
    expect(isAvailable(away, MONDAY_11_PARIS)).toBe(false);
    expect(isOutOfOffice(away, at('2026-11-22T23:30:00Z'))).toBe(true); // Monday 00:30 in Paris
    expect(isOutOfOffice(away, at('2026-11-22T22:30:00Z'))).toBe(false); // Sunday 23:30 in Paris
    expect(isOutOfOffice(away, at('2026-11-27T22:59:00Z'))).toBe(true); // Friday 23:59
    expect(isOutOfOffice(away, at('2026-11-27T23:00:00Z'))).toBe(false); // Saturday 00:00
    expect(isAvailable(away, at('2026-11-30T08:30:00Z'))).toBe(true); // back on Monday
  });
});

describe('matchesTerritory', () => {
  it('matches by country, by region within the countries, by postcode prefix within the countries', () => {
    // Prepare
    const france = rep('fr', { territory: { countries: ['FR', 'BE'] } });
    const bavaria = rep('by', { territory: { countries: ['DE'], regions: ['Bayern'] } });
    const paris = rep('paris', { territory: { countries: ['FR'], postcodePrefixes: ['75', '92'] } });
    const london = rep('london', { territory: { postcodePrefixes: ['SW1', 'EC'] } });

    // Assess
    expect(territoryFit(france, { country: 'BE' })).toBe('country');
    expect(matchesTerritory(france, { country: 'DE' })).toBe(false);
    expect(matchesTerritory(france, {})).toBe(false);
    expect(territoryFit(bavaria, { country: 'DE', region: 'bayern' })).toBe('region');
    expect(matchesTerritory(bavaria, { country: 'DE', region: 'Hessen' })).toBe(false);
    expect(matchesTerritory(bavaria, { country: 'AT', region: 'Bayern' })).toBe(false);
    expect(territoryFit(paris, { country: 'FR', postcode: '75011' })).toBe('postcode');
    expect(matchesTerritory(paris, { country: 'FR', postcode: '69001' })).toBe(false);
    // A German 75 postcode is not Paris.
    expect(matchesTerritory(paris, { country: 'DE', postcode: '75015' })).toBe(false);
    expect(territoryFit(london, { country: 'GB', postcode: 'sw1a 1aa' })).toBe('postcode');
  });

  it('gives a rep without territory no leads by territory', () => {
    // Assess
    expect(matchesTerritory(rep('manager', { territory: {} }), { country: 'FR' })).toBe(false);
  });
});

describe('matchesSkills', () => {
  const analyst = rep('analyst', { skills: { products: ['analytics'], languages: ['fr', 'en-US'] } });

  it('requires the lead’s product and language when the lead states them', () => {
    // Assess
    expect(matchesSkills(analyst, { productInterest: 'Analytics', language: 'fr-CA' })).toBe(true);
    expect(matchesSkills(analyst, { productInterest: 'automation' })).toBe(false);
    expect(matchesSkills(analyst, { language: 'de' })).toBe(false);
    expect(matchesSkills(analyst, { language: 'en-US' })).toBe(true);
    expect(matchesSkills(analyst, { language: 'en-GB' })).toBe(false);
    expect(matchesSkills(analyst, {})).toBe(true);
  });

  it('puts no restriction where the rep lists nothing', () => {
    // Assess
    expect(matchesSkills(rep('any', { skills: {} }), { productInterest: 'anything', language: 'ja' })).toBe(
      true,
    );
  });
});

// Builders for sales reps and rosters used by the lead tests. Times are computed by hand: in late
// November 2026 Europe/Paris and Europe/Berlin are UTC+1, America/New_York UTC-5, Pacific/Auckland
// UTC+13. 2026-11-23 is a Monday.
import type { RepRoster, SalesRep } from '../../../functions/leads/reps.ts';

/** Monday 23 November 2026, 11:00 in Paris and Berlin, 05:00 in New York. */
export const MONDAY_11_PARIS = Date.parse('2026-11-23T10:00:00Z');
/** Saturday 28 November 2026, 11:00 in Paris: nobody works. */
export const SATURDAY_11_PARIS = Date.parse('2026-11-28T10:00:00Z');

export function rep(id: string, overrides: Partial<SalesRep> = {}): SalesRep {
  return {
    id,
    name: id,
    email: `${id}@example.com`,
    timezone: 'Europe/Paris',
    territory: { countries: ['FR'] },
    skills: { products: ['analytics', 'automation'], languages: ['fr', 'en'] },
    capacity: 5,
    weight: 1,
    workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
    ...overrides,
  };
}

export function roster(reps: SalesRep[], managerId = 'manager'): RepRoster {
  return { reps, fallbackQueue: { managerId } };
}

// Wall-clock arithmetic in a contact's zone. Every expected instant below is computed by hand:
// Europe/Paris is UTC+1 (CET) in winter and UTC+2 (CEST) in summer; 2024 changes on 31 March
// (02:00 CET -> 03:00 CEST) and 27 October (03:00 CEST -> 02:00 CET). America/New_York is UTC-5
// (EST) and UTC-4 (EDT); 2024 changes on 10 March (02:00 EST -> 03:00 EDT) and 3 November
// (02:00 EDT -> 01:00 EST).
import { describe, expect, it } from 'vitest';
import {
  instantOfLocal,
  isValidTimeZone,
  localParts,
  nextLocalTime,
  zoneOffsetMs,
} from '#language/local-time.ts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('zoneOffsetMs', () => {
  it.each([
    ['Europe/Paris', '2024-01-15T12:00:00Z', HOUR],
    ['Europe/Paris', '2024-07-15T12:00:00Z', 2 * HOUR],
    ['America/New_York', '2024-01-15T12:00:00Z', -5 * HOUR],
    ['America/New_York', '2024-07-15T12:00:00Z', -4 * HOUR],
    ['Asia/Kolkata', '2024-07-15T12:00:00Z', 5.5 * HOUR],
    ['UTC', '2024-07-15T12:00:00Z', 0],
  ])('gives %s at %s an offset of %i ms', (zone, instant, offset) => {
    // Act
    const result = zoneOffsetMs(at(instant), zone);

    // Assess
    expect(result).toBe(offset);
  });

  it('switches offset at the exact instant of the change (Paris, 31 March 2024 01:00Z)', () => {
    // Assess
    expect(zoneOffsetMs(at('2024-03-31T00:59:59Z'), 'Europe/Paris')).toBe(HOUR);
    expect(zoneOffsetMs(at('2024-03-31T01:00:00Z'), 'Europe/Paris')).toBe(2 * HOUR);
  });
});

describe('localParts and instantOfLocal', () => {
  it('reads the local calendar and clock of an instant', () => {
    // Act
    const parts = localParts(at('2024-12-31T23:30:00Z'), 'Europe/Paris');

    // Assess
    expect(parts).toEqual({ year: 2025, month: 1, day: 1, hour: 0, minute: 30, second: 0 });
  });

  it('finds the instant of an ordinary local time in winter and in summer', () => {
    // Assess
    expect(iso(instantOfLocal('Europe/Paris', 2024, 1, 15, 9, 0))).toBe('2024-01-15T08:00:00.000Z');
    expect(iso(instantOfLocal('Europe/Paris', 2024, 7, 15, 9, 0))).toBe('2024-07-15T07:00:00.000Z');
    expect(iso(instantOfLocal('America/New_York', 2024, 7, 15, 9, 0))).toBe('2024-07-15T13:00:00.000Z');
  });
});

describe('nextLocalTime', () => {
  it('gives 09:00 later the same day when it has not passed yet (Paris, summer)', () => {
    // Prepare: 06:00 CEST.
    const now = at('2024-06-10T04:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-06-10T07:00:00.000Z');
  });

  it('gives 09:00 tomorrow when 09:00 has already passed today (Paris, 12:00 CEST)', () => {
    // Prepare
    const now = at('2024-06-10T10:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-06-11T07:00:00.000Z');
  });

  it('gives the next day when it is exactly that time now (strictly after)', () => {
    // Prepare: 09:00 CEST sharp.
    const now = at('2024-06-10T07:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-06-11T07:00:00.000Z');
  });

  it('uses the local date, not the UTC date (Tokyo is already tomorrow)', () => {
    // Prepare: 20:00Z on 10 June is 05:00 JST on 11 June.
    const now = at('2024-06-10T20:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Asia/Tokyo');

    // Assess
    expect(iso(next)).toBe('2024-06-11T00:00:00.000Z');
  });

  it('uses the local date west of UTC (New York is still yesterday)', () => {
    // Prepare: 02:00Z on 11 June is 22:00 EDT on 10 June; 21:00 has passed there.
    const now = at('2024-06-11T02:00:00Z');

    // Act
    const next = nextLocalTime(now, '21:00', 'America/New_York');

    // Assess
    expect(iso(next)).toBe('2024-06-12T01:00:00.000Z');
  });

  it('crosses the spring change in Paris: Saturday 21:00 CET to Sunday 09:00 CEST is 11 hours, not 12', () => {
    // Prepare: Saturday 30 March 21:00 CET.
    const now = at('2024-03-30T20:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-03-31T07:00:00.000Z');
    expect(next - now).toBe(11 * HOUR);
  });

  it('crosses the autumn change in Paris: Sunday 09:00 CET is 08:00Z', () => {
    // Prepare: Saturday 26 October 22:00 CEST.
    const now = at('2024-10-26T20:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-10-27T08:00:00.000Z');
  });

  it('crosses the spring change in New York: Sunday 09:00 EDT is 13:00Z', () => {
    // Prepare: Saturday 9 March 22:00 EST.
    const now = at('2024-03-10T03:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'America/New_York');

    // Assess
    expect(iso(next)).toBe('2024-03-10T13:00:00.000Z');
  });

  it('crosses the autumn change in New York: Sunday 09:00 EST is 14:00Z', () => {
    // Prepare: Saturday 2 November 22:00 EDT.
    const now = at('2024-11-03T02:00:00Z');

    // Act
    const next = nextLocalTime(now, '09:00', 'America/New_York');

    // Assess
    expect(iso(next)).toBe('2024-11-03T14:00:00.000Z');
  });

  it('resolves a repeated hour in New York to its first occurrence (01:30 EDT)', () => {
    // Prepare: Sunday 3 November 00:00 EDT; 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    const now = at('2024-11-03T04:00:00Z');

    // Act
    const next = nextLocalTime(now, '01:30', 'America/New_York');

    // Assess
    expect(iso(next)).toBe('2024-11-03T05:30:00.000Z');
  });

  it('resolves a repeated hour in Paris to its first occurrence (02:30 CEST = 00:30Z)', () => {
    // Prepare: Sunday 27 October 00:00 CEST.
    const now = at('2024-10-26T22:00:00Z');

    // Act
    const next = nextLocalTime(now, '02:30', 'Europe/Paris');

    // Assess
    expect(iso(next)).toBe('2024-10-27T00:30:00.000Z');
  });

  it('resolves a time in the Paris spring gap (02:30 does not exist) to an instant after the gap', () => {
    // Prepare: Sunday 31 March 00:00 CET; the gap ends at 01:00Z (03:00 CEST).
    const now = at('2024-03-30T23:00:00Z');

    // Act
    const next = nextLocalTime(now, '02:30', 'Europe/Paris');

    // Assess
    expect(next).toBeGreaterThanOrEqual(at('2024-03-31T01:00:00Z'));
    expect(localParts(next, 'Europe/Paris')).toMatchObject({ day: 31, hour: 3 });
  });

  it('resolves a time in the New York spring gap to an instant after the gap, not before it', () => {
    // Prepare: Sunday 10 March 00:00 EST.
    const now = at('2024-03-10T05:00:00Z');

    // Act
    const next = nextLocalTime(now, '02:30', 'America/New_York');

    // Assess
    expect(next).toBeGreaterThanOrEqual(at('2024-03-10T07:00:00Z'));
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA zone names and refuses made-up ones', () => {
    // Assess
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

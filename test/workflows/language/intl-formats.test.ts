// Formatters made once and reused: the same formatter for the same locale and options, answers
// unchanged, and a zone or currency Intl does not know refused every time (nothing kept for it).
import { describe, expect, it } from 'vitest';
import { dateTimeFormat, numberFormat } from '#language/intl-formats.ts';

const AT = new Date('2026-03-02T14:00:00.000Z');

describe('dateTimeFormat', () => {
  it('gives the formatter made for the same locale and options, and another for other options', () => {
    const paris = dateTimeFormat('fr-FR', {
      timeZone: 'Europe/Paris',
      dateStyle: 'full',
      timeStyle: 'short',
    });

    expect(dateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'full', timeStyle: 'short' })).toBe(
      paris,
    );
    expect(dateTimeFormat('fr-FR', { timeZone: 'UTC', dateStyle: 'full', timeStyle: 'short' })).not.toBe(
      paris,
    );
    expect(
      dateTimeFormat('en-GB', { timeZone: 'Europe/Paris', dateStyle: 'full', timeStyle: 'short' }),
    ).not.toBe(paris);
    // Formats as a formatter made for the call would.
    expect(paris.format(AT)).toBe(
      new Intl.DateTimeFormat('fr-FR', {
        timeZone: 'Europe/Paris',
        dateStyle: 'full',
        timeStyle: 'short',
      }).format(AT),
    );
  });

  it('refuses a zone Intl does not know, each time it is asked', () => {
    expect(() => dateTimeFormat('en-GB', { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => dateTimeFormat('en-GB', { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});

describe('numberFormat', () => {
  it('gives the formatter made for the same locale and options, and refuses an unknown currency', () => {
    const euros = numberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

    expect(numberFormat('fr-FR', { style: 'currency', currency: 'EUR' })).toBe(euros);
    expect(numberFormat('fr-FR', { style: 'currency', currency: 'USD' })).not.toBe(euros);
    expect(euros.format(12.5)).toBe(
      new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(12.5),
    );
    expect(() => numberFormat('fr-FR', { style: 'currency', currency: 'EURO' })).toThrow(RangeError);
  });
});

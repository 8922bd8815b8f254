import countries from 'i18n-iso-countries/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEventDetail } from '#catalogue/catalogue.ts';
import { CountryCode } from '#catalogue/common.ts';
import { defaultPhoneCountry, normalizePhone } from '#catalogue/phone.ts';
import { exampleWith } from './helpers.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('normalizePhone', () => {
  it('reads national formats in the default country', () => {
    expect(normalizePhone('(213) 373-4253', 'US')).toBe('+12133734253');
    expect(normalizePhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(normalizePhone('06 12 34 56 78', 'fr')).toBe('+33612345678');
  });

  it('keeps international numbers whatever the default country', () => {
    expect(normalizePhone('+44 20 7946 0958', 'US')).toBe('+442079460958');
    expect(normalizePhone('+33 6 12 34 56 78', 'not-a-country')).toBe('+33612345678');
  });

  it('returns undefined for numbers that are not valid', () => {
    expect(normalizePhone('123', 'US')).toBeUndefined();
    expect(normalizePhone('+1 555 000 0000', 'US')).toBeUndefined();
    expect(normalizePhone('hello', 'US')).toBeUndefined();
    expect(normalizePhone('06 12 34 56 78', 'not-a-country')).toBeUndefined();
  });
});

describe('default phone country', () => {
  it('is US unless DEFAULT_COUNTRY says otherwise', () => {
    vi.stubEnv('DEFAULT_COUNTRY', '');
    expect(defaultPhoneCountry()).toBe('US');
    vi.stubEnv('DEFAULT_COUNTRY', ' gb ');
    expect(defaultPhoneCountry()).toBe('GB');
  });

  it('normalizes a national-format contact phone to E.164 with the configured country', () => {
    vi.stubEnv('DEFAULT_COUNTRY', 'US');
    const us = parseEventDetail(
      'cart.updated',
      exampleWith('cart.updated', { contact: { phone: '(213) 373-4253' } }),
    );
    expect(us).toMatchObject({ ok: true, detail: { contact: { phone: '+12133734253' } } });

    vi.stubEnv('DEFAULT_COUNTRY', 'FR');
    const fr = parseEventDetail(
      'cart.updated',
      exampleWith('cart.updated', { contact: { phone: '06 12 34 56 78' } }),
    );
    expect(fr).toMatchObject({ ok: true, detail: { contact: { phone: '+33612345678' } } });
  });
});

describe('names, codes and text from producers', () => {
  it('refuses a consent topic named like object machinery, naming the field', () => {
    const result = parseEventDetail(
      'consent.changed',
      exampleWith('consent.changed', { topic: 'constructor' }),
    );

    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'detail.topic',
          message: '"constructor" is a name JavaScript objects reserve; choose another topic name',
        },
      ],
    });
  });

  it('refuses a __proto__ key anywhere in the detail, which zod would drop without a word', () => {
    const detail = JSON.parse('{"eventId":"e","items":[{"__proto__":{"admin":true}}]}');

    const result = parseEventDetail('cart.updated', detail);

    expect(result).toMatchObject({ ok: false, errors: [{ field: 'detail.items.0.__proto__' }] });
  });

  it('checks countries and currencies against the ISO lists, not only their shape', () => {
    expect(
      parseEventDetail('contact.signed_up', exampleWith('contact.signed_up', { country: 'FR' })).ok,
    ).toBe(true);
    expect(parseEventDetail('order.completed', exampleWith('order.completed', { currency: 'JPY' })).ok).toBe(
      true,
    );

    expect(
      parseEventDetail('contact.signed_up', exampleWith('contact.signed_up', { country: 'ZZ' })),
    ).toEqual({
      ok: false,
      errors: [{ field: 'detail.country', message: '"ZZ" is not an ISO-3166-1 alpha-2 country code' }],
    });
    for (const currency of ['ABC', 'DEM', 'XXX']) {
      expect(parseEventDetail('order.completed', exampleWith('order.completed', { currency }))).toEqual({
        ok: false,
        errors: [
          { field: 'detail.currency', message: `"${currency}" is not an ISO-4217 currency code in use` },
        ],
      });
    }
  });
});

describe('CountryCode', () => {
  // Read from the package's code list instead of its index module (which builds its alpha-3 and
  // numeric lookups at every cold start): the same answer as the package's own check.
  it('accepts exactly the two-letter codes i18n-iso-countries accepts', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let accepted = 0;
    for (const first of letters)
      for (const second of letters) {
        const code = `${first}${second}`;
        expect(CountryCode.safeParse(code).success, code).toBe(countries.isValid(code));
        if (countries.isValid(code)) accepted++;
      }
    expect(accepted).toBe(250);
  });
});

/**
 * Phone numbers, read with libphonenumber-js and its `min` metadata (the number's length and
 * national pattern per country: the same verdicts as the full metadata on the numbers tested, at
 * two thirds of its size). Apart from common.ts so only the code that reads phone numbers bundles
 * the metadata.
 */
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import * as z from 'zod';
import { limits } from './common.ts';

/** Country used to read phone numbers written in national format: `DEFAULT_COUNTRY`, else 'US'. */
export function defaultPhoneCountry(): string {
  return process.env.DEFAULT_COUNTRY?.trim().toUpperCase() || 'US';
}

/** Normalizes a phone number to E.164, reading national formats in `defaultCountry`; undefined if not valid. */
export function normalizePhone(raw: string, defaultCountry: string): string | undefined {
  const country = defaultCountry.toUpperCase();
  // An unknown default country still lets international numbers (+33...) through.
  const parsed = parsePhoneNumberFromString(raw, isSupportedCountry(country) ? country : undefined);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** A phone number in any common format, normalized to E.164 (the default country is read at parse time). */
export const Phone = z
  .string()
  .max(limits.phone)
  .transform((raw, ctx) => {
    const normalized = normalizePhone(raw, defaultPhoneCountry());
    if (normalized === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid phone number', input: raw });
      return z.NEVER;
    }
    return normalized;
  });

/**
 * Phone numbers, read with libphonenumber-js and its `min` metadata (the number's length and
 * national pattern per country: the same verdicts as the full metadata on the numbers tested, at
 * two thirds of its size). Apart from common.ts so only the code that reads phone numbers bundles
 * libphonenumber-js.
 */
import { createRequire } from 'node:module';
import {
  type CountryCode,
  isSupportedCountry,
  type MetadataJson,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/core';
import * as z from '#catalogue/zod.ts';
import { limits } from './common.ts';

/**
 * The metadata file, read from the package on the first number read and not bundled: its 83 KB
 * would be parsed at every cold start of every function whose events may carry a phone number,
 * whether one comes or not. The deployed code carries the file where this lookup finds it
 * (RUN_TIME_FILES in lib/stateless/function-bundle.ts).
 */
export const PHONE_METADATA_FILE = 'libphonenumber-js/metadata.min.json';

const readPackageFile = createRequire(import.meta.url);
let metadata: MetadataJson | undefined;
const phoneMetadata = (): MetadataJson => (metadata ??= readPackageFile(PHONE_METADATA_FILE) as MetadataJson);

/** Country used to read phone numbers written in national format: `DEFAULT_COUNTRY`, else 'US'. */
export function defaultPhoneCountry(): string {
  return process.env.DEFAULT_COUNTRY?.trim().toUpperCase() || 'US';
}

/** Normalizes a phone number to E.164, reading national formats in `defaultCountry`; undefined if not valid. */
export function normalizePhone(raw: string, defaultCountry: string): string | undefined {
  const metadata = phoneMetadata();
  // Checked just below: an unknown default country still lets international numbers (+33...) through.
  const country = defaultCountry.toUpperCase() as CountryCode;
  const parsed = parsePhoneNumberFromString(
    raw,
    { defaultCountry: isSupportedCountry(country, metadata) ? country : undefined },
    metadata,
  );
  return parsed?.isValid() ? parsed.number : undefined;
}

/** A phone number in any common format, normalized to E.164 (the default country is read at parse time). */
export const Phone = z.pipe(
  z.string().check(z.maxLength(limits.phone)),
  z.transform((raw, ctx) => {
    const normalized = normalizePhone(raw, defaultPhoneCountry());
    if (normalized === undefined) {
      ctx.issues.push({ code: 'custom', message: 'is not a valid phone number', input: raw });
      return z.NEVER;
    }
    return normalized;
  }),
);

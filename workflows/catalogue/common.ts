// Shared building blocks for event detail schemas.
//
// Unknown keys: every object uses zod's default (`z.object`), which strips keys it does not know
// instead of rejecting them, so producers can send extra fields without failing and a field added
// later does not break older producers. Stripped keys never reach journeys. Every string has a
// maximum length and every list a maximum size so that no input is unbounded.
// The package's code list alone: its main entry also registers country names in 80 languages
// (700 KB in every bundle that validates an event), and its index module builds alpha-3 and numeric
// lookups at load that a check of alpha-2 codes never reads.
import countryCodes from 'i18n-iso-countries/codes.json' with { type: 'json' };
import * as z from '#catalogue/zod.ts';

/** Length and size limits shared by the event schemas (documented in docs/events.md). */
export const limits = {
  id: 128,
  source: 128,
  name: 256,
  email: 254,
  phone: 32,
  url: 2048,
  locale: 64,
  timezone: 64,
  tag: 64,
  tags: 50,
  attributeKey: 64,
  attributeValue: 1000,
  attributes: 50,
  items: 200,
  message: 2000,
} as const;

/** An error option that sets the message of one issue code only, leaving e.g. length messages alone. */
export function messageFor(code: z.core.$ZodIssueCode, message: string) {
  return { error: (issue: z.core.$ZodRawIssue) => (issue.code === code ? message : undefined) };
}

/** A whole number (the schema-level message would otherwise also replace the min/max messages). */
export function wholeNumber() {
  return z.int(messageFor('invalid_type', 'must be a whole number'));
}

// Control characters (Unicode Cc: C0, DEL, C1; ESC sequences retitle or clear a terminal) are stripped from
// text; a tab is kept. CR and LF are refused where text is one line: it may end up in a header
// (an e-mail subject reads a first name or a product name), where a line break starts a new header.
const CONTROL_CHARACTERS = /[^\P{Cc}\t\n]/gu;
const LINE_BREAK = /[\r\n]/;

/** `value` without control characters other than tab and line feed (CRLF and CR become LF). */
export function withoutControlCharacters(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '');
}

/**
 * `make` made once per limit: schemas never change once made, so one serves every field of that
 * length (each one made is work at a function's cold start, and the event schemas use a handful of
 * limits many times over).
 */
function oncePerLimit<Schema>(make: (max: number) => Schema): (max: number) => Schema {
  const made = new Map<number, Schema>();
  return (max) => {
    const known = made.get(max);
    if (known) return known;
    const schema = make(max);
    made.set(max, schema);
    return schema;
  };
}

/**
 * A non-empty line of text of at most `max` characters: CR or LF refused (it may become a header),
 * other control characters stripped.
 */
export const text = oncePerLimit((max) =>
  z.string().check(
    z.refine((value) => !LINE_BREAK.test(value), { error: 'must be one line (no CR or LF)', abort: true }),
    z.overwrite((value) => withoutControlCharacters(value)),
    z.minLength(1),
    z.maxLength(max),
  ),
);

/** Non-empty text of at most `max` characters that may span lines; control characters other than tab and LF stripped. */
export const multilineText = oncePerLimit((max) =>
  z.string().check(
    z.overwrite((value) => withoutControlCharacters(value)),
    z.minLength(1),
    z.maxLength(max),
  ),
);

/**
 * Names JavaScript objects already carry (`constructor`, `__proto__`, `toString`...) and
 * `prototype`: as a key chosen by a producer (an attribute, a topic) they would read or replace
 * object machinery instead of data, so they are refused. Taken from the runtime, not listed by hand.
 */
export const OBJECT_MACHINERY_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** A key name a producer chooses, refused when it is a name of {@link OBJECT_MACHINERY_NAMES}. */
export function notObjectMachinery(what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      `"${String(issue.input)}" is a name JavaScript objects reserve; choose another ${what}`,
  };
}
/** Whether a key name a producer chose is not one of {@link OBJECT_MACHINERY_NAMES}. */
export const isOrdinaryName = (name: string) => !OBJECT_MACHINERY_NAMES.has(name);

/** An identifier chosen by the producer (event, cart, order, SKU, lead...). */
export const Identifier = text(limits.id);

/** An absolute http(s) URL; other schemes (javascript:, data:...) would end up as links in messages. */
export const HttpUrl = z
  .url({ protocol: /^https?$/, ...messageFor('invalid_format', 'must be an absolute http(s) URL') })
  .check(z.maxLength(limits.url));

// 19.99 * 100 is 1998.9999999999998 in floating point: allow a few ulps of error.
function hasAtMostTwoDecimals(value: number): boolean {
  const cents = value * 100;
  return Math.abs(cents - Math.round(cents)) <= Number.EPSILON * 8 * Math.max(1, Math.abs(cents));
}

/**
 * A money amount: a number >= 0 with at most 2 decimals, rounded to exactly 2 (0.1 + 0.2 becomes 0.3).
 * Not `multipleOf(0.01)`: JSON Schema validators such as ajv would then reject 19.99 (float error).
 */
export const Money = z.number().check(
  z.gte(0),
  z.refine(hasAtMostTwoDecimals, { error: 'must have at most 2 decimals', abort: true }),
  z.overwrite((value) => Number(value.toFixed(2))),
  z.describe('Amount >= 0 with at most 2 decimals'),
);

// The runtime's ICU data lists the ISO 4217 currencies in use (EUR, USD..., not DEM or XXX).
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** An ISO-4217 currency code in use: 3 upper-case letters, checked against the runtime's ICU list. */
export const Currency = z.string().check(
  z.regex(/^[A-Z]{3}$/, { error: 'must be an ISO-4217 currency code (3 upper-case letters)', abort: true }),
  z.refine((code) => CURRENCIES.has(code), {
    error: (issue) => `"${String(issue.input)}" is not an ISO-4217 currency code in use`,
  }),
);

/** The alpha-2 codes of i18n-iso-countries' list (each entry: alpha-2, alpha-3, numeric, ISO 3166-2). */
const ALPHA_2_CODES: ReadonlySet<string> = new Set(
  countryCodes.flatMap(([alpha2]) => (alpha2 ? [alpha2] : [])),
);

/** An ISO-3166-1 alpha-2 country code: 2 upper-case letters, checked against i18n-iso-countries' list. */
export const CountryCode = z.string().check(
  z.regex(/^[A-Z]{2}$/, {
    error: 'must be an ISO-3166-1 alpha-2 country code (2 upper-case letters)',
    abort: true,
  }),
  z.refine((code) => ALPHA_2_CODES.has(code), {
    error: (issue) => `"${String(issue.input)}" is not an ISO-3166-1 alpha-2 country code`,
  }),
);

function canonicalLocale(value: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    return undefined;
  }
}

/** A BCP-47 language tag, rewritten to its canonical casing (`en-us` becomes `en-US`). */
export const Locale = z.string().check(
  z.maxLength(limits.locale),
  z.regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a BCP-47 language tag such as "en-US"'),
  z.refine((value) => canonicalLocale(value) !== undefined, {
    error: 'must be a BCP-47 language tag such as "en-US"',
    abort: true,
  }),
  z.overwrite((value) => canonicalLocale(value) ?? value),
);

/**
 * Zones found valid: every contact read checks its zone, and asking Intl costs about 0.1 ms. There
 * are a few hundred zone names (more spellings: Intl ignores case), so the set is cleared if it fills.
 */
const validTimeZones = new Set<string>();

function isTimeZone(value: string): boolean {
  if (validTimeZones.has(value)) return true;
  // Newer runtimes accept offsets such as "+02:00"; journeys need a zone name for DST.
  if (/^[+-]/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    return false;
  }
  if (validTimeZones.size >= 1_000) validTimeZones.clear();
  validTimeZones.add(value);
  return true;
}

/** An IANA time zone name such as "Europe/Paris" (checked against the runtime's zone data). */
export const TimeZone = z
  .string()
  .check(
    z.maxLength(limits.timezone),
    z.refine(isTimeZone, 'must be an IANA time zone name such as "Europe/Paris"'),
  );

/** A calendar date written YYYY-MM-DD. */
export const CalendarDate = z.iso.date({ error: 'must be a date written YYYY-MM-DD' });

/** An ISO-8601 date-time with a time zone designator (`Z` or `+02:00`). */
export const Timestamp = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 date-time with an offset, e.g. 2024-05-01T12:00:00Z',
});

/** Free-form contact attributes: string keys usable in template paths, scalar values, bounded count. */
export const Attributes = z
  .record(
    z
      .string()
      .check(
        z.maxLength(limits.attributeKey),
        z.regex(
          /^[A-Za-z_][A-Za-z0-9_]*$/,
          'attribute names use letters, digits and _ and do not start with a digit',
        ),
        z.refine(isOrdinaryName, notObjectMachinery('attribute name')),
      ),
    // A value may be read into a message: control characters stripped, line feeds kept.
    z.union([
      z.string().check(
        z.overwrite((value) => withoutControlCharacters(value)),
        z.maxLength(limits.attributeValue),
      ),
      z.number(),
      z.boolean(),
    ]),
  )
  .check(
    z.refine(
      (value) => Object.keys(value).length <= limits.attributes,
      `at most ${limits.attributes} attributes`,
    ),
    z.meta({ maxProperties: limits.attributes }),
  );

/** An email address, trimmed and lower-cased before it is checked. */
export const Email = z
  .string()
  .check(
    z.maxLength(limits.email),
    z.trim(),
    z.toLowerCase(),
    z.email({ error: 'is not a valid email address' }),
  );

/** Fields present on every event detail. */
export const eventBase = {
  eventId: Identifier.check(z.describe('Unique per event; used to drop duplicates')),
  occurredAt: Timestamp,
  source: text(limits.source).check(z.describe('The producer, e.g. "shop.example.com"')),
};

/** Optional profile fields sent with `contact.signed_up` and `contact.updated`. */
export const profileFields = {
  firstName: z.optional(text(limits.name)),
  lastName: z.optional(text(limits.name)),
  locale: z.optional(Locale),
  timezone: z.optional(TimeZone),
  country: z.optional(CountryCode),
  birthday: z.optional(CalendarDate),
  attributes: z.optional(Attributes),
};

/** One line of a cart or an order; `price` is the unit price. */
export const LineItem = z.object({
  sku: Identifier,
  name: text(limits.name),
  qty: wholeNumber().check(z.gte(1, 'must be at least 1'), z.lte(100_000)),
  price: Money,
  imageUrl: z.optional(HttpUrl),
  url: z.optional(HttpUrl),
});

/** A cart or order line. */
export type LineItem = z.infer<typeof LineItem>;

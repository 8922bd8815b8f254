/**
 * The public lead form (`POST /leads`): parsing and validation, kept pure so they are tested
 * without Lambda (the origin check and CORS headers are the `cors` middleware's, re-exported here). A form becomes a `lead.submitted` event, and its fields are checked with
 * that event's own schemas, so the form can never accept what the event would refuse.
 *
 * | field | type | required | notes |
 * | ----- | ---- | -------- | ----- |
 * | `submissionId` | 8-128 of `A-Z a-z 0-9 _ -` | no | Chosen by the page; a retry with the same id and content answers with the same lead instead of a new one |
 * | `email` | e-mail address | unless `phone` | Trimmed and lower-cased |
 * | `phone` | phone number | unless `email` | Any common format; national numbers are read in `country` (else the default country); stored in E.164 |
 * | `firstName`, `lastName`, `company` | text, at most 256 | no | |
 * | `companySize` | whole number, 1 to 10,000,000 | no | |
 * | `budget` | number >= 0, at most 2 decimals | no | |
 * | `country` | ISO 3166-1 alpha-2 | no | Any case; stored upper-case |
 * | `region`, `productInterest` | text, at most 256 | no | |
 * | `postcode` | text, at most 16 | no | |
 * | `language` | BCP-47 tag such as `en-US` | no | Stored in canonical casing |
 * | `message` | text, at most 2000 | no | |
 * | `formId` | text, at most 128 | no | Which form on the site |
 * | `utm_source`, `utm_medium`, `utm_campaign` | text, at most 256 | no | The event's `utm` |
 * | `emailConsent`, `smsConsent` | checkbox | no | `on`, `true`, `1`, `yes` are ticked; `off`, `false`, `0`, `no` or absent are not; JSON booleans too. The event's `consent` |
 * | `timezone` | IANA zone such as `Europe/Paris` | no | Usually what the browser reports |
 * | `captchaToken` | text | when a captcha is configured | Also read as `cf-turnstile-response`, `g-recaptcha-response`, `h-captcha-response` (what the widgets post); verified, never stored |
 * | `website` | must stay empty | no | Honeypot, hidden from people; bots fill it. Its name is configurable |
 *
 * Bodies are `application/json` (one object) or `application/x-www-form-urlencoded`, at most 16 KiB.
 * Values are trimmed, and an empty value (or `null` in JSON) means "not given": browsers post empty
 * inputs, and scripts often turn a form into JSON as is. Form-encoded numbers and checkboxes are read
 * from their text (checkbox words are read in JSON too); JSON must use numbers for `companySize` and
 * `budget`. A field sent twice is refused, and so are unknown fields, so nothing undeclared is ever
 * stored. Every error is reported at once, each naming its field.
 */

import { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import { normalizePhone } from '#catalogue/phone.ts';
import * as z from '#catalogue/zod.ts';
import { mediaTypeOf } from '#platform/http/body.ts';
import { type FieldError, parseJson } from '#platform/http/responses.ts';

/** The form's origin check and CORS headers (the `cors` middleware applies them). */
export { corsHeaders, originAllowed } from '#platform/http/cors.ts';

export const DEFAULT_HONEYPOT_FIELD = 'website';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** `source` of the `lead.submitted` events made from the form. */
export const LEAD_FORM_SOURCE = 'relance.lead-form';
/** Where the captcha token is read, in order of preference: ours, then what each widget posts. */
export const CAPTCHA_FIELDS = [
  'captchaToken',
  'cf-turnstile-response',
  'g-recaptcha-response',
  'h-captcha-response',
] as const;

export interface LeadFormConfig {
  /** @default 'website' */
  readonly honeypotField?: string;
  /** @default 16384 */
  readonly maxBodyBytes?: number;
}

export interface LeadFormInput {
  readonly body: string;
  readonly contentType: string | undefined;
}

const event = LeadSubmitted.shape;
const contact = event.contact.shape;
const utm = event.utm.def.innerType.shape;

const CHECKBOX = {
  truthy: ['on', 'true', '1', 'yes'],
  falsy: ['off', 'false', '0', 'no'],
};
const Checkbox = z._default(
  z.union([z.boolean(), z.stringbool({ ...CHECKBOX, case: 'insensitive' })], {
    error: `must be a checkbox value: ${CHECKBOX.truthy.join(', ')} (ticked) or ${CHECKBOX.falsy.join(', ')}`,
  }),
  false,
);

const SubmissionId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8 to 128 characters: letters, digits, _ or -'));

/** The form's fields, each checked by the schema the `lead.submitted` event uses for it. */
const LeadFormFields = z.object({
  submissionId: z.optional(SubmissionId),
  email: contact.email,
  phone: contact.phone,
  firstName: event.firstName,
  lastName: event.lastName,
  company: event.company,
  companySize: event.companySize,
  budget: event.budget,
  country: z.optional(z.pipe(z.string().check(z.toUpperCase()), event.country.def.innerType)),
  region: event.region,
  postcode: event.postcode,
  productInterest: event.productInterest,
  language: event.language,
  message: event.message,
  formId: event.formId,
  utm_source: utm.source,
  utm_medium: utm.medium,
  utm_campaign: utm.campaign,
  emailConsent: Checkbox,
  smsConsent: Checkbox,
  timezone: event.timezone,
});

/** A valid lead form: normalized values, consent as booleans; no captcha token, no honeypot. */
export type LeadForm = z.output<typeof LeadFormFields>;
type FormFieldName = keyof LeadForm;

export interface FormField {
  readonly name: FormFieldName | (typeof CAPTCHA_FIELDS)[0] | typeof DEFAULT_HONEYPOT_FIELD;
  readonly type: string;
  readonly required: 'no' | 'unless phone' | 'unless email' | 'when a captcha is configured';
  readonly description: string;
}

/** The form contract, for the README and the tests (the module comment shows it as a table). */
export const FORM_FIELDS: readonly FormField[] = [
  {
    name: 'submissionId',
    type: '8-128 of A-Z a-z 0-9 _ -',
    required: 'no',
    description: 'Chosen by the page; a retry with the same id and content answers with the same lead',
  },
  { name: 'email', type: 'e-mail address', required: 'unless phone', description: 'Trimmed and lower-cased' },
  {
    name: 'phone',
    type: 'phone number',
    required: 'unless email',
    description: 'National numbers are read in `country` (else the default country); stored in E.164',
  },
  { name: 'firstName', type: 'text, at most 256', required: 'no', description: 'First name' },
  { name: 'lastName', type: 'text, at most 256', required: 'no', description: 'Last name' },
  { name: 'company', type: 'text, at most 256', required: 'no', description: 'Company name' },
  { name: 'companySize', type: 'whole number, 1 to 10,000,000', required: 'no', description: 'Employees' },
  { name: 'budget', type: 'number >= 0, at most 2 decimals', required: 'no', description: 'Budget' },
  { name: 'country', type: 'ISO 3166-1 alpha-2', required: 'no', description: 'Any case; stored upper-case' },
  { name: 'region', type: 'text, at most 256', required: 'no', description: 'State, province or region' },
  { name: 'postcode', type: 'text, at most 16', required: 'no', description: 'Postal code' },
  { name: 'productInterest', type: 'text, at most 256', required: 'no', description: 'Product asked about' },
  { name: 'language', type: 'BCP-47 tag', required: 'no', description: 'Stored in canonical casing (en-US)' },
  { name: 'message', type: 'text, at most 2000', required: 'no', description: 'Free text from the visitor' },
  { name: 'formId', type: 'text, at most 128', required: 'no', description: 'Which form on the site' },
  { name: 'utm_source', type: 'text, at most 256', required: 'no', description: 'Becomes utm.source' },
  { name: 'utm_medium', type: 'text, at most 256', required: 'no', description: 'Becomes utm.medium' },
  { name: 'utm_campaign', type: 'text, at most 256', required: 'no', description: 'Becomes utm.campaign' },
  {
    name: 'emailConsent',
    type: 'checkbox',
    required: 'no',
    description: 'on, true, 1, yes are ticked; off, false, 0, no or absent are not; becomes consent.email',
  },
  {
    name: 'smsConsent',
    type: 'checkbox',
    required: 'no',
    description: 'As emailConsent; becomes consent.sms',
  },
  { name: 'timezone', type: 'IANA time zone', required: 'no', description: 'Such as Europe/Paris' },
  {
    name: 'captchaToken',
    type: 'text',
    required: 'when a captcha is configured',
    description: `Also read as ${CAPTCHA_FIELDS.slice(1).join(', ')}; verified, never stored`,
  },
  {
    name: DEFAULT_HONEYPOT_FIELD,
    type: 'must stay empty',
    required: 'no',
    description: 'Honeypot hidden from people (name set by honeypotField); bots fill it',
  },
];

const FIELD_NAMES: ReadonlySet<string> = new Set(Object.keys(LeadFormFields.shape));
const CAPTCHA_NAMES: ReadonlySet<string> = new Set(CAPTCHA_FIELDS);

/** Form-encoded values are text: these are read as numbers first, with the message if they are not. */
const NUMERIC_FIELDS: ReadonlyArray<readonly [FormFieldName, string]> = [
  ['companySize', 'must be a whole number'],
  ['budget', 'must be a number'],
];
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

export type LeadFormResult =
  | { readonly ok: true; readonly form: LeadForm; readonly captchaToken: string | undefined }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly errors: FieldError[] };

type Fields = { readonly entries: ReadonlyArray<readonly [string, unknown]>; readonly repeated: string[] };

/**
 * Reads and checks a lead form. Answers 415 for another content type, 413 for a body over
 * `maxBodyBytes`, 400 with every field error otherwise. Throws if `honeypotField` names a real
 * field: that is a configuration mistake, not a visitor's.
 */
export function parseLeadForm(input: LeadFormInput, config: LeadFormConfig = {}): LeadFormResult {
  const honeypotField = config.honeypotField ?? DEFAULT_HONEYPOT_FIELD;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (FIELD_NAMES.has(honeypotField) || CAPTCHA_NAMES.has(honeypotField)) {
    throw new Error(`honeypotField "${honeypotField}" is a field of the lead form; choose another name`);
  }
  if (Buffer.byteLength(input.body) > maxBodyBytes) {
    return refuse(413, [{ field: 'body', message: `is larger than ${maxBodyBytes} bytes` }]);
  }
  const encoding = encodingOf(input.contentType);
  if (encoding === undefined) {
    return refuse(415, [
      { field: 'content-type', message: 'must be application/json or application/x-www-form-urlencoded' },
    ]);
  }
  const read = encoding === 'json' ? jsonFields(input.body) : formEncodedFields(input.body);
  if (!read.ok) return refuse(400, read.errors);

  const errors: FieldError[] = read.fields.repeated.map((field) => ({
    field,
    message: 'is sent more than once; send it once',
  }));
  const values: Record<string, unknown> = {};
  const tokens = new Map<string, string>();
  for (const [name, raw] of read.fields.entries) {
    const value = given(raw);
    if (name === honeypotField) {
      if (value !== undefined) errors.push({ field: name, message: 'must be left empty' });
    } else if (CAPTCHA_NAMES.has(name)) {
      if (typeof value === 'string') tokens.set(name, value);
      else if (value !== undefined) errors.push({ field: name, message: 'must be text' });
    } else if (!FIELD_NAMES.has(name)) {
      errors.push({ field: name, message: 'is not a field of this form' });
    } else if (value !== undefined) {
      values[name] = value;
    }
  }
  if (encoding === 'form') errors.push(...readNumbers(values));
  if (values.email === undefined && values.phone === undefined) {
    errors.push({ field: 'email', message: 'is required unless phone is given' });
  }
  if (typeof values.phone === 'string' && typeof values.country === 'string') {
    // A national number is most likely written the way the lead's own country writes it.
    values.phone = normalizePhone(values.phone, values.country) ?? values.phone;
  }

  const parsed = LeadFormFields.safeParse(values, { error: plainMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.') || 'body';
      // Some shared schemas say the same thing twice (Locale: its pattern, then its refinement).
      if (!errors.some((e) => e.field === field && e.message === issue.message)) {
        errors.push({ field, message: issue.message });
      }
    }
  }
  if (errors.length > 0 || !parsed.success) return refuse(400, errors);
  const captchaToken = CAPTCHA_FIELDS.map((name) => tokens.get(name)).find((token) => token !== undefined);
  return { ok: true, form: parsed.data, captchaToken };
}

/** The `lead.submitted` detail for a valid form (fields not given are undefined, so absent in JSON). */
export function leadSubmittedDetail(
  form: LeadForm,
  ids: { readonly leadId: string; readonly eventId: string; readonly occurredAt: string },
): LeadSubmitted {
  const tagged = form.utm_source ?? form.utm_medium ?? form.utm_campaign;
  return {
    eventId: ids.eventId,
    occurredAt: ids.occurredAt,
    source: LEAD_FORM_SOURCE,
    contact: { email: form.email, phone: form.phone },
    leadId: ids.leadId,
    firstName: form.firstName,
    lastName: form.lastName,
    company: form.company,
    companySize: form.companySize,
    budget: form.budget,
    country: form.country,
    region: form.region,
    postcode: form.postcode,
    productInterest: form.productInterest,
    language: form.language,
    message: form.message,
    formId: form.formId,
    utm:
      tagged === undefined
        ? undefined
        : { source: form.utm_source, medium: form.utm_medium, campaign: form.utm_campaign },
    timezone: form.timezone,
    consent: { email: form.emailConsent, sms: form.smsConsent },
  };
}

function refuse(status: 400 | 413 | 415, errors: FieldError[]): LeadFormResult {
  return { ok: false, status, errors };
}

function encodingOf(contentType: string | undefined): 'json' | 'form' | undefined {
  const mediaType = contentType === undefined ? undefined : mediaTypeOf(contentType);
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

function jsonFields(body: string): { ok: true; fields: Fields } | { ok: false; errors: FieldError[] } {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  }
  return { ok: true, fields: { entries: Object.entries(value), repeated: [] } };
}

function formEncodedFields(body: string): { ok: true; fields: Fields } {
  const entries = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (entries.has(name)) repeated.add(name);
    else entries.set(name, value);
  }
  return { ok: true, fields: { entries: [...entries], repeated: [...repeated] } };
}

/** The value as given, trimmed; undefined for empty text and JSON null, which mean "not given". */
function given(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Turns form-encoded numbers into numbers in place; what is not a number is dropped with an error. */
function readNumbers(values: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [field, message] of NUMERIC_FIELDS) {
    const value = values[field];
    if (typeof value !== 'string') continue;
    if (DECIMAL.test(value)) {
      values[field] = Number(value);
    } else {
      delete values[field];
      errors.push({ field, message });
    }
  }
  return errors;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** Messages for the issues the shared schemas leave to zod, worded for whoever builds the form. */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
  const unit = issue.origin === 'string' ? ' characters' : '';
  if (issue.code === 'too_big') return `must be at most ${issue.maximum}${unit}`;
  if (issue.code === 'too_small') return `must be at least ${issue.minimum}${unit}`;
  return undefined;
}

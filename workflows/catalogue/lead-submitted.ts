import * as z from '#catalogue/zod.ts';
import {
  CountryCode,
  Identifier,
  Locale,
  limits,
  Money,
  multilineText,
  TimeZone,
  text,
  wholeNumber,
} from './common.ts';
import { contactEventBase } from './contact-ref.ts';

// Campaigns often tag only some of the three, so each one is optional.
const Utm = z.object({
  source: z.optional(text(limits.name)),
  medium: z.optional(text(limits.name)),
  campaign: z.optional(text(limits.name)),
});

/** A B2B lead form was submitted. */
export const LeadSubmitted = z
  .object({
    ...contactEventBase,
    leadId: Identifier,
    firstName: z.optional(text(limits.name)),
    lastName: z.optional(text(limits.name)),
    company: z.optional(text(limits.name)),
    companySize: z.optional(wholeNumber().check(z.gte(1), z.lte(10_000_000))),
    budget: z.optional(Money),
    country: z.optional(CountryCode),
    region: z.optional(text(limits.name)),
    postcode: z.optional(text(16)),
    productInterest: z.optional(text(limits.name)),
    language: z.optional(Locale),
    message: z.optional(multilineText(limits.message)),
    formId: z.optional(Identifier),
    utm: z.optional(Utm),
    /** The IANA zone the browser reported; fills the profile's timezone when it has none. */
    timezone: z.optional(TimeZone),
    /** Consent boxes the prospect ticked on the form; recorded with proof `form` (an unticked box records nothing). */
    consent: z.optional(z.object({ email: z.optional(z.boolean()), sms: z.optional(z.boolean()) })),
  })
  .check(z.describe('A lead form was submitted.'));

/** Parsed `lead.submitted` detail. */
export type LeadSubmitted = z.infer<typeof LeadSubmitted>;

import * as z from 'zod';
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
  source: text(limits.name).optional(),
  medium: text(limits.name).optional(),
  campaign: text(limits.name).optional(),
});

/** A B2B lead form was submitted. */
export const LeadSubmitted = z
  .object({
    ...contactEventBase,
    leadId: Identifier,
    firstName: text(limits.name).optional(),
    lastName: text(limits.name).optional(),
    company: text(limits.name).optional(),
    companySize: wholeNumber().min(1).max(10_000_000).optional(),
    budget: Money.optional(),
    country: CountryCode.optional(),
    region: text(limits.name).optional(),
    postcode: text(16).optional(),
    productInterest: text(limits.name).optional(),
    language: Locale.optional(),
    message: multilineText(limits.message).optional(),
    formId: Identifier.optional(),
    utm: Utm.optional(),
    /** The IANA zone the browser reported; fills the profile's timezone when it has none. */
    timezone: TimeZone.optional(),
    /** Consent boxes the prospect ticked on the form; recorded with proof `form` (an unticked box records nothing). */
    consent: z.object({ email: z.boolean().optional(), sms: z.boolean().optional() }).optional(),
  })
  .meta({ description: 'A lead form was submitted.' });

/** Parsed `lead.submitted` detail. */
export type LeadSubmitted = z.infer<typeof LeadSubmitted>;

import * as z from '#catalogue/zod.ts';
import { limits, multilineText } from './common.ts';
import { ContactRef, contactEventBase } from './contact-ref.ts';

/**
 * Two contacts are one person: `absorbed` is merged into `contact` (the survivor). relance never
 * merges on its own (a shared phone number is not a reason); a CRM, a support tool or an operator
 * sends this. History and aggregates are combined, the stricter consent is kept, the absorbed
 * contact's identifiers then find the survivor, and the absorbed contact's journey runs end.
 */
export const ContactMerged = z
  .object({
    ...contactEventBase,
    contact: ContactRef.check(z.describe('The survivor: the contact that remains')),
    absorbed: ContactRef.check(z.describe('The contact merged into the survivor')),
    reason: multilineText(limits.message).check(z.describe('Why they are one person, for the record')),
  })
  .check(z.describe('Two contacts are one person: `absorbed` is merged into `contact` (the survivor).'));

/** Parsed `contact.merged` detail. */
export type ContactMerged = z.infer<typeof ContactMerged>;

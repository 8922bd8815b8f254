import * as z from '#catalogue/zod.ts';
import { limits, profileFields, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A new contact, with whatever profile the signup form collected. */
export const ContactSignedUp = z
  .object({
    ...contactEventBase,
    ...profileFields,
    signupSource: z
      .optional(text(limits.id))
      .check(z.describe('Where the signup happened, e.g. "footer-form"')),
  })
  .check(z.describe('A new contact signed up, with whatever profile the signup form collected.'));

/** Parsed `contact.signed_up` detail. */
export type ContactSignedUp = z.infer<typeof ContactSignedUp>;

import * as z from 'zod';
import { limits, profileFields, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A new contact, with whatever profile the signup form collected. */
export const ContactSignedUp = z
  .object({
    ...contactEventBase,
    ...profileFields,
    signupSource: text(limits.id).optional().describe('Where the signup happened, e.g. "footer-form"'),
  })
  .meta({ description: 'A new contact signed up, with whatever profile the signup form collected.' });

/** Parsed `contact.signed_up` detail. */
export type ContactSignedUp = z.infer<typeof ContactSignedUp>;

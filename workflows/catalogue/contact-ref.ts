/** Who an event is about: the contact reference every contact event carries. */
import * as z from '#catalogue/zod.ts';
import { Email, eventBase, Identifier } from './common.ts';
import { Phone } from './phone.ts';

/**
 * Who the event is about: at least one of contactId, externalId, email or phone. contactId, the
 * producer's `externalId` (a customer id in the shop or CRM) and email identify a person; a phone
 * number only describes one (a household or a switchboard shares it), so it never joins an event to
 * a contact that another identifier names, and finds a contact alone only when exactly one contact
 * gives that number. See "Identity resolution" in the README.
 */
export const ContactRef = z
  .object({
    contactId: z.optional(Identifier),
    externalId: z
      .optional(Identifier)
      .check(z.describe("The producer's own id for the person (shop customer id, CRM id)")),
    email: z.optional(Email),
    phone: z.optional(Phone),
  })
  .check(
    z.refine(
      (c) =>
        c.contactId !== undefined ||
        c.externalId !== undefined ||
        c.email !== undefined ||
        c.phone !== undefined,
      { error: 'needs at least one of contactId, externalId, email or phone' },
    ),
    z.meta({
      anyOf: [
        { required: ['contactId'] },
        { required: ['externalId'] },
        { required: ['email'] },
        { required: ['phone'] },
      ],
    }),
  );

/** A parsed contact reference (email lower-cased, phone in E.164). */
export type ContactRef = z.infer<typeof ContactRef>;

/** Fields present on every event detail that is about a contact. */
export const contactEventBase = {
  ...eventBase,
  contact: ContactRef,
};

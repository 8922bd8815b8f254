import * as z from '#catalogue/zod.ts';
import { isOrdinaryName, limits, notObjectMachinery, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A change of marketing consent on one channel, with the proof kept for audits. */
export const ConsentChanged = z
  .object({
    ...contactEventBase,
    channel: z.enum(['email', 'sms', 'voice']).check(z.describe('voice: automated calls')),
    topic: z
      .optional(text(limits.tag).check(z.refine(isOrdinaryName, notObjectMachinery('topic name'))))
      .check(z.describe('Subscription topic; absent means the whole channel')),
    status: z.enum(['opted_in', 'opted_out', 'pending']),
    proof: z.object({
      kind: z.enum(['form', 'double_opt_in', 'import', 'link', 'sms_keyword', 'support']),
      reference: z.optional(text(limits.name)).check(z.describe('Form id, ticket number, keyword...')),
    }),
  })
  .check(z.describe('A contact opted in or out of a channel (optionally one topic of it).'));

/** Parsed `consent.changed` detail. */
export type ConsentChanged = z.infer<typeof ConsentChanged>;

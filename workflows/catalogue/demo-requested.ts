import * as z from '#catalogue/zod.ts';
import { Identifier, limits, multilineText, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact asked for a product demo (a strong buying signal for lead scoring). */
export const DemoRequested = z
  .object({
    ...contactEventBase,
    /** The producer's id of the request, when it has one. */
    requestId: z.optional(Identifier),
    product: z.optional(text(limits.name)),
    message: z.optional(multilineText(limits.message)),
  })
  .check(z.describe('A contact asked for a product demo.'));

/** Parsed `demo.requested` detail. */
export type DemoRequested = z.infer<typeof DemoRequested>;

import * as z from 'zod';
import { Identifier, limits, multilineText, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A contact asked for a product demo (a strong buying signal for lead scoring). */
export const DemoRequested = z
  .object({
    ...contactEventBase,
    /** The producer's id of the request, when it has one. */
    requestId: Identifier.optional(),
    product: text(limits.name).optional(),
    message: multilineText(limits.message).optional(),
  })
  .meta({ description: 'A contact asked for a product demo.' });

/** Parsed `demo.requested` detail. */
export type DemoRequested = z.infer<typeof DemoRequested>;

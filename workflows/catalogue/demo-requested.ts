import * as z from 'zod';
import { Identifier, limits, multilineText, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** Detail-type of the event sent when a contact asks for a product demo. */
export const DEMO_REQUESTED = 'demo.requested';

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

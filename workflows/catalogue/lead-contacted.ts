import * as z from '#catalogue/zod.ts';
import { Identifier } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/**
 * The owner accepted the lead or marked it contacted (from the signed links of their notification,
 * or a CRM posting it). Either one is a response: it stops the SLA clock.
 */
export const LeadContacted = z
  .object({
    ...contactEventBase,
    leadId: Identifier,
    repId: Identifier,
    action: z.enum(['accepted', 'contacted']),
  })
  .check(z.describe('The owner of a lead accepted it or contacted the prospect.'));

/** Parsed `lead.contacted` detail. */
export type LeadContacted = z.infer<typeof LeadContacted>;

import * as z from '#catalogue/zod.ts';
import { eventBase, Identifier } from './common.ts';

/** The SLA of one assignment lapsed: `remind` the owner, or `reassign` the lead and tell the manager. */
export const LeadSlaBreached = z
  .object({
    ...eventBase,
    leadId: Identifier,
    assignmentId: Identifier,
    stage: z.enum(['remind', 'reassign']),
  })
  .check(z.describe('The owner of a lead did not respond within the SLA (emitted by the lead-sla journey).'));

/** Parsed `lead.sla_breached` detail. */
export type LeadSlaBreached = z.infer<typeof LeadSlaBreached>;

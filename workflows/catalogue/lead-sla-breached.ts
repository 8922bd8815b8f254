import * as z from 'zod';
import { eventBase, Identifier } from './common.ts';

/** Detail-type of the event the lead SLA journey emits when the owner has not responded in time. */
export const LEAD_SLA_BREACHED = 'lead.sla_breached';

/** The SLA of one assignment lapsed: `remind` the owner, or `reassign` the lead and tell the manager. */
export const LeadSlaBreached = z
  .object({
    ...eventBase,
    leadId: Identifier,
    assignmentId: Identifier,
    stage: z.enum(['remind', 'reassign']),
  })
  .meta({
    description: 'The owner of a lead did not respond within the SLA (emitted by the lead-sla journey).',
  });

/** Parsed `lead.sla_breached` detail. */
export type LeadSlaBreached = z.infer<typeof LeadSlaBreached>;

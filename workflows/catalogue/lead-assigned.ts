import * as z from '#catalogue/zod.ts';
import { Identifier } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A lead was given to a sales rep; the SLA journey starts from it. */
export const LeadAssigned = z
  .object({
    ...contactEventBase,
    leadId: Identifier,
    /** One per assignment of the lead (`<leadId>.<n>`): a reassigned lead starts a new SLA run. */
    assignmentId: Identifier,
    repId: Identifier,
    /** The routing rule that chose the rep. */
    rule: z.enum(['key_account', 'territory_skills', 'round_robin', 'fallback', 'manual']),
    score: z.number(),
    grade: z.enum(['A', 'B', 'C']),
    /** Why the lead changed hands: a new lead, the previous rep passed it, or the SLA lapsed. */
    reason: z.enum(['new', 'passed', 'sla_lapsed']),
    previousRepId: z.optional(Identifier),
  })
  .check(z.describe('relance gave a lead to a sales rep (published by relance, source relance.leads).'));

/** Parsed `lead.assigned` detail. */
export type LeadAssigned = z.infer<typeof LeadAssigned>;

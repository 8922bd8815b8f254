/**
 * The links in a rep's notification: accept the lead, mark it contacted, or pass it on. Each is a
 * token signed with the deployment's link key (the one that signs unsubscribe links) whose strict
 * claims name the lead, the assignment and the rep, so a link acts on that assignment only: a link
 * from a lead's earlier owner, or a contact's unsubscribe token, never verifies here.
 */
import * as z from '#catalogue/zod.ts';
import { signClaims, type VerifyFailure, verifyClaims } from '../consent/signed-links.ts';

export const LeadAction = z.enum(['accept', 'contacted', 'pass']);
export type LeadAction = z.infer<typeof LeadAction>;

export const LeadActionClaims = z.strictObject({
  purpose: z.literal('lead_action'),
  leadId: z.string().check(z.minLength(1), z.maxLength(128)),
  assignmentId: z.string().check(z.minLength(1), z.maxLength(140)),
  repId: z.string().check(z.minLength(1), z.maxLength(128)),
  action: LeadAction,
  exp: z.int().check(z.positive()),
});
export type LeadActionClaims = z.infer<typeof LeadActionClaims>;

/** Leads are worked within days; a link in a week-old e-mail has no business acting any more. */
export const LEAD_ACTION_LIFETIME_SECONDS = 14 * 86_400;

export interface LeadActionLinks {
  readonly accept: string;
  readonly contacted: string;
  readonly pass: string;
}

/** The three links for one assignment, under `<baseUrl>leads/actions/<token>`. */
export function leadActionLinks(request: {
  readonly baseUrl: string;
  readonly key: string;
  readonly leadId: string;
  readonly assignmentId: string;
  readonly repId: string;
  readonly nowMs: number;
}): LeadActionLinks {
  const exp = Math.floor(request.nowMs / 1000) + LEAD_ACTION_LIFETIME_SECONDS;
  const base = request.baseUrl.endsWith('/') ? request.baseUrl : `${request.baseUrl}/`;
  const link = (action: LeadAction) => {
    const token = signClaims(request.key, LeadActionClaims, {
      purpose: 'lead_action',
      leadId: request.leadId,
      assignmentId: request.assignmentId,
      repId: request.repId,
      action,
      exp,
    });
    return new URL(`leads/actions/${token}`, base).toString();
  };
  return { accept: link('accept'), contacted: link('contacted'), pass: link('pass') };
}

/** The claims of an action token signed with `key` and not expired, or why not. */
export function verifyLeadAction(
  key: string,
  token: string,
  nowMs: number,
): { ok: true; claims: LeadActionClaims } | { ok: false; reason: VerifyFailure } {
  return verifyClaims(key, token, LeadActionClaims, nowMs);
}

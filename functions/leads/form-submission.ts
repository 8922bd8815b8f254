/**
 * A website form posting a lead (`POST /leads`), once its origin is allowed: the client must be
 * under its per-minute limit, the form must be valid (see lead-form.ts), the captcha (when
 * configured) must pass; then the submission id makes a retry idempotent, and the lead goes on the
 * bus as `lead.submitted` for ingest (contact found or created) and the lead router. Answers 202
 * with the lead reference, or a 4xx naming the field.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { journeyMsOfRealMs } from '#platform/clock.ts';
import type { BusEvent } from '#platform/event-publisher.ts';
import { clientError, json } from '#platform/http/responses.ts';
import { logger } from '#platform/logger.ts';
import { verifyCaptcha } from './captcha.ts';
import { LEAD_FORM_SOURCE, type LeadForm, leadSubmittedDetail, parseLeadForm } from './lead-form.ts';
import { digestOf, type SubmissionRepository } from './submission-repository.ts';

export interface LeadFormDeps {
  readonly submissions: SubmissionRepository;
  readonly publish: (events: readonly BusEvent[]) => Promise<unknown>;
  readonly honeypotField: string;
  readonly perClientPerMinute: number;
  /** Absent: no captcha. */
  readonly captcha?: { readonly verifyUrl: string; readonly secret: () => Promise<string> };
  readonly nowMs: () => number;
}

export interface LeadFormRequest {
  /** The client's source IP: the rate limit's key. */
  readonly clientIp: string;
  readonly body: string;
  readonly contentType: string | undefined;
}

/** A lead reference: sortable by time, unguessable, safe in URLs and SES tags. */
function newLeadId(nowMs: number): string {
  return `lead-${nowMs.toString(36)}-${randomBytes(6).toString('hex')}`;
}

async function publishLead(deps: LeadFormDeps, form: LeadForm, leadId: string, occurredAt: string) {
  const detail = leadSubmittedDetail(form, { leadId, eventId: `${leadId}-submitted`, occurredAt });
  await deps.publish([{ source: LEAD_FORM_SOURCE, detailType: 'lead.submitted', detail: { ...detail } }]);
}

/** The captcha's refusal, or undefined when it passed (or none is configured). */
async function captchaRefusal(
  deps: LeadFormDeps,
  token: string | undefined,
  clientIp: string,
): Promise<APIGatewayProxyResult | undefined> {
  if (!deps.captcha) return undefined;
  const verdict = await verifyCaptcha(
    { verifyUrl: deps.captcha.verifyUrl, secret: await deps.captcha.secret() },
    token,
    clientIp,
  );
  if (verdict.ok) return undefined;
  if (verdict.reason === 'unavailable') {
    logger.warn('captcha verification unavailable', { detail: verdict.detail });
    return json(503, { errors: [{ field: 'captchaToken', message: 'could not be checked; retry' }] });
  }
  if (verdict.reason === 'rejected') logger.info('captcha rejected', { errorCodes: verdict.errorCodes });
  const message =
    verdict.reason === 'missing' ? 'is required' : 'was not accepted; solve the challenge again';
  return clientError(400, [{ field: 'captchaToken', message }]);
}

/** Takes one lead form; the answer is the endpoint's (CORS headers are the caller's). */
export async function submitLeadForm(
  deps: LeadFormDeps,
  request: LeadFormRequest,
): Promise<APIGatewayProxyResult> {
  // A minute of real time (a quota, not journey time: under --time-scale journey time runs faster).
  const windowSeconds = journeyMsOfRealMs(60_000) / 1000;
  const rate = await deps.submissions.takeRateToken(
    request.clientIp,
    deps.perClientPerMinute,
    windowSeconds,
    deps.nowMs(),
  );
  if (!rate.allowed) {
    const realSeconds = Math.max(1, Math.ceil((rate.retryAfterSeconds * 60) / windowSeconds));
    return clientError(429, [{ field: 'client', message: 'too many submissions; try again shortly' }], {
      'retry-after': String(realSeconds),
    });
  }
  const parsed = parseLeadForm(
    { body: request.body, contentType: request.contentType },
    { honeypotField: deps.honeypotField },
  );
  if (!parsed.ok) return clientError(parsed.status, parsed.errors);
  const refused = await captchaRefusal(deps, parsed.captchaToken, request.clientIp);
  if (refused) return refused;

  const { form } = parsed;
  const at = new Date(deps.nowMs()).toISOString();
  let leadId = newLeadId(deps.nowMs());
  if (form.submissionId) {
    const claim = await deps.submissions.claim(form.submissionId, digestOf(form), leadId, at);
    if (claim.kind === 'conflict') {
      return clientError(409, [
        { field: 'submissionId', message: 'was already used for a different submission' },
      ]);
    }
    if (claim.kind === 'repeat') {
      leadId = claim.leadId;
      // The first attempt may have stopped before publishing: publish again with the same event id.
      if (!claim.completed) {
        await publishLead(deps, form, leadId, claim.claimedAt);
        await deps.submissions.complete(form.submissionId, at);
      }
      return json(202, { accepted: true, leadId, repeated: true });
    }
  }
  await publishLead(deps, form, leadId, at);
  if (form.submissionId) await deps.submissions.complete(form.submissionId, at);
  logger.info('lead accepted', { leadId, formId: form.formId });
  return json(202, { accepted: true, leadId });
}

/**
 * Lambda: POST /leads, the public endpoint website forms post to (no API key; API Gateway
 * throttles the stage, this function limits each client). In order: the Origin must be one of the
 * site's, the client must be under its per-minute limit, the form must be valid (JSON or
 * form-urlencoded, declared fields only, honeypot empty), the captcha (when configured) must pass;
 * then the submission id makes a retry idempotent, and the lead goes on the bus as `lead.submitted`
 * for ingest (contact found or created) and the lead router. Answers 202 with the lead reference.
 */
import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { now, nowIso } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { bodyText, clientError, header, json } from '#platform/http.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import { secretsManager } from '../consent/link-key.ts';
import { verifyCaptcha } from './captcha.ts';
import {
  corsHeaders,
  DEFAULT_HONEYPOT_FIELD,
  LEAD_FORM_SOURCE,
  type LeadForm,
  leadSubmittedDetail,
  originAllowed,
  parseLeadForm,
} from './lead-form.ts';
import { digestOf, SubmissionRepository } from './submission-repository.ts';

const busName = requireEnv(ENV.eventBusName);
const origins = z.array(z.string()).parse(JSON.parse(optionalEnv(LEAD_ENV.formOrigins, '[]')));
const honeypotField = optionalEnv(LEAD_ENV.honeypotField, DEFAULT_HONEYPOT_FIELD);
const perClientPerMinute = Number(optionalEnv(LEAD_ENV.perClientPerMinute, '10'));
const captchaVerifyUrl = optionalEnv(LEAD_ENV.captchaVerifyUrl, '');
const captchaSecretArn = optionalEnv(LEAD_ENV.captchaSecretArn, '');
const submissions = new SubmissionRepository(requireEnv(LEAD_ENV.leadsTable));

let captchaSecret: Promise<string> | undefined;
/** The captcha secret, read from Secrets Manager once per container (a failed read is retried next time). */
function readCaptchaSecret(): Promise<string> {
  captchaSecret ??= secretsManager
    .send(new GetSecretValueCommand({ SecretId: captchaSecretArn }))
    .then((answer) => answer.SecretString ?? '')
    .catch((error: unknown) => {
      captchaSecret = undefined;
      throw error;
    });
  return captchaSecret;
}

/** A lead reference: sortable by time, unguessable, safe in URLs and SES tags. */
function newLeadId(nowMs: number): string {
  return `lead-${nowMs.toString(36)}-${randomBytes(6).toString('hex')}`;
}

async function publishLead(form: LeadForm, leadId: string, occurredAt: string): Promise<void> {
  const detail = leadSubmittedDetail(form, { leadId, eventId: `${leadId}-submitted`, occurredAt });
  await publishEvents(busName, [
    { source: LEAD_FORM_SOURCE, detailType: 'lead.submitted', detail: { ...detail } },
  ]);
}

async function postLead(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const origin = header(event, 'origin');
  const cors = corsHeaders(origin, origins);
  if (!originAllowed(origin, origins)) {
    return clientError(403, [{ field: 'origin', message: 'this site may not post leads here' }]);
  }
  const clientIp = event.requestContext?.identity?.sourceIp ?? 'unknown';
  const rate = await submissions.takeRateToken(clientIp, perClientPerMinute, 60, now());
  if (!rate.allowed) {
    return clientError(429, [{ field: 'client', message: 'too many submissions; try again shortly' }], {
      ...cors,
      'retry-after': String(rate.retryAfterSeconds),
    });
  }
  const parsed = parseLeadForm(
    { body: bodyText(event), contentType: header(event, 'content-type') },
    { honeypotField },
  );
  if (!parsed.ok) return clientError(parsed.status, parsed.errors, cors);
  if (captchaVerifyUrl) {
    const verdict = await verifyCaptcha(
      { verifyUrl: captchaVerifyUrl, secret: await readCaptchaSecret() },
      parsed.captchaToken,
      clientIp,
    );
    if (!verdict.ok) {
      if (verdict.reason === 'unavailable') {
        logger.warn('captcha verification unavailable', { detail: verdict.detail });
        return json(
          503,
          { errors: [{ field: 'captchaToken', message: 'could not be checked; retry' }] },
          cors,
        );
      }
      if (verdict.reason === 'rejected') logger.info('captcha rejected', { errorCodes: verdict.errorCodes });
      const message =
        verdict.reason === 'missing' ? 'is required' : 'was not accepted; solve the challenge again';
      return clientError(400, [{ field: 'captchaToken', message }], cors);
    }
  }

  const { form } = parsed;
  const at = nowIso();
  let leadId = newLeadId(now());
  if (form.submissionId) {
    const claim = await submissions.claim(form.submissionId, digestOf(form), leadId, at);
    if (claim.kind === 'conflict') {
      return clientError(
        409,
        [{ field: 'submissionId', message: 'was already used for a different submission' }],
        cors,
      );
    }
    if (claim.kind === 'repeat') {
      leadId = claim.leadId;
      // The first attempt may have stopped before publishing: publish again with the same event id.
      if (!claim.completed) {
        await publishLead(form, leadId, claim.claimedAt);
        await submissions.complete(form.submissionId, at);
      }
      return json(202, { accepted: true, leadId, repeated: true }, cors);
    }
  }
  await publishLead(form, leadId, at);
  if (form.submissionId) await submissions.complete(form.submissionId, at);
  logger.info('lead accepted', { leadId, formId: form.formId });
  return json(202, { accepted: true, leadId }, cors);
}

/** Faults answer 503 without details (the site retries with the same submissionId); the error is logged, never echoed. */
async function safely(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await postLead(event);
  } catch (error) {
    logger.error('lead could not be accepted', { error: error instanceof Error ? error.name : 'unknown' });
    return json(503, {
      errors: [{ field: 'service', message: 'temporarily unavailable, retry with the same submissionId' }],
    });
  }
}

export const handler = middy(safely).use(injectLambdaContext(logger, { resetKeys: true }));

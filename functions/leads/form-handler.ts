/**
 * Lambda: POST /leads, the public endpoint website forms post to (no API key; API Gateway
 * throttles the stage, this function limits each client). The Origin must be one of the site's
 * (403 otherwise; allowed origins get CORS headers), then the form is taken as form-submission.ts
 * says. Faults answer 503 without details: the site retries with the same submissionId.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from '#catalogue/zod.ts';
import { now } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { cors } from '#platform/http/cors.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { bodyText, header, json } from '#platform/http/responses.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import { secretString } from '#platform/secrets.ts';
import { type LeadFormDeps, submitLeadForm } from './form-submission.ts';
import { DEFAULT_HONEYPOT_FIELD } from './lead-form.ts';
import { SubmissionRepository } from './submission-repository.ts';

const busName = requireEnv(ENV.eventBusName);
const origins = z.array(z.string()).parse(JSON.parse(optionalEnv(LEAD_ENV.formOrigins, '[]')));
const captchaVerifyUrl = optionalEnv(LEAD_ENV.captchaVerifyUrl, '');
const captchaSecretArn = optionalEnv(LEAD_ENV.captchaSecretArn, '');

const deps: LeadFormDeps = {
  submissions: new SubmissionRepository(requireEnv(LEAD_ENV.leadsTable)),
  publish: (events) => publishEvents(busName, events),
  honeypotField: optionalEnv(LEAD_ENV.honeypotField, DEFAULT_HONEYPOT_FIELD),
  perClientPerMinute: Number(optionalEnv(LEAD_ENV.perClientPerMinute, '10')),
  ...(captchaVerifyUrl
    ? { captcha: { verifyUrl: captchaVerifyUrl, secret: () => secretString(captchaSecretArn) } }
    : {}),
  nowMs: now,
};

const postLead = (event: APIGatewayProxyEvent) =>
  submitLeadForm(deps, {
    clientIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
    body: bodyText(event),
    contentType: header(event, 'content-type'),
  });

export const handler = middy(postLead)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(
    httpErrors({
      logMessage: 'lead could not be accepted',
      fault: () =>
        json(503, {
          errors: [
            { field: 'service', message: 'temporarily unavailable, retry with the same submissionId' },
          ],
        }),
    }),
  )
  .use(cors({ origins, refusal: 'this site may not post leads here' }));

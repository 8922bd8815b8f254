/**
 * Lambda: incoming SMS from the two-way SMS topic (SNS), see inbound-sms.ts: STOP-like keywords
 * opt the number out of SMS, START-like ones back in. Malformed records are dead-lettered once;
 * faults throw, so Lambda retries and then sends the event to the same queue.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { FEEDBACK_ENV } from '#platform/feedback-env-names.ts';
import { logger } from '#platform/logger.ts';
import { FeedbackDeadLetters, FeedbackRepository } from './feedback-repository.ts';
import { type InboundSmsDeps, receiveSms } from './inbound-sms.ts';

const deps: InboundSmsDeps = {
  feedback: new FeedbackRepository({ contacts: requireEnv(ENV.contactsTable) }),
  deadLetters: new FeedbackDeadLetters(requireEnv(FEEDBACK_ENV.deadLettersQueueUrl)),
};

export const handler = middy((event: unknown) => receiveSms(deps, event)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);

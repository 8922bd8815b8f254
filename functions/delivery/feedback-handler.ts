/**
 * Lambda: provider events from the default bus (SES e-mail events, End User Messaging SMS and call
 * events) and from the phone configuration set's SNS event destination.
 * Records them on the ledger entry and the contact. An event that fails validation goes to the
 * feedback dead letters once, with the failing fields: retrying cannot fix it. Faults (DynamoDB)
 * throw, so Lambda retries and then sends the event to the same queue.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from '#catalogue/zod.ts';
import { nowIso } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { FEEDBACK_ENV } from '#platform/feedback-env-names.ts';
import { logger } from '#platform/logger.ts';
import { METRIC } from '#platform/metric-names.ts';
import { countMetric } from '#platform/metrics.ts';
import { type AppliedFeedback, FeedbackDeadLetters, FeedbackRepository } from './feedback-repository.ts';
import { interpretProviderEvent, phoneEventFromDestination } from './provider-feedback.ts';

const repository = new FeedbackRepository({
  contacts: requireEnv(ENV.contactsTable),
  ledger: requireEnv(ENV.ledgerTable),
});
const configurationSet = optionalEnv(ENV.sesConfigurationSet, '');
const deadLetters = new FeedbackDeadLetters(requireEnv(FEEDBACK_ENV.deadLettersQueueUrl));

const Envelope = z.looseObject({ id: z.optional(z.string()), 'detail-type': z.optional(z.string()) });

type FeedbackResult =
  | { readonly status: 'recorded'; readonly eventType: string; readonly applied: AppliedFeedback }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'dead_lettered'; readonly issues: readonly string[] };

async function recordFeedback(event: unknown): Promise<FeedbackResult> {
  const envelope = Envelope.safeParse(event);
  const keys = envelope.success
    ? { eventId: envelope.data.id, detailType: envelope.data['detail-type'] }
    : {};
  const interpretation = interpretProviderEvent(event, { configurationSet });
  if (interpretation.kind === 'ignored') {
    logger.info('provider event ignored', { ...keys, reason: interpretation.reason });
    return { status: 'ignored', reason: interpretation.reason };
  }
  if (interpretation.kind === 'malformed') {
    logger.warn('malformed provider event dead-lettered', { ...keys, issues: interpretation.issues });
    await deadLetters.malformed(event, interpretation.issues);
    return { status: 'dead_lettered', issues: interpretation.issues };
  }
  const applied = await repository.apply(interpretation.effects, nowIso());
  countMetric(METRIC.providerFeedback, 1, { Outcome: interpretation.eventType });
  logger.info('provider event recorded', { ...keys, eventType: interpretation.eventType, applied });
  return { status: 'recorded', eventType: interpretation.eventType, applied };
}

/** An SNS delivery: the configuration set's event destination (End User Messaging receipts). */
const SnsDelivery = z.object({
  Records: z
    .array(z.object({ Sns: z.object({ Message: z.string(), Timestamp: z.string() }) }))
    .check(z.minLength(1)),
});

/** Events from the default bus, or receipts from the phone configuration set's SNS destination. */
async function recordEvents(event: unknown): Promise<FeedbackResult | FeedbackResult[]> {
  const sns = SnsDelivery.safeParse(event);
  if (!sns.success) return recordFeedback(event);
  const results: FeedbackResult[] = [];
  for (const { Sns } of sns.data.Records)
    results.push(await recordFeedback(phoneEventFromDestination(Sns.Message, Sns.Timestamp)));
  return results;
}

export const handler = middy(recordEvents).use(injectLambdaContext(logger, { resetKeys: true }));

/** Lambda: every producer event on the bus. Invalid ones go to the rejected-events queue with the reasons. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from '#catalogue/zod.ts';
import { logger } from '#platform/logger.ts';
import { METRIC } from '#platform/metric-names.ts';
import { countMetric } from '#platform/metrics.ts';
import { ingestEvent } from './ingest-event.ts';
import { ingestDepsFromEnvironment } from './wiring.ts';

const deps = ingestDepsFromEnvironment();

/** The EventBridge envelope; the detail is validated by the event catalogue inside ingest. */
const Envelope = z.looseObject({ 'detail-type': z.string(), source: z.string(), detail: z.unknown() });

async function ingestFromBus(raw: unknown) {
  const envelope = Envelope.safeParse(raw);
  const incoming = envelope.success
    ? { detailType: envelope.data['detail-type'], source: envelope.data.source, detail: envelope.data.detail }
    : { detailType: '', source: 'unknown', detail: raw };
  const result = await ingestEvent(deps, incoming);
  if (result.status === 'rejected') {
    countMetric(METRIC.eventsRejected);
    logger.warn('event rejected', { detailType: incoming.detailType, errors: result.errors });
  } else {
    if (result.status === 'accepted') countMetric(METRIC.eventsAccepted);
    logger.info(`event ${result.status}`, { eventId: result.eventId, detailType: incoming.detailType });
  }
  return result;
}

export const handler = middy(ingestFromBus).use(injectLambdaContext(logger, { resetKeys: true }));

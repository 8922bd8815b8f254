/**
 * Lambda: POST /events (API key). Validates `{ type, detail }` with the event catalogue and forwards
 * it to the bus, where ingest picks it up like any producer event. Answers 202 with the event id,
 * or 4xx naming each failing field; nothing is forwarded when anything is wrong. Faults answer 503
 * without details: the producer retries with the same eventId.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { parseEvent } from '#catalogue/parse-event.ts';
import * as z from '#catalogue/zod.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV, HTTP_SOURCE } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { jsonBody, type ParsedJsonEvent } from '#platform/http/body.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { HttpError } from '#platform/http/http-error.ts';
import { json } from '#platform/http/responses.ts';
import { logger } from '#platform/logger.ts';

const busName = requireEnv(ENV.eventBusName);
/** EventBridge takes 256 KB per entry; events are far smaller, so anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

const Request = z.object({ type: z.string({ error: 'is required' }), detail: z.unknown() });

async function postEvent(event: ParsedJsonEvent): Promise<APIGatewayProxyResult> {
  const request = Request.safeParse(event.body);
  if (!request.success) {
    throw new HttpError(
      400,
      request.error.issues.map((issue) => ({
        field: issue.path.join('.') || 'body',
        message: issue.message,
      })),
    );
  }
  const parsed = await parseEvent(request.data.type, request.data.detail);
  if (!parsed.ok) {
    throw new HttpError(
      400,
      parsed.errors.map((e) => ({ field: e.field === 'detail-type' ? 'type' : e.field, message: e.message })),
    );
  }
  await publishEvents(busName, [
    { source: HTTP_SOURCE, detailType: parsed.type, detail: { ...parsed.detail } },
  ]);
  logger.info('event forwarded', { eventId: parsed.detail.eventId, detailType: parsed.type });
  return json(202, { accepted: true, eventId: parsed.detail.eventId, type: parsed.type });
}

export const handler = middy(postEvent)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(
    httpErrors({
      logMessage: 'event could not be forwarded',
      fault: () =>
        json(503, {
          errors: [{ field: 'service', message: 'temporarily unavailable, retry with the same eventId' }],
        }),
    }),
  )
  // application/json or application/*+json only (`application/not-json` is not JSON); a request
  // without a Content-Type is read as JSON.
  .use(jsonBody({ maxBytes: MAX_BODY_BYTES }));

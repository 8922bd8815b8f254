/**
 * Lambda: POST /events (API key). Validates `{ type, detail }` with the event catalogue and forwards
 * it to the bus, where ingest picks it up like any producer event. Answers 202 with the event id,
 * or 4xx naming each failing field; nothing is forwarded when anything is wrong.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { parseEventDetail } from '#catalogue/catalogue.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV, HTTP_SOURCE } from '#platform/env-names.ts';
import { publishEvents } from '#platform/event-publisher.ts';
import { bodyText, clientError, header, json, parseJson } from '#platform/http.ts';
import { logger } from '#platform/logger.ts';

const busName = requireEnv(ENV.eventBusName);
/** EventBridge takes 256 KB per entry; events are far smaller, so anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

const Request = z.object({ type: z.string({ error: 'is required' }), detail: z.unknown() });

async function postEvent(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return clientError(413, [{ field: 'body', message: `is larger than ${MAX_BODY_BYTES} bytes` }]);
  }
  const contentType = header(event, 'content-type') ?? '';
  if (contentType && !contentType.toLowerCase().includes('json')) {
    return clientError(415, [{ field: 'content-type', message: 'must be application/json' }]);
  }
  const body = parseJson(text);
  if (!body.ok) return clientError(400, [body.error]);
  const request = Request.safeParse(body.value);
  if (!request.success) {
    return clientError(
      400,
      request.error.issues.map((issue) => ({
        field: issue.path.join('.') || 'body',
        message: issue.message,
      })),
    );
  }
  const parsed = parseEventDetail(request.data.type, request.data.detail);
  if (!parsed.ok) {
    const errors = parsed.errors.map((e) => ({
      field: e.field === 'detail-type' ? 'type' : e.field,
      message: e.message,
    }));
    return clientError(400, errors);
  }
  await publishEvents(busName, [
    { source: HTTP_SOURCE, detailType: parsed.type, detail: { ...parsed.detail } },
  ]);
  logger.info('event forwarded', { eventId: parsed.detail.eventId, detailType: parsed.type });
  return json(202, { accepted: true, eventId: parsed.detail.eventId, type: parsed.type });
}

/** Faults answer 500 without details; the error is logged, never echoed. */
async function safely(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await postEvent(event);
  } catch (error) {
    logger.error('event could not be forwarded', { error: error instanceof Error ? error.name : 'unknown' });
    return json(503, {
      errors: [{ field: 'service', message: 'temporarily unavailable, retry with the same eventId' }],
    });
  }
}

export const handler = middy(safely).use(injectLambdaContext(logger, { resetKeys: true }));

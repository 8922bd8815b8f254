/**
 * Lambda: the sales roster API (API Gateway REST proxy; API Gateway checks the API key); the
 * routes are reps-api.ts. Unknown routes answer 404 and other methods 405 (`allow`); a refusal
 * answers its status naming each field; faults answer 503 without details, only the error's name
 * is logged.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { requireEnv } from '#platform/env.ts';
import { httpErrors } from '#platform/http/error-handler.ts';
import { json } from '#platform/http/responses.ts';
import { allowedMethods } from '#platform/http/routes.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import { answerRepsRequest, REPS_ROUTES } from './reps-api.ts';
import { loadRoster } from './roster.ts';
import { RosterRepository } from './roster-repository.ts';

const middlewares = () => [
  httpErrors({
    logMessage: 'reps request failed',
    fault: () =>
      json(
        503,
        { errors: [{ field: 'service', message: 'temporarily unavailable, retry later' }] },
        { 'retry-after': '5' },
      ),
  }),
  allowedMethods(REPS_ROUTES),
];

/** One request against `roster`, through the handler's middlewares (without the Lambda context). */
export function serveReps(
  event: APIGatewayProxyEvent,
  roster: RosterRepository,
): Promise<APIGatewayProxyResult> {
  return middy((request: APIGatewayProxyEvent) => answerRepsRequest(request, roster)).use(middlewares())(
    event,
    {} as Context,
  );
}

/** The leads table holds the rep edits. Edits must show at once (an `If-Match` needs the current version): no cache. */
const repository = new RosterRepository(requireEnv(LEAD_ENV.leadsTable), () => loadRoster(), {
  ttlMs: 0,
});

export const handler = middy((event: APIGatewayProxyEvent) => answerRepsRequest(event, repository))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(middlewares());

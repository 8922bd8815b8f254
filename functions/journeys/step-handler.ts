/** Lambda: every Task state of every journey state machine. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#platform/logger.ts';
import { runStep, StepRequest } from './dispatch.ts';
import { journeyDepsFromEnvironment } from './wiring.ts';

const deps = journeyDepsFromEnvironment();

async function journeyStep(payload: unknown): Promise<unknown> {
  const request = StepRequest.parse(payload);
  logger.appendKeys({ journeyId: request.journeyId, action: request.action });
  return runStep(deps, request);
}

export const handler = middy(journeyStep).use(injectLambdaContext(logger, { resetKeys: true }));

/** Lambda: every Task state of every journey state machine. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#shared/logger.ts';
import { runStep, StepRequest } from '../journey-steps/dispatch.ts';
import { journeyDepsFromEnvironment } from '../journey-steps/wiring.ts';

const deps = journeyDepsFromEnvironment();

async function journeyStep(payload: unknown): Promise<unknown> {
  const request = StepRequest.parse(payload);
  logger.appendKeys({ journeyId: request.journeyId, action: request.action });
  return runStep(deps, request);
}

export const handler = middy(journeyStep).use(injectLambdaContext(logger, { resetKeys: true }));

/**
 * Lambda: the Task states of the audience-pass state machine. `plan` records a pass of a scheduled
 * journey and names its workers; `page` runs one slot of one worker (see audience-passes/audience-pass).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from '#catalogue/zod.ts';
import { logger } from '#platform/logger.ts';
import { planPass, runPage } from './audience-pass.ts';
import { passDepsFromEnvironment } from './wiring.ts';

const deps = passDepsFromEnvironment();

const PassRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('plan'), journeyId: z.string().check(z.minLength(1)) }),
  z.object({
    action: z.literal('page'),
    passId: z.string().check(z.minLength(1)),
    worker: z.int().check(z.gte(0)),
  }),
]);

async function run(raw: unknown): Promise<unknown> {
  const request = PassRequest.parse(raw);
  if (request.action === 'plan') {
    const plan = await planPass(deps, request.journeyId);
    logger.info('audience pass planned', { passId: plan.passId, workers: plan.workers.length });
    return plan;
  }
  const result = await runPage(deps, { passId: request.passId, worker: request.worker });
  logger.info('audience pass page', {
    passId: request.passId,
    worker: request.worker,
    ...result.counts,
    done: result.done,
  });
  return result;
}

export const handler = middy(run).use(injectLambdaContext(logger, { resetKeys: true }));

/** Lambda: accepted events that some journey waits for or ends on. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from '#catalogue/zod.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { logger } from '#platform/logger.ts';
import { deployedJourneyVersions } from '../../workflows/versions/index.ts';
import { routeEvent } from './event-router.ts';
import { journeyTargetsFromEnvironment } from './journey-targets.ts';
import { endedRunRetention } from './run-retention.ts';
import { RunsRepository } from './runs-repository.ts';

const versions = deployedJourneyVersions();
const deps = {
  runs: new RunsRepository(requireEnv(ENV.journeyStateTable), {
    endedRunRetention: endedRunRetention(versions),
  }),
  journeys: versions.definitions(),
  versions,
  targets: journeyTargetsFromEnvironment(versions.journeyIds()),
};

const AcceptedEvent = z.looseObject({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) });

async function route(event: unknown) {
  return routeEvent(deps, AcceptedEvent.parse(event));
}

export const handler = middy(route).use(injectLambdaContext(logger, { resetKeys: true }));

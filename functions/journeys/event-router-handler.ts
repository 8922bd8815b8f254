/** Lambda: accepted events that some journey waits for or ends on. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { logger } from '#platform/logger.ts';
import { bundledJourneyVersions } from '../../workflows/versions/index.ts';
import { routeEvent } from './event-router.ts';
import { journeyNamingFromEnvironment, journeyTargets } from './journey-targets.ts';
import { RunsRepository } from './runs-repository.ts';

const versions = bundledJourneyVersions();
const deps = {
  runs: new RunsRepository(requireEnv(ENV.journeyStateTable)),
  journeys: versions.definitions(),
  versions,
  targets: journeyTargets(
    journeyNamingFromEnvironment(),
    versions.definitions().map((j) => j.id),
  ),
};

const AcceptedEvent = z.looseObject({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) });

async function route(event: unknown) {
  return routeEvent(deps, AcceptedEvent.parse(event));
}

export const handler = middy(route).use(injectLambdaContext(logger, { resetKeys: true }));

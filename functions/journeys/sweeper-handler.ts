/** Lambda: the run sweeper, started periodically by an EventBridge Scheduler schedule. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { now } from '#platform/clock.ts';
import { requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { logger } from '#platform/logger.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { cancelResume } from './cancel-resume.ts';
import { journeyNamingFromEnvironment, journeyTargets } from './journey-targets.ts';
import { startRun } from './run-starter.ts';
import { stalledRunsMetric, sweepRuns } from './run-sweeper.ts';
import { RunsRepository } from './runs-repository.ts';

const deps = {
  runs: new RunsRepository(requireEnv(ENV.journeyStateTable)),
  targets: journeyTargets(
    journeyNamingFromEnvironment(),
    journeys.map((j) => j.id),
  ),
  startResume: (target: { stateMachineArn: string }, name: string, input: unknown) =>
    startRun(target.stateMachineArn, name, input),
  deleteSchedule: cancelResume,
  now,
};

async function sweep(): Promise<{ stalled: number }> {
  const report = await sweepRuns(deps);
  for (const outcome of report.outcomes) logger.warn('stalled run', { ...outcome });
  // The metric rides on a log line (embedded metric format); WARN when there is something to see.
  const metric = stalledRunsMetric(report, now());
  if (report.stalled > 0) logger.warn('run sweep', metric);
  else logger.info('run sweep', metric);
  return { stalled: report.stalled };
}

export const handler = middy(sweep).use(injectLambdaContext(logger, { resetKeys: true }));

/** Lambda: the run sweeper, started periodically by an EventBridge Scheduler schedule. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { GetScheduleCommand, scheduler } from '#platform/clients/scheduler.ts';
import { now } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { logger } from '#platform/logger.ts';
import { STAGE_ENV } from '#platform/metric-names.ts';
import { deployedJourneyVersions } from '../../workflows/versions/index.ts';
import { cancelResume } from './cancel-resume.ts';
import { journeyTargetsFromEnvironment } from './journey-targets.ts';
import { startRun } from './run-starter.ts';
import { SWEEP_GRACE_MS, stalledRunsMetric, sweepRuns } from './run-sweeper.ts';
import { RunsRepository } from './runs-repository.ts';

const deps = {
  runs: new RunsRepository(requireEnv(ENV.journeyStateTable)),
  targets: journeyTargetsFromEnvironment(deployedJourneyVersions().journeyIds()),
  scheduleExists: async (target: { scheduleGroup: string }, name: string) => {
    try {
      await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: target.scheduleGroup }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
      throw error;
    }
  },
  startResume: (target: { stateMachineArn: string }, name: string, input: unknown) =>
    startRun(target.stateMachineArn, name, input),
  deleteSchedule: cancelResume,
  now,
  graceMs: Number(optionalEnv(ENV.runSweepGraceSeconds, String(SWEEP_GRACE_MS / 1000))) * 1000,
};

async function sweep(): Promise<{ stalled: number }> {
  const report = await sweepRuns(deps);
  for (const outcome of report.outcomes) logger.warn('stalled run', { ...outcome });
  // The metric rides on a log line (embedded metric format); WARN when there is something to see.
  const metric = stalledRunsMetric(report, now(), process.env[STAGE_ENV] || undefined);
  if (report.stalled > 0) logger.warn('run sweep', metric);
  else logger.info('run sweep', metric);
  return { stalled: report.stalled };
}

export const handler = middy(sweep).use(injectLambdaContext(logger, { resetKeys: true }));

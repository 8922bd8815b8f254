/**
 * The run sweeper: nothing stays waiting past its time unmarked. Periodically (hourly by default) it asks the wake
 * index (runs-repository.ts) for runs whose wake-up is overdue by more than a grace period, and for
 * each: marks it `stalled` with the reason (its schedule is missing, or still there but not
 * resuming the run), then resumes it directly, which is safe because a resume claims the run once
 * (a late schedule then does nothing) and sends go through the ledger. A run still stalled after
 * MAX_ATTEMPTS resumes, or whose journey is no longer deployed, is marked failed with the reason.
 * The count goes out as the `StalledRuns` metric, which an alarm watches.
 */
import { nowIso } from '#platform/clock.ts';
import { DEFAULT_STAGE, METRIC, METRICS_NAMESPACE, STAGE_DIMENSION } from '#platform/metric-names.ts';
import { scheduleName, VIA } from './journey-runs.ts';
import type { JourneyTarget } from './run-scheduler.ts';
import { type Run, type RunsRepository, WAKE_SHARDS } from './runs-repository.ts';

/** How late a wake-up may be before the sweeper acts (the scheduler fires within a minute or so). */
export const SWEEP_GRACE_MS = 10 * 60_000;
/** Resumes the sweeper starts for one stalled run before it marks the run failed. */
export const MAX_ATTEMPTS = 5;
/** After a resume it started, the sweeper looks at the run again this much later, times the attempt. */
const RECHECK_MS = 15 * 60_000;
/** Overdue runs handled per shard and sweep; the rest wait for the next sweep. */
const PAGE = 100;

export interface SweeperDeps {
  readonly runs: RunsRepository;
  readonly targets: Readonly<Record<string, JourneyTarget>>;
  /** Whether the schedule that should resume a run still exists. */
  readonly scheduleExists: (target: JourneyTarget, name: string) => Promise<boolean>;
  /** Starts the journey's state machine to resume a run (a deterministic execution name). */
  readonly startResume: (target: JourneyTarget, name: string, input: unknown) => Promise<void>;
  /** Deletes a schedule that did not resume its run (already gone is fine). */
  readonly deleteSchedule: (target: JourneyTarget, name: string) => Promise<void>;
  readonly now: () => number;
  /** How late a wake-up may be before it counts as overdue. @default SWEEP_GRACE_MS */
  readonly graceMs?: number;
}

export interface SweepOutcome {
  readonly journeyId: string;
  readonly runKey: string;
  readonly outcome: 'resumed' | 'failed';
  readonly reason: string;
}

export interface SweepReport {
  /** Overdue runs found (each marked stalled, resumed again or failed): the StalledRuns metric. */
  readonly stalled: number;
  readonly outcomes: SweepOutcome[];
}

const isWaiting = (run: Run | undefined): run is Run & { waiting: NonNullable<Run['waiting']> } =>
  run !== undefined && (run.status === 'waiting' || run.status === 'stalled') && run.waiting !== undefined;

async function sweepRun(
  deps: SweeperDeps,
  run: Run & { waiting: NonNullable<Run['waiting']> },
  seenWakeAt: string,
) {
  const at = nowIso();
  const { waiting } = run;
  const target = deps.targets[run.journeyId];
  const fail = async (reason: string): Promise<SweepOutcome | undefined> =>
    (await deps.runs.end(run, 'failed', reason, at))
      ? { journeyId: run.journeyId, runKey: run.runKey, outcome: 'failed', reason }
      : undefined;
  if (!target)
    return fail(`stalled: journey ${run.journeyId} is no longer deployed; nothing can resume the run`);
  const attempts = (run.stall?.attempts ?? 0) + 1;
  if (attempts > MAX_ATTEMPTS) {
    return fail(
      `stalled: ${run.stall?.reason ?? 'wake-up overdue'}; still not resumed after ${MAX_ATTEMPTS} attempts`,
    );
  }
  const name = scheduleName(run.journeyId, run.runKey, run.gen, waiting.stepId);
  const scheduled = await deps.scheduleExists(target, name);
  const reason = scheduled
    ? `wake-up due ${waiting.until} is overdue: its schedule exists but has not resumed the run`
    : `wake-up due ${waiting.until} is overdue: its schedule is missing`;
  const retryAt = new Date(deps.now() + RECHECK_MS * attempts).toISOString();
  const marked = await deps.runs.stall(run, waiting.stepId, { reason, at, attempts, retryAt }, seenWakeAt);
  if (!marked) return undefined; // Resumed or ended meanwhile.
  await deps.startResume(target, `${name}-sweep-${attempts}`.slice(0, 80), {
    resume: { runKey: run.runKey, gen: run.gen, stepId: waiting.stepId, via: VIA[waiting.kind] },
  });
  // The resume just started claims the run; a schedule that did not resume it has nothing left to do.
  if (scheduled) await deps.deleteSchedule(target, name);
  return { journeyId: run.journeyId, runKey: run.runKey, outcome: 'resumed', reason } as const;
}

/** One sweep over the wake index. */
export async function sweepRuns(deps: SweeperDeps): Promise<SweepReport> {
  const before = new Date(deps.now() - (deps.graceMs ?? SWEEP_GRACE_MS)).toISOString();
  const outcomes: SweepOutcome[] = [];
  const shards = Array.from({ length: WAKE_SHARDS }, (_, shard) => `WAKE#${shard}`);
  const pages = await Promise.all(shards.map((shard) => deps.runs.overdue(shard, before, PAGE)));
  for (const page of pages) {
    for (const entry of page) {
      const run = await deps.runs.get(entry.journeyId, entry.runKey);
      // Read after the index: a run whose wake-up moved since is not overdue.
      if (!isWaiting(run) || run.wakeAt !== entry.wakeAt) continue;
      const outcome = await sweepRun(deps, run, entry.wakeAt);
      if (outcome) outcomes.push(outcome);
    }
  }
  return { stalled: outcomes.length, outcomes };
}

/** The CloudWatch embedded metric format document for a sweep: `Relance/StalledRuns` of the stage (the alarm's metric). */
export function stalledRunsMetric(
  report: SweepReport,
  timestamp: number,
  stage: string = DEFAULT_STAGE,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[STAGE_DIMENSION]],
          Metrics: [{ Name: METRIC.stalledRuns, Unit: 'Count' }],
        },
      ],
    },
    [STAGE_DIMENSION]: stage,
    [METRIC.stalledRuns]: report.stalled,
  };
}

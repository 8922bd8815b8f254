/** When a paused run resumes, and the schedule that resumes it. Shared by Enter and the wait steps. */

import { nextLocalTime } from '#language/local-time.ts';
import type { Step } from '#language/types.ts';
import { now } from '#platform/clock.ts';
import { type JourneyDeps, requireTarget, type StepContext, valueOfRef } from './context.ts';
import { durationMs, scheduleName, VIA } from './journey-runs.ts';
import { scheduleResume } from './run-scheduler.ts';
import type { RunWaiting } from './runs-repository.ts';

export type PauseStep = Extract<Step, { type: 'wait' | 'waitFor' }>;

/** Whether a step pauses the run. */
export function isPauseStep(step: Step | undefined): step is PauseStep {
  return step?.type === 'wait' || step?.type === 'waitFor';
}

/**
 * A moment named by a field of the run is never scheduled in the past: one that has just passed is
 * moved this far ahead, so the resume schedule is always a future one-time schedule.
 */
const PAST_MOMENT_DELAY_MS = 60_000;

/**
 * What the run waits for at a pause step, and until when (a local time uses the contact's
 * timezone). `past` when a wait `until` a moment of the run finds it gone and must end the run.
 */
export function waitingFor(
  deps: JourneyDeps,
  step: PauseStep,
  ctx: Pick<StepContext, 'contact' | 'trigger' | 'event'>,
): RunWaiting | 'past' {
  let whenMs: number;
  if (step.type === 'waitFor') whenMs = now() + durationMs(step.timeout);
  else if (step.duration) whenMs = now() + durationMs(step.duration);
  else if (step.until) {
    const moment = Date.parse(String(valueOfRef(ctx, step.until.field) ?? ''));
    if (Number.isNaN(moment)) throw new Error(`wait "${step.id}": ${step.until.field} is not a date-time`);
    const target = moment - (step.until.before ? durationMs(step.until.before) : 0);
    if (target <= now() && step.until.ifPast === 'end') return 'past';
    whenMs = Math.max(target, now() + PAST_MOMENT_DELAY_MS);
  } else {
    const timezone = ctx.contact?.timezone;
    const zone = typeof timezone === 'string' ? timezone : deps.sending.defaultTimezone;
    whenMs = nextLocalTime(now(), step.untilLocalTime ?? '00:00', zone);
  }
  return { stepId: step.id, kind: step.type, until: new Date(whenMs).toISOString() };
}

/** Creates (idempotently) the schedule that resumes a paused run. */
export async function scheduleWakeUp(
  deps: JourneyDeps,
  journeyId: string,
  run: { runKey: string; gen: number },
  waiting: RunWaiting,
): Promise<void> {
  await scheduleResume(
    requireTarget(deps, journeyId),
    scheduleName(journeyId, run.runKey, run.gen, waiting.stepId),
    Date.parse(waiting.until),
    {
      resume: {
        runKey: run.runKey,
        gen: run.gen,
        stepId: waiting.stepId,
        via: VIA[waiting.kind],
      },
    },
  );
}

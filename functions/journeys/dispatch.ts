/**
 * The journey-step function's one entry: Task states pass `{ action, journeyId, ... }` and get the
 * action's result. Validated here with zod, since the payload crosses a service boundary.
 */
import * as z from '#catalogue/zod.ts';
import { broadcast, emit, fail, finish, pause, send, update } from './actions.ts';
import type { JourneyDeps, StepContext } from './context.ts';
import { enter, resume } from './enter-resume.ts';

const Ctx = z.looseObject({ proceed: z.boolean(), journeyId: z.string() });
/** `version`: the journey version the Task state belongs to (absent in an unversioned state machine). */
const base = { journeyId: z.string().check(z.minLength(1)), version: z.optional(z.string()) };

export const StepRequest = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('enter'),
    ...base,
    event: z.looseObject({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) }),
    /** The journey starts with this pause step: Enter pauses the run itself. */
    pauseAt: z.optional(z.string()),
    /** The execution's name: a retried or restarted execution may go on with the run it entered. */
    execution: z.optional(z.string()),
  }),
  z.object({
    action: z.literal('resume'),
    ...base,
    resume: z.object({
      runKey: z.string(),
      gen: z.int(),
      stepId: z.string(),
      via: z.enum(['event', 'timeout', 'wait', 'defer']),
    }),
    /** The execution's name: a retried or restarted execution may go on with the run it resumed. */
    execution: z.optional(z.string()),
  }),
  z.object({ action: z.enum(['wait', 'waitFor']), ...base, stepId: z.string(), ctx: Ctx }),
  z.object({
    action: z.enum(['send', 'update', 'broadcast', 'emit']),
    ...base,
    stepId: z.string(),
    ctx: Ctx,
    /** The step ends its path: the run ends in the same invocation. */
    finish: z.optional(z.boolean()),
  }),
  z.object({ action: z.literal('finish'), ...base, ctx: Ctx }),
  z.object({ action: z.literal('fail'), ...base, state: z.record(z.string(), z.unknown()) }),
]);
export type StepRequest = z.infer<typeof StepRequest>;

/** Runs an action, then ends the run when the step was the last of its path. */
async function thenFinish<T>(
  deps: JourneyDeps,
  request: { finish?: boolean | undefined; ctx: unknown },
  result: Promise<T>,
): Promise<T> {
  const value = await result;
  // A deferred send has not happened yet: the run goes on when it resumes.
  const deferred = (value as { status?: unknown } | undefined)?.status === 'deferred';
  if (request.finish && !deferred) await finish(deps, request.ctx as StepContext);
  return value;
}

/** Runs one journey Task state. */
export async function runStep(deps: JourneyDeps, request: StepRequest): Promise<unknown> {
  switch (request.action) {
    case 'enter':
      return enter(
        deps,
        request.journeyId,
        request.event,
        request.pauseAt,
        request.version,
        request.execution,
      );
    case 'resume':
      return resume(deps, request.journeyId, request.resume, request.version, request.execution);
    case 'send':
      return thenFinish(
        deps,
        request,
        send(deps, request.journeyId, request.stepId, request.ctx as StepContext, request.version),
      );
    case 'wait':
    case 'waitFor':
      return pause(deps, request.journeyId, request.stepId, request.ctx as StepContext, request.version);
    case 'update':
      return thenFinish(
        deps,
        request,
        update(deps, request.journeyId, request.stepId, request.ctx as StepContext, request.version),
      );
    case 'broadcast':
      return thenFinish(
        deps,
        request,
        broadcast(deps, request.journeyId, request.stepId, request.ctx as StepContext, request.version),
      );
    case 'emit':
      return thenFinish(
        deps,
        request,
        emit(deps, request.journeyId, request.stepId, request.ctx as StepContext, request.version),
      );
    case 'finish':
      return finish(deps, request.ctx as StepContext);
    case 'fail':
      return fail(deps, request.journeyId, request.state);
  }
}

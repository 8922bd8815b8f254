/**
 * Names shared by the compiler and the journey-step function: which ASL state a step becomes, and
 * where a run resumes after a pause. Both sides import these so they cannot drift apart.
 */
import type { JourneyDefinition, Step } from './types.ts';

/** The placeholder the compiled ASL uses for the journey-step function's ARN (a definition substitution). */
export const STEP_FUNCTION_PLACEHOLDER = 'JourneyStepFunctionArn';

export const FINISH_STATE = 'Finish';
export const PAUSED_STATE = 'Paused';

const PREFIX: Record<Step['type'], string> = {
  wait: 'Wait',
  waitFor: 'WaitFor',
  branch: 'Branch',
  split: 'Split',
  send: 'Send',
  update: 'Update',
  broadcast: 'Broadcast',
  emit: 'Emit',
};

/** The ASL state a step compiles to. */
export function stateName(step: Step): string {
  return `${PREFIX[step.type]} ${step.id}`;
}

/** The state that decides a waitFor's outcome when its run resumes. */
export function resolvedStateName(stepId: string): string {
  return `Resolved ${stepId}`;
}

/** The state a step leads to: the named step's state, or Finish when there is none. */
export function targetState(journey: JourneyDefinition, stepId: string | undefined): string {
  const step = stepId ? journey.steps[stepId] : undefined;
  return step ? stateName(step) : FINISH_STATE;
}

/** Where a run paused at `stepId` resumes: after a wait, the next step; after a waitFor, its resolution. */
export function resumeStateAfter(journey: JourneyDefinition, stepId: string): string | undefined {
  const step = journey.steps[stepId];
  if (!step) return undefined;
  if (step.type === 'wait') return targetState(journey, step.next);
  if (step.type === 'waitFor') return resolvedStateName(step.id);
  // A deferred send (quiet hours, awaiting provider evidence) is tried again.
  if (step.type === 'send') return stateName(step);
  return undefined;
}

/** Every state a resumed run may start at, for the dispatcher. */
export function resumePoints(journey: JourneyDefinition): string[] {
  return Object.values(journey.steps).flatMap((step) => {
    const point = resumeStateAfter(journey, step.id);
    return point ? [point] : [];
  });
}

/**
 * The name, in the deployed state machine, of a state of an earlier version still compiled in (see
 * compiler.ts): the version, a space, the state's own name. The deployed version's states and the
 * shared ones (Finish, Paused...) keep their plain names.
 */
export function versionedStateName(version: string | undefined, name: string): string {
  return version === undefined || name === FINISH_STATE || name === PAUSED_STATE
    ? name
    : `${version} ${name}`;
}

/** The key of a split's random draw in `$.ctx.splits` (JSONPath-safe). */
export function splitKey(stepId: string): string {
  return stepId.replaceAll('-', '_');
}

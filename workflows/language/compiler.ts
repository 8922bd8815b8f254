/**
 * Compiles a journey into Amazon States Language (JSONPath only: the local interpreter cannot run
 * JSONata). One Express state machine per journey runs a segment of a run, from an entry or a resume
 * point to the next pause; pauses are one-time EventBridge Scheduler schedules that start it again.
 *
 *   Dispatch ─┬─ no resume ─▶ Enter ─▶ Entered? ─▶ first step ─▶ ... ─▶ Finish
 *             └─ resume ────▶ Resume ─▶ ResumeAt ─▶ the step after the pause ─▶ ...
 *
 * Branches and splits are Choice states over `$.ctx`, which Enter and Resume fill with the contact
 * view, the trigger detail, the event that resolved a waitFor and the run's split draws.
 */
import {
  FINISH_STATE,
  PAUSED_STATE,
  resolvedStateName,
  resumePoints,
  STEP_FUNCTION_PLACEHOLDER,
  splitKey,
  stateName,
  targetState,
} from './states.ts';
import type { Comparison, Condition, JourneyDefinition, Step } from './types.ts';

export type AslState = Record<string, unknown>;

export interface AslDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Record<string, AslState>;
}

const RESOURCE = `\${${STEP_FUNCTION_PLACEHOLDER}}`;
const RECORD_FAILURE_STATE = 'Record failure';
const DONE_STATE = 'Done';
const FAILED_STATE = 'Failed';
const NOT_ENTERED_STATE = 'Not entered';
const INACTIVE_STATE = 'Run not active';

/** Transient Lambda service errors, then anything else once more: sends are idempotent via the ledger. */
const RETRY = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const CATCH = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: RECORD_FAILURE_STATE }];

function task(
  journeyId: string,
  action: string,
  extra: Record<string, unknown>,
  resultPath: string,
  next: string,
) {
  return {
    Type: 'Task',
    Resource: RESOURCE,
    Parameters: { action, journeyId, ...extra },
    ResultPath: resultPath,
    Retry: RETRY,
    Catch: CATCH,
    Next: next,
  };
}

/**
 * A task that ends its path: it carries `finish: true` so the step ends the run in the same
 * invocation, instead of a separate Finish task (one Lambda invocation less per run).
 */
function finishingTask(
  journey: JourneyDefinition,
  action: string,
  at: Record<string, unknown>,
  resultPath: string,
  next: string | undefined,
) {
  const target = targetState(journey, next);
  return target === FINISH_STATE
    ? task(journey.id, action, { ...at, finish: true }, resultPath, DONE_STATE)
    : task(journey.id, action, at, resultPath, target);
}

/** A JSONPath into the state's context for a field reference (`contact.tags.vip` → `$.ctx.contact.tags.vip`). */
export function fieldPath(ref: string): string {
  const segments = ref
    .split('.')
    .map((segment) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `['${segment}']`));
  return `$.ctx${segments.join('')}`;
}

const NUMERIC_OPERATORS = {
  gt: 'NumericGreaterThan',
  gte: 'NumericGreaterThanEquals',
  lt: 'NumericLessThan',
  lte: 'NumericLessThanEquals',
} as const;

function comparisonRule(c: Comparison): Record<string, unknown> {
  const variable = fieldPath(c.field);
  const present = { Variable: variable, IsPresent: true };
  switch (c.op) {
    case 'exists':
      return { And: [present, { Not: { Variable: variable, IsNull: true } }] };
    case 'notExists':
      return {
        Or: [
          { Variable: variable, IsPresent: false },
          { And: [present, { Variable: variable, IsNull: true }] },
        ],
      };
    case 'isTrue':
    case 'isFalse':
      return {
        And: [
          present,
          { Variable: variable, IsBoolean: true },
          { Variable: variable, BooleanEquals: c.op === 'isTrue' },
        ],
      };
    case 'equals':
    case 'notEquals': {
      const equals = { And: [present, equalityRule(variable, c.value)] };
      return c.op === 'equals' ? equals : { Not: equals };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = NUMERIC_OPERATORS[c.op];
      const numeric = [present, { Variable: variable, IsNumeric: true }];
      if ('than' in c) {
        const other = fieldPath(c.than);
        return {
          And: [
            ...numeric,
            { Variable: other, IsPresent: true },
            { Variable: other, IsNumeric: true },
            { Variable: variable, [`${operator}Path`]: other },
          ],
        };
      }
      return { And: [...numeric, { Variable: variable, [operator]: c.value }] };
    }
  }
}

/** Choice states fail on a type mismatch, so an equality tests the type first. */
function equalityRule(variable: string, value: string | number | boolean): Record<string, unknown> {
  if (typeof value === 'string')
    return {
      And: [
        { Variable: variable, IsString: true },
        { Variable: variable, StringEquals: value },
      ],
    };
  if (typeof value === 'number')
    return {
      And: [
        { Variable: variable, IsNumeric: true },
        { Variable: variable, NumericEquals: value },
      ],
    };
  return {
    And: [
      { Variable: variable, IsBoolean: true },
      { Variable: variable, BooleanEquals: value },
    ],
  };
}

/** A journey condition as an ASL Choice rule (without Next). */
export function choiceRule(condition: Condition): Record<string, unknown> {
  if ('all' in condition) return { And: condition.all.map(choiceRule) };
  if ('any' in condition) return { Or: condition.any.map(choiceRule) };
  if ('not' in condition) return { Not: choiceRule(condition.not) };
  return comparisonRule(condition);
}

function stepStates(journey: JourneyDefinition, step: Step): Record<string, AslState> {
  const name = stateName(step);
  const at = { stepId: step.id, 'ctx.$': '$.ctx' };
  switch (step.type) {
    case 'send': {
      // A send may be deferred (quiet hours, provider evidence pending): the run pauses and comes back here.
      const afterSend = `After send ${step.id}`;
      const sent = finishingTask(journey, 'send', at, '$.last', step.next);
      return {
        [name]: { ...sent, Next: afterSend },
        [afterSend]: {
          Type: 'Choice',
          Choices: [{ Variable: '$.last.status', StringEquals: 'deferred', Next: PAUSED_STATE }],
          Default: sent.Next,
        },
      };
    }
    case 'update':
      return { [name]: finishingTask(journey, 'update', at, '$.ctx.contact', step.next) };
    case 'broadcast':
      return { [name]: finishingTask(journey, 'broadcast', at, '$.last', step.next) };
    case 'emit':
      return { [name]: finishingTask(journey, 'emit', at, '$.last', step.next) };
    case 'wait':
      return { [name]: task(journey.id, 'wait', at, '$.last', PAUSED_STATE) };
    case 'waitFor':
      return {
        [name]: task(journey.id, 'waitFor', at, '$.last', PAUSED_STATE),
        [resolvedStateName(step.id)]: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.ctx.resolution', StringEquals: 'event', Next: targetState(journey, step.onEvent) },
          ],
          Default: targetState(journey, step.onTimeout),
        },
      };
    case 'branch':
      return {
        [name]: {
          Type: 'Choice',
          Choices: step.cases.map((c) => ({ ...choiceRule(c.when), Next: targetState(journey, c.next) })),
          Default: targetState(journey, step.otherwise),
        },
      };
    case 'split': {
      let threshold = 0;
      const variants = step.variants.filter((v) => v.percent > 0);
      const choices = variants.slice(0, -1).map((v) => {
        threshold += v.percent;
        return {
          Variable: `$.ctx.splits.${splitKey(step.id)}`,
          NumericLessThan: threshold,
          Next: targetState(journey, v.next),
        };
      });
      return {
        [name]: {
          Type: 'Choice',
          Choices:
            choices.length > 0
              ? choices
              : [{ Variable: '$.ctx', IsPresent: true, Next: targetState(journey, variants[0]?.next) }],
          Default: targetState(journey, variants.at(-1)?.next),
        },
      };
    }
  }
}

/** The state machine definition for a journey. Validate the journey first: this assumes it is valid. */
export function compileJourney(journey: JourneyDefinition): AslDefinition {
  const points = resumePoints(journey);
  const first = journey.steps[journey.start];
  const startsPaused = first?.type === 'wait' || first?.type === 'waitFor';
  const states: Record<string, AslState> = {
    Dispatch: {
      Type: 'Choice',
      Choices: [{ Variable: '$.resume', IsPresent: true, Next: 'Resume' }],
      Default: 'Enter',
    },
    // A journey that starts with a pause lets Enter pause the run in the same invocation.
    Enter: task(
      journey.id,
      'enter',
      { 'event.$': '$', ...(startsPaused ? { pauseAt: journey.start } : {}) },
      '$.ctx',
      'Entered',
    ),
    Entered: {
      Type: 'Choice',
      Choices: [
        ...(startsPaused
          ? [
              {
                And: [
                  { Variable: '$.ctx.proceed', BooleanEquals: true },
                  { Variable: '$.ctx.paused', IsPresent: true },
                ],
                Next: PAUSED_STATE,
              },
            ]
          : []),
        { Variable: '$.ctx.proceed', BooleanEquals: true, Next: targetState(journey, journey.start) },
      ],
      Default: NOT_ENTERED_STATE,
    },
    [DONE_STATE]: { Type: 'Succeed' },
    [NOT_ENTERED_STATE]: { Type: 'Succeed' },
    Resume: task(journey.id, 'resume', { 'resume.$': '$.resume' }, '$.ctx', 'ResumeAt'),
    ResumeAt: {
      Type: 'Choice',
      Choices: points.map((point) => ({
        And: [
          { Variable: '$.ctx.proceed', BooleanEquals: true },
          { Variable: '$.ctx.resumeAt', StringEquals: point },
        ],
        Next: point,
      })),
      Default: INACTIVE_STATE,
    },
    [INACTIVE_STATE]: { Type: 'Succeed' },
    [PAUSED_STATE]: { Type: 'Succeed' },
    [FINISH_STATE]: {
      Type: 'Task',
      Resource: RESOURCE,
      Parameters: { action: 'finish', journeyId: journey.id, 'ctx.$': '$.ctx' },
      ResultPath: '$.last',
      Retry: RETRY,
      Catch: CATCH,
      End: true,
    },
    [RECORD_FAILURE_STATE]: {
      Type: 'Task',
      Resource: RESOURCE,
      // The whole state: a failed Enter has no ctx yet.
      Parameters: { action: 'fail', journeyId: journey.id, 'state.$': '$' },
      ResultPath: '$.last',
      Retry: RETRY,
      Next: FAILED_STATE,
    },
    [FAILED_STATE]: {
      Type: 'Fail',
      Error: 'JourneyStepFailed',
      Cause: 'A journey step failed after retries; see the run.',
    },
  };
  if (points.length === 0) {
    // A journey that never pauses is never resumed: a stray resume input just stops.
    (states.Dispatch as { Choices: Array<{ Next: string }> }).Choices = [
      { Variable: '$.resume', IsPresent: true, Next: INACTIVE_STATE } as never,
    ];
  }
  for (const step of Object.values(journey.steps)) Object.assign(states, stepStates(journey, step));
  return {
    Comment: `relance journey ${journey.id}: ${journey.description}`,
    StartAt: 'Dispatch',
    TimeoutSeconds: 300,
    States: reachableStates('Dispatch', states),
  };
}

/** Every state name a state can go to: Next, Default, choice rules and catchers. */
function transitions(state: AslState): string[] {
  const targets: unknown[] = [state.Next, state.Default];
  for (const choice of (state.Choices as Array<{ Next?: string }> | undefined) ?? [])
    targets.push(choice.Next);
  for (const catcher of (state.Catch as Array<{ Next?: string }> | undefined) ?? [])
    targets.push(catcher.Next);
  return targets.filter((t): t is string => typeof t === 'string');
}

/** Drops states no path reaches: Step Functions refuses a definition with an unreachable state. */
function reachableStates(start: string, states: Record<string, AslState>): Record<string, AslState> {
  const reached = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const name = pending.pop() ?? '';
    const state = states[name];
    if (reached.has(name) || !state) continue;
    reached.add(name);
    pending.push(...transitions(state));
  }
  return Object.fromEntries(Object.entries(states).filter(([name]) => reached.has(name)));
}

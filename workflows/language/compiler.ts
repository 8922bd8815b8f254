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
  versionedStateName,
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
const UNKNOWN_RESUME_STATE = 'Unknown resume point';

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

/**
 * What a step's states are compiled for: the journey version they belong to and whether that is an
 * earlier version kept next to the deployed one (its state names then carry the version).
 */
interface Compilation {
  readonly journey: JourneyDefinition;
  /** The version's hash: every Task passes it, so the step function reads that version's steps. */
  readonly version?: string;
  readonly earlier: boolean;
}

/** A state's name in the compiled machine: an earlier version's states are prefixed with it. */
function named(c: Compilation, name: string): string {
  return c.earlier ? versionedStateName(c.version, name) : name;
}

/**
 * What Enter and Resume pass to say which execution is calling: its name. A Task retried in the
 * same execution (or the execution started again under its name after the local runtime was
 * killed) passes the same name and may go on with the run it took; any other execution may not.
 * Every start that can meet a taken run has its own name (scheduler starts, the router's one
 * start per claimed event, the sweeper's numbered attempts).
 */
const EXECUTION_TOKEN = '$$.Execution.Name';

function task(
  c: Compilation,
  action: string,
  extra: Record<string, unknown>,
  resultPath: string,
  next: string,
) {
  return {
    Type: 'Task',
    Resource: RESOURCE,
    Parameters: { action, journeyId: c.journey.id, ...(c.version ? { version: c.version } : {}), ...extra },
    ResultPath: resultPath,
    Retry: RETRY,
    Catch: CATCH,
    Next: next,
  };
}

/** The state a step leads to, in this compilation. */
function target(c: Compilation, stepId: string | undefined): string {
  return named(c, targetState(c.journey, stepId));
}

/**
 * A task that ends its path: it carries `finish: true` so the step ends the run in the same
 * invocation, instead of a separate Finish task (one Lambda invocation less per run).
 */
function finishingTask(
  c: Compilation,
  action: string,
  at: Record<string, unknown>,
  resultPath: string,
  next: string | undefined,
) {
  const to = target(c, next);
  return to === FINISH_STATE
    ? task(c, action, { ...at, finish: true }, resultPath, DONE_STATE)
    : task(c, action, at, resultPath, to);
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

function stepStates(c: Compilation, step: Step): Record<string, AslState> {
  const name = named(c, stateName(step));
  const at = { stepId: step.id, 'ctx.$': '$.ctx' };
  switch (step.type) {
    case 'send': {
      // A send may be deferred (quiet hours, provider evidence pending): the run pauses and comes back here.
      const afterSend = named(c, `After send ${step.id}`);
      const sent = finishingTask(c, 'send', at, '$.last', step.next);
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
      return { [name]: finishingTask(c, 'update', at, '$.ctx.contact', step.next) };
    case 'broadcast':
      return { [name]: finishingTask(c, 'broadcast', at, '$.last', step.next) };
    case 'emit':
      return { [name]: finishingTask(c, 'emit', at, '$.last', step.next) };
    case 'wait':
      return { [name]: task(c, 'wait', at, '$.last', PAUSED_STATE) };
    case 'waitFor':
      return {
        [name]: task(c, 'waitFor', at, '$.last', PAUSED_STATE),
        [named(c, resolvedStateName(step.id))]: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ctx.resolution', StringEquals: 'event', Next: target(c, step.onEvent) }],
          Default: target(c, step.onTimeout),
        },
      };
    case 'branch':
      return {
        [name]: {
          Type: 'Choice',
          Choices: step.cases.map((k) => ({ ...choiceRule(k.when), Next: target(c, k.next) })),
          Default: target(c, step.otherwise),
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
          Next: target(c, v.next),
        };
      });
      return {
        [name]: {
          Type: 'Choice',
          Choices:
            choices.length > 0
              ? choices
              : [{ Variable: '$.ctx', IsPresent: true, Next: target(c, variants[0]?.next) }],
          Default: target(c, variants.at(-1)?.next),
        },
      };
    }
  }
}

/** An earlier version of the journey, compiled next to the deployed one for the runs still on it. */
export interface EarlierVersion {
  readonly version: string;
  readonly definition: JourneyDefinition;
}

export interface CompileOptions {
  /** The deployed version's hash (workflows/language/versions.ts): Enter records it on each run. */
  readonly version?: string;
  /** Earlier versions runs may still be on: their steps are kept, under names prefixed by the version. */
  readonly earlier?: readonly EarlierVersion[];
}

/**
 * The state machine definition for a journey. Validate the journey first: this assumes it is valid.
 * With `version`, each Task passes the version and Enter records it on the run; with `earlier`, the
 * steps of those versions are compiled in too, and Resume sends a run of one of them to its states
 * (the in-flight policy, applied by the step function, decides which version a run resumes on).
 */
export function compileJourney(journey: JourneyDefinition, options: CompileOptions = {}): AslDefinition {
  const current: Compilation = {
    journey,
    earlier: false,
    ...(options.version ? { version: options.version } : {}),
  };
  const earlier: Compilation[] = (options.earlier ?? [])
    .filter((e) => e.version !== options.version)
    .map((e) => ({ journey: e.definition, version: e.version, earlier: true }));
  const points = [current, ...earlier].flatMap((c) =>
    resumePoints(c.journey).map((point) => named(c, point)),
  );
  // A run moved from an earlier version (the migrate policy) may go on at any step of this one.
  if (earlier.length > 0) {
    for (const step of Object.values(journey.steps)) {
      const state = stateName(step);
      if (!points.includes(state)) points.push(state);
    }
  }
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
      current,
      'enter',
      {
        'event.$': '$',
        ...(startsPaused ? { pauseAt: journey.start } : {}),
        // A retried Enter (or one started again) is recognised by its execution and goes on.
        'execution.$': EXECUTION_TOKEN,
      },
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
    Resume: task(
      current,
      'resume',
      { 'resume.$': '$.resume', 'execution.$': EXECUTION_TOKEN },
      '$.ctx',
      'ResumeAt',
    ),
    ResumeAt: {
      Type: 'Choice',
      Choices: [
        ...points.map((point) => ({
          And: [
            { Variable: '$.ctx.proceed', BooleanEquals: true },
            { Variable: '$.ctx.resumeAt', StringEquals: point },
          ],
          Next: point,
        })),
        // A run that should go on at a state this machine does not have fails, with the reason.
        { Variable: '$.ctx.proceed', BooleanEquals: true, Next: UNKNOWN_RESUME_STATE },
      ],
      Default: INACTIVE_STATE,
    },
    [UNKNOWN_RESUME_STATE]: {
      Type: 'Pass',
      Parameters: { Error: 'UnknownResumePoint', 'Cause.$': '$.ctx.resumeAt' },
      ResultPath: '$.error',
      Next: RECORD_FAILURE_STATE,
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
      // The whole state: a failed Enter has no ctx yet, a failed Resume only its resume request.
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
  for (const compilation of [current, ...earlier]) {
    for (const step of Object.values(compilation.journey.steps))
      Object.assign(states, stepStates(compilation, step));
  }
  const versions = [options.version, ...earlier.map((e) => e.version)].filter(Boolean);
  return {
    Comment: `relance journey ${journey.id}${options.version ? ` version ${options.version}` : ''}: ${journey.description}${versions.length > 1 ? ` (runs of ${versions.slice(1).join(', ')} finish here too)` : ''}`,
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

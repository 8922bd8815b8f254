// The compiled Amazon States Language: structural properties of every reference journey, then the
// welcome journey run for real on aws-local-stepfunctions with the journey-step function faked.
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byContact, defineJourney, exit, send, split, wait, waitFor } from '#language/builder.ts';
import { type AslDefinition, choiceRule, compileJourney, fieldPath } from '#language/compiler.ts';
import { resumePoints, STEP_FUNCTION_PLACEHOLDER, stateName } from '#language/states.ts';
import type { JourneyDefinition, Step } from '#language/types.ts';
import { abandonedCart } from '../../../workflows/journeys/abandoned-cart.ts';
import { journeys } from '../../../workflows/journeys/index.ts';
import { priceDrop } from '../../../workflows/journeys/price-drop.ts';
import { welcome } from '../../../workflows/journeys/welcome.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const RESOURCE = `\${${STEP_FUNCTION_PLACEHOLDER}}`;
const FAKE_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:step';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayAt(state: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = state[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** A state of the compiled definition, failing the test when it is missing. */
function stateOf(asl: AslDefinition, name: string): Record<string, unknown> {
  const state = asl.States[name];
  if (!state) throw new Error(`no state "${name}" in ${Object.keys(asl.States).join(', ')}`);
  return state;
}

/** Every state name a state can go to: Next, Default, each choice's Next and each catcher's Next. */
function targetsOf(state: Record<string, unknown>): string[] {
  const direct = [state.Next, state.Default];
  const nested = [...arrayAt(state, 'Choices'), ...arrayAt(state, 'Catch')].map((entry) => entry.Next);
  return [...direct, ...nested].filter((t): t is string => typeof t === 'string');
}

/** Every object anywhere in a value (states, choices, catchers, nested rules). */
function objectsIn(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  if (!isObject(value)) return [];
  return [value, ...Object.values(value).flatMap(objectsIn)];
}

const compiled = journeys.map((journey) => [journey.id, journey, compileJourney(journey)] as const);
/** Journeys with a wait or waitFor: their runs pause and resume. */
const pausing = compiled.filter(([, journey]) => resumePoints(journey).length > 0);
/** Journeys that run to the end in one segment (back-in-stock, price-drop). */
const neverPausing = compiled.filter(([, journey]) => resumePoints(journey).length === 0);

/** The states no transition from StartAt reaches (AWS rejects such a definition: "is not reachable"). */
function unreachableStates(asl: AslDefinition): string[] {
  const reached = new Set<string>();
  const visit = (name: string) => {
    if (reached.has(name)) return;
    reached.add(name);
    for (const target of targetsOf(stateOf(asl, name))) visit(target);
  };
  visit(asl.StartAt);
  return Object.keys(asl.States).filter((name) => !reached.has(name));
}

const isWaiting = (step: Step) => step.type === 'wait' || step.type === 'waitFor';

describe('compileJourney: every reference journey', () => {
  it('has journeys of both kinds to check: pausing and never pausing', () => {
    // Assess
    expect(pausing.map(([id]) => id).sort()).toEqual([
      'abandoned-cart',
      'account-revenue-drop',
      'appointment',
      'birthday',
      'double-opt-in',
      'lead-confirmation',
      'lead-sla',
      'vip-welcome',
      'welcome',
      'win-back',
      'wishlist-nudge',
    ]);
    expect(neverPausing.map(([id]) => id).sort()).toEqual(['back-in-stock', 'price-drop']);
  });

  it.each(pausing)(
    '%s starts at Dispatch, which sends resumes to Resume and the rest to Enter',
    (_id, _j, asl) => {
      // Assess
      expect(asl.StartAt).toBe('Dispatch');
      expect(stateOf(asl, 'Dispatch')).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.resume', IsPresent: true, Next: 'Resume' }],
        Default: 'Enter',
      });
    },
  );

  it.each(neverPausing)(
    '%s starts at Dispatch, which stops a stray resume at "Run not active" and has no resume states',
    (_id, _j, asl) => {
      // Assess
      expect(asl.StartAt).toBe('Dispatch');
      expect(stateOf(asl, 'Dispatch')).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.resume', IsPresent: true, Next: 'Run not active' }],
        Default: 'Enter',
      });
      expect(asl.States).not.toHaveProperty('Resume');
      expect(asl.States).not.toHaveProperty('ResumeAt');
      expect(asl.States).not.toHaveProperty('Paused');
    },
  );

  it.each(compiled)('%s: every Next, Default and catcher target names an existing state', (_id, _j, asl) => {
    // Act
    const dangling = Object.entries(asl.States).flatMap(([name, state]) =>
      targetsOf(state)
        .filter((target) => !(target in asl.States))
        .map((target) => `${name} -> ${target}`),
    );

    // Assess
    expect(dangling).toEqual([]);
  });

  it.each(compiled)(
    '%s: every state is reachable from StartAt (Step Functions refuses orphans)',
    (_id, _j, asl) => {
      // Act
      const unreachable = unreachableStates(asl);

      // Assess
      expect(unreachable).toEqual([]);
    },
  );

  it.each(compiled)('%s: every step becomes a state named "<Type> <id>"', (_id, journey, asl) => {
    // Assess
    for (const step of Object.values(journey.steps)) expect(asl.States).toHaveProperty([stateName(step)]);
  });

  it.each(compiled)(
    '%s: every Task calls the journey-step function placeholder, retries, and is caught into Record failure',
    (_id, _j, asl) => {
      // Prepare
      const tasks = Object.entries(asl.States).filter(([, state]) => state.Type === 'Task');

      // Assess
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, state] of tasks) {
        expect(state.Resource, name).toBe(RESOURCE);
        expect(arrayAt(state, 'Retry').length, name).toBeGreaterThan(0);
        if (name === 'Record failure') continue;
        expect(state.Catch, name).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record failure' },
        ]);
      }
    },
  );

  it.each(compiled)(
    '%s: Record failure retries but has no catcher of its own, and ends in the Failed state',
    (_id, _j, asl) => {
      // Act
      const recorder = stateOf(asl, 'Record failure');

      // Assess
      expect(recorder).toMatchObject({ Type: 'Task', Next: 'Failed' });
      expect(recorder).not.toHaveProperty('Catch');
      expect(stateOf(asl, 'Failed')).toMatchObject({ Type: 'Fail', Error: 'JourneyStepFailed' });
    },
  );

  it.each(pausing)(
    '%s: ResumeAt has one guarded choice per resume point of a wait or waitFor, then fails any other',
    (_id, journey, asl) => {
      // Prepare
      const points = resumePoints(journey);
      const resumeAt = stateOf(asl, 'ResumeAt');

      // Act
      const choices = arrayAt(resumeAt, 'Choices');

      // Assess
      expect(stateOf(asl, 'Resume')).toMatchObject({
        Parameters: { action: 'resume', journeyId: journey.id, 'resume.$': '$.resume' },
        ResultPath: '$.ctx',
        Next: 'ResumeAt',
      });
      expect(resumeAt.Default).toBe('Run not active');
      expect(choices).toEqual([
        ...points.map((point) => ({
          And: [
            { Variable: '$.ctx.proceed', BooleanEquals: true },
            { Variable: '$.ctx.resumeAt', StringEquals: point },
          ],
          Next: point,
        })),
        // A run that should go on at a state the machine lacks is recorded as failed, never left active.
        { Variable: '$.ctx.proceed', BooleanEquals: true, Next: 'Unknown resume point' },
      ]);
      expect(stateOf(asl, 'Unknown resume point')).toMatchObject({
        Type: 'Pass',
        ResultPath: '$.error',
        Next: 'Record failure',
      });
    },
  );

  it.each(compiled)(
    '%s: no state uses JSONata or replaces the whole state with ResultPath "$"',
    (_id, _j, asl) => {
      // Act
      const objects = objectsIn(asl);

      // Assess
      expect(objects.filter((o) => 'QueryLanguage' in o)).toEqual([]);
      expect(objects.filter((o) => o.ResultPath === '$')).toEqual([]);
      expect(JSON.stringify(asl)).not.toMatch(/\{%/);
    },
  );

  it.each(compiled)('%s: the execution timeout fits an Express state machine (<= 300 s)', (_id, _j, asl) => {
    // Assess
    expect(asl.TimeoutSeconds).toBeGreaterThan(0);
    expect(asl.TimeoutSeconds).toBeLessThanOrEqual(300);
  });

  it.each(pausing.filter(([, journey]) => Object.values(journey.steps).some(isWaiting)))(
    '%s: every wait and waitFor task ends the segment at the Paused success state',
    (_id, journey, asl) => {
      // Prepare
      const steps = Object.values(journey.steps).filter(isWaiting);

      // Assess
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) expect(stateOf(asl, stateName(step)).Next).toBe('Paused');
      expect(stateOf(asl, 'Paused')).toEqual({ Type: 'Succeed' });
    },
  );
});

describe('compileJourney: the welcome journey', () => {
  const asl = compileJourney(welcome);

  it('names the journey in the comment', () => {
    // Assess
    expect(asl.Comment).toBe('relance journey welcome: Welcome series for new sign-ups');
  });

  it('enters with the whole trigger event into $.ctx and proceeds to the first step only when told to', () => {
    // Assess
    expect(stateOf(asl, 'Enter')).toMatchObject({
      Parameters: { action: 'enter', journeyId: 'welcome', 'event.$': '$' },
      ResultPath: '$.ctx',
      Next: 'Entered',
    });
    expect(stateOf(asl, 'Entered')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.ctx.proceed', BooleanEquals: true, Next: 'Send welcome-email' }],
      Default: 'Not entered',
    });
  });

  it('sends with the step id and the context, keeping the result out of $.ctx', () => {
    // Assess
    expect(stateOf(asl, 'Send welcome-email')).toMatchObject({
      Parameters: { action: 'send', journeyId: 'welcome', stepId: 'welcome-email', 'ctx.$': '$.ctx' },
      ResultPath: '$.last',
      Next: 'After send welcome-email',
    });
    // A deferred send pauses the run; otherwise the path goes on.
    expect(stateOf(asl, 'After send welcome-email')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.last.status', StringEquals: 'deferred', Next: 'Paused' }],
      Default: 'Wait two-days',
    });
  });

  it('resumes after each wait at the branch that follows it, and at each send (to retry a deferred one)', () => {
    // Assess
    expect([...resumePoints(welcome)].sort()).toEqual(
      [
        'Branch has-phone',
        'Branch ordered-yet',
        'Send sms-offer',
        'Send tips-email',
        'Send welcome-email',
      ].sort(),
    );
  });

  it('compiles "contact.stats.orderCount > 0" to IsPresent + IsNumeric + NumericGreaterThan on $.ctx', () => {
    // Act
    const ordered = stateOf(asl, 'Branch ordered-yet');

    // Assess
    expect(ordered).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.ctx.contact.stats.orderCount', IsPresent: true },
            { Variable: '$.ctx.contact.stats.orderCount', IsNumeric: true },
            { Variable: '$.ctx.contact.stats.orderCount', NumericGreaterThan: 0 },
          ],
          Next: 'Wait day-seven',
        },
      ],
      Default: 'Send tips-email',
    });
  });

  it('compiles "contact.phone exists" to IsPresent and not null, and ends the run when no case holds', () => {
    // Act
    const hasPhone = stateOf(asl, 'Branch has-phone');

    // Assess
    expect(hasPhone).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.ctx.contact.phone', IsPresent: true },
            { Not: { Variable: '$.ctx.contact.phone', IsNull: true } },
          ],
          Next: 'Send sms-offer',
        },
      ],
      Default: 'Finish',
    });
    // The last send of a path ends the run itself (finish: true) instead of a separate Finish task.
    expect(stateOf(asl, 'Send sms-offer')).toMatchObject({
      Next: 'After send sms-offer',
      Parameters: { finish: true },
    });
    expect(stateOf(asl, 'After send sms-offer')).toMatchObject({ Default: 'Done' });
    expect(stateOf(asl, 'Done')).toEqual({ Type: 'Succeed' });
    expect(stateOf(asl, 'Finish')).toMatchObject({ Type: 'Task', End: true });
  });
});

describe('compileJourney: the price-drop and abandoned-cart journeys', () => {
  it('compiles "trigger.newPrice lt trigger.oldPrice" to NumericLessThanPath with guards on both fields', () => {
    // Act
    const isLower = stateOf(compileJourney(priceDrop), 'Branch is-lower');

    // Assess
    expect(isLower).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.ctx.trigger.newPrice', IsPresent: true },
            { Variable: '$.ctx.trigger.newPrice', IsNumeric: true },
            { Variable: '$.ctx.trigger.oldPrice', IsPresent: true },
            { Variable: '$.ctx.trigger.oldPrice', IsNumeric: true },
            { Variable: '$.ctx.trigger.newPrice', NumericLessThanPath: '$.ctx.trigger.oldPrice' },
          ],
          Next: 'Broadcast notify-interested',
        },
      ],
      Default: 'Finish',
    });
  });

  it('resolves a waitFor on $.ctx.resolution: the event ends the run (exit), the timeout sends the reminder', () => {
    // Act
    const asl = compileJourney(abandonedCart);

    // Assess
    expect(stateOf(asl, 'Resolved await-order')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.ctx.resolution', StringEquals: 'event', Next: 'Finish' }],
      Default: 'Send first-reminder',
    });
    expect(stateOf(asl, 'Resolved await-order-again').Default).toBe('Send last-call');
    expect([...resumePoints(abandonedCart)].sort()).toEqual(
      ['Resolved await-order', 'Resolved await-order-again', 'Send first-reminder', 'Send last-call'].sort(),
    );
  });
});

describe('compileJourney: choice rules and splits', () => {
  it('writes JSONPath segments that are not identifiers in brackets', () => {
    // Assess
    expect(fieldPath('contact.tags.vip-customer')).toBe("$.ctx.contact.tags['vip-customer']");
    expect(fieldPath('contact.attributes.plan')).toBe('$.ctx.contact.attributes.plan');
  });

  it('tests the type before an equality, and negates the guarded equality for notEquals', () => {
    // Act
    const equals = choiceRule({ field: 'contact.attributes.plan', op: 'equals', value: 'pro' });
    const notEquals = choiceRule({ field: 'contact.attributes.seats', op: 'notEquals', value: 3 });

    // Assess
    expect(equals).toEqual({
      And: [
        { Variable: '$.ctx.contact.attributes.plan', IsPresent: true },
        {
          And: [
            { Variable: '$.ctx.contact.attributes.plan', IsString: true },
            { Variable: '$.ctx.contact.attributes.plan', StringEquals: 'pro' },
          ],
        },
      ],
    });
    expect(notEquals).toEqual({
      Not: {
        And: [
          { Variable: '$.ctx.contact.attributes.seats', IsPresent: true },
          {
            And: [
              { Variable: '$.ctx.contact.attributes.seats', IsNumeric: true },
              { Variable: '$.ctx.contact.attributes.seats', NumericEquals: 3 },
            ],
          },
        ],
      },
    });
  });

  it('treats a missing or null field as notExists, and nests all/any/not as And/Or/Not', () => {
    // Act
    const rule = choiceRule({
      any: [
        { field: 'contact.phone', op: 'notExists' },
        { not: { all: [{ field: 'contact.tags.vip', op: 'isFalse' }] } },
      ],
    });

    // Assess
    expect(rule).toEqual({
      Or: [
        {
          Or: [
            { Variable: '$.ctx.contact.phone', IsPresent: false },
            {
              And: [
                { Variable: '$.ctx.contact.phone', IsPresent: true },
                { Variable: '$.ctx.contact.phone', IsNull: true },
              ],
            },
          ],
        },
        {
          Not: {
            And: [
              {
                And: [
                  { Variable: '$.ctx.contact.tags.vip', IsPresent: true },
                  { Variable: '$.ctx.contact.tags.vip', IsBoolean: true },
                  { Variable: '$.ctx.contact.tags.vip', BooleanEquals: false },
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it('compiles a split to cumulative thresholds on the run draw, skipping 0% variants, the last one as Default', () => {
    // Prepare
    const journey = defineJourney({
      id: 'split-test',
      description: 'split',
      trigger: { event: 'contact.signed_up' },
      entry: { reentry: false },
      steps: [
        split('subject-test', [
          { label: 'A', percent: 20, steps: [send('mail-a', { channel: 'email', template: 'welcome' })] },
          { label: 'never', percent: 0, steps: [send('mail-n', { channel: 'email', template: 'welcome' })] },
          { label: 'B', percent: 30, steps: [send('mail-b', { channel: 'email', template: 'welcome' })] },
          { label: 'holdout', percent: 50, steps: [exit()] },
        ]),
      ],
    });

    // Act
    const state = stateOf(compileJourney(journey), 'Split subject-test');

    // Assess
    expect(state).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.ctx.splits.subject_test', NumericLessThan: 20, Next: 'Send mail-a' },
        { Variable: '$.ctx.splits.subject_test', NumericLessThan: 50, Next: 'Send mail-b' },
      ],
      Default: 'Finish',
    });
  });

  it('compiles a one-variant split to a choice that always holds (a Choice needs one rule)', () => {
    // Prepare
    const journey = defineJourney({
      id: 'split-one',
      description: 'split',
      trigger: { event: 'contact.signed_up' },
      entry: { reentry: false },
      steps: [
        split('all', [{ label: 'all', percent: 100, steps: [] }]),
        wait('later', { untilLocalTime: '09:00' }),
      ],
    });

    // Act
    const state = stateOf(compileJourney(journey), 'Split all');

    // Assess
    expect(state).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.ctx', IsPresent: true, Next: 'Wait later' }],
      Default: 'Wait later',
    });
  });

  it('resumes a wait that ends the journey at Finish', () => {
    // Prepare
    const journey = defineJourney({
      id: 'wait-last',
      description: 'wait last',
      trigger: { event: 'contact.signed_up' },
      entry: { reentry: false },
      steps: [
        waitFor('w', { event: 'order.completed', correlate: byContact(), timeout: { days: 1 } }),
        wait('cool-down', { duration: { hours: 1 } }),
      ],
    });

    // Act
    const points = resumePoints(journey);

    // Assess
    expect(points.sort()).toEqual(['Finish', 'Resolved w']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Running the compiled welcome journey on aws-local-stepfunctions.

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

/** Promise.withResolvers (ES2024), which aws-local-stepfunctions uses and Node 20 lacks. */
function withResolvers<T>(): Resolvers<T> {
  let resolve: Resolvers<T>['resolve'] = () => undefined;
  let reject: Resolvers<T>['reject'] = () => undefined;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

let polyfilled = false;
beforeAll(() => {
  if (!('withResolvers' in Promise)) {
    Object.defineProperty(Promise, 'withResolvers', {
      value: withResolvers,
      configurable: true,
      writable: true,
    });
    polyfilled = true;
  }
});
afterAll(() => {
  if (polyfilled) Reflect.deleteProperty(Promise, 'withResolvers');
});

function isDefinition(value: unknown): value is StateMachineDefinition {
  return isObject(value) && typeof value.StartAt === 'string' && isObject(value.States);
}

/** The compiled definition with the ARN placeholder substituted, as CloudFormation would. */
function deployable(journey: JourneyDefinition): StateMachineDefinition {
  const parsed: unknown = JSON.parse(JSON.stringify(compileJourney(journey)).replaceAll(RESOURCE, FAKE_ARN));
  if (!isDefinition(parsed)) throw new Error('the compiled journey is not a state machine definition');
  return parsed;
}

interface TaskCall {
  readonly state: string;
  readonly input: Json;
}

type Fake = (input: Json) => Json;

interface RunOutcome {
  /** The states entered, in order. */
  readonly path: string[];
  readonly calls: TaskCall[];
  readonly output: unknown;
  readonly error?: unknown;
}

const ok: Fake = () => ({ status: 'ok' });

/** Runs a journey with every Task state faked: `fakes` by state name, anything else answers ok. */
async function runJourney(
  journey: JourneyDefinition,
  input: JsonObject,
  fakes: Record<string, Fake>,
): Promise<RunOutcome> {
  const definition = deployable(journey);
  const calls: TaskCall[] = [];
  const handlers: Record<string, Fake> = {};
  const retryIntervals: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    retryIntervals[name] = 0;
    handlers[name] = (taskInput) => {
      calls.push({ state: name, input: taskInput });
      return (fakes[name] ?? ok)(taskInput);
    };
  }
  const options: RunOptions = {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: retryIntervals },
    // Step Functions gives every execution its context object; Enter and Resume pass its name.
    context: { Execution: { Name: 'test-execution' } },
  };
  const execution = new StateMachine(definition).run(input, options);
  const path: string[] = [];
  const logs = (async () => {
    for await (const event of execution.eventLogs)
      if (event.type === 'StateEntered') path.push(event.state.name);
  })();
  try {
    const output = await execution.result;
    await logs;
    return { path, calls, output };
  } catch (error) {
    await logs;
    return { path, calls, output: undefined, error };
  }
}

const signupEvent: JsonObject = {
  version: '0',
  id: 'evb-1',
  'detail-type': 'contact.signed_up',
  source: 'relance.ingest',
  detail: {
    eventId: 'evt-signup-1',
    occurredAt: '2024-05-01T12:00:00Z',
    source: 'shop.example.com',
    contact: { contactId: 'c-42' },
    firstName: 'Ada',
  },
};

/** The context Enter or Resume would build for a contact, as the journey-step function returns it. */
function context(contact: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    proceed: true,
    journeyId: 'welcome',
    runKey: 'contact:c-42',
    gen: 1,
    contactId: 'c-42',
    contact,
    triggerType: 'contact.signed_up',
    trigger: { eventId: 'evt-signup-1' },
    splits: {},
    ...extra,
  };
}

const resumeAfterTwoDays: JsonObject = {
  resume: { runKey: 'contact:c-42', gen: 1, stepId: 'two-days', via: 'wait' },
};

describe('the compiled welcome journey on aws-local-stepfunctions', () => {
  it('a new run enters, sends the welcome e-mail, schedules the two-day wait and pauses', async () => {
    // Prepare
    const entered = context({ contactId: 'c-42', stats: { orderCount: 0 }, tags: {} });
    const enter: Fake = () => entered;

    // Act
    const outcome = await runJourney(welcome, signupEvent, { Enter: enter });

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.path).toEqual([
      'Dispatch',
      'Enter',
      'Entered',
      'Send welcome-email',
      'After send welcome-email',
      'Wait two-days',
      'Paused',
    ]);
    expect(outcome.calls.map((c) => c.state)).toEqual(['Enter', 'Send welcome-email', 'Wait two-days']);
    expect(outcome.calls[0]?.input).toEqual({
      action: 'enter',
      journeyId: 'welcome',
      event: signupEvent,
      execution: 'test-execution',
    });
    expect(outcome.calls[1]?.input).toEqual({
      action: 'send',
      journeyId: 'welcome',
      stepId: 'welcome-email',
      ctx: entered,
    });
    expect(outcome.calls[2]?.input).toMatchObject({ action: 'wait', stepId: 'two-days' });
    expect(outcome.output).toMatchObject({ ctx: entered, last: { status: 'ok' } });
  });

  it('a resume after two days with no order yet sends the tips e-mail, then waits until day seven', async () => {
    // Prepare
    const resume: Fake = () =>
      context({ stats: { orderCount: 0 } }, { resumeAt: 'Branch ordered-yet', resolution: 'wait' });

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.path).toEqual([
      'Dispatch',
      'Resume',
      'ResumeAt',
      'Branch ordered-yet',
      'Send tips-email',
      'After send tips-email',
      'Wait day-seven',
      'Paused',
    ]);
    expect(outcome.calls[0]?.input).toEqual({
      action: 'resume',
      journeyId: 'welcome',
      resume: resumeAfterTwoDays.resume ?? null,
      execution: 'test-execution',
    });
  });

  it('a resume after two days for a contact who ordered skips the tips and goes to the next wait', async () => {
    // Prepare
    const resume: Fake = () =>
      context({ stats: { orderCount: 1 } }, { resumeAt: 'Branch ordered-yet', resolution: 'wait' });

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.path).toEqual([
      'Dispatch',
      'Resume',
      'ResumeAt',
      'Branch ordered-yet',
      'Wait day-seven',
      'Paused',
    ]);
    expect(outcome.calls.map((c) => c.state)).not.toContain('Send tips-email');
  });

  it('a contact without stats takes the otherwise path instead of failing the Choice state', async () => {
    // Prepare
    const resume: Fake = () =>
      context({ contactId: 'c-42' }, { resumeAt: 'Branch ordered-yet', resolution: 'wait' });

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.path).toContain('Send tips-email');
  });

  it('on day seven sends the SMS offer to a contact with a phone and finishes the run', async () => {
    // Prepare
    const resume: Fake = () =>
      context(
        { phone: '+33612345678', stats: { orderCount: 0 } },
        { resumeAt: 'Branch has-phone', resolution: 'wait' },
      );

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.path).toEqual([
      'Dispatch',
      'Resume',
      'ResumeAt',
      'Branch has-phone',
      'Send sms-offer',
      'After send sms-offer',
      'Done',
    ]);
    expect(outcome.calls.at(-1)?.input).toMatchObject({ action: 'send', journeyId: 'welcome', finish: true });
  });

  it('on day seven finishes without an SMS when the contact has no phone', async () => {
    // Prepare
    const resume: Fake = () => context({ phone: null }, { resumeAt: 'Branch has-phone', resolution: 'wait' });

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Resume', 'ResumeAt', 'Branch has-phone', 'Finish']);
  });

  it('ends at "Not entered" when Enter says not to proceed, calling nothing else', async () => {
    // Prepare
    const enter: Fake = () => ({
      proceed: false,
      reason: 'already_ran',
      journeyId: 'welcome',
      runKey: 'contact:c-42',
    });

    // Act
    const outcome = await runJourney(welcome, signupEvent, { Enter: enter });

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Enter', 'Entered', 'Not entered']);
    expect(outcome.calls.map((c) => c.state)).toEqual(['Enter']);
  });

  it('ends at "Run not active" when Resume says not to proceed', async () => {
    // Prepare
    const resume: Fake = () => ({ proceed: false, reason: 'already_resumed', journeyId: 'welcome' });

    // Act
    const outcome = await runJourney(welcome, resumeAfterTwoDays, { Resume: resume });

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Resume', 'ResumeAt', 'Run not active']);
  });

  it('retries a failing send twice, records the failure with the error, then fails the execution', async () => {
    // Prepare
    const enter: Fake = () => context({ stats: { orderCount: 0 } });
    const failingSend: Fake = () => {
      throw new Error('SES is down');
    };

    // Act
    const outcome = await runJourney(welcome, signupEvent, {
      Enter: enter,
      'Send welcome-email': failingSend,
    });

    // Assess
    expect(outcome.error).toBeInstanceOf(Error);
    expect(outcome.calls.filter((c) => c.state === 'Send welcome-email')).toHaveLength(3);
    expect(outcome.path.slice(-2)).toEqual(['Record failure', 'Failed']);
    const recorded = outcome.calls.find((c) => c.state === 'Record failure');
    expect(recorded?.input).toMatchObject({
      action: 'fail',
      journeyId: 'welcome',
      state: { error: { Error: 'Error', Cause: 'SES is down' } },
    });
  });
});

describe('the compiled abandoned-cart journey on aws-local-stepfunctions', () => {
  const resumeAwaitOrder: JsonObject = {
    resume: { runKey: 'key:cart-123', gen: 1, stepId: 'await-order', via: 'timeout' },
  };
  const resumed =
    (resolution: 'event' | 'timeout'): Fake =>
    () =>
      context(
        { stats: { orderCount: 0 } },
        {
          journeyId: 'abandoned-cart',
          runKey: 'key:cart-123',
          resumeAt: 'Resolved await-order',
          resolution,
        },
      );

  it('ends the run when the order arrived before the timeout (onEvent: exit)', async () => {
    // Act
    const outcome = await runJourney(abandonedCart, resumeAwaitOrder, { Resume: resumed('event') });

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Resume', 'ResumeAt', 'Resolved await-order', 'Finish']);
    expect(outcome.calls.map((c) => c.state)).toEqual(['Resume', 'Finish']);
  });

  it('sends the first reminder on timeout, then waits for the order again', async () => {
    // Act
    const outcome = await runJourney(abandonedCart, resumeAwaitOrder, { Resume: resumed('timeout') });

    // Assess
    expect(outcome.path).toEqual([
      'Dispatch',
      'Resume',
      'ResumeAt',
      'Resolved await-order',
      'Send first-reminder',
      'After send first-reminder',
      'WaitFor await-order-again',
      'Paused',
    ]);
    expect(outcome.calls[1]?.input).toMatchObject({
      action: 'send',
      journeyId: 'abandoned-cart',
      stepId: 'first-reminder',
    });
  });
});

describe('the compiled price-drop journey on aws-local-stepfunctions', () => {
  const priceEvent: JsonObject = {
    'detail-type': 'product.price_changed',
    detail: {
      eventId: 'evt-price-1',
      sku: 'TSHIRT-BLUE-M',
      oldPrice: 24.99,
      newPrice: 19.99,
      currency: 'EUR',
    },
  };
  const entered =
    (oldPrice: number, newPrice: number): Fake =>
    () => ({
      proceed: true,
      journeyId: 'price-drop',
      runKey: 'event:evt-price-1',
      gen: 1,
      triggerType: 'product.price_changed',
      trigger: { eventId: 'evt-price-1', sku: 'TSHIRT-BLUE-M', oldPrice, newPrice, currency: 'EUR' },
      splits: {},
    });

  it('broadcasts to interested contacts when the new price is lower, then finishes', async () => {
    // Act
    const outcome = await runJourney(priceDrop, priceEvent, { Enter: entered(24.99, 19.99) });

    // Assess
    expect(outcome.path).toEqual([
      'Dispatch',
      'Enter',
      'Entered',
      'Branch is-lower',
      'Broadcast notify-interested',
      'Done',
    ]);
    expect(outcome.calls[1]?.input).toMatchObject({ action: 'broadcast', stepId: 'notify-interested' });
  });

  it('finishes without a broadcast when the price went up', async () => {
    // Act
    const outcome = await runJourney(priceDrop, priceEvent, { Enter: entered(19.99, 24.99) });

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Enter', 'Entered', 'Branch is-lower', 'Finish']);
  });

  it('stops a stray resume at "Run not active" without calling the step function', async () => {
    // Act
    const outcome = await runJourney(
      priceDrop,
      { resume: { runKey: 'x', gen: 1, stepId: 'y', via: 'wait' } },
      {},
    );

    // Assess
    expect(outcome.path).toEqual(['Dispatch', 'Run not active']);
    expect(outcome.calls).toEqual([]);
  });
});

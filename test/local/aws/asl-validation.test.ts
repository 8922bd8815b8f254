// State machine definitions are checked against the Amazon States Language in a worker thread as
// the local Step Functions starts (asl-validator compiles its schemas at every call: a few hundred
// ms of the main thread, which serves every function's AWS calls); an interpreter is built
// without validating again once its definition passed, and a refused definition still fails its
// executions with the validator's message.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AslValidation, validateOffThread } from '../../../local/aws/asl-validation.ts';
import type { LambdaHost } from '../../../local/aws/lambda-host.ts';
import { StepFunctionsService } from '../../../local/aws/step-functions.ts';
import type { LocalStateMachine } from '../../../local/aws/template.ts';
import { WorkTracker } from '../../../local/aws/work-tracker.ts';
import { expressMachine } from '../../support/state-machines.ts';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:step';

/** The validation options each interpreter was built with, in order. */
const built = vi.hoisted(() => [] as unknown[]);
vi.mock('aws-local-stepfunctions', async (importOriginal) => {
  const original = await importOriginal<typeof import('aws-local-stepfunctions')>();
  class RecordingStateMachine extends original.StateMachine {
    constructor(...args: ConstructorParameters<typeof original.StateMachine>) {
      built.push(args[1]?.validationOptions);
      super(...args);
    }
  }
  return { ...original, StateMachine: RecordingStateMachine };
});

const valid = { StartAt: 'Step', States: { Step: { Type: 'Task', Resource: FN, End: true } } };
/** The next state is missing: Step Functions refuses such a definition (MISSING_TRANSITION_TARGET). */
const broken = { StartAt: 'Step', States: { Step: { Type: 'Pass', Next: 'Nowhere' } } };

const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

function validation(definitions: Record<string, object>): AslValidation {
  const started = validateOffThread(new Map(Object.entries(definitions)));
  closing.push(started);
  return started;
}

describe('ASL validation off the main thread', () => {
  it('passes a valid definition and names what is wrong with a refused one', async () => {
    const checked = validation({ valid, broken });

    expect(await checked.errorsOf('valid')).toEqual([]);
    const errors = await checked.errorsOf('broken');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Nowhere');
  });

  it('validates what it is asked for first, then all the others when asked to', async () => {
    const checked = validation({ a: valid, b: valid, c: valid, asked: broken });
    const settled: string[] = [];
    for (const key of ['a', 'b', 'c', 'asked'])
      void checked.errorsOf(key).then(
        () => settled.push(key),
        () => undefined,
      );
    // Asked last, so validated first: each asked definition goes to the front of the queue.
    expect(await checked.errorsOf('asked')).toHaveLength(1);
    expect(settled[0]).toBe('asked');
    const all = validation({ a: valid, b: broken });
    all.validateAll();
    expect(await all.errorsOf('a')).toEqual([]);
    expect(await all.errorsOf('b')).toHaveLength(1);
  });

  it('validates only what it is asked for, in a worker that stops with it', async () => {
    const checked = validation({ a: valid, b: valid });
    expect(await checked.errorsOf('a')).toEqual([]);
    await checked.close();
    // Never asked for before the close: never validated.
    await expect(checked.errorsOf('b')).rejects.toThrow('closed');
  });

  it('rejects for a definition it was not given', async () => {
    await expect(validation({ valid }).errorsOf('other')).rejects.toThrow('no definition other');
  });
});

describe('Step Functions with validated definitions', () => {
  function service(machines: LocalStateMachine[], tracker: WorkTracker, validateOffThread = true) {
    const host = { invoke: async () => ({ ok: true }) } as unknown as LambdaHost;
    const started = new StepFunctionsService(machines, {
      lambdas: host,
      tracker,
      now: () => 0,
      validateOffThread,
    });
    closing.push(started);
    return started;
  }

  it('builds the interpreter of a valid definition without validating it on this thread again', async () => {
    built.length = 0;
    const tracker = new WorkTracker();
    const flow = expressMachine('flow', valid);
    const sfn = service([flow], tracker);
    const executions = [sfn.startExecution(flow.arn, {}), sfn.startExecution(flow.arn, {})];
    await tracker.idle();
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(executions[0]?.output).toEqual({ ok: true });
    // One interpreter for both executions, built once the worker passed the definition.
    expect(built).toEqual([{ noValidate: true }]);
  });

  it('validates on this thread when the interpreter is built unless told to validate off it', async () => {
    built.length = 0;
    const tracker = new WorkTracker();
    const flow = expressMachine('flow', valid);
    const execution = service([flow], tracker, false).startExecution(flow.arn, {});
    await tracker.idle();
    expect(execution.status).toBe('SUCCEEDED');
    expect(built).toEqual([{ checkArn: false, checkPaths: true }]);
  });

  it('fails every execution of a refused definition with the validator’s message, as before', async () => {
    const tracker = new WorkTracker();
    const flow = expressMachine('flow', broken);
    const sfn = service([flow], tracker);
    const first = sfn.startExecution(flow.arn, {});
    await tracker.idle();
    const second = sfn.startExecution(flow.arn, {});
    await tracker.idle();
    // Validated again where the interpreter is built, so its error is the validator's own.
    expect(built.slice(-2)).toEqual([
      { checkArn: false, checkPaths: true },
      { checkArn: false, checkPaths: true },
    ]);
    for (const execution of [first, second]) {
      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(execution.cause).toContain('State machine definition is invalid');
      expect(execution.cause).toContain('Nowhere');
    }
  });
});

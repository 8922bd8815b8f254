// Step Functions' infrastructure time is real time, whatever the journey clock: under a clock 720
// times faster (relance dev's default), a retry still waits its interval and an execution times out
// at its TimeoutSeconds of real time, not at 1/720 of it.
import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../local/aws/clock.ts';
import type { LambdaHost } from '../../../local/aws/lambda-host.ts';
import {
  EXPRESS_MAX_SECONDS,
  type Execution,
  executionTimeoutSeconds,
  StepFunctionsService,
} from '../../../local/aws/step-functions.ts';
import { WorkTracker } from '../../../local/aws/work-tracker.ts';
import { expressMachine } from '../../support/state-machines.ts';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:step';

/** A Lambda host whose one function runs `behaviour` and records the real time of each call. */
function lambdas(behaviour: (attempt: number) => Promise<unknown>): { host: LambdaHost; calls: number[] } {
  const calls: number[] = [];
  const host = {
    invoke: async () => {
      calls.push(performance.now());
      return behaviour(calls.length);
    },
  } as unknown as LambdaHost;
  return { host, calls };
}

async function runOnScaledClock(
  definition: object,
  host: LambdaHost,
  retryBackoffScale?: number,
): Promise<Execution> {
  const clock = new ScaledClock(720);
  const tracker = new WorkTracker();
  const flow = expressMachine('flow', definition);
  const service = new StepFunctionsService([flow], {
    lambdas: host,
    tracker,
    now: () => clock.now(),
    ...(retryBackoffScale === undefined ? {} : { retryBackoffScale }),
  });
  const execution = service.startExecution(flow.arn, {});
  await tracker.idle();
  await service.close();
  return execution;
}

const task = (extra: Record<string, unknown> = {}) => ({
  StartAt: 'Step',
  States: { Step: { Type: 'Task', Resource: FN, End: true, ...extra } },
});

describe('Step Functions time under --time-scale 720', () => {
  it('waits a retry interval of 1 s in real time (it was 1.4 ms)', async () => {
    const { host, calls } = lambdas(async (attempt) => {
      if (attempt === 1) throw Object.assign(new Error('busy'), { name: 'Busy' });
      return { ok: true };
    });

    const execution = await runOnScaledClock(
      task({ Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }] }),
      host,
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(2);
    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('shrinks retry waits only by the back-off scale tests give, never their number', async () => {
    const { host, calls } = lambdas(async () => {
      throw Object.assign(new Error('busy'), { name: 'Busy' });
    });

    const execution = await runOnScaledClock(
      task({ Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 3 }] }),
      host,
      0,
    );

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Busy' });
    expect(calls).toHaveLength(4);
  });

  it('times an execution out at its TimeoutSeconds of real time, with States.Timeout', async () => {
    const { host } = lambdas(() => new Promise((resolve) => setTimeout(() => resolve({}), 2_500)));
    const started = performance.now();

    const execution = await runOnScaledClock({ ...task(), TimeoutSeconds: 1 }, host);

    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
      cause: 'The execution ran past its 1 s timeout',
    });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    // The journey clock ran 720 times faster meanwhile: 1 s of it would have been 1.4 ms.
    expect((execution.stopDate ?? 0) - execution.startDate).toBeGreaterThan(600_000);
  });

  it('gives an Express workflow 300 s at most, and a Standard one its own TimeoutSeconds or none', () => {
    expect(executionTimeoutSeconds(expressMachine('a', task()))).toBe(EXPRESS_MAX_SECONDS);
    expect(executionTimeoutSeconds(expressMachine('b', { ...task(), TimeoutSeconds: 3600 }))).toBe(300);
    expect(executionTimeoutSeconds(expressMachine('c', { ...task(), TimeoutSeconds: 60 }))).toBe(60);
    expect(executionTimeoutSeconds({ ...expressMachine('d', task()), type: 'STANDARD' })).toBeUndefined();
    expect(
      executionTimeoutSeconds({
        ...expressMachine('e', { ...task(), TimeoutSeconds: 3600 }),
        type: 'STANDARD',
      }),
    ).toBe(3600);
  });
});

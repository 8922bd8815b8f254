// Closing the local Step Functions (the runtime stopping, Ctrl-C in `npm start`) ends the executions
// still running in the interpreter: their retry waits and execution timeouts no longer keep the
// process alive, and nothing of theirs runs after the close. They stay RUNNING: with a data
// directory, the runtime's journal begins them again at the next start.
import { describe, expect, it, vi } from 'vitest';
import type { LambdaHost } from '../../../local/aws/lambda-host.ts';
import { StepFunctionsService } from '../../../local/aws/step-functions.ts';
import { WorkTracker } from '../../../local/aws/work-tracker.ts';
import { expressMachine } from '../../support/state-machines.ts';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:step';

/** The timers this process holds (Node's active resources named Timeout). */
const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('closing the local Step Functions', () => {
  it('ends a running execution at once: its retry wait and its timeout hold no timer, and its task is not retried', async () => {
    // Arrange: a task that fails, retried after 30 s of real time, in an execution with a 300 s timeout.
    let calls = 0;
    let failed!: () => void;
    const firstCallFailed = new Promise<void>((resolve) => {
      failed = resolve;
    });
    const host = {
      invoke: async () => {
        calls += 1;
        failed();
        throw Object.assign(new Error('busy'), { name: 'Busy' });
      },
    } as unknown as LambdaHost;
    const flow = expressMachine('flow', {
      StartAt: 'Step',
      TimeoutSeconds: 300,
      States: {
        Step: {
          Type: 'Task',
          Resource: FN,
          End: true,
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 3 }],
        },
      },
    });
    const tracker = new WorkTracker();
    const service = new StepFunctionsService([flow], { lambdas: host, tracker, now: () => Date.now() });
    const timersBefore = timers();
    const execution = service.startExecution(flow.arn, {});
    await firstCallFailed;
    // Let the interpreter reach its retry wait.
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeGreaterThan(timersBefore);

    // Act
    await service.close();
    await tracker.idle();

    // Assess: the interpreter's last steps settle within a few turns of the event loop (it was 60 s
    // of retries before the timeout's timer went).
    await vi.waitFor(() => expect(timers()).toBe(timersBefore));
    expect(calls).toBe(1);
    expect(execution.status).toBe('RUNNING');
    expect(execution.history.map((event) => event.type)).not.toContain('ExecutionFailed');
  });
});

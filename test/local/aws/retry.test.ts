// EventBridge's and Scheduler's retry policy for a target, and EventBridge's dead-letter queue.
import { describe, expect, it } from 'vitest';
import { type BusEventEnvelope, EventBusService } from '../../../local/aws/eventbridge/bus.ts';
import { isRetryable, Retrier } from '../../../local/aws/retry.ts';
import type { LocalRule } from '../../../local/aws/template.ts';

const named = (name: string, message = 'failed') => Object.assign(new Error(message), { name });

describe('the retry policy', () => {
  it('retries a failing target MaximumRetryAttempts times (185 by default) after the first attempt', async () => {
    let calls = 0;
    const outcome = await new Retrier(0).run(
      async () => {
        calls++;
        throw named('ThrottlingException');
      },
      { maxRetries: 185, maxEventAgeSeconds: 86_400 },
    );
    expect(calls).toBe(186);
    expect(outcome).toMatchObject({
      ok: false,
      attempts: 186,
      errorCode: 'ThrottlingException',
      condition: 'MaximumRetryAttemptsExhausted',
    });
  });

  it('stops at the first success', async () => {
    let calls = 0;
    const outcome = await new Retrier(0).run(
      async () => {
        calls++;
        if (calls < 3) throw named('ServiceUnavailable');
      },
      { maxRetries: 5, maxEventAgeSeconds: 60 },
    );
    expect(outcome).toEqual({ ok: true, attempts: 3 });
  });

  it('does not retry what retrying cannot fix: a denial, a missing resource, a 4xx other than 429', async () => {
    expect(isRetryable(named('AccessDeniedException'))).toBe(false);
    expect(isRetryable(named('ResourceNotFoundException'))).toBe(false);
    expect(isRetryable(named('StateMachineDoesNotExist'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('API destination answered 400'), { statusCode: 400 }))).toBe(
      false,
    );
    expect(isRetryable(Object.assign(new Error('API destination answered 429'), { statusCode: 429 }))).toBe(
      true,
    );
    expect(isRetryable(Object.assign(new Error('API destination answered 503'), { statusCode: 503 }))).toBe(
      true,
    );
    expect(isRetryable(named('ThrottlingException'))).toBe(true);

    let calls = 0;
    const outcome = await new Retrier(0).run(
      async () => {
        calls++;
        throw named('AccessDeniedException');
      },
      { maxRetries: 185, maxEventAgeSeconds: 86_400 },
    );
    expect(calls).toBe(1);
    expect(outcome.condition).toBe('NotRetryable');
  });

  it('gives up when the next attempt would come after MaximumEventAgeInSeconds (real time)', async () => {
    let calls = 0;
    const outcome = await new Retrier(1).run(
      async () => {
        calls++;
        throw named('ThrottlingException');
      },
      // The first retry waits at least half a second: past an age limit of zero.
      { maxRetries: 185, maxEventAgeSeconds: 0 },
    );
    expect(calls).toBe(1);
    expect(outcome.condition).toBe('MaximumEventAgeExceeded');
  });

  it('ends its waits when closed, making no further attempt', async () => {
    const retrier = new Retrier(1);
    let calls = 0;
    const running = retrier.run(
      async () => {
        calls++;
        throw named('ThrottlingException');
      },
      { maxRetries: 185, maxEventAgeSeconds: 86_400 },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    retrier.close();
    expect(await running).toMatchObject({ ok: false, attempts: 2 });
    expect(calls).toBe(2);
  });
});

describe('EventBridge delivery', () => {
  const rule: LocalRule = {
    logicalId: 'Rule',
    arn: 'arn:aws:events:us-east-1:000000000000:rule/Bus/Rule',
    name: 'Rule',
    busName: 'Bus',
    pattern: { source: ['shop'] },
    enabled: true,
    targets: [
      {
        id: 'T',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:F',
        maxRetries: 4,
        deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:Dead',
      },
    ],
  };

  it('retries as the target’s policy says, then dead-letters the event with EventBridge’s attributes', async () => {
    const work: Array<Promise<void>> = [];
    const deadLettered: Array<{ arn: string; event: BusEventEnvelope; attributes: Record<string, string> }> =
      [];
    let attempts = 0;
    const bus = new EventBusService({
      rules: [rule],
      buses: [{ name: 'Bus', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/Bus' }],
      now: () => 0,
      deliver: async () => {
        attempts++;
        throw named('ThrottlingException', 'Rate exceeded');
      },
      deadLetter: async (arn, event, attributes) => {
        deadLettered.push({ arn, event, attributes });
      },
      background: (run) => work.push(run()),
      backoffScale: 0,
    });

    const event = bus.put({ busName: 'Bus', source: 'shop', detailType: 'x', detail: {} });
    await Promise.all(work);

    expect(attempts).toBe(5);
    expect(bus.failedDeliveries).toEqual([
      expect.objectContaining({
        attempts: 5,
        condition: 'MaximumRetryAttemptsExhausted',
        error: 'ThrottlingException: Rate exceeded',
      }),
    ]);
    expect(deadLettered).toEqual([
      {
        arn: 'arn:aws:sqs:us-east-1:000000000000:Dead',
        event,
        attributes: {
          ERROR_CODE: 'ThrottlingException',
          ERROR_MESSAGE: 'ThrottlingException: Rate exceeded',
          EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttemptsExhausted',
          RETRY_ATTEMPTS: '4',
          RULE_ARN: rule.arn,
          TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:F',
        },
      },
    ]);
  });
});

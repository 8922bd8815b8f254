// Injected faults answer as the AWS service does on its protocol, for the calls chosen.
import { describe, expect, it } from 'vitest';
import { FaultInjector, faultAnswer } from '../../../local/aws/faults.ts';
import { type AwsRequest, operationOf } from '../../../local/aws/protocol.ts';

/** The service's own answer when no fault fires. */
const passed = { status: 200, headers: {}, body: '{}' };
const through = () => Promise.resolve(passed);
/** A fault's answer for a call, or undefined when the call went through to the service. */
async function answer(faults: FaultInjector, service: string, req: AwsRequest) {
  const result = await faults.around(service, req, through);
  return result === passed ? undefined : result;
}

const dynamo = (operation: string): AwsRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: { 'x-amz-target': `DynamoDB_20120810.${operation}` },
  body: '{}',
});

describe('fault injection', () => {
  it('names the operation of each protocol', () => {
    expect(operationOf(dynamo('PutItem'))).toBe('PutItem');
    expect(operationOf({ method: 'POST', path: '/', headers: {}, body: 'Action=Publish&Message=x' })).toBe(
      'Publish',
    );
    expect(operationOf({ method: 'POST', path: '/v2/email/outbound-emails', headers: {}, body: '{}' })).toBe(
      'SendEmail',
    );
  });

  it('fails the first `times` matching calls after `after`, and only the named operation', async () => {
    const faults = new FaultInjector();
    const fault = faults.inject({
      service: 'dynamodb',
      operation: 'PutItem',
      kind: 'throttle',
      times: 2,
      after: 1,
    });

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await answer(faults, 'dynamodb', dynamo('PutItem')));
    const other = await answer(faults, 'dynamodb', dynamo('GetItem'));

    expect(answers.map((a) => a?.status)).toEqual([undefined, 400, 400, undefined, undefined]);
    expect(JSON.parse(answers[1]?.body ?? '{}')).toMatchObject({
      __type: 'ProvisionedThroughputExceededException',
    });
    expect(other).toBeUndefined();
    expect(fault).toMatchObject({ matched: 5, failed: 2 });
  });

  it('fails every n-th call for a storm', async () => {
    const faults = new FaultInjector();
    faults.inject({ service: 'dynamodb', kind: 'server-error', every: 3 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await answer(faults, 'dynamodb', dynamo('Query')))?.status);
    expect(statuses).toEqual([undefined, undefined, 500, undefined, undefined, 500]);
  });

  it("answers each service's own error: SES 429, SNS's query error, a DynamoDB conditional failure", () => {
    expect(faultAnswer('ses', 'throttle')).toMatchObject({
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
    });
    const sns = faultAnswer('sns', 'throttle');
    expect(sns.status).toBe(400);
    expect(sns.body).toContain('<Code>Throttling</Code>');
    expect(JSON.parse(faultAnswer('dynamodb', 'conditional-failure').body)).toMatchObject({
      __type: 'ConditionalCheckFailedException',
    });
    expect(faultAnswer('eventbridge', 'server-error').status).toBe(500);
  });

  it('holds a timed-out call for its delay, then answers 504', async () => {
    const faults = new FaultInjector();
    faults.inject({ service: 'sqs', kind: 'timeout', delayMs: 20 });
    const started = Date.now();
    const timedOut = await answer(faults, 'sqs', dynamo('SendMessage'));
    expect(timedOut?.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('crashes before the service acts, or after it acted and before the caller hears, and never answers', async () => {
    const faults = new FaultInjector();
    const crashes: string[] = [];
    faults.onCrash = () => crashes.push('crash');
    faults.inject({ service: 'ses', kind: 'crash-before', after: 1 });
    faults.inject({ service: 'sqs', kind: 'crash-after' });
    const acted: string[] = [];
    const act = (what: string) => () => {
      acted.push(what);
      return Promise.resolve(passed);
    };

    const first = await faults.around('ses', dynamo('SendEmail'), act('first mail'));
    const second = faults.around('ses', dynamo('SendEmail'), act('second mail'));
    const queued = faults.around('sqs', dynamo('SendMessage'), act('message'));
    const settled = await Promise.race([
      Promise.all([second, queued]).then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('no answer'), 50)),
    ]);

    expect(first).toBe(passed);
    expect(acted).toEqual(['first mail', 'message']);
    expect(crashes).toEqual(['crash', 'crash']);
    expect(settled).toBe('no answer');
  });

  it('refuses a crash fault where the runtime cannot crash', () => {
    expect(() => new FaultInjector().inject({ service: 'ses', kind: 'crash-before' })).toThrow(/onCrash/);
  });

  it('refuses a conditional failure outside DynamoDB and a storm period that is not a whole number', () => {
    const faults = new FaultInjector();
    expect(() => faults.inject({ service: 'ses', kind: 'conditional-failure' })).toThrow(/DynamoDB/);
    expect(() => faults.inject({ service: 'ses', kind: 'throttle', every: 0 })).toThrow(/every/);
  });
});

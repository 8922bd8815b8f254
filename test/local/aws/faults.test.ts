// Injected faults answer as the AWS service does on its protocol, for the calls chosen.
import { describe, expect, it } from 'vitest';
import { FaultInjector, faultAnswer } from '../../../local/aws/faults.ts';
import { type AwsRequest, operationOf } from '../../../local/aws/protocol.ts';

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
    for (let i = 0; i < 5; i++) answers.push(await faults.answer('dynamodb', dynamo('PutItem')));
    const other = await faults.answer('dynamodb', dynamo('GetItem'));

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
    for (let i = 0; i < 6; i++) statuses.push((await faults.answer('dynamodb', dynamo('Query')))?.status);
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
    const answer = await faults.answer('sqs', dynamo('SendMessage'));
    expect(answer?.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('refuses a conditional failure outside DynamoDB and a storm period that is not a whole number', () => {
    const faults = new FaultInjector();
    expect(() => faults.inject({ service: 'ses', kind: 'conditional-failure' })).toThrow(/DynamoDB/);
    expect(() => faults.inject({ service: 'ses', kind: 'throttle', every: 0 })).toThrow(/every/);
  });
});

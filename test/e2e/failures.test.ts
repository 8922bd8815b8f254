import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, eventId, type LocalSystem, startLocalSystem, T0 } from '../support/local-system.ts';

/** A signed-looking request (the edge routes requests carrying SigV4 to the AWS services). */
async function aws(
  endpoint: string,
  init: { path?: string; target?: string; contentType?: string; body: string; method?: string },
) {
  const response = await fetch(`${endpoint}${init.path ?? '/'}`, {
    method: init.method ?? 'POST',
    headers: {
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260302/us-east-1/x/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20260302T100000Z',
      'content-type': init.contentType ?? 'application/x-amz-json-1.1',
      ...(init.target ? { 'x-amz-target': init.target } : {}),
    },
    body: init.body,
  });
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    text: await response.text(),
  };
}

describe('failure is visible on the local runtime', () => {
  let system: LocalSystem;
  beforeAll(async () => {
    // One SDK attempt per call, so the state machine's own retries are what is exercised, quickly.
    // Every accepted event published: a test adds a rule of its own for a type no journey takes.
    system = await startLocalSystem({
      environment: { AWS_MAX_ATTEMPTS: '1' },
      context: { 'relance:publishAcceptedEvents': 'all' },
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('answers malformed requests with the protocol’s AWS-style error, never a crash', async () => {
    const events = await aws(system.endpoint, { target: 'AWSEvents.PutEvents', body: '{not json' });
    expect(events).toMatchObject({ status: 400, type: 'SerializationException' });

    const noEntries = await aws(system.endpoint, { target: 'AWSEvents.PutEvents', body: '{"Entries":[]}' });
    expect(noEntries).toMatchObject({ status: 400, type: 'ValidationException' });

    const sfn = await aws(system.endpoint, {
      target: 'AWSStepFunctions.DescribeExecution',
      contentType: 'application/x-amz-json-1.0',
      body: '{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:x:y"}',
    });
    expect(sfn).toMatchObject({ status: 400, type: 'ExecutionDoesNotExist' });

    const dynamo = await aws(system.endpoint, {
      target: 'DynamoDB_20120810.GetItem',
      contentType: 'application/x-amz-json-1.0',
      body: '{"TableName":"nope","Key":{"pk":{"S":"x"}}}',
    });
    expect(dynamo.status).toBe(400);
    expect(dynamo.text).toContain('ResourceNotFoundException');

    const sns = await aws(system.endpoint, {
      contentType: 'application/x-www-form-urlencoded',
      body: 'Action=Publish&Version=2010-03-31',
    });
    expect(sns.status).toBe(400);
    expect(sns.text).toContain('<ErrorResponse');

    const unknown = await aws(system.endpoint, { path: '/no/such/api', body: '{}' });
    expect(unknown).toMatchObject({ status: 400, type: 'UnknownOperationException' });
  });

  it('keeps an event whose target refuses it, like a dead-letter queue, and shows it', async () => {
    // Prepare: a rule whose target function does not exist, with the template's dead-letter queue
    // (it stands in for the router rule, which the queue's policy lets EventBridge send for).
    const deadLetters = system.runtime.app.queues.find((q) =>
      q.logicalId.startsWith('IngestIngestDeadLetters'),
    );
    const routerRule = system.runtime.app.rules.find((r) => r.logicalId.startsWith('JourneysRouterRule'));
    system.runtime.app.rules.push({
      logicalId: 'BrokenRule',
      ...(routerRule?.arn ? { arn: routerRule.arn } : {}),
      name: 'Relance-BrokenRule',
      busName: system.runtime.app.buses[0]?.name ?? 'default',
      pattern: { source: ['relance.ingest'], 'detail-type': ['checkout.started'] },
      enabled: true,
      targets: [
        {
          id: 'gone',
          arn: 'arn:aws:lambda:us-east-1:000000000000:function:Gone',
          maxRetries: 2,
          ...(deadLetters ? { deadLetterArn: deadLetters.arn } : {}),
        },
      ],
    });

    // Act
    await system.put('checkout.started', {
      eventId: eventId('co'),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email: 'dlq@example.com' },
      cartId: 'c-dlq',
      value: 10,
      currency: 'EUR',
    });

    // Assess
    expect(system.runtime.bus.failedDeliveries).toEqual([
      expect.objectContaining({
        rule: 'Relance-BrokenRule',
        detailType: 'checkout.started',
        error: expect.stringContaining('Function not found'),
        // A missing function is not retried: the event goes to the dead-letter queue at once.
        attempts: 1,
        condition: 'NotRetryable',
      }),
    ]);
    const queue = system.runtime.sqs.queues().find((q) => q.name === deadLetters?.name);
    expect(queue?.messages.length).toBe(1);
    expect(queue?.messages[0]?.messageAttributes).toMatchObject({
      ERROR_CODE: expect.objectContaining({ StringValue: 'ResourceNotFoundException' }),
      RULE_ARN: expect.objectContaining({ StringValue: routerRule?.arn }),
      TARGET_ARN: expect.objectContaining({
        StringValue: 'arn:aws:lambda:us-east-1:000000000000:function:Gone',
      }),
    });
  });

  it('follows the template’s retries and catch when a step keeps failing, and marks the run failed', async () => {
    // Prepare: a contact that will get the day-7 SMS, and an SMS provider that keeps throttling.
    const phone = '+33699887766';
    const email = 'throttled@example.com';
    await system.put('contact.signed_up', {
      eventId: eventId('s'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email, phone },
    });
    await system.put('consent.changed', {
      eventId: eventId('c'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email },
      channel: 'sms',
      status: 'opted_in',
      proof: { kind: 'form' },
    });
    await system.advance(days(2) + 1000);
    system.runtime.sns.failNext('Throttling', 1000);

    // Act
    await system.advance(days(5) + 1000);
    system.runtime.sns.failNext('Throttling', 0);

    // Assess
    expect(system.smsTo(phone)).toEqual([]);
    const failed = system.runtime.stepFunctions.executions.find(
      (e) => e.status === 'FAILED' && e.stateMachineArn.endsWith('welcome'),
    );
    expect(failed?.error).toBe('JourneyStepFailed');
    const states = failed?.history.map((h) => `${h.type}:${String(h.details.name ?? '')}`) ?? [];
    expect(states.filter((s) => s === 'TaskRetried:Send sms-offer').length).toBeGreaterThan(0);
    expect(states).toContain('TaskStateEntered:Record failure');
    const runs = await Promise.all(
      system.runtime.stepFunctions.executions
        .filter((e) => e === failed)
        .map((e) =>
          system.run('welcome', String((e.input as { resume?: { runKey?: string } }).resume?.runKey)),
        ),
    );
    expect(runs[0]).toMatchObject({ status: 'failed', endReason: expect.stringContaining('Throttling') });
  });
});

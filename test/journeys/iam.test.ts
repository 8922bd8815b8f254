// IAM on the local runtime: the calls the journeys make are allowed by the roles the template gives
// them, and a grant the template lacks fails here as it would fail in AWS.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  eventId,
  hours,
  type LocalSystem,
  minutes,
  startLocalSystem,
  withoutGrant,
  withoutPermission,
} from '../support/local-system.ts';

const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };

describe('the event router cancels a waitFor timeout with its own permission', () => {
  let system: LocalSystem;
  const now = () => new Date(system.runtime.clock.now()).toISOString();

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('deletes the pending timeout schedule when the awaited order arrives (scheduler:DeleteSchedule)', async () => {
    // Prepare: an abandoned cart whose run waits for the order, with its timeout scheduled
    const email = 'iam.router@example.com';
    await system.put('cart.updated', {
      eventId: eventId('cart'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      cartId: 'cart-iam',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    await system.advance(hours(1) + minutes(1));
    const pending = () =>
      system.runtime.scheduler.schedules().filter((s) => s.Target.Input?.includes('key:cart-iam'));
    expect(pending()).toHaveLength(1);

    // Act: the order resolves the wait
    await system.put('order.completed', {
      eventId: eventId('order'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      orderId: 'order-cart-iam',
      cartId: 'cart-iam',
      items: [lamp],
      total: 89,
      currency: 'EUR',
    });

    // Assess: the router's call was allowed and the timeout is gone
    const routerFailures = system.runtime.lambdas.invocations.filter(
      (i) => i.functionName.includes('EventRouter') && !i.ok,
    );
    expect(routerFailures.map((i) => i.error)).toEqual([]);
    expect(system.denials()).toEqual([]);
    expect(pending()).toEqual([]);
  });
});

/** A new contact, so the welcome journey sends its first e-mail at once. */
async function signUp(system: LocalSystem, email: string): Promise<void> {
  await system.put('contact.signed_up', {
    eventId: eventId('signup'),
    occurredAt: new Date(system.runtime.clock.now()).toISOString(),
    source: 'shop.test',
    contact: { email },
    firstName: 'Ada',
  });
}

describe('a grant the template lacks fails locally as in AWS', () => {
  let system: LocalSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('a function without ses:SendEmail gets AccessDeniedException, and the journey run fails with it', async () => {
    system = await startLocalSystem({
      environment: { AWS_MAX_ATTEMPTS: '1' },
      editAssembly: withoutGrant('JourneysJourneyStepRole', 'ses:SendEmail'),
      allowDenials: true,
    });

    await signUp(system, 'denied.mail@example.com');

    expect(system.emailsTo('denied.mail@example.com')).toEqual([]);
    expect(system.denials()).toContainEqual(
      expect.objectContaining({
        principal: expect.stringMatching(/assumed-role\/JourneysJourneyStepRole[^/]+\/JourneysJourneyStep/),
        action: 'ses:SendEmail',
        resource: expect.stringMatching(/^arn:aws:ses:us-east-1:000000000000:identity\//),
      }),
    );
    const failures = system.runtime.lambdas.invocations.filter((i) => !i.ok).map((i) => i.error);
    expect(failures).toContainEqual(expect.stringContaining('AccessDeniedException'));
    const execution = system.runtime.stepFunctions.executions.find((e) =>
      e.stateMachineArn.endsWith('-welcome'),
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'JourneyStepFailed' });
    const input = execution?.input as { detail?: { contact?: { contactId?: string } } } | undefined;
    const contactId = input?.detail?.contact?.contactId;
    expect(await system.run('welcome', `contact:${contactId}`)).toMatchObject({
      status: 'failed',
      endReason: expect.stringContaining('AccessDeniedException'),
    });
  });

  it('a state machine whose role may not invoke its function fails its execution', async () => {
    system = await startLocalSystem({
      editAssembly: withoutGrant('JourneyswelcomeStateMachineRole', 'lambda:InvokeFunction'),
      allowDenials: true,
    });

    await signUp(system, 'denied.task@example.com');

    const execution = system.runtime.stepFunctions.executions.find((e) =>
      e.stateMachineArn.endsWith('-welcome'),
    );
    expect(execution).toMatchObject({ status: 'FAILED' });
    expect(JSON.stringify(execution?.history)).toContain('Lambda.AWSLambdaException');
    expect(system.denials()).toContainEqual(
      expect.objectContaining({
        action: 'lambda:InvokeFunction',
        resource: expect.stringContaining('JourneyStep'),
      }),
    );
  });

  it('a rule whose target function gives EventBridge no permission dead-letters the event, unretried', async () => {
    system = await startLocalSystem({
      editAssembly: withoutPermission('IngestProducerEventsAllowEventRule'),
      allowDenials: true,
    });

    await signUp(system, 'denied.rule@example.com');

    expect(system.runtime.bus.failedDeliveries).toContainEqual(
      expect.objectContaining({
        error: expect.stringContaining('AccessDeniedException'),
        condition: 'NotRetryable',
        attempts: 1,
      }),
    );
    const deadLetters = system.runtime.sqs.queues().find((q) => q.name.includes('IngestDeadLetters'));
    expect(deadLetters?.messages).toHaveLength(1);
    expect(system.emailsTo('denied.rule@example.com')).toEqual([]);
  });

  it('an API route whose function gives API Gateway no permission answers 500', async () => {
    system = await startLocalSystem({
      editAssembly: withoutPermission('HttpApirepsGET'),
      allowDenials: true,
    });

    const answer = await fetch(`${system.endpoint}/v1/reps`, { headers: { 'x-api-key': API_KEY } });

    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ message: 'Internal server error' });
    expect(system.denials()).toContainEqual(
      expect.objectContaining({ principal: 'apigateway.amazonaws.com', action: 'lambda:InvokeFunction' }),
    );
  });

  it('the test tier fails when a call was denied', async () => {
    const strict = await startLocalSystem({
      editAssembly: withoutGrant('JourneysJourneyStepRole', 'ses:SendEmail'),
      environment: { AWS_MAX_ATTEMPTS: '1' },
    });
    await signUp(strict, 'denied.tier@example.com');
    await expect(strict.stop()).rejects.toThrow(/IAM denied \d+ call\(s\)[\s\S]*ses:SendEmail/);
  });
});

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { byField, defineJourney, send, waitFor } from '#language/builder.ts';
import { type RouterDeps, routeEvent } from '../../../functions/journeys/event-router.ts';
import { scheduleName } from '../../../functions/journeys/journey-runs.ts';
import { RunsRepository } from '../../../functions/journeys/runs-repository.ts';
import { transactionConditionFailed } from '../../support/dynamo-transactions.ts';
import { examples } from '../../workflows/catalogue/examples.ts';
import { lambdaContext } from '../lambda-context.ts';

const STATE_TABLE = 'journey-state-table';
const ABANDONED_CART = 'abandoned-cart';
const NUDGE = 'checkout-nudge';
const targetOf = (journeyId: string) => ({
  stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:relance-${journeyId}`,
  scheduleGroup: `relance-${journeyId}`,
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/relance-scheduler',
});

const ddbMock = mockClient(DynamoDBDocumentClient);
const schedulerMock = mockClient(SchedulerClient);
const sfnMock = mockClient(SFNClient);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.JOURNEY_STATE_TABLE = STATE_TABLE;
  // The naming rule the template sets: `<prefix><journeyId>` for state machines and schedule groups.
  process.env.JOURNEY_NAME_PREFIX = 'relance-';
  process.env.STATE_MACHINE_ARN_PREFIX = 'arn:aws:states:us-east-1:123456789012:stateMachine:';
  process.env.JOURNEY_SCHEDULER_ROLE_ARN = 'arn:aws:iam::123456789012:role/relance-scheduler';
  ({ handler } = await import('../../../functions/journeys/event-router-handler.ts'));
});

beforeEach(() => {
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(TransactWriteCommand).resolves({});
  schedulerMock.on(DeleteScheduleCommand).resolves({});
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
});

afterEach(() => {
  ddbMock.reset();
  schedulerMock.reset();
  sfnMock.reset();
});

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** An accepted event as ingest re-publishes it (the contact carries its contactId). */
function acceptedEvent(detailType: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'e0e0e0e0-0000-0000-0000-000000000001',
    'detail-type': detailType,
    source: 'relance.ingest',
    account: '123456789012',
    time: '2024-05-01T13:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { ...detail, contact: { email: 'ada@example.com', contactId: 'c-42' } },
  };
}

/** A stored run of `journeyId` for cart-123, paused on `stepId` when given. */
function storedRun(journeyId: string, gen: number, stepId?: string) {
  const runKey = 'key:cart-123';
  return {
    pk: `RUN#${journeyId}#${runKey}`,
    sk: 'RUN',
    journeyId,
    runKey,
    gen,
    status: stepId ? 'waiting' : 'active',
    contactId: 'c-42',
    triggerType: 'cart.updated',
    triggerEventId: 'evt-cart-1',
    trigger: { ...examples['cart.updated'], contact: { email: 'ada@example.com', contactId: 'c-42' } },
    startedAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
    history: [],
    ...(stepId
      ? {
          waiting: {
            stepId,
            kind: 'waitFor',
            until: '2024-05-01T13:00:00.000Z',
            scheduleName: scheduleName(journeyId, runKey, gen, stepId),
          },
        }
      : {}),
  };
}

/** Registers the run as listening for `eventType` on cart-123, and makes it readable. */
function listening(eventType: string, run: ReturnType<typeof storedRun>) {
  ddbMock
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `LISTEN#${eventType}#cart-123` } })
    .resolves({
      Items: [
        {
          pk: `LISTEN#${eventType}#cart-123`,
          sk: `${run.journeyId}#${run.runKey}`,
          journeyId: run.journeyId,
          runKey: run.runKey,
          gen: run.gen,
        },
      ],
    });
  ddbMock.on(GetCommand, { Key: { pk: run.pk, sk: 'RUN' } }).resolves({ Item: run });
}

describe('event router handler: goals', () => {
  it('ends an abandoned-cart run waiting on await-order with goal_reached and deletes its schedule', async () => {
    // Prepare
    const run = storedRun(ABANDONED_CART, 3, 'await-order');
    listening('order.completed', run);

    // Act
    const outcomes = await handler(
      acceptedEvent('order.completed', examples['order.completed']),
      lambdaContext('event-router'),
    );

    // Assess
    expect(outcomes).toEqual([
      { journeyId: ABANDONED_CART, runKey: 'key:cart-123', outcome: 'goal_reached' },
    ]);
    // First the conversion (the order converts the cart's run, within 7 days of its start), then the
    // end: each with its counters (the day the run started, its shard) in one transaction.
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    const transactions = ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(transactions).toHaveLength(2);
    const [conversion, converted] = transactions[0]?.TransactItems ?? [];
    expect(conversion?.Update).toMatchObject({
      TableName: STATE_TABLE,
      Key: { pk: run.pk, sk: 'RUN' },
      ConditionExpression: 'gen = :gen AND attribute_not_exists(convertedAt)',
    });
    expect(converted?.Update?.ExpressionAttributeNames).toEqual({
      '#c0': 'unversioned|converted',
      ...(typeof examples['order.completed'].total === 'number' && examples['order.completed'].total !== 0
        ? { '#c1': 'unversioned|revenue' }
        : {}),
    });
    const [end, counters] = transactions[1]?.TransactItems ?? [];
    expect(end?.Update).toMatchObject({
      TableName: STATE_TABLE,
      Key: { pk: run.pk, sk: 'RUN' },
      ExpressionAttributeValues: { ':gen': 3, ':status': 'ended', ':reason': 'goal_reached' },
    });
    expect(end?.Update?.ConditionExpression).toContain('gen = :gen');
    expect(counters?.Update).toMatchObject({
      TableName: STATE_TABLE,
      Key: { pk: expect.stringMatching(/^COUNTS#RUNS#abandoned-cart#2024-05-01#\d+$/), sk: 'COUNTS' },
      ExpressionAttributeNames: { '#c0': 'unversioned|goalReached' },
      ExpressionAttributeValues: { ':c0': 1 },
    });
    const deletes = schedulerMock.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input);
    expect(deletes).toEqual([{ Name: run.waiting?.scheduleName, GroupName: `relance-${ABANDONED_CART}` }]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('counts the conversion of a held-out run (ended at entry) apart, and a converted run never again', async () => {
    // Prepare
    const heldOut = { ...storedRun(ABANDONED_CART, 3), status: 'ended', endReason: 'holdout' };
    listening('order.completed', heldOut);

    // Act
    const outcomes = await handler(
      acceptedEvent('order.completed', examples['order.completed']),
      lambdaContext(),
    );

    // Assess: counted as a held-out conversion; the run stays as it was (nothing to end)
    expect(outcomes).toEqual([{ journeyId: ABANDONED_CART, runKey: 'key:cart-123', outcome: 'ignored' }]);
    const transactions = ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(transactions).toHaveLength(1);
    expect(transactions[0]?.TransactItems?.[1]?.Update?.ExpressionAttributeNames?.['#c0']).toBe(
      'unversioned|heldOutConverted',
    );

    // Act again: the same run, now converted
    ddbMock.reset();
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    listening('order.completed', { ...heldOut, convertedAt: '2024-05-01T12:30:00.000Z' } as typeof heldOut);
    await handler(acceptedEvent('order.completed', examples['order.completed']), lambdaContext());
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('does nothing more when the run already ended (the end condition fails)', async () => {
    // Prepare
    const run = storedRun(ABANDONED_CART, 3, 'await-order');
    listening('order.completed', run);
    ddbMock.on(TransactWriteCommand).rejects(transactionConditionFailed());

    // Act
    const outcomes = await handler(
      acceptedEvent('order.completed', examples['order.completed']),
      lambdaContext(),
    );

    // Assess
    expect(outcomes).toEqual([{ journeyId: ABANDONED_CART, runKey: 'key:cart-123', outcome: 'ignored' }]);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('ignores a listener left by an earlier generation of the run', async () => {
    // Prepare: a journey whose run key is not the cart, so the router goes through the listen index.
    const perEvent = defineJourney({
      id: 'cart-follow-up',
      description: 'One run per cart event, ended by the order of that cart',
      trigger: { event: 'cart.updated' },
      entry: { reentry: true },
      goal: { event: 'order.completed', correlate: byField('cartId') },
      steps: [
        waitFor('await-order', {
          event: 'order.completed',
          correlate: byField('cartId'),
          timeout: { hours: 1 },
        }),
      ],
    });
    const current = storedRun('cart-follow-up', 4, 'await-order');
    listening('order.completed', { ...current, gen: 3 });
    ddbMock.on(GetCommand, { Key: { pk: current.pk, sk: 'RUN' } }).resolves({ Item: current });
    const deps: RouterDeps = {
      runs: new RunsRepository(STATE_TABLE),
      journeys: [perEvent],
      targets: { 'cart-follow-up': targetOf('cart-follow-up') },
    };

    // Act
    const outcomes = await routeEvent(deps, acceptedEvent('order.completed', examples['order.completed']));

    // Assess
    expect(outcomes).toEqual([]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)).toHaveLength(0);
  });

  it('ignores events nobody listens for', async () => {
    // Act
    const outcomes = await handler(
      acceptedEvent('order.completed', examples['order.completed']),
      lambdaContext(),
    );

    // Assess
    expect(outcomes).toEqual([]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('routeEvent: waitFor resolved by an event', () => {
  const checkoutOfThisCart = { event: 'checkout.started', correlate: byField('cartId') } as const;
  /** A journey where checkout.started resolves waitFor steps; its goal is another event. */
  const nudge = defineJourney({
    id: NUDGE,
    description: 'Nudge a shopper who has not started checking out',
    trigger: { event: 'cart.updated' },
    entry: { reentry: true, dedupeKey: 'cartId' },
    goal: { event: 'order.completed', correlate: byField('cartId') },
    steps: [
      waitFor('await-checkout', { ...checkoutOfThisCart, timeout: { hours: 2 } }),
      send('checkout-thanks', { channel: 'email', template: 'cart-reminder' }),
      waitFor('await-checkout-again', { ...checkoutOfThisCart, timeout: { hours: 24 } }),
    ],
  });
  const deps: RouterDeps = {
    runs: new RunsRepository(STATE_TABLE),
    journeys: [nudge],
    targets: { [NUDGE]: targetOf(NUDGE) },
  };
  const checkout = acceptedEvent('checkout.started', examples['checkout.started']);

  it('claims the run once and starts the state machine on the event branch', async () => {
    // Prepare
    const run = storedRun(NUDGE, 2, 'await-checkout');
    listening('checkout.started', run);
    ddbMock.on(UpdateCommand).resolves({
      Attributes: {
        ...run,
        status: 'active',
        waiting: undefined,
        resolution: { stepId: 'await-checkout', via: 'event' },
      },
    });

    // Act
    const outcomes = await routeEvent(deps, checkout);

    // Assess
    expect(outcomes).toEqual([
      { journeyId: NUDGE, runKey: 'key:cart-123', outcome: 'resumed', stepId: 'await-checkout' },
    ]);
    const updates = ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.ConditionExpression).toContain('waiting.stepId = :step');
    expect(updates[0]?.ConditionExpression).toContain('gen = :gen');
    expect(updates[0]).toMatchObject({
      Key: { pk: run.pk, sk: 'RUN' },
      ExpressionAttributeValues: {
        ':gen': 2,
        ':step': 'await-checkout',
        ':r': { stepId: 'await-checkout', via: 'event', event: checkout.detail },
      },
    });
    expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: run.waiting?.scheduleName, GroupName: `relance-${NUDGE}` },
    ]);
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(1);
    expect(starts[0]?.stateMachineArn).toBe(targetOf(NUDGE).stateMachineArn);
    expect(starts[0]?.name).toBe(`${run.waiting?.scheduleName}-event`);
    expect(JSON.parse(starts[0]?.input ?? '{}')).toEqual({
      resume: { runKey: 'key:cart-123', gen: 2, stepId: 'await-checkout', via: 'event' },
    });
  });

  it('starts nothing when the claim fails its condition (a timeout claimed the run first)', async () => {
    // Prepare
    const run = storedRun(NUDGE, 2, 'await-checkout');
    listening('checkout.started', run);
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const outcomes = await routeEvent(deps, checkout);

    // Assess
    expect(outcomes).toEqual([{ journeyId: NUDGE, runKey: 'key:cart-123', outcome: 'ignored' }]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)).toHaveLength(0);
  });

  it('ignores a run that is not waiting for this event', async () => {
    // Prepare
    listening('checkout.started', storedRun(NUDGE, 2));

    // Act
    const outcomes = await routeEvent(deps, checkout);

    // Assess
    expect(outcomes).toEqual([{ journeyId: NUDGE, runKey: 'key:cart-123', outcome: 'ignored' }]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('starts the execution on redelivery when StartExecution failed after the claim', async () => {
    // Prepare: first delivery claims the run, then StartExecution is throttled.
    const waiting = storedRun(NUDGE, 2, 'await-checkout');
    listening('checkout.started', waiting);
    const { waiting: pending, ...rest } = waiting;
    const claimed = {
      ...rest,
      status: 'active',
      resolution: { stepId: 'await-checkout', via: 'event', event: checkout.detail },
    };
    ddbMock.on(UpdateCommand).resolves({ Attributes: claimed });
    const throttled = new Error('Rate exceeded');
    throttled.name = 'ThrottlingException';
    sfnMock.on(StartExecutionCommand).rejectsOnce(throttled).resolves({ executionArn: 'arn:exec' });
    await expect(routeEvent(deps, checkout)).rejects.toThrow('Rate exceeded');

    // Act: the event is redelivered; the run is now the claimed one.
    ddbMock.on(GetCommand, { Key: { pk: waiting.pk, sk: 'RUN' } }).resolves({ Item: claimed });
    await routeEvent(deps, checkout);

    // Assess
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(2);
    expect(starts[1]?.name).toBe(`${pending?.scheduleName}-event`);
  });
});

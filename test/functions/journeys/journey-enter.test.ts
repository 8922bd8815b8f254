import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContactsRepository } from '../../../functions/contacts/contacts-repository.ts';
import { CapsRepository } from '../../../functions/delivery/caps-repository.ts';
import { LedgerRepository } from '../../../functions/delivery/ledger-repository.ts';
import type { JourneyDeps } from '../../../functions/journeys/context.ts';
import { enter } from '../../../functions/journeys/enter-resume.ts';
import { scheduleName } from '../../../functions/journeys/journey-runs.ts';
import { RunsRepository } from '../../../functions/journeys/runs-repository.ts';
import { ProductsRepository } from '../../../functions/products/products-repository.ts';
import { findJourney } from '../../../workflows/journeys/index.ts';
import { templates } from '../../../workflows/templates/index.ts';
import { transactionConditionFailed } from '../../support/dynamo-transactions.ts';

const ddbMock = mockClient(DynamoDBDocumentClient);
const schedulerMock = mockClient(SchedulerClient);
const STATE = 'journey-state';
const NOW = Date.parse('2024-05-01T12:00:00Z');

const deps: JourneyDeps = {
  runs: new RunsRepository(STATE),
  contacts: new ContactsRepository('contacts'),
  ledger: new LedgerRepository('ledger'),
  products: new ProductsRepository('products'),
  targets: {
    'abandoned-cart': {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Relance-abandoned-cart',
      scheduleGroup: 'Relance-abandoned-cart',
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
    },
  },
  caps: new CapsRepository('ledger'),
  sending: {
    fromAddress: 'shop@example.com',
    brand: {},
    defaultTimezone: 'UTC',
    policy: {
      quietHours: { start: '21:00', end: '08:00' },
      frequencyCaps: {
        email: { max: 5, windowDays: 7 },
        sms: { max: 2, windowDays: 7 },
        voice: { max: 2, windowDays: 7 },
      },
      emailTopics: {},
      inFlightGraceSeconds: 300,
    },
  },
  findJourney,
  templates,
};

const cartEvent = {
  'detail-type': 'cart.updated',
  detail: {
    eventId: 'evt-cart-1',
    occurredAt: '2024-05-01T12:00:00Z',
    source: 'shop',
    contact: { contactId: 'c-1' },
    cartId: 'cart-9',
    items: [{ sku: 'A', name: 'A', qty: 1, price: 10 }],
    value: 10,
    currency: 'EUR',
  },
};

describe('enter: a journey that starts with a pause', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    ddbMock.reset();
    schedulerMock.reset();
    vi.useRealTimers();
  });

  it('creates the run already paused at the first step and schedules its wake-up, in one write of the run', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(PutCommand).resolves({});
    // The run as the entering transaction wrote it, read back after it.
    let written: Record<string, unknown> | undefined;
    ddbMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      const values = input.TransactItems?.[0]?.Update?.ExpressionAttributeValues ?? {};
      written = {
        pk: 'RUN#abandoned-cart#key:cart-9',
        sk: 'RUN',
        journeyId: 'abandoned-cart',
        runKey: 'key:cart-9',
        gen: 1,
        status: values[':status'],
        triggerType: 'cart.updated',
        triggerEventId: 'evt-cart-1',
        startedAt: values[':startedAt'],
        updatedAt: values[':updatedAt'],
        waiting: values[':waiting'],
      };
      return {};
    });
    ddbMock.on(GetCommand, { TableName: STATE }).callsFake(() => ({ Item: written }));
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // Act
    const ctx = await enter(deps, 'abandoned-cart', cartEvent, 'await-order');

    // Assess
    expect(ctx).toMatchObject({ proceed: true, paused: true, runKey: 'key:cart-9', gen: 1 });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    const transactions = ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(transactions).toHaveLength(1);
    const [run, counters] = transactions[0]?.TransactItems ?? [];
    expect(run?.Update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'waiting',
      ':waiting': { stepId: 'await-order', kind: 'waitFor', until: '2024-05-01T13:00:00.000Z' },
    });
    // Entered and counted together, on the day it started.
    expect(counters?.Update).toMatchObject({
      Key: { pk: expect.stringMatching(/^COUNTS#RUNS#abandoned-cart#2024-05-01#\d+$/), sk: 'COUNTS' },
      ExpressionAttributeNames: { '#c0': 'unversioned|entered' },
      ExpressionAttributeValues: { ':c0': 1 },
    });
    // The goal and the waitFor correlate on the dedupe key: no listen item is needed.
    const puts = ddbMock.commandCalls(PutCommand).map((call) => String(call.args[0].input.Item?.pk));
    expect(puts.filter((pk) => pk.startsWith('LISTEN#'))).toEqual([]);
    const schedules = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(schedules).toEqual([
      expect.objectContaining({
        Name: scheduleName('abandoned-cart', 'key:cart-9', 1, 'await-order'),
        ScheduleExpression: 'at(2024-05-01T13:00:00)',
        Target: expect.objectContaining({
          Input: JSON.stringify({
            resume: { runKey: 'key:cart-9', gen: 1, stepId: 'await-order', via: 'timeout' },
          }),
        }),
      }),
    ]);
  });

  it('schedules the wake-up on a retry when the first attempt paused the run but died before scheduling', async () => {
    // Prepare: the run exists, paused by this very trigger, and no schedule was created.
    const paused = {
      pk: 'RUN#abandoned-cart#key:cart-9',
      sk: 'RUN',
      journeyId: 'abandoned-cart',
      runKey: 'key:cart-9',
      gen: 3,
      status: 'waiting',
      triggerType: 'cart.updated',
      triggerEventId: 'evt-cart-1',
      startedAt: '2024-05-01T12:00:00.000Z',
      updatedAt: '2024-05-01T12:00:00.000Z',
      waiting: { stepId: 'await-order', kind: 'waitFor', until: '2024-05-01T13:00:00.000Z' },
    };
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(GetCommand, { TableName: STATE }).resolves({ Item: paused });
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(TransactWriteCommand).rejects(transactionConditionFailed());
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // Act
    const ctx = await enter(deps, 'abandoned-cart', cartEvent, 'await-order');

    // Assess
    expect(ctx).toMatchObject({ proceed: false, reason: 'duplicate_trigger' });
    const names = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name);
    expect(names).toEqual([scheduleName('abandoned-cart', 'key:cart-9', 3, 'await-order')]);
  });
});

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { InvalidParameterException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ledgerKey, ledgerTag } from '../../../functions/delivery/ledger.ts';
import { scheduleName } from '../../../functions/journeys/journey-runs.ts';
import { counterChanges, updatesOf } from '../../support/dynamo-transactions.ts';
import { RoundTrips } from '../../support/round-trips.ts';
import { examples } from '../../workflows/catalogue/examples.ts';
import { lambdaContext } from '../lambda-context.ts';

const CONTACTS = 'contacts-table';
const LEDGER = 'ledger-table';
const STATE = 'journey-state-table';
const PRODUCTS = 'products-table';
const CONFIGURATION_SET = 'relance-events';
const FROM = 'Relance Test Shop <hello@shop.test>';
const WELCOME_TARGET = {
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:relance-welcome',
  scheduleGroup: 'relance-welcome',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/relance-scheduler',
};

const RUN_KEY = 'contact:c-42';
const GEN = 1;
const SEND_STEP = 'welcome-email';
const LEDGER_KEY = ledgerKey({
  journeyId: 'welcome',
  runKey: RUN_KEY,
  gen: GEN,
  stepId: SEND_STEP,
  channel: 'email',
});
/** Entries are stored under the digest of their key (the `ledger` tag of their message). */
const LEDGER_PK = ledgerTag(LEDGER_KEY);
const NOW = new Date('2024-05-01T12:00:00.000Z');

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
const schedulerMock = mockClient(SchedulerClient);
const secretsMock = mockClient(SecretsManagerClient);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.CONTACTS_TABLE = CONTACTS;
  process.env.LEDGER_TABLE = LEDGER;
  process.env.JOURNEY_STATE_TABLE = STATE;
  process.env.PRODUCTS_TABLE = PRODUCTS;
  // The naming rule the template sets: `<prefix><journeyId>` for state machines and schedule groups.
  process.env.JOURNEY_NAME_PREFIX = 'relance-';
  process.env.STATE_MACHINE_ARN_PREFIX = 'arn:aws:states:us-east-1:123456789012:stateMachine:';
  process.env.JOURNEY_SCHEDULER_ROLE_ARN = 'arn:aws:iam::123456789012:role/relance-scheduler';
  process.env.FROM_ADDRESS = FROM;
  process.env.SES_CONFIGURATION_SET = CONFIGURATION_SET;
  process.env.LINK_SIGNING_SECRET_ARN =
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:link-key-AbCdEf';
  process.env.PUBLIC_BASE_URL = 'https://api.shop.test/v1/';
  process.env.BRAND = JSON.stringify({ name: 'Relance Test Shop', website: 'https://shop.test' });
  process.env.DELIVERY_POLICY = JSON.stringify({
    quietHours: { start: '21:00', end: '08:00' },
    frequencyCaps: {
      email: { max: 100, windowDays: 7 },
      sms: { max: 100, windowDays: 7 },
      voice: { max: 100, windowDays: 7 },
    },
    emailTopics: {},
    inFlightGraceSeconds: 300,
  });
  ({ handler } = await import('../../../functions/journeys/step-handler.ts'));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-42' } }).resolves({ Item: contact() });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(TransactWriteCommand).resolves({});
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-1' });
  schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
});

afterEach(() => {
  vi.useRealTimers();
  ddbMock.reset();
  sesMock.reset();
  schedulerMock.reset();
  secretsMock.reset();
});

/** A stored contact profile (valid for `Contact.parse`). */
function contact(changes: Record<string, unknown> = {}) {
  return {
    pk: 'CONTACT#c-42',
    kind: 'contact',
    contactId: 'c-42',
    email: 'ada@example.com',
    firstName: 'Ada',
    attributes: {},
    tags: [],
    lockedFields: [],
    consent: {},
    suppressed: {},
    stats: { orderCount: 0, totalSpent: 0 },
    appliedEventKeys: [],
    version: 1,
    createdAt: '2024-05-01T11:59:00.000Z',
    updatedAt: '2024-05-01T11:59:00.000Z',
    ...changes,
  };
}

/** The `$.ctx` Enter put in the welcome run's state. */
const ctx = {
  proceed: true,
  journeyId: 'welcome',
  runKey: RUN_KEY,
  gen: GEN,
  contactId: 'c-42',
  triggerType: 'contact.signed_up',
  trigger: { ...examples['contact.signed_up'], contact: { email: 'ada@example.com', contactId: 'c-42' } },
  splits: {},
};

const sendRequest = { action: 'send', journeyId: 'welcome', stepId: SEND_STEP, ctx };
const waitRequest = { action: 'wait', journeyId: 'welcome', stepId: 'two-days', ctx };

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** A ledger entry a previous attempt of the send step left behind. */
function existingEntry(status: string, changes: Record<string, unknown> = {}) {
  // Only the entry's own put fails its condition; the frequency-cap item (same table) is written normally.
  ddbMock.on(PutCommand, { TableName: LEDGER, Item: { pk: LEDGER_PK } }).rejects(conditionFailed());
  ddbMock.on(GetCommand, { TableName: LEDGER, Key: { pk: LEDGER_PK } }).resolves({
    Item: {
      pk: LEDGER_PK,
      ledgerKey: LEDGER_KEY,
      contactId: 'c-42',
      journeyId: 'welcome',
      runKey: RUN_KEY,
      gen: GEN,
      stepId: SEND_STEP,
      channel: 'email',
      template: 'welcome',
      category: 'marketing',
      status,
      createdAt: '2024-05-01T11:59:30.000Z',
      updatedAt: '2024-05-01T11:59:30.000Z',
      expiresAt: 1_749_000_000,
      ...changes,
    },
  });
}

/** The ledger entry updates, alone or in a transaction with the journey's counters, in order. */
const ledgerUpdates = () => updatesOf(ddbMock, LEDGER, LEDGER_PK);

/** The values of the ledger settle updates, in order. */
function ledgerSettles(): Array<Record<string, unknown>> {
  return ledgerUpdates().map((update) => (update.ExpressionAttributeValues ?? {}) as Record<string, unknown>);
}

describe('journey step: send', () => {
  it('reads the frequency cap of a marketing e-mail while its ledger entry is begun: one round trip less before SES', async () => {
    // Prepare: every DynamoDB call waits until the test answers the round trip it belongs to.
    const trips = new RoundTrips();
    const calls: Array<{ trip: number; what: string }> = [];
    const roundTrip = (what: string, answer: object) => {
      calls.push({ trip: trips.count, what });
      return trips.answer(answer);
    };
    const keyOf = (input: { Key?: { pk?: unknown }; Item?: { pk?: unknown } }) =>
      String(input.Key?.pk ?? input.Item?.pk);
    ddbMock
      .on(GetCommand)
      .callsFake((input) =>
        roundTrip(`get ${keyOf(input)}`, keyOf(input) === 'CONTACT#c-42' ? { Item: contact() } : {}),
      );
    ddbMock.on(PutCommand).callsFake((input) => roundTrip(`put ${keyOf(input)}`, {}));
    ddbMock.on(UpdateCommand).callsFake((input) => roundTrip(`update ${keyOf(input)}`, {}));
    ddbMock.on(TransactWriteCommand).callsFake(() => roundTrip('transaction', {}));
    let tripsBeforeSes: number | undefined;
    sesMock.on(SendEmailCommand).callsFake(() => {
      tripsBeforeSes ??= trips.count;
      return { MessageId: 'ses-msg-1' };
    });

    // Act: answer all the calls in flight at once, as one round trip, until the step ends.
    await trips.drive(handler(sendRequest, lambdaContext('journey-step')));

    // Assess
    const tripOf = (what: string) => calls.find((call) => call.what === what)?.trip;
    expect(tripOf(`put ${LEDGER_PK}`)).toBeDefined();
    expect(tripOf('get CAP#c-42#email')).toBe(tripOf(`put ${LEDGER_PK}`));
    // The cap's slot is written after both, then the e-mail goes.
    expect(tripOf('put CAP#c-42#email')).toBe((tripOf(`put ${LEDGER_PK}`) ?? 0) + 1);
    expect(tripsBeforeSes).toBe((tripOf('put CAP#c-42#email') ?? 0) + 1);
    expect(calls.filter((call) => call.what === 'get CAP#c-42#email')).toHaveLength(1);
  });

  it('begins the ledger entry with a conditional put, sends through SES with tags, and settles it sent', async () => {
    // Prepare
    let ledgerPutsBeforeSes = -1;
    sesMock.on(SendEmailCommand).callsFake(() => {
      ledgerPutsBeforeSes = ddbMock.commandCalls(PutCommand, {
        TableName: LEDGER,
        Item: { pk: LEDGER_PK },
      }).length;
      return { MessageId: 'ses-msg-1' };
    });

    // Act
    const result = await handler(sendRequest, lambdaContext('journey-step'));

    // Assess
    const puts = ddbMock
      .commandCalls(PutCommand, { TableName: LEDGER, Item: { pk: LEDGER_PK } })
      .map((call) => call.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: LEDGER_PK,
        ledgerKey: LEDGER_KEY,
        status: 'in_flight',
        contactId: 'c-42',
        category: 'marketing',
      },
    });
    expect(ledgerPutsBeforeSes).toBe(1);

    const emails = sesMock.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      FromEmailAddress: FROM,
      Destination: { ToAddresses: ['ada@example.com'] },
      ConfigurationSetName: CONFIGURATION_SET,
      Content: { Simple: { Subject: { Data: 'Welcome to Relance Test Shop, Ada!' } } },
    });
    expect(emails[0]?.EmailTags).toEqual(
      expect.arrayContaining([
        { Name: 'journey', Value: 'welcome' },
        { Name: 'step', Value: SEND_STEP },
        { Name: 'run', Value: ledgerTag(`welcome#${RUN_KEY}`) },
        { Name: 'ledger', Value: ledgerTag(LEDGER_KEY) },
      ]),
    );
    expect(emails[0]?.EmailTags).toHaveLength(4);

    expect(ledgerSettles()).toEqual([
      expect.objectContaining({ ':status': 'sent', ':providerMessageId': 'ses-msg-1' }),
    ]);
    // Settled and counted in one transaction, conditioned on the entry as it was begun.
    expect(ledgerUpdates()[0]).toMatchObject({
      ConditionExpression: '#status = :readStatus AND updatedAt = :readAt',
      ExpressionAttributeValues: { ':readStatus': 'in_flight' },
    });
    expect(counterChanges(ddbMock)).toEqual([{ 'unversioned|welcome-email|sent': 1 }]);
    expect(result).toMatchObject({ status: 'sent', providerMessageId: 'ses-msg-1' });
  });

  it('gives a marketing e-mail RFC 8058 List-Unsubscribe headers with a signed one-click link', async () => {
    // Act
    await handler(sendRequest, lambdaContext('journey-step'));

    // Assess
    const headers = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Headers ?? [];
    const byName = Object.fromEntries(headers.map((h) => [h.Name, h.Value]));
    expect(byName['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(byName['List-Unsubscribe']).toMatch(
      /^<https:\/\/api\.shop\.test\/v1\/u\/[\w-]+\.[\w-]+>, <mailto:unsubscribe@shop\.test\?subject=unsubscribe-[\w.-]+>$/,
    );
  });

  it('does not call SES again when the retried step finds its entry already sent', async () => {
    // Prepare
    existingEntry('sent', { providerMessageId: 'ses-msg-0' });

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ledgerSettles()).toEqual([]);
    expect(result).toMatchObject({ status: 'sent', providerMessageId: 'ses-msg-0' });
  });

  it('waits for the provider’s evidence while an in-flight entry is within its grace period', async () => {
    // Prepare: the previous attempt began 30 s ago; the grace period is 300 s.
    existingEntry('in_flight');

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(result).toEqual({
      status: 'deferred',
      reason: 'awaiting_provider_evidence',
      deferredUntil: '2024-05-01T12:04:30.000Z',
    });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ledgerSettles()).toEqual([]);
  });

  it('settles an in-flight marketing entry as skipped (outcome unknown, at most once) without calling SES', async () => {
    // Prepare: the previous attempt began 10 minutes ago and no evidence came.
    existingEntry('in_flight', {
      createdAt: '2024-05-01T11:50:00.000Z',
      updatedAt: '2024-05-01T11:50:00.000Z',
    });

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ledgerSettles()).toEqual([
      expect.objectContaining({ ':status': 'skipped', ':reason': 'outcome_unknown_at_most_once' }),
    ]);
    expect(result).toEqual({ status: 'skipped', reason: 'outcome_unknown_at_most_once' });
  });

  it('skips a contact who opted out of e-mail, without calling SES', async () => {
    // Prepare
    const optedOut = {
      status: 'opted_out',
      at: '2024-04-30T10:00:00Z',
      source: 'unsubscribe-link',
      proof: { kind: 'link', reference: 'u-1' },
    };
    ddbMock
      .on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-42' } })
      .resolves({ Item: contact({ consent: { email: { channel: optedOut, topics: {} } } }) });

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ledgerSettles()).toEqual([
      expect.objectContaining({ ':status': 'skipped', ':reason': 'unsubscribed' }),
    ]);
    expect(counterChanges(ddbMock)).toEqual([
      { 'unversioned|welcome-email|skipped': 1, 'unversioned|welcome-email|skipped:unsubscribed': 1 },
    ]);
    expect(result).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
  });

  it('marks the entry failed/throttled and throws when SES is still throttling after the SDK retries', async () => {
    // Prepare
    sesMock
      .on(SendEmailCommand)
      .rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} }));

    // Act
    const act = handler(sendRequest, lambdaContext());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(ledgerSettles()).toEqual([
      expect.objectContaining({ ':status': 'failed', ':reason': 'throttled' }),
    ]);
  });

  it('marks the entry failed/provider_rejected and does not throw when SES rejects the message', async () => {
    // Prepare
    sesMock
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }));

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(result).toMatchObject({ status: 'failed', reason: 'provider_rejected' });
    expect(ledgerSettles()).toEqual([
      expect.objectContaining({ ':status': 'failed', ':reason': 'provider_rejected' }),
    ]);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('suppresses a number SNS refuses as invalid, so later SMS are skipped instead of failing again', async () => {
    // Prepare: an SMS opt-in on a number SNS will refuse
    const snsMock = mockClient(SNSClient);
    snsMock.on(PublishCommand).rejects(
      new InvalidParameterException({
        message: 'Invalid parameter: PhoneNumber Reason: +33612345678 is not valid to publish to',
        $metadata: {},
      }),
    );
    const optedIn = {
      status: 'opted_in',
      at: '2024-05-01T11:00:00.000Z',
      source: 'form',
      proof: { kind: 'form' },
    };
    ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-42' } }).resolves({
      Item: contact({ phone: '+33612345678', consent: { sms: { channel: optedIn, topics: {} } } }),
    });

    // Act
    const outcome = await handler({ ...sendRequest, stepId: 'sms-offer' }, lambdaContext());

    // Assess
    expect(outcome).toMatchObject({ status: 'failed', reason: 'provider_rejected' });
    const saved = ddbMock.commandCalls(PutCommand, { TableName: CONTACTS }).map((c) => c.args[0].input.Item);
    expect(saved).toEqual([
      expect.objectContaining({
        suppressed: { sms: expect.objectContaining({ reason: 'invalid_number' }) },
        version: 2,
      }),
    ]);
    snsMock.restore();
  });

  it('sends again when the previous attempt was throttled', async () => {
    // Prepare
    existingEntry('failed', { reason: 'throttled', detail: 'TooManyRequestsException' });

    // Act
    const result = await handler(sendRequest, lambdaContext());

    // Assess
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(result).toMatchObject({ status: 'sent', providerMessageId: 'ses-msg-1' });
  });

  it('puts a throttled entry back in flight before sending it again', async () => {
    // Prepare
    existingEntry('failed', { reason: 'throttled', detail: 'TooManyRequestsException' });
    let settlesBeforeSes: Array<Record<string, unknown>> = [];
    sesMock.on(SendEmailCommand).callsFake(() => {
      settlesBeforeSes = ledgerSettles();
      return { MessageId: 'ses-msg-1' };
    });

    // Act
    await handler(sendRequest, lambdaContext());

    // Assess
    expect(settlesBeforeSes).toEqual([expect.objectContaining({ ':status': 'in_flight' })]);
    // Taken from failed when reopened, added to sent when sent: the counters say what the ledger holds.
    expect(counterChanges(ddbMock)).toEqual([
      { 'unversioned|welcome-email|failed': -1 },
      { 'unversioned|welcome-email|sent': 1 },
    ]);
  });
});

describe('journey step: wait', () => {
  const name = scheduleName('welcome', RUN_KEY, GEN, 'two-days');

  it('pauses the run with a conditional update, then schedules the resumption 2 days later', async () => {
    // Prepare
    let updatesBeforeSchedule = -1;
    schedulerMock.on(CreateScheduleCommand).callsFake(() => {
      updatesBeforeSchedule = ddbMock.commandCalls(UpdateCommand, { TableName: STATE }).length;
      return { ScheduleArn: 'arn:schedule' };
    });

    // Act
    const result = await handler(waitRequest, lambdaContext());

    // Assess
    expect(result).toEqual({ paused: true, until: '2024-05-03T12:00:00.000Z' });
    const updates = ddbMock
      .commandCalls(UpdateCommand, { TableName: STATE })
      .map((call) => call.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      Key: { pk: `RUN#welcome#${RUN_KEY}`, sk: 'RUN' },
      ExpressionAttributeValues: {
        ':gen': GEN,
        ':w': { stepId: 'two-days', kind: 'wait', until: '2024-05-03T12:00:00.000Z' },
      },
    });
    expect(updates[0]?.ConditionExpression).toContain('gen = :gen');
    expect(updatesBeforeSchedule).toBe(1);

    const schedules = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({
      Name: name,
      GroupName: WELCOME_TARGET.scheduleGroup,
      ScheduleExpression: 'at(2024-05-03T12:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: WELCOME_TARGET.stateMachineArn, RoleArn: WELCOME_TARGET.schedulerRoleArn },
    });
    expect(JSON.parse(schedules[0]?.Target?.Input ?? '{}')).toEqual({
      resume: { runKey: RUN_KEY, gen: GEN, stepId: 'two-days', via: 'wait' },
    });
  });

  it('names the schedule deterministically, so a retried step targets the same schedule', async () => {
    // Act
    await handler(waitRequest, lambdaContext());
    vi.setSystemTime(new Date(NOW.getTime() + 5_000));
    await handler(waitRequest, lambdaContext());

    // Assess
    const names = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name);
    expect(names).toEqual([name, name]);
    expect(name).toMatch(/^[0-9a-f]{16}-1-two-days$/);
  });

  it('treats a ConflictException from CreateSchedule as success (the schedule already exists)', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: `Schedule ${name} already exists.`,
        Message: `Schedule ${name} already exists.`,
        $metadata: {},
      }),
    );

    // Act
    const result = await handler(waitRequest, lambdaContext());

    // Assess
    expect(result).toEqual({ paused: true, until: '2024-05-03T12:00:00.000Z' });
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('schedules nothing when the run was replaced or ended (the pause condition fails)', async () => {
    // Prepare
    ddbMock.on(UpdateCommand, { TableName: STATE }).rejects(conditionFailed());

    // Act
    const result = await handler(waitRequest, lambdaContext());

    // Assess
    expect(result).toEqual({ paused: false });
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });
});

describe('journey step: payload validation', () => {
  it('throws a zod error for an unknown action', async () => {
    // Act
    const act = handler({ action: 'nope' }, lambdaContext());

    // Assess
    await expect(act).rejects.toBeInstanceOf(z.core.$ZodError);
    expect(ddbMock.calls()).toHaveLength(0);
    expect(sesMock.calls()).toHaveLength(0);
  });
});
